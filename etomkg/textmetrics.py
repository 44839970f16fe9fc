"""Text widths and line wrapping for server-rendered SVG, without a font engine.

SVG has no automatic line wrapping, so labels are wrapped here from estimated
advance widths. Latin text is measured with DejaVu Sans's advance widths (the
first face of the diagrams' font stack; Verdana, the usual fallback, is
metrically close), CJK characters as one em each. Unknown characters count as
a generous 0.65 em, so estimates err on the wide side and text stays inside
its box.

>>> round(text_width("Billing", 10), 1)
30.7
>>> text_width("计费", 10)
20.0
>>> wrap("Customer Relationship Management", 140, 11)
['Customer Relationship', 'Management']
>>> wrap("客户关系管理与客户信息管理", 60, 11)  # five ideographs a line
['客户关系管', '理与客户信', '息管理']
>>> wrap("客户（个人）信息", 33, 11)  # no line ends with an opening or starts with a closing bracket
['客户', '（个', '人）信', '息']
>>> wrap("Product Specification & Offering Development & Retirement", 140, 11, max_lines=2)
['Product Specification &', 'Offering Development…']
"""

from __future__ import annotations

import re

# Advance widths of ASCII 32..126 in thousandths of an em (DejaVu Sans, regular and bold).
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip
_OTHER = 650  # any other character: wider than most Latin letters, so estimates err on the safe side
ELLIPSIS = "…"

#: Font stack of every diagram: the width table above is DejaVu Sans's; CJK faces follow for Chinese labels.
FONT_FAMILY = (
    "'DejaVu Sans', Verdana, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
    "'PingFang SC', 'Microsoft YaHei', sans-serif"
)


def is_wide(char: str) -> bool:
    """True for characters drawn one em wide: CJK ideographs, kana, Hangul and full-width forms."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # CJK radicals, punctuation, kana, ideographs
        or 0xAC00 <= code <= 0xD7A3  # Hangul syllables
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFE30 <= code <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= code <= 0xFF60  # full-width forms
        or 0xFFE0 <= code <= 0xFFE6
        or 0x20000 <= code <= 0x3FFFF  # supplementary ideographs
    )


def char_width(char: str, size: float, bold: bool = False) -> float:
    code = ord(char)
    if 32 <= code <= 126:
        return (_BOLD if bold else _REGULAR)[code - 32] * size / 1000
    if is_wide(char):
        return float(size)
    return _OTHER * size / 1000


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated advance width of ``text`` at font size ``size`` (user units)."""
    return sum(char_width(c, size, bold) for c in text)


# No line may start with closing punctuation or end with opening punctuation (Chinese line-breaking rules).
_NO_LINE_START = set("、。，．：；！？）」』】〉》’”,.;:!?)]}")
_NO_LINE_END = set("（「『【〈《‘“([{")
# A Latin word (or number) is one token; it may break after a slash or hyphen. Every wide character is a token.
_TOKEN = re.compile(r"\s+|[^\s/\-\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60]+[/\-]?|[/\-]|.", re.S)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def wrap(text: str, width: float, size: float, *, bold: bool = False, max_lines: int | None = None) -> list[str]:
    """Greedy line wrapping of ``text`` into lines no wider than ``width``.

    Breaks at spaces, after ``/`` and ``-``, and between CJK characters (never
    before closing or after opening punctuation). A word longer than a line is
    cut. With ``max_lines``, the last kept line ends with an ellipsis when
    text was dropped.
    """
    lines: list[str] = []
    line = ""
    for token in _tokens(" ".join(text.split())):
        if token.isspace():
            if line:
                line += " "
            continue
        candidate = line + token
        if text_width(candidate.rstrip(), size, bold) <= width or not line.strip():
            line = candidate
        elif token[0] in _NO_LINE_START and len(line.rstrip()) > 1 and not line.endswith(" "):
            # Carry the previous character down with the punctuation rather than start a line with it.
            lines.append(line[:-1].rstrip())
            line = line[-1] + token
        elif line.rstrip()[-1] in _NO_LINE_END and len(line.rstrip()) > 1:
            lines.append(line.rstrip()[:-1].rstrip())
            line = line.rstrip()[-1] + token
        else:
            lines.append(line.rstrip())
            line = token
        while text_width(line, size, bold) > width and len(line) > 1:  # a single over-long word: cut it
            cut = len(line) - 1
            while cut > 1 and text_width(line[:cut], size, bold) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        kept = lines[:max_lines]
        last = kept[-1]
        while last and text_width(last + ELLIPSIS, size, bold) > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + ELLIPSIS
        return kept
    return lines


def wrap_balanced(text: str, width: float, size: float, *, bold: bool = False, max_lines: int | None = None) -> list[str]:
    """Like :func:`wrap`, with lines of even length: the narrowest width that needs no more lines.

    Avoids a last line of one word or one character (``产品目录运营条件准备管`` / ``理``).

    >>> wrap("产品目录运营条件准备管理", 130, 11)
    ['产品目录运营条件准备管', '理']
    >>> wrap_balanced("产品目录运营条件准备管理", 130, 11)
    ['产品目录运营', '条件准备管理']
    """
    lines = wrap(text, width, size, bold=bold, max_lines=max_lines)
    if len(lines) < 2 or (max_lines is not None and len(lines) >= max_lines and lines[-1].endswith(ELLIPSIS)):
        return lines
    low, high = width / len(lines), width
    for _ in range(10):  # bisect the width: a tenth of a pixel is plenty
        middle = (low + high) / 2
        if len(wrap(text, middle, size, bold=bold)) <= len(lines):
            high = middle
        else:
            low = middle
    return wrap(text, high, size, bold=bold, max_lines=max_lines)


def truncate(text: str, width: float, size: float, *, bold: bool = False) -> str:
    """``text`` cut to fit on one line of ``width``, with an ellipsis when it was cut."""
    return wrap(text, width, size, bold=bold, max_lines=1)[0] if text.strip() else ""
