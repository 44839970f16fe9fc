"""Read one release (or a subtree of it) from the graph with SPARQL and map it onto ArchiMate.

The mapping (see the README section "Export to enterprise-architecture tools"):

* process element → ``BusinessFunction`` (default) or ``BusinessProcess``;
* ``etom:parent`` → ``Composition`` parent → child (a part has one parent, as ArchiMate requires);
* vertical groupings, horizontal layers and process areas → ``Grouping`` + ``Aggregation`` to their
  members; a domain or area that is itself an exported process element aggregates the members that
  no composition reaches (orphans), so no element floats free;
* ``etom:DataFlow`` → ``Flow`` producer → consumer named after the information, the information
  entity → ``BusinessObject`` with ``Access`` Write (producer) and Read (consumer), and an
  ``Association`` from the object to the flow;
* ``etom:EndToEndFlow`` → a chain of ``Triggering`` from each step's process to the next one's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..iris import ETOM, PREFIXES, natural_key
from ..outputs.export import ExportError, _subtree_subjects
from ..store import KnowledgeGraph
from .ids import concept_id, property_definition_id
from .layout import AreaHeader, FlowHop, MapRow, flow_view, map_view
from .model import ArchiModel, Element, Folder, PropertyDefinition, Relationship, Texts, View

ELEMENT_TYPES = {"function": "BusinessFunction", "process": "BusinessProcess"}
DEFAULT_ELEMENT_TYPE = "function"

# Property keys, in the order their definitions are written. Keys are language-neutral on purpose: Archi
# matches properties by key, so a model imported once in Chinese and once in English keeps one key each.
PROPERTY_KEYS: list[tuple[str, str]] = [
    ("eTOM identifier", "string"),
    ("eTOM level", "number"),
    ("eTOM release", "string"),
    ("eTOM UID", "string"),
    ("eTOM original identifier", "string"),
    ("eTOM step number", "number"),
    ("eTOM inferred", "boolean"),
    ("eTOM evidence", "string"),
    ("IRI", "string"),
]

# Presentation order of the eTOM map (TM Forum's poster): columns left to right, rows top to bottom. The
# graph says which vertical and layer an element is in; only where each is drawn is a convention of the map.
VERTICAL_ORDER = (
    "strategy-commit",
    "infrastructure-lifecycle-management",
    "product-lifecycle-management",
    "operations-support-readiness",
    "strategy-management",
    "capability-management",
    "business-value-development",
    "operations-readiness-support",
    "fulfillment",
    "assurance",
    "billing",
)
LAYER_ORDER = ("market-product-customer", "service", "resource", "supplier-partner")

_FOLDER_LABELS: dict[str, dict[str, str]] = {
    "information": {"en": "Information entities", "zh": "信息实体"},
    "verticals": {"en": "Vertical groupings", "zh": "纵向分组"},
    "layers": {"en": "Horizontal layers", "zh": "横向层"},
    "areas": {"en": "Process areas", "zh": "流程领域"},
    "outside": {"en": "Outside the hierarchy", "zh": "层级之外"},
    "Composition": {"en": "Composition (decomposition)", "zh": "组合（分解）"},
    "Aggregation": {"en": "Aggregation (groupings)", "zh": "聚合（分组）"},
    "Flow": {"en": "Flow (data flows)", "zh": "流（数据流）"},
    "Access": {"en": "Access (information)", "zh": "访问（信息）"},
    "Association": {"en": "Association (flow carries)", "zh": "关联（数据流承载）"},
    "Triggering": {"en": "Triggering (end-to-end flows)", "zh": "触发（端到端流程）"},
    "Realization": {"en": "Realization (ODA components)", "zh": "实现（ODA 组件）"},
    "Serving": {"en": "Serving (Open APIs)", "zh": "服务（开放 API）"},
}
_RELATIONSHIP_ORDER = (
    "Composition", "Aggregation", "Flow", "Access", "Association", "Triggering", "Realization", "Serving",
)  # fmt: skip

_APPLICATION_FOLDER = {"en": "Application (ODA components)", "zh": "应用（ODA 组件）"}

_MAP_TEXT = {
    "en": (
        "Map of {title}",
        "Domains as rows, vertical groupings as columns, each level-2 element in the cell of its domain and "
        "vertical. An element in several adjacent verticals spans their columns; one whose verticals are not "
        "adjacent sits in the column of its first (leftmost) vertical. Elements in no vertical grouping are "
        "listed in a band under their domain. The model's Aggregation relationships hold every membership.",
    ),
    "zh": (
        "{title}全景图",
        "以域为行、纵向分组为列，每个第 2 层元素位于其所属域与纵向分组的交叉格中。属于多个相邻纵向分组的元素横跨这些列；"
        "所属纵向分组不相邻的元素放在第一个（最左侧）纵向分组的列中。不属于任何纵向分组的元素列在其所属域下方的一栏中。"
        "模型中的聚合关系记录了全部的分组成员关系。",
    ),
}
_BAND_LABEL = {"en": "Not in a vertical grouping", "zh": "不属于纵向分组"}
_ORPHAN_ROW_LABEL = {"en": "Level-2 elements without a parent in this release", "zh": "本版本中没有父流程的第 2 层元素"}
_STEP_NAME = {"en": "{flow}: step {n} → {m}", "zh": "{flow}：第 {n} 步 → 第 {m} 步"}


@dataclass
class ExportOptions:
    release: str
    root: str | None = None
    max_level: int | None = None
    languages: list[str] = field(default_factory=lambda: ["en", "zh"])
    element_type: str = DEFAULT_ELEMENT_TYPE
    views: bool = True
    components: bool = False  # ODA components and their Open APIs (etomkg.archimate.oda)


_PROCESS_FACTS = (
    "skos:notation",
    "etom:level",
    "etom:parent",
    "etom:uid",
    "etom:originalIdentifier",
    "etom:domain",
    "etom:area",
    "etom:layer",
    "etom:vertical",
    "skos:prefLabel",
    "skos:definition",
)


class _Graph:
    """Small SPARQL helpers over one release (default graph: ontology + framework + release).

    Solutions are unpacked by position: much faster in pyoxigraph than access by variable name.
    """

    def __init__(self, kg: KnowledgeGraph, release: str) -> None:
        self.kg = kg
        self.release = release

    def tuples(self, sparql: str, *, union: bool = False) -> list[tuple]:
        """Rows as tuples of terms (None for an unbound variable), in the SELECT's order."""
        return [tuple(row) for row in self.kg.query(sparql, release=None if union else self.release)]

    def process_facts(self) -> dict[str, dict[str, list]]:
        """``{predicate IRI: {process IRI: [objects]}}`` for the predicates the mapping reads, in one query."""
        wanted = ", ".join(_PROCESS_FACTS)
        facts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for s, p, o in self.tuples(
            f"SELECT ?s ?p ?o WHERE {{ ?s a etom:ProcessElement ; ?p ?o FILTER(?p IN ({wanted})) }}"
        ):
            facts[p.value][s.value].append(o)
        return facts

    def texts(self, iris: Iterable[str], predicates: str) -> dict[str, dict[str, str]]:
        """``{IRI: {language: text}}`` of language-tagged literals, looked up in every graph.

        ``predicates`` is a SPARQL property path such as ``skos:prefLabel|rdfs:label``; the first value in
        code-point order wins when a resource has two texts in one language.
        """
        iris = sorted(set(iris))
        found: dict[str, dict[str, str]] = defaultdict(dict)
        for start in range(0, len(iris), 500):
            values = " ".join(f"<{iri}>" for iri in iris[start : start + 500])
            for s, o in self.tuples(
                f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {values} }} ?s {predicates} ?o }}", union=True
            ):
                if isinstance(o, ox.Literal):
                    _add_text(found[s.value], o)
        return found


def _add_text(texts: dict[str, str], literal: ox.Literal) -> None:
    lang = literal.language or ""
    current = texts.get(lang)
    if current is None or literal.value < current:
        texts[lang] = literal.value


def _single(values: dict[str, list]) -> dict[str, str]:
    """One value per subject (the smallest, so that a source defect cannot make the output vary)."""
    return {s: min(t.value for t in terms) for s, terms in values.items()}


def pick_texts(texts: dict[str, str], languages: list[str]) -> Texts:
    """The texts in the requested languages, in their order; when none is there, English or the first one.

    A name is never left empty: an element that has no Chinese label keeps its English one (tagged ``en``).

    >>> pick_texts({"en": "Billing", "zh": "计费"}, ["zh", "en"])
    [('zh', '计费'), ('en', 'Billing')]
    >>> pick_texts({"en": "Billing"}, ["zh"])
    [('en', 'Billing')]
    """
    chosen = [(lang, texts[lang]) for lang in languages if lang in texts]
    if chosen or not texts:
        return chosen
    fallback = "en" if "en" in texts else sorted(texts)[0]
    return [(fallback, texts[fallback])]


def available_languages(kg: KnowledgeGraph, release: str) -> list[str]:
    rows = kg.select(
        "SELECT DISTINCT (LANG(?l) AS ?lang) WHERE { ?p a etom:ProcessElement ; skos:prefLabel ?l }",
        release=release,
    )
    return sorted(r["lang"] for r in rows if r.get("lang"))


def check_options(
    kg: KnowledgeGraph,
    *,
    release: str | None,
    root: str | None,
    max_level: int | None,
    languages: str | list[str] | None,
    element_type: str | None,
    views: bool = True,
    components: bool = False,
) -> ExportOptions:
    """Validate the options (all before anything is written); raise :class:`ExportError` on a bad one."""
    release = kg.check_release(release or kg.default_release)
    if max_level is not None and not 0 <= max_level <= 7:
        raise ExportError(f"--max-level {max_level} is out of range; eTOM levels run from 0 to 7")
    element_type = element_type or DEFAULT_ELEMENT_TYPE
    if element_type not in ELEMENT_TYPES:
        raise ExportError(f"unknown --element-type {element_type!r}; use one of: {', '.join(ELEMENT_TYPES)}")
    available = available_languages(kg, release)
    if languages is None:
        wanted = [lang for lang in ("en", "zh") if lang in available] or available
    else:
        parts = languages.split(",") if isinstance(languages, str) else list(languages)
        wanted = []
        for part in (p.strip().lower() for p in parts):
            if part and part not in wanted:
                wanted.append(part)
        unknown = [lang for lang in wanted if lang not in available]
        if not wanted or unknown:
            shown = ", ".join(unknown) if unknown else "(none)"
            raise ExportError(
                f"--lang {shown}: no labels in that language in release {release}; "
                f"available: {', '.join(available)} (e.g. --lang en,zh)"
            )
    return ExportOptions(release, root, max_level, wanted, element_type, views, components)


def build_model(kg: KnowledgeGraph, options: ExportOptions) -> ArchiModel:
    """The ArchiMate model of one release (or subtree), read from the graph."""
    return _Builder(kg, options).build()


def _slug_of(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _order_key(order: tuple[str, ...], iri: str, name: str) -> tuple:
    slug = _slug_of(iri)
    return (order.index(slug), "") if slug in order else (len(order), name)


class _Builder:
    def __init__(self, kg: KnowledgeGraph, options: ExportOptions) -> None:
        self.kg = kg
        self.options = options
        self.langs = options.languages
        self.g = _Graph(kg, options.release)
        self.release_iri = kg.iris.release(options.release)
        self.elements: dict[str, Element] = {}  # by the IRI they stand for ("grouping IRI" for area groupings)
        self.relationships: list[Relationship] = []
        self.property_keys_used: set[str] = {"eTOM release", "IRI"}  # the model's own properties
        self.flow_info: dict[str, str] = {}  # data flow IRI -> information entity IRI
        self.access_ids: dict[tuple[str, str, str], str] = {}  # (process, entity, Write|Read) -> relationship

    # --- helpers -------------------------------------------------------------------------------------

    def _texts(self, texts: dict[str, str] | None, fallback: str | None = None) -> Texts:
        picked = pick_texts(texts or {}, self.langs)
        return picked or ([("", fallback)] if fallback is not None else [])

    def _element(self, key: str, identifier: str, el_type: str, names: Texts, docs: Texts, props) -> Element:
        self.property_keys_used.update(k for k, _ in props)
        element = Element(identifier, el_type, names, docs, props)
        self.elements[key] = element
        return element

    def _relationship(self, rel_type: str, identifier: str, source: str, target: str, **extra) -> Relationship:
        rel = Relationship(
            identifier,
            rel_type,
            extra.get("names", []),
            extra.get("documentation", []),
            extra.get("properties", []),
            source=source,
            target=target,
            access_type=extra.get("access_type"),
        )
        self.property_keys_used.update(k for k, _ in rel.properties)
        self.relationships.append(rel)
        return rel

    def _aggregation(self, whole_key: str, part_key: str) -> None:
        whole_iri = whole_key.removeprefix("grouping ")
        self._relationship(
            "Aggregation",
            concept_id("aggregation", whole_iri, part_key),
            self.elements[whole_key].identifier,
            self.elements[part_key].identifier,
        )

    def _values_of(self, iris: list[str], predicate: str) -> dict[str, str]:
        """``{IRI: value}`` of a plain property of resources that may sit in any graph."""
        if not iris:
            return {}
        values = " ".join(f"<{iri}>" for iri in sorted(set(iris)))
        rows = self.g.tuples(f"SELECT ?s ?o WHERE {{ VALUES ?s {{ {values} }} ?s {predicate} ?o }}", union=True)
        found: dict[str, list] = defaultdict(list)
        for s, o in rows:
            found[s.value].append(o)
        return _single(found)

    # --- the build -----------------------------------------------------------------------------------

    def build(self) -> ArchiModel:
        opts = self.options
        self.scope = scope = _subtree_subjects(self.kg, opts.release, opts.root, opts.max_level)
        if not scope:  # e.g. --max-level 0 on a release whose top level is 1: Archi refuses a model without elements
            raise ExportError(
                f"--max-level {opts.max_level}: release {opts.release} has no process element that high up"
            )
        facts = self.g.process_facts()

        def fact(curie: str) -> dict[str, list]:
            prefix, local = curie.split(":")
            return facts.get(PREFIXES[prefix] + local, {})

        self.notation = notation = _single(fact("skos:notation"))
        self.level = level = {s: int(v) for s, v in _single(fact("etom:level")).items()}
        self.parent = _single(fact("etom:parent"))
        self.domain = _single(fact("etom:domain"))
        self.area = _single(fact("etom:area"))
        self.layers = {s: sorted(t.value for t in v) for s, v in fact("etom:layer").items()}
        self.verticals = {s: sorted(t.value for t in v) for s, v in fact("etom:vertical").items()}
        self.names: dict[str, dict[str, str]] = defaultdict(dict)
        for s, terms in fact("skos:prefLabel").items():
            for term in terms:
                _add_text(self.names[s], term)
        definitions: dict[str, dict[str, str]] = defaultdict(dict)
        for s, terms in fact("skos:definition").items():
            for term in terms:
                _add_text(definitions[s], term)
        version = self._values_of([self.release_iri], "owl:versionInfo").get(self.release_iri, opts.release)
        self.version = version

        self.ordered = ordered = sorted(scope, key=lambda iri: (natural_key(notation[iri]), iri))
        process_type = ELEMENT_TYPES[opts.element_type]
        uids, originals = fact("etom:uid"), fact("etom:originalIdentifier")
        for iri in ordered:
            props = [("eTOM identifier", notation[iri]), ("eTOM level", str(level[iri])), ("eTOM release", version)]
            props += [("eTOM UID", v) for v in sorted({t.value for t in uids.get(iri, [])})]
            props += [("eTOM original identifier", v) for v in sorted({t.value for t in originals.get(iri, [])})]
            props.append(("IRI", iri))
            self._element(
                iri,
                concept_id(iri),
                process_type,
                self._texts(self.names.get(iri), notation[iri]),
                self._texts(definitions.get(iri)),
                props,
            )

        # Composition: the numbered decomposition, one parent per element as ArchiMate requires.
        for iri in ordered:
            up = self.parent.get(iri)
            if up in scope:
                self._relationship(
                    "Composition",
                    concept_id("composition", up, iri),
                    self.elements[up].identifier,
                    self.elements[iri].identifier,
                )

        groupings = self._groupings()
        infos = self._data_flows()
        e2e = self._end_to_end_flows()
        self.application: list[str] = []
        component_views: list[View] = []
        if opts.components:
            from .oda import add_components

            self.application, component_views = add_components(self)
        views: list[View] = []
        if opts.views:
            map_v = self._map_view(groupings)
            if map_v is not None:
                views.append(map_v)
            views += [self._flow_view(flow) for flow in e2e]
            views += component_views
        model = self._model(views, groupings, infos)
        _check_unique(model)
        return model

    # --- groupings -----------------------------------------------------------------------------------

    def _groupings(self) -> dict[str, list[str]]:
        """Grouping elements and their Aggregations; returns the grouping keys by kind, in map order."""
        scope, ordered = self.scope, self.ordered
        vertical_iris = sorted({v for iri in ordered for v in self.verticals.get(iri, [])})
        layer_iris = sorted({v for iri in ordered for v in self.layers.get(iri, [])})
        self.area_of_vertical = self._values_of(vertical_iris, "etom:area")

        # Areas: an area that is an exported process element (a classic L0) aggregates directly; any
        # other (the classic areas seen from a current release) becomes a Grouping of its own. Members are
        # the verticals of the area and the elements that no composition in this export reaches.
        area_members: dict[str, list[str]] = defaultdict(list)
        for v in vertical_iris:
            if v in self.area_of_vertical:
                area_members[self.area_of_vertical[v]].append(v)
        for iri in ordered:
            a = self.area.get(iri)
            if a and a != iri and self.parent.get(iri) not in scope:
                area_members[a].append(iri)

        outside = vertical_iris + layer_iris + [a for a in area_members if a not in scope]
        texts = self.g.texts(outside, "skos:prefLabel")
        docs = self.g.texts(outside, "skos:definition")
        notations = self._values_of(outside, "skos:notation")
        label_key = {iri: texts.get(iri, {}).get("en", iri) for iri in outside}
        vertical_iris.sort(key=lambda v: _order_key(VERTICAL_ORDER, v, label_key[v]))
        layer_iris.sort(key=lambda v: _order_key(LAYER_ORDER, v, label_key[v]))

        def grouping(iri: str, key: str) -> None:
            props = ([("eTOM identifier", notations[iri])] if iri in notations else []) + [("IRI", iri)]
            identifier = concept_id(iri) if key == iri else concept_id("grouping", iri)
            self._element(
                key,
                identifier,
                "Grouping",
                self._texts(texts.get(iri), _slug_of(iri)),
                self._texts(docs.get(iri)),
                props,
            )

        for iri in vertical_iris + layer_iris:
            grouping(iri, iri)
        area_keys: list[str] = []
        for a in sorted(area_members, key=lambda a: (natural_key(self.notation.get(a) or notations.get(a, "")), a)):
            if a in scope:
                whole = a
            elif a in notations and texts.get(a):
                whole = "grouping " + a
                grouping(a, whole)
                area_keys.append(whole)
            else:
                continue  # an area the graph does not know (a stray identifier): nothing to name it by
            for member in area_members[a]:
                self._aggregation(whole, member)
        for v in vertical_iris:
            for iri in ordered:
                if v in self.verticals.get(iri, ()):
                    self._aggregation(v, iri)
        for layer in layer_iris:
            for iri in ordered:
                if layer in self.layers.get(iri, ()):
                    self._aggregation(layer, iri)
        # A domain aggregates its elements that no composition reaches (their parent is missing).
        for iri in ordered:
            d = self.domain.get(iri)
            if d in scope and d != iri and self.parent.get(iri) not in scope:
                self._aggregation(d, iri)
        return {"verticals": vertical_iris, "layers": layer_iris, "areas": area_keys}

    # --- data flows ----------------------------------------------------------------------------------

    def _data_flows(self) -> list[str]:
        """Flow + BusinessObject + Access (Write/Read) + Association for every flow inside the scope."""
        rows = self.g.tuples(
            "SELECT ?f ?producer ?consumer ?info WHERE { ?f a etom:DataFlow ; etom:producer ?producer ; "
            "etom:consumer ?consumer ; etom:carries ?info }"
        )
        flows = sorted(
            {
                (f.value, p.value, c.value, i.value)
                for f, p, c, i in rows
                if p.value in self.scope and c.value in self.scope
            },
            key=lambda f: (natural_key(self.notation[f[1]]), natural_key(self.notation[f[2]]), f[3], f[0]),
        )
        if not flows:
            return []
        flow_iris = [f[0] for f in flows]
        infos = sorted({f[3] for f in flows})
        info_names = self.g.texts(infos, "skos:prefLabel|rdfs:label")
        info_docs = self.g.texts(infos, "skos:definition")
        info_notation = self._values_of(infos, "skos:notation")
        flow_docs = self.g.texts(flow_iris, "skos:definition|rdfs:comment")
        extra: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for f, p, o in self.g.tuples(
            "SELECT ?f ?p ?o WHERE { ?f a etom:DataFlow ; ?p ?o FILTER(?p IN (etom:inferred, etom:evidence)) }"
        ):
            extra[f.value].append(("eTOM inferred" if p.value == ETOM + "inferred" else "eTOM evidence", o.value))

        infos.sort(key=lambda i: (info_names.get(i, {}).get("en", ""), i))
        for info in infos:
            props = ([("eTOM identifier", info_notation[info])] if info in info_notation else []) + [("IRI", info)]
            self._element(
                info,
                concept_id(info),
                "BusinessObject",
                self._texts(info_names.get(info), _slug_of(info)),
                self._texts(info_docs.get(info)),
                props,
            )
        key_order = [k for k, _ in PROPERTY_KEYS]
        accesses: set[tuple[str, str, str]] = set()
        for flow, producer, consumer, info in flows:
            props = sorted(set(extra.get(flow, [])), key=lambda kv: (key_order.index(kv[0]), kv[1]))
            self._relationship(
                "Flow",
                concept_id(flow),
                self.elements[producer].identifier,
                self.elements[consumer].identifier,
                names=self.elements[info].names,
                documentation=self._texts(flow_docs.get(flow)),
                properties=[*props, ("IRI", flow)],
            )
            self.flow_info[flow] = info
            accesses.add((producer, info, "Write"))
            accesses.add((consumer, info, "Read"))
        for process, info, kind in sorted(accesses, key=lambda a: (natural_key(self.notation[a[0]]), a[1], a[2])):
            rel = self._relationship(
                "Access",
                concept_id("access-" + kind.lower(), process, info),
                self.elements[process].identifier,
                self.elements[info].identifier,
                access_type=kind,
            )
            self.access_ids[(process, info, kind)] = rel.identifier
        for flow, _, _, info in flows:
            self._relationship(
                "Association", concept_id("association", info, flow), self.elements[info].identifier, concept_id(flow)
            )
        return infos

    # --- end-to-end flows ----------------------------------------------------------------------------

    def _end_to_end_flows(self) -> list[dict]:
        """Triggering chains of the end-to-end flows whose every step is inside the scope."""
        rows = self.g.tuples(
            "SELECT ?e ?s ?n ?p ?next WHERE { ?e a etom:EndToEndFlow ; etom:step ?s . "
            "?s etom:stepNumber ?n ; etom:stepProcess ?p OPTIONAL { ?s etom:flowToNext ?next } }"
        )
        steps: dict[str, list[tuple[int, str, str, str | None]]] = defaultdict(list)
        for e, s, n, p, nxt in rows:
            steps[e.value].append((int(n.value), s.value, p.value, nxt.value if nxt is not None else None))
        complete = {e: sorted(set(s)) for e, s in steps.items() if all(p in self.scope for _, _, p, _ in s)}
        if not complete:
            return []
        names = self.g.texts(complete, "skos:prefLabel|rdfs:label")
        docs = self.g.texts(complete, "skos:definition|rdfs:comment")
        notations = self._values_of(list(complete), "skos:notation")
        result = []
        for e in sorted(complete, key=lambda e: (natural_key(notations.get(e, "")), e)):
            flow_names = self._texts(names.get(e), _slug_of(e))
            chain = complete[e]
            hops = []
            for (n, step, process, nxt), (next_n, _, next_process, _) in zip(chain, chain[1:], strict=False):
                step_names = [
                    (lang, _STEP_NAME.get(lang, _STEP_NAME["en"]).format(flow=text, n=n, m=next_n))
                    for lang, text in flow_names
                ]
                rel = self._relationship(
                    "Triggering",
                    concept_id("triggering", step),
                    self.elements[process].identifier,
                    self.elements[next_process].identifier,
                    names=step_names,
                    properties=[("eTOM step number", str(n)), ("IRI", step)],
                )
                info = self.flow_info.get(nxt) if nxt else None
                hops.append((rel.identifier, process, next_process, info))
            result.append(
                {
                    "iri": e,
                    "names": flow_names,
                    "documentation": self._texts(docs.get(e)),
                    "steps": [(n, process) for n, _, process, _ in chain],
                    "hops": hops,
                }
            )
        return result

    # --- views ---------------------------------------------------------------------------------------

    def _map_view(self, groupings: dict[str, list[str]]) -> View | None:
        """The eTOM map: a row per level-1 element in the export, a column per vertical grouping."""
        rows_l1 = [iri for iri in self.ordered if self.level[iri] == 1]
        if not rows_l1:
            return None

        def row_key(iri: str) -> tuple:
            a, lays = self.area.get(iri), self.layers.get(iri)
            return (
                natural_key(self.notation.get(a, a)) if a else (),
                _order_key(LAYER_ORDER, lays[0], "") if lays else (len(LAYER_ORDER), ""),
                natural_key(self.notation[iri]),
            )

        rows_l1.sort(key=row_key)
        columns = groupings["verticals"]
        col_index = {v: i for i, v in enumerate(columns)}
        rows = {iri: MapRow(self.elements[iri].identifier, []) for iri in rows_l1}
        orphans = MapRow(None, pick_texts(_ORPHAN_ROW_LABEL, self.langs))
        for iri in self.ordered:
            if self.level[iri] != 2:
                continue
            row = rows.get(self.parent.get(iri), orphans)
            cols = sorted(col_index[v] for v in self.verticals.get(iri, ()) if v in col_index)
            element_id = self.elements[iri].identifier
            if not cols:
                row.band.append(element_id)
            elif cols == list(range(cols[0], cols[-1] + 1)):
                row.cells.append((element_id, cols[0], cols[-1]))
            else:  # verticals that are not side by side: the column of the first (leftmost) one
                row.cells.append((element_id, cols[0], cols[0]))
        all_rows = [rows[iri] for iri in rows_l1] + ([orphans] if orphans.cells or orphans.band else [])

        headers: list[AreaHeader] = []
        for v in columns:
            a = self.area_of_vertical.get(v)
            key = a if a in self.scope else f"grouping {a}"
            element_id = self.elements[key].identifier if a and key in self.elements else None
            if headers and headers[-1].element == element_id:
                headers[-1].last = col_index[v]
            else:
                headers.append(AreaHeader(element_id, col_index[v], col_index[v]))

        names = [(lang, _MAP_TEXT.get(lang, _MAP_TEXT["en"])[0].format(title=t)) for lang, t in self._model_names()]
        docs = [(lang, _MAP_TEXT[lang][1]) for lang in self.langs if lang in _MAP_TEXT] or [("en", _MAP_TEXT["en"][1])]
        return map_view(
            concept_id("view", "map", self._scope_key()),
            names,
            docs,
            [self.elements[v].identifier for v in columns],
            headers,
            all_rows,
            pick_texts(_BAND_LABEL, self.langs),
        )

    def _flow_view(self, flow: dict) -> View:
        hops = []
        for rel_id, process, next_process, info in flow["hops"]:
            if info is None:
                hops.append(FlowHop(rel_id))
                continue
            hops.append(
                FlowHop(
                    rel_id,
                    self.elements[info].identifier,
                    self.access_ids.get((process, info, "Write")),
                    self.access_ids.get((next_process, info, "Read")),
                )
            )
        return flow_view(
            concept_id("view", flow["iri"]),
            flow["names"],
            flow["documentation"],
            [(n, self.elements[p].identifier) for n, p in flow["steps"]],
            hops,
        )

    # --- the model -----------------------------------------------------------------------------------

    def _scope_key(self) -> str:
        o = self.options
        return f"{self.release_iri}|{o.root or ''}|{'' if o.max_level is None else o.max_level}"

    def _release_title(self) -> Texts:
        texts = self.g.texts([self.release_iri], "skos:prefLabel")
        return self._texts(texts.get(self.release_iri), self.options.release)

    def _model_names(self) -> Texts:
        """The release's title, and the root and deepest level when the export is a part of it."""
        o = self.options
        names = self._release_title()
        if o.root:
            root_names = dict(self._texts(self.names.get(self.kg.iris.process(o.release, o.root)), ""))
            fallback = next(iter(root_names.values()), "")
            names = [
                (lang, f"{t}{'：' if lang == 'zh' else ': '}{o.root} {root_names.get(lang, fallback)}".rstrip())
                for lang, t in names
            ]
        if o.max_level is not None:
            names = [
                (lang, f"{t}（至第 {o.max_level} 层）" if lang == "zh" else f"{t} (to level {o.max_level})")
                for lang, t in names
            ]
        return names

    def _model(self, views: list[View], groupings: dict[str, list[str]], infos: list[str]) -> ArchiModel:
        names = self._model_names()
        dataset = self.kg.iris.dataset
        rights = self.g.texts([dataset], "dcterms:rights").get(dataset, {})
        used = [key for key, _ in PROPERTY_KEYS if key in self.property_keys_used]
        types = dict(PROPERTY_KEYS)
        from ..version import __version__

        return ArchiModel(
            identifier=concept_id("model", self._scope_key()),
            names=names,
            documentation=self._texts(rights),
            properties=[("eTOM release", self.version), ("IRI", self.release_iri)],
            metadata={
                "title": names[0][1],
                "creator": f"etomkg {__version__}",
                "source": self.release_iri,
                "rights": rights.get("en", ""),
                "language": ",".join(self.langs),
            },
            elements=list(self.elements.values()),
            relationships=sorted(self.relationships, key=lambda r: _RELATIONSHIP_ORDER.index(r.type)),
            organizations=self._organizations(views, groupings, infos),
            property_definitions=[PropertyDefinition(property_definition_id(k), k, types[k]) for k in used],
            views=views,
            languages=self.langs,
        )

    def _organizations(self, views: list[View], groupings: dict[str, list[str]], infos: list[str]) -> list[Folder]:
        """Business → domain (classic: area) → level; Other → kind of grouping; Relations → type; Views."""
        index: dict[tuple[int, str], Folder] = {}
        level_labels: dict[int, dict[str, str]] = defaultdict(dict)
        for depth, label in self.g.tuples(
            "SELECT ?d ?l WHERE { ?x a etom:ProcessLevel ; xkos:depth ?d ; skos:prefLabel ?l }"
        ):
            _add_text(level_labels[int(depth.value)], label)

        def top_of(iri: str) -> str | None:
            """The level-0/1 element at the top of the parent chain, else the element's domain or area."""
            seen: set[str] = set()
            while iri in self.parent and iri not in seen:
                seen.add(iri)
                iri = self.parent[iri]
            if self.level.get(iri, 99) <= 1:
                return iri
            for fallback in (self.domain.get(iri), self.area.get(iri)):
                if fallback in self.notation:
                    return fallback
            return None

        business = Folder([("en", "Business")])
        groups = {iri: top_of(iri) for iri in self.ordered}
        for g in sorted({g for g in groups.values() if g}, key=lambda g: natural_key(self.notation[g])):
            labels = [(lang, f"{self.notation[g]} {text}") for lang, text in self._texts(self.names.get(g), "")]
            business.folder(g, labels, index)
        outside = pick_texts(_FOLDER_LABELS["outside"], self.langs)
        for iri in self.ordered:
            g = groups[iri]
            folder = business.folder(g or "outside", outside, index)
            if iri == g:
                folder.refs.append(self.elements[iri].identifier)
                continue
            depth = self.level[iri]
            labels = self._texts(level_labels.get(depth), f"Level {depth}")
            folder.folder(f"level {depth}", labels, index).refs.append(self.elements[iri].identifier)
        for folder in business.folders:  # levels in order, whatever order the elements came in
            folder.folders.sort(key=lambda f: natural_key(f.key))
        if infos:
            information = business.folder("information", pick_texts(_FOLDER_LABELS["information"], self.langs), index)
            information.refs += [self.elements[i].identifier for i in infos]
        application = Folder(
            pick_texts(_APPLICATION_FOLDER, self.langs), [self.elements[k].identifier for k in self.application]
        )
        other = Folder([("en", "Other")])
        for kind in ("verticals", "layers", "areas"):
            if groupings[kind]:
                other.folder(kind, pick_texts(_FOLDER_LABELS[kind], self.langs), index).refs += [
                    self.elements[key].identifier for key in groupings[kind]
                ]
        relations = Folder([("en", "Relations")])
        for rel in sorted(self.relationships, key=lambda r: _RELATIONSHIP_ORDER.index(r.type)):
            labels = pick_texts(_FOLDER_LABELS[rel.type], self.langs)
            relations.folder(rel.type, labels, index).refs.append(rel.identifier)
        folders = [business, application, other, relations]
        if views:
            folders.append(Folder([("en", "Views")], [v.identifier for v in views]))
        return [f for f in folders if f.refs or f.folders]


def _check_unique(model: ArchiModel) -> None:
    """Identifiers share one space in the exchange format; a duplicate is a bug, never a file."""
    seen: set[str] = set()
    ids = [c.identifier for c in (*model.elements, *model.relationships)]
    ids += [p.identifier for p in model.property_definitions] + [model.identifier]
    for view in model.views:
        ids.append(view.identifier)
        ids += [n.identifier for n in view.all_nodes()] + [c.identifier for c in view.connections]
    for identifier in ids:
        if identifier in seen:
            raise RuntimeError(f"duplicate identifier {identifier} in the ArchiMate model (please report)")
        seen.add(identifier)
