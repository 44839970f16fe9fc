"""Render SPARQL results for people and programs: table, CSV, TSV, JSON.

>>> print(render_rows(["id", "name"], [{"id": "1.3.10", "name": "b"}, {"id": "1.3.2", "name": "a"}], "table"))
id      name
------  ----
1.3.10  b
1.3.2   a
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pyoxigraph as ox

OUTPUT_FORMATS = ("table", "csv", "tsv", "json")


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def term_text(term) -> str:
    if term is None:
        return ""
    return term.value if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)) else str(term)


def render_rows(columns: list[str], rows: list[dict[str, str]], fmt: str) -> str:
    """Render rows of plain strings; ``fmt`` is one of :data:`OUTPUT_FORMATS`."""
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1)
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
        return buffer.getvalue().rstrip("\n")
    widths = {c: max([_width(c)] + [_width(row.get(c, "")) for row in rows]) for c in columns}
    lines = [
        "  ".join(_pad(c, widths[c]) for c in columns).rstrip(),
        "  ".join("-" * widths[c] for c in columns).rstrip(),
    ]
    lines += ["  ".join(_pad(row.get(c, ""), widths[c]) for c in columns).rstrip() for row in rows]
    return "\n".join(lines)


def render_solutions(solutions, fmt: str) -> str:
    columns = [v.value for v in solutions.variables]
    rows = [{c: term_text(s[c]) for c in columns if s[c] is not None} for s in solutions]
    return render_rows(columns, rows, fmt)
