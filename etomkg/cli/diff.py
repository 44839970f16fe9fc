"""``etomkg diff A B``."""

from __future__ import annotations

import click

from ..atomic import write_file
from ..errors import EXIT_FAILED
from .main import backend_option, main, open_graph, store_option


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown", show_default=True)
@click.option(
    "--release",
    "-r",
    default=None,
    metavar="RELEASE",
    help="Release of a workbook given as OLD or NEW (default: its sheet name).",
)
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Output file (- for stdout); folders are created.",
)
@click.option("--fail-on-changes", is_flag=True, help="Exit 1 when anything changed (for CI).")
@store_option
@backend_option
def diff_command(
    old: str,
    new: str,
    fmt: str,
    release: str | None,
    output: str,
    fail_on_changes: bool,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """What changed between two releases, or between a release and a GB921 workbook file:
    processes added, removed, renumbered, renamed, moved to another parent, and changed
    verticals. Markdown reads well in a pull request.

    \b
    Examples:
      etomkg diff 25.0 25.5
      etomkg diff 25.5 GB921_v25.5.xlsx --format csv -o changes.csv
    """
    from ..outputs.diff import release_diff

    result = release_diff(open_graph(store_dir, backend_url), old, new, workbook_release=release)
    text = result.render(fmt)
    if output == "-":
        click.echo(text, nl=False)
    else:
        write_file(output, text.encode("utf-8"))
        click.echo(f"wrote {output}: " + ", ".join(f"{k} {n}" for k, n in result.counts().items()), err=True)
    if fail_on_changes and any(result.counts().values()):
        raise SystemExit(EXIT_FAILED)
