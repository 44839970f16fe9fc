"""``etomkg build``."""

from __future__ import annotations

import time

import click

from ..formats import FORMATS
from ..outputs.build import build as build_artefacts
from .main import main, open_graph, store_option


@main.command("build")
@click.option(
    "-o",
    "--output",
    "output",
    default="build/graph",
    show_default=True,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Folder to write the artefacts and manifest.json into (created if missing).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(list(FORMATS)),
    help="Only these formats (repeatable; default: all).",
)
@store_option
def build_command(output: str, formats: tuple[str, ...], store_dir: str | None) -> None:
    """Write Turtle, N-Triples, RDF/XML, TriG, N-Quads and JSON-LD per release and for all
    releases together, the JSON-LD context, and a manifest with triple counts and checksums.
    The same input gives byte-identical files.

    \b
    Examples:
      etomkg build -o build/graph
      etomkg build -o out --format turtle --format jsonld
    """
    started = time.perf_counter()
    kg = open_graph(store_dir, in_memory=True)
    artefacts = build_artefacts(kg, output, formats=formats or None)
    total = sum(a.bytes for a in artefacts)
    click.echo(
        f"wrote {len(artefacts)} files ({total / 1e6:.1f} MB) and manifest.json to {output} "
        f"in {time.perf_counter() - started:.1f} s"
    )
