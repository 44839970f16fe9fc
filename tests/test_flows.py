"""Data flows: the edited sources, lineage, the graph, `etomkg flows` and every export format."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from etomkg.content.flows import FlowContentError, Lineage, attach_flows, flows_dir, read_flow_sources
from etomkg.content.sources import load_content
from etomkg.formats import FORMATS
from etomkg.iris import DOMAIN_RELEASES, natural_key

# Where TM Forum's decomposition texts (../shared/etom-reference/decompositions) were published.
DECOMPOSITIONS = "https://github.com/snuffpuppet/tmf-kd"


def _rows(name: str) -> list[dict[str, str]]:
    with (flows_dir() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(scope="module")
def reference(reference_rows) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["release"], r["id"]): r for r in reference_rows}


# --- the edited sources ---------------------------------------------------------------------------------------------


def test_the_sources_hold_what_the_issue_asks_for(content):
    stated = [f for f in content.flows if not f.carried]
    assert len(content.information) == 67
    # 77 flows stated for 25.5 from the first sources, 104 for 24.0 from TM Forum's decomposition texts
    assert Counter((f.release, f.inferred) for f in stated) == {
        ("25.5", False): 27,
        ("25.5", True): 50,
        ("24.0", False): 104,
    }
    e2e = [e for e in content.e2e_flows if not e.carried]
    assert sorted(e.key for e in e2e) == [
        "concept-to-market",
        "order-to-payment",
        "request-to-answer",
        "trouble-to-resolve-proactive",
        "trouble-to-resolve-reactive",
        "usage-to-payment",
    ]
    assert sum(len(e.steps) for e in e2e) == 37
    sid = {e.key: e.sid_name for e in content.information}
    assert sid["customer-order"] == "ProductOrder" and sid["customer-problem-report"] == "TroubleTicket"


def test_flows_join_level_2_and_3_processes_of_their_release(content, reference):
    for flow in (f for f in content.flows if not f.carried):
        for identifier in (flow.producer, flow.consumer):
            row = reference[(flow.release, identifier)]
            assert row["level"] in ("2", "3"), (flow.key, identifier)
            if flow.release == "25.5":
                assert reference[("26.0", identifier)]["name"] == row["name"], (flow.key, identifier)


def test_entities_and_flows_are_bilingual_and_in_our_words(shared_dir):
    notes = (shared_dir / "notes" / "flows.md").read_text(encoding="utf-8")
    words = re.findall(r"[a-z0-9&/']+", notes.lower())
    copied = {" ".join(words[i : i + 7]) for i in range(len(words) - 6)}
    cited = set(re.findall(r"https?://[^\s)`,;]+", notes))

    def own_words(text: str) -> bool:
        w = re.findall(r"[a-z0-9&/']+", text.lower())
        return not any(" ".join(w[i : i + 7]) in copied for i in range(len(w) - 6))

    for entity in _rows("information-entities.csv"):
        assert re.search(r"[\u4e00-\u9fff]", entity["name_zh"]) and re.search(
            r"[\u4e00-\u9fff]", entity["definition_zh"]
        )
        # The glossary uses 业务 for eTOM's Service; 服务 would read as customer service.
        assert "服务" not in entity["name_zh"] + entity["definition_zh"], entity["key"]
        assert own_words(entity["definition_en"]), entity["key"]
    for flow in _rows("flows.csv"):
        assert own_words(flow["evidence"]), flow["key"]
        from_texts = flow["source_section"] and flow["evidence_url"] == DECOMPOSITIONS
        assert flow["evidence_url"] in cited or from_texts, f"{flow['key']}: the source is not one gathered in flows.md"
        inference = re.search(r"infer|our reading|assum|our mapping", flow["evidence"], re.I)
        assert (flow["inferred"] == "true") == bool(inference), f"{flow['key']}: evidence and inferred disagree"


def test_the_mapping_of_classic_names_holds(reference):
    """process-mapping.csv records how the classic names of the evidence were mapped to 25.5 identifiers."""
    deleted_sheet = (
        Path(__file__).resolve().parents[1] / "etomkg" / "data" / "reference" / "deleted_processes_v25.5.csv"
    )
    with deleted_sheet.open(encoding="utf-8", newline="") as handle:
        deleted = {row["original_id_raw"].strip() for row in csv.DictReader(handle)}
    live = {row["original_id"] for (release, _), row in reference.items() if release == "25.5"}
    for row in _rows("process-mapping.csv"):
        if row["mapping_type"] == "successor" and row["classic_id"]:
            assert row["classic_id"] in deleted | live, row
        if row["id_25_5"]:
            assert reference[("25.5", row["id_25_5"])]["name"] == row["name_25_5"], row
        if row["mapping_type"] == "original_id":
            assert reference[("25.5", row["id_25_5"])]["original_id"] == row["classic_id"], row
        assert row["mapping_type"] in (
            "original_id",
            "successor",
            "successor-unlisted",
            "name-match",
            "unmapped",
            "not-used",
        )


def test_the_reader_reports_every_problem_with_file_and_line(tmp_path, content):
    folder = tmp_path / "flows"
    shutil.copytree(flows_dir(), folder)
    path = folder / "flows.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("cim-to-selling-enquiry,1.3.5.9,", "cim-to-selling-enquiry,1.3.5.99,", 1)
    text = text.replace(
        "selling-to-order-handling,1.12.9,Selling,1.3.3,Customer Order Processing Management,",
        "selling-to-order-handling,1.12.9,Selling,1.3.3,Customer Order Processing,",
    )
    text = text.replace(
        ",1.2.18,Product Balance Management,rated-event,", ",1.2.18,Product Balance Management,rated-events,"
    )
    path.write_text(text, encoding="utf-8")
    steps = folder / "e2e-steps.csv"
    steps.write_text(steps.read_text(encoding="utf-8").replace("usage-to-payment,3,", "usage-to-payment,4,"), "utf-8")
    names = {(p.release, p.identifier): p.name for p in content.processes}
    with pytest.raises(FlowContentError) as failure:
        read_flow_sources(names, folder)
    message = str(failure.value)
    assert "flows.csv line 2: producer 1.3.5.99 is not a process of release 25.5" in message
    assert "is named 'Customer Order Processing Management' in release 25.5, not 'Customer Order Processing'" in message
    assert "information 'rated-events' is not a key of information-entities.csv" in message
    assert "steps of usage-to-payment are ['1', '2', '4', '4', '5', '6', '7']" in message


# --- lineage --------------------------------------------------------------------------------------------------------


def test_flows_are_carried_along_lineage(content):
    per_release = Counter(f.release for f in content.flows)
    # 77 stated for 25.5 and 104 for 24.0: each reaches every release
    assert per_release == {r: 181 for r in DOMAIN_RELEASES}
    selling = {f.release: f for f in content.flows if f.key == "selling-to-order-handling"}
    assert (selling["24.0"].producer, selling["24.0"].consumer) == ("1.1.9", "1.3.3")  # Selling was 1.1.9
    assert selling["26.0"].producer == "1.12.9" and selling["24.0"].carried and not selling["25.5"].carried
    assert Counter(e.release for e in content.e2e_flows) == {r: 6 for r in DOMAIN_RELEASES}


def test_flows_follow_the_true_predecessor_not_a_reused_identifier(content):
    """23.5's 1.3.10.4 is 'Issue Customer Order' (misnumbered in the source); the bill inquiry of 24.0's 1.3.10.4
    was 23.5's 1.3.11 (curated link, UIDs 951/970), so the flow is carried there and nowhere else."""
    lineage = Lineage(content.links)
    assert lineage.version("24.0", "1.3.10.4", "23.5") == "1.3.11"
    assert lineage.version("23.5", "1.3.10.4", "24.0") == "1.3.3.10.4"  # the order step, by its name
    flow = next(f for f in content.flows if f.release == "23.5" and f.key == "bill-inquiry-to-bill-invoice")
    assert "1.3.11" in (flow.producer, flow.consumer)
    assert any(link.kind == "demoted" and link.older_id == "1.3.11" for link in flow.carried_along)


def test_flows_are_never_carried_across_a_split(content):
    split = [link for link in content.links if link.kind == "split"]
    assert split and all(not link.keeps_meaning for link in split)
    walked = {link for flow in content.flows for link in flow.carried_along}
    assert walked and not any(link.kind in ("split", "merged", "replaced") for link in walked)


def test_attach_flows_is_repeatable(content):
    again = attach_flows(load_content())
    assert again.flows == content.flows and again.e2e_flows == content.e2e_flows


# --- the graph ------------------------------------------------------------------------------------------------------


def test_the_graph_holds_flows_with_their_provenance(kg):
    rows = kg.select(
        """SELECT ?r (COUNT(?f) AS ?n) (SUM(IF(?inferred, 1, 0)) AS ?inferredFlows) WHERE {
             ?f a etom:DataFlow ; etom:release/owl:versionInfo ?r ; etom:inferred ?inferred } GROUP BY ?r"""
    )
    assert {r["r"]: (int(r["n"]), int(r["inferredFlows"])) for r in rows}["25.5"] == (181, 50)
    flow = kg.iris.flow("24.0", "selling-to-order-handling")
    facts = kg.select(f"SELECT ?p ?o WHERE {{ <{flow}> ?p ?o }}")
    by = {}
    for fact in facts:
        by.setdefault(fact["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1], set()).add(fact["o"])
    assert by["producer"] == {kg.iris.process("24.0", "1.1.9")}
    assert by["consumer"] == {kg.iris.process("24.0", "1.3.3")}
    assert by["carries"] == {kg.iris.information("customer-order")}
    assert by["inferred"] == {"false"}
    # no source states it for 24.0: marked as carried, with its basis; the source stays on the stated flow
    assert "wasDerivedFrom" not in by and "source" not in by and "bibliographicCitation" not in by
    assert [e for e in by["evidence"] if e.startswith("Carried from the flow stated for release 25.5: ")]
    stated = kg.select(f"SELECT ?s WHERE {{ <{kg.iris.flow('25.5', 'selling-to-order-handling')}> dcterms:source ?s }}")
    assert [r["s"] for r in stated] == ["http://ilsa.kz/etom/main/etomprocess181.htm"]
    assert by["carriedFrom"] == {kg.iris.flow("25.5", "selling-to-order-handling")}
    assert kg.iris.version_link("25.5", "1.12.9") in by["carriedAlong"]
    assert any(
        "carried to this release along the version links" in n and "1.1.9 here, 1.12.9 in 25.5" in n
        for n in by["editorialNote"]
    )
    assert "Customer order (product order): Selling → Customer Order Processing Management" in by["prefLabel"]
    assert "客户订单（产品订单）：销售执行 → 客户订单处理管理" in by["prefLabel"]


def test_information_entities_live_in_the_framework_graph(kg):
    rows = kg.select(
        f"""SELECT DISTINCT ?en ?zh ?sid WHERE {{ GRAPH <{kg.iris.framework_graph}> {{
              <{kg.iris.information("service-order")}> a etom:InformationEntity ; skos:inScheme <{kg.iris.information_scheme}> ;
                  skos:prefLabel ?en , ?zh ; skos:definition ?d ; etom:sidEntity ?sid .
              FILTER(lang(?en) = "en" && lang(?zh) = "zh") }} }}"""
    )
    assert rows == [{"en": "Service order", "zh": "业务订单", "sid": "ServiceOrder"}]


def test_end_to_end_steps_are_ordered_and_linked(kg):
    rows = kg.select(
        """SELECT ?n ?id ?next WHERE { ?e a etom:EndToEndFlow ; skos:notation "trouble-to-resolve-proactive" ;
             etom:step ?s . ?s etom:stepNumber ?n ; etom:stepProcess/skos:notation ?id .
             OPTIONAL { ?s etom:flowToNext/etom:consumer/skos:notation ?next } } ORDER BY ?n""",
        release="25.5",
    )
    assert [(r["n"], r["id"], r.get("next")) for r in rows] == [
        ("1", "1.5.7", "1.5.8"),
        ("2", "1.5.8", "1.4.6"),
        ("3", "1.4.6", "1.3.7"),
        ("4", "1.3.7", None),
    ]


# --- etomkg flows ---------------------------------------------------------------------------------------------------


def test_flows_of_a_process(cli):
    rows = json.loads(cli("flows", "--process", "1.4.5", "--format", "json").output)
    assert [(r["producer_id"], r["consumer_id"], r["information"]) for r in rows] == [
        ("1.3.3", "1.4.5", "Service order"),
        ("1.4.1.8", "1.4.5", "Test results"),  # from the 24.0 service decomposition text
        ("1.4.5", "1.3.3", "Order completion notice"),
        ("1.4.5", "1.4.4.1", "Inventory instance record"),
        ("1.4.5", "1.5.5", "Resource order"),
        ("1.4.15", "1.4.5", "Service specification"),  # natural order: 1.4.15 after 1.4.5
        ("1.5.5", "1.4.5", "Order completion notice"),
    ]
    assert list(rows[0]) == ["producer_id", "producer_name", "consumer_id", "consumer_name", "information"]
    assert rows[0]["producer_name"] == "Customer Order Processing Management"


def test_flows_in_chinese_csv_for_an_older_release(cli):
    out = cli("flows", "--release", "23.5", "--process", "1.4.5", "--lang", "zh", "--format", "csv").output
    lines = out.splitlines()
    assert lines[0] == "producer_id,producer_name,consumer_id,consumer_name,information"
    assert "1.3.3,客户订单处理管理,1.4.5,业务配置与激活,业务订单" in lines  # 1.4.5's name in 23.5, in Chinese


def test_all_flows_of_a_release_in_natural_order(cli):
    rows = json.loads(cli("flows", "--release", "25.5", "--format", "json", "--details").output)
    assert len(rows) == 181 and sum(r["inferred"] for r in rows) == 50
    assert {r["stated_for"] for r in rows} == {"24.0", "25.5"}  # the decomposition flows are carried from 24.0
    carried = [r for r in rows if r["stated_for"] == "24.0"]
    assert carried and all(r["evidence"].startswith("Carried from the flow stated for release 24.0") for r in carried)
    assert all(r["source"] and r["citation"] for r in carried if "decomposition" in r["evidence"])
    keys = [(natural_key(r["producer_id"]), natural_key(r["consumer_id"]), r["information"]) for r in rows]
    assert keys == sorted(keys)
    table = cli("flows", "--release", "25.5", "--process", "1.4.5", "--descendants").output
    assert "1.4.5.3" in table and "1.4.5.6" in table


@pytest.mark.parametrize(
    "args, message",
    [
        (["--process", "1.9.9"], "no process '1.9.9' in release 26.0"),
        (["--process", "1.4.5'"], "is not a process identifier"),
        (["--release", "99"], "unknown release '99'"),
        (["--descendants"], "--descendants needs --process"),
    ],
)
def test_flows_bad_input(cli, args, message):
    result = cli("flows", *args, expect=2)
    assert message in result.stderr


# --- every export format --------------------------------------------------------------------------------------------


def _triples(path: Path, fmt: str) -> set[str]:
    quads = ox.parse(path=str(path), format=FORMATS[fmt].oxigraph)
    data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
    return set(data.decode().splitlines())


@pytest.fixture(scope="module")
def flow_lines(kg) -> set[str]:
    """The N-Triples of the flows, end-to-end flows and steps of 25.5."""
    triples = kg.query(
        """CONSTRUCT { ?s ?p ?o } WHERE { ?s a ?k ; ?p ?o .
           VALUES ?k { etom:DataFlow etom:EndToEndFlow etom:FlowStep } }""",
        release="25.5",
    )
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    return set(data.decode().splitlines())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_flows_survive_every_export_format(cli, tmp_path, kg, flow_lines, fmt):
    out = tmp_path / f"etom-25.5.{FORMATS[fmt].extension}"
    cli("export", "--format", fmt, "--release", "25.5", "-o", str(out))
    assert len(flow_lines) > 1200
    assert flow_lines <= _triples(out, fmt)
    if fmt == "jsonld":  # and read well, with the published context's keys
        nodes = {n["id"]: n for n in json.loads(out.read_text(encoding="utf-8"))["graph"]}
        flow = nodes[kg.iris.flow("25.5", "bill-invoice-to-receivables")]
        assert flow["carries"] == kg.iris.information("customer-bill") and flow["inferred"] is False
        assert (
            flow["producer"] == kg.iris.process("25.5", "1.3.9") and flow["identifier"] == "bill-invoice-to-receivables"
        )
        e2e = nodes[kg.iris.e2e("25.5", "usage-to-payment")]
        assert e2e["trigger"]["zh"] == "网络资源记录用量" and len(e2e["step"]) == 7
        assert nodes[kg.iris.e2e_step("25.5", "usage-to-payment", 7)]["stepNumber"] == 7


def test_information_entities_are_exported_with_the_framework(cli, tmp_path, kg):
    out = tmp_path / "all.nq"
    cli("export", "--format", "nquads", "--all-releases", "-o", str(out))
    subject = f"<{kg.iris.information('customer-bill')}> "
    with out.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.startswith(subject)]
    quads = list(ox.parse("".join(lines).encode(), format=ox.RdfFormat.N_QUADS))
    assert {q.graph_name.value for q in quads} == {kg.iris.framework_graph}
    labels = {(q.object.language, q.object.value) for q in quads if q.predicate.value.endswith("#prefLabel")}
    assert labels == {("en", "Customer bill (invoice)"), ("zh", "客户账单（发票）")}
    assert any(q.predicate.value.endswith("#sidEntity") and q.object.value == "CustomerBill" for q in quads)
