"""BPMN 2.0 export: valid against OMG's XSDs, lint-clean, opened in bpmn.io, faithful to the graph, stable.

Every end-to-end flow of the newest release is exported through the CLI once per session; the files are
then checked by real tools: lxml against the vendored OMG schemas, bpmnlint's recommended rules (npm,
``make node-deps``) and bpmn-js (the bpmn.io viewer) in Debian's headless Chromium.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from etomkg import queries
from etomkg.iris import LATEST_RELEASE
from tests.conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
XSD = ROOT / "tests" / "data" / "bpmn" / "xsd" / "BPMN20.xsd"
NODE_TOOLS = ROOT / "tools" / "node" / "node_modules"
OUTPUT = ROOT / "test-output" / "bpmn"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
IRI = "{https://w3id.org/etomkg/bpmn#}iri"


def _load_docs_tool():
    return load_tool("bpmn_docs")


@pytest.fixture(scope="session")
def flow_keys(kg) -> list[str]:
    keys = [row["key"] for row in queries.run(kg, "e2e-flows", release=LATEST_RELEASE)]
    assert len(keys) >= 6
    return keys


@pytest.fixture(scope="session")
def exported(cli, flow_keys, tmp_path_factory) -> dict[str, Path]:
    """name → file: every end-to-end flow (en), one in Chinese, one by layers, and a neighbourhood."""
    out = tmp_path_factory.mktemp("bpmn")
    jobs = {key: ["--flow", key] for key in flow_keys}
    jobs["order-to-payment-zh"] = ["--flow", "order-to-payment", "--lang", "zh"]
    jobs["usage-to-payment-layer"] = ["--flow", "usage-to-payment", "--lanes", "layer"]
    jobs["process-1.4.5"] = ["--process", "1.4.5", "--lang", "en,zh"]
    files = {}
    for name, options in jobs.items():
        files[name] = out / f"{name}.bpmn"
        cli("export", "--format", "bpmn", *options, "-o", str(files[name]))
    return files


@pytest.fixture(scope="session")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _domain_of(kg, release: str) -> dict[str, str]:
    rows = kg.select(
        "SELECT ?id ?domain WHERE { ?p etom:level ?l ; skos:notation ?id ; etom:domain/skos:notation ?domain }",
        release=release,
    )
    return {row["id"]: row["domain"] for row in rows}


def test_every_export_is_valid_against_omg_xsds(exported, schema):
    for name, path in exported.items():
        document = etree.parse(str(path))
        assert schema.validate(document), (name, [str(error) for error in schema.error_log][:5])


def test_each_flow_has_a_task_per_step_and_a_message_flow_per_handoff_between_pools(kg, exported, flow_keys):
    domains = _domain_of(kg, LATEST_RELEASE)
    for key in flow_keys:
        steps = queries.run(kg, "e2e-steps", flow=key, release=LATEST_RELEASE)
        root = etree.parse(str(exported[key])).getroot()
        tasks = root.findall(".//bpmn:task", NS)
        by_step = {int(t.get("id").removeprefix("Task_")): t for t in tasks}
        assert sorted(by_step) == [int(row["step"]) for row in steps], key
        for row in steps:
            task = by_step[int(row["step"])]
            assert task.get("name") == f"{row['processId']} {row['processName']}"
            assert task.get(IRI) == kg.iris.process(LATEST_RELEASE, row["processId"])
        handoffs = [
            (a, b) for a, b in zip(steps, steps[1:], strict=False) if domains[a["processId"]] != domains[b["processId"]]
        ]
        message_flows = root.findall(".//bpmn:messageFlow", NS)
        assert len(message_flows) == len(handoffs), key
        messages = {m.get("id"): m.get("name") for m in root.findall("bpmn:message", NS)}
        for flow, (a, _) in zip(message_flows, handoffs, strict=True):
            assert flow.get("sourceRef") == f"Task_{a['step']}"
            assert messages[flow.get("messageRef")] == a["informationToNext"]
        # One pool per domain crossed, each with its own process.
        participants = root.findall(".//bpmn:participant", NS)
        assert {p.get("name").split(" ")[0] for p in participants} == {domains[r["processId"]] for r in steps}
        assert len(root.findall("bpmn:process", NS)) == len(participants)


def test_every_process_is_connected_start_to_end(exported):
    """Each pool's process runs start event → … → end event with no dangling node (what engines and linters need)."""
    for name, path in exported.items():
        root = etree.parse(str(path)).getroot()
        for process in root.findall("bpmn:process", NS):
            nodes = [n for n in process if etree.QName(n).localname not in ("sequenceFlow", "documentation")]
            flows = process.findall("bpmn:sequenceFlow", NS)
            incoming = Counter(f.get("targetRef") for f in flows)
            outgoing = Counter(f.get("sourceRef") for f in flows)
            for node in nodes:
                kind, node_id = etree.QName(node).localname, node.get("id")
                assert incoming[node_id] == (0 if kind == "startEvent" else 1), (name, node_id)
                assert outgoing[node_id] == (0 if kind == "endEvent" else 1), (name, node_id)
            assert sum(1 for n in nodes if etree.QName(n).localname == "startEvent") == 1


def test_layout_shapes_sit_inside_their_pools_and_never_overlap(exported):
    for name, path in exported.items():
        root = etree.parse(str(path)).getroot()
        bounds = {}
        for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
            box = shape.find("dc:Bounds", NS)
            bounds[shape.get("bpmnElement")] = tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))
        semantic = {e.get("id"): e for e in root.iter() if e.get("id")}
        assert set(bounds) <= set(semantic)
        pools = [p.get("id") for p in root.iterfind(".//bpmn:participant", NS)]
        assert all(p in bounds for p in pools), name
        for process in root.findall("bpmn:process", NS):
            pool = next(
                p.get("id")
                for p in root.iterfind(".//bpmn:participant", NS)
                if p.get("processRef") == process.get("id")
            )
            members = [n.get("id") for n in process if n.get("id") in bounds]
            assert members, (name, pool)
            px, py, pw, ph = bounds[pool]
            for member in members:
                x, y, w, h = bounds[member]
                assert px <= x and x + w <= px + pw and py <= y and y + h <= py + ph, (name, member)
        ids = sorted(bounds)
        in_pool = {n.get("id") for p in root.findall("bpmn:process", NS) for n in p}
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if (a in in_pool) != (b in in_pool):
                    continue  # a node lies in its pool by design
                ax, ay, aw, ah = bounds[a]
                bx, by, bw, bh = bounds[b]
                assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, (name, a, b)
        # Every edge is drawn.
        edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
        flows = {f.get("id") for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow", f"{{{NS['bpmn']}}}messageFlow")}
        assert edges == flows, name


def test_bpmnlint_recommended_rules_report_nothing(exported, tmp_path):
    binary = NODE_TOOLS / ".bin" / "bpmnlint"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make node-deps` (npm ci in tools/node)")
    (tmp_path / ".bpmnlintrc").write_text(json.dumps({"extends": "bpmnlint:recommended"}))
    proc = subprocess.run(
        [str(binary), *map(str, exported.values())], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stdout and "error" not in proc.stdout, proc.stdout


def test_a_broken_file_is_caught_by_bpmnlint(exported, tmp_path):
    """The lint gate can fail: a pool whose process lost its end event is reported."""
    root = etree.parse(str(exported["order-to-payment"])).getroot()
    process = root.find("bpmn:process", NS)
    for end in process.findall("bpmn:endEvent", NS):
        for flow in process.findall("bpmn:sequenceFlow", NS):
            if flow.get("targetRef") == end.get("id"):
                process.remove(flow)
        process.remove(end)
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(etree.tostring(root))
    (tmp_path / ".bpmnlintrc").write_text(json.dumps({"extends": "bpmnlint:recommended"}))
    proc = subprocess.run(
        [str(NODE_TOOLS / ".bin" / "bpmnlint"), str(broken)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0 and "end-event-required" in proc.stdout, proc.stdout


def test_every_export_opens_in_bpmn_js_without_warnings(exported, kg, flow_keys):
    from playwright.sync_api import sync_playwright

    tool = _load_docs_tool()
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: run `bash tools/system-deps.sh`")
    domains = _domain_of(kg, LATEST_RELEASE)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=tool.CHROMIUM_ARGS)
        page = tool.viewer_page(browser)
        for name, path in exported.items():
            report = tool.open_in_bpmn_js(page, path.read_text(encoding="utf-8"))
            assert report["warnings"] == [], (name, report["warnings"])
            counts = report["counts"]
            if name in flow_keys:
                steps = queries.run(kg, "e2e-steps", flow=name, release=LATEST_RELEASE)
                pools = {domains[row["processId"]] for row in steps}
                handoffs = sum(
                    domains[a["processId"]] != domains[b["processId"]] for a, b in zip(steps, steps[1:], strict=False)
                )
                assert counts["bpmn:Task"] == len(steps), name
                assert counts["bpmn:Participant"] == len(pools), name
                assert counts.get("bpmn:MessageFlow", 0) == handoffs, name
                assert counts["bpmn:StartEvent"] == counts["bpmn:EndEvent"] == len(pools), name
            page.screenshot(path=str(OUTPUT / f"{name}.png"))
        browser.close()


def test_neighbourhood_has_the_graphs_producers_and_consumers(kg, exported):
    flows = queries.run(kg, "flows", release=LATEST_RELEASE, lang="en")
    producers = sorted((r["producerId"], r["information"]) for r in flows if r["consumerId"] == "1.4.5")
    consumers = sorted((r["consumerId"], r["information"]) for r in flows if r["producerId"] == "1.4.5")
    assert producers and consumers
    root = etree.parse(str(exported["process-1.4.5"])).getroot()
    names = {p.get("id"): p.get("name") for p in root.iterfind(".//bpmn:participant", NS)}
    messages = {m.get("id"): m.get("name") for m in root.findall("bpmn:message", NS)}
    seen_in, seen_out = [], []
    for flow in root.iterfind(".//bpmn:messageFlow", NS):
        information = messages[flow.get("messageRef")]
        if flow.get("targetRef") == "Task_1.4.5":
            seen_in.append((names[flow.get("sourceRef")].split(" ")[0], information))
        else:
            assert flow.get("sourceRef") == "Task_1.4.5"
            seen_out.append((names[flow.get("targetRef")].split(" ")[0], information))
    assert sorted(seen_in) == producers
    assert sorted(seen_out) == consumers
    # Black-box pools: only the process itself is expanded.
    assert len(root.findall("bpmn:process", NS)) == 1
    # --lang en,zh: names in English, documentation in both languages.
    task = root.find(".//bpmn:task", NS)
    docs = [d.text for d in task.findall("bpmn:documentation", NS)]
    assert docs == ["en: 1.4.5 Service Activation Management", "zh: 1.4.5 业务激活管理"]


def test_chinese_names_come_from_the_graph(kg, exported):
    steps = queries.run(kg, "e2e-steps", flow="order-to-payment", release=LATEST_RELEASE, lang="zh")
    root = etree.parse(str(exported["order-to-payment-zh"])).getroot()
    names = [t.get("name") for t in root.iterfind(".//bpmn:task", NS)]
    assert sorted(names) == sorted(f"{r['processId']} {r['processName']}" for r in steps)
    assert any("订单" in name for name in names)
    pools = [p.get("name") for p in root.iterfind(".//bpmn:participant", NS)]
    assert "1.4 业务域" in pools


def test_same_graph_gives_same_bytes(cli, exported, tmp_path):
    again = tmp_path / "again.bpmn"
    cli("export", "--format", "bpmn", "--flow", "order-to-payment", "-o", str(again))
    assert again.read_bytes() == exported["order-to-payment"].read_bytes()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "bpmn"], "give --flow KEY"),
        (["--format", "bpmn", "--flow", "order-to-payment", "--process", "1.4.5"], "give --flow KEY"),
        (["--format", "bpmn", "--flow", "no-such-flow"], "no end-to-end flow 'no-such-flow'"),
        (["--format", "bpmn", "--process", "9.9.9"], "no process with that identifier"),
        (["--format", "bpmn", "--process", '1.4.5"}'], "an identifier is digits and dots"),
        (["--format", "bpmn", "--flow", "order-to-payment", "--lang", "fr"], "--lang fr"),
        (["--format", "bpmn", "--flow", "order-to-payment", "--root", "1.4"], "--root/--max-level"),
        (["--format", "bpmn", "--flow", "order-to-payment", "--element-type", "process"], "--element-type"),
        (["--format", "turtle", "--flow", "order-to-payment"], "--flow"),
        (["--format", "bpmn", "--flow", "order-to-payment", "--release", "classic"], "no data flows"),
    ],
)
def test_bad_options_are_refused_and_nothing_is_written(cli, tmp_path, args, message):
    target = tmp_path / "out.bpmn"
    result = cli("export", *args, "-o", str(target), expect=2)
    assert message in result.output, result.output
    assert not target.exists()


def test_web_downloads_match_the_cli_export(kg, exported, tmp_path_factory):
    from etomkg_server import create_app

    client = create_app({"KG": kg, "CACHE_DIR": str(tmp_path_factory.mktemp("bpmn-cache"))}).test_client()
    page = client.get(f"/flows/{LATEST_RELEASE}/order-to-payment")
    assert page.status_code == 200
    assert f'href="/flows/{LATEST_RELEASE}/order-to-payment.bpmn"' in page.get_data(as_text=True)
    download = client.get(f"/flows/{LATEST_RELEASE}/order-to-payment.bpmn")
    assert download.status_code == 200 and download.mimetype == "application/bpmn+xml"
    assert download.data == exported["order-to-payment"].read_bytes()
    assert client.get(f"/flows/{LATEST_RELEASE}/order-to-payment.bpmn?lang=zh").data == (
        exported["order-to-payment-zh"].read_bytes()
    )
    process_page = client.get(f"/release/{LATEST_RELEASE}/process/1.4.5").get_data(as_text=True)
    assert f"/release/{LATEST_RELEASE}/process/1.4.5.bpmn" in process_page
    neighbourhood = client.get(f"/release/{LATEST_RELEASE}/process/1.4.5.bpmn")
    assert neighbourhood.status_code == 200 and b'id="Task_1.4.5"' in neighbourhood.data
    assert client.get(f"/flows/{LATEST_RELEASE}/no-such-flow.bpmn").status_code == 404
    assert client.get(f"/release/{LATEST_RELEASE}/process/9.9.9.bpmn").status_code == 404


def test_docs_examples_are_current(cli, tmp_path):
    """docs/bpmn/*.bpmn are what the export gives today (`make bpmn-docs` regenerates them and the pictures)."""
    tool = _load_docs_tool()
    for name, options in tool.EXAMPLES:
        fresh = tmp_path / f"{name}.bpmn"
        cli("export", "--format", "bpmn", *options, "-o", str(fresh))
        committed = ROOT / "docs" / "bpmn" / f"{name}.bpmn"
        assert committed.read_bytes() == fresh.read_bytes(), f"{committed} is stale: run `make bpmn-docs`"
