"""Geometry of the views: the eTOM map and one view per end-to-end flow.

Coordinates are absolute (the exchange format's convention, also for nested
nodes), integers, and every child lies inside its parent; siblings never
overlap. The functions take element identifiers already decided by the model,
so the layout is pure arithmetic and easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .ids import concept_id
from .model import Connection, Node, Texts, View

MARGIN = 20  # around the diagram
COL_W = 180  # one vertical column of the map
BOX_W, BOX_H = 160, 60  # a process box; Archi wraps the name inside
PAD = 10  # inside a container, around its children
TITLE_H = 30  # top strip of a container, where Archi writes its name
GAP = 10  # between boxes
HEADER_H = 45  # a vertical-grouping header
ROW_GAP = 15  # between domain rows
BAND_COLUMNS = 6  # boxes per line when a map has no vertical columns at all

STEP_LABEL_H = 20
HOP_W = 80  # horizontal room between two steps of a flow
OBJECT_W, OBJECT_H = 120, 55
_STEP_TEXT = {"en": "Step {n}", "zh": "第 {n} 步"}


@dataclass
class MapRow:
    """One row of the map: a domain element (or, with ``element`` None, a labelled group)."""

    element: str | None
    labels: Texts
    cells: list[tuple[str, int, int]] = field(default_factory=list)  # (element, first column, last column)
    band: list[str] = field(default_factory=list)  # elements in no vertical grouping


@dataclass
class AreaHeader:
    """An area above adjacent vertical columns (``element`` None: the columns have no area)."""

    element: str | None
    first: int
    last: int


@dataclass
class FlowHop:
    """From one step to the next: the Triggering relationship and, when a data flow leads on, its object."""

    triggering: str
    information: str | None = None
    write: str | None = None  # Access relationships (process → object)
    read: str | None = None


def _column_x(column: int) -> int:
    return MARGIN + PAD + column * COL_W


def _tracks(cells: list[tuple[str, int, int]]) -> list[tuple[str, int, int, int]]:
    """Stack the cells of a row: wider cells first, each on the first track whose columns are free.

    >>> _tracks([("a", 0, 0), ("b", 0, 2), ("c", 1, 1), ("d", 0, 0)])
    [('b', 0, 2, 0), ('a', 0, 0, 1), ('d', 0, 0, 2), ('c', 1, 1, 1)]
    """
    order = sorted(range(len(cells)), key=lambda i: (-(cells[i][2] - cells[i][1]), cells[i][1], i))
    used: list[set[int]] = []
    placed = []
    for i in order:
        element, first, last = cells[i]
        span = set(range(first, last + 1))
        track = next((t for t, taken in enumerate(used) if not taken & span), len(used))
        if track == len(used):
            used.append(set())
        used[track] |= span
        placed.append((element, first, last, track))
    return placed


def map_view(
    identifier: str,
    names: Texts,
    documentation: Texts,
    columns: list[str],
    headers: list[AreaHeader],
    rows: list[MapRow],
    band_labels: Texts,
) -> View:
    """The eTOM map: vertical headers (inside their areas) on top, then one row per domain."""
    view = View(identifier, names, documentation)
    n_columns = len(columns) or BAND_COLUMNS
    width = 2 * PAD + n_columns * COL_W

    def node_id(*parts: str) -> str:
        return concept_id("node", identifier, *parts)

    y = MARGIN
    if columns:
        with_area = any(h.element for h in headers)
        header_y = y + TITLE_H if with_area else y
        for header in headers:
            verticals = [
                Node(
                    node_id("column", columns[c]),
                    _column_x(c) + (COL_W - BOX_W) // 2,
                    header_y,
                    BOX_W,
                    HEADER_H,
                    element=columns[c],
                )
                for c in range(header.first, header.last + 1)
            ]
            if header.element:
                x = _column_x(header.first) + 3
                area = Node(
                    node_id("area", header.element),
                    x,
                    y,
                    (header.last - header.first + 1) * COL_W - 6,
                    TITLE_H + HEADER_H + PAD,
                    element=header.element,
                    children=verticals,
                )
                view.nodes.append(area)
            else:
                view.nodes.extend(verticals)
        y = header_y + HEADER_H + (PAD if with_area else 0) + ROW_GAP

    for row in rows:
        row_id = node_id("row", row.element or "no-parent")
        node = Node(row_id, MARGIN, y, width, 0, element=row.element, labels=[] if row.element else row.labels)
        content_y = y + TITLE_H
        bottom = content_y
        for element, first, last, track in _tracks(row.cells):
            top = content_y + track * (BOX_H + GAP)
            node.children.append(
                Node(
                    node_id("cell", element),
                    _column_x(first) + (COL_W - BOX_W) // 2,
                    top,
                    (last - first + 1) * COL_W - (COL_W - BOX_W),
                    BOX_H,
                    element=element,
                )
            )
            bottom = max(bottom, top + BOX_H + GAP)
        if row.band:
            lines = -(-len(row.band) // n_columns)
            band = Node(
                node_id("band", row.element or "no-parent"),
                MARGIN + PAD,
                bottom,
                n_columns * COL_W,
                TITLE_H + lines * (BOX_H + GAP),
                labels=band_labels,
            )
            for i, element in enumerate(row.band):
                band.children.append(
                    Node(
                        node_id("cell", element),
                        _column_x(i % n_columns) + (COL_W - BOX_W) // 2,
                        band.y + TITLE_H + (i // n_columns) * (BOX_H + GAP),
                        BOX_W,
                        BOX_H,
                        element=element,
                    )
                )
            node.children.append(band)
            bottom = band.bottom + GAP
        node.children.sort(key=lambda child: (child.y, child.x))  # reading order
        node.h = max(bottom - y, TITLE_H + GAP)
        view.nodes.append(node)
        y = node.bottom + ROW_GAP
    return view


def flow_view(
    identifier: str, names: Texts, documentation: Texts, steps: list[tuple[int, str]], hops: list[FlowHop]
) -> View:
    """An end-to-end flow left to right: numbered steps ``(number, element)``, Triggering between them,
    the objects passed below."""
    view = View(identifier, names, documentation)
    languages = [lang for lang, _ in names] or ["en"]
    step_nodes: list[Node] = []
    top = MARGIN + STEP_LABEL_H + 5
    for i, (number, element) in enumerate(steps):
        x = MARGIN + i * (BOX_W + HOP_W)
        labels = [(lang, _STEP_TEXT.get(lang, _STEP_TEXT["en"]).format(n=number)) for lang in languages]
        view.nodes.append(
            Node(
                concept_id("node", identifier, "label", str(i)),
                x,
                MARGIN,
                BOX_W,
                STEP_LABEL_H,
                labels=labels,
                note=True,
            )
        )
        node = Node(concept_id("node", identifier, "step", str(i)), x, top, BOX_W, BOX_H, element=element)
        view.nodes.append(node)
        step_nodes.append(node)
    for i, hop in enumerate(hops):
        source, target = step_nodes[i], step_nodes[i + 1]
        view.connections.append(
            Connection(
                concept_id("connection", identifier, hop.triggering, str(i)),
                hop.triggering,
                source.identifier,
                target.identifier,
            )
        )
        if hop.information is None:
            continue
        middle = source.right + HOP_W // 2
        obj = Node(
            concept_id("node", identifier, "object", str(i)),
            middle - OBJECT_W // 2,
            top + BOX_H + 60,
            OBJECT_W,
            OBJECT_H,
            element=hop.information,
        )
        view.nodes.append(obj)
        for rel, step in ((hop.write, source), (hop.read, target)):
            if rel:
                view.connections.append(
                    Connection(concept_id("connection", identifier, rel, str(i)), rel, step.identifier, obj.identifier)
                )
    return view
