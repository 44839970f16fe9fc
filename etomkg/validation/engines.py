"""The two ways to run the shapes, which must agree (tests/test_validate.py proves it on the broken corpus):

* :func:`run_reference` — plain pySHACL, every shape, one rdflib graph holding the whole data. The
  baseline: simple and slow (pySHACL runs each SPARQL constraint once per focus node, in pure Python).
* :func:`run_fast` — pySHACL for the Core shapes (the engine of record), on partitions of the focus nodes
  run in parallel processes, each partition holding only what one-hop Core shapes can look at; and the
  SPARQL constraints run once each, with ``$this`` unbound, on pyoxigraph.

Why the partitions give the same results as the whole graph: a Core shape (shapes/README.md) reads the
focus node's values of simple predicate paths and, for ``sh:class``, the ``rdf:type`` of those values and
the ``rdfs:subClassOf`` axioms. A partition holds, for the subjects it owns, every triple whose predicate a
Core shape reads, plus those types and axioms; results are kept only for focus nodes the partition owns.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import BNode

from ..iris import RDF, RDFS, SH
from .dataset import Dataset, term_key
from .rules import IDENTIFIER, SEVERITIES, ShapeSet, Targets, load_shapes, node_key

_SH = rdflib.Namespace(SH)
_TYPE = RDF + "type"
_SUBCLASS = RDFS + "subClassOf"


@dataclass(frozen=True)
class RawResult:
    """One result of one rule on one focus node, in engine-neutral keys (see :func:`rules.node_key`)."""

    rule: str
    focus: str
    value: str | None
    path: str | None
    severity: str
    value_text: str | None  # the value as {?value} shows it in messages

    def sort_key(self) -> tuple:
        return (self.rule, self.focus, self.value or "", self.path or "", self.severity)


# --- pySHACL -------------------------------------------------------------------------------------------------


def rdflib_graph(ntriples: bytes) -> tuple[rdflib.Graph, dict]:
    """Parse N-Triples into a plain rdflib graph; also return blank node → label (pyoxigraph's label)."""
    graph = rdflib.Graph()
    labels: dict = {}
    if ntriples:
        add_triples(graph, ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), labels)
    return graph, labels


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def add_triples(graph: rdflib.Graph, triples, labels: dict) -> None:
    """Add pyoxigraph triples to an rdflib graph as rdflib's N-Triples parser would read them (plain literals
    without a datatype), several times faster than serialising and parsing; ``labels`` gets blank node → its
    pyoxigraph label."""
    terms: dict = {}

    def convert(term):
        node = terms.get(term)
        if node is None:
            if isinstance(term, ox.NamedNode):
                node = rdflib.URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                node = BNode(term.value)
                labels[node] = f"_:{term.value}"
            elif term.language:
                node = rdflib.Literal(term.value, lang=term.language)
            elif term.datatype.value == _XSD_STRING:
                node = rdflib.Literal(term.value)
            else:
                node = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
            terms[term] = node
        return node

    graph.addN((convert(t.subject), convert(t.predicate), convert(t.object), graph) for t in triples)


def _key(node, blank_labels: dict) -> str:
    if isinstance(node, BNode):
        return blank_labels.get(node, f"_:{node}")
    return node_key(node)


def _pyshacl_results(
    ntriples: bytes, use_core_only: bool, shapes: ShapeSet, owned=None, focus_nodes: list | None = None
) -> list[RawResult]:
    data, blank_labels = rdflib_graph(ntriples)
    shapes_graph = shapes.core_graph if use_core_only else shapes.graph
    options = {"focus_nodes": focus_nodes} if focus_nodes else {}
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference=None, advanced=False, meta_shacl=False, **options
    )
    results = []
    for node in report.subjects(rdflib.RDF.type, _SH.ValidationResult):
        focus = _key(report.value(node, _SH.focusNode), blank_labels)
        if owned is not None and focus not in owned:
            continue
        constraint, shape = report.value(node, _SH.sourceConstraint), report.value(node, _SH.sourceShape)
        # Blank-node shapes are copied into the report (with their dcterms:identifier), not referenced.
        rule = shapes.rule_of_node.get(constraint) or shapes.rule_of_node.get(shape)
        rule = rule or next((str(i) for n in (constraint, shape) if n is not None
                             for i in report.objects(n, IDENTIFIER) if str(i) in shapes.rules), None)  # fmt: skip
        if rule is None:
            raise RuntimeError(f"pySHACL reported a result of shape {shape} that carries no rule id")
        value, path = report.value(node, _SH.value), report.value(node, _SH.resultPath)
        results.append(
            RawResult(
                rule,
                focus,
                _key(value, blank_labels) if value is not None else None,
                node_key(path) if path is not None else None,
                SEVERITIES[report.value(node, _SH.resultSeverity)],
                str(value) if value is not None else None,
            )
        )
    return results


def _core_worker(job: tuple) -> list[RawResult]:
    ntriples, owned, shapes_folder = job
    return _pyshacl_results(ntriples, True, load_shapes(shapes_folder), owned)


def _ntriples(store: ox.Store, predicate: str) -> list[bytes]:
    quads = store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.DefaultGraph())
    return ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)


def _token_key(token: bytes) -> str:
    text = token.decode("utf-8")
    return text[1:-1] if text.startswith("<") else text


def core_partitions(dataset: Dataset, shapes: ShapeSet, count: int) -> list[tuple[bytes, set]]:
    """Split the Core data into ``count`` partitions of subjects: (N-Triples, owned subject keys) each."""
    count = max(count, 1)
    parts: list[list[bytes]] = [[] for _ in range(count)]
    owned: list[set[bytes]] = [set() for _ in range(count)]
    types: dict[bytes, list[bytes]] = {}
    class_objects: list[set[bytes]] = [set() for _ in range(count)]
    class_predicates = {f"<{p}>".encode() for p in shapes.class_predicates}
    focus = {(k if k.startswith("_:") else f"<{k}>").encode() for k in core_focus(dataset, shapes)}
    relevant = {f"<{c}>".encode() for c in relevant_classes(dataset, shapes)}
    for predicate in sorted(shapes.core_predicates):
        for line in _ntriples(dataset.store, predicate):
            subject, rest = line.split(b" ", 1)
            if predicate == _TYPE:
                types.setdefault(subject, []).append(line)
            if subject not in focus:
                continue  # no Core shape looks at this subject's own values
            if predicate == _TYPE and rest.split(b" ", 1)[1][: -len(b" .\n")] not in relevant:
                continue  # a type no Core shape targets or requires (skos:Concept …)
            part = zlib.crc32(subject) % count
            parts[part].append(line)
            owned[part].add(subject)
            predicate_token, obj = rest.split(b" ", 1)
            if predicate_token in class_predicates:
                class_objects[part].add(obj[: -len(b" .\n")])
    axioms = _ntriples(dataset.store, _SUBCLASS)
    partitions = []
    for part in range(count):
        extra = [t for o in sorted(class_objects[part] - owned[part]) for t in types.get(o, [])]
        partitions.append((b"".join(parts[part] + extra + axioms), {_token_key(s) for s in owned[part]}))
    nodes = {node_key(n) for n in shapes.core_graph.objects(None, _SH.targetNode)}
    every = set().union(*(keys for _, keys in partitions))
    partitions[0][1].update(nodes - every)  # target nodes without triples are checked (and fail) in one partition
    return partitions


def core_focus(dataset: Dataset, shapes: ShapeSet) -> set[str]:
    """Every focus node of a Core shape (the subjects whose own values the Core shapes read)."""
    graph = shapes.core_graph

    def values(name: str) -> tuple[str, ...]:
        return tuple(sorted({str(o) for o in graph.objects(None, _SH[name])}))

    targets = Targets(
        values("targetClass"), values("targetNode"), values("targetSubjectsOf"), values("targetObjectsOf")
    )
    return focus_nodes(dataset, targets, {})


def relevant_classes(dataset: Dataset, shapes: ShapeSet) -> set[str]:
    """The classes Core shapes target or require with sh:class, with their subclasses."""
    named = {str(o) for p in (_SH.targetClass, _SH["class"]) for o in shapes.core_graph.objects(None, p)}
    found = set(named)
    for cls in sorted(named):
        query = f"SELECT ?c WHERE {{ ?c <{RDFS}subClassOf>+ <{cls}> }}"
        found.update(row["c"].value for row in dataset.store.query(query) if isinstance(row["c"], ox.NamedNode))
    return found


def focused_partition(dataset: Dataset, shapes: ShapeSet, only: set[str]) -> tuple[bytes, set]:
    """The one partition that owns exactly the focus nodes ``only`` (the subjects of the user's files)."""
    nodes = [_ox_node(key) for key in sorted(only)]
    quads = []
    classes = {ox.NamedNode(p) for p in shapes.class_predicates}
    for predicate in sorted(shapes.core_predicates):
        for node in nodes:
            quads += dataset.store.quads_for_pattern(node, ox.NamedNode(predicate), None, ox.DefaultGraph())
    objects = {q.object for q in quads if q.predicate in classes and not isinstance(q.object, ox.Literal)}
    for obj in sorted(objects, key=str):
        if term_key(obj) not in only:
            quads += dataset.store.quads_for_pattern(obj, ox.NamedNode(_TYPE), None, ox.DefaultGraph())
    data = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES) if quads else b""
    return data + b"".join(_ntriples(dataset.store, _SUBCLASS)), set(only)


def _ox_node(key: str):
    return ox.BlankNode(key[2:]) if key.startswith("_:") else ox.NamedNode(key)


def default_jobs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


#: Below this many triples of data (one release is about 70,000) a second process costs more than it saves.
PARALLEL_THRESHOLD = 200_000


def run_core(
    dataset: Dataset,
    shapes: ShapeSet,
    shapes_folder: str | None = None,
    jobs: int | None = None,
    only: set[str] | None = None,
) -> list[RawResult]:
    if only is not None:
        partitions = [focused_partition(dataset, shapes, only)]
    else:
        size = len(dataset.store)
        jobs = min(jobs or default_jobs(), max(1, size // PARALLEL_THRESHOLD + 1))
        partitions = core_partitions(dataset, shapes, jobs)
    work = [(data, owned, shapes_folder) for data, owned in partitions]
    if len(work) == 1:
        return _core_worker(work[0])
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=len(work), mp_context=multiprocessing.get_context(method)) as pool:
        return [r for part in pool.map(_core_worker, work) for r in part]


# --- SPARQL constraints on pyoxigraph ------------------------------------------------------------------------


def focus_nodes(dataset: Dataset, targets: Targets, cache: dict, only: set[str] | None = None) -> set[str]:
    """The focus nodes of a shape's targets (SHACL instances of a class include subclasses' instances)."""
    if targets in cache:
        return cache[targets]
    found = set(targets.nodes)
    queries = [
        f"SELECT DISTINCT ?this WHERE {{ ?this <{RDF}type>/<{RDFS}subClassOf>* <{c}> }}" for c in targets.classes
    ]
    queries += [f"SELECT DISTINCT ?this WHERE {{ ?this <{p}> ?o }}" for p in targets.subjects_of]
    queries += [f"SELECT DISTINCT ?this WHERE {{ ?s <{p}> ?this }}" for p in targets.objects_of]
    if only is not None:
        found &= only
        queries = [restrict(q, only) for q in queries]
    for query in queries:
        found.update(term_key(row["this"]) for row in dataset.store.query(query))
    if only is not None:
        found &= only  # blank nodes cannot be restricted in the query
    cache[targets] = found
    return found


def restrict(query: str, only: set[str]) -> str:
    """Bind ``?this`` to the given focus nodes by a VALUES block at the top of the WHERE clause.

    Equivalent to filtering the results, because unbound-safe constraints (shapes/README.md) bind $this at
    the top level of their WHERE clause; and far faster, because pyoxigraph starts from those nodes.
    """
    if any(key.startswith("_:") for key in only):
        return query  # blank nodes cannot be named in VALUES: filter afterwards instead
    values = " ".join(f"<{key}>" for key in sorted(only))
    return re.sub(r"\bWHERE\s*\{", lambda m: m.group(0) + f" VALUES ?this {{ {values} }}", query, count=1, flags=re.I)


def run_sparql(dataset: Dataset, shapes: ShapeSet, only: set[str] | None = None) -> list[RawResult]:
    results: list[RawResult] = []
    cache: dict = {}
    for check in shapes.sparql:
        focus = focus_nodes(dataset, check.targets, cache, only)
        if only is not None:
            focus = focus & only
            if not focus:
                continue
        solutions = dataset.store.query(restrict(check.query, focus) if only is not None else check.query)
        names = {v.value for v in solutions.variables}
        for row in solutions:
            this = row["this"]
            if this is None or term_key(this) not in focus:
                continue
            value = row["value"] if "value" in names and row["value"] is not None else this
            path = row["path"] if "path" in names else None
            results.append(
                RawResult(
                    check.rule.id,
                    term_key(this),
                    term_key(value),
                    term_key(path) if path is not None else None,
                    check.rule.severity,
                    value.value,
                )
            )
    return results


# --- the two engines -----------------------------------------------------------------------------------------


def run_fast(
    dataset: Dataset,
    shapes: ShapeSet,
    shapes_folder: str | None = None,
    jobs: int | None = None,
    only: set[str] | None = None,
) -> list[RawResult]:
    """Core shapes by pySHACL (partitioned), SPARQL constraints on pyoxigraph; ``only``: these focus nodes."""
    results = set(run_core(dataset, shapes, shapes_folder, jobs, only)) | set(run_sparql(dataset, shapes, only))
    return sorted(results, key=RawResult.sort_key)


def run_reference(
    dataset: Dataset, shapes: ShapeSet, only: set[str] | None = None, core_only: bool = False
) -> list[RawResult]:
    """Plain pySHACL over the whole data as one rdflib graph, every shape (the baseline).

    ``only``: pySHACL's own focus-node option; ``core_only``: the Core shapes alone."""
    quads = dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    data = ox.serialize(quads, format=ox.RdfFormat.N_TRIPLES)
    focus = [rdflib.URIRef(k) for k in sorted(only) if not k.startswith("_:")] if only else None
    if only is not None and not focus:
        return []
    results = set(_pyshacl_results(data, core_only, shapes, only, focus))
    return sorted(results, key=RawResult.sort_key)
