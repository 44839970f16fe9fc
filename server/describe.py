"""What the HTML pages show about a resource, gathered with a few SPARQL queries (Flask-free).

Every listing of identifiers is in natural order (1.3.2 before 1.3.10).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from etomkg.iris import ETOM, ONTOLOGY_IRI, OWL, PREFIXES, RDF, RDFS, SKOS, natural_key, release_key
from etomkg.store import KnowledgeGraph

LANGS = ("en", "zh")


@dataclass
class Link:
    iri: str
    label: dict[str, str] = field(default_factory=dict)  # lang -> text
    notation: str = ""
    release: str = ""

    def text(self, lang: str) -> str:
        name = self.label.get(lang) or self.label.get("en") or next(iter(self.label.values()), "")
        return " ".join(part for part in (self.notation, name) if part) or compact(self.iri)


@dataclass
class Value:
    literal: str | None = None
    lang: str = ""
    datatype: str = ""
    link: Link | None = None


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _q(kg: KnowledgeGraph, sparql: str) -> list[dict[str, ox.NamedNode | ox.Literal]]:
    solutions = kg.query(sparql)
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


def labels_of(kg: KnowledgeGraph, iris: list[str]) -> dict[str, Link]:
    """Links with labels (en, zh), notation and release for many IRIs in one query."""
    links = {iri: Link(iri) for iri in iris}
    if not iris:
        return links
    values = " ".join(f"<{iri}>" for iri in links)
    rows = _q(
        kg,
        f"""SELECT ?s ?label ?notation ?release WHERE {{
          VALUES ?s {{ {values} }}
          {{ ?s skos:prefLabel ?label }} UNION {{ ?s rdfs:label ?label }} UNION {{ ?s skos:notation ?notation }}
          UNION {{ ?s etom:release/owl:versionInfo ?release }}
        }}""",
    )
    for row in rows:
        link = links[row["s"].value]
        if "label" in row and row["label"].language in LANGS:
            link.label.setdefault(row["label"].language, row["label"].value)
        if "notation" in row:
            link.notation = row["notation"].value
        if "release" in row:
            link.release = row["release"].value
    return links


def properties(kg: KnowledgeGraph, iri: str) -> list[tuple[Link, list[Value]]]:
    """Every statement about ``iri`` (any graph), grouped by predicate, labels resolved."""
    quads = list(kg.quads_for_pattern(ox.NamedNode(iri), None, None, None))
    seen: set[tuple[str, str]] = set()
    grouped: dict[str, list[ox.NamedNode | ox.Literal]] = {}
    for quad in quads:
        key = (quad.predicate.value, str(quad.object))
        if key not in seen:
            seen.add(key)
            grouped.setdefault(quad.predicate.value, []).append(quad.object)
    linked = [o.value for objects in grouped.values() for o in objects if isinstance(o, ox.NamedNode)]
    links = labels_of(kg, sorted(set(linked) | set(grouped)))
    result = []
    for predicate in sorted(grouped, key=lambda p: (p != RDF + "type", compact(p))):
        values = []
        for obj in grouped[predicate]:
            if isinstance(obj, ox.NamedNode):
                values.append(Value(link=links[obj.value]))
            else:
                values.append(Value(obj.value, obj.language or "", "" if obj.language else compact(obj.datatype.value)))
        values.sort(
            key=lambda v: (v.link is None, natural_key(v.link.notation) if v.link else (), v.lang, v.literal or "")
        )
        result.append((links[predicate], values))
    return result


def types_of(kg: KnowledgeGraph, iri: str) -> set[str]:
    return {q.object.value for q in kg.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(RDF + "type"), None)}


def _texts(kg: KnowledgeGraph, iri: str, predicate: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for quad in kg.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None):
        if isinstance(quad.object, ox.Literal) and quad.object.language in LANGS:
            texts.setdefault(quad.object.language, quad.object.value)
    return texts


def _objects(kg: KnowledgeGraph, iri: str, predicate: str) -> list[str]:
    return sorted({q.object.value for q in kg.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None)})


def _literal(kg: KnowledgeGraph, iri: str, predicate: str) -> str:
    for quad in kg.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(predicate), None):
        return quad.object.value
    return ""


def _by_notation(links: list[Link]) -> list[Link]:
    return sorted(links, key=lambda link: (natural_key(link.notation), link.iri))


@dataclass
class ProcessPage:
    iri: str
    notation: str
    names: dict[str, str]
    definitions: dict[str, str]
    level: str
    release: Link
    ancestors: list[Link]
    children: list[Link]
    domain: list[Link]
    verticals: list[Link]
    flows_out: list[dict[str, Link]]
    flows_in: list[dict[str, Link]]
    versions: list[Link]
    classic: list[Link]
    anomalies: list[dict[str, str]]
    facts: list[tuple[str, str]]


def process_page(kg: KnowledgeGraph, iri: str) -> ProcessPage:
    ancestors = [row["a"].value for row in _q(kg, f"SELECT DISTINCT ?a WHERE {{ <{iri}> etom:parent+ ?a }}")]
    children = [row["c"].value for row in _q(kg, f"SELECT DISTINCT ?c WHERE {{ ?c etom:parent <{iri}> }}")]
    versions = [
        row["v"].value
        for row in _q(
            kg,
            f"SELECT DISTINCT ?v WHERE {{ {{ <{iri}> etom:previousVersion+ ?v }} UNION {{ <{iri}> etom:nextVersion+ ?v }} }}",
        )
    ]
    flows = _q(
        kg,
        f"""SELECT ?flow ?producer ?consumer ?info WHERE {{
          ?flow etom:producer ?producer ; etom:consumer ?consumer .
          FILTER(?producer = <{iri}> || ?consumer = <{iri}>)
          OPTIONAL {{ ?flow etom:carries ?info }}
        }}""",
    )
    domain = _objects(kg, iri, ETOM + "domain")
    verticals = _objects(kg, iri, ETOM + "vertical")
    classic = _objects(kg, iri, ETOM + "classicCounterpart")
    release = _objects(kg, iri, ETOM + "release")
    flow_iris = {row[k].value for row in flows for k in ("flow", "producer", "consumer", "info") if k in row}
    links = labels_of(
        kg, sorted({*ancestors, *children, *versions, *domain, *verticals, *classic, *release, *flow_iris})
    )
    levels = {
        row["a"].value: int(row["l"].value)
        for row in _q(kg, f"SELECT ?a ?l WHERE {{ <{iri}> etom:parent+ ?a . ?a etom:level ?l }}")
    }
    flows_out, flows_in = [], []
    for row in flows:
        entry = {k: links[row[k].value] for k in ("flow", "producer", "consumer", "info") if k in row}
        (flows_out if row["producer"].value == iri else flows_in).append(entry)
    anomalies = [
        {
            "kind": row["label"].value,
            "comment": row["comment"].value if "comment" in row else "",
            "raw": row["raw"].value if "raw" in row else "",
        }
        for row in _q(
            kg,
            f"""SELECT ?label ?comment ?raw WHERE {{
              <{iri}> etom:hasAnomaly ?a . ?a etom:anomalyKind/skos:prefLabel ?label FILTER(lang(?label) = "en")
              OPTIONAL {{ ?a rdfs:comment ?comment }} OPTIONAL {{ ?a etom:rawValue ?raw }}
            }} ORDER BY ?label""",
        )
    ]
    facts = [
        (key, value)
        for key, value in (
            ("originalIdentifier", _literal(kg, iri, ETOM + "originalIdentifier")),
            ("uid", _literal(kg, iri, ETOM + "uid")),
            ("frameworkStatus", _literal(kg, iri, ETOM + "frameworkStatus")),
            ("maturityLevel", _literal(kg, iri, ETOM + "maturityLevel")),
            ("deprecated", _literal(kg, iri, OWL + "deprecated")),
        )
        if value
    ]
    return ProcessPage(
        iri=iri,
        notation=_literal(kg, iri, SKOS + "notation"),
        names=_texts(kg, iri, SKOS + "prefLabel"),
        definitions=_texts(kg, iri, SKOS + "definition"),
        level=_literal(kg, iri, ETOM + "level"),
        release=links[release[0]] if release else Link(""),
        ancestors=sorted((links[a] for a in ancestors), key=lambda link: (levels.get(link.iri, 0), link.notation)),
        children=_by_notation([links[c] for c in children]),
        domain=[links[d] for d in domain],
        verticals=sorted((links[v] for v in verticals), key=lambda link: link.text("en")),
        flows_out=sorted(flows_out, key=lambda f: natural_key(f["consumer"].notation)),
        flows_in=sorted(flows_in, key=lambda f: natural_key(f["producer"].notation)),
        versions=sorted((links[v] for v in versions), key=lambda link: -release_key(link.release)),
        classic=[links[c] for c in classic],
        anomalies=anomalies,
        facts=facts,
    )


def top_processes(kg: KnowledgeGraph, release_iri: str) -> list[Link]:
    """L0 and L1 processes of a release, for its page."""
    rows = _q(kg, f"SELECT ?p WHERE {{ ?p etom:release <{release_iri}> ; etom:level ?l FILTER(?l <= 1) }}")
    links = labels_of(kg, [row["p"].value for row in rows])
    return _by_notation(list(links.values()))


def ontology_terms(kg: KnowledgeGraph) -> list[dict]:
    """Classes and properties of the ontology with their labels and definitions (en, zh)."""
    rows = _q(
        kg,
        f"""SELECT ?term ?type WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{
          ?term a ?type FILTER(?type IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty, owl:AnnotationProperty))
          FILTER(STRSTARTS(STR(?term), "{ETOM}"))
        }} }}""",
    )
    terms = []
    for row in rows:
        iri = row["term"].value
        terms.append(
            {
                "iri": iri,
                "name": iri[len(ETOM) :],
                "kind": compact(row["type"].value),
                "label": _texts(kg, iri, RDFS + "label"),
                "definition": _texts(kg, iri, SKOS + "definition"),
            }
        )
    order = {"owl:Class": 0, "owl:ObjectProperty": 1, "owl:DatatypeProperty": 2, "owl:AnnotationProperty": 3}
    return sorted(terms, key=lambda t: (order.get(t["kind"], 9), t["name"].lower()))
