"""The eTOM map: placement from the graph, the SVG drawing (no overlaps, wrapped labels) and ``etomkg map``."""

from __future__ import annotations

import itertools

import pytest
from lxml import etree

from etomkg.catalog import VERTICAL_ORDER
from etomkg.diagram.mapmodel import MapError, build_map
from etomkg.diagram.mapsvg import render_svg
from etomkg.diagram.text import text_width

SVG = "{http://www.w3.org/2000/svg}"


def l2_verticals(kg, release: str) -> dict[str, set[str]]:
    rows = kg.select(
        "SELECT ?id ?v WHERE { ?p a etom:ProcessElement ; etom:level 2 ; skos:notation ?id "
        "OPTIONAL { ?p etom:vertical/skos:notation ?v } }",
        release=release,
    )
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["id"], set()).update([row["v"]] if "v" in row else [])
    return found


@pytest.mark.parametrize("view", ["current", "classic"])
def test_every_l2_is_drawn_once_in_its_verticals(kg, view):
    truth = l2_verticals(kg, "26.0")
    model = build_map(kg, "26.0", view=view)
    ids = [box.identifier for box in model.boxes()]
    assert sorted(ids) == sorted(truth)  # each L2 exactly once
    translate = dict(zip(VERTICAL_ORDER["current"], VERTICAL_ORDER[view], strict=True))
    for box in model.boxes():
        drawn = {model.columns[i].key for i in box.columns}
        stated = {translate[v] for v in truth[box.identifier]}
        assert drawn <= stated, box.identifier
        # Spanned columns are neighbours; verticals left out are named on the box.
        assert list(box.columns) == list(range(box.columns[0], box.columns[-1] + 1)) if box.columns else True
        assert len(drawn) + len(box.also) == len(stated) or not box.columns
    crm = model.find("1.3.4")
    assert [model.columns[i].key for i in crm.columns] == [
        translate[v] for v in ("Fulfillment", "Assurance", "Billing")
    ]


def test_current_view_rows_are_domains_and_enterprise_is_below(kg):
    model = build_map(kg, "26.0", view="current", lang="zh")
    assert [row.key for row in model.rows] == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.12"]
    assert model.band.key == "1.7" and model.band.label == "企业域"
    assert [c.label for c in model.columns][:3] == ["战略管理", "能力管理", "业务价值开发"]
    assert [a.key for a in model.areas] == ["1.2", "1.1"]


def test_classic_view_rows_are_layers_with_domains_noted(kg):
    model = build_map(kg, "25.5", view="classic")
    assert [row.key for row in model.rows] == ["market-product-customer", "service", "resource", "supplier-partner"]
    mpc = model.rows[0]
    assert [note.split()[0] for note in mpc.notes] == ["1.1", "1.2", "1.3", "1.12"]
    assert [c.key for c in model.columns] == list(VERTICAL_ORDER["classic"])


def test_classic_release_places_elements_by_stated_and_inferred_facts(kg):
    model = build_map(kg, "classic", view="classic")
    selling = model.find("1.1.1.4")  # vertical stated by the source
    assert [model.columns[i].key for i in selling.columns] == ["Fulfillment"] and not selling.inferred
    problem = model.find("1.1.1.6")  # no stated vertical: placed by 26.0's 1.3.7 (Assurance)
    assert [model.columns[i].key for i in problem.columns] == ["Assurance"] and problem.inferred
    headings = {h.identifier for row in model.rows for h in row.headings}
    assert {"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.2.1", "1.2.2", "1.2.3", "1.2.4"} == headings
    assert [g.heading.identifier for g in model.band.groups] == [f"1.3.{i}" for i in range(1, 8)]
    assert not model.unplaced


def test_drill_down_shows_the_children_by_vertical(kg):
    children = kg.select(
        'SELECT ?id WHERE { ?p etom:parent/skos:notation "1.3.4" ; skos:notation ?id }', release="26.0"
    )
    model = build_map(kg, "26.0", root="1.3.4")
    assert sorted(b.identifier for b in model.boxes()) == sorted(r["id"] for r in children)
    assert model.root.identifier == "1.3.4" and [a.identifier for a in model.ancestors] == ["1.3"]
    with pytest.raises(MapError, match="no process '1.3.99' in release 26.0"):
        build_map(kg, "26.0", root="1.3.99")


def _boxes(svg: str) -> list[tuple[str, float, float, float, float, list[str]]]:
    root = etree.fromstring(svg.encode())
    found = []
    for anchor in root.iter(f"{SVG}a"):
        if "em-box" not in anchor.get("class", ""):
            continue
        rect = anchor.find(f"{SVG}rect")
        lines = [span.text for text in anchor.iter(f"{SVG}text") for span in text.iter(f"{SVG}tspan")]
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        found.append((anchor.get("href"), x, y, w, h, lines))
    return found


@pytest.mark.parametrize(("release", "view", "lang"), [("26.0", "classic", "zh"), ("classic", "classic", "en")])
def test_svg_boxes_link_and_never_overlap(kg, release, view, lang):
    model = build_map(kg, release, view=view, lang=lang)
    svg = render_svg(model)
    assert svg == render_svg(build_map(kg, release, view=view, lang=lang))  # deterministic
    boxes = _boxes(svg)
    assert len(boxes) == model.box_count
    assert all(href.startswith(f"/release/{release}/process/") for href, *_ in boxes)
    for (_, x1, y1, w1, h1, _), (_, x2, y2, w2, h2, _) in itertools.combinations(boxes, 2):
        assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1
    for _, _, _, w, _, lines in boxes:
        assert all(text_width(line, 11) <= w for line in lines[1:])  # name lines fit (line 0 is the id)
    root = etree.fromstring(svg.encode())
    assert root.get("viewBox").startswith("0 0 ")
    if lang == "zh":
        assert "客户关系管理" in svg and "运营过程" in svg


def test_cli_writes_a_standalone_map_and_refuses_bad_input(cli, tmp_path):
    out = tmp_path / "map.svg"
    cli("map", "--release", "classic", "--lang", "zh", "-o", str(out))
    svg = out.read_text(encoding="utf-8")
    assert "经典 eTOM 框架" in svg and "TM Forum" in svg
    missing = tmp_path / "none.svg"
    result = cli("map", "--root", "9.9", "-o", str(missing), expect=2)
    assert "no process '9.9'" in result.stderr and not missing.exists()
    result = cli("map", "--view", "poster", expect=2)
    assert "poster" in result.output
