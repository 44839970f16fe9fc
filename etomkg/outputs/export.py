"""Deterministic serialisation of quads, subtree selection, and the JSON-LD writer.

The same quads always give the same bytes: quads are sorted canonically, no
blank nodes exist, and the JSON-LD is written by hand against a published
``@context`` whose keys read well (``id``, ``name``, ``level``, ``parent`` …).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

import pyoxigraph as ox

from ..errors import EtomkgError
from ..formats import FORMATS, RdfFormatInfo, rdf_format_for
from ..iris import (
    DCTERMS,
    ETOM,
    ONTOLOGY_IRI,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VOID,
    XKOS,
    XSD,
)
from ..safety.iri import identifier, iri_term
from ..store import KnowledgeGraph

_RDF_TYPE = RDF + "type"
_XSD_INT = XSD + "integer"
_XSD_BOOL = XSD + "boolean"

# key -> (predicate IRI, kind); kind: "id" (IRI values), "lang" (language map), "plain" (string), "native" (number/bool)
_TERMS: dict[str, tuple[str, str]] = {
    "identifier": (SKOS + "notation", "plain"),
    "name": (SKOS + "prefLabel", "lang"),
    "altName": (SKOS + "altLabel", "lang"),
    "definition": (SKOS + "definition", "lang"),
    "editorialNote": (SKOS + "editorialNote", "lang"),
    "historyNote": (SKOS + "historyNote", "lang"),
    "comment": (RDFS + "comment", "lang"),
    "label": (RDFS + "label", "lang"),
    "title": (DCTERMS + "title", "lang"),
    "description": (DCTERMS + "description", "lang"),
    "rights": (DCTERMS + "rights", "lang"),
    "level": (ETOM + "level", "native"),
    "hierarchyLevel": (ETOM + "hierarchyLevel", "id"),
    "parent": (ETOM + "parent", "id"),
    "broader": (SKOS + "broader", "id"),
    "release": (ETOM + "release", "id"),
    "inScheme": (SKOS + "inScheme", "id"),
    "topConceptOf": (SKOS + "topConceptOf", "id"),
    "hasTopConcept": (SKOS + "hasTopConcept", "id"),
    "domain": (ETOM + "domain", "id"),
    "vertical": (ETOM + "vertical", "id"),
    "layer": (ETOM + "layer", "id"),
    "area": (ETOM + "area", "id"),
    "originalIdentifier": (ETOM + "originalIdentifier", "plain"),
    "uid": (ETOM + "uid", "plain"),
    "classicCounterpart": (ETOM + "classicCounterpart", "id"),
    "previousVersion": (ETOM + "previousVersion", "id"),
    "nextVersion": (ETOM + "nextVersion", "id"),
    "older": (ETOM + "older", "id"),
    "newer": (ETOM + "newer", "id"),
    "basis": (ETOM + "basis", "plain"),
    "renamed": (ETOM + "renamed", "native"),
    "renumbered": (ETOM + "renumbered", "native"),
    "derivedFrom": (PROV + "wasDerivedFrom", "id"),
    "revisionOf": (PROV + "wasRevisionOf", "id"),
    "anomaly": (ETOM + "hasAnomaly", "id"),
    "anomalyKind": (ETOM + "anomalyKind", "id"),
    "rawValue": (ETOM + "rawValue", "plain"),
    "replacedBy": (ETOM + "replacedBy", "id"),
    "isReplacedBy": (DCTERMS + "isReplacedBy", "id"),
    "deprecated": (OWL + "deprecated", "native"),
    "formerIdentifier": (ETOM + "formerIdentifier", "plain"),
    "frameworkStatus": (ETOM + "frameworkStatus", "plain"),
    "maturityLevel": (ETOM + "maturityLevel", "plain"),
    "versionInfo": (OWL + "versionInfo", "plain"),
    "releaseOrder": (ETOM + "releaseOrder", "native"),
    "depth": (XKOS + "depth", "native"),
    "exactMatch": (SKOS + "exactMatch", "id"),
    "producer": (ETOM + "producer", "id"),
    "consumer": (ETOM + "consumer", "id"),
    "carries": (ETOM + "carries", "id"),
    "inferred": (ETOM + "inferred", "native"),
    "evidence": (ETOM + "evidence", "plain"),
    "source": (DCTERMS + "source", "id"),
    "step": (ETOM + "step", "id"),
    "stepNumber": (ETOM + "stepNumber", "native"),
    "stepProcess": (ETOM + "stepProcess", "id"),
    "flowToNext": (ETOM + "flowToNext", "id"),
    "trigger": (ETOM + "trigger", "lang"),
    "sidEntity": (ETOM + "sidEntity", "plain"),
    "subset": (VOID + "subset", "id"),
}
_BY_PREDICATE = {iri: (key, kind) for key, (iri, kind) in _TERMS.items()}


def jsonld_context() -> dict:
    """The published JSON-LD context (also written as ``context.jsonld`` by ``etomkg build``)."""
    context: dict = {"@version": 1.1, "id": "@id", "type": "@type", "graph": "@graph"}
    context.update(PREFIXES)
    for key, (iri, kind) in _TERMS.items():
        compact = _compact(iri)
        if kind == "id":
            context[key] = {"@id": compact, "@type": "@id"}
        elif kind == "lang":
            context[key] = {"@id": compact, "@container": "@language"}
        else:
            context[key] = compact
    return {"@context": context}


def _compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _native(literal: ox.Literal):
    datatype = literal.datatype.value
    if datatype == _XSD_INT:
        return int(literal.value)
    if datatype == _XSD_BOOL:
        return literal.value == "true"
    return None


def _value_object(term) -> dict | str:
    if isinstance(term, ox.NamedNode):
        return {"@id": term.value}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == XSD + "string":
        return term.value
    return {"@value": term.value, "@type": _compact(term.datatype.value)}


def _node(subject: str, triples: list[tuple[str, object]]) -> dict:
    node: dict = {"id": subject}
    grouped: dict[str, list] = defaultdict(list)
    for predicate, obj in triples:
        if predicate == _RDF_TYPE and isinstance(obj, ox.NamedNode):
            grouped["type"].append(_compact(obj.value))
            continue
        term = _BY_PREDICATE.get(predicate)
        if term is not None:
            key, kind = term
            if kind == "id" and isinstance(obj, ox.NamedNode):
                grouped[key].append(obj.value)
                continue
            if kind == "lang" and isinstance(obj, ox.Literal) and obj.language:
                grouped[key].append((obj.language, obj.value))
                continue
            if (
                kind == "plain"
                and isinstance(obj, ox.Literal)
                and not obj.language
                and obj.datatype.value == XSD + "string"
            ):
                grouped[key].append(obj.value)
                continue
            if (
                kind == "native"
                and isinstance(obj, ox.Literal)
                and _native(obj) is not None
                and str(_native(obj)).lower() == obj.value
            ):
                grouped[key].append(_native(obj))
                continue
        grouped[_compact(predicate)].append(_value_object(obj))
    for key in sorted(grouped, key=lambda k: (k != "type", k)):
        values = grouped[key]
        term = _TERMS.get(key)
        if term and term[1] == "lang":
            by_lang: dict[str, list[str]] = defaultdict(list)
            for lang, text in values:
                by_lang[lang].append(text)
            node[key] = {
                lang: (sorted(texts) if len(texts) > 1 else texts[0]) for lang, texts in sorted(by_lang.items())
            }
        else:
            values = sorted(values, key=_sort_key)
            node[key] = values[0] if len(values) == 1 else values
    return node


def _sort_key(value) -> tuple:
    if isinstance(value, str):
        return (0, value)
    if isinstance(value, dict):
        return (1, repr(sorted(value.items())))
    return (2, repr(value))


def _nodes(quads: Iterable[ox.Quad]) -> list[dict]:
    by_subject: dict[str, list[tuple[str, object]]] = defaultdict(list)
    for quad in quads:
        by_subject[quad.subject.value].append((quad.predicate.value, quad.object))
    return [_node(subject, by_subject[subject]) for subject in sorted(by_subject)]


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def graph_nodes(quads: Iterable[ox.Quad]) -> list[tuple[str, str]]:
    """``(subject, one-line JSON)`` for every node of one graph, sorted by subject."""
    return [(node["id"], _dump(node)) for node in _nodes(quads)]


def jsonld_document(graphs: list[tuple[str, list[tuple[str, str]]]], *, dataset: bool) -> bytes:
    """Assemble JSON-LD from pre-rendered node lines, with the inline published context.

    One node object per line, so that a diff of two releases reads line by line.
    ``graphs`` is ``[(graph name or "", nodes)]``; without ``dataset`` the graphs are merged.
    """
    head = '{"@context": ' + _dump(jsonld_context()["@context"]) + ',\n "graph": [\n'
    if dataset:
        items = []
        for name, nodes in sorted(graphs):
            if name:
                items.append(
                    '  {"id": '
                    + _dump(name)
                    + ', "graph": [\n   '
                    + ",\n   ".join(text for _, text in nodes)
                    + "\n  ]}"
                )
            else:
                items.extend("  " + text for _, text in nodes)
    else:
        merged = sorted((node for _, nodes in graphs for node in nodes), key=lambda n: n[0])
        items = ["  " + text for _, text in merged]
    return (head + ",\n".join(items) + "\n ]\n}\n").encode("utf-8")


def to_jsonld(quads: list[ox.Quad], *, dataset: bool) -> bytes:
    """JSON-LD of quads; named graphs kept when ``dataset`` is true."""
    by_graph: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_graph[quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""].append(quad)
    if not dataset:
        return jsonld_document([("", graph_nodes(quads))], dataset=False)
    return jsonld_document([(name, graph_nodes(qs)) for name, qs in by_graph.items()], dataset=True)


def to_ntriples_lines(nquads_lines: list[str]) -> list[str]:
    """Drop graph names (the release stays in every process IRI); deduplicated and sorted.

    The lines come from named graphs only, so the last ``" <"`` of a line starts its graph name.
    """
    return sorted({line[: line.rindex(" <")] + " ." for line in nquads_lines})


def _joined(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def serialize_lines(
    nquads_lines: list[str], fmt: str | RdfFormatInfo, *, ntriples_lines: list[str] | None = None
) -> bytes:
    """Serialise canonical N-Quads lines (see ``KnowledgeGraph.nquads_lines``); byte-stable for the same lines.

    ``ntriples_lines`` may pass ``to_ntriples_lines(nquads_lines)`` when the caller already has it.
    """
    info = fmt if isinstance(fmt, RdfFormatInfo) else rdf_format_for(fmt)
    if info.name == "nquads":
        return _joined(nquads_lines)
    if info.name == "jsonld":
        quads = list(ox.parse(_joined(nquads_lines), format=ox.RdfFormat.N_QUADS))
        return to_jsonld(quads, dataset=len({q.graph_name.value for q in quads}) > 1)
    if info.dataset:
        parsed = ox.parse(_joined(nquads_lines), format=ox.RdfFormat.N_QUADS)
        return ox.serialize(parsed, format=info.oxigraph, prefixes=_prefixes_for(info))
    triples = _joined(ntriples_lines if ntriples_lines is not None else to_ntriples_lines(nquads_lines))
    if info.name == "ntriples":
        return triples
    return ox.serialize(
        ox.parse(triples, format=ox.RdfFormat.N_TRIPLES), format=info.oxigraph, prefixes=_prefixes_for(info)
    )


def serialize(quads: list[ox.Quad], fmt: str | RdfFormatInfo) -> bytes:
    """Serialise quads in a format of :data:`etomkg.formats.FORMATS`; byte-stable for the same quads."""
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")
    # Triples straight from the quads: cutting graph names off the lines would cut the object of a
    # quad in the default graph (a CONSTRUCT result) instead.
    triples = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return serialize_lines(sorted(data.splitlines()), fmt, ntriples_lines=sorted(set(triples.splitlines())))


def serialize_triples(triples: Iterable[ox.Triple | ox.Quad], fmt: str | RdfFormatInfo) -> bytes:
    """Serialise triples (graph names of quads are dropped) deterministically: sorted, deduplicated.

    >>> t = ox.Triple(ox.NamedNode("http://example.org/a"), ox.NamedNode(SKOS + "notation"), ox.Literal("1.4"))
    >>> serialize_triples([t, t], "ntriples").decode()
    '<http://example.org/a> <http://www.w3.org/2004/02/skos/core#notation> "1.4" .\\n'
    """
    info = fmt if isinstance(fmt, RdfFormatInfo) else rdf_format_for(fmt)
    plain = [ox.Triple(t.subject, t.predicate, t.object) for t in triples]
    lines = sorted(set(ox.serialize(plain, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines()))
    data = _joined(lines)
    if info.name in ("ntriples", "nquads"):
        return data
    parsed = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    if info.name == "jsonld":
        return jsonld_document([("", graph_nodes(parsed))], dataset=False)
    return ox.serialize(parsed, format=info.oxigraph, prefixes=_prefixes_for(info))


def _prefixes_for(info: RdfFormatInfo) -> dict[str, str] | None:
    return PREFIXES if info.name in ("turtle", "trig", "rdfxml") else None


class ExportError(EtomkgError, ValueError):
    """Bad export options: an unknown release, a missing root, a level out of range."""


def select_lines(
    kg: KnowledgeGraph,
    *,
    release: str | None = None,
    root: str | None = None,
    max_level: int | None = None,
    include_ontology: bool = False,
    extensions: bool = False,
) -> list[str]:
    """Canonical N-Quads lines of one release (or all when ``release`` is ``"all"``), optionally a subtree;
    with ``extensions``, the operators' extensions imported against it into a store come along.

    A subtree keeps the root, its descendants down to ``max_level``, and every
    node they own (anomalies); links out of the subtree are kept as IRIs.
    """
    if max_level is not None and not 0 <= max_level <= 7:
        raise ExportError(f"--max-level {max_level} is out of range; eTOM levels run from 0 to 7")
    if release == "all":
        if root is not None:
            raise ExportError("--root needs one release; pass --release too")
        graphs = [kg.iris.framework_graph] + [kg.iris.graph(r) for r in kg.releases]
        graphs += [g for r in kg.releases for g in kg.extensions.get(r, [])] if extensions else []
    else:
        release = kg.check_release(release or kg.default_release)
        graphs = [kg.iris.graph(release), *(kg.extensions.get(release, []) if extensions else [])]
    if include_ontology:
        graphs.insert(0, ONTOLOGY_IRI)
    lines = kg.nquads_lines(graphs)
    if root is None and max_level is None:
        return lines
    keep = {f"<{iri}>" for iri in _subtree_subjects(kg, release, root, max_level, extensions)}
    anomaly = f" <{ETOM}hasAnomaly> "
    keep |= {
        line.split(anomaly, 1)[1].split(" ", 1)[0]
        for line in lines
        if anomaly in line and line.split(" ", 1)[0] in keep
    }
    return [line for line in lines if line.split(" ", 1)[0] in keep]


def _subtree_subjects(
    kg: KnowledgeGraph, release: str, root: str | None, max_level: int | None, extensions: bool = False
) -> set[str]:
    level_filter = f"FILTER(?level <= {int(max_level)})" if max_level is not None else ""
    if root is None:
        rows = kg.select(
            f"SELECT ?p WHERE {{ ?p a etom:ProcessElement ; etom:level ?level . {level_filter} }}",
            release=release,
            extensions=extensions,
        )
        return {r["p"] for r in rows}
    root_term = iri_term(kg.iris.process(release, identifier(root, "--root")), "--root")  # never raw text in SPARQL
    if not kg.query(f"ASK {{ {root_term} a etom:ProcessElement }}", release=release, extensions=extensions):
        raise ExportError(f"no process {root!r} in release {release}; try `etomkg query` to list identifiers")
    rows = kg.select(
        f"SELECT ?p WHERE {{ ?p etom:parent* {root_term} ; etom:level ?level . {level_filter} }}",
        release=release,
        extensions=extensions,
    )
    if not rows:
        raise ExportError(f"--max-level {max_level} is above the root {root}; nothing to export")
    return {r["p"] for r in rows}


__all__ = [
    "FORMATS",
    "serialize",
    "serialize_lines",
    "serialize_triples",
    "select_lines",
    "to_jsonld",
    "jsonld_context",
    "ExportError",
]
