"""Render the canonical content as RDF quads: one named graph per release.

Graphs: the ontology (``ONTOLOGY_IRI``), the framework graph (levels, layers,
verticals, sources, dataset metadata) and one graph per release, named by the
release IRI. No blank nodes are minted, so every serialisation is stable.
"""

from __future__ import annotations

import pyoxigraph as ox

from ..files import ontology_dir
from ..iris import (
    DCTERMS,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    SKOS,
    VOID,
    XKOS,
    Iris,
    slug,
)
from .flows import information_quads, release_flow_quads
from .lineage import carried_statement, version_link_iri
from .model import Content, DeletedProcess, Process
from .quads import TYPE as _TYPE
from .quads import QuadWriter as _Writer
from .quads import anomaly as _write_anomaly
from .quads import boolean as _bool
from .quads import etom as _e
from .quads import integer as _int
from .quads import lit as _lit
from .quads import node as _n
from .quads import zh_label

RIGHTS_EN = (
    "eTOM (the Business Process Framework, GB921) is © TM Forum. Process identifiers, names, levels and "
    "structure are reproduced from TM Forum's publications (IPR mode RAND) with this notice; descriptions "
    "and Chinese labels are the etomkg project's own words. TM Forum's own descriptions are not included."
)
RIGHTS_ZH = (
    "eTOM（业务流程框架，GB921）版权归 TM Forum 所有。流程编号、名称、层级和结构引自 TM Forum 的出版物"
    "（IPR 模式 RAND），并附此声明；描述和中文标签由 etomkg 项目自行撰写，不含 TM Forum 的原文描述。"
)


def ontology_quads() -> list[ox.Quad]:
    """The ontology's own Turtle sources, in the ontology graph."""
    graph = ox.NamedNode(ONTOLOGY_IRI)
    quads = []
    for path in sorted(ontology_dir().glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    return quads


def build_quads(content: Content, iris: Iris) -> list[ox.Quad]:
    """All quads of the bundled graph (unordered; the store gives canonical order on the way out)."""
    quads = ontology_quads()
    quads += framework_quads(content, iris)
    for release in content.releases:
        quads += release_quads(content, iris, release)
    from ..oda.rdf import oda_quads  # here, not at the top: the ODA renderer imports this package

    return quads + oda_quads(content, iris)


def framework_quads(content: Content, iris: Iris) -> list[ox.Quad]:
    """The framework graph: dataset metadata, sources, levels, layers, verticals and information entities."""
    w = _Writer(iris.framework_graph)
    ds = iris.dataset
    w.add(ds, _TYPE, _n(VOID + "Dataset"))
    w.add(ds, DCTERMS + "title", _lit("eTOM knowledge graph (etomkg)", "en"))
    w.add(ds, DCTERMS + "title", _lit("eTOM 知识图谱（etomkg）", "zh"))
    w.add(
        ds,
        DCTERMS + "description",
        _lit(
            "Every release of TM Forum's eTOM Business Process Framework from 23.0.1 to 26.0 and the classic framework, "
            "with lineage between releases, data flows and end-to-end flows, in English and Chinese.",
            "en",
        ),
    )
    w.add(
        ds,
        DCTERMS + "description",
        _lit(
            "TM Forum eTOM 业务流程框架从 23.0.1 到 26.0 的各个版本以及经典框架，包括版本间沿袭、数据流和端到端流程，"
            "中英双语。",
            "zh",
        ),
    )
    w.add(ds, DCTERMS + "rights", _lit(RIGHTS_EN, "en"))
    w.add(ds, DCTERMS + "rights", _lit(RIGHTS_ZH, "zh"))
    w.add(ds, DCTERMS + "rightsHolder", _lit("TM Forum"))
    w.add(ds, DCTERMS + "license", _n("https://www.apache.org/licenses/LICENSE-2.0"))
    w.add(ds, DCTERMS + "publisher", _lit("The etomkg project"))
    w.add(ds, DCTERMS + "conformsTo", _n(ONTOLOGY_IRI))
    for release in content.releases:
        w.add(ds, VOID + "subset", _n(iris.release(release)))
    for key, title in content.sources.items():
        src = iris.source(key)
        w.add(src, _TYPE, _e("Source"))
        w.add(src, DCTERMS + "title", _lit(title, "en"))
        w.add(src, SKOS + "notation", _lit(key))
    for depth in range(0, 8):
        lvl = iris.level(depth)
        w.add(lvl, _TYPE, _e("ProcessLevel"))
        w.add(lvl, XKOS + "depth", _int(depth))
        w.add(lvl, SKOS + "prefLabel", _lit(f"Level {depth}", "en"))
        w.add(lvl, SKOS + "prefLabel", _lit(f"第{depth}层", "zh"))
    for layer in content.layers:
        iri = iris.layer(layer.key)
        w.add(iri, _TYPE, _e("HorizontalLayer"))
        w.add(iri, _TYPE, _n(SKOS + "Concept"))
        w.add(iri, SKOS + "notation", _lit(layer.key))
        w.add(iri, SKOS + "prefLabel", _lit(layer.name, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(layer.name_zh, "zh"))
        w.add(iri, SKOS + "definition", _lit(layer.definition_en, "en"))
        w.add(iri, SKOS + "definition", _lit(layer.definition_zh, "zh"))
    schemes = {
        "classic": ("Classic vertical groupings", "经典纵向分组"),
        "current": ("Vertical groupings since release 15", "第 15 版以来的纵向分组"),
    }
    for scheme, (en, zh) in schemes.items():
        iri = iris.vertical_scheme(scheme)
        w.add(iri, _TYPE, _n(SKOS + "ConceptScheme"))
        w.add(iri, SKOS + "prefLabel", _lit(en, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(zh, "zh"))
    current = {v.name for v in content.verticals if v.scheme == "current"}
    for vertical in content.verticals:
        iri = iris.vertical(vertical.scheme, vertical.name)
        w.add(iri, _TYPE, _e("VerticalGrouping"))
        w.add(iri, _TYPE, _n(SKOS + "Concept"))
        w.add(iri, SKOS + "inScheme", _n(iris.vertical_scheme(vertical.scheme)))
        w.add(iri, SKOS + "notation", _lit(vertical.name))
        w.add(iri, SKOS + "prefLabel", _lit(vertical.name, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(vertical.name_zh, "zh"))
        if vertical.alt_zh:
            w.add(iri, SKOS + "altLabel", _lit(vertical.alt_zh, "zh"))
        w.add(iri, _e("area").value, _n(iris.process("classic", vertical.area)))
        w.add(iri, SKOS + "definition", _lit(vertical.definition_en, "en"))
        w.add(iri, SKOS + "definition", _lit(vertical.definition_zh, "zh"))
        if vertical.note:
            w.add(iri, SKOS + "editorialNote", _lit(vertical.note, "en"))
        if vertical.scheme == "classic" and vertical.name in current:
            w.add(iri, SKOS + "exactMatch", _n(iris.vertical("current", vertical.name)))
    return w.quads + information_quads(content, iris)


def release_quads(content: Content, iris: Iris, release: str) -> list[ox.Quad]:
    """The named graph of one release: its elements, lineage to the previous release, deleted processes."""
    w = _Writer(iris.graph(release))
    rel = iris.release(release)
    w.add(rel, _TYPE, _e("Release"))
    w.add(rel, _TYPE, _n(SKOS + "ConceptScheme"))
    w.add(rel, OWL + "versionInfo", _lit(release))
    w.add(rel, _e("releaseOrder").value, _int(content.releases.index(release)))
    title = "the classic eTOM framework" if release == "classic" else f"eTOM release {release}"
    title_zh = "经典 eTOM 框架" if release == "classic" else f"eTOM {release} 版"
    w.add(rel, SKOS + "prefLabel", _lit(title, "en"))
    w.add(rel, SKOS + "prefLabel", _lit(title_zh, "zh"))
    w.add(rel, DCTERMS + "title", _lit(title, "en"))
    w.add(rel, DCTERMS + "isPartOf", _n(iris.dataset))
    if release == content.releases[-1]:
        w.add(
            rel, SKOS + "editorialNote", _lit("The newest release: the default of every release-scoped command.", "en")
        )
    for note in content.release_notes.get(release, []):
        w.add(rel, SKOS + "editorialNote", _lit(note, "en"))
    for i, anomaly in enumerate(content.release_anomalies.get(release, [])):
        _write_anomaly(w, iris, rel, anomaly, i)
    procs = [p for p in content.processes if p.release == release]
    deleted = [d for d in content.deleted if d.release == release]
    sources = sorted({p.source for p in procs} | {d.source for d in deleted})
    for key in sources:
        w.add(rel, PROV + "wasDerivedFrom", _n(iris.source(key)))
    for proc in procs:
        _process(w, content, iris, proc)
    for link in content.links:
        if link.newer_release == release:
            _version_link(w, iris, link)
    for item in deleted:
        _deleted(w, content, iris, item)
    return w.quads + release_flow_quads(content, iris, release)


def _process(w: _Writer, content: Content, iris: Iris, proc: Process) -> None:
    iri = iris.process(proc.release, proc.identifier)
    rel = iris.release(proc.release)
    w.add(iri, _TYPE, _e("ProcessElement"))
    w.add(iri, _TYPE, _n(SKOS + "Concept"))
    if proc.release == "classic" and proc.level == 0:
        w.add(iri, _TYPE, _e("ProcessArea"))
    if proc.release != "classic" and proc.level == 1:
        w.add(iri, _TYPE, _e("Domain"))
    w.add(iri, SKOS + "notation", _lit(proc.identifier))
    w.add(iri, SKOS + "prefLabel", _lit(proc.name, "en"))
    if zh := zh_label(content.labels_zh, proc.name):
        w.add(iri, SKOS + "prefLabel", _lit(zh, "zh"))
    for alt in proc.alt_names:
        w.add(iri, SKOS + "altLabel", _lit(alt, "en"))
    if proc.level <= 2 and (definition := content.definitions.get(proc.name)):
        w.add(iri, SKOS + "definition", _lit(definition[0], "en"))
        w.add(iri, SKOS + "definition", _lit(definition[1], "zh"))
    w.add(iri, _e("level").value, _int(proc.level))
    w.add(iri, _e("hierarchyLevel").value, _n(iris.level(proc.level)))
    w.add(iri, _e("release").value, _n(rel))
    w.add(iri, SKOS + "inScheme", _n(rel))
    if proc.parent:
        parent = iris.process(proc.release, proc.parent)
        w.add(iri, _e("parent").value, _n(parent))
        w.add(iri, SKOS + "broader", _n(parent))
    else:
        w.add(iri, SKOS + "topConceptOf", _n(rel))
        w.add(rel, SKOS + "hasTopConcept", _n(iri))
    if proc.domain and proc.level >= 2 and not any(a.kind == "StrayIdentifier" for a in proc.anomalies):
        w.add(iri, _e("domain").value, _n(iris.process(proc.release, proc.domain)))
    scheme = "classic" if proc.release == "classic" else "current"
    for vertical in proc.verticals:
        w.add(iri, _e("vertical").value, _n(iris.vertical(scheme, vertical)))
    if proc.layer:
        w.add(iri, _e("layer").value, _n(iris.layer(proc.layer)))
    if proc.area and proc.area != proc.identifier:
        w.add(iri, _e("area").value, _n(iris.process("classic", proc.area)))
    if proc.original_id:
        w.add(iri, _e("originalIdentifier").value, _lit(proc.original_id))
    if proc.uid:
        w.add(iri, _e("uid").value, _lit(proc.uid))
    if classic := content.classic_counterparts.get((proc.release, proc.identifier)):
        w.add(iri, _e("classicCounterpart").value, _n(iris.process("classic", classic)))
    w.add(iri, PROV + "wasDerivedFrom", _n(iris.source(proc.source)))
    _tmf_texts(w, iri, proc.brief_description, proc.extended_description, proc.change_note)
    if proc.note:
        w.add(iri, SKOS + "editorialNote", _lit(proc.note, "en"))
    for i, anomaly in enumerate(proc.anomalies):
        _write_anomaly(w, iris, iri, anomaly, i)
    _carried(w, iris, proc)


def _tmf_texts(w: _Writer, iri: str, brief: str | None, extended: str | None, change: str | None = None) -> None:
    """TM Forum's own texts, only ever present in a user's store after a licensed workbook import."""
    if brief:
        w.add(iri, _e("briefDescription").value, _lit(brief, "en"))
    if extended:
        w.add(iri, _e("extendedDescription").value, _lit(extended, "en"))
    if change:
        w.add(iri, SKOS + "changeNote", _lit(change, "en"))


def _version_link(w: _Writer, iris: Iris, link) -> None:
    older = iris.process(link.older_release, link.older_id)
    newer = iris.process(link.newer_release, link.newer_id)
    if link.keeps_meaning:  # a split, merge or replacement is a VersionLink only, not the same process
        w.add(newer, _e("previousVersion").value, _n(older))
        w.add(older, _e("nextVersion").value, _n(newer))
    node = version_link_iri(iris, link)
    w.add(node, _TYPE, _e("VersionLink"))
    w.add(node, _e("older").value, _n(older))
    w.add(node, _e("newer").value, _n(newer))
    w.add(node, _e("basis").value, _lit(link.basis))
    w.add(node, _e("linkKind").value, _lit(link.kind))
    for evidence in link.evidence:
        w.add(node, _e("linkEvidence").value, _lit(evidence))
    if "workbook-statement" in link.evidence or "deleted-sheet" in link.evidence:
        w.add(node, DCTERMS + "source", _n(iris.source("S1d" if "deleted-sheet" in link.evidence else "S1")))
    if link.reason:
        w.add(node, SKOS + "editorialNote", _lit(link.reason, "en"))
    if link.renamed:
        w.add(node, _e("renamed").value, _bool(True))
    if link.renumbered:
        w.add(node, _e("renumbered").value, _bool(True))


def _carried(w: _Writer, iris: Iris, proc: Process) -> None:
    """Each carried fact as an ``etom:CarriedStatement``: the triple (``etom:carriedSubject``, ``…Predicate``,
    ``…Object``), the element it was stated on, and the version link it reached this element along."""
    subject = iris.process(proc.release, proc.identifier)
    for fact in proc.carried:
        if fact.fact == "vertical":
            predicate, value = _e("vertical"), _n(iris.vertical("current", fact.value))
            node = f"{subject}/carried/vertical/{slug(fact.value)}"
        else:
            predicate, value = _e("classicCounterpart"), _n(iris.process("classic", fact.value))
            node = f"{subject}/carried/classic-counterpart"
        # the link into this element only: the element across it has its own marker naming the next link
        carried_statement(w, iris, node, subject, predicate, value, fact.path[-1:])
        w.add(node, _e("carriedFrom").value, _n(iris.process(fact.from_release, fact.from_id)))


def _deleted(w: _Writer, content: Content, iris: Iris, item: DeletedProcess) -> None:
    iri = iris.deleted(item.release, item.uid)
    rel = iris.release(item.release)
    w.add(iri, _TYPE, _e("DeletedProcess"))
    w.add(iri, _TYPE, _n(SKOS + "Concept"))
    w.add(iri, OWL + "deprecated", _bool(True))
    w.add(iri, SKOS + "prefLabel", _lit(item.name, "en"))
    if zh := zh_label(content.labels_zh, item.name):
        w.add(iri, SKOS + "prefLabel", _lit(zh, "zh"))
    w.add(iri, _e("uid").value, _lit(item.uid))
    w.add(iri, _e("release").value, _n(rel))
    w.add(iri, SKOS + "inScheme", _n(rel))
    if item.level is not None:
        w.add(iri, _e("level").value, _int(item.level))
    if item.former_identifier:
        w.add(iri, _e("formerIdentifier").value, _lit(item.former_identifier))
    if item.original_id:
        w.add(iri, _e("originalIdentifier").value, _lit(item.original_id))
    if item.status:
        w.add(iri, _e("frameworkStatus").value, _lit(item.status))
    if item.maturity:
        w.add(iri, _e("maturityLevel").value, _lit(item.maturity))
    for identifier, basis in item.replaced_by:
        target = _n(iris.process(item.release, identifier))
        w.add(iri, SKOS + "historyNote", _lit(f"Replaced by {identifier} (matched by {basis}).", "en"))
        # The deleted sheet names no successor: the match is ours, so both triples are marked as inferred.
        for predicate, slug_ in ((_e("replacedBy").value, "replaced-by"), (DCTERMS + "isReplacedBy", "is-replaced-by")):
            w.add(iri, predicate, target)
            marker = f"{iri}/inferred/{slug_}/{identifier}"
            w.add(marker, _TYPE, _e("InferredStatement"))
            w.add(marker, _e("inferredSubject").value, _n(iri))
            w.add(marker, _e("inferredPredicate").value, _n(predicate))
            w.add(marker, _e("inferredObject").value, target)
            w.add(marker, _e("evidence").value, _lit(_replacement_basis(item, identifier, basis)))
    if item.previous:
        w.add(iri, PROV + "wasRevisionOf", _n(iris.process(*item.previous)))
    if item.history_note:
        w.add(iri, SKOS + "historyNote", _lit(item.history_note, "en"))
    _tmf_texts(w, iri, item.brief_description, item.extended_description)
    w.add(iri, PROV + "wasDerivedFrom", _n(iris.source(item.source)))


def _replacement_basis(item: DeletedProcess, identifier: str, basis: str) -> str:
    if basis == "original identifier":
        return (
            f"The deleted sheet gives {item.name} (UID {item.uid}) the original identifier {item.original_id}, "
            f"which the live process {identifier} of release {item.release} has."
        )
    return f"The live process {identifier} of release {item.release} has the deleted process's name, {item.name}."


def graph_inputs(content: Content, iris: Iris, code_digest: str) -> dict[str, str]:
    """For every graph rendered from ``content``: a digest of exactly what it is rendered from.

    Two contents that give a graph the same digest render it to the same quads,
    so a store rewrites only the graphs whose digest changed. ``code_digest``
    covers the renderer, the ontology and the bundled labels and definitions.
    """
    import hashlib
    from collections import defaultdict

    def digest(*parts: object) -> str:
        return hashlib.sha256(repr((code_digest, iris.base, parts)).encode("utf-8")).hexdigest()[:32]

    processes: dict[str, list[Process]] = defaultdict(list)
    for proc in content.processes:
        processes[proc.release].append(proc)
    links: dict[str, list] = defaultdict(list)
    for link in content.links:
        links[link.newer_release].append(link)
    deleted: dict[str, list[DeletedProcess]] = defaultdict(list)
    for item in content.deleted:
        deleted[item.release].append(item)
    counterparts: dict[str, list] = defaultdict(list)
    for key, value in sorted(content.classic_counterparts.items()):
        counterparts[key[0]].append((key[1], value))
    flows: dict[str, list] = defaultdict(list)
    for item in [*content.flows, *content.e2e_flows]:
        flows[item.release].append(item)
    inputs = {
        ONTOLOGY_IRI: digest("ontology"),
        iris.framework_graph: digest(
            "framework",
            content.releases,
            sorted(content.sources.items()),
            content.verticals,
            content.layers,
            content.information,
        ),
    }
    for index, release in enumerate(content.releases):
        inputs[iris.graph(release)] = digest(
            release,
            index,
            release == content.releases[-1],
            processes[release],
            links[release],
            deleted[release],
            content.release_anomalies.get(release),
            content.release_notes.get(release),
            counterparts[release],
            flows[release],
            # our words by English name: an imported workbook may add names (sources.py _keep_our_words)
            [(zh_label(content.labels_zh, p.name), content.definitions.get(p.name)) for p in processes[release]],
        )
    from ..oda.rdf import oda_graph

    # the ODA graph resolves its references against every release's processes and version links
    inputs[oda_graph(iris)] = digest(
        "oda", [(p.release, p.identifier, p.name) for p in content.processes], content.links, content.releases
    )
    return inputs


def render_graph(content: Content, iris: Iris, graph: str) -> list[ox.Quad]:
    """The quads of one graph named in :func:`graph_inputs`."""
    if graph == ONTOLOGY_IRI:
        return ontology_quads()
    if graph == iris.framework_graph:
        return framework_quads(content, iris)
    for release in content.releases:
        if iris.graph(release) == graph:
            return release_quads(content, iris, release)
    from ..oda.rdf import oda_graph, oda_quads

    if graph == oda_graph(iris):
        return oda_quads(content, iris)
    raise KeyError(graph)
