"""``etomkg query``."""

from __future__ import annotations

import sys

import click
import pyoxigraph as ox

from ..errors import EtomkgError, query_syntax_error
from ..outputs.export import serialize
from ..outputs.tables import OUTPUT_FORMATS, render_solutions
from .main import backend_option, extensions_option, main, open_graph, store_option


def read_query(text: str | None, file: str | None) -> str:
    if text and file:
        raise EtomkgError("give the query either as an argument or with --file, not both")
    if file:
        with open(file, "rb") as handle:
            return query_text(handle.read(), file)
    if text == "-" or (text is None and not sys.stdin.isatty()):
        return query_text(sys.stdin.buffer.read(), "stdin")
    if not text:
        raise EtomkgError("no query: pass it as an argument, with --file FILE, or on stdin")
    return text


def query_text(data: bytes, where: str) -> str:
    """The query in ``data`` as text: UTF-8 (a BOM is dropped), no NUL bytes; else a clear error (exit 2)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EtomkgError(
            f"{where}: the query is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise EtomkgError(f"{where}: the query contains NUL bytes at offset {text.index(chr(0))}; is it a binary file?")
    return text


@main.command("query")
@click.argument("sparql", required=False)
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False), help="Read the query from a file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(OUTPUT_FORMATS),
    default="table",
    show_default=True,
    help="Output of SELECT/ASK results (CONSTRUCT/DESCRIBE print Turtle).",
)
@click.option(
    "--release",
    "-r",
    default=None,
    metavar="RELEASE",
    help="Only this release (plus the ontology), e.g. 25.5 or classic (default: every release together).",
)
@extensions_option
@store_option
@backend_option
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses fetch from the endpoints they name (off by default; never with --backend).",
)
def query_command(
    sparql: str | None,
    file: str | None,
    fmt: str,
    release: str | None,
    extensions: bool,
    store_dir: str | None,
    backend_url: str | None,
    allow_service: bool,
) -> None:
    """Run a SPARQL query (argument, --file, or stdin).

    The default graph is the union of every release; --release restricts it to one
    release plus the ontology (and, with --extensions, the operators' extensions of
    that release in a --store). Prefixes etom:, skos:, rdfs:, owl:, xsd:, prov:,
    dcterms:, xkos: are predeclared.

    \b
    Example:
      etomkg query 'SELECT ?id ?name WHERE { ?p etom:level 2 ; skos:notation ?id ;
                    skos:prefLabel ?name FILTER(lang(?name)="zh") }' --release 25.5
    """
    text = read_query(sparql, file)
    kg = open_graph(store_dir, backend_url)
    try:  # evaluation is lazy: errors may come while the results are written
        result = kg.query(text, release=release, extensions=extensions, allow_service=allow_service)
        newline = True
        if isinstance(result, ox.QueryBoolean):
            output = "true" if bool(result) else "false"
        elif isinstance(result, ox.QueryTriples):
            quads = [ox.Quad(t.subject, t.predicate, t.object) for t in result]
            output, newline = serialize(quads, "turtle").decode("utf-8"), False
        else:
            output = render_solutions(result, fmt)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    except EtomkgError:
        raise
    except (OSError, RuntimeError) as exc:  # pyoxigraph's evaluation errors (a SERVICE that answered badly …)
        raise EtomkgError(f"the query failed: {exc}") from None
    click.echo(output, nl=newline)
