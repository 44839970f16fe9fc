"""Text measurement and line wrapping without a font engine.

Widths are estimated from DejaVu Sans advance widths (a wide fallback font,
so text estimated to fit also fits in Helvetica, Arial or Noto Sans); CJK
characters are one em wide. Wrapping breaks Latin text between words and
CJK text between characters, never before closing punctuation.

>>> round(text_width("Service", 12), 1)
44.3
>>> text_width("业务激活管理", 12)
72
>>> wrap("Service Activation Management", 120, 12)
['Service Activation', 'Management']
>>> wrap("合作伙伴账单付款与应收款管理", 80, 12)
['合作伙伴账单', '付款与应收款', '管理']
"""

from __future__ import annotations

import re
import unicodedata

# DejaVu Sans advance widths in em (units per em 2048), for the printable ASCII range.
_ASCII_EM = {
    " ": 651, "!": 821, '"': 942, "#": 1716, "$": 1303, "%": 1946, "&": 1595, "'": 563, "(": 799, ")": 799,
    "*": 1024, "+": 1716, ",": 651, "-": 739, ".": 651, "/": 690, ":": 690, ";": 690, "<": 1716, "=": 1716,
    ">": 1716, "?": 1087, "@": 2048, "[": 799, "\\": 690, "]": 799, "^": 1716, "_": 1024, "`": 1024, "{": 1303,
    "|": 690, "}": 1303, "~": 1716,
    "A": 1401, "B": 1405, "C": 1430, "D": 1577, "E": 1294, "F": 1178, "G": 1587, "H": 1540, "I": 604, "J": 604,
    "K": 1343, "L": 1141, "M": 1767, "N": 1532, "O": 1612, "P": 1235, "Q": 1612, "R": 1423, "S": 1300, "T": 1251,
    "U": 1499, "V": 1401, "W": 2025, "X": 1403, "Y": 1251, "Z": 1403,
    "a": 1255, "b": 1300, "c": 1126, "d": 1300, "e": 1260, "f": 721, "g": 1300, "h": 1298, "i": 569, "j": 569,
    "k": 1186, "l": 569, "m": 1995, "n": 1298, "o": 1253, "p": 1300, "q": 1300, "r": 842, "s": 1067, "t": 803,
    "u": 1298, "v": 1212, "w": 1675, "x": 1212, "y": 1212, "z": 1075,
}  # fmt: skip
_DIGIT_EM = 1303
_BOLD = 1.09  # DejaVu Sans Bold is about this much wider
# Closing punctuation must not start a line; opening punctuation must not end one.
_NO_LINE_START = set("，。、；：！？）」』】》〉,.;:!?)]}%")
_NO_LINE_END = set("（「『【《〈([{")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-]*[/&]?|\s+|.", re.S)


def is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def char_width(char: str, size: float) -> float:
    if is_wide(char):
        return size
    if char.isdigit():
        return size * _DIGIT_EM / 2048
    return size * _ASCII_EM.get(char, 1229) / 2048


# DejaVu Sans Bold advance widths of ASCII 32..126, in thousandths of an em (measured in Chromium): bold is
# 8 % to 23 % wider than regular depending on the letter, so a single factor would under-measure headings.
_BOLD_ASCII = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696,
    696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775,
    637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500, 500, 675,
    716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924,
    645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip
ELLIPSIS = "…"


def _bold_char_width(char: str, size: float) -> float:
    code = ord(char)
    if 32 <= code <= 126:
        return size * _BOLD_ASCII[code - 32] / 1000
    return char_width(char, size) * (1 if is_wide(char) else _BOLD)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated rendered width of ``text`` at font ``size`` (pixels).

    >>> text_width("Billing", 10) < text_width("Billing", 10, bold=True)
    True
    """
    if bold:
        return sum(_bold_char_width(c, size) for c in text)
    return sum(char_width(c, size) for c in text)


def clip(lines: list[str], max_width: float, size: float, max_lines: int, bold: bool = False) -> list[str]:
    """At most ``max_lines`` lines; the last one ends with an ellipsis when lines were dropped.

    >>> clip(["Product Specification &", "Offering Development &", "Retirement"], 140, 11, 2)
    ['Product Specification &', 'Offering Development…']
    """
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and text_width(last.rstrip() + ELLIPSIS, size, bold) > max_width:
        last = last[:-1]
    return kept[:-1] + [last.rstrip(" &/") + ELLIPSIS]


def truncate(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """``text`` on one line of ``max_width``, cut with an ellipsis when it does not fit.

    >>> truncate("Strategy, Infrastructure & Product", 80, 12, bold=True)
    'Strategy,…'
    """
    return clip(wrap(text, max_width, size, bold), max_width, size, 1, bold)[0] if text.strip() else ""


def _tokens(text: str) -> list[str]:
    """Words (with a trailing / or &, where a break reads well), spaces, and single CJK characters."""
    return _TOKEN.findall(text)


def wrap(text: str, max_width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line wrapping to ``max_width``; a word longer than a line is split by characters."""
    lines: list[list[str]] = []
    line: list[str] = []  # tokens of the current line, without trailing space

    def width(tokens: list[str]) -> float:
        return text_width("".join(tokens), size, bold)

    for token in _tokens(text.strip()):
        if token.isspace():
            if line:
                line.append(" ")
            continue
        if not line or width(line + [token]) <= max_width:
            line.append(token)
            continue
        while line and line[-1] == " ":
            line.pop()
        carried: list[str] = []
        # Keep punctuation with its neighbour: a closing mark never starts a line, an opening one never ends it.
        if (token[0] in _NO_LINE_START or line[-1][-1] in _NO_LINE_END) and len(line) > 1:
            carried = [line.pop()]
            while line and line[-1] == " ":
                line.pop()
        lines.append(line)
        line = carried + [token]
    if line:
        lines.append(line)
    result: list[str] = []
    for tokens in lines:
        result.extend(_split_long("".join(tokens).strip(), max_width, size, bold))
    return result


def wrap_label(text: str, max_width: float, size: float) -> list[str]:
    """Wrap for short labels: break before a parenthesis where that reads better, and balance the lines.

    >>> wrap_label("Business partner order (supplier/partner order)", 150, 11)
    ['Business partner order', '(supplier/partner order)']
    >>> wrap_label("计费事件（已引导的产品用量）", 150, 11)
    ['计费事件', '（已引导的产品用量）']
    """
    greedy = wrap(text, max_width, size)
    if len(greedy) == 1:
        return greedy
    for mark in ("（", " ("):
        head, found, tail = text.partition(mark)
        if found and head.strip() and text_width(head, size) <= max_width:
            rest = wrap(found.strip() + tail, max_width, size)
            if 1 + len(rest) <= len(greedy):
                return [head.strip()] + rest
    # Narrow the width as long as the line count stays: lines of even length.
    low, high = max_width / len(greedy), max_width
    for _ in range(12):
        middle = (low + high) / 2
        if len(wrap(text, middle, size)) <= len(greedy):
            high = middle
        else:
            low = middle
    return wrap(text, high, size)


def _split_long(line: str, max_width: float, size: float, bold: bool) -> list[str]:
    if text_width(line, size, bold) <= max_width:
        return [line]
    parts, current = [], ""
    for char in line:
        if current and text_width(current + char, size, bold) > max_width:
            parts.append(current)
            current = char
        else:
            current += char
    return parts + ([current] if current else [])
