"""``etomkg map``: the eTOM map of a release as a standalone SVG (for print, slides and EA documents)."""

from __future__ import annotations

import sys

import click

from ..atomic import write_file
from ..diagram.mapmodel import LANGUAGES, VIEWS, build_map
from ..diagram.mapsvg import render_svg
from .main import backend_option, main, open_graph, release_option, store_option


@main.command("map")
@release_option
@click.option(
    "--view",
    type=click.Choice(VIEWS),
    default=None,
    help="classic: SIP/Operations/EM with classic rows; current: domains and current verticals "
    "(default: the view the release was published in).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the labels.")
@click.option("--root", default=None, metavar="ID", help="Draw the children of this process instead of all L2s.")
@click.option(
    "--link-base",
    default="",
    metavar="URL",
    help="Prefix of the boxes' links, e.g. http://localhost:8000 (default: site-relative /release/R/process/ID).",
)
@click.option(
    "--output", "-o", default="-", metavar="FILE", help="Write the SVG here (default: stdout); folders are created."
)
@store_option
@backend_option
def map_command(release, view, lang, root, link_base, output, store_dir, backend_url) -> None:
    """Draw the eTOM map of a release as SVG: every box links to its process page.

    \b
    etomkg map --release 26.0 --view classic --lang zh -o etom-26.0-classic-zh.svg
    etomkg map --root 1.3.4 -o crm.svg
    """
    kg = open_graph(store_dir, backend_url)
    release = kg.check_release(release or kg.default_release)
    model = build_map(kg, release, view=view, lang=lang, root=root)
    svg = render_svg(
        model,
        link=lambda r, identifier: f"{link_base.rstrip('/')}/release/{r}/process/{identifier}",
        standalone=True,
    ).encode("utf-8")
    if output == "-":
        sys.stdout.buffer.write(svg)
    else:
        write_file(output, svg)
        click.echo(f"wrote {output}: {model.box_count} processes", err=True)
