"""OWL checks: the OWL 2 DL profile (a checker written for the constructs an RDF vocabulary like ours uses)
and consistency with owlready2 + HermiT (needs Java).

The profile checker follows the global restrictions of OWL 2 DL (OWL 2 Structural Specification §3, §11)
and the typing of the RDF mapping (OWL 2 Mapping to RDF Graphs, §3.1): every entity is declared, an IRI is
not two kinds of property or both a class and a datatype, reserved vocabulary (rdf:, rdfs:, owl:, xsd:) is
used only as OWL defines it, object properties link individuals and datatype properties give literals,
datatypes are in the OWL 2 datatype map, and non-simple properties carry no characteristics that need a
simple one. A blank-node construct it does not know is reported (``etom-owl-004``) rather than passed.

>>> [f.message["en"][:40] for f in check_profile(_graph('''
...     @prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix ex: <http://example.org/> .
...     ex:p a owl:ObjectProperty , owl:DatatypeProperty .'''))]
['http://example.org/p is declared both as']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import rdflib
from rdflib import OWL, RDF, RDFS, BNode, Literal, URIRef

from ..iris import XSD
from .rules import Rule, node_key

_RESERVED = (str(RDF), str(RDFS), str(OWL), XSD)
DATATYPE_MAP = {
    str(RDF.PlainLiteral), str(RDF.XMLLiteral), str(RDF) + "langString", str(RDFS.Literal), str(OWL) + "real",
    str(OWL) + "rational",
    *(XSD + n for n in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short byte "
        "unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token language "
        "Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
    ).split()),
}  # fmt: skip
_BUILTIN_CLASSES = {str(OWL.Thing), str(OWL.Nothing)}
_BUILTIN_OBJECT = {str(OWL.topObjectProperty), str(OWL.bottomObjectProperty)}
_BUILTIN_DATA = {str(OWL.topDataProperty), str(OWL.bottomDataProperty)}
_BUILTIN_ANNOTATION = {
    str(p)
    for p in (
        RDFS.label,
        RDFS.comment,
        RDFS.seeAlso,
        RDFS.isDefinedBy,
        OWL.deprecated,
        OWL.versionInfo,
        OWL.priorVersion,
        OWL.backwardCompatibleWith,
        OWL.incompatibleWith,
    )
}
# Reserved predicates that build axioms (checked one by one below) or structures (checked as constructs).
_AXIOM_PREDICATES = {str(p) for p in (RDF.type, RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
                                      OWL.disjointWith, OWL.inverseOf, OWL.equivalentClass, OWL.equivalentProperty,
                                      OWL.versionIRI, OWL.imports, OWL.sameAs, OWL.differentFrom)}  # fmt: skip
_STRUCTURE_PREDICATES = {
    str(OWL) + n
    for n in (
        "onProperty someValuesFrom allValuesFrom hasValue minCardinality maxCardinality cardinality "
        "qualifiedCardinality minQualifiedCardinality maxQualifiedCardinality onClass onDataRange unionOf "
        "intersectionOf complementOf oneOf members distinctMembers propertyChainAxiom hasKey "
        "propertyDisjointWith disjointUnionOf hasSelf annotatedSource annotatedProperty annotatedTarget "
        "withRestrictions onDatatype"
    ).split()
} | {str(RDF.first), str(RDF.rest)}
_CLASS_TYPES = {str(OWL.Class)}
_KIND_TYPES = {
    str(OWL.Class): "class",
    str(OWL.ObjectProperty): "object property",
    str(OWL.DatatypeProperty): "datatype property",
    str(OWL.AnnotationProperty): "annotation property",
    str(RDFS.Datatype): "datatype",
    str(OWL.NamedIndividual): "individual",
}
_OBJECT_CHARACTERISTICS = {str(OWL) + n for n in ("TransitiveProperty SymmetricProperty AsymmetricProperty "
                                                  "ReflexiveProperty IrreflexiveProperty InverseFunctionalProperty").split()}  # fmt: skip
_NEEDS_SIMPLE = {str(OWL) + n for n in ("FunctionalProperty InverseFunctionalProperty IrreflexiveProperty "
                                        "AsymmetricProperty").split()}  # fmt: skip
_OTHER_TYPES = {str(OWL) + n for n in ("Ontology FunctionalProperty Restriction AllDisjointClasses AllDifferent "
                                       "AllDisjointProperties Axiom Annotation NegativePropertyAssertion").split()}  # fmt: skip
_NOT_DL_TYPES = {str(RDFS.Class): "owl:Class", str(RDF.Property): "owl:ObjectProperty, owl:DatatypeProperty or "
                 "owl:AnnotationProperty"}  # fmt: skip

PROFILE_RULE = Rule(
    "etom-owl-001",
    "violation",
    "owl",
    {
        "en": "The ontology, with your extension files, is in the OWL 2 DL profile (declared terms, no illegal "
        "punning, reserved vocabulary used as OWL defines it, object vs datatype vs annotation properties used "
        "as declared, datatypes from the OWL 2 datatype map, characteristics on simple properties only).",
        "zh": "本体连同你的扩展文件符合 OWL 2 DL 子语言（术语均已声明、无非法双关、保留词汇按 OWL 规定使用、对象/数据/注释属性按声明使用、"
        "数据类型属于 OWL 2 数据类型表、属性特征只用于简单属性）。",
    },
    {"en": "See the detail of each result.", "zh": "见各条结果的说明。"},
    "etomkg/validation/owl.py",
)
UNCHECKED_RULE = Rule(
    "etom-owl-004",
    "info",
    "owl",
    {
        "en": "Lists blank-node constructs that etomkg's OWL 2 DL checker does not cover, so that nothing is passed "
        "unchecked in silence.",
        "zh": "列出 etomkg 的 OWL 2 DL 检查器未覆盖的空白节点结构，避免任何内容在未检查的情况下被默默放过。",
    },
    {
        "en": "Check this construct with an OWL API based tool (e.g. robot validate-profile --profile DL).",
        "zh": "请用基于 OWL API 的工具（例如 robot validate-profile --profile DL）检查该结构。",
    },
    "etomkg/validation/owl.py",
)
CONSISTENCY_RULE = Rule(
    "etom-owl-002",
    "violation",
    "owl",
    {
        "en": "HermiT (through owlready2) finds the ontology and the graph consistent, reasoning on the ontology with "
        "each release's assertions in turn (run with --reason; needs Java).",
        "zh": "HermiT（通过 owlready2）判定本体与图谱一致：依次对本体加每个版本的断言进行推理（使用 --reason 运行；需要 Java）。",
    },
    {
        "en": "Find the assertions that contradict the ontology (an element typed with two disjoint classes, two "
        "different values of a functional property such as etom:level, a literal where an individual belongs).",
        "zh": "找出与本体矛盾的断言（同时属于两个不相交类的元素、函数型属性如 etom:level 有两个不同值、应为个体处却用了字面量）。",
    },
    "etomkg/validation/owl.py",
)
SATISFIABLE_RULE = Rule(
    "etom-owl-003",
    "violation",
    "owl",
    {
        "en": "Every class of the ontology can have instances (HermiT finds no unsatisfiable class).",
        "zh": "本体中的每个类都可以有实例（HermiT 未发现不可满足的类）。",
    },
    {
        "en": "The class can have no instance; look for disjointness and subclass axioms that contradict each other.",
        "zh": "该类不可能有实例；请检查相互矛盾的不相交公理和子类公理。",
    },
    "etomkg/validation/owl.py",
)
OWL_RULES = [PROFILE_RULE, CONSISTENCY_RULE, SATISFIABLE_RULE, UNCHECKED_RULE]


@dataclass(frozen=True)
class OwlFinding:
    rule: Rule
    focus: str
    message: dict[str, str]
    severity: str | None = None  # None: the rule's


def _graph(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=turtle, format="turtle")


def _name(node) -> str:
    return str(node)


def _reserved(iri) -> bool:
    return isinstance(iri, URIRef) and str(iri).startswith(_RESERVED)


def check_profile(graph: rdflib.Graph) -> list[OwlFinding]:
    """Violations of the OWL 2 DL profile in ``graph`` (an ontology, possibly with instance data)."""
    problems: dict[tuple[str, str], OwlFinding] = {}

    def report(node, en: str, zh: str, rule: Rule = PROFILE_RULE) -> None:
        focus = node_key(node)
        problems.setdefault((focus, en), OwlFinding(rule, focus, {"en": en, "zh": zh}))

    kinds: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and str(o) in _KIND_TYPES:
            kinds[str(s)].add(_KIND_TYPES[str(o)])
    for iri in _BUILTIN_CLASSES:
        kinds[iri].add("class")
    for iri in _BUILTIN_OBJECT:
        kinds[iri].add("object property")
    for iri in _BUILTIN_DATA:
        kinds[iri].add("datatype property")
    for iri in _BUILTIN_ANNOTATION:
        kinds[iri].add("annotation property")
    for iri in DATATYPE_MAP:
        kinds[iri].add("datatype")

    def kind(node) -> set[str]:
        return kinds.get(str(node), set()) if isinstance(node, URIRef) else set()

    # Declarations: reserved IRIs and illegal punning.
    for s, o in graph.subject_objects(RDF.type):
        if not isinstance(s, URIRef) or str(o) not in _KIND_TYPES:
            continue
        builtin = str(s) in _BUILTIN_CLASSES | _BUILTIN_OBJECT | _BUILTIN_DATA | _BUILTIN_ANNOTATION | DATATYPE_MAP
        if _reserved(s) and not builtin:
            report(s, f"{_name(s)} is reserved vocabulary and cannot be declared as {_KIND_TYPES[str(o)]}; "
                      "use an IRI of your own namespace",
                   f"{_name(s)} 属于保留词汇，不能声明为{_KIND_TYPES[str(o)]}；请使用自己命名空间的 IRI")  # fmt: skip
    for iri, found in kinds.items():
        properties = found & {"object property", "datatype property", "annotation property"}
        if len(properties) > 1:
            report(URIRef(iri), f"{iri} is declared both as {' and '.join(sorted(properties))}; OWL 2 DL allows "
                                "one kind of property per IRI — keep one declaration",
                   f"{iri} 同时被声明为{'和'.join(sorted(properties))}；OWL 2 DL 中一个 IRI 只能是一种属性——请只保留一个声明")  # fmt: skip
        if {"class", "datatype"} <= found:
            report(URIRef(iri), f"{iri} is declared both as class and datatype; keep one",
                   f"{iri} 同时被声明为类和数据类型；请只保留一个")  # fmt: skip

    for s, o in graph.subject_objects(RDF.type):
        if str(o) in _NOT_DL_TYPES:
            report(s, f"{_name(s)} is typed {o}, which is RDFS, not OWL 2 DL; type it {_NOT_DL_TYPES[str(o)]}",
                   f"{_name(s)} 的类型是 {o}（RDFS 而非 OWL 2 DL）；请改为 {_NOT_DL_TYPES[str(o)]}")  # fmt: skip
        elif (
            _reserved(o) and str(o) not in set(_KIND_TYPES) | _OBJECT_CHARACTERISTICS | _OTHER_TYPES | _BUILTIN_CLASSES
        ):
            report(s, f"{o} is not an OWL class or type; type {_name(s)} with a declared class",
                   f"{o} 不是 OWL 类或类型；请用已声明的类作为 {_name(s)} 的类型")  # fmt: skip
        elif not _reserved(o) and isinstance(o, URIRef) and "class" not in kind(o):
            report(o, f"{o} is used as a class (rdf:type) but not declared; add {o} a owl:Class",
                   f"{o} 被用作类（rdf:type）但未声明；请添加 {o} a owl:Class")  # fmt: skip
        if str(o) in _OBJECT_CHARACTERISTICS and "object property" not in kind(s):
            report(s, f"{_name(s)} is typed {o.split('#')[-1]}, a characteristic of object properties only; "
                      "declare it an owl:ObjectProperty or drop the characteristic",
                   f"{_name(s)} 的类型 {o.split('#')[-1]} 只适用于对象属性；请将其声明为 owl:ObjectProperty 或去掉该特征")  # fmt: skip
        if str(o) == str(OWL.FunctionalProperty) and not kind(s) & {"object property", "datatype property"}:
            report(s, f"{_name(s)} is functional but neither an object nor a datatype property",
                   f"{_name(s)} 是函数型属性，却既不是对象属性也不是数据属性")  # fmt: skip

    # Axioms about classes and properties.
    def need(node, wanted: str, role: str, zh_role: str) -> None:
        if isinstance(node, BNode):
            return  # class expressions are checked as constructs below
        if wanted not in kind(node):
            report(node, f"{_name(node)} is used as {role} but is not declared a {wanted}",
                   f"{_name(node)} 被用作{zh_role}，但未声明为{wanted}")  # fmt: skip

    for s, o in graph.subject_objects(RDFS.subClassOf):
        need(s, "class", "a subclass", "子类")
        need(o, "class", "a superclass", "父类")
    for p in (OWL.disjointWith, OWL.equivalentClass):
        for s, o in graph.subject_objects(p):
            need(s, "class", f"the subject of {p.split('#')[-1]}", f"{p.split('#')[-1]} 的主语")
            need(o, "class", f"the object of {p.split('#')[-1]}", f"{p.split('#')[-1]} 的宾语")
    for s, o in graph.subject_objects(OWL.inverseOf):
        need(s, "object property", "an inverse", "逆属性")
        need(o, "object property", "an inverse", "逆属性")
    for s, o in graph.subject_objects(RDFS.subPropertyOf):
        a, b = kind(s) & {"object property", "datatype property", "annotation property"}, kind(o)
        if not a or not (a & b):
            report(s, f"{_name(s)} rdfs:subPropertyOf {_name(o)} relates properties that are not declared of the "
                      "same kind (object, datatype or annotation)",
                   f"{_name(s)} rdfs:subPropertyOf {_name(o)} 关联的两个属性未被声明为同一种类（对象、数据或注释）")  # fmt: skip
    for s, o in graph.subject_objects(RDFS.domain):
        if kind(s) & {"object property", "datatype property"}:
            need(o, "class", f"the domain of {_name(s)}", f"{_name(s)} 的定义域")
    for s, o in graph.subject_objects(RDFS.range):
        if "object property" in kind(s):
            need(o, "class", f"the range of object property {_name(s)}", f"对象属性 {_name(s)} 的值域")
        elif "datatype property" in kind(s):
            need(o, "datatype", f"the range of datatype property {_name(s)}", f"数据属性 {_name(s)} 的值域")

    # Non-simple properties (transitive, or with a non-simple sub-property) carry no characteristic needing a simple one.
    subs: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(RDFS.subPropertyOf):
        subs[str(o)].add(str(s))
    inverse: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(OWL.inverseOf):
        inverse[str(s)].add(str(o))
        inverse[str(o)].add(str(s))
    non_simple = {str(s) for s in graph.subjects(RDF.type, OWL.TransitiveProperty)}
    changed = True
    while changed:
        grown = non_simple | {p for p, children in subs.items() if children & non_simple}
        grown |= {q for p in grown for q in inverse[p]}
        changed, non_simple = grown != non_simple, grown
    for p in sorted(non_simple):
        for characteristic in sorted(_NEEDS_SIMPLE):
            if (URIRef(p), RDF.type, URIRef(characteristic)) in graph:
                report(URIRef(p), f"{p} is transitive (or has a transitive sub-property), so OWL 2 DL forbids making it "
                                  f"{characteristic.split('#')[-1]}",
                       f"{p} 具有传递性（或有传递子属性），OWL 2 DL 不允许它同时为 {characteristic.split('#')[-1]}")  # fmt: skip

    # Every other triple: its predicate is declared and used as declared.
    for _s, p, o in graph:
        ps = str(p)
        if ps in _AXIOM_PREDICATES or ps in _STRUCTURE_PREDICATES:
            continue
        if _reserved(p) and ps not in _BUILTIN_ANNOTATION:
            report(p, f"{ps} is reserved vocabulary that OWL does not define; remove it or use your own property",
                   f"{ps} 是 OWL 未定义的保留词汇；请删除或改用自己的属性")  # fmt: skip
            continue
        found = kind(p) & {"object property", "datatype property", "annotation property"}
        if not found:
            report(p, f"{ps} is used as a property but not declared; declare it as owl:ObjectProperty, "
                      "owl:DatatypeProperty or owl:AnnotationProperty",
                   f"{ps} 被用作属性但未声明；请将其声明为 owl:ObjectProperty、owl:DatatypeProperty 或 owl:AnnotationProperty")  # fmt: skip
        elif found == {"object property"} and isinstance(o, Literal):
            report(p, f"object property {ps} has the literal \"{o}\" as value; object properties link individuals — "
                      "use an IRI or declare the property an owl:DatatypeProperty",
                   f"对象属性 {ps} 的值是字面量 \"{o}\"；对象属性连接个体——请使用 IRI，或把该属性声明为 owl:DatatypeProperty")  # fmt: skip
        elif found == {"datatype property"} and not isinstance(o, Literal):
            report(p, f"datatype property {ps} has the resource {o} as value; give a literal or declare the "
                      "property an owl:ObjectProperty",
                   f"数据属性 {ps} 的值是资源 {o}；请给出字面量，或把该属性声明为 owl:ObjectProperty")  # fmt: skip
    for o in set(graph.objects()):
        if isinstance(o, Literal) and o.datatype is not None and str(o.datatype) not in DATATYPE_MAP \
                and "datatype" not in kind(o.datatype):  # fmt: skip
            report(o.datatype, f"the datatype {o.datatype} (as in \"{o}\") is not in the OWL 2 datatype map; use e.g. "
                               "xsd:dateTime for xsd:date, or a plain string",
                   f"数据类型 {o.datatype}（如 \"{o}\"）不在 OWL 2 数据类型表中；例如用 xsd:dateTime 代替 xsd:date，或用普通字符串")  # fmt: skip

    # Blank-node constructs: restrictions are checked; anything else is listed as unchecked.
    for node in {s for s in graph.subjects() if isinstance(s, BNode)}:
        types = {str(t) for t in graph.objects(node, RDF.type)}
        if str(OWL.Restriction) in types:
            prop = graph.value(node, OWL.onProperty)
            if prop is None or not kind(prop) & {"object property", "datatype property"}:
                report(node, f"a restriction on {prop}, which is not a declared object or datatype property",
                       f"限制作用于 {prop}，但它不是已声明的对象属性或数据属性")  # fmt: skip
            cardinal = {str(OWL) + n for n in ("minCardinality maxCardinality cardinality qualifiedCardinality "
                                               "minQualifiedCardinality maxQualifiedCardinality").split()}  # fmt: skip
            if str(prop) in non_simple and any(str(q) in cardinal for q in graph.predicates(node)):
                report(node, f"a cardinality restriction on the non-simple (transitive) property {prop}",
                       f"对非简单（传递）属性 {prop} 使用了基数限制")  # fmt: skip
        elif any(t.startswith(_RESERVED) for t in types) or any(
            str(q) in _STRUCTURE_PREDICATES - {str(RDF.first), str(RDF.rest)} for q in graph.predicates(node)
        ):
            report(node, "a blank-node construct etomkg's profile checker does not cover",
                   "etomkg 的子语言检查器未覆盖的空白节点结构", UNCHECKED_RULE)  # fmt: skip
    return sorted(problems.values(), key=lambda f: (f.rule.id, f.focus, f.message["en"]))
