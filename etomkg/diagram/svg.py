"""A small, deterministic SVG writer and the visual style the diagrams share."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from .text import text_width, wrap, wrap_label

FONTS = {
    "en": "'Noto Sans', 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', "
    "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif",
    "zh": "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'Hiragino Sans GB', "
    "'WenQuanYi Micro Hei', 'Noto Sans', 'DejaVu Sans', sans-serif",
}

# Fill and stroke per horizontal layer, after the colours of the eTOM poster rows.
LAYER_COLOURS = {
    "market-product-customer": ("#dbeafe", "#2563eb"),
    "service": ("#dcfce7", "#16a34a"),
    "resource": ("#fef3c7", "#d97706"),
    "supplier-partner": ("#fce7f3", "#db2777"),
    None: ("#f1f5f9", "#64748b"),
}
INK = "#1f2937"
MUTED = "#64748b"
EDGE = "#475569"
DASH = "6 4"

NAME_SIZE = 12.0
ID_SIZE = 12.0
LINE = 15.0
LABEL_SIZE = 11.0
LABEL_LINE = 13.0
BOX_PAD_X = 10.0
BOX_PAD_Y = 8.0


def fmt(value: float) -> str:
    """Coordinates with at most one decimal, no trailing zeros: stable bytes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    def overlaps(self, other: Box) -> bool:
        return self.x < other.right and other.x < self.right and self.y < other.bottom and other.y < self.bottom


def box_lines(identifier: str, name: str, width: float) -> list[str]:
    """The name lines of a process box (the identifier goes on its own first line)."""
    return wrap(name, width - 2 * BOX_PAD_X, NAME_SIZE)


def box_height(lines: list[str]) -> float:
    return 2 * BOX_PAD_Y + LINE * (1 + len(lines))


def label_lines(text: str, width: float) -> list[str]:
    return wrap_label(text, width, LABEL_SIZE)


def label_size(lines: list[str]) -> tuple[float, float]:
    width = max(text_width(line, LABEL_SIZE) for line in lines) + 8
    return width, LABEL_LINE * len(lines) + 4


class Svg:
    """Collects elements; :meth:`render` gives the document."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.parts: list[str] = []

    def add(self, text: str) -> None:
        self.parts.append(text)

    def open(self, tag: str, **attrs: str | float | None) -> None:
        self.parts.append(f"<{tag}{_attrs(attrs)}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def element(self, tag: str, **attrs: str | float | None) -> None:
        self.parts.append(f"<{tag}{_attrs(attrs)}/>")

    def title(self, text: str) -> None:
        self.parts.append(f"<title>{escape(text)}</title>")

    def text(
        self,
        x: float,
        y: float,
        lines: list[str],
        *,
        size: float,
        line: float,
        anchor: str = "start",
        weight: str | None = None,
        fill: str = INK,
        cls: str | None = None,
        first_bold: str | None = None,
    ) -> None:
        """Lines of text whose first baseline is at ``y``; ``first_bold`` is an extra bold first line."""
        spans = []
        rows = ([first_bold] if first_bold is not None else []) + lines
        for i, row in enumerate(rows):
            bold = ' font-weight="bold"' if first_bold is not None and i == 0 else ""
            spans.append(f'<tspan x="{fmt(x)}" y="{fmt(y + i * line)}"{bold}>{escape(row)}</tspan>')
        self.parts.append(
            f"<text{_attrs({'class': cls, 'font-size': fmt(size), 'text-anchor': anchor, 'font-weight': weight, 'fill': fill})}>"
            + "".join(spans)
            + "</text>"
        )

    def render(self, width: float, height: float, title: str, description: str) -> str:
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{fmt(width)}" height="{fmt(height)}" '
            f'viewBox="0 0 {fmt(width)} {fmt(height)}" role="img" aria-labelledby="diagram-title diagram-desc" '
            f'font-family={quoteattr(FONTS[self.lang])} xml:lang="{self.lang}">\n'
            f'<title id="diagram-title">{escape(title)}</title>\n'
            f'<desc id="diagram-desc">{escape(description)}</desc>\n'
            "<defs>"
            '<marker id="arrow" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="7" markerHeight="7" '
            f'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{EDGE}"/></marker>'
            "</defs>\n"
            f'<rect class="background" x="0" y="0" width="{fmt(width)}" height="{fmt(height)}" fill="#ffffff"/>\n'
        )
        return head + "\n".join(self.parts) + "\n</svg>\n"


def _attrs(attrs: dict) -> str:
    """Keyword arguments as XML attributes: ``cls`` → class, ``stroke_width`` → stroke-width."""
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = "class" if key == "cls" else key.replace("_", "-")
        text = fmt(value) if isinstance(value, float) else str(value)
        out.append(f" {name}={quoteattr(text)}")
    return "".join(out)


def draw_process(
    svg: Svg,
    box: Box,
    identifier: str,
    lines: list[str],
    layer: str | None,
    *,
    focus: bool = False,
    attrs: dict | None = None,
    tooltip: str | None = None,
) -> None:
    fill, stroke = LAYER_COLOURS.get(layer, LAYER_COLOURS[None])
    svg.open("g", cls="node", **(attrs or {}))
    if tooltip:
        svg.title(tooltip)
    svg.element(
        "rect",
        cls="box",
        x=fmt(box.x),
        y=fmt(box.y),
        width=fmt(box.width),
        height=fmt(box.height),
        rx="6",
        fill=fill,
        stroke=stroke,
        stroke_width="2.6" if focus else "1.2",
    )
    svg.text(
        box.x + BOX_PAD_X,
        box.y + BOX_PAD_Y + 11,
        lines,
        size=NAME_SIZE,
        line=LINE,
        first_bold=identifier,
        cls="box-text",
    )
    svg.close("g")


def draw_label(svg: Svg, box: Box, lines: list[str]) -> None:
    svg.element(
        "rect",
        cls="label-box",
        x=fmt(box.x),
        y=fmt(box.y),
        width=fmt(box.width),
        height=fmt(box.height),
        rx="3",
        fill="#ffffff",
        fill_opacity="0.94",
    )
    svg.text(
        box.x + box.width / 2,
        box.y + 2 + LABEL_SIZE - 1,
        lines,
        size=LABEL_SIZE,
        line=LABEL_LINE,
        anchor="middle",
        fill=INK,
        cls="label",
    )


LEGEND_TEXT = {
    "en": {"stated": "stated by a source", "inferred": "our inference", "layers": "Horizontal layers:"},
    "zh": {"stated": "来源陈述的数据流", "inferred": "推断的数据流", "layers": "横向层："},
}
FOOTNOTE = {
    "en": "Flows are stated for eTOM release 25.5, or 24.0 where read from TM Forum's decomposition texts, and "
    "carried to other releases along lineage (etomkg). "
    "eTOM is © TM Forum.",
    "zh": "数据流针对 eTOM 25.5 版给出（取自 TM Forum 分解文本者针对 24.0 版），并沿版本沿袭延续到其他版本（etomkg）。"
    "eTOM 版权归 TM Forum 所有。",
}


def legend_height() -> float:
    return 62.0


def draw_legend(svg: Svg, x: float, y: float, lang: str, layers: list[tuple[str | None, str]]) -> float:
    """Line styles, layer colours and the footnote from (x, y); returns the width used."""
    words = LEGEND_TEXT[lang]
    svg.open("g", cls="legend")
    cursor = x
    for dashed, text in ((False, words["stated"]), (True, words["inferred"])):
        svg.element(
            "path",
            d=f"M{fmt(cursor)},{fmt(y + 8)} H{fmt(cursor + 38)}",
            stroke=EDGE,
            stroke_width="1.4",
            fill="none",
            stroke_dasharray=DASH if dashed else None,
            marker_end="url(#arrow)",
        )
        svg.text(cursor + 46, y + 12, [text], size=11.0, line=13.0, fill=INK)
        cursor += 46 + text_width(text, 11.0) + 28
    svg.text(cursor, y + 12, [words["layers"]], size=11.0, line=13.0, fill=INK)
    cursor += text_width(words["layers"], 11.0) + 10
    for key, name in layers:
        fill, stroke = LAYER_COLOURS.get(key, LAYER_COLOURS[None])
        svg.element("rect", x=fmt(cursor), y=fmt(y + 1), width="22", height="14", rx="3", fill=fill, stroke=stroke)
        svg.text(cursor + 28, y + 12, [name], size=11.0, line=13.0, fill=INK)
        cursor += 28 + text_width(name, 11.0) + 18
    svg.text(x, y + 40, [FOOTNOTE[lang]], size=10.0, line=12.0, fill=MUTED)
    svg.close("g")
    return max(cursor - x, text_width(FOOTNOTE[lang], 10.0))
