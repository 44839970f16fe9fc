"""A process's data-flow neighbourhood, drawn like a data-flow context diagram.

The process sits in the middle; its producers (upstream) are to the left,
one column per hop, and its consumers (downstream) to the right. Every arrow
joins adjacent columns and passes through its label, which sits in the gap
between the columns, so labels never cover boxes. A process that both feeds
and is fed by the neighbourhood appears on both sides. Within a column,
processes are ordered by horizontal layer (customer at the top, resource
below, as on the eTOM map), then to sit near the processes they connect to.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..iris import natural_key
from .data import LAYER_ORDER, DiagramError, FlowInfo, ReleaseFlows
from .svg import (
    DASH,
    EDGE,
    MUTED,
    Box,
    Svg,
    box_height,
    box_lines,
    draw_label,
    draw_legend,
    draw_process,
    fmt,
    label_lines,
    label_size,
    legend_height,
)
from .text import text_width, wrap

BOX_WIDTH = 190.0
GAP = 240.0  # between columns: room for the arrow labels
LABEL_WRAP = 150.0
NODE_SEP = 16.0
LABEL_SEP = 8.0
PORT_SEP = 12.0  # vertical distance between arrows meeting one side of a box
MARGIN = 32.0
HEADER = 104.0  # title, subtitle, column headers

TEXT = {
    "en": {
        "title": "Data flows around {id} {name}",
        "subtitle": "eTOM release {release} · producers (upstream) on the left, consumers (downstream) on the right, "
        "{hops} · a process that both feeds and is fed by the neighbourhood appears on both sides",
        "hops": {1: "one hop", 2: "two hops"},
        "up": "{n} hop{s} upstream",
        "down": "{n} hop{s} downstream",
        "focus": "Process",
        "none": "no flows",
    },
    "zh": {
        "title": "{id} {name} 周边的数据流",
        "subtitle": "eTOM {release} 版 · 左侧为生产方（上游），右侧为消费方（下游），{hops} · 既向该范围输出又从中接收的流程会同时出现在两侧",
        "hops": {1: "一跳", 2: "两跳"},
        "up": "上游第 {n} 跳",
        "down": "下游第 {n} 跳",
        "focus": "本流程",
        "none": "没有数据流",
    },
}


@dataclass
class _Node:
    key: str  # unique instance key, e.g. "up2:1.5.9"
    identifier: str
    column: int
    side: str  # "upstream" | "focus" | "downstream"
    hops: int
    lines: list[str] = field(default_factory=list)
    box: Box | None = None


@dataclass
class _Edge:
    flow: FlowInfo
    source: _Node
    target: _Node
    lines: list[str] = field(default_factory=list)
    label: Box | None = None


def _levels(focus: str, flows: list[FlowInfo], hops: int, upstream: bool) -> list[set[str]]:
    """Processes by hop distance from the focus, against (upstream) or along the flows."""
    levels = [{focus}]
    seen = {focus}
    for _ in range(hops):
        frontier = set()
        for flow in flows:
            near, far = (flow.consumer, flow.producer) if upstream else (flow.producer, flow.consumer)
            if near in levels[-1] and far not in seen:
                frontier.add(far)
        if not frontier:
            break
        seen |= frontier
        levels.append(frontier)
    return levels


def neighbourhood_svg(data: ReleaseFlows, focus: str, hops: int = 2) -> str:
    """SVG of the flows within ``hops`` of ``focus`` in the release of ``data``."""
    if focus not in data.processes:
        raise DiagramError(
            f"process {focus} has no data flows in release {data.release}; "
            f"list the processes that have some with `etomkg flows --release {data.release}`"
        )
    text = TEXT[data.lang]
    up = _levels(focus, data.flows, hops, upstream=True)
    down = _levels(focus, data.flows, hops, upstream=False)
    left = len(up) - 1
    nodes: dict[str, _Node] = {"focus": _Node("focus", focus, left, "focus", 0)}
    for k in range(1, len(up)):
        for identifier in up[k]:
            nodes[f"up{k}:{identifier}"] = _Node(f"up{k}:{identifier}", identifier, left - k, "upstream", k)
    for k in range(1, len(down)):
        for identifier in down[k]:
            nodes[f"down{k}:{identifier}"] = _Node(f"down{k}:{identifier}", identifier, left + k, "downstream", k)

    def instance(side: str, k: int, identifier: str) -> _Node | None:
        return nodes["focus"] if k == 0 else nodes.get(f"{side}{k}:{identifier}")

    edges: list[_Edge] = []
    for flow in data.flows:
        for k in range(1, len(up)):
            source, target = instance("up", k, flow.producer), instance("up", k - 1, flow.consumer)
            if source and target and target.identifier == flow.consumer and flow.producer in up[k]:
                if k - 1 == 0 and flow.consumer != focus:
                    continue
                edges.append(_Edge(flow, source, target))
        for k in range(1, len(down)):
            source, target = instance("down", k - 1, flow.producer), instance("down", k, flow.consumer)
            if source and target and source.identifier == flow.producer and flow.consumer in down[k]:
                if k - 1 == 0 and flow.producer != focus:
                    continue
                edges.append(_Edge(flow, source, target))

    columns = _order_columns(nodes, edges, data, left + len(down))
    _place(columns, edges, data)
    return _render(data, focus, hops, columns, edges, text)


def _order_columns(nodes: dict[str, _Node], edges: list[_Edge], data: ReleaseFlows, count: int) -> list[list[_Node]]:
    columns: list[list[_Node]] = [[] for _ in range(count)]
    for node in nodes.values():
        columns[node.column].append(node)
    neighbours: dict[str, list[_Node]] = defaultdict(list)
    for edge in edges:
        neighbours[edge.source.key].append(edge.target)
        neighbours[edge.target.key].append(edge.source)
    focus_column = nodes["focus"].column

    def layer_rank(node: _Node) -> int:
        layer = data.processes[node.identifier].layer
        return LAYER_ORDER.index(layer) if layer in LAYER_ORDER else len(LAYER_ORDER)

    position: dict[str, float] = {"focus": 0.0}
    # Outwards from the focus: by layer, then by the mean position of the inner neighbours.
    for distance in range(1, count):
        for column in (focus_column - distance, focus_column + distance):
            if not 0 <= column < count:
                continue
            inner = column + 1 if column < focus_column else column - 1

            def barycentre(node: _Node, inner: int = inner) -> float:
                near = [position[n.key] for n in neighbours[node.key] if n.column == inner and n.key in position]
                return sum(near) / len(near) if near else 0.0

            columns[column].sort(key=lambda n: (layer_rank(n), barycentre(n), natural_key(n.identifier)))
            for i, node in enumerate(columns[column]):
                position[node.key] = float(i)
    return columns


def _spread(items: list[tuple[float, float]], sep: float) -> list[float]:
    """Tops for boxes of given (desired centre, height), kept in order, ``sep`` apart, centred on the wishes."""
    tops, bottom = [], None
    for centre, height in items:
        top = centre - height / 2
        if bottom is not None and top < bottom + sep:
            top = bottom + sep
        tops.append(top)
        bottom = top + height
    if not items:
        return tops
    shift = sum(c - (t + h / 2) for (c, h), t in zip(items, tops, strict=True)) / len(items)
    return [t + shift for t in tops]


def _place(columns: list[list[_Node]], edges: list[_Edge], data: ReleaseFlows) -> None:
    focus_column = next(i for i, col in enumerate(columns) if any(n.side == "focus" for n in col))
    arrows: dict[tuple[str, str], int] = defaultdict(int)
    for edge in edges:
        arrows[(edge.source.key, "out")] += 1
        arrows[(edge.target.key, "in")] += 1
    heights: dict[str, float] = {}
    for column in columns:
        for node in column:
            info = data.processes[node.identifier]
            node.lines = box_lines(node.identifier, info.name, BOX_WIDTH)
            # Tall enough for its text and for the arrows on its busiest side to stay apart.
            busiest = max(arrows[(node.key, "out")], arrows[(node.key, "in")])
            heights[node.key] = max(box_height(node.lines), PORT_SEP * (busiest + 1))

    def x_of(column: int) -> float:
        return MARGIN + column * (BOX_WIDTH + GAP)

    focus = columns[focus_column][0]
    focus.box = Box(x_of(focus_column), -heights["focus"] / 2, BOX_WIDTH, heights["focus"])
    neighbours: dict[str, list[_Node]] = defaultdict(list)
    for edge in edges:
        neighbours[edge.source.key].append(edge.target)
        neighbours[edge.target.key].append(edge.source)
    for distance in range(1, len(columns)):
        for column in (focus_column - distance, focus_column + distance):
            if not 0 <= column < len(columns):
                continue
            inner = column + 1 if column < focus_column else column - 1
            wishes = []
            for node in columns[column]:
                near = [n.box.cy for n in neighbours[node.key] if n.column == inner and n.box is not None]
                wishes.append((sum(near) / len(near) if near else 0.0, heights[node.key]))
            for node, top, (_, height) in zip(columns[column], _spread(wishes, NODE_SEP), wishes, strict=True):
                node.box = Box(x_of(column), top, BOX_WIDTH, height)

    # Labels: one per edge, in the gap its arrow crosses, near the middle of its two ends.
    by_gap: dict[int, list[_Edge]] = defaultdict(list)
    for edge in edges:
        edge.lines = label_lines(edge.flow.information, LABEL_WRAP)
        by_gap[min(edge.source.column, edge.target.column)].append(edge)
    for gap, group in by_gap.items():
        group.sort(
            key=lambda e: (
                (e.source.box.cy + e.target.box.cy) / 2,
                e.source.box.cy,
                e.target.box.cy,
                e.flow.information,
            )
        )
        sizes = [label_size(e.lines) for e in group]
        wishes = [((e.source.box.cy + e.target.box.cy) / 2, h) for e, (_, h) in zip(group, sizes, strict=True)]
        centre = x_of(gap) + BOX_WIDTH + GAP / 2
        for edge, top, (width, height) in zip(group, _spread(wishes, LABEL_SEP), sizes, strict=True):
            edge.label = Box(centre - width / 2, top, width, height)


def _ports(edges: list[_Edge]) -> dict[tuple[int, str], float]:
    """Where each arrow leaves and enters its boxes: spread along the side, in the order of the labels."""
    sides: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
    for i, edge in enumerate(edges):
        sides[(edge.source.key, "out")].append((edge.label.cy, i))
        sides[(edge.target.key, "in")].append((edge.label.cy, i))
    ports: dict[tuple[int, str], float] = {}
    for (_, direction), items in sides.items():
        edge = edges[items[0][1]]
        box = (edge.source if direction == "out" else edge.target).box
        items.sort()
        # Centred on the box, PORT_SEP apart (the box is tall enough for them all).
        first = box.cy - PORT_SEP * (len(items) - 1) / 2
        for n, (_, i) in enumerate(items):
            ports[(i, direction)] = first + PORT_SEP * n
    return ports


def _render(data: ReleaseFlows, focus: str, hops: int, columns, edges: list[_Edge], text: dict) -> str:
    boxes = [n.box for col in columns for n in col] + [e.label for e in edges]
    top = min(b.y for b in boxes)
    bottom = max(b.bottom for b in boxes)
    dy = HEADER - top
    for col in columns:
        for node in col:
            node.box = Box(node.box.x, node.box.y + dy, node.box.width, node.box.height)
    for edge in edges:
        edge.label = Box(edge.label.x, edge.label.y + dy, edge.label.width, edge.label.height)
    content_bottom = bottom + dy
    info = data.processes[focus]
    title = text["title"].format(id=focus, name=info.name)
    subtitle = text["subtitle"].format(release=data.release, hops=text["hops"][hops])
    width = MARGIN * 2 + len(columns) * BOX_WIDTH + (len(columns) - 1) * GAP
    sub_lines = wrap(subtitle, width - 2 * MARGIN, 12.0)

    svg = Svg(data.lang)
    svg.text(MARGIN, 34, [title], size=20.0, line=24.0, weight="bold", cls="title")
    svg.text(MARGIN, 56, sub_lines[:2], size=12.0, line=15.0, fill=MUTED, cls="subtitle")
    focus_column = next(i for i, col in enumerate(columns) if any(n.side == "focus" for n in col))
    for i in range(len(columns)):
        distance = abs(i - focus_column)
        plural = "" if distance == 1 else "s"
        header = (
            text["focus"] if distance == 0 else text["up" if i < focus_column else "down"].format(n=distance, s=plural)
        )
        x = MARGIN + i * (BOX_WIDTH + GAP) + BOX_WIDTH / 2
        svg.text(x, HEADER - 14, [header], size=12.0, line=14.0, anchor="middle", fill=MUTED, cls="column-header")

    ports = _ports(edges)
    svg.open("g", cls="edges")
    for i, edge in enumerate(edges):
        forward = edge.source.column < edge.target.column
        x1 = edge.source.box.right if forward else edge.source.box.x
        x2 = edge.target.box.x if forward else edge.target.box.right
        y1, y2 = ports[(i, "out")], ports[(i, "in")]
        lx0, lx1, ly = edge.label.x, edge.label.right, edge.label.cy
        if not forward:
            lx0, lx1 = lx1, lx0
        k1, k2 = (lx0 - x1) * 0.6, (x2 - lx1) * 0.6
        d = (
            f"M{fmt(x1)},{fmt(y1)} C{fmt(x1 + k1)},{fmt(y1)} {fmt(lx0 - k1)},{fmt(ly)} {fmt(lx0)},{fmt(ly)} "
            f"L{fmt(lx1)},{fmt(ly)} C{fmt(lx1 + k2)},{fmt(ly)} {fmt(x2 - k2)},{fmt(y2)} {fmt(x2)},{fmt(y2)}"
        )
        flow = edge.flow
        svg.open(
            "g",
            cls="edge",
            data_flow=flow.key,
            data_producer=flow.producer,
            data_consumer=flow.consumer,
            data_information=flow.information,
            data_inferred="true" if flow.inferred else "false",
        )
        svg.title(f"{flow.information}: {flow.producer} → {flow.consumer}. {flow.evidence}")
        svg.element(
            "path",
            d=d,
            fill="none",
            stroke=EDGE,
            stroke_width="1.4",
            stroke_dasharray=DASH if flow.inferred else None,
            marker_end="url(#arrow)",
        )
        draw_label(svg, edge.label, edge.lines)
        svg.close("g")
    svg.close("g")

    svg.open("g", cls="nodes")
    for col in columns:
        for node in col:
            proc = data.processes[node.identifier]
            draw_process(
                svg,
                node.box,
                node.identifier,
                node.lines,
                proc.layer,
                focus=node.side == "focus",
                attrs={"data_id": node.identifier, "data_side": node.side, "data_hops": str(node.hops)},
                tooltip=f"{node.identifier} {proc.name}" + (f" — {proc.layer_name}" if proc.layer_name else ""),
            )
    svg.close("g")

    layers = sorted(
        {(p.layer, p.layer_name or "") for p in data.processes.values() if p.layer},
        key=lambda item: LAYER_ORDER.index(item[0]) if item[0] in LAYER_ORDER else 9,
    )
    legend_y = content_bottom + 30
    used = draw_legend(svg, MARGIN, legend_y, data.lang, layers)
    width = max(width, used + 2 * MARGIN, text_width(title, 20.0, bold=True) + 2 * MARGIN)
    height = legend_y + legend_height()
    description = f"{title}. {subtitle}."
    return svg.render(width, height, title, description)
