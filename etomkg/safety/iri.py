"""The one place that turns an IRI or identifier from outside (a request, a CLI option) into a safe one.

An IRI spliced into SPARQL or Turtle, or handed to pyoxigraph, must be a
valid IRI (no space, ``<``, ``>``, ``"``, ``{``, ``}``, ``|``, ``^``, `````, ``\\``
or control character): otherwise the text changes meaning or the parser raises
deep inside a request. Each function here either returns a safe value or raises
:class:`UnsafeInputError` (exit code 2; the server answers 400, or 404 for a page).

>>> identifier("1.4.5", "--root")
'1.4.5'
>>> identifier('1.4.5">', "--root")
Traceback (most recent call last):
...
etomkg.safety.iri.UnsafeInputError: --root '1.4.5">' is not an identifier: use letters, digits and . _ ~ - (e.g. 1.4.5)
>>> iri_term("https://w3id.org/etomkg/release/26.0/process/1.4")
'<https://w3id.org/etomkg/release/26.0/process/1.4>'
>>> is_safe_iri("https://x/a b"), host_header("evil> <http://x>"), host_header("example.org:8000")
(False, None, 'example.org:8000')
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from ..errors import EtomkgError

_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20\x7f]*")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,199}")
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)


class UnsafeInputError(EtomkgError, ValueError):
    """An IRI or identifier from outside that is not well formed."""


def is_safe_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI that can be spliced between ``<`` and ``>`` and given to pyoxigraph."""
    if not isinstance(text, str) or len(text) > 4096 or not _IRI.fullmatch(text):
        return False
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def safe_iri(text: str, what: str = "the IRI") -> str:
    """``text`` if it is a safe IRI, else :class:`UnsafeInputError` naming ``what``."""
    if not is_safe_iri(text):
        raise UnsafeInputError(
            f'{what} {text[:200]!r} is not a valid IRI (no spaces or any of < > " {{ }} | ^ ` \\ allowed)'
        )
    return text


def iri_term(text: str, what: str = "the IRI") -> str:
    """The IRI as a SPARQL/N-Triples term (``<…>``), made by pyoxigraph from a checked IRI: the only way an
    IRI from outside may enter query text."""
    return str(ox.NamedNode(safe_iri(text, what)))


def identifier(text: str, what: str = "the identifier") -> str:
    """A process or element identifier (``1.4.5``, ``ACME-7``): letters, digits and ``. _ ~ -``."""
    if not isinstance(text, str) or not _IDENTIFIER.fullmatch(text):
        raise UnsafeInputError(
            f"{what} {str(text)[:200]!r} is not an identifier: use letters, digits and . _ ~ - (e.g. 1.4.5)"
        )
    return text


def host_header(value: str | None) -> str | None:
    """The request's ``Host`` if it is a host name or address with an optional port, else None."""
    if value and len(value) <= 300 and _HOST.fullmatch(value):
        return value
    return None


__all__ = ["UnsafeInputError", "host_header", "identifier", "iri_term", "is_safe_iri", "safe_iri"]
