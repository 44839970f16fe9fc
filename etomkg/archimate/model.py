"""The ArchiMate model an export writes: plain data, built from the graph by :mod:`.collect`.

Both writers (the exchange XML and the Archi CSV files) read this one model, so
the two formats always carry the same concepts, identifiers and properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: ``[(language, text)]`` in the order of the requested languages.
Texts = list[tuple[str, str]]


@dataclass
class Concept:
    identifier: str
    type: str  # the exchange format's xsi:type, e.g. BusinessFunction, Composition
    names: Texts = field(default_factory=list)
    documentation: Texts = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)  # (property key, value)


@dataclass
class Element(Concept):
    pass


@dataclass
class Relationship(Concept):
    source: str = ""
    target: str = ""
    access_type: str | None = None  # Access only: Read | Write (always written)


@dataclass
class Folder:
    """An organization item: a labelled folder holding concept or view references and sub-folders."""

    labels: Texts
    refs: list[str] = field(default_factory=list)
    folders: list[Folder] = field(default_factory=list)
    key: str = ""  # what the folder stands for (a domain IRI, "level 3" …), for ordering

    def folder(self, key: str, labels: Texts, index: dict[tuple[int, str], Folder]) -> Folder:
        """The sub-folder for ``key``, created on first use (``index`` keeps lookups cheap)."""
        found = index.get((id(self), key))
        if found is None:
            found = Folder(labels, key=key)
            self.folders.append(found)
            index[(id(self), key)] = found
        return found


@dataclass
class Node:
    """A view node: an element on a diagram (``element`` set), a labelled group, or a note (``note``)."""

    identifier: str
    x: int
    y: int
    w: int
    h: int
    element: str | None = None
    labels: Texts = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    note: bool = False

    @property
    def kind(self) -> str:
        """The exchange format's node type: Element, Container (an Archi group) or Label (an Archi note)."""
        if self.element:
            return "Element"
        return "Label" if self.note else "Container"

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


@dataclass
class Connection:
    identifier: str
    relationship: str
    source: str  # node identifiers
    target: str
    bendpoints: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class View:
    identifier: str
    names: Texts
    documentation: Texts = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)

    def all_nodes(self) -> list[Node]:
        found: list[Node] = []
        stack = list(reversed(self.nodes))
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.children))
        return found


@dataclass
class PropertyDefinition:
    identifier: str
    key: str
    type: str  # string | number | boolean


@dataclass
class ArchiModel:
    identifier: str
    names: Texts
    documentation: Texts
    properties: list[tuple[str, str]]
    metadata: dict[str, str]
    elements: list[Element]
    relationships: list[Relationship]
    organizations: list[Folder]
    property_definitions: list[PropertyDefinition]
    views: list[View]
    languages: list[str]

    def concept(self, identifier: str) -> Concept:
        for concept in (*self.elements, *self.relationships):
            if concept.identifier == identifier:
                return concept
        raise KeyError(identifier)
