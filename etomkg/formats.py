"""The one table of formats and media types, for the CLI, the library and the server.

>>> FORMATS["turtle"].media_type
'text/turtle'
>>> rdf_format_for("ld+json").name
'jsonld'
"""

from __future__ import annotations

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
    aliases: tuple[str, ...]
    dataset: bool  # keeps named graphs
    oxigraph: ox.RdfFormat


FORMATS: dict[str, RdfFormatInfo] = {
    f.name: f
    for f in (
        RdfFormatInfo("turtle", "ttl", "text/turtle", ("ttl", "application/x-turtle"), False, ox.RdfFormat.TURTLE),
        RdfFormatInfo("ntriples", "nt", "application/n-triples", ("nt", "text/plain"), False, ox.RdfFormat.N_TRIPLES),
        RdfFormatInfo(
            "rdfxml",
            "rdf",
            "application/rdf+xml",
            ("rdf", "xml", "owl", "application/xml"),
            False,
            ox.RdfFormat.RDF_XML,
        ),
        RdfFormatInfo("trig", "trig", "application/trig", ("application/x-trig",), True, ox.RdfFormat.TRIG),
        RdfFormatInfo("nquads", "nq", "application/n-quads", ("nq", "text/x-nquads"), True, ox.RdfFormat.N_QUADS),
        RdfFormatInfo(
            "jsonld", "jsonld", "application/ld+json", ("json-ld", "ld+json", "json"), True, ox.RdfFormat.JSON_LD
        ),
    )
}


@dataclass(frozen=True)
class ResultFormatInfo:
    name: str
    extension: str
    media_type: str
    oxigraph: ox.QueryResultsFormat | None


RESULT_FORMATS: dict[str, ResultFormatInfo] = {
    f.name: f
    for f in (
        ResultFormatInfo("json", "srj", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ResultFormatInfo("xml", "srx", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ResultFormatInfo("csv", "csv", "text/csv", ox.QueryResultsFormat.CSV),
        ResultFormatInfo("tsv", "tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
    )
}


def rdf_format_for(name_or_media_type: str) -> RdfFormatInfo:
    """Look a format up by name, extension, media type or alias; raise ``ValueError`` listing the choices."""
    key = name_or_media_type.strip().lower().split(";")[0].strip()
    for fmt in FORMATS.values():
        if key in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases) or key == f"application/{fmt.name}":
            return fmt
    raise UnknownFormatError(f"unknown RDF format {name_or_media_type!r}; choose one of: {', '.join(FORMATS)}")


def rdf_format_for_path(path: str) -> RdfFormatInfo:
    """The format of a file from its extension (``.ttl``, ``.jsonld`` …)."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return rdf_format_for(suffix)
