"""``etomkg export``."""

from __future__ import annotations

import os
import tempfile

import click

from ..export import select_lines, serialize_lines
from ..formats import FORMATS
from .main import main, open_graph, release_option, store_option

EXPORTERS: dict[str, object] = {}  # extra formats (archimate, archi-csv …) register a callable here


def write_atomically(path: str, data: bytes) -> None:
    """Write all or nothing: a failed export never leaves a partial file behind."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@main.command("export")
@click.option(
    "--format",
    "fmt",
    default="turtle",
    show_default=True,
    help=f"One of: {', '.join(FORMATS)} (and any registered exporter).",
)
@release_option
@click.option("--root", default=None, help="Export only this process and its descendants, e.g. 1.4.5.")
@click.option("--max-level", type=int, default=None, help="Deepest level to include (0-7).")
@click.option("--all-releases", is_flag=True, help="Every release together (named graphs where the format keeps them).")
@click.option("-o", "--output", default="-", show_default=True, help="Output file (- for stdout).")
@store_option
def export_command(
    fmt: str,
    release: str | None,
    root: str | None,
    max_level: int | None,
    all_releases: bool,
    output: str,
    store_dir: str | None,
) -> None:
    """Export one release, a subtree of it, or everything, in an RDF format."""
    kg = open_graph(store_dir)
    if fmt in EXPORTERS:
        data = EXPORTERS[fmt](kg, release=release, root=root, max_level=max_level, output=output)
        if data is None:
            return
    else:
        from ..formats import rdf_format_for

        info = rdf_format_for(fmt)
        lines = select_lines(kg, release="all" if all_releases else release, root=root, max_level=max_level)
        data = serialize_lines(lines, info)
    if output == "-":
        click.get_binary_stream("stdout").write(data)
    else:
        write_atomically(output, data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
