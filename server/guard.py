"""What a query may ask for: no SERVICE, no LOAD, no graph this store does not hold.

pyoxigraph evaluates ``SERVICE`` by fetching the remote endpoint, so the
check happens on the text before evaluation. A small lexer skips comments,
strings and IRIs, so that ``# SERVICE`` or ``"SERVICE"`` pass and
``?service`` or ``ex:service`` are not keywords. SPARQL's codepoint escapes
(``\\u0053ERVICE``) are decoded first, as the grammar says.

>>> scan("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }").remote
['SERVICE']
>>> scan('SELECT ?service WHERE { ?service ex:service "SERVICE" } # SERVICE').remote
[]
>>> scan("PREFIX g: <http://example.org/g/> SELECT * FROM g:one FROM NAMED <http://example.org/two> {}").graphs
['http://example.org/g/one', 'http://example.org/two']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from etomkg.iris import PREFIXES

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\u00B7\u00C0-\uFFFF.-]*)?:(?:[\w\u00B7\u00C0-\uFFFF.:%-]|\\.)*)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<other>\S)
    """,
    re.VERBOSE,
)
REMOTE_KEYWORDS = frozenset({"SERVICE", "LOAD"})
# Words whose absence lets a query skip the lexer (the common case; it keeps the hot path cheap).
_TRIGGERS = ("service", "load", "from", "using", "with", "\\u")


@dataclass
class Scan:
    remote: list[str] = field(default_factory=list)  # keywords that fetch remote data
    graphs: list[str] = field(default_factory=list)  # IRIs named by FROM / FROM NAMED / USING / WITH


def _decode_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def scan(text: str) -> Scan:
    """Keywords that fetch remote data and the graphs a query's dataset clauses name."""
    result = Scan()
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return result
    prefixes = dict(PREFIXES)
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(_decode_escapes(text))]
    tokens = [(kind, value) for kind, value in tokens if kind not in ("comment", "string")]
    for i, (kind, value) in enumerate(tokens):
        if kind != "word":
            continue
        word = value.upper()
        if word in REMOTE_KEYWORDS:
            result.remote.append(word)
        elif word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 1][0] == "pname" and tokens[i + 2][0] == "iri":
            prefixes[tokens[i + 1][1].rstrip(":")] = tokens[i + 2][1][1:-1]
        elif word in ("FROM", "USING", "WITH"):
            j = i + 1
            if j < len(tokens) and tokens[j][0] == "word" and tokens[j][1].upper() == "NAMED":
                j += 1
            if j < len(tokens):
                iri = _resolve(tokens[j], prefixes)
                if iri is not None:
                    result.graphs.append(iri)
    return result


def _resolve(token: tuple[str | None, str], prefixes: dict[str, str]) -> str | None:
    kind, value = token
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
        return value
    return None
