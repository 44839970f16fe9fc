"""An end-to-end flow as a swimlane diagram.

Steps run left to right, one column each; every process box sits in the lane
of its horizontal layer (or domain). The arrow from one step to the next
leaves the box to the right, turns at the far end of the gap into the lane of
the next step, and carries the label of the information above its first
stretch, inside the gap, so labels never cover boxes.
"""

from __future__ import annotations

from .data import LAYER_ORDER, E2EInfo, ReleaseFlows
from .svg import (
    DASH,
    EDGE,
    INK,
    LAYER_COLOURS,
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
from .text import text_width, wrap, wrap_label

BOX_WIDTH = 170.0
GAP = 170.0
LANE_HEADER = 170.0
START_SLOT = 64.0  # room left of the first box of a band: the start event or a connector
CONNECTOR_R = 12.0
MAX_PER_BAND = 6
BAND_GAP = 28.0
LANE_PAD = 30.0
MARGIN = 32.0
HEADER = 92.0
TURN = 18.0  # the arrow turns this far before the next box
RADIUS = 8.0

TEXT = {
    "en": {
        "title": "{name}: end-to-end flow",
        "subtitle": "eTOM release {release} · starts with: {trigger} · lanes: {lanes}",
        "lanes": {"layer": "horizontal layers", "domain": "domains"},
        "other": "Other",
    },
    "zh": {
        "title": "{name}：端到端流程",
        "subtitle": "eTOM {release} 版 · 触发事件：{trigger} · 泳道：{lanes}",
        "lanes": {"layer": "横向层", "domain": "域"},
        "other": "其他",
    },
}


def _bands(count: int) -> list[range]:
    """Steps split into bands of at most MAX_PER_BAND, as even as possible (11 → 6 + 5)."""
    n = -(-count // MAX_PER_BAND)
    size, extra = divmod(count, n)
    bands, start = [], 0
    for b in range(n):
        stop = start + size + (1 if b < extra else 0)
        bands.append(range(start, stop))
        start = stop
    return bands


def e2e_svg(data: ReleaseFlows, flow: E2EInfo, lanes: str = "layer", layer_names: dict[str, str] | None = None) -> str:
    """SVG of one end-to-end flow with swimlanes by ``lanes`` ("layer" or "domain").

    Long flows wrap into bands of at most MAX_PER_BAND steps, joined by lettered
    connectors; a start event opens the flow and an end event closes it.
    """
    text = TEXT[data.lang]
    layer_names = layer_names or {}
    flows = {f.key: f for f in data.flows}

    def lane_of(identifier: str) -> tuple[tuple, str, str | None]:
        info = data.processes[identifier]
        if lanes == "layer":
            name = layer_names.get(info.layer) or info.layer_name or text["other"]
            return data.lane_order(identifier, "layer"), name, info.layer
        return data.lane_order(identifier, "domain"), f"{info.domain} {info.domain_name}", info.layer

    lane_keys = sorted({lane_of(step[1]) for step in flow.steps}, key=lambda item: (item[0], item[1]))
    names = {step[1]: data.processes[step[1]].name for step in flow.steps}
    lines = {identifier: box_lines(identifier, name, BOX_WIDTH) for identifier, name in names.items()}
    height = max(box_height(item) for item in lines.values())
    lane_height = height + 2 * LANE_PAD
    bands = _bands(len(flow.steps))
    per_band = max(len(b) for b in bands)
    left = MARGIN + LANE_HEADER + START_SLOT
    width = left + per_band * BOX_WIDTH + (per_band - 1) * GAP + GAP + MARGIN

    # Each band shows the lanes its steps use, in the order of the whole flow.
    band_lanes: list[list[tuple]] = []
    band_tops: list[float] = []
    top = HEADER
    for band in bands:
        used = {lane_of(flow.steps[i][1])[1] for i in band}
        band_lanes.append([item for item in lane_keys if item[1] in used])
        band_tops.append(top)
        top += len(band_lanes[-1]) * lane_height + BAND_GAP
    content_bottom = top - BAND_GAP

    boxes: list[Box] = []
    band_of: list[int] = []
    for b, band in enumerate(bands):
        rows = {item[1]: n for n, item in enumerate(band_lanes[b])}
        for j, i in enumerate(band):
            row = rows[lane_of(flow.steps[i][1])[1]]
            x = left + j * (BOX_WIDTH + GAP)
            boxes.append(Box(x, band_tops[b] + row * lane_height + LANE_PAD, BOX_WIDTH, height))
            band_of.append(b)

    svg = Svg(data.lang)
    title = text["title"].format(name=flow.name)
    subtitle = text["subtitle"].format(release=data.release, trigger=flow.trigger, lanes=text["lanes"][lanes])
    svg.text(MARGIN, 34, [title], size=20.0, line=24.0, weight="bold", cls="title")
    svg.text(MARGIN, 58, wrap(subtitle, width - 2 * MARGIN, 12.0)[:2], size=12.0, line=15.0, fill=MUTED, cls="subtitle")

    svg.open("g", cls="lanes")
    for b in range(len(bands)):
        for i, (_, name, layer) in enumerate(band_lanes[b]):
            top = band_tops[b] + i * lane_height
            fill, stroke = LAYER_COLOURS.get(layer, LAYER_COLOURS[None])
            svg.element(
                "rect",
                cls="lane",
                x=fmt(MARGIN),
                y=fmt(top),
                width=fmt(width - 2 * MARGIN),
                height=fmt(lane_height),
                fill="#f8fafc" if i % 2 == 0 else "#ffffff",
                stroke="#cbd5e1",
                stroke_width="1",
                data_lane=name,
            )
            svg.element(
                "rect",
                cls="lane-header",
                x=fmt(MARGIN),
                y=fmt(top),
                width=fmt(LANE_HEADER),
                height=fmt(lane_height),
                fill=fill,
                stroke=stroke,
                stroke_width="1",
            )
            name_lines = wrap_label(name, LANE_HEADER - 20, 13.0 * 1.09)
            first = top + lane_height / 2 - (len(name_lines) - 1) * 8 + 4.5
            svg.text(MARGIN + 10, first, name_lines, size=13.0, line=16.0, weight="bold", fill=INK, cls="lane-name")
    svg.close("g")

    svg.open("g", cls="edges")
    letters = iter("ABCDEFGHIJ")
    for i, (number, _, flow_key, information) in enumerate(flow.steps[:-1]):
        source, target = boxes[i], boxes[i + 1]
        info = flows[flow_key]
        label = label_lines(information or info.information, GAP - TURN - 24)
        x1, y1 = source.right, source.cy
        if band_of[i] == band_of[i + 1]:
            d = _route(x1, y1, target.x, target.cy)
            end = target.x - TURN
            connector = None
        else:  # to a lettered connector here, and from the same letter into the next band
            connector = next(letters)
            cx = source.right + GAP - TURN
            d = f"M{fmt(x1)},{fmt(y1)} H{fmt(cx - CONNECTOR_R)}"
            end = cx - CONNECTOR_R
        lw, lh = label_size(label)
        label_box = Box((x1 + end) / 2 - lw / 2, y1 - 4 - lh, lw, lh)
        svg.open(
            "g",
            cls="edge",
            data_flow=flow_key,
            data_producer=info.producer,
            data_consumer=info.consumer,
            data_information=information or info.information,
            data_inferred="true" if info.inferred else "false",
            data_from_step=str(number),
            data_to_step=str(number + 1),
        )
        svg.title(f"{info.information}: {info.producer} → {info.consumer}. {info.evidence}")
        _arrow(svg, d, info.inferred)
        if connector:
            _connector(svg, source.right + GAP - TURN, y1, connector)
            start_x = target.x - START_SLOT + CONNECTOR_R + 4
            _connector(svg, start_x, target.cy, connector)
            _arrow(svg, f"M{fmt(start_x + CONNECTOR_R)},{fmt(target.cy)} H{fmt(target.x)}", info.inferred)
        draw_label(svg, label_box, label)
        svg.close("g")
    first, last = boxes[0], boxes[-1]
    start_x = first.x - START_SLOT + CONNECTOR_R + 4
    svg.open("g", cls="event start")
    svg.title(flow.trigger)
    svg.element(
        "circle", cx=fmt(start_x), cy=fmt(first.cy), r=fmt(CONNECTOR_R), fill="#ffffff", stroke=INK, stroke_width="1.5"
    )
    _arrow(svg, f"M{fmt(start_x + CONNECTOR_R)},{fmt(first.cy)} H{fmt(first.x)}", False)
    svg.close("g")
    svg.open("g", cls="event end")
    end_x = last.right + 44
    _arrow(svg, f"M{fmt(last.right)},{fmt(last.cy)} H{fmt(end_x - CONNECTOR_R)}", False)
    svg.element(
        "circle", cx=fmt(end_x), cy=fmt(last.cy), r=fmt(CONNECTOR_R), fill="#ffffff", stroke=INK, stroke_width="3.5"
    )
    svg.close("g")
    svg.close("g")

    svg.open("g", cls="nodes")
    for box, (number, process, _, _) in zip(boxes, flow.steps, strict=True):
        proc = data.processes[process]
        draw_process(
            svg,
            box,
            process,
            lines[process],
            proc.layer,
            attrs={"data_id": process, "data_step": str(number)},
            tooltip=f"{number}. {process} {proc.name}",
        )
        # The step number in a badge on the box's top-left corner.
        svg.element("circle", cls="step", cx=fmt(box.x), cy=fmt(box.y), r="11", fill=INK)
        svg.text(box.x, box.y + 4, [str(number)], size=11.0, line=13.0, anchor="middle", weight="bold", fill="#ffffff")
    svg.close("g")

    layers = sorted(
        {(data.processes[s[1]].layer, layer_names.get(data.processes[s[1]].layer, "")) for s in flow.steps},
        key=lambda item: LAYER_ORDER.index(item[0]) if item[0] in LAYER_ORDER else 9,
    )
    legend_y = content_bottom + 28
    used = draw_legend(svg, MARGIN, legend_y, data.lang, [item for item in layers if item[0]])
    width = max(width, used + 2 * MARGIN, text_width(title, 20.0, bold=True) + 2 * MARGIN)
    description = f"{title}. {subtitle}. " + "; ".join(f"{n}. {p} {names[p]}" for n, p, _, _ in flow.steps)
    return svg.render(width, legend_y + legend_height(), title, description)


def _route(x1: float, y1: float, x2: float, y2: float) -> str:
    """Right from the source, down or up just before the target, then into it (rounded corners)."""
    if abs(y1 - y2) < 0.5:
        return f"M{fmt(x1)},{fmt(y1)} H{fmt(x2)}"
    turn = x2 - TURN
    down = 1 if y2 > y1 else -1
    return (
        f"M{fmt(x1)},{fmt(y1)} H{fmt(turn - RADIUS)} "
        f"Q{fmt(turn)},{fmt(y1)} {fmt(turn)},{fmt(y1 + down * RADIUS)} "
        f"V{fmt(y2 - down * RADIUS)} Q{fmt(turn)},{fmt(y2)} {fmt(turn + RADIUS)},{fmt(y2)} H{fmt(x2)}"
    )


def _arrow(svg: Svg, d: str, inferred: bool) -> None:
    svg.element(
        "path",
        d=d,
        fill="none",
        stroke=EDGE,
        stroke_width="1.5",
        stroke_dasharray=DASH if inferred else None,
        marker_end="url(#arrow)",
    )


def _connector(svg: Svg, cx: float, cy: float, letter: str) -> None:
    svg.element(
        "circle",
        cls="connector",
        cx=fmt(cx),
        cy=fmt(cy),
        r=fmt(CONNECTOR_R),
        fill="#ffffff",
        stroke=INK,
        stroke_width="1.5",
    )
    svg.text(cx, cy + 4.5, [letter], size=12.0, line=14.0, anchor="middle", weight="bold", fill=INK)
