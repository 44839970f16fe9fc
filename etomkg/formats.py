"""The one table of formats and media types, for the CLI, the library and the server.

Every other table — the media types the server negotiates, the names clients put in ``format=``, the
extensions of resource documents — is derived from :data:`FORMATS` and :data:`RESULT_FORMATS`.

>>> FORMATS["turtle"].media_type
'text/turtle'
>>> rdf_format_for("ld+json").name
'jsonld'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import EtomkgError


class UnknownFormatError(EtomkgError, ValueError):
    """A format name, extension or media type that no table entry knows."""


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str
    extension: str
    media_type: str
    aliases: tuple[str, ...]  # other names and media types (those with a "/" are negotiated by the server too)
    dataset: bool  # keeps named graphs
    oxigraph: ox.RdfFormat


FORMATS: dict[str, RdfFormatInfo] = {
    f.name: f
    for f in (
        RdfFormatInfo(
            "turtle", "ttl", "text/turtle", ("ttl", "n3", "application/x-turtle"), False, ox.RdfFormat.TURTLE
        ),
        RdfFormatInfo(
            "ntriples", "nt", "application/n-triples", ("nt", "n-triples", "text/plain"), False, ox.RdfFormat.N_TRIPLES
        ),
        RdfFormatInfo(
            "rdfxml",
            "rdf",
            "application/rdf+xml",
            ("rdf", "xml", "owl", "rdf+xml", "application/xml", "text/xml"),
            False,
            ox.RdfFormat.RDF_XML,
        ),
        RdfFormatInfo("trig", "trig", "application/trig", ("application/x-trig",), True, ox.RdfFormat.TRIG),
        RdfFormatInfo("nquads", "nq", "application/n-quads", ("nq", "text/x-nquads"), True, ox.RdfFormat.N_QUADS),
        RdfFormatInfo(
            "jsonld",
            "jsonld",
            "application/ld+json",
            ("json-ld", "ld+json", "json", "application/json"),
            True,
            ox.RdfFormat.JSON_LD,
        ),
    )
}


@dataclass(frozen=True)
class ResultFormatInfo:
    name: str
    extension: str
    media_type: str
    aliases: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat | None


RESULT_FORMATS: dict[str, ResultFormatInfo] = {
    f.name: f
    for f in (
        ResultFormatInfo(
            "json", "srj", "application/sparql-results+json", ("application/json",), ox.QueryResultsFormat.JSON
        ),
        ResultFormatInfo(
            "xml", "srx", "application/sparql-results+xml", ("application/xml", "text/xml"), ox.QueryResultsFormat.XML
        ),
        ResultFormatInfo("csv", "csv", "text/csv", (), ox.QueryResultsFormat.CSV),
        ResultFormatInfo("tsv", "tsv", "text/tab-separated-values", (), ox.QueryResultsFormat.TSV),
    )
}


def rdf_format_for(name_or_media_type: str) -> RdfFormatInfo:
    """Look a format up by name, extension, media type or alias; raise ``ValueError`` listing the choices."""
    key = name_or_media_type.strip().lower().split(";")[0].strip()
    for fmt in FORMATS.values():
        if key in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases) or key == f"application/{fmt.name}":
            return fmt
    raise UnknownFormatError(f"unknown RDF format {name_or_media_type!r}; choose one of: {', '.join(FORMATS)}")


def result_format_for(name_or_media_type: str) -> ResultFormatInfo:
    """Look a SPARQL results format up by name, extension, media type or alias.

    >>> result_format_for("srj").media_type, result_format_for("text/xml").name
    ('application/sparql-results+json', 'xml')
    """
    key = name_or_media_type.strip().lower().split(";")[0].strip()
    for fmt in RESULT_FORMATS.values():
        if key in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    raise UnknownFormatError(
        f"unknown SPARQL results format {name_or_media_type!r}; choose one of: {', '.join(RESULT_FORMATS)}"
    )


def rdf_format_for_path(path: str) -> RdfFormatInfo:
    """The format of a file from its extension (``.ttl``, ``.jsonld`` …)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return rdf_format_for(suffix)


# --- HTTP content negotiation (the server's Accept handling; Flask-free) ---------------------------------------


def media_types(table: dict, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """Media type → format name for the formats ``names`` of ``table`` (all by default), in that order:
    the standard types first (the first is the default), then the aliases clients send.

    >>> media_types(FORMATS, ("turtle", "jsonld"))
    {'text/turtle': 'turtle', 'application/ld+json': 'jsonld', 'application/x-turtle': 'turtle', 'application/json': 'jsonld'}
    """
    chosen = [table[name] for name in (names or table)]
    types = {fmt.media_type: fmt.name for fmt in chosen}
    for fmt in chosen:
        types.update({alias: fmt.name for alias in fmt.aliases if "/" in alias and alias not in types})
    return types


#: Media types a SPARQL client may send for SELECT/ASK results, mapped onto :data:`RESULT_FORMATS`.
RESULT_MEDIA_TYPES: dict[str, str] = media_types(RESULT_FORMATS)

#: Media types for CONSTRUCT/DESCRIBE results, mapped onto :data:`FORMATS`.
GRAPH_MEDIA_TYPES: dict[str, str] = media_types(FORMATS)


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header: ``type/subtype`` with its quality and position."""

    type: str
    subtype: str
    q: float
    position: int

    def matches(self, media_type: str) -> int:
        """Specificity of the match of ``media_type`` (3 exact, 2 ``type/*``, 1 ``*/*``), 0 when it does not match."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type != kind:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an HTTP Accept header (RFC 9110 §12.5.1): combined lists, q-values, wildcards, parameters.

    Malformed elements are skipped rather than failing the whole header.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/turtle;q=0.5, application/ld+json , */*;q=0.1")]
    [('text', 'turtle', 0.5), ('application', 'ld+json', 1.0), ('*', '*', 0.1)]
    >>> parse_accept("text/html;level=1;q=0")[0].q
    0.0
    >>> parse_accept("nonsense, text/csv;q=abc")
    []
    """
    ranges: list[MediaRange] = []
    for position, element in enumerate((header or "").split(",")):
        media, *params = (part.strip() for part in element.split(";"))
        kind, slash, sub = media.lower().partition("/")
        if not slash or not kind or not sub or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if not 0.0 <= q <= 1.0:
            continue
        ranges.append(MediaRange(kind, sub, q, position))
    return ranges


@functools.lru_cache(maxsize=512)
def negotiate(accept: str | None, offers: tuple[str, ...]) -> str | None:
    """The offered media type the client prefers, or ``None`` when none is acceptable.

    Each offer takes the quality of the most specific range that matches it;
    ties go to the more specific match, then to the client's order, then to the
    order of ``offers`` (the server's preference). No or an empty Accept header
    accepts anything, so the first offer wins; so does a header with no
    well-formed media range in it.

    Results are cached: servers see the same few Accept headers over and over.

    >>> offers = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")
    >>> negotiate("text/csv;q=0.9, application/sparql-results+xml", offers)
    'application/sparql-results+xml'
    >>> negotiate("*/*", offers), negotiate(None, offers)
    ('application/sparql-results+json', 'application/sparql-results+json')
    >>> negotiate("text/*, application/sparql-results+json;q=0.2", offers)
    'text/csv'
    >>> negotiate("application/*;q=0.8, application/sparql-results+json;q=0", offers)
    'application/sparql-results+xml'
    >>> negotiate("image/png", offers) is None
    True
    """
    ranges = parse_accept(accept)
    if not ranges:  # no header, an empty one, or nothing usable in it: no preference
        return offers[0] if offers else None
    best: tuple | None = None
    chosen = None
    for order, offer in enumerate(offers):
        match = max(((r.matches(offer), -r.position, r.q) for r in ranges if r.matches(offer)), default=None)
        if match is None or match[2] <= 0:
            continue
        specificity, neg_position, q = match
        rank = (q, specificity, neg_position, -order)
        if best is None or rank > best:
            best, chosen = rank, offer
    return chosen
