"""``etomkg import gb921|extension``: bring TM Forum's workbook and operators' extensions into a store."""

from __future__ import annotations

import json

import click

from ..errors import EtomkgError
from ..progress import Progress
from .main import main, open_graph, store_option


@main.group("import")
def import_group() -> None:
    """Import TM Forum's GB921 workbook or an operator's extension into a persistent store (--store DIR).

    \b
    Every import is all or nothing: readers of the store see the old or the new
    state, and a rejected or failed import leaves the store unchanged.
    """


def _store(store_dir: str | None) -> str:
    if store_dir is None:
        raise EtomkgError("an import needs a store: pass --store DIR (or set ETOMKG_STORE); it is created on first use")
    return store_dir


@import_group.command("gb921")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--release",
    "-r",
    default=None,
    metavar="RELEASE",
    help="Release of the workbook (default: from the sheet name, e.g. eTOM25,5).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@store_option
def gb921_command(file: str, release: str | None, as_json: bool, store_dir: str | None) -> None:
    """Import TM Forum's 'Business Process Framework Processes in Excel' workbook (GB921, .xlsx).

    Its release is rebuilt from the workbook, merged with etomkg's labels (the
    Chinese labels stay) and with TM Forum's brief and extended descriptions
    (etom:briefDescription, etom:extendedDescription). Defects of the workbook
    are recorded as anomalies, never a reason to stop.

    \b
    Example:
      etomkg import gb921 GB921_Business_Process_Framework_Processes_Excel_v25.5.xlsx --store ~/etom-store
    """
    from ..imports.importer import import_workbook

    summary = import_workbook(_store(store_dir), file, release=release, progress=Progress())
    click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) if as_json else summary.render())


@import_group.command("extension")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--name", default=None, metavar="NAME", help="Name of the extension and its graph (default: from the file name)."
)
@click.option(
    "--release", "-r", default=None, metavar="RELEASE", help="Release the extension builds on (default: the newest)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "yaml", "turtle", "jsonld"]),
    default=None,
    help="Format of FILE (default: from its extension: .csv .yaml .ttl .jsonld).",
)
@click.option("--check", "check_only", is_flag=True, help="Only validate (against --store or the bundled graph).")
@click.option(
    "--shapes",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Also run the project's SHACL shapes (etomkg validate) on the extension; auto: up to 10,000 elements.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary, or the rejection report, as JSON.")
@store_option
def extension_command(
    file: str,
    name: str | None,
    release: str | None,
    fmt: str | None,
    check_only: bool,
    shapes: str,
    as_json: bool,
    store_dir: str | None,
) -> None:
    """Import an operator's own processes (below eTOM elements) and the mappings of its
    applications, systems and organisation units to eTOM elements.

    FILE is CSV or YAML (columns kind, id, name, name_zh, parent, level,
    description, description_zh, maps_to; see the README), or Turtle or
    JSON-LD in the etomkg vocabulary. It is validated whole before anything is
    stored — by the same rule book as `etomkg validate FILE` (structural rules, then
    the project's SHACL shapes and OWL checks) — and a file with errors is rejected
    with every error listed (exit 1).

    \b
    Examples:
      etomkg import extension acme-processes.csv --release 25.5 --store ~/etom-store
      etomkg import extension acme-processes.csv --release 25.5 --check
    """
    from ..imports.extension import ExtensionSyntaxError
    from ..imports.findings import Report, ValidationFailed
    from ..imports.importer import import_extension

    try:
        summary = import_extension(
            store_dir if check_only else _store(store_dir),
            file,
            name=name,
            release=release,
            fmt=fmt,
            check_only=check_only,
            progress=Progress(),
            kg=open_graph(store_dir) if check_only else None,
            shapes=shapes,
        )
    except ValidationFailed as exc:
        if as_json:
            click.echo(exc.report.to_json())
        raise
    except ExtensionSyntaxError as exc:
        if as_json:
            click.echo(Report(list(exc.findings)).to_json())
        raise
    click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) if as_json else summary.render())
