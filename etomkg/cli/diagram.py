"""``etomkg diagram``: data-flow pictures as SVG."""

from __future__ import annotations

import click

from .. import diagram
from ..atomic import write_file
from ..errors import EtomkgError
from .main import backend_option, main, open_graph, release_option, store_option


@main.command("diagram")
@click.option("--process", default=None, metavar="ID", help="Draw this process's neighbourhood, e.g. 1.4.5.")
@click.option("--e2e", "e2e", default=None, metavar="KEY", help="Draw this end-to-end flow, e.g. order-to-payment.")
@click.option("--all-examples", is_flag=True, help="Write every example diagram into the folder given by -o.")
@release_option
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of the text.")
@click.option("--hops", type=click.IntRange(1, 2), default=2, show_default=True, help="Neighbourhood depth.")
@click.option(
    "--lanes", type=click.Choice(["layer", "domain"]), default="layer", show_default=True, help="End-to-end swimlanes."
)
@click.option(
    "-o",
    "--output",
    default=None,
    metavar="PATH",
    help="SVG file (default: stdout); a folder with --all-examples. Missing folders are created.",
)
@store_option
@backend_option
def diagram_command(
    process: str | None,
    e2e: str | None,
    all_examples: bool,
    release: str | None,
    lang: str,
    hops: int,
    lanes: str,
    output: str | None,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Draw data flows as SVG: a process's producers and consumers, or an end-to-end flow.

    \b
    Examples:
      etomkg diagram --process 1.4.5 --lang zh -o activation.svg
      etomkg diagram --e2e order-to-payment --lanes domain -o o2p.svg
      etomkg diagram --all-examples -o docs/diagrams
    """
    if sum(bool(x) for x in (process, e2e, all_examples)) != 1:
        raise EtomkgError("give exactly one of --process ID, --e2e KEY or --all-examples")
    kg = open_graph(store_dir, backend_url)
    if all_examples:
        written = diagram.write_examples(kg, output or "docs/diagrams", release)
        click.echo(f"wrote {len(written)} files to {output or 'docs/diagrams'}", err=True)
        return
    if process:
        svg = diagram.neighbourhood(kg, process, release=release, lang=lang, hops=hops)
    else:
        svg = diagram.end_to_end(kg, e2e, release=release, lang=lang, lanes=lanes)
    data = svg.encode("utf-8")
    if output in (None, "-"):
        click.echo(data, nl=False)  # bytes go to the binary stream as they are
    else:
        write_file(output, data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
