"""Small, lexically safe edits of SPARQL query text, for stores that are not our own engine.

A remote SPARQL store knows neither etomkg's predeclared prefixes nor its
``etom:sortKey`` function, so the text sent to it is completed first:

>>> text = 'SELECT ?id WHERE { ?p skos:notation ?id } ORDER BY etom:sortKey(?id)'
>>> sent = for_remote(text, {"skos": "http://www.w3.org/2004/02/skos/core#",
...                          "etom": "https://w3id.org/etomkg/ontology#"})
>>> sent.startswith("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX etom:")
True
>>> "sortKey" in sent, "REPLACE(" in sent
(False, True)

Every edit works on a *masked* copy of the text, where string literals and
comments are blanked and IRIs emptied (one lexer: :mod:`etomkg.safety.sparql`), so that a ``#`` in an IRI, a ``(`` in a
string or the word SERVICE in a comment is never mistaken for syntax.
"""

from __future__ import annotations

import re

from ..safety.sparql import lex as _lex
from ..safety.sparql import uses_service

SORT_KEY_IRI = "https://w3id.org/etomkg/ontology#sortKey"

_PREFIX_DECL = re.compile(r"(?i)(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?:")
_PREFIXED_CALL = re.compile(r"(?<![\w:?$.-])([A-Za-z][\w.-]*)?:sortKey\s*\(")
_IRI_CALL = re.compile(r"<\s*>\s*\(")


def declared_prefixes(text: str) -> set[str]:
    """Prefix names the query declares itself (``""`` for the empty prefix).

    >>> sorted(declared_prefixes('PREFIX ex: <http://e/> # PREFIX no: <x>\\nSELECT * { ?s ex:p "PREFIX s: <y>" }'))
    ['ex']
    """
    if "prefix" not in text.lower():
        return set()
    return {m.group(1) or "" for m in _PREFIX_DECL.finditer(_lex(text).masked)}


def sort_key_expression(argument: str) -> str:
    """``etom:sortKey(ARG)`` in plain SPARQL 1.1: every all-digit part of a dotted identifier
    zero-padded to four digits (``1.3.10`` → ``0001.0003.0010``), exactly as our engine computes it.

    Parts are first wrapped as ``.part.`` (separators doubled) so each can be matched whole;
    three zeros are put in front of every all-digit part, then as many of them taken away
    again as leave four digits or more; finally the wrapping and the doubling are undone.
    """
    wrapped = f'CONCAT(".", REPLACE(STR({argument}), "\\\\.", ".."), ".")'
    padded = f'REPLACE({wrapped}, "\\\\.([0-9]+)\\\\.", ".000$1.")'
    trimmed = f'REPLACE({padded}, "\\\\.0{{0,3}}([0-9]{{4,}})\\\\.", ".$1.")'
    unwrapped = f'REPLACE({trimmed}, "^\\\\.|\\\\.$", "")'
    return f'REPLACE({unwrapped}, "\\\\.\\\\.", ".")'


def _closing_paren(masked: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(masked)):
        char = masked[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced parentheses in a call of etom:sortKey")


def rewrite_sort_key(text: str, prefixes: dict[str, str]) -> str:
    """Replace every call of ``etom:sortKey`` (by any prefix bound to its namespace, or its full IRI)
    with :func:`sort_key_expression`.

    >>> rewrite_sort_key('SELECT * {} ORDER BY e:sortKey(?id) # e:sortKey(x)', {"e": SORT_KEY_IRI[:-7]})
    'SELECT * {} ORDER BY REPLACE(REPLACE(REPLACE(REPLACE(CONCAT(".", REPLACE(STR(?id), ...'
    """
    if "sortKey" not in text:
        return text
    lexed = _lex(text)
    namespace = SORT_KEY_IRI[: -len("sortKey")]
    bound = dict(prefixes)
    for match in re.finditer(r"(?i)(?<![\w:?$])PREFIX\s+([A-Za-z][\w.-]*)?:\s*<", lexed.masked):
        iri_start = match.end() - 1
        if iri_start in lexed.iris:
            bound[match.group(1) or ""] = lexed.iris[iri_start]
    calls: list[tuple[int, int]] = []  # (start of the function name, offset of its "(")
    for match in _PREFIXED_CALL.finditer(lexed.masked):
        if bound.get(match.group(1) or "") == namespace:
            calls.append((match.start(), match.end() - 1))
    for match in _IRI_CALL.finditer(lexed.masked):
        if lexed.iris.get(match.start()) == SORT_KEY_IRI:
            calls.append((match.start(), match.end() - 1))
    if not calls:
        return text
    out: list[str] = []
    last = 0
    for start, opening in sorted(calls):
        if start < last:  # a call inside an argument already rewritten
            continue
        closing = _closing_paren(lexed.masked, opening)
        argument = rewrite_sort_key(text[opening + 1 : closing], bound)
        out += [text[last:start], sort_key_expression(argument.strip())]
        last = closing + 1
    out.append(text[last:])
    return "".join(out)


def with_prologue(text: str, prefixes: dict[str, str], base_iri: str | None = None) -> str:
    """Declare the predeclared prefixes the query does not declare itself, on its first line
    (so the line numbers a store reports stay those of the query as written).

    >>> with_prologue("PREFIX a: <http://a/>\\nASK {}", {"a": "http://x/", "b": "http://b/"})
    'PREFIX b: <http://b/> PREFIX a: <http://a/>\\nASK {}'
    """
    own = declared_prefixes(text)
    head = "".join(f"PREFIX {name}: <{iri}> " for name, iri in prefixes.items() if name not in own)
    if base_iri:
        head = f"BASE <{base_iri}> " + head
    return head + text


def for_remote(text: str, prefixes: dict[str, str], base_iri: str | None = None) -> str:
    """The query as a standard SPARQL 1.1 store must see it: prologue completed, sortKey rewritten."""
    return with_prologue(rewrite_sort_key(text, prefixes), prefixes, base_iri)


__all__ = ["SORT_KEY_IRI", "declared_prefixes", "for_remote", "rewrite_sort_key", "sort_key_expression", "uses_service"]
