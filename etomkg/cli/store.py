"""``etomkg store list|remove``: what a persistent store holds beyond the bundled graph."""

from __future__ import annotations

import json

import click

from ..errors import EtomkgError
from ..outputs.tables import render_rows
from ..progress import Progress
from .main import main, store_option


def _required(store_dir: str | None) -> str:
    if store_dir is None:
        raise EtomkgError("pass --store DIR (or set ETOMKG_STORE)")
    return store_dir


@main.group("store")
def store_group() -> None:
    """List or remove the imports of a persistent store (--store DIR)."""


@store_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
def list_command(fmt: str, store_dir: str | None) -> None:
    """The store's imports: workbooks and extensions, with file, checksum, time and size."""
    from ..imports.importer import list_imports

    manifest, records = list_imports(_required(store_dir))
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "store": manifest["path"],
                    "generation": manifest["generation"],
                    "base": manifest["base"],
                    "triples": manifest["triples"],
                    "imports": [
                        {
                            "name": f"{r.kind}/{r.key}",
                            "kind": r.kind,
                            "release": r.release,
                            "file": r.source_file,
                            "sha256": r.sha256,
                            "imported_at": r.imported_at,
                            "triples": r.triples,
                            "graphs": r.graphs,
                            **r.counts,
                        }
                        for r in records
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
        return
    click.echo(
        f"store {manifest['path']}: generation {manifest['generation']}, {manifest['triples']} triples, "
        f"base {manifest['base']}"
    )
    if not records:
        click.echo("no imports: the bundled graph only")
        return
    columns = ["name", "release", "file", "sha256", "imported at", "processes", "mapped", "triples"]
    rows = [
        {
            "name": f"{r.kind}/{r.key}",
            "release": r.release,
            "file": r.source_file,
            "sha256": r.sha256[:12],
            "imported at": r.imported_at,
            "processes": str(r.counts.get("processes", "")),
            "mapped": str(r.counts.get("mapped", "")),
            "triples": str(r.triples),
        }
        for r in records
    ]
    click.echo(render_rows(columns, rows, "table"))


@store_group.command("remove")
@click.argument("name")
@store_option
def remove_command(name: str, store_dir: str | None) -> None:
    """Remove an import: an extension by its name, a workbook as gb921/<release> (its release
    goes back to the bundled one)."""
    from ..imports.importer import remove_import

    record = remove_import(_required(store_dir), name, progress=Progress())
    click.echo(f"removed {record.kind}/{record.key} (from {record.source_file}) from {store_dir}")
