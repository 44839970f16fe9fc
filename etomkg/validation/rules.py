"""The rules: every ``shapes/*.ttl`` file read into one shapes graph, checked against the conventions of
``shapes/README.md``, and split into the Core part (run by pySHACL) and the SPARQL part (run on pyoxigraph).

>>> shapes = load_shapes()
>>> shapes.rules["etom-proc-001"].severity
'violation'
>>> shapes.rules["duplicate_label"].engine
'sparql'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib import RDF, BNode, Literal, URIRef

from ..errors import EtomkgError
from ..files import shapes_dir
from ..iris import DCTERMS, SH

SHAPES_NS = "https://w3id.org/etomkg/shapes#"
ACKNOWLEDGED_BY = URIRef(SHAPES_NS + "acknowledgedBy")
_SH = rdflib.Namespace(SH)
IDENTIFIER = URIRef(DCTERMS + "identifier")

SEVERITIES = {_SH.Violation: "violation", _SH.Warning: "warning", _SH.Info: "info"}
SEVERITY_RANK = {"info": 0, "warning": 1, "violation": 2}
RULE_ID = re.compile(r"^(etom-[a-z]+-\d{3}|[a-z]+(_[a-z0-9]+)+)$")

# Components that look at the focus node's own values only (see shapes/README.md, "Core shapes look one hop").
_VALUE_LEVEL = {
    "datatype", "nodeKind", "pattern", "flags", "languageIn", "in", "hasValue", "minInclusive", "maxInclusive",
    "minExclusive", "maxExclusive", "minLength", "maxLength",
}  # fmt: skip
_ONE_HOP = _VALUE_LEVEL | {
    "minCount", "maxCount", "uniqueLang", "class", "equals", "disjoint", "lessThan", "lessThanOrEquals",
    "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "qualifiedValueShapesDisjoint", "node",
}  # fmt: skip
_TARGETS = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"}
_CORE_TARGETS = {"targetClass", "targetNode", "targetSubjectsOf"}
_DESCRIPTIVE = {"severity", "message", "description", "name", "path", "property", "sparql", "deactivated", "order",
                "group", "prefixes", "declare"}  # fmt: skip
_CONSTRAINTS = _ONE_HOP | {"sparql", "closed", "ignoredProperties", "not", "and", "or", "xone"}


class ShapesError(EtomkgError):
    """A shapes file that breaks the conventions of shapes/README.md."""


@dataclass(frozen=True)
class Rule:
    """One rule: a shape (or SPARQL constraint) with a stable id, a severity and bilingual texts."""

    id: str
    severity: str  # "violation" | "warning" | "info"
    engine: str  # "core" (pySHACL) | "sparql" (pyoxigraph, pySHACL in the reference run) | "owl"
    description: dict[str, str]
    message: dict[str, str]
    source: str  # file name under shapes/, or the module for built-in checks
    acknowledged_by: tuple[str, ...] = ()

    def text(self, which: str, lang: str) -> str:
        texts = getattr(self, which)
        return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


@dataclass(frozen=True)
class Targets:
    classes: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    subjects_of: tuple[str, ...] = ()
    objects_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class SparqlCheck:
    rule: Rule
    query: str  # with PREFIX lines, ``$this`` written as ``?this``
    targets: Targets


@dataclass
class ShapeSet:
    graph: rdflib.Graph  # every shape: what the reference (plain pySHACL) run uses
    core_graph: rdflib.Graph  # the Core shapes only: what the partitioned pySHACL run uses
    rules: dict[str, Rule]
    sparql: list[SparqlCheck]
    rule_of_node: dict[rdflib.term.Node, str]  # shape or SPARQL constraint node → rule id
    core_predicates: set[str] = field(default_factory=set)  # paths and target predicates of Core shapes
    class_predicates: set[str] = field(default_factory=set)  # paths of Core shapes with sh:class


def _texts(graph: rdflib.Graph, node, predicate) -> dict[str, str]:
    return {(o.language or ""): str(o) for o in graph.objects(node, predicate) if isinstance(o, Literal)}


def _local(predicate) -> str | None:
    text = str(predicate)
    return text[len(SH) :] if text.startswith(SH) else None


def _where(graph: rdflib.Graph, node, files: dict) -> str:
    return f"shape {node.n3(graph.namespace_manager)} in {files.get(node, 'shapes/')}"


@lru_cache(maxsize=4)
def load_shapes(folder: str | None = None) -> ShapeSet:
    """Read and check every ``*.ttl`` file of the shapes folder (the bundled one by default)."""
    path = Path(folder) if folder else shapes_dir()
    graph = rdflib.Graph()
    files: dict = {}
    for ttl in sorted(path.glob("*.ttl")):
        part = rdflib.Graph()
        try:
            part.parse(ttl, format="turtle")
        except Exception as exc:
            raise ShapesError(f"shapes file {ttl} does not parse: {exc}") from None
        for s in part.subjects():
            files.setdefault(s, ttl.name)
        graph += part
    graph.bind("etomsh", SHAPES_NS)
    return _build(graph, files)


def _build(graph: rdflib.Graph, files: dict) -> ShapeSet:
    helpers = {o for p in (_SH.node, _SH.qualifiedValueShape) for o in graph.objects(None, p)}
    rules: dict[str, Rule] = {}
    rule_of_node: dict = {}
    sparql: list[SparqlCheck] = []
    sparql_shapes: set = set()
    core = rdflib.Graph()
    core_predicates: set[str] = {str(RDF.type)}
    class_predicates: set[str] = set()
    prefixes = _prefix_lines(graph)

    shapes = {s for s, p, _ in graph if _local(p) in _CONSTRAINTS | _TARGETS}
    for shape in sorted(shapes, key=str):
        params = {_local(p) for p in graph.predicates(shape) if _local(p)}
        if shape in helpers:
            if params - _VALUE_LEVEL:
                raise ShapesError(
                    f"{_where(graph, shape, files)} is used through sh:node or sh:qualifiedValueShape, so it may use "
                    f"value-level components only ({', '.join(sorted(_VALUE_LEVEL))}); found "
                    f"{', '.join(sorted(params - _VALUE_LEVEL))}"
                )
            continue
        if not params & _CONSTRAINTS:
            continue  # a container node shape: targets and sh:property links only
        if "sparql" in params:
            if params & (_CONSTRAINTS - {"sparql"}):
                raise ShapesError(f"{_where(graph, shape, files)} mixes sh:sparql with Core constraints; split it")
            sparql_shapes.add(shape)
            for constraint in sorted(graph.objects(shape, _SH.sparql), key=str):
                rule = _rule(graph, shape, files, "sparql", constraint)
                if rules.get(rule.id, rule) != rule:
                    raise ShapesError(f"rule id {rule.id!r} is used twice ({_where(graph, shape, files)})")
                rules[rule.id] = rule
                rule_of_node[constraint] = rule.id
                rule_of_node.setdefault(shape, rule.id)
                sparql.append(SparqlCheck(rule, _sparql_text(graph, shape, constraint, files, prefixes),
                                          _targets(graph, shape)))  # fmt: skip
        else:
            rule = _rule(graph, shape, files, "core")
            if rule.id in rules:
                raise ShapesError(f"rule id {rule.id!r} is used twice ({_where(graph, shape, files)})")
            rules[rule.id] = rule
            rule_of_node[shape] = rule.id
            _check_core(graph, shape, params, files)
            core_predicates.add(str(graph.value(shape, _SH.path)))
            if "class" in params:
                class_predicates.add(str(graph.value(shape, _SH.path)))
    # Targets of the Core shapes (container node shapes and property shapes with their own targets).
    # Shapes that pySHACL runs as Core: everything but the sh:sparql constraints. A SPARQL shape that also
    # links Core property shapes (sh:property) keeps its targets and links in the Core graph.
    core_shapes = {s for s in shapes if s not in sparql_shapes or any(graph.objects(s, _SH.property))}
    for shape in core_shapes:
        for target in ("targetSubjectsOf", "targetObjectsOf"):
            core_predicates.update(str(o) for o in graph.objects(shape, _SH[target]))
        bad = {_local(p) for p in graph.predicates(shape) if _local(p) in _TARGETS} - _CORE_TARGETS
        if bad:
            raise ShapesError(f"{_where(graph, shape, files)} uses {', '.join(sorted(bad))}; Core shapes may use "
                              f"{', '.join(sorted(_CORE_TARGETS))} (see shapes/README.md)")  # fmt: skip
    constraints = {c for s in sparql_shapes for c in graph.objects(s, _SH.sparql)}
    dropped = (sparql_shapes - core_shapes) | constraints
    for s, p, o in graph:
        if s not in dropped and not (s in sparql_shapes and p == _SH.sparql):
            core.add((s, p, o))
    return ShapeSet(graph, core, rules, sparql, rule_of_node, core_predicates, class_predicates)


def _rule(graph: rdflib.Graph, shape, files: dict, engine: str, node=None) -> Rule:
    """The rule a shape defines; ``node`` (a SPARQL constraint) may carry its own id and texts, which win."""
    where = _where(graph, shape, files)
    own = node if node is not None else shape

    def lookup(predicate) -> list:
        values = list(graph.objects(own, predicate))
        return values or list(graph.objects(shape, predicate))

    ids = [str(o) for o in lookup(IDENTIFIER)]
    if len(ids) != 1 or not RULE_ID.match(ids[0]):
        raise ShapesError(f"{where} needs exactly one dcterms:identifier like \"etom-proc-001\" or a ROBOT query "
                          f"name like \"missing_label\"; found {ids or 'none'}")  # fmt: skip
    # pySHACL reports the severity of the shape (SHACL's default: violation), whatever a constraint says.
    declared = graph.value(shape, _SH.severity)
    own_severity = graph.value(own, _SH.severity)
    if declared is None and own_severity is None:
        raise ShapesError(f"{where} ({ids[0]}) needs sh:severity sh:Violation, sh:Warning or sh:Info")
    severity = declared if declared is not None else _SH.Violation
    if severity not in SEVERITIES or (own_severity is not None and own_severity != severity):
        raise ShapesError(f"{where} ({ids[0]}): sh:severity must be sh:Violation, sh:Warning or sh:Info, set on the "
                          "shape (a SPARQL constraint's own sh:severity is ignored by SHACL engines)")  # fmt: skip
    message = _texts(graph, own, _SH.message) or _texts(graph, shape, _SH.message)
    description = (_texts(graph, own, _SH.description) or _texts(graph, shape, _SH.description)
                   or _texts(graph, own, _SH.name) or _texts(graph, shape, _SH.name))  # fmt: skip
    for name, texts in (("sh:message", message), ("sh:description", description)):
        if not {"en", "zh"} <= texts.keys():
            raise ShapesError(f"{where} ({ids[0]}) needs {name} in English (@en) and Chinese (@zh)")
    for text in message.values():
        for placeholder in re.findall(r"\{[?$](\w+)\}", text):
            if placeholder not in ("value", "this"):
                raise ShapesError(f"{where} ({ids[0]}): sh:message may use {{?value}} and {{$this}} only")
    acknowledged = tuple(sorted(str(o) for o in graph.objects(shape, ACKNOWLEDGED_BY)))
    return Rule(ids[0], SEVERITIES[severity], engine, description, message, files.get(shape, ""), acknowledged)


def _check_core(graph: rdflib.Graph, shape, params: set, files: dict) -> None:
    where = _where(graph, shape, files)
    path = graph.value(shape, _SH.path)
    if not isinstance(path, URIRef):
        raise ShapesError(f"{where}: Core shapes use a simple predicate path (sh:path <iri>); write a SPARQL "
                          "constraint for anything else (see shapes/README.md)")  # fmt: skip
    beyond = params - _ONE_HOP - _DESCRIPTIVE - _TARGETS
    if beyond:
        raise ShapesError(f"{where} uses {', '.join(sorted(beyond))}, which looks further than one hop; write a "
                          "SPARQL constraint instead (see shapes/README.md)")  # fmt: skip


def _targets(graph: rdflib.Graph, shape) -> Targets:
    def values(name: str) -> tuple[str, ...]:
        return tuple(sorted(str(o) for o in graph.objects(shape, _SH[name])))

    return Targets(values("targetClass"), values("targetNode"), values("targetSubjectsOf"), values("targetObjectsOf"))


def _prefix_lines(graph: rdflib.Graph) -> dict:
    """sh:declare blocks: prefixes node → PREFIX lines."""
    out: dict = {}
    for node in set(graph.subjects(_SH.declare, None)):
        lines = []
        for decl in graph.objects(node, _SH.declare):
            prefix, namespace = graph.value(decl, _SH.prefix), graph.value(decl, _SH.namespace)
            lines.append(f"PREFIX {prefix}: <{namespace}>")
        out[node] = "\n".join(sorted(lines))
    return out


def _sparql_text(graph: rdflib.Graph, shape, constraint, files: dict, prefixes: dict) -> str:
    where = _where(graph, shape, files)
    select = graph.value(constraint, _SH.select)
    if select is None:
        raise ShapesError(f"{where}: each sh:sparql constraint needs sh:select")
    text = str(select)
    if re.search(r"\b(GRAPH|SERVICE|VALUES|MINUS)\b", text, re.I):
        raise ShapesError(
            f"{where}: SPARQL constraints may not use GRAPH, SERVICE, VALUES or MINUS (SHACL forbids the last three "
            "with pre-bound $this; pySHACL's data graph has no named graphs); see shapes/README.md"
        )
    if not re.search(r"SELECT\s+(DISTINCT\s+)?\$this\b", text, re.I):
        raise ShapesError(f"{where}: write SELECT [DISTINCT] $this … so that the constraint is unbound-safe")
    if not re.search(r"\bWHERE\s*\{", text, re.I):
        raise ShapesError(f"{where}: write the query with an explicit WHERE {{ … }} clause")
    header = "\n".join(prefixes.get(p, "") for p in graph.objects(constraint, _SH.prefixes))
    return header + "\n" + re.sub(r"\$this\b", "?this", text)


def rule_table(shapes: ShapeSet, extra: list[Rule] | None = None, lang: str = "en") -> list[Rule]:
    """Every rule, shapes first, in a stable order (area, then number; ROBOT names after the etom- ids)."""
    rules = list(shapes.rules.values()) + list(extra or [])
    return sorted(rules, key=lambda r: (not r.id.startswith("etom-"), r.id))


def node_key(node) -> str:
    """A stable text key for an rdflib term (IRIs as themselves, blank nodes as _:id, literals N-Triples-like)."""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return literal_key(str(node), node.language, str(node.datatype) if node.datatype else None)
    return str(node)


def literal_key(lexical: str, language: str | None, datatype: str | None) -> str:
    import json

    if language:
        return f"{json.dumps(lexical, ensure_ascii=False)}@{language.lower()}"
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return f"{json.dumps(lexical, ensure_ascii=False)}^^<{datatype}>"
    return json.dumps(lexical, ensure_ascii=False)
