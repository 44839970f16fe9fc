"""`etomkg diagram`: the drawn nodes and edges, readable text, no overlapping boxes, current examples."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest

from etomkg import diagram
from etomkg.diagram.svg import BOX_PAD_X, Box
from etomkg.diagram.text import text_width

NS = {"svg": "http://www.w3.org/2000/svg"}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "diagrams"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.encode("utf-8"))


def _box(rect: ET.Element) -> Box:
    return Box(*(float(rect.get(k)) for k in ("x", "y", "width", "height")))


def _nodes(root) -> list[tuple[dict, Box, list[str]]]:
    out = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") == "node":
            rect = group.find("svg:rect", NS)
            lines = [span.text for span in group.iterfind("svg:text/svg:tspan", NS)]
            out.append((dict(group.attrib), _box(rect), lines))
    return out


def _edges(root) -> list[tuple[dict, str, list[str], Box]]:
    out = []
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") == "edge":
            path = group.find("svg:path", NS).get("d")
            label = [span.text for span in group.iterfind("svg:text/svg:tspan", NS)]
            out.append((dict(group.attrib), path, label, _box(group.find("svg:rect", NS))))
    return out


def _assert_readable(root, lang: str) -> None:
    boxes = [(attrs.get("data-id"), box) for attrs, box, _ in _nodes(root)]
    boxes += [(attrs["data-flow"], label) for attrs, _, _, label in _edges(root)]
    for (a, first), (b, second) in combinations(boxes, 2):
        assert not first.overlaps(second), f"{a} and {b} overlap"
    for attrs, box, lines in _nodes(root):
        for n, line in enumerate(lines):  # the identifier in bold, then the wrapped name
            assert text_width(line, 12.0, bold=n == 0) <= box.width - 2 * BOX_PAD_X + 0.5, (attrs, line)
    fonts = root.get("font-family")
    assert "sans-serif" in fonts and "Noto Sans CJK SC" in fonts and "Microsoft YaHei" in fonts
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", root.find("svg:title", NS).text)


def _endpoints(d: str) -> tuple[tuple[float, float], tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return (numbers[0], numbers[1]), (numbers[-2], numbers[-1])


@pytest.fixture(scope="module")
def content_flows():
    from etomkg.content.sources import load_content

    return [f for f in load_content().flows if f.release == "25.5"]


def _levels(focus, flows, upstream):
    levels, seen = [{focus}], {focus}
    for _ in range(2):
        near = levels[-1]
        found = {
            (f.producer if upstream else f.consumer) for f in flows if (f.consumer if upstream else f.producer) in near
        } - seen
        if not found:
            break
        seen |= found
        levels.append(found)
    return levels


def test_neighbourhood_draws_two_hops_each_way(kg, content_flows):
    svg = diagram.neighbourhood(kg, "1.4.5", release="25.5")
    root = _parse(svg)
    up, down = _levels("1.4.5", content_flows, True), _levels("1.4.5", content_flows, False)
    assert up[1] == {"1.3.3", "1.5.5", "1.4.15", "1.4.1.8"} and down[1] == {"1.3.3", "1.5.5", "1.4.4.1"}
    drawn = defaultdict(set)
    for attrs, _, _ in _nodes(root):
        drawn[(attrs["data-side"], int(attrs["data-hops"]))].add(attrs["data-id"])
    assert drawn[("focus", 0)] == {"1.4.5"}
    for k in (1, 2):
        assert drawn[("upstream", k)] == up[k] and drawn[("downstream", k)] == down[k]
    names = {f.key: f for f in content_flows}
    expected = set()
    for k in (1, 2):
        expected |= {f.key for f in content_flows if f.producer in up[k] and f.consumer in up[k - 1]}
        expected |= {f.key for f in content_flows if f.producer in down[k - 1] and f.consumer in down[k]}
    edges = _edges(root)
    assert {attrs["data-flow"] for attrs, _, _, _ in edges} == expected
    boxes = {(a["data-id"], a["data-side"], a["data-hops"]): b for a, b, _ in _nodes(root)}
    for attrs, path, label, _ in edges:
        flow = names[attrs["data-flow"]]
        assert (
            " ".join(label).replace("( ", "(") == attrs["data-information"]
            or "".join(label) == attrs["data-information"]
        )
        assert attrs["data-inferred"] == ("true" if flow.inferred else "false")
        assert ("stroke-dasharray" in svg.split(f'data-flow="{flow.key}"', 1)[1].split("</g>", 1)[0]) == flow.inferred
        (x1, y1), (x2, y2) = _endpoints(path)
        sources = [b for (i, _, _), b in boxes.items() if i == flow.producer and abs(b.right - x1) < 0.2]
        targets = [b for (i, _, _), b in boxes.items() if i == flow.consumer and abs(b.x - x2) < 0.2]
        assert any(b.y <= y1 <= b.bottom for b in sources), ("arrow does not leave its producer", flow.key)
        assert any(b.y <= y2 <= b.bottom for b in targets), ("arrow does not reach its consumer", flow.key)
    _assert_readable(root, "en")


def test_neighbourhood_in_chinese_with_one_hop(kg):
    root = _parse(diagram.neighbourhood(kg, "1.5.8", release="26.0", lang="zh", hops=1))
    ids = {(a["data-side"], a["data-id"]) for a, _, _ in _nodes(root)}
    assert ids == {
        ("focus", "1.5.8"),
        ("upstream", "1.4.6"),
        ("upstream", "1.5.7"),
        ("upstream", "1.5.9"),
        ("upstream", "1.5.1.8"),  # resource test strategy, from the 24.0 resource decomposition text
        ("upstream", "1.5.21"),  # resource anomaly management
        ("downstream", "1.4.6"),
        ("downstream", "1.5.5"),
    }
    labels = {"".join(label) for _, _, label, _ in _edges(root)}
    assert labels == {"资源故障报告", "资源告警事件通知", "资源性能通知", "资源订单", "测试结果", "异常记录"}
    focus = next(lines for attrs, _, lines in _nodes(root) if attrs["data-side"] == "focus")
    assert focus == ["1.5.8", "资源故障管理"]
    _assert_readable(root, "zh")


@pytest.mark.parametrize("lanes", ["layer", "domain"])
def test_end_to_end_flow_in_swimlanes(kg, lanes):
    svg = diagram.end_to_end(kg, "order-to-payment", release="25.5", lang="zh", lanes=lanes)
    root = _parse(svg)
    steps = sorted((int(a["data-step"]), a["data-id"], b) for a, b, _ in _nodes(root))
    assert [identifier for _, identifier, _ in steps] == [
        "1.12.9", "1.3.3", "1.4.5", "1.5.5", "1.4.5", "1.3.3", "1.2.16", "1.2.17", "1.2.16", "1.3.9", "1.3.10",
    ]  # fmt: skip
    edges = _edges(root)
    assert [(a["data-from-step"], a["data-to-step"]) for a, _, _, _ in edges] == [
        (str(n), str(n + 1)) for n in range(1, 11)
    ]
    assert [a["data-information"] for a, _, _, _ in edges][:3] == ["客户订单（产品订单）", "业务订单", "资源订单"]
    lanes_drawn = [
        (_box(rect), rect.get("data-lane")) for rect in root.iter("{http://www.w3.org/2000/svg}rect")
        if rect.get("class") == "lane"
    ]  # fmt: skip
    expected_lane = {
        "layer": {"1.12.9": "市场、产品和客户过程", "1.4.5": "服务过程", "1.5.5": "资源过程"},
        "domain": {"1.12.9": "1.12 销售域", "1.4.5": "1.4 业务域", "1.5.5": "1.5 资源域"},
    }[lanes]
    for _, identifier, box in steps:
        lane = [name for rect, name in lanes_drawn if rect.y <= box.y and box.bottom <= rect.bottom and rect.x <= box.x]
        assert len(lane) == 1, identifier
        if identifier in expected_lane:
            assert lane[0] == expected_lane[identifier]
    # 11 steps wrap into two bands joined by connector A.
    assert svg.count('class="connector"') == 2
    _assert_readable(root, "zh")


def test_diagrams_are_deterministic(kg):
    assert diagram.neighbourhood(kg, "1.2.16") == diagram.neighbourhood(kg, "1.2.16")
    assert diagram.end_to_end(kg, "usage-to-payment", lang="zh") == diagram.end_to_end(
        kg, "usage-to-payment", lang="zh"
    )


def test_diagram_command_writes_a_file(cli, tmp_path):
    out = tmp_path / "t2r.svg"
    cli("diagram", "--e2e", "trouble-to-resolve-proactive", "--release", "23.5", "-o", str(out))
    root = _parse(out.read_text(encoding="utf-8"))
    assert [a["data-id"] for a, _, _ in _nodes(root)] == ["1.5.7", "1.5.8", "1.4.6", "1.3.7"]
    assert "release 23.5" in root.find("svg:desc", NS).text
    stdout = cli("diagram", "--process", "1.3.7", "--hops", "1").output
    assert stdout.startswith("<?xml") and 'data-id="1.3.7"' in stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--process", "1.1.1.1"], "process 1.1.1.1 has no data flows in release 26.0"),
        (["--e2e", "lead-to-cash"], "no end-to-end flow 'lead-to-cash' in release 26.0"),
        (["--process", "1.4.5", "--release", "classic"], "release classic has no data flows"),
        (["--process", "1.4.5", "--e2e", "order-to-payment"], "give exactly one of"),
    ],
)
def test_diagram_bad_input_writes_nothing(cli, tmp_path, args, message):
    out = tmp_path / "x.svg"
    result = cli("diagram", *args, "-o", str(out), expect=2)
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_committed_examples_are_current(cli, tmp_path):
    """docs/diagrams is what `etomkg diagram --all-examples` draws today (run it and commit when this fails)."""
    cli("diagram", "--all-examples", "-o", str(tmp_path))
    fresh = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in DOCS.iterdir()}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"regenerate with `make diagrams`: {stale}"
    assert len([n for n in fresh if n.endswith(".svg")]) == 24
