"""The checks an operator's extension must pass against one release, and the canonical triples it becomes.

:func:`check` reports every problem at once, each with its rule, the file and
row or line, and how to fix it; :func:`render` writes the extension's named
graph as N-Quads, stating every derived fact the way the bundled graph states
it (level, hierarchy level, parent and skos:broader, release, domain).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from ..iris import ETOM, PREFIXES, RDF, SKOS, XKOS, XSD, Iris
from ..validation.findings import Report
from ..validation.structure import finding as structural_finding
from .extension import ELEMENT_KEY, KINDS, PROCESS_ID, Element, ExtensionDoc, _line_index

_TYPE = RDF + "type"


@dataclass
class ReleaseIndex:
    """What an extension may refer to in one release: its elements by identifier and by IRI."""

    release: str
    by_id: dict[str, str]  # identifier -> IRI
    ids: dict[str, str]  # IRI -> identifier
    ontology_terms: set[str]

    @classmethod
    def from_store(cls, store: ox.Store, iris: Iris, release: str) -> ReleaseIndex:
        from ..iris import ONTOLOGY_IRI, PREFIXES

        rows = store.query(
            "SELECT ?p ?id WHERE { ?p a etom:ProcessElement ; skos:notation ?id }",
            prefixes=PREFIXES,
            default_graph=ox.NamedNode(iris.graph(release)),
        )
        by_id = {row["id"].value: row["p"].value for row in rows}
        terms = {
            q.subject.value
            for q in store.quads_for_pattern(None, ox.NamedNode(_TYPE), None, ox.NamedNode(ONTOLOGY_IRI))
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(ETOM)
        }
        return cls(release, by_id, {iri: i for i, iri in by_id.items()}, terms)


def release_index(kg, release: str) -> ReleaseIndex:
    """The :class:`ReleaseIndex` of a knowledge graph: an embedded store's, or a remote SPARQL store's."""
    if not kg.remote:
        return ReleaseIndex.from_store(kg.store, kg.iris, release)
    from ..iris import ONTOLOGY_IRI

    rows = kg.select(
        f"SELECT ?p ?id WHERE {{ GRAPH <{kg.iris.graph(release)}> {{ ?p a etom:ProcessElement ; skos:notation ?id }} }}"
    )
    by_id = {row["id"]: row["p"] for row in rows}
    terms = kg.select(f"SELECT DISTINCT ?t WHERE {{ GRAPH <{ONTOLOGY_IRI}> {{ ?t a ?c }} }}")
    ontology_terms = {row["t"] for row in terms if row["t"].startswith(ETOM)}
    return ReleaseIndex(release, by_id, {iri: i for i, iri in by_id.items()}, ontology_terms)


def extension_iri(iris: Iris, name: str, element: Element) -> str:
    return element.iri or iris.extension_element(name, KINDS[element.kind][1], element.key)


class _Resolver:
    """Resolves a parent or maps_to reference (an identifier or an IRI) in the release or the extension."""

    def __init__(self, index: ReleaseIndex, iris: Iris, name: str, processes: dict[str, Element]) -> None:
        self.index = index
        self.own = {key: extension_iri(iris, name, e) for key, e in processes.items()}  # identifier -> IRI
        self.own_ids = {iri: key for key, iri in self.own.items()}

    def iri(self, ref: str) -> str | None:
        if ref in self.index.ids or ref in self.own_ids:
            return ref
        return self.index.by_id.get(ref) or self.own.get(ref)

    def identifier(self, iri: str) -> str | None:
        return self.index.ids.get(iri) or self.own_ids.get(iri)


def check(doc: ExtensionDoc, index: ReleaseIndex, iris: Iris, name: str) -> Report:
    """Every problem of the extension against one release (nothing stops at the first)."""
    report = Report(list(doc.findings))
    etom_prefix = iris.base + "/release/"
    accepted: list[Element] = []
    processes: dict[str, Element] = {}
    seen_keys: dict[tuple[str, str], Element] = {}
    seen_iris: set[str] = set()

    def finding(rule: str, element: Element, message: str, fix: str, value: str | None = None) -> None:
        focus = element.key or element.iri or f"line {element.line}"
        names = tuple(sorted((lang, values[0]) for lang, values in element.names.items() if values))
        report.findings.append(
            structural_finding(rule, key=element.iri or focus, identifier=focus, file=element.file,
                               line=element.line, detail=message, fix=fix, value=value, names=names)
        )  # fmt: skip

    for element in doc.elements:
        report.extend(element.findings)
        if not element.key:
            finding(
                "identifier-missing",
                element,
                f"the {element.kind} has no identifier",
                "give it an id (skos:notation in RDF)",
            )
            continue
        pattern = PROCESS_ID if element.kind == "process" else ELEMENT_KEY
        if not pattern.match(element.key):
            finding(
                "identifier-format",
                element,
                f"'{element.key}' is not a valid {element.kind} identifier",
                "number a process on from its parent, e.g. 1.4.5.2.1.9 below 1.4.5.2.1"
                if element.kind == "process"
                else "use letters, digits, '.', '-' or '_' (at most 100 characters)",
            )
            continue
        first = seen_keys.get((element.kind, element.key))
        if first is not None:
            finding(
                "identifier-duplicate",
                element,
                f"the {element.kind} {element.key} is already defined at line {first.line}",
                "give each element one row, or a new identifier",
            )
            continue
        seen_keys[(element.kind, element.key)] = element
        iri = extension_iri(iris, name, element)
        if iri.startswith(etom_prefix):
            finding(
                "etom-element-modified",
                element,
                f"{iri} is an element of the eTOM framework itself",
                "describe your own element in your own namespace and link it with etom:parent or etom:mapsTo",
            )
            continue
        if iri in seen_iris:
            finding("identifier-duplicate", element, f"{iri} is described twice", "give each element one IRI")
            continue
        seen_iris.add(iri)
        accepted.append(element)
        if element.kind == "process":
            processes[element.key] = element
    resolve = _Resolver(index, iris, name, processes)
    release_iri = iris.release(index.release)
    for element in accepted:
        if not element.names.get("en"):
            finding("label-missing", element, "no English name", "give a name (skos:prefLabel with @en in RDF)")
        for lang, values in sorted(element.names.items()):
            if len(set(values)) > 1:
                finding(
                    "label-duplicate-language",
                    element,
                    f"{len(set(values))} names in language '{lang}'",
                    "keep one name per language; put others in skos:altLabel",
                )
        if "zh" not in element.names and element.kind != "process":  # processes: etom-proc-010/011, by level
            finding("label-zh-missing", element, "no Chinese name", "add name_zh (skos:prefLabel with @zh)")
        for lang, values in sorted(element.descriptions.items()):
            if len(set(values)) > 1:
                finding(
                    "definition-duplicate-language",
                    element,
                    f"{len(set(values))} descriptions in '{lang}'",
                    "keep one description per language",
                )
        if element.kind == "process":
            _check_process(element, resolve, index, iris, release_iri, finding)
        else:
            if element.parent:
                finding(
                    "parent-not-allowed",
                    element,
                    f"a {element.kind} has no parent in eTOM terms",
                    "drop the parent, and map the element to processes with maps_to",
                )
            if element.level:
                finding("level-not-allowed", element, f"a {element.kind} has no level", "drop the level")
            if not element.maps_to:
                finding(
                    "maps-to-missing",
                    element,
                    f"the {element.kind} maps to no eTOM element",
                    "list the identifiers of the processes it supports in maps_to, e.g. 1.3.3 1.4.5",
                )
        for target in element.maps_to:
            if resolve.iri(target) is None:
                finding(
                    "maps-to-unknown",
                    element,
                    f"maps to {target}, which is neither an element of release {index.release} nor a process of "
                    "this file",
                    f"use an identifier of release {index.release} (etomkg query --release {index.release} …) "
                    "or a process defined in this file",
                    target,
                )
        for quad in element.extra:
            _check_term(quad, element, index, finding)
    line_of = _line_index(doc.path.read_text("utf-8")) if doc.other else None
    typed = {q.subject for q in doc.other if q.predicate.value == _TYPE}  # e.g. an etom:DataFlow: kept as stated
    for quad in doc.other:
        subject = quad.subject
        named = isinstance(subject, ox.NamedNode)
        if named and subject.value.startswith(etom_prefix):
            where = Element("process", subject.value, doc.name, line_of(subject.value))
            finding(
                "etom-element-modified",
                where,
                f"states {_short(quad.predicate.value)} about an element of the eTOM framework itself",
                "describe your own element and link it with etom:mapsTo",
            )
        elif quad.predicate.value.startswith(ETOM) and subject not in typed:
            where = Element("process", subject.value, doc.name, line_of(subject.value) if named else None)
            finding(
                "type-missing",
                where,
                f"uses {_short(quad.predicate.value)} but is not typed as a process or a mapped element",
                "add the class ProcessElement, Application, SystemElement or OrganisationUnit (rdf:type)",
            )
    return report


def _short(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


def _check_term(quad: ox.Quad, element: Element, index: ReleaseIndex, finding) -> None:
    for term in (quad.predicate, quad.object if quad.predicate.value == _TYPE else None):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ETOM) and term.value not in index.ontology_terms:
            finding(
                "term-unknown",
                element,
                f"{_short(term.value)} is not a term of the etomkg ontology",
                "check the spelling against ontology/etom.ttl",
                _short(term.value),
            )


def _check_process(element: Element, resolve: _Resolver, index: ReleaseIndex, iris: Iris, release_iri, finding):
    identifier = element.key
    depth = identifier.count(".")
    if identifier in index.by_id:
        finding(
            "identifier-taken",
            element,
            f"{identifier} is already an element of release {index.release} ({index.by_id[identifier]})",
            f"number your process with a number eTOM does not use, e.g. {identifier}.1 below it",
        )
        return
    if element.level is not None and element.level != str(depth):
        finding(
            "level-depth",
            element,
            f"level {element.level} but the identifier {identifier} is at level {depth}",
            f"set the level to {depth} or leave it empty (it follows from the identifier)",
        )
    expected_parent = identifier.rsplit(".", 1)[0]
    parent_ref = element.parent or expected_parent
    parent_iri = resolve.iri(parent_ref)
    if parent_iri is None:
        finding(
            "parent-unknown",
            element,
            f"the parent {parent_ref} is neither an element of release {index.release} nor a process of this file",
            f"use an existing parent (etomkg query --release {index.release} …) or add a row for {parent_ref}",
            parent_ref,
        )
        return
    parent_id = resolve.identifier(parent_iri)
    if parent_id != expected_parent:
        finding(
            "parent-identifier",
            element,
            f"the parent is {parent_id} but the identifier {identifier} sits below {expected_parent}",
            f"renumber the process below {parent_id}, or make {expected_parent} its parent",
            parent_id,
        )
    expected = {
        ETOM + "release": release_iri,
        SKOS + "inScheme": release_iri,
        ETOM + "domain": index.by_id.get(".".join(identifier.split(".")[:2])),
        ETOM + "hierarchyLevel": iris.level(depth),
        SKOS + "broader": parent_iri,
    }
    for predicate, values in element.stated.items():
        wrong = [v for v in values if predicate in expected and v != expected[predicate]]
        if wrong:
            rule = "release-mismatch" if predicate in (ETOM + "release", SKOS + "inScheme") else "derived-mismatch"
            finding(
                rule,
                element,
                f"{_short(predicate)} is {wrong[0]}, but the identifier and the release give {expected[predicate]}",
                "drop the statement (etomkg derives it) or correct it",
                expected[predicate],
            )


# --- rendering ---


def _literal(text: str, lang: str | None = None) -> str:
    escaped = text
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def render(doc: ExtensionDoc, index: ReleaseIndex, iris: Iris, name: str) -> bytes:
    """The extension's graph as N-Quads (call :func:`check` first: this assumes a valid extension)."""
    graph = f"<{iris.extension(name)}>"
    release = f"<{iris.release(index.release)}>"
    resolve = _Resolver(index, iris, name, {e.key: e for e in doc.elements if e.kind == "process"})
    out: list[str] = []
    add = out.append
    t, e_ = f"<{_TYPE}>", f"<{ETOM}"
    deepest = 7
    for element in doc.elements:  # the store orders nothing by insertion; exports sort canonically
        s = f"<{extension_iri(iris, name, element)}>"
        cls = KINDS[element.kind][0]
        add(f"{s} {t} {e_}{cls}> {graph} .")
        add(f"{s} <{SKOS}notation> {_literal(element.key)} {graph} .")
        for lang, values in sorted(element.names.items()):
            add(f"{s} <{SKOS}prefLabel> {_literal(values[0], lang)} {graph} .")
        for lang, values in sorted(element.descriptions.items()):
            add(f"{s} <{SKOS}definition> {_literal(values[0], lang)} {graph} .")
        for target in element.maps_to:
            add(f"{s} {e_}mapsTo> <{resolve.iri(target)}> {graph} .")
        if element.kind == "process":
            depth = element.key.count(".")
            deepest = max(deepest, depth)
            parent = resolve.iri(element.parent or element.key.rsplit(".", 1)[0])
            add(f"{s} {t} {e_}ProcessElement> {graph} .")
            add(f"{s} {t} <{SKOS}Concept> {graph} .")
            add(f'{s} {e_}level> "{depth}"^^<{XSD}integer> {graph} .')
            add(f"{s} {e_}hierarchyLevel> <{iris.level(depth)}> {graph} .")
            add(f"{s} {e_}parent> <{parent}> {graph} .")
            add(f"{s} <{SKOS}broader> <{parent}> {graph} .")
            add(f"{s} {e_}release> {release} {graph} .")
            add(f"{s} <{SKOS}inScheme> {release} {graph} .")
            domain = index.by_id.get(".".join(element.key.split(".")[:2]))
            if domain:
                add(f"{s} {e_}domain> <{domain}> {graph} .")
    for depth in range(8, deepest + 1):  # the framework graph has levels 0-7; deeper ones live with the extension
        level = f"<{iris.level(depth)}>"
        add(f"{level} {t} {e_}ProcessLevel> {graph} .")
        add(f'{level} <{XKOS}depth> "{depth}"^^<{XSD}integer> {graph} .')
        add(f"{level} <{SKOS}prefLabel> {_literal(f'Level {depth}', 'en')} {graph} .")
        add(f"{level} <{SKOS}prefLabel> {_literal(f'第{depth}层', 'zh')} {graph} .")
    extra = [q for e in doc.elements for q in e.extra] + doc.other
    if extra:
        g = ox.NamedNode(iris.extension(name))
        data = ox.serialize([ox.Quad(q.subject, q.predicate, q.object, g) for q in extra], format=ox.RdfFormat.N_QUADS)
        out.extend(data.decode("utf-8").splitlines())
    return ("\n".join(out) + "\n").encode("utf-8")


__all__ = ["check", "render", "ReleaseIndex", "extension_iri", "release_index"]
