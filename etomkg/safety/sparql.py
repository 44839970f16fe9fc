"""One lexer for SPARQL text, and the one check every query and update passes before any parser sees it.

pyoxigraph's parser recurses once per level of ``{ ( [`` and per operator of a
chain, on the calling thread's stack: about 2,100 nested ``{`` overflow an 8 MB
stack (SIGSEGV, the process dies), 1,000 nested function calls do, and on a
2 MB thread stack a quarter of that. Nested collections and blank-node lists
also take exponential time to parse (60 levels: 0.4 s; 100 levels: 3 s). So
:func:`check_query` refuses, with the line and column, a query that

* is longer than :data:`MAX_QUERY_CHARS` characters,
* nests ``{ ( [`` deeper than :data:`MAX_DEPTH` levels (real queries use < 12),
* chains more than :data:`MAX_CHAIN` operators at one level,
* or fetches from elsewhere: ``SERVICE`` (pyoxigraph evaluates it by an HTTP
  request) or ``LOAD`` — refused before any evaluation.

The lexer skips comments, strings and IRIs, so that ``# SERVICE`` or
``"{{{"`` pass and ``?service`` or ``ex:service`` are not keywords. SPARQL's
code-point escapes (``\\u0053ERVICE``) are decoded first, as the grammar says.

>>> check_query("SELECT * WHERE { ?s ?p ?o }")
>>> check_query("SELECT * WHERE " + "{" * 50 + " ?s ?p ?o " + "}" * 50)
Traceback (most recent call last):
...
etomkg.safety.sparql.QueryLimitError: the query nests { ( [ deeper than 40 levels (line 1, column 56); ...
>>> scan("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }").remote
['SERVICE']
>>> scan('SELECT ?service WHERE { ?service ex:service "SERVICE" } # SERVICE').remote
[]
>>> scan("PREFIX g: <http://example.org/g/> SELECT * FROM g:one FROM NAMED <http://example.org/two> {}").graphs
['http://example.org/g/one', 'http://example.org/two']
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

from ..errors import EtomkgError

MAX_DEPTH = 40  # levels of { ( [ together; see the module docstring for why well below the crash depth
MAX_CHAIN = 1000  # operators at one level (1 + 1 + … recurses per operator too)
MAX_QUERY_CHARS = int(os.environ.get("ETOMKG_MAX_QUERY_CHARS") or 1_000_000)

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
    re.VERBOSE | re.S,
)
REMOTE_KEYWORDS = frozenset({"SERVICE", "LOAD"})
# Words whose absence lets a query skip the keyword scan (the common case; it keeps the hot path cheap).
_TRIGGERS = ("service", "load", "from", "using", "with", "\\u")
_OPEN, _CLOSE = "{([", "})]"
_OPERATORS = frozenset("+-*/|^!=<>&")


class QueryLimitError(EtomkgError, ValueError):
    """A query refused before parsing: too long, nested too deep, or with too long an operator chain."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line, self.column = line, column
        super().__init__(message)


class ServiceRefusedError(EtomkgError, ValueError):
    """A query with SERVICE or LOAD: etomkg never makes a store fetch from elsewhere."""


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    start: int


@dataclass(frozen=True)
class Lexed:
    """A query's text, its *masked* copy (strings and comments blanked, IRIs emptied; same length),
    and the IRI at each IRI token's offset."""

    text: str
    masked: str
    iris: dict[int, str]


def decode_escapes(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def tokens(text: str) -> list[Token]:
    """The tokens of a SPARQL text, comments and strings included (``other`` is one character)."""
    return [Token(m.lastgroup or "other", m.group(), m.start()) for m in _TOKEN.finditer(text)]


def lex(text: str) -> Lexed:
    masked: list[str] = []
    iris: dict[int, str] = {}
    last = 0
    for token in tokens(text):
        if token.kind not in ("comment", "string", "iri"):
            continue
        masked.append(text[last : token.start])
        if token.kind == "iri":
            iris[token.start] = token.value[1:-1]
            masked.append("<" + " " * (len(token.value) - 2) + ">")
        else:
            masked.append(" " * len(token.value))
        last = token.start + len(token.value)
    masked.append(text[last:])
    return Lexed(text, "".join(masked), iris)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@functools.lru_cache(maxsize=2048)
def _shape_problem(text: str) -> tuple[str, int, int] | None:
    """(what, line, column) of the first bound the text passes, or None. Cached: servers repeat queries."""
    if len(text) > MAX_QUERY_CHARS:
        return (
            f"the query has {len(text)} characters, over the limit of {MAX_QUERY_CHARS} "
            "(ETOMKG_MAX_QUERY_CHARS); split it or load the data and query it locally",
            1,
            1,
        )
    decoded = decode_escapes(text) if "\\u" in text or "\\U" in text else text
    brackets = sum(decoded.count(c) for c in _OPEN)
    operators = sum(decoded.count(c) for c in _OPERATORS)
    if brackets <= MAX_DEPTH and operators <= MAX_CHAIN:
        return None  # cannot pass either bound: no need to lex
    depth = 0
    chains = [0]
    for token in tokens(decoded):
        if token.kind != "other":
            continue
        char = token.value
        if char in _OPEN:
            depth += 1
            chains.append(0)
            if depth > MAX_DEPTH:
                line, column = _position(decoded, token.start)
                return (
                    f"the query nests {{ ( [ deeper than {MAX_DEPTH} levels (line {line}, column {column}); "
                    "flatten it (real queries need fewer than 12 levels)",
                    line,
                    column,
                )
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
            if len(chains) > 1:
                chains.pop()
        elif char in _OPERATORS:
            chains[-1] += 1
            if chains[-1] > MAX_CHAIN:
                line, column = _position(decoded, token.start)
                return (
                    f"the query chains more than {MAX_CHAIN} operators in one expression (line {line}, "
                    f"column {column}); use VALUES or IN ( … ) for long lists",
                    line,
                    column,
                )
    return None


@dataclass
class Scan:
    remote: list[str] = field(default_factory=list)  # keywords that fetch remote data
    graphs: list[str] = field(default_factory=list)  # IRIs named by FROM / FROM NAMED / USING / WITH


@functools.lru_cache(maxsize=2048)
def _scan(text: str) -> Scan:
    result = Scan()
    lowered = text.lower()
    if not any(trigger in lowered for trigger in _TRIGGERS):
        return result
    from ..iris import PREFIXES

    prefixes = dict(PREFIXES)
    found = [t for t in tokens(decode_escapes(text)) if t.kind not in ("comment", "string")]
    for i, token in enumerate(found):
        if token.kind != "word":
            continue
        word = token.value.upper()
        if word in REMOTE_KEYWORDS:
            result.remote.append(word)
        elif word == "PREFIX" and i + 2 < len(found) and found[i + 1].kind == "pname" and found[i + 2].kind == "iri":
            prefixes[found[i + 1].value.rstrip(":")] = found[i + 2].value[1:-1]
        elif word in ("FROM", "USING", "WITH"):
            j = i + 1
            if j < len(found) and found[j].kind == "word" and found[j].value.upper() == "NAMED":
                j += 1
            if j < len(found):
                iri = _resolve(found[j], prefixes)
                if iri is not None:
                    result.graphs.append(iri)
    return result


def scan(text: str) -> Scan:
    """Keywords that fetch remote data and the graphs a query's dataset clauses name."""
    found = _scan(text)
    return Scan(list(found.remote), list(found.graphs))


def _resolve(token: Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.value[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.value.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else token.value
    return None


def uses_service(text: str) -> bool:
    """Whether the query has a SERVICE clause (a fetch from another endpoint).

    >>> uses_service('SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }')
    True
    >>> uses_service('SELECT ?service { ?service a etom:Service } # SERVICE')
    False
    >>> uses_service('SELECT * { \\\\u0053ERVICE <http://x/> { ?s ?p ?o } }')
    True
    """
    return "SERVICE" in _scan(text).remote


def check_query(text: str, *, allow_service: bool = False) -> None:
    """Refuse a query or update that a parser must not see, or that would fetch from elsewhere.

    Raises :class:`QueryLimitError` (size, nesting, chains; with line and column) or
    :class:`ServiceRefusedError` (SERVICE unless ``allow_service``; LOAD always).
    """
    if not isinstance(text, str):
        raise EtomkgError(f"a query is text, not {type(text).__name__}")
    problem = _shape_problem(text)
    if problem is not None:
        raise QueryLimitError(*problem)
    remote = [word for word in _scan(text).remote if not (allow_service and word == "SERVICE")]
    if remote:
        raise ServiceRefusedError(
            f"{remote[0]} is refused: etomkg never fetches data from other endpoints or URLs"
            + ("" if remote[0] == "LOAD" else " (federated queries are disabled)")
        )


__all__ = [
    "MAX_CHAIN",
    "MAX_DEPTH",
    "MAX_QUERY_CHARS",
    "Lexed",
    "QueryLimitError",
    "Scan",
    "ServiceRefusedError",
    "Token",
    "check_query",
    "lex",
    "scan",
    "tokens",
    "uses_service",
]
