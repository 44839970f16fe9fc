"""A read-only, in-memory table of the process elements of each release, for drawing and searching.

Maps, search and comparisons need the same few facts about thousands of
processes (identifier, level, names, parent, layer, verticals). Reading them
once per release straight from the store's quad index is far faster than a
SPARQL query per page, and the table is shared by every caller of the same
``KnowledgeGraph``.

For example::

    import etomkg
    catalog = Catalog.of(etomkg.open())
    element = catalog.release("26.0")["1.3.4"]
    element.label("zh"), element.verticals
    # -> ('客户关系管理', ('Fulfillment', 'Assurance', 'Billing'))
    [child.identifier for child in catalog.release("26.0").children("1.3")][:3]
    # -> ['1.3.1', '1.3.2', '1.3.3']
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

import pyoxigraph as ox

from .iris import ETOM, RDF, SKOS, natural_key
from .store import KnowledgeGraph

LANGUAGES: tuple[str, ...] = ("en", "zh")

#: Column order of the verticals on TM Forum's poster, left to right: strategy to readiness, then operations.
VERTICAL_ORDER: dict[str, tuple[str, ...]] = {
    "classic": (
        "Strategy & Commit",
        "Infrastructure Lifecycle Management",
        "Product Lifecycle Management",
        "Operations Support & Readiness",
        "Fulfillment",
        "Assurance",
        "Billing",
    ),
    "current": (
        "Strategy Management",
        "Capability Management",
        "Business Value Development",
        "Operations Readiness & Support",
        "Fulfillment",
        "Assurance",
        "Billing",
    ),
}
#: The current verticals took over the classic columns one for one (release 15 renamed the first four).
VERTICAL_COUNTERPART: dict[str, str] = {
    **dict(zip(VERTICAL_ORDER["classic"], VERTICAL_ORDER["current"], strict=True)),
    **dict(zip(VERTICAL_ORDER["current"], VERTICAL_ORDER["classic"], strict=True)),
}
#: Rows of the classic map, top to bottom.
LAYER_ORDER: tuple[str, ...] = ("market-product-customer", "service", "resource", "supplier-partner")

_TYPE = ox.NamedNode(RDF + "type")
_PROCESS = ox.NamedNode(ETOM + "ProcessElement")
_NOTATION = ox.NamedNode(SKOS + "notation")
_PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
_LEVEL = ox.NamedNode(ETOM + "level")
_PARENT = ox.NamedNode(ETOM + "parent")
_LAYER = ox.NamedNode(ETOM + "layer")
_VERTICAL = ox.NamedNode(ETOM + "vertical")
_AREA = ox.NamedNode(ETOM + "area")
_COUNTERPART = ox.NamedNode(ETOM + "classicCounterpart")
_IN_SCHEME = ox.NamedNode(SKOS + "inScheme")
_VERTICAL_GROUPING = ox.NamedNode(ETOM + "VerticalGrouping")
_LAYER_CLASS = ox.NamedNode(ETOM + "HorizontalLayer")


def _labels(store: ox.Store, subject: ox.NamedNode, graph: ox.NamedNode | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for quad in store.quads_for_pattern(subject, _PREF_LABEL, None, graph):
        lang = quad.object.language or ""
        if lang not in found or quad.object.value < found[lang]:  # several labels: keep one, deterministically
            found[lang] = quad.object.value
    return found


def pick_label(labels: dict[str, str] | MappingProxyType, lang: str, fallback: str = "") -> str:
    """The label in ``lang``, else English, else any, else ``fallback``."""
    return labels.get(lang) or labels.get("en") or next(iter(sorted(labels.values())), fallback)


@dataclass(frozen=True)
class Element:
    """One process element of one release, with what maps and search need."""

    release: str
    identifier: str
    level: int
    labels: MappingProxyType  # language tag -> name
    parent: str | None = None
    layer: str | None = None  # key of an etom:HorizontalLayer
    verticals: tuple[str, ...] = ()  # notations of the verticals, in poster order
    counterpart: str | None = None  # identifier of the classic counterpart
    area: str | None = None  # identifier of the classic process area

    def label(self, lang: str = "en") -> str:
        return pick_label(self.labels, lang, self.identifier)

    @cached_property
    def sort_key(self) -> tuple:
        return natural_key(self.identifier)


@dataclass(frozen=True)
class Grouping:
    """A vertical grouping, a horizontal layer or a classic process area: a named part of the map."""

    key: str
    labels: MappingProxyType
    scheme: str = ""  # verticals: "classic" | "current"
    area: str | None = None  # verticals: identifier of the classic area they belong to

    def label(self, lang: str = "en") -> str:
        return pick_label(self.labels, lang, self.key)


@dataclass
class ReleaseTable:
    """The process elements of one release by identifier, with children lists in natural order."""

    release: str
    elements: dict[str, Element]
    _children: dict[str | None, list[Element]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for element in sorted(self.elements.values(), key=lambda e: e.sort_key):
            parent = element.parent if element.parent in self.elements else None
            self._children.setdefault(parent, []).append(element)

    def __getitem__(self, identifier: str) -> Element:
        return self.elements[identifier]

    def __contains__(self, identifier: object) -> bool:
        return identifier in self.elements

    def __iter__(self) -> Iterator[Element]:
        return iter(sorted(self.elements.values(), key=lambda e: e.sort_key))

    def __len__(self) -> int:
        return len(self.elements)

    def get(self, identifier: str) -> Element | None:
        return self.elements.get(identifier)

    def children(self, identifier: str | None) -> list[Element]:
        """Children in natural order; ``None`` gives the top elements (no parent in this release)."""
        return list(self._children.get(identifier, []))

    def ancestors(self, identifier: str) -> list[Element]:
        """From the top element down to the parent of ``identifier``."""
        chain: list[Element] = []
        current = self.elements.get(identifier)
        while current is not None and current.parent in self.elements and len(chain) < 12:
            current = self.elements[current.parent]
            chain.append(current)
        return chain[::-1]

    def at_level(self, level: int) -> list[Element]:
        return [e for e in self if e.level == level]


class Catalog:
    """Process elements of every release and the framework's groupings, read once per knowledge graph."""

    _instances: weakref.WeakKeyDictionary[KnowledgeGraph, Catalog] = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._tables: dict[str, ReleaseTable] = {}
        self._table_lock = threading.Lock()
        self.verticals, self.layers = self._groupings()
        self._vertical_names = {kg.iris.vertical(scheme, name): name for scheme, name in self.verticals}

    @classmethod
    def of(cls, kg: KnowledgeGraph) -> Catalog:
        """The catalog of ``kg``, built on first use and shared afterwards."""
        with cls._lock:
            catalog = cls._instances.get(kg)
            if catalog is None:
                catalog = cls._instances[kg] = cls(kg)
            return catalog

    @property
    def releases(self) -> list[str]:
        return self.kg.releases

    def release(self, release: str) -> ReleaseTable:
        """The table of one release (raises ``UnknownReleaseError`` for a release the store lacks)."""
        with self._table_lock:
            if release not in self._tables:
                self._tables[release] = self._read_release(self.kg.check_release(release))
            return self._tables[release]

    def areas(self) -> dict[str, Grouping]:
        """The classic process areas (1.1 Operations, 1.2 SIP, 1.3 Enterprise Management) with their names."""
        if "classic" not in self.releases:
            return {}
        table = self.release("classic")
        return {e.identifier: Grouping(e.identifier, e.labels) for e in table if e.level == 0}

    def vertical(self, scheme: str, name: str) -> Grouping | None:
        return self.verticals.get((scheme, name))

    def _graph_store(self, graph: ox.NamedNode) -> ox.Store:
        """Where to read one graph quad by quad: the embedded store, or, for a graph in a remote SPARQL
        store (``--backend``), an in-memory copy of that one graph, fetched with a single request."""
        if not self.kg.remote:
            return self.kg.store
        copy = ox.Store()
        copy.load(self.kg.backend.graph_nquads(graph.value), format=ox.RdfFormat.N_QUADS)
        return copy

    def _groupings(self) -> tuple[dict[tuple[str, str], Grouping], dict[str, Grouping]]:
        graph = ox.NamedNode(self.kg.iris.framework_graph)
        store = self._graph_store(graph)
        scheme_prefix = self.kg.iris.vertical_scheme("")
        verticals: dict[tuple[str, str], Grouping] = {}
        for quad in store.quads_for_pattern(None, _TYPE, _VERTICAL_GROUPING, graph):
            subject = quad.subject
            name = next(store.quads_for_pattern(subject, _NOTATION, None, graph)).object.value
            scheme_iri = next(store.quads_for_pattern(subject, _IN_SCHEME, None, graph)).object.value
            scheme = scheme_iri.removeprefix(scheme_prefix)
            areas = [q.object.value.rsplit("/", 1)[-1] for q in store.quads_for_pattern(subject, _AREA, None, graph)]
            labels = MappingProxyType(_labels(store, subject, graph))
            verticals[(scheme, name)] = Grouping(name, labels, scheme, areas[0] if areas else None)
        layers: dict[str, Grouping] = {}
        for quad in store.quads_for_pattern(None, _TYPE, _LAYER_CLASS, graph):
            key = next(store.quads_for_pattern(quad.subject, _NOTATION, None, graph)).object.value
            layers[key] = Grouping(key, MappingProxyType(_labels(store, quad.subject, graph)))
        return verticals, layers

    def _read_release(self, release: str) -> ReleaseTable:
        graph = ox.NamedNode(self.kg.iris.graph(release))
        store = self._graph_store(graph)
        subjects = {q.subject for q in store.quads_for_pattern(None, _TYPE, _PROCESS, graph)}
        process_prefix = self.kg.iris.process(release, "")

        def values(predicate: ox.NamedNode) -> dict[ox.NamedNode, list]:
            found: dict[ox.NamedNode, list] = {}
            for quad in store.quads_for_pattern(None, predicate, None, graph):
                if quad.subject in subjects:
                    found.setdefault(quad.subject, []).append(quad.object)
            return found

        notations, levels, parents = values(_NOTATION), values(_LEVEL), values(_PARENT)
        layers, verticals, counterparts, areas = values(_LAYER), values(_VERTICAL), values(_COUNTERPART), values(_AREA)
        labels: dict[ox.NamedNode, dict[str, str]] = {}
        for quad in store.quads_for_pattern(None, _PREF_LABEL, None, graph):
            if quad.subject in subjects:
                lang = quad.object.language or ""
                current = labels.setdefault(quad.subject, {})
                if lang not in current or quad.object.value < current[lang]:
                    current[lang] = quad.object.value
        vertical_rank = {name: i for order in VERTICAL_ORDER.values() for i, name in enumerate(order)}

        def tail(node) -> str:
            return node.value.rsplit("/", 1)[-1]

        elements: dict[str, Element] = {}
        for subject in subjects:
            if subject not in notations or subject not in levels:
                continue
            identifier = sorted(n.value for n in notations[subject])[0]
            parent = parents.get(subject, [None])[0]
            vertical_names = {
                self._vertical_names[node.value]
                for node in verticals.get(subject, [])
                if node.value in self._vertical_names
            }
            elements[identifier] = Element(
                release=release,
                identifier=identifier,
                level=int(levels[subject][0].value),
                labels=MappingProxyType(labels.get(subject, {})),
                parent=parent.value.removeprefix(process_prefix) if parent is not None else None,
                layer=tail(layers[subject][0]) if subject in layers else None,
                verticals=tuple(sorted(vertical_names, key=lambda n: (vertical_rank.get(n, 99), n))),
                counterpart=tail(counterparts[subject][0]) if subject in counterparts else None,
                area=tail(areas[subject][0]) if subject in areas else None,
            )
        return ReleaseTable(release, elements)
