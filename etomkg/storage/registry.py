"""The registry graph of a persistent store: what was imported, from which file, when, into which graphs.

It also keeps, for every graph rendered from the canonical content, a digest of
the inputs it was rendered from, so an import rewrites only the graphs whose
inputs changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..iris import ETOM, PREFIXES, PROV, RDF, RDFS, VOID, XSD, Iris

_TYPE = ox.NamedNode(RDF + "type")


def _e(local: str) -> ox.NamedNode:
    return ox.NamedNode(ETOM + local)


@dataclass
class ImportInfo:
    """One import, as ``etomkg store list`` shows it."""

    kind: str  # "gb921" | "extension"
    key: str  # the release (gb921) or the extension's name
    release: str  # the target release
    graphs: list[str]
    source_file: str
    sha256: str
    imported_at: str  # ISO 8601, UTC
    triples: int
    label: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # filled by callers that count elements


def record_quads(iris: Iris, info: ImportInfo) -> list[ox.Quad]:
    graph = ox.NamedNode(iris.registry_graph)
    node = ox.NamedNode(iris.import_record(info.kind, info.key))
    quads = [
        ox.Quad(node, _TYPE, _e("ImportRecord"), graph),
        ox.Quad(node, _e("importKind"), ox.Literal(info.kind), graph),
        ox.Quad(node, _e("targetRelease"), ox.NamedNode(iris.release(info.release)), graph),
        ox.Quad(node, _e("sourceFile"), ox.Literal(info.source_file), graph),
        ox.Quad(node, _e("sha256"), ox.Literal(info.sha256), graph),
        ox.Quad(
            node,
            ox.NamedNode(PROV + "endedAtTime"),
            ox.Literal(info.imported_at, datatype=ox.NamedNode(XSD + "dateTime")),
            graph,
        ),
        ox.Quad(
            node,
            ox.NamedNode(VOID + "triples"),
            ox.Literal(str(info.triples), datatype=ox.NamedNode(XSD + "integer")),
            graph,
        ),
    ]
    if info.label:
        quads.append(ox.Quad(node, ox.NamedNode(RDFS + "label"), ox.Literal(info.label, language="en"), graph))
    quads += [ox.Quad(node, _e("importedGraph"), ox.NamedNode(g), graph) for g in info.graphs]
    if info.kind == "extension":
        ext = ox.NamedNode(iris.extension(info.key))
        quads += [
            ox.Quad(ext, _TYPE, _e("Extension"), graph),
            ox.Quad(ext, _e("targetRelease"), ox.NamedNode(iris.release(info.release)), graph),
            ox.Quad(ext, ox.NamedNode(RDFS + "label"), ox.Literal(info.key), graph),
        ]
    return quads


def remove_record(store: ox.Store, iris: Iris, kind: str, key: str) -> None:
    """Delete one import record (and, for an extension, its dataset node) from the registry graph."""
    graph = ox.NamedNode(iris.registry_graph)
    subjects = [ox.NamedNode(iris.import_record(kind, key))]
    if kind == "extension":
        subjects.append(ox.NamedNode(iris.extension(key)))
    for subject in subjects:
        for quad in list(store.quads_for_pattern(subject, None, None, graph)):
            store.remove(quad)


def read_records(store: ox.Store, iris: Iris) -> list[ImportInfo]:
    query = f"""
        SELECT ?record ?kind ?release ?file ?sha ?at ?triples (GROUP_CONCAT(STR(?g); separator=" ") AS ?graphs)
               (SAMPLE(?label) AS ?lbl)
        WHERE {{ GRAPH <{iris.registry_graph}> {{
          ?record a etom:ImportRecord ; etom:importKind ?kind ; etom:targetRelease ?release ;
                  etom:sourceFile ?file ; etom:sha256 ?sha ; prov:endedAtTime ?at ; void:triples ?triples ;
                  etom:importedGraph ?g .
          OPTIONAL {{ ?record rdfs:label ?label }}
        }} }} GROUP BY ?record ?kind ?release ?file ?sha ?at ?triples"""
    records = []
    for row in store.query(query, prefixes=PREFIXES):
        record = row["record"].value
        records.append(
            ImportInfo(
                kind=row["kind"].value,
                key=record.rsplit("/", 1)[-1],
                release=row["release"].value.rsplit("/", 1)[-1],
                graphs=sorted(row["graphs"].value.split()),
                source_file=row["file"].value,
                sha256=row["sha"].value,
                imported_at=row["at"].value,
                triples=int(row["triples"].value),
                label=row["lbl"].value if row["lbl"] is not None else "",
            )
        )
    return sorted(records, key=lambda r: (r.kind, r.key))


def read_digests(store: ox.Store, iris: Iris) -> dict[str, str]:
    graph = ox.NamedNode(iris.registry_graph)
    return {q.subject.value: q.object.value for q in store.quads_for_pattern(None, _e("inputDigest"), None, graph)}


def write_digests(store: ox.Store, iris: Iris, digests: dict[str, str]) -> None:
    """Replace the recorded digest of each given graph."""
    graph = ox.NamedNode(iris.registry_graph)
    for name, digest in digests.items():
        subject = ox.NamedNode(name)
        for quad in list(store.quads_for_pattern(subject, _e("inputDigest"), None, graph)):
            store.remove(quad)
        store.add(ox.Quad(subject, _e("inputDigest"), ox.Literal(digest), graph))


def extension_graphs(store: ox.Store, iris: Iris) -> dict[str, list[str]]:
    """Release -> the named graphs of the extensions imported against it."""
    found: dict[str, list[str]] = {}
    graph = ox.NamedNode(iris.registry_graph)
    for quad in store.quads_for_pattern(None, _e("importKind"), ox.Literal("extension"), graph):
        release = next(store.quads_for_pattern(quad.subject, _e("targetRelease"), None, graph), None)
        if release is None:
            continue
        name = release.object.value.rsplit("/", 1)[-1]
        for imported in store.quads_for_pattern(quad.subject, _e("importedGraph"), None, graph):
            found.setdefault(name, []).append(imported.object.value)
    return {release: sorted(graphs) for release, graphs in found.items()}


__all__ = ["ImportInfo", "record_quads", "read_records", "read_digests", "write_digests", "extension_graphs"]
