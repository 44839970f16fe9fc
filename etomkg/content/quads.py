"""The small vocabulary for writing quads: a writer bound to one named graph, and term builders.

:mod:`.render` (processes, releases, the framework) and :mod:`.flows` (data flows, information
entities) both write with it; neither imports the other's internals.

>>> w = QuadWriter("https://example.org/g")
>>> w.add("https://example.org/s", TYPE, etom("Process"))
>>> w.add("https://example.org/s", "https://example.org/level", integer(2))
>>> [str(q.object) for q in w.quads]
['<https://w3id.org/etomkg/ontology#Process>', '"2"^^<http://www.w3.org/2001/XMLSchema#integer>']
"""

from __future__ import annotations

import pyoxigraph as ox

from ..iris import ETOM, RDF, RDFS, XSD

TYPE = ox.NamedNode(RDF + "type")
_INT = ox.NamedNode(XSD + "integer")
_BOOL = ox.NamedNode(XSD + "boolean")


def node(iri: str) -> ox.NamedNode:
    """A named node."""
    return ox.NamedNode(iri)


def etom(local: str) -> ox.NamedNode:
    """A term of the etomkg ontology, by its local name."""
    return ox.NamedNode(ETOM + local)


def lit(value: str, lang: str | None = None) -> ox.Literal:
    """A plain literal, language-tagged when ``lang`` is given."""
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def integer(value: int) -> ox.Literal:
    """An ``xsd:integer`` literal."""
    return ox.Literal(str(value), datatype=_INT)


def boolean(value: bool) -> ox.Literal:
    """An ``xsd:boolean`` literal."""
    return ox.Literal("true" if value else "false", datatype=_BOOL)


def zh_label(labels: dict[str, str], name: str) -> str | None:
    """The Chinese label for an English name, tolerating ``and``/``&`` spelling differences of older listings."""
    return labels.get(name) or labels.get(name.replace(" and ", " & "))


class QuadWriter:
    """Collects quads in one named graph."""

    def __init__(self, graph: str) -> None:
        self.graph = ox.NamedNode(graph)
        self.quads: list[ox.Quad] = []

    def add(self, s: str, p: str | ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        pred = p if isinstance(p, ox.NamedNode) else ox.NamedNode(p)
        self.quads.append(ox.Quad(ox.NamedNode(s), pred, o, self.graph))


def anomaly(w: QuadWriter, iris, subject: str, found, index: int) -> None:
    """Record ``found`` (a :class:`~etomkg.content.model.Anomaly`) as the ``index``-th anomaly of ``subject``."""
    iri = iris.anomaly(subject, found.kind, index)
    w.add(subject, etom("hasAnomaly").value, node(iri))
    w.add(iri, TYPE, etom("Anomaly"))
    w.add(iri, etom("anomalyKind").value, etom(found.kind))
    w.add(iri, RDFS + "comment", lit(found.comment, "en"))
    if found.raw is not None:
        w.add(iri, etom("rawValue").value, lit(found.raw))
