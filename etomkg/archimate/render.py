"""Draw a view of an exchange file as SVG, from the bounds written in the file.

This reads the XML back (it does not look at the model that produced it), so
a picture that looks right shows that the file's own geometry is right: what
Archi will draw on import, in Archi's default colours, without its icons.

>>> xml = b'''<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" identifier="m"
...   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>m</name><elements>
...   <element identifier="a" xsi:type="BusinessFunction"><name>Service Domain</name></element>
...   </elements><views><diagrams><view identifier="v" xsi:type="Diagram"><name>Map</name>
...   <node identifier="n" elementRef="a" xsi:type="Element" x="20" y="20" w="160" h="60"/>
...   </view></diagrams></views></model>'''
>>> svg = render_view_svg(xml)
>>> '<rect id="n" data-type="BusinessFunction" x="20" y="20" width="160" height="60"' in svg
True
>>> ">Service Domain</text>" in svg
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from lxml import etree

from .exchange import NS, XML_LANG

_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
TITLE_BAND = 36
FONT = "DejaVu Sans, Noto Sans CJK SC, Segoe UI, sans-serif"
_FILL = {
    "BusinessFunction": "#ffffb5",
    "BusinessProcess": "#ffffb5",
    "BusinessObject": "#ffffb5",
    "Grouping": "#ffffff",
    "Container": "#f3f3f3",
    "Label": "#ffffff",
}
_LINE = {  # relationship type -> (dash pattern, marker at the end, marker at the start)
    "Triggering": ("", "arrow", ""),
    "Flow": ("6 4", "arrow", ""),
    "Composition": ("", "", "diamond"),
    "Aggregation": ("", "", "hollow"),
    "Association": ("", "", ""),
}


@dataclass
class _Box:
    identifier: str
    kind: str  # element type, Container or Label
    x: int
    y: int
    w: int
    h: int
    text: str
    children: list[_Box] = field(default_factory=list)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _pick(parent: etree._Element, tag: str, lang: str | None) -> str:
    texts = [(t.get(XML_LANG, ""), t.text or "") for t in parent.findall(_q(tag))]
    for code, text in texts:
        if code == lang:
            return text
    return texts[0][1] if texts else ""


def text_width(text: str, size: float) -> float:
    """Approximate width of a line: CJK characters are a full em, others about half of one."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.56 for ch in text)


def wrap(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking at spaces (anywhere inside CJK text) to fit ``width`` pixels.

    >>> wrap("Service Activation Management", 120, 11)
    ['Service Activation', 'Management']
    >>> wrap("业务激活管理", 40, 11)
    ['业务激', '活管理']
    """
    lines: list[str] = []
    current = ""
    for token in _tokens(text):
        trial = current + token
        if current and text_width(trial.rstrip(), size) > width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = trial
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ord(ch) >= 0x2E80:  # each CJK character may end a line
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def _boxes(node: etree._Element, names: dict[str, str], types: dict[str, str], lang: str | None) -> _Box:
    kind = node.get(_XSI_TYPE)
    ref = node.get("elementRef")
    text = names.get(ref, "") if ref else _pick(node, "label", lang)
    box = _Box(
        node.get("identifier"),
        types.get(ref, kind) if ref else kind,
        int(node.get("x")),
        int(node.get("y")),
        int(node.get("w")),
        int(node.get("h")),
        text,
    )
    box.children = [_boxes(child, names, types, lang) for child in node.findall(_q("node"))]
    return box


def _text_svg(box: _Box, out: list[str]) -> None:
    size = 11.0 if box.kind not in ("Container",) else 11.5
    parent = bool(box.children) or box.kind == "Container"
    lines = wrap(box.text, box.w - 10, size)
    line_h = size * 1.25
    if parent:  # a container's name sits in its top strip, as Archi draws it
        lines = lines[:1]
        top = box.y + 4 + size
    elif box.kind == "Grouping":  # a grouping's name starts at its top left, wrapping as needed
        lines = lines[: max(1, int((box.h - 4) // line_h))]
        top = box.y + 4 + size
    else:
        lines = lines[: max(1, int((box.h - 6) // line_h))]
        top = box.y + (box.h - len(lines) * line_h) / 2 + size
    anchor, x = ("start", box.x + 6) if box.kind in ("Container", "Grouping") else ("middle", box.x + box.w / 2)
    weight = ' font-weight="bold"' if parent or box.kind == "Grouping" else ""
    for i, line in enumerate(lines):
        out.append(
            f'<text x="{x:.1f}" y="{top + i * line_h:.1f}" text-anchor="{anchor}" font-size="{size}"{weight}>'
            f"{escape(line)}</text>"
        )


def _box_svg(box: _Box, out: list[str]) -> None:
    fill = _FILL.get(box.kind, "#ffffb5")
    dash = ' stroke-dasharray="6 3"' if box.kind == "Grouping" else ""
    out.append(
        f'<rect id="{box.identifier}" data-type="{box.kind}" x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" '
        f'rx="{0 if box.kind in ("Label", "BusinessObject") else 4}" fill="{fill}" stroke="#5c5c5c"{dash}/>'
    )
    if box.kind == "BusinessObject":
        out.append(f'<line x1="{box.x}" y1="{box.y + 12}" x2="{box.x + box.w}" y2="{box.y + 12}" stroke="#5c5c5c"/>')
    _text_svg(box, out)
    for child in box.children:
        _box_svg(child, out)


def _border_point(box: _Box, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre to ``towards`` leaves the box."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(box.w / 2 / abs(dx) if dx else math.inf, box.h / 2 / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def render_view_svg(xml: bytes, view: str | int = 0, *, lang: str | None = None) -> str:
    """SVG of one view (by identifier, or position in the file) of an exchange file."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(xml, parser)
    names, types, rels = {}, {}, {}
    for el in root.iter(_q("element")):
        names[el.get("identifier")] = _pick(el, "name", lang)
        types[el.get("identifier")] = el.get(_XSI_TYPE)
    for rel in root.iter(_q("relationship")):
        rels[rel.get("identifier")] = (rel.get(_XSI_TYPE), rel.get("accessType"))
    views = list(root.iter(_q("view")))
    chosen = views[view] if isinstance(view, int) else next(v for v in views if v.get("identifier") == view)
    boxes = [_boxes(n, names, types, lang) for n in chosen.findall(_q("node"))]
    flat: dict[str, _Box] = {}
    stack = list(boxes)
    while stack:
        box = stack.pop()
        flat[box.identifier] = box
        stack.extend(box.children)
    width = max((b.x + b.w for b in flat.values()), default=200) + 20
    height = max((b.y + b.h for b in flat.values()), default=100) + 20 + TITLE_BAND
    title = _pick(chosen, "name", lang)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'font-family="{FONT}">',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>'
        '<marker id="open" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10" fill="none" stroke="#333"/></marker>'
        '<marker id="diamond" viewBox="0 0 20 10" refX="0" refY="5" markerWidth="14" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,5 L10,0 L20,5 L10,10 z" fill="#333"/></marker>'
        '<marker id="hollow" viewBox="0 0 20 10" refX="0" refY="5" markerWidth="14" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,5 L10,0 L20,5 L10,10 z" fill="#fff" stroke="#333"/></marker>'
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="20" y="24" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<g transform="translate(0,{TITLE_BAND})">',
    ]
    for box in boxes:
        _box_svg(box, out)
    for conn in chosen.findall(_q("connection")):
        source, target = flat[conn.get("source")], flat[conn.get("target")]
        rel_type, access = rels.get(conn.get("relationshipRef"), ("Association", None))
        points = [(float(b.get("x")), float(b.get("y"))) for b in conn.findall(_q("bendpoint"))]
        centre_t = (target.x + target.w / 2, target.y + target.h / 2)
        centre_s = (source.x + source.w / 2, source.y + source.h / 2)
        start = _border_point(source, points[0] if points else centre_t)
        end = _border_point(target, points[-1] if points else centre_s)
        if rel_type == "Access":
            dash, marker_end, marker_start = (
                "2 3",
                ("open" if access in ("Write", "ReadWrite") else ""),
                ("open" if access in ("Read", "ReadWrite") else ""),
            )
        else:
            dash, marker_end, marker_start = _LINE.get(rel_type, ("", "", ""))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in [start, *points, end])
        attrs = f' stroke-dasharray="{dash}"' if dash else ""
        attrs += f' marker-end="url(#{marker_end})"' if marker_end else ""
        attrs += f' marker-start="url(#{marker_start})"' if marker_start else ""
        out.append(
            f'<polyline data-relationship="{rel_type}" points="{path}" fill="none" stroke="#333" stroke-width="1.2"{attrs}/>'
        )
    out.append("</g></svg>")
    return "\n".join(out) + "\n"
