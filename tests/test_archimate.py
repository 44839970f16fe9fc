"""ArchiMate exchange and Archi CSV exports: valid per the conformance kit, faithful to the graph, stable."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from lxml import etree

from etomkg.archimate import export_archi_csv, export_archimate
from etomkg.archimate.render import render_view_svg
from etomkg.iris import ETOM, RDF, SKOS, XSD
from etomkg.store import KnowledgeGraph

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def q(name: str) -> str:
    return f"{{{NS}}}{name}"


@pytest.fixture(scope="module")
def kit(shared_dir) -> Path:
    return shared_dir / "conformance" / "archimate"


@pytest.fixture(scope="module")
def validator(kit):
    """The kit's validate.py, loaded once (its schema takes a while to compile); returns (errors, output)."""
    spec = importlib.util.spec_from_file_location("archimate_validate", kit / "validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    schema, rules = module.load_schema(), module.load_rules()

    def validate(path: Path) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            errors = module.validate_file(str(path), schema, rules)
        return errors, out.getvalue()

    return validate


@pytest.fixture(scope="module")
def full_export(cli, tmp_path_factory) -> Path:
    """The newest release with views, through the CLI as a user runs it."""
    path = tmp_path_factory.mktemp("archimate") / "etom-26.0.xml"
    cli("export", "--format", "archimate", "--release", "26.0", "-o", str(path))
    return path


def parse(data: bytes | Path) -> etree._Element:
    raw = data.read_bytes() if isinstance(data, Path) else data
    return etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))


def names_of(el: etree._Element) -> dict[str, str]:
    return {n.get(XML_LANG, ""): n.text for n in el.findall(q("name"))}


def properties_of(root: etree._Element, el: etree._Element) -> list[tuple[str, str]]:
    keys = {d.get("identifier"): d.find(q("name")).text for d in root.find(q("propertyDefinitions"))}
    return [
        (keys[p.get("propertyDefinitionRef")], p.find(q("value")).text)
        for p in el.findall(f"{q('properties')}/{q('property')}")
    ]


def count(kg, sparql: str, release: str) -> int:
    return int(kg.select(sparql, release=release)[0]["n"])


# --- validity of every variant ----------------------------------------------------------------------

VARIANTS = {
    "25.5 process, no views, zh": ["--release", "25.5", "--element-type", "process", "--no-views", "--lang", "zh"],
    "classic, whole": ["--release", "classic"],
    "25.5 root 1.4.5 to level 3": ["--release", "25.5", "--root", "1.4.5", "--max-level", "3", "--lang", "zh"],
    "24.0 root domain 1.3, process, en": ["--release", "24.0", "--root", "1.3", "--element-type", "process"],
    **{f"{r} to level 2": ["--release", r, "--max-level", "2", "--lang", "en"] for r in ("23.0.1", "23.5", "24.5")},
    **{f"{r} to level 1": ["--release", r, "--max-level", "1"] for r in ("25.0", "26.0")},
}


@pytest.mark.parametrize("args", list(VARIANTS.values()), ids=list(VARIANTS))
def test_every_variant_is_valid(cli, validator, tmp_path, args):
    out = tmp_path / "model.xml"
    cli("export", "--format", "archimate", *args, "-o", str(out))
    errors, report = validator(out)
    assert errors == 0, report
    assert "warning" not in report, report  # no element is the part of two compositions
    root = parse(out)
    assert root.find(q("elements")) is not None
    lang = args[args.index("--lang") + 1] if "--lang" in args else None
    wanted = {"zh"} if lang == "zh" else {"en"} if lang == "en" else {"en", "zh"}
    langs = {n.get(XML_LANG) for n in root.iter(q("name")) if n.getparent().tag != q("propertyDefinition")}
    assert wanted <= langs <= wanted | {"en"}  # English only stands in where a Chinese label is missing
    element_type = "BusinessProcess" if "process" in args else "BusinessFunction"
    assert {e.get(XSI_TYPE) for e in root.iter(q("element"))} <= {element_type, "Grouping", "BusinessObject"}
    assert (root.find(q("views")) is None) == ("--no-views" in args or "--root" in args and "1.4.5" in args)
    for view in root.iter(q("view")):
        _check_nesting(view)


def test_the_whole_newest_release_passes_validate_py(kit, full_export):
    proc = subprocess.run(
        [sys.executable, str(kit / "validate.py"), str(full_export)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert proc.stdout.strip().endswith(": OK")
    assert "warning" not in proc.stdout


# --- faithful to the graph --------------------------------------------------------------------------


def test_round_trip_counts_match_the_graph(kg, full_export):
    r = "26.0"
    root = parse(full_export)
    elements = Counter(e.get(XSI_TYPE) for e in root.iter(q("element")))
    relationships = Counter(e.get(XSI_TYPE) for e in root.iter(q("relationship")))

    processes = count(kg, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement }", r)
    verticals = count(kg, "SELECT (COUNT(DISTINCT ?v) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:vertical ?v }", r)
    layers = count(kg, "SELECT (COUNT(DISTINCT ?l) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:layer ?l }", r)
    # Areas of a current release are classic process areas: those of the verticals and of the Enterprise domain.
    areas = count(
        kg,
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { { ?p a etom:ProcessElement ; etom:vertical/etom:area ?a } UNION "
        "{ ?p a etom:ProcessElement ; etom:area ?a FILTER NOT EXISTS { ?p etom:parent ?x } } }",
        r,
    )
    # Data flows: an information entity is a BusinessObject, written by its producers and read by its consumers.
    flows = count(kg, "SELECT (COUNT(?f) AS ?n) WHERE { ?f a etom:DataFlow }", r)
    infos = count(kg, "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?f a etom:DataFlow ; etom:carries ?i }", r)
    accesses = count(
        kg,
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?p ?i ?role WHERE { ?f a etom:DataFlow ; etom:carries ?i . "
        "{ ?f etom:producer ?p BIND(1 AS ?role) } UNION { ?f etom:consumer ?p BIND(2 AS ?role) } } }",
        r,
    )
    hops = count(
        kg, "SELECT (COUNT(?s) AS ?n) WHERE { ?e a etom:EndToEndFlow ; etom:step ?s . ?s etom:flowToNext ?f }", r
    )
    assert elements == {"BusinessFunction": processes, "Grouping": verticals + layers + areas, "BusinessObject": infos}
    assert areas == 3  # Operations, Strategy Infrastructure & Product, Enterprise Management

    compositions = count(
        kg, "SELECT (COUNT(*) AS ?n) WHERE { ?c a etom:ProcessElement ; etom:parent ?p . ?p a etom:ProcessElement }", r
    )
    memberships = count(
        kg, "SELECT (COUNT(*) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:vertical|etom:layer ?g }", r
    )
    orphans_in_domain = count(
        kg,
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:domain ?d "
        "FILTER NOT EXISTS { ?p etom:parent ?x } FILTER(?d != ?p) }",
        r,
    )
    area_members = verticals + count(
        kg,
        "SELECT (COUNT(*) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:area ?a FILTER NOT EXISTS { ?p etom:parent ?x } }",
        r,
    )
    assert relationships == {
        "Composition": compositions,
        "Aggregation": memberships + orphans_in_domain + area_members,
        "Flow": flows,
        "Access": accesses,
        "Association": flows,
        "Triggering": hops,
    }

    # Properties of the process elements, key by key, against the triples they come from.
    by_key: Counter = Counter()
    iris = set()
    for el in root.iter(q("element")):
        if el.get(XSI_TYPE) == "BusinessFunction":
            props = properties_of(root, el)
            by_key.update(key for key, _ in props)
            iris.update(v for k, v in props if k == "IRI")
    uids = count(kg, "SELECT (COUNT(*) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:uid ?u }", r)
    originals = count(kg, "SELECT (COUNT(*) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:originalIdentifier ?u }", r)
    expected = {"eTOM identifier": processes, "eTOM level": processes, "eTOM release": processes, "IRI": processes}
    expected |= {k: v for k, v in {"eTOM UID": uids, "eTOM original identifier": originals}.items() if v}
    assert by_key == expected
    assert iris == {row["p"] for row in kg.select("SELECT ?p WHERE { ?p a etom:ProcessElement }", release=r)}

    # Names: every English and Chinese label, on the element of its process.
    labels = {
        (row["p"], row["lang"]): row["name"]
        for row in kg.select(
            "SELECT ?p ?name (LANG(?name) AS ?lang) WHERE { ?p a etom:ProcessElement ; skos:prefLabel ?name }",
            release=r,
        )
    }
    exported = {}
    for el in root.iter(q("element")):
        iri = dict(properties_of(root, el)).get("IRI")
        for lang, text in names_of(el).items():
            if el.get(XSI_TYPE) == "BusinessFunction":
                exported[(iri, lang)] = text
    assert exported == labels


def test_process_subtree_with_uid_and_original_identifier(kg, validator, tmp_path):
    data = export_archimate(kg, release="25.5", root="1.4.5", languages="en")
    root = parse(data)
    by_id = {
        dict(properties_of(root, e))["eTOM identifier"]: e
        for e in root.iter(q("element"))
        if e.get(XSI_TYPE) == "BusinessFunction"
    }
    props = dict(properties_of(root, by_id["1.4.5"]))
    assert props["eTOM original identifier"] == "1.1.2.2" and props["eTOM level"] == "2" and props["eTOM UID"]
    assert props["eTOM release"] == "25.5"
    expected = count(
        kg, f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p etom:parent* <{kg.iris.process('25.5', '1.4.5')}> }}", "25.5"
    )
    assert len(by_id) == expected
    docs = by_id["1.4.5"].findall(q("documentation"))
    assert [d.get(XML_LANG) for d in docs] == ["en"] and docs[0].text


# --- identifiers and bytes --------------------------------------------------------------------------


def test_same_release_gives_same_bytes_and_ids_follow_the_iris(kg):
    first = export_archimate(kg, release="25.5", max_level=3)
    assert export_archimate(kg, release="25.5", max_level=3) == first
    subtree = export_archimate(kg, release="25.5", root="1.4.5", max_level=3)

    def ids_by_iri(data: bytes) -> dict[str, str]:
        root = parse(data)
        return {dict(properties_of(root, e)).get("IRI"): e.get("identifier") for e in root.iter(q("element"))}

    whole, part = ids_by_iri(first), ids_by_iri(subtree)
    assert part.items() <= whole.items()  # a re-import of the subtree updates the same elements

    def rels(data: bytes) -> dict:
        return {(r.get("source"), r.get("target")): r.get("identifier") for r in parse(data).iter(q("relationship"))}

    assert rels(subtree).items() <= rels(first).items()
    for identifier in whole.values():
        assert identifier.startswith("id-") and all(c.isalnum() or c in "-._" for c in identifier)


# --- the views --------------------------------------------------------------------------------------


def _boxes(node: etree._Element, found: list, parent=None) -> None:
    """Collect ``(node, box, parent box)`` depth first; boxes are ``(x, y, w, h)``."""
    box = tuple(int(node.get(k)) for k in ("x", "y", "w", "h"))
    found.append((node, box, parent))
    for child in node.findall(q("node")):
        _boxes(child, found, box)


def _check_nesting(view: etree._Element) -> list:
    """Every child inside its parent, no two siblings overlapping; returns the boxes."""
    found: list = []
    for node in view.findall(q("node")):
        _boxes(node, found)
    siblings: dict = {}
    for node, box, parent in found:
        if parent:
            assert parent[0] <= box[0] and box[0] + box[2] <= parent[0] + parent[2], node.get("identifier")
            assert parent[1] <= box[1] and box[1] + box[3] <= parent[1] + parent[3], node.get("identifier")
        siblings.setdefault(parent, []).append(box)
    for boxes in siblings.values():
        for i, a in enumerate(boxes):
            assert not any(_overlap(a, b) for b in boxes[i + 1 :]), a
    return found


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_map_view_places_every_level_2_element_in_its_cell(kg, full_export, tmp_path):
    root = parse(full_export)
    view = root.find(f"{q('views')}/{q('diagrams')}/{q('view')}")
    assert names_of(view) == {"en": "Map of eTOM release 26.0", "zh": "eTOM 26.0 版全景图"}
    found = _check_nesting(view)

    element_iri = {e.get("identifier"): dict(properties_of(root, e))["IRI"] for e in root.iter(q("element"))}
    placed = Counter(element_iri[n.get("elementRef")] for n, _, _ in found if n.get("elementRef"))
    level2 = kg.select("SELECT ?p WHERE { ?p a etom:ProcessElement ; etom:level 2 }", release="26.0")
    assert {row["p"] for row in level2} <= set(placed) and max(placed.values()) == 1

    # Each element sits under its vertical's column (spanning adjacent ones) inside its domain's row.
    column = {
        element_iri[n.get("elementRef")]: box
        for n, box, _ in found
        if n.getparent().tag == q("node") and element_iri.get(n.get("elementRef"), "").count("/vertical/")
    }
    box_of = {element_iri[n.get("elementRef")]: (box, parent) for n, box, parent in found if n.get("elementRef")}
    memberships = kg.select(
        "SELECT ?p ?v ?d WHERE { ?p a etom:ProcessElement ; etom:level 2 ; etom:vertical ?v ; etom:parent ?d }",
        release="26.0",
    )
    by_element: dict[str, list[str]] = {}
    for row in memberships:
        by_element.setdefault(row["p"], []).append(row["v"])
        assert box_of[row["p"]][1] == box_of[row["d"]][0]  # nested in the domain's row
    spanning = 0
    for element, verticals in by_element.items():
        box = box_of[element][0]
        columns = sorted(column[v][0] for v in verticals)
        assert box[0] == columns[0]  # starts at its first vertical
        if box[2] > column[verticals[0]][2]:
            spanning += 1
            assert box[0] + box[2] == columns[-1] + column[verticals[0]][2]
    assert spanning >= 5  # e.g. Customer Information Management across Fulfillment, Assurance, Billing

    svg = render_view_svg(full_export.read_bytes())
    assert svg.count("<rect id=") == len(found)
    for name in ("Selling", "Enterprise Domain", "Not in a vertical grouping", "Fulfillment", "Operations"):
        assert name in svg
    assert ">业务激活管理<" in render_view_svg(full_export.read_bytes(), lang="zh")


# --- data flows and end-to-end flows (a small flow graph built here) --------------------------------

FLOWS = [  # key, producer, consumer, information
    ("co", "1.3.3", "1.4.5", "customer-order"),
    ("so", "1.4.5", "1.5.5", "service-order"),
    ("ro", "1.5.5", "1.6.8", "resource-order"),
]
ENTITIES = {"customer-order": ("Customer order", "客户订单"), "service-order": ("Service order", "业务订单"),
            "resource-order": ("Resource order", "资源订单")}  # fmt: skip


@pytest.fixture(scope="module")
def flow_graph(kg) -> KnowledgeGraph:
    """Release 26.0 plus three data flows and one end-to-end flow, in the ontology's terms."""
    r, iris = "26.0", kg.iris
    lines = kg.nquads_lines(["https://w3id.org/etomkg/ontology", iris.framework_graph, iris.graph(r)])
    store = ox.Store()
    store.bulk_load(("\n".join(lines) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(iris.graph(r))
    # Only the flows below: the bundled flows of the release are taken out first.
    for kind in ("DataFlow", "EndToEndFlow", "FlowStep", "InformationEntity"):
        store.update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s a <{ETOM}{kind}> ; ?p ?o }} }}")

    def add(s: str, p: str, o) -> None:
        store.add(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o if not isinstance(o, str) else ox.NamedNode(o), graph))

    for key, (en, zh) in ENTITIES.items():
        entity = iris.information(key)
        add(entity, RDF + "type", ETOM + "InformationEntity")
        add(entity, SKOS + "prefLabel", ox.Literal(en, language="en"))
        add(entity, SKOS + "prefLabel", ox.Literal(zh, language="zh"))
    for key, producer, consumer, info in FLOWS:
        flow = iris.flow(r, key)
        add(flow, RDF + "type", ETOM + "DataFlow")
        add(flow, ETOM + "producer", iris.process(r, producer))
        add(flow, ETOM + "consumer", iris.process(r, consumer))
        add(flow, ETOM + "carries", iris.information(info))
    add(iris.flow(r, "ro"), ETOM + "inferred", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")))
    e2e = iris.e2e(r, "order-to-payment")
    add(e2e, RDF + "type", ETOM + "EndToEndFlow")
    add(e2e, SKOS + "prefLabel", ox.Literal("Order-to-Payment", language="en"))
    add(e2e, SKOS + "prefLabel", ox.Literal("订单到付款", language="zh"))
    for number, (process, nxt) in enumerate([("1.3.3", "co"), ("1.4.5", "so"), ("1.5.5", "ro"), ("1.6.8", None)], 1):
        step = iris.e2e_step(r, "order-to-payment", number)
        add(e2e, ETOM + "step", step)
        add(step, RDF + "type", ETOM + "FlowStep")
        add(step, ETOM + "stepNumber", ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer")))
        add(step, ETOM + "stepProcess", iris.process(r, process))
        if nxt:
            add(step, ETOM + "flowToNext", iris.flow(r, nxt))
    return KnowledgeGraph(store)


def test_flows_become_flow_access_and_triggering(flow_graph, validator, tmp_path):
    data = export_archimate(flow_graph, release="26.0")
    path = tmp_path / "flows.xml"
    path.write_bytes(data)
    errors, report = validator(path)
    assert errors == 0, report
    root = parse(data)
    ident = {dict(properties_of(root, e))["IRI"]: e.get("identifier") for e in root.iter(q("element"))}
    iris = flow_graph.iris
    proc = lambda pid: ident[iris.process("26.0", pid)]  # noqa: E731
    rels = [r for r in root.iter(q("relationship")) if r.get(XSI_TYPE) not in ("Composition", "Aggregation")]
    kinds = Counter(r.get(XSI_TYPE) for r in rels)
    assert kinds == {"Flow": 3, "Access": 6, "Association": 3, "Triggering": 3}
    assert Counter(e.get(XSI_TYPE) for e in root.iter(q("element")))["BusinessObject"] == 3

    flows = {(r.get("source"), r.get("target")): r for r in rels if r.get(XSI_TYPE) == "Flow"}
    for _key, producer, consumer, info in FLOWS:
        flow = flows[(proc(producer), proc(consumer))]
        assert names_of(flow) == dict(zip(("en", "zh"), ENTITIES[info], strict=True))
        entity = ident[iris.information(info)]
        access = {(r.get("source"), r.get("accessType")) for r in rels if r.get("target") == entity}
        assert access == {(proc(producer), "Write"), (proc(consumer), "Read")}
        assert any(r.get("source") == entity and r.get("target") == flow.get("identifier") for r in rels)
    assert ("eTOM inferred", "true") in properties_of(root, flows[(proc("1.5.5"), proc("1.6.8"))])
    triggering = [(r.get("source"), r.get("target")) for r in rels if r.get(XSI_TYPE) == "Triggering"]
    assert triggering == [
        (proc("1.3.3"), proc("1.4.5")),
        (proc("1.4.5"), proc("1.5.5")),
        (proc("1.5.5"), proc("1.6.8")),
    ]

    views = root.findall(f"{q('views')}/{q('diagrams')}/{q('view')}")
    assert [names_of(v).get("en") for v in views] == ["Map of eTOM release 26.0", "Order-to-Payment"]
    flow_view = views[1]
    _check_nesting(flow_view)
    steps = [
        n.get("elementRef")
        for n in flow_view.findall(q("node"))
        if n.get("elementRef") in triggering[0] + triggering[2]
    ]
    assert steps[0] == proc("1.3.3") and steps[-1] == proc("1.6.8")
    nodes = {n.get("identifier"): n.get("elementRef") for n in flow_view.iter(q("node"))}
    by_id = {r.get("identifier"): r for r in rels}
    for conn in flow_view.findall(q("connection")):  # each connection joins the nodes of its relationship's ends
        rel = by_id[conn.get("relationshipRef")]
        assert (nodes[conn.get("source")], nodes[conn.get("target")]) == (rel.get("source"), rel.get("target"))
    svg = render_view_svg(data, 1)
    assert svg.count('data-relationship="Triggering"') == 3 and svg.count('data-relationship="Access"') == 6

    # A subtree without the whole flow keeps the flows inside it and no end-to-end view.
    service = parse(export_archimate(flow_graph, release="26.0", root="1.4"))
    assert not [r for r in service.iter(q("relationship")) if r.get(XSI_TYPE) in ("Flow", "Triggering")]
    assert [names_of(v)["en"] for v in service.iter(q("view"))] == ["Map of eTOM release 26.0: 1.4 Service Domain"]


def test_flows_in_archi_csv(flow_graph, kit, tmp_path):
    files = export_archi_csv(flow_graph, release="26.0", root="1.3", languages="zh")  # only Customer Domain
    for kind, data in files.items():
        (tmp_path / f"flows-{kind}.csv").write_bytes(data)
    proc = subprocess.run(
        [sys.executable, str(kit / "validate_csv.py"), str(tmp_path / "flows-elements.csv")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout
    files = export_archi_csv(flow_graph, release="26.0", languages="zh")
    props = list(csv.reader(io.StringIO(files["properties"].decode())))
    relations = list(csv.reader(io.StringIO(files["relations"].decode())))
    access = {row[0] for row in relations if row[1] == "AccessRelationship"}
    assert {row[0] for row in props if row[1] == "Access_Type"} == access and len(access) == 6
    assert {row[2] for row in relations if row[1] == "FlowRelationship"} == {zh for _, zh in ENTITIES.values()}


# --- Archi CSV through the CLI ----------------------------------------------------------------------


def test_archi_csv_files_pass_the_kit_and_match_the_exchange_file(cli, kit, full_export, tmp_path):
    prefix = tmp_path / "etom-26.0"
    cli("export", "--format", "archi-csv", "--release", "26.0", "-o", str(prefix))
    paths = {kind: tmp_path / f"etom-26.0-{kind}.csv" for kind in ("elements", "relations", "properties")}
    proc = subprocess.run(
        [sys.executable, str(kit / "validate_csv.py"), str(paths["elements"])], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    raw = paths["elements"].read_bytes()
    assert raw.startswith(b'"ID","Type","Name","Documentation","Specialization"\r\n')
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = {kind: list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline=""))) for kind, p in paths.items()}
    root = parse(full_export)
    assert {r[0] for r in rows["elements"][1:]} == {e.get("identifier") for e in root.iter(q("element"))}
    assert {(r[0], r[1].removesuffix("Relationship"), r[4], r[5]) for r in rows["relations"][1:]} == {
        (r.get("identifier"), r.get(XSI_TYPE), r.get("source"), r.get("target")) for r in root.iter(q("relationship"))
    }
    # The exchange file's properties minus the model's own two, plus an Access_Type row per Access relationship.
    access = sum(1 for r in root.iter(q("relationship")) if r.get(XSI_TYPE) == "Access")
    assert len(rows["properties"]) - 1 == sum(1 for _ in root.iter(q("property"))) - 2 + access
    names = {r[0]: r[2] for r in rows["elements"][1:]}
    assert "Service Activation Management" in names.values()  # the first language of the default en,zh


# --- bad options --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--format", "archimate", "--release", "99"], "unknown release '99'"),
        (["--format", "archimate", "--release", "25.5", "--root", "9.9.9"], "no process '9.9.9' in release 25.5"),
        (["--format", "archi-csv", "--max-level", "8"], "--max-level 8 is out of range"),
        (["--format", "archimate", "--root", "1.4.5", "--max-level", "1"], "above the root"),
        (["--format", "archimate", "--release", "26.0", "--max-level", "0"], "no process element that high up"),
        (["--format", "archimate", "--lang", "en,fr"], "--lang fr: no labels in that language"),
        (["--format", "archimate", "--all-releases"], "one release at a time"),
        (["--format", "turtle", "--lang", "zh"], "only for --format archimate or archi-csv"),
        (["--format", "archi-csv", "--views"], "cannot carry views"),
    ],
)
def test_bad_options_write_nothing(cli, tmp_path, args, message):
    out = tmp_path / "out"
    result = cli("export", *args, "-o", str(out), expect=2)
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_archi_csv_needs_a_prefix(cli):
    assert "give a prefix with -o" in cli("export", "--format", "archi-csv", expect=2).stderr


def test_oda_components_as_application_components_with_interfaces_and_views(cli, kg, validator, tmp_path):
    out = tmp_path / "components.xml"
    cli("export", "--format", "archimate", "--release", "26.0", "--root", "1.4", "--components", "-o", str(out))
    errors, report = validator(out)
    assert errors == 0 and "warning" not in report, report
    root = parse(out)
    elements = {e.get("identifier"): e for e in root.iter(q("element"))}
    by_id = {
        dict(properties_of(root, e)).get("eTOM identifier"): e
        for e in elements.values()
        if e.get(XSI_TYPE) == "ApplicationComponent"
    }
    expected = {
        r["c"]
        for r in kg.select(
            "SELECT DISTINCT ?c WHERE { ?i etom:implementer/skos:notation ?c ; etom:implementedProcess ?p . "
            '?p etom:release/owl:versionInfo "26.0" ; skos:notation ?id FILTER(STRSTARTS(?id, "1.4.")) }'
        )
    }
    assert set(by_id) == expected and "TMFC007" in expected
    relations = list(root.iter(q("relationship")))
    tmfc007 = by_id["TMFC007"].get("identifier")
    realized = {
        names_of(elements[r.get("target")])["en"]: dict(properties_of(root, r))
        for r in relations
        if r.get(XSI_TYPE) == "Realization" and r.get("source") == tmfc007
    }
    assert realized["Service Activation Management"]["eTOM inferred"] == "true"  # cited for 21.5, carried
    interfaces = [r.get("target") for r in relations if r.get(XSI_TYPE) == "Composition" and r.get("source") == tmfc007]
    assert "TMF641" in {dict(properties_of(root, elements[i]))["eTOM identifier"] for i in interfaces}
    assert all(elements[i].get(XSI_TYPE) == "ApplicationInterface" for i in interfaces)
    served = {r.get("target") for r in relations if r.get(XSI_TYPE) == "Serving" and r.get("source") in interfaces}
    assert served and served <= {
        elements[k].get("identifier") for k in elements if elements[k].get(XSI_TYPE) == "BusinessFunction"
    }
    views = [v for v in root.iter(q("view")) if names_of(v).get("en", "").startswith("ODA component")]
    assert len(views) == len(expected)
