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
        with open(file, encoding="utf-8") as handle:
            return handle.read()
    if text == "-" or (text is None and not sys.stdin.isatty()):
        return sys.stdin.read()
    if not text:
        raise EtomkgError("no query: pass it as an argument, with --file FILE, or on stdin")
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
def query_command(
    sparql: str | None,
    file: str | None,
    fmt: str,
    release: str | None,
    extensions: bool,
    store_dir: str | None,
    backend_url: str | None,
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
    try:
        result = kg.query(text, release=release, extensions=extensions)
    except SyntaxError as exc:
        raise query_syntax_error(exc) from None
    if isinstance(result, ox.QueryBoolean):
        click.echo("true" if bool(result) else "false")
    elif isinstance(result, ox.QueryTriples):
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in result]
        click.echo(serialize(quads, "turtle").decode("utf-8"), nl=False)
    else:
        click.echo(render_solutions(result, fmt))
