"""Data flows drawn as SVG: a process's neighbourhood, and an end-to-end flow's steps across the layers.

Read from the graph's ``etom:DataFlow`` (``etom:producer``, ``etom:consumer``,
``etom:carries``) and ``etom:EndToEndFlow`` (``etom:step`` → ``etom:FlowStep``
with ``etom:stepNumber``, ``etom:stepProcess``, ``etom:flowToNext``).

* **Neighbourhood** of a process (with its sub-processes): producers on the
  left, consumers on the right, the information carried written on each
  arrow. Flows between two of its own sub-processes are inside it and left
  out; an arrow that ends at a sub-process names it.
* **End-to-end flow**: one column per horizontal layer (Market, Product &
  Customer; Service; Resource; Supplier/Partner; Enterprise), the steps top
  to bottom in their order, each in its process's layer, the arrows labelled
  with what passes to the next step.

Both are laid out on fixed tracks (one row per arrow, one label per row), so
no label can overlap another; the output is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .catalog import LAYER_ORDER, Catalog, pick_label
from .mapsvg import TONES, process_path
from .store import KnowledgeGraph
from .textmetrics import FONT_FAMILY, text_width, truncate, wrap_balanced

Link = Callable[[str, str], str]

ENTERPRISE_LANE = "enterprise"
_ARROW_ID = "etom-flow-arrow"

_STYLE = (
    ".etom-flow text { font-family: " + FONT_FAMILY + "; }"
    """
.etom-flow .fl-box rect { fill: #fff; stroke-width: 1.2; }
.etom-flow .fl-box:hover rect { fill: #fff7d6; }
.etom-flow .fl-focus rect { stroke-width: 2.4; }
.etom-flow .fl-id { font-weight: bold; fill: #56606b; }
.etom-flow .fl-name { fill: #17212b; }
.etom-flow .fl-info { fill: #1f4e79; font-style: italic; }
.etom-flow .fl-lane { font-weight: bold; fill: #17212b; }
.etom-flow .fl-edge { fill: none; stroke: #4a5560; stroke-width: 1.3; }
.etom-flow .fl-num { fill: #fff; font-weight: bold; }
"""
)


@dataclass(frozen=True)
class FlowEdge:
    key: str
    producer: str
    consumer: str
    information: dict[str, str]  # lang -> label
    inferred: bool = False


@dataclass
class EndToEndStep:
    number: int
    process: str
    information: dict[str, str] = field(default_factory=dict)  # what flows to the next step


@dataclass
class EndToEndFlow:
    release: str
    key: str
    labels: dict[str, str]
    triggers: dict[str, str]
    definitions: dict[str, str]
    steps: list[EndToEndStep]

    def label(self, lang: str = "en") -> str:
        return pick_label(self.labels, lang, self.key)


def _lang_map(rows: list[dict[str, str]], key: str = "label", lang_key: str = "lang") -> dict[str, str]:
    return {row[lang_key]: row[key] for row in rows if key in row}


def flows_of(kg: KnowledgeGraph, release: str, identifier: str) -> tuple[list[FlowEdge], list[FlowEdge]]:
    """(incoming, outgoing) data flows of a process and its sub-processes, from or to processes outside it."""
    kg.check_release(release)
    iri = kg.iris.process(release, identifier)
    rows = kg.select(
        """SELECT ?focus ?flow ?key ?producer ?consumer ?info ?lang ?inferred WHERE {
          ?f a etom:DataFlow ; skos:notation ?key ; etom:producer ?p ; etom:consumer ?c ; etom:carries ?i .
          ?p skos:notation ?producer . ?c skos:notation ?consumer .
          ?i skos:prefLabel ?info BIND(lang(?info) AS ?lang)
          OPTIONAL { ?f etom:inferred ?inferred }
          { ?p etom:parent* ?focus } UNION { ?c etom:parent* ?focus }
          BIND(STR(?f) AS ?flow)
        }""",
        release=release,
        substitutions={ox.Variable("focus"): ox.NamedNode(iri)},
    )
    table = Catalog.of(kg).release(release)
    inside = {identifier} | {e.identifier for e in table if e.identifier.startswith(identifier + ".")}
    edges: dict[str, FlowEdge] = {}
    for row in rows:
        edge = edges.get(row["flow"])
        if edge is None:
            edge = edges[row["flow"]] = FlowEdge(
                row["key"], row["producer"], row["consumer"], {}, row.get("inferred") == "true"
            )
        edge.information[row["lang"]] = row["info"]
    ordered = sorted(edges.values(), key=lambda e: (e.producer, e.consumer, e.key))
    incoming = [e for e in ordered if e.consumer in inside and e.producer not in inside]
    outgoing = [e for e in ordered if e.producer in inside and e.consumer not in inside]
    return incoming, outgoing


def end_to_end_flows(kg: KnowledgeGraph, release: str) -> list[EndToEndFlow]:
    """Every end-to-end flow of a release, by key."""
    kg.check_release(release)
    keys = kg.select("SELECT DISTINCT ?key WHERE { ?e a etom:EndToEndFlow ; skos:notation ?key }", release=release)
    return [end_to_end_flow(kg, release, row["key"]) for row in sorted(keys, key=lambda r: r["key"])]


def end_to_end_flow(kg: KnowledgeGraph, release: str, key: str) -> EndToEndFlow | None:
    kg.check_release(release)
    iri = kg.iris.e2e(release, key)
    texts = kg.select(
        """SELECT ?flow ?what ?text ?lang WHERE {
          { ?flow skos:prefLabel ?text BIND("label" AS ?what) } UNION
          { ?flow etom:trigger ?text BIND("trigger" AS ?what) } UNION
          { ?flow skos:definition ?text BIND("definition" AS ?what) }
          BIND(lang(?text) AS ?lang) }""",
        release=release,
        substitutions={ox.Variable("flow"): ox.NamedNode(iri)},
    )
    if not texts:
        return None
    steps = kg.select(
        """SELECT ?flow ?n ?process ?info ?lang WHERE {
          ?flow etom:step ?s . ?s etom:stepNumber ?n ; etom:stepProcess/skos:notation ?process .
          OPTIONAL { ?s etom:flowToNext/etom:carries/skos:prefLabel ?info BIND(lang(?info) AS ?lang) } }""",
        release=release,
        substitutions={ox.Variable("flow"): ox.NamedNode(iri)},
    )
    by_number: dict[int, EndToEndStep] = {}
    for row in steps:
        step = by_number.setdefault(int(row["n"]), EndToEndStep(int(row["n"]), row["process"]))
        if "info" in row:
            step.information[row["lang"]] = row["info"]

    def pick(what: str) -> dict[str, str]:
        return {r["lang"]: r["text"] for r in texts if r["what"] == what}

    return EndToEndFlow(
        release, key, pick("label"), pick("trigger"), pick("definition"), [by_number[n] for n in sorted(by_number)]
    )


# -- drawing ----------------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def text(self, x, y, lines, size, line_h, cls, anchor="start") -> None:
        spans = "".join(f'<tspan x="{_n(x)}" y="{_n(y + i * line_h)}">{escape(t)}</tspan>' for i, t in enumerate(lines))
        self.add(f'<text class="{cls}" font-size="{_n(size)}" text-anchor="{anchor}">{spans}</text>')

    def box(self, x, y, w, h, identifier, label, href, tone, focus=False, number=None) -> None:
        border = TONES.get(tone, TONES[""])[2]
        cls = "fl-box fl-focus" if focus else "fl-box"
        self.add(f'<a href={quoteattr(href)} class="{cls}" data-id={quoteattr(identifier)}>')
        self.add(f"<title>{escape(identifier + ' ' + label)}</title>")
        self.add(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="3" stroke="{border}"/>')
        lines = wrap_balanced(label, w - 16 - (22 if number is not None else 0), 11, max_lines=3)
        top = y + (h - (9 + 4 + len(lines) * 13.5)) / 2
        cx = x + w / 2 + (11 if number is not None else 0)
        self.text(cx, top + 8, [identifier], 9, 9, "fl-id", "middle")
        self.text(cx, top + 9 + 4 + 9.5, lines, 11, 13.5, "fl-name", "middle")
        if number is not None:
            self.add(f'<circle cx="{_n(x + 14)}" cy="{_n(y + h / 2)}" r="9" fill="{border}"/>')
            self.text(x + 14, y + h / 2 + 3.5, [str(number)], 10, 10, "fl-num", "middle")
        self.add("</a>")

    def edge(self, path: str) -> None:
        self.add(f'<path d="{path}" class="fl-edge" marker-end="url(#{_ARROW_ID})"/>')

    def document(self, width: float, height: float, title: str, cls: str) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="etom-flow {cls}" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{_n(width)}" height="{_n(height)}" style="max-width:100%;height:auto" role="img"><title>{escape(title)}</title>'
            f'<style>{_STYLE}</style><defs><marker id="{_ARROW_ID}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#4a5560"/>'
            "</marker></defs>"
        )
        return head + "".join(self.parts) + "</svg>\n"


def _domain_layer(table, identifier: str) -> str:
    """The layer of a process: its own, else its domain's (the first two parts of its identifier)."""
    element = table.get(identifier)
    while element is not None:
        if element.layer:
            return element.layer
        element = table.get(element.parent or "")
    return ""


def neighbourhood_svg(
    kg: KnowledgeGraph, release: str, identifier: str, *, lang: str = "en", link: Link = process_path
) -> str:
    """The data-flow neighbourhood of a process as SVG, or ``""`` when no flow crosses its boundary."""
    incoming, outgoing = flows_of(kg, release, identifier)
    if not incoming and not outgoing:
        return ""
    table = Catalog.of(kg).release(release)

    def label(pid: str) -> str:
        element = table.get(pid)
        return element.label(lang) if element else pid

    def grouped(edges: list[FlowEdge], outer: Callable[[FlowEdge], str], inner: Callable[[FlowEdge], str]):
        groups: dict[str, list[FlowEdge]] = {}
        for edge in edges:
            groups.setdefault(outer(edge), []).append(edge)
        rows = []
        for pid, group in groups.items():
            infos = []
            for edge in group:
                text = pick_label(edge.information, lang, edge.key)
                if inner(edge) != identifier:
                    text += f" ({inner(edge)})"
                if text not in infos:
                    infos.append(text)
            rows.append((pid, infos))
        return rows

    left = grouped(incoming, lambda e: e.producer, lambda e: e.consumer)
    right = grouped(outgoing, lambda e: e.consumer, lambda e: e.producer)
    side_w, gap, center_w, margin, row_gap, bus = 210.0, 250.0, 210.0, 12.0, 12.0, 36.0
    label_w = gap - bus - 18  # the label sits over the row's own horizontal line

    def info_lines(infos: list[str]) -> list[str]:
        return [line for text in infos for line in wrap_balanced(text, label_w, 10, max_lines=3)]

    def row_height(infos: list[str]) -> float:
        return max(52.0, len(info_lines(infos)) * 12.5 + 20)

    heights_l = [row_height(infos) for _, infos in left]
    heights_r = [row_height(infos) for _, infos in right]
    total_l = sum(heights_l) + row_gap * max(0, len(left) - 1)
    total_r = sum(heights_r) + row_gap * max(0, len(right) - 1)
    top = margin + 24
    height = max(total_l, total_r, 70.0) + top + margin
    svg = _Svg()
    x_left, x_center = margin, margin + side_w + gap
    x_right = x_center + center_w + gap
    width = x_right + side_w + margin
    heading = ("Producers", "Consumers") if lang == "en" else ("生产方", "消费方")
    svg.text(x_left, margin + 10, [heading[0]], 11, 11, "fl-lane")
    svg.text(x_right + side_w, margin + 10, [heading[1]], 11, 11, "fl-lane", "end")
    center_h = 64.0
    center_y = top + (height - top - margin - center_h) / 2
    center_mid = center_y + center_h / 2
    focus = table.get(identifier)
    svg.box(
        x_center, center_y, center_w, center_h, identifier, focus.label(lang) if focus else identifier,
        link(release, identifier), _domain_layer(table, identifier), focus=True,
    )  # fmt: skip

    def side(rows, heights, total, x_box, incoming_side: bool) -> None:
        """One box per process, one line per box to a shared bus beside the focus box, one arrow on the bus."""
        if not rows:
            return
        y = top + (height - top - margin - total) / 2
        bus_x = x_center - bus if incoming_side else x_center + center_w + bus
        mids = []
        for (pid, infos), h in zip(rows, heights, strict=True):
            svg.box(x_box, y, side_w, h, pid, label(pid), link(release, pid), _domain_layer(table, pid))
            mid = y + h / 2
            mids.append(mid)
            lines = info_lines(infos)
            if incoming_side:
                svg.add(f'<path d="M{_n(x_box + side_w)} {_n(mid)}H{_n(bus_x)}" class="fl-edge"/>')
                label_x = x_box + side_w + 8
            else:
                svg.edge(f"M{_n(bus_x)} {_n(mid)}H{_n(x_box - 1)}")
                label_x = bus_x + 8
            svg.text(label_x, mid - 5 - (len(lines) - 1) * 12.5, lines, 10, 12.5, "fl-info")
            y += h + row_gap
        low, high = min(mids + [center_mid]), max(mids + [center_mid])
        svg.add(f'<path d="M{_n(bus_x)} {_n(low)}V{_n(high)}" class="fl-edge"/>')
        if incoming_side:
            svg.edge(f"M{_n(bus_x)} {_n(center_mid)}H{_n(x_center - 1)}")
        else:
            svg.add(f'<path d="M{_n(x_center + center_w)} {_n(center_mid)}H{_n(bus_x)}" class="fl-edge"/>')

    side(left, heights_l, total_l, x_left, True)
    side(right, heights_r, total_r, x_right, False)
    title = f"{identifier} " + (label(identifier)) + (" — data flows" if lang == "en" else " —— 数据流")
    return svg.document(width, height, title, "fl-neighbourhood")


def end_to_end_svg(kg: KnowledgeGraph, flow: EndToEndFlow, *, lang: str = "en", link: Link = process_path) -> str:
    """An end-to-end flow: layers as columns, its steps top to bottom, arrows labelled with what passes on."""
    catalog = Catalog.of(kg)
    table = catalog.release(flow.release)
    lanes_used = {(_domain_layer(table, s.process) or ENTERPRISE_LANE) for s in flow.steps}
    lanes = [key for key in (*LAYER_ORDER, ENTERPRISE_LANE) if key in lanes_used]
    lane_w, box_w, box_h, gap_y, margin, head_h = 232.0, 196.0, 54.0, 46.0, 12.0, 34.0
    width = margin * 2 + lane_w * len(lanes)
    height = margin * 2 + head_h + len(flow.steps) * (box_h + gap_y) - gap_y + 8
    svg = _Svg()
    for i, lane in enumerate(lanes):
        x = margin + i * lane_w
        fill, head_fill = (
            TONES.get(lane if lane != ENTERPRISE_LANE else "", TONES[""])[0],
            TONES.get(lane, TONES[""])[1],
        )
        svg.add(
            f'<rect x="{_n(x + 2)}" y="{_n(margin)}" width="{_n(lane_w - 4)}" height="{_n(height - 2 * margin)}" fill="{fill}" rx="3"/>'
        )
        svg.add(
            f'<rect x="{_n(x + 2)}" y="{_n(margin)}" width="{_n(lane_w - 4)}" height="{_n(head_h - 6)}" fill="{head_fill}" rx="3"/>'
        )
        name = (
            catalog.layers[lane].label(lang) if lane in catalog.layers else ("Enterprise" if lang == "en" else "企业")
        )
        svg.text(
            x + lane_w / 2, margin + 18, [truncate(name, lane_w - 16, 11.5, bold=True)], 11.5, 12, "fl-lane", "middle"
        )
    positions: list[tuple[float, float]] = []
    for index, step in enumerate(flow.steps):
        lane = _domain_layer(table, step.process) or ENTERPRISE_LANE
        x = margin + lanes.index(lane) * lane_w + (lane_w - box_w) / 2
        y = margin + head_h + 4 + index * (box_h + gap_y)
        positions.append((x, y))
    for index, step in enumerate(flow.steps[:-1]):
        (x1, y1), (x2, y2) = positions[index], positions[index + 1]
        cx1, cx2 = x1 + box_w / 2, x2 + box_w / 2
        start, end = y1 + box_h, y2
        mid = start + gap_y / 2
        if abs(cx1 - cx2) < 1:
            svg.edge(f"M{_n(cx1)} {_n(start)}V{_n(end - 1)}")
        else:
            svg.edge(f"M{_n(cx1)} {_n(start)}V{_n(mid)}H{_n(cx2)}V{_n(end - 1)}")
        info = pick_label(step.information, lang, "")
        if info:
            # The gap row belongs to this arrow alone: its label sits beside the first vertical segment,
            # on the side with more room.
            room_right, room_left = width - margin - cx1 - 10, cx1 - margin - 10
            label_y = start + 13 if abs(cx1 - cx2) >= 1 else mid + 4
            if room_right >= min(room_left, text_width(info, 10)):
                svg.text(cx1 + 7, label_y, [truncate(info, room_right, 10)], 10, 12, "fl-info")
            else:
                svg.text(cx1 - 7, label_y, [truncate(info, room_left, 10)], 10, 12, "fl-info", "end")
    for index, step in enumerate(flow.steps):
        x, y = positions[index]
        element = table.get(step.process)
        svg.box(
            x, y, box_w, box_h, step.process, element.label(lang) if element else step.process,
            link(flow.release, step.process), _domain_layer(table, step.process), number=step.number,
        )  # fmt: skip
    return svg.document(width, height, flow.label(lang), "fl-e2e")
