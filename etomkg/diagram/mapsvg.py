"""Draw a ``MapModel`` as one self-contained SVG, sized for print and for the screen.

Every process is an ``<a>`` box linking to its page. Columns have one width,
boxes of one map have one height (the tallest wrapped label, at most four
lines), labels are wrapped from estimated widths (``etomkg.diagram.text``) and
nothing is positioned twice, so no text overlaps. The SVG carries a
``viewBox``: pages scale it to the screen width. The output is deterministic:
the same model gives the same bytes.

For example::

    import etomkg
    from etomkg.diagram.mapmodel import build_map
    svg = render_svg(build_map(etomkg.open(), "26.0", root="1.4"))
    svg.startswith("<svg") and 'href="/release/26.0/process/1.4.5"' in svg
    # -> True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from .mapmodel import Box, MapModel, Row
from .text import clip, text_width, truncate, wrap, wrap_label

Link = Callable[[str, str], str]

#: Font stack of the map: DejaVu Sans first, whose advance widths ``etomkg.diagram.text`` measures with (Verdana,
#: the usual fallback elsewhere, is metrically close); CJK faces follow for Chinese labels.
FONT_FAMILY = (
    "'DejaVu Sans', Verdana, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Microsoft YaHei', sans-serif"
)


def _wrap(text: str, width: float, size: float, *, bold: bool = False, max_lines: int | None = None) -> list[str]:
    lines = wrap(text, width, size, bold)
    return clip(lines, width, size, max_lines, bold) if max_lines else lines


def _balanced(text: str, width: float, size: float, *, bold: bool = False, max_lines: int = 4) -> list[str]:
    """Lines of even length (``wrap_label``), at most ``max_lines`` of them."""
    lines = wrap(text, width, size, bold) if bold else wrap_label(text, width, size)
    return clip(lines, width, size, max_lines, bold)


def process_path(release: str, identifier: str) -> str:
    """The default link of a box: the process page of the web layer."""
    return f"/release/{release}/process/{identifier}"


# Geometry, in user units (1 unit = 1 CSS pixel at full size).
MARGIN = 12
LABEL_W = 124  # row label column
COL_W = 148
COL_GAP = 4
AREA_GAP = 12  # between Strategy, Infrastructure & Product and Operations
CELL_PAD = 5
BOX_W = COL_W - 2 * CELL_PAD
BOX_PAD_X = 6
BOX_GAP = 5
NAME_SIZE = 11
LINE_H = 13.5
ID_SIZE = 9
MAX_LINES = 4
HEADING_H = 20
GRID_COLUMNS = 4  # drill-down maps without verticals
DRILL_MIN_WIDTH = 620  # a drill-down map is at least this wide …
DRILL_COL_MAX = 250  # … by widening its columns up to this

TONES: dict[str, tuple[str, str, str, str]] = {
    # layer: (cell fill, label fill, box border, heading fill)
    "market-product-customer": ("#eaf2fb", "#d3e3f5", "#5b8cc4", "#3f6fa8"),
    "service": ("#ebf6ee", "#d1eadb", "#4f9a62", "#3b7d4c"),
    "resource": ("#fdf4e4", "#f7e1bb", "#c98a2b", "#9c6512"),
    "supplier-partner": ("#f4eef9", "#e2d4ef", "#8a63b0", "#6d4a92"),
    "": ("#f1f3f5", "#dee2e7", "#7b8590", "#56606b"),
}
AREA_FILL = {"1.2": ("#2f5376", "#56799e"), "1.1": ("#24685d", "#4b8c80")}
DEFAULT_AREA_FILL = ("#4a5560", "#6d7882")

STYLE = (
    ".etom-map text { font-family: "
    + FONT_FAMILY
    + "; }"
    + """
.etom-map .em-box rect.em-frame { fill: #fff; stroke-width: 1; transition: fill .1s; }
.etom-map .em-box:hover rect.em-frame, .etom-map .em-box:focus rect.em-frame { fill: #fff7d6; stroke-width: 2; }
.etom-map .em-box:focus { outline: none; }
.etom-map .em-box:focus-visible rect.em-frame { stroke: #d4380d; stroke-width: 2.5; }
.etom-map .em-inferred rect.em-frame { stroke-dasharray: 4 2; }
.etom-map .em-id { font-weight: bold; fill: #56606b; }
.etom-map .em-name { fill: #17212b; }
.etom-map .em-also { font-size: 8.5px; font-weight: bold; }
.etom-map .em-head { fill: #fff; font-weight: bold; }
.etom-map .em-row-label { font-weight: bold; fill: #17212b; font-size: 11.5px; }
.etom-map .em-note { fill: #3d4852; font-size: 9.5px; }
.etom-map .em-lane { fill: #56606b; font-size: 9.5px; font-style: italic; }
.etom-map a.em-link:hover text { text-decoration: underline; }
@media print { .etom-map .em-box rect.em-frame { fill: #fff !important; } }
"""
)


def _also_note(box: Box) -> str:
    return "+" + " +".join(box.also) if box.also else ""


def _n(value: float) -> str:
    """Numbers in the SVG: at most one decimal, no trailing zeros (deterministic, compact)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass
class _Canvas:
    parts: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)

    def rect(self, x, y, w, h, fill, stroke=None, rx=0, cls=None, extra="") -> None:
        attrs = f'x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"'
        if stroke:
            attrs += f' stroke="{stroke}"'
        if rx:
            attrs += f' rx="{_n(rx)}"'
        if cls:
            attrs += f' class="{cls}"'
        self.add(f"<rect {attrs}{extra}/>")

    def text(self, x, y, lines: list[str], size, line_h, cls, anchor="start", fill=None) -> None:
        fill_attr = f' fill="{fill}"' if fill else ""
        spans = "".join(
            f'<tspan x="{_n(x)}" y="{_n(y + i * line_h)}">{escape(line)}</tspan>' for i, line in enumerate(lines)
        )
        self.add(f'<text class="{cls}" text-anchor="{anchor}" font-size="{_n(size)}"{fill_attr}>{spans}</text>')


class _Layout:
    def __init__(self, model: MapModel, link: Link, standalone: bool) -> None:
        self.model, self.link, self.standalone = model, link, standalone
        self.drill = model.root is not None
        self.grid = self.drill and len(model.columns) <= 1
        self.canvas = _Canvas()
        self.left = MARGIN + (0 if self.drill else LABEL_W + COL_GAP)
        self.col_w = float(COL_W)
        if self.drill:  # few columns: wider ones, so a drill-down reads as easily as the whole map
            count = self._column_count()
            self.col_w = max(COL_W, min(DRILL_COL_MAX, DRILL_MIN_WIDTH / count))
        self.box_w = self.col_w - 2 * CELL_PAD
        self.x = self._column_positions()
        self.box_h = 0.0  # set per row: boxes of a row share one height

    # -- geometry -------------------------------------------------------------------------------------------

    def _column_count(self) -> int:
        return max(1, min(GRID_COLUMNS, self.model.box_count)) if self.grid else max(1, len(self.model.columns))

    def _column_positions(self) -> list[float]:
        count = self._column_count() if self.grid or self.model.columns else 0
        positions, x, area = [], float(self.left), None
        for i in range(count):
            column_area = self.model.columns[i].area if not self.grid and i < len(self.model.columns) else None
            if i and column_area != area:
                x += AREA_GAP - COL_GAP
            area = column_area
            positions.append(x)
            x += self.col_w + COL_GAP
        return positions

    @property
    def right(self) -> float:
        return self.x[-1] + self.col_w if self.x else self.left + self.col_w

    def span_x(self, first: int, last: int) -> tuple[float, float]:
        return self.x[first], self.x[last] + self.col_w - self.x[first]

    def _box_lines(self, box: Box, width: float) -> list[str]:
        return _balanced(box.label, width - 2 * BOX_PAD_X, NAME_SIZE, max_lines=MAX_LINES)

    def _box_width(self, box: Box) -> float:
        if len(box.columns) > 1 and not self.grid:
            return self.span_x(box.columns[0], box.columns[-1])[1] - 2 * CELL_PAD
        return self.box_w

    def _height_for(self, boxes: list[Box]) -> float:
        """One height for a row's boxes: room for the longest wrapped name among them."""
        lines = max((len(self._box_lines(b, self._box_width(b))) for b in boxes), default=1)
        return 8 + ID_SIZE + 4 + lines * LINE_H + 4

    # -- drawing --------------------------------------------------------------------------------------------

    def draw_box(self, box: Box, x: float, y: float, w: float, tone: str) -> None:
        _, _, border, heading = TONES.get(tone, TONES[""])
        classes = "em-box" + (" em-inferred" if box.inferred else "") + (" em-parent" if box.has_children else "")
        verticals = ", ".join(box.vertical_labels)
        title = f"{box.identifier} {box.label}" + (f" — {verticals}" if verticals else "")
        if box.inferred:
            title += (
                " (placed by its current counterparts)" if self.model.lang == "en" else "（按当前版本对应流程推定位置）"
            )
        href = self.link(self.model.release, box.identifier)
        self.canvas.add(
            f'<a href={quoteattr(href)} class="{classes}" data-id={quoteattr(box.identifier)} '
            f'data-level="{box.level}" data-columns="{" ".join(str(c) for c in box.columns)}">'
            f"<title>{escape(title)}</title>"
        )
        self.canvas.rect(x, y, w, self.box_h, "#fff", border, 3, "em-frame")
        if box.has_children:  # folded corner: there is more inside
            self.canvas.add(f'<path d="M{_n(x + w - 9)} {_n(y)}h6a3 3 0 0 1 3 3v6z" fill="{border}" class="em-more"/>')
        cx = x + w / 2
        lines = self._box_lines(box, w)
        top = y + (self.box_h - (ID_SIZE + 4 + len(lines) * LINE_H)) / 2  # the text block, centred
        self.canvas.text(cx, top + ID_SIZE - 1, [box.identifier], ID_SIZE, ID_SIZE, "em-id", "middle")
        self.canvas.text(cx, top + ID_SIZE + 4 + NAME_SIZE - 1.5, lines, NAME_SIZE, LINE_H, "em-name", "middle")
        if box.also:  # top left, beside the centred identifier
            self.canvas.text(x + 5, top + ID_SIZE - 1, [_also_note(box)], 8.5, 8.5, "em-also", "start", heading)
        self.canvas.add("</a>")

    def header_bar(self, x, y, w, h, fill, lines, size, href=None) -> None:
        if href:
            self.canvas.add(f'<a href={quoteattr(href)} class="em-link">')
        self.canvas.rect(x, y, w, h, fill, rx=2)
        top = y + (h - len(lines) * (size + 3)) / 2 + size - 1
        self.canvas.text(x + w / 2, top, lines, size, size + 3, "em-head", "middle")
        if href:
            self.canvas.add("</a>")

    def draw_title(self, y: float) -> float:
        model = self.model
        if self.standalone:
            title = model.release_title if self.drill else model.title
            self.canvas.text(MARGIN, y + 15, [title], 15, 18, "em-row-label")
            y += 26
        if self.drill and model.root is not None:
            root = model.root
            width = self.right - MARGIN
            lines = _balanced(f"{root.identifier} {root.label(model.lang)}", width - 16, 13, bold=True, max_lines=2)
            fill = TONES.get(model.rows[0].tone if model.rows else "", TONES[""])[3]
            height = 12 + 16 * len(lines)
            self.header_bar(MARGIN, y, width, height, fill, lines, 13, self.link(model.release, root.identifier))
            y += height + 6
        return y

    def draw_areas(self, y: float) -> float:
        if self.grid or not self.model.areas:
            return y
        wrapped = []
        for area in self.model.areas:
            x, w = self.span_x(area.first, area.last)
            wrapped.append(_balanced(area.label, w - 12, 12, bold=True, max_lines=2))
        height = 9 + 15 * max(len(lines) for lines in wrapped)
        for area, lines in zip(self.model.areas, wrapped, strict=True):
            x, w = self.span_x(area.first, area.last)
            fill = AREA_FILL.get(area.key, DEFAULT_AREA_FILL)[0]
            href = self.link("classic", area.key) if area.key else None
            self.header_bar(x, y, w, height, fill, lines, 12, href)
        return y + height + 4

    def draw_columns(self, y: float) -> float:
        model = self.model
        if not model.columns:
            return y
        if self.grid:
            column = model.columns[0]
            fill = AREA_FILL.get(column.area or "", DEFAULT_AREA_FILL)[1]
            w = self.right - self.left
            self.header_bar(self.left, y, w, 22, fill, [truncate(column.label, w - 12, 11, True)], 11)
            return y + 22 + 4
        wrapped = [_wrap(c.label, self.col_w - 10, 11, bold=True, max_lines=3) for c in model.columns]
        height = max(len(lines) for lines in wrapped) * 14 + 10
        for i, (column, lines) in enumerate(zip(model.columns, wrapped, strict=True)):
            fill = AREA_FILL.get(column.area or "", DEFAULT_AREA_FILL)[1]
            self.header_bar(self.x[i], y, self.col_w, height, fill, lines, 11)
        return y + height + 4

    def _stack(
        self, row: Row, top: float, grid: bool
    ) -> tuple[list[tuple[Box, float, float, float]], float, float | None]:
        """Place a row's boxes: singles stacked per column, then spanning boxes, then the lane of loose ones.

        Returns the placed boxes (box, x, y, width), the bottom of the row and the top of its loose lane.
        """
        heights = [top + CELL_PAD] * len(self.x)
        placed: list[tuple[Box, float, float, float]] = []
        if grid:
            boxes = row.boxes + row.loose
            for i, box in enumerate(boxes):
                column, line = i % len(self.x), i // len(self.x)
                y = top + CELL_PAD + line * (self.box_h + BOX_GAP)
                placed.append((box, self.x[column] + CELL_PAD, y, self.box_w))
            rows_used = math.ceil(len(boxes) / len(self.x)) if boxes else 0
            return placed, top + CELL_PAD + rows_used * (self.box_h + BOX_GAP) - BOX_GAP + CELL_PAD, None
        for box in (b for b in row.boxes if len(b.columns) == 1):
            column = box.columns[0]
            placed.append((box, self.x[column] + CELL_PAD, heights[column], self.box_w))
            heights[column] += self.box_h + BOX_GAP
        for box in (b for b in row.boxes if len(b.columns) > 1):
            first, last = box.columns[0], box.columns[-1]
            y = max(heights[first : last + 1])
            x, w = self.span_x(first, last)
            placed.append((box, x + CELL_PAD, y, w - 2 * CELL_PAD))
            for column in range(first, last + 1):
                heights[column] = y + self.box_h + BOX_GAP
        bottom = max(heights)
        lane_top = None
        if row.loose:
            lane_top = bottom
            y0 = bottom + 14
            for i, box in enumerate(row.loose):
                column, line = i % len(self.x), i // len(self.x)
                placed.append((box, self.x[column] + CELL_PAD, y0 + line * (self.box_h + BOX_GAP), self.box_w))
            bottom = y0 + math.ceil(len(row.loose) / len(self.x)) * (self.box_h + BOX_GAP)
        return placed, bottom - BOX_GAP + CELL_PAD, lane_top

    def draw_row(self, row: Row, y: float, *, grid: bool | None = None) -> float:
        model = self.model
        grid = self.grid if grid is None else grid
        cell, label_fill, border, heading_fill = TONES.get(row.tone, TONES[""])
        content_top = y
        if row.headings:
            content_top = y + HEADING_H + 4
        self.box_h = self._height_for(row.boxes + row.loose)
        placed, bottom, lane_top = self._stack(row, content_top, grid)
        if not placed:
            bottom = content_top + CELL_PAD * 2
        label_lines = [] if self.drill else _wrap(row.label, LABEL_W - 14, 11.5, bold=True, max_lines=4)
        note_lines = [] if self.drill else [line for note in row.notes for line in wrap(note, LABEL_W - 14, 9.5)]
        id_h = 12 if row.identifier and not self.drill else 0
        label_top = y + 19 + id_h
        label_h = 10 + id_h + len(label_lines) * 14 + (4 + len(note_lines) * 12 if note_lines else 0) + 6
        bottom = max(bottom, y + label_h)
        height = bottom - y
        self.canvas.add(f'<g class="em-row" data-row={quoteattr(row.key)}>')
        if not self.drill:
            if row.identifier:
                self.canvas.add(f'<a href={quoteattr(self.link(model.release, row.identifier))} class="em-link">')
            self.canvas.rect(MARGIN, y, LABEL_W, height, label_fill, rx=2)
            if row.identifier:
                self.canvas.text(MARGIN + 7, y + 16, [row.identifier], ID_SIZE, ID_SIZE, "em-id")
            self.canvas.text(MARGIN + 7, label_top, label_lines, 11.5, 14, "em-row-label")
            if row.identifier:
                self.canvas.add("</a>")
            if note_lines:
                self.canvas.text(MARGIN + 7, label_top + len(label_lines) * 14 + 4, note_lines, 9.5, 12, "em-note")
        if grid:
            self.canvas.rect(self.left, y, self.right - self.left, height, cell, rx=2)
        else:
            for i in range(len(self.x)):
                self.canvas.rect(self.x[i], y, self.col_w, height, cell, rx=2)
        for heading in row.headings:
            x, w = self.span_x(heading.first, heading.last)
            label = truncate(f"{heading.identifier} {heading.label}", w - 16, 10.5, True)
            self.header_bar(
                x + CELL_PAD,
                y + CELL_PAD,
                w - 2 * CELL_PAD,
                HEADING_H - 2,
                heading_fill,
                [label],
                10.5,
                self.link(model.release, heading.identifier),
            )
        if lane_top is not None:
            lane = "no vertical stated" if model.lang == "en" else "未注明纵向分组"
            self.canvas.add(
                f'<line x1="{_n(self.left)}" x2="{_n(self.right)}" y1="{_n(lane_top + 1)}" '
                f'y2="{_n(lane_top + 1)}" stroke="{border}" stroke-dasharray="3 3"/>'
            )
            self.canvas.text(self.left + 4, lane_top + 11, [lane], 9.5, 12, "em-lane")
        for box, bx, by, bw in placed:
            self.draw_box(box, bx, by, bw, row.tone)
        self.canvas.add("</g>")
        return bottom + 4

    def draw_band(self, y: float) -> float:
        band = self.model.band
        if band is None:
            return y
        cell, label_fill, border, heading_fill = TONES[""]
        columns = len(self.x)
        groups = band.groups
        top = y
        self.box_h = self._height_for([b for g in groups for b in g.boxes])
        placed: list[tuple[Box, float, float, float]] = []
        headings: list[tuple[float, float, float, str, str]] = []
        if all(g.heading is None for g in groups):
            boxes = [b for g in groups for b in g.boxes]
            for i, box in enumerate(boxes):
                column, line = i % columns, i // columns
                placed.append(
                    (box, self.x[column] + CELL_PAD, y + CELL_PAD + line * (self.box_h + BOX_GAP), self.box_w)
                )
            lines = math.ceil(len(boxes) / columns) if boxes else 0
            bottom = y + CELL_PAD + lines * (self.box_h + BOX_GAP) - BOX_GAP + CELL_PAD
        else:
            bottom = y
            for start in range(0, len(groups), columns):
                chunk = groups[start : start + columns]
                head_lines = [
                    _wrap(f"{g.heading.identifier} {g.heading.label}", self.box_w - 10, 10.5, bold=True, max_lines=3)
                    for g in chunk
                    if g.heading
                ]
                head_h = max((len(lines) for lines in head_lines), default=1) * 13.5 + 8
                tallest = y
                for i, group in enumerate(chunk):
                    x = self.x[i] + CELL_PAD
                    if group.heading:
                        headings.append((x, y + CELL_PAD, head_h, group.heading.identifier, head_lines[i]))
                    by = y + CELL_PAD + head_h + BOX_GAP
                    for box in group.boxes:
                        placed.append((box, x, by, self.box_w))
                        by += self.box_h + BOX_GAP
                    tallest = max(tallest, by)
                y = tallest - BOX_GAP + CELL_PAD + 4
            bottom = y - 4
        label_lines = _wrap(band.label, LABEL_W - 14, 11.5, bold=True, max_lines=4)
        id_h = 12 if band.identifier else 0
        bottom = max(bottom, top + 10 + id_h + len(label_lines) * 14 + 6)
        height = bottom - top
        self.canvas.add(f'<g class="em-row em-band" data-row={quoteattr(band.key)}>')
        href = self.link(self.model.release if band.identifier else "classic", band.identifier or band.key)
        self.canvas.add(f'<a href={quoteattr(href)} class="em-link">')
        self.canvas.rect(MARGIN, top, LABEL_W, height, label_fill, rx=2)
        if band.identifier:
            self.canvas.text(MARGIN + 7, top + 16, [band.identifier], ID_SIZE, ID_SIZE, "em-id")
        self.canvas.text(MARGIN + 7, top + 19 + id_h, label_lines, 11.5, 14, "em-row-label")
        self.canvas.add("</a>")
        self.canvas.rect(self.left, top, self.right - self.left, height, cell, rx=2)
        for x, hy, hh, identifier, lines in headings:
            self.canvas.add(f'<a href={quoteattr(self.link(self.model.release, identifier))} class="em-link">')
            self.canvas.rect(x, hy, self.box_w, hh, heading_fill, rx=2)
            self.canvas.text(x + self.box_w / 2, hy + 4 + 10.5, lines, 10.5, 13.5, "em-head", "middle")
            self.canvas.add("</a>")
        for box, bx, by, bw in placed:
            self.draw_box(box, bx, by, bw, "")
        self.canvas.add("</g>")
        return bottom + 4

    def draw_unplaced(self, y: float) -> float:
        boxes = self.model.unplaced
        if not boxes:
            return y
        label = "Not placed (no layer stated)" if self.model.lang == "en" else "未能定位（未注明所属横向层）"
        return self.draw_row(Row(key="unplaced", label=label, boxes=list(boxes)), y, grid=True)

    def draw_legend(self, y: float) -> float:
        en = self.model.lang == "en"
        items = [
            ("box", "process — opens its page" if en else "流程——点击打开其页面"),
            ("more", "has sub-processes" if en else "含下级流程"),
        ]
        if any(b.inferred for b in self.model.boxes()):
            items.append(("dashed", "placed by its current counterparts" if en else "按当前版本对应流程推定位置"))
        if any(b.also for b in self.model.boxes()):
            items.append(("also", "also in a vertical not next to it" if en else "另属不相邻的纵向分组"))
        x = float(MARGIN)
        y += 6
        border = "#7b8590"
        self.canvas.add('<g class="em-legend">')
        for kind, text in items:
            item_w = 34 + text_width(text, 10) + 22
            if x > MARGIN and x + item_w - 22 > self.right:  # no room left on this line
                x, y = float(MARGIN), y + 22
            if kind == "also":
                self.canvas.text(x + 14, y + 11, ["+F"], 9, 9, "em-also", "middle", border)
            else:
                dash = ' stroke-dasharray="4 2"' if kind == "dashed" else ""
                self.canvas.rect(x, y, 28, 16, "#fff", border, 2, extra=dash)
                if kind == "more":
                    self.canvas.add(f'<path d="M{_n(x + 19)} {_n(y)}h6a3 3 0 0 1 3 3v6z" fill="{border}"/>')
            self.canvas.text(x + 34, y + 12, [text], 10, 12, "em-note")
            x += item_w
        if self.standalone:
            rights = "eTOM © TM Forum (GB921). Drawn by etomkg from its knowledge graph."
            if x + text_width(rights, 9) > self.right:
                x, y = float(MARGIN), y + 22
            self.canvas.text(self.right, y + 12, [rights], 9, 12, "em-note", "end")
        self.canvas.add("</g>")
        return y + 16 + MARGIN

    def render(self) -> str:
        y = self.draw_title(float(MARGIN))
        y = self.draw_areas(y)
        y = self.draw_columns(y)
        for row in self.model.rows:
            y = self.draw_row(row, y)
        y = self.draw_band(y + 2)
        y = self.draw_unplaced(y)
        y = self.draw_legend(y)
        width, height = math.ceil(self.right + MARGIN), math.ceil(y)
        title = escape(self.model.title)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="etom-map" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" style="max-width:100%;height:auto" role="img" '
            'aria-labelledby="etom-map-title" '
            f'data-release={quoteattr(self.model.release)} data-view="{self.model.view}" data-lang="{self.model.lang}" '
            f'lang="{self.model.lang}">'
            f'<title id="etom-map-title">{title}</title><style>{STYLE}</style>'
        )
        return head + "".join(self.canvas.parts) + "</svg>\n"


def render_svg(model: MapModel, *, link: Link = process_path, standalone: bool = False) -> str:
    """The map as an SVG document. ``standalone`` adds the title and the copyright line (for files and print)."""
    return _Layout(model, link, standalone).render()
