"""``etomkg info``."""

from __future__ import annotations

import json

import click

from ..outputs.tables import render_rows
from .main import backend_option, main, open_graph, store_option


@main.command("info")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@backend_option
def info_command(fmt: str, store_dir: str | None, backend_url: str | None) -> None:
    """Releases and process counts per level.

    \b
    Examples:
      etomkg info
      etomkg info --format json --store ~/etom
    """
    kg = open_graph(store_dir, backend_url)
    rows = kg.select("""
        SELECT ?release (STR(?level) AS ?lvl) (COUNT(?p) AS ?n) WHERE {
          ?p a etom:ProcessElement ; etom:release/owl:versionInfo ?release ; etom:level ?level .
        } GROUP BY ?release ?level""")
    counts: dict[str, dict[int, int]] = {}
    for row in rows:
        counts.setdefault(row["release"], {})[int(row["lvl"])] = int(row["n"])
    releases = kg.releases
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "base": kg.iris.base,
                    "triples": len(kg),
                    **({"backend": kg.backend.location} if kg.remote else {}),
                    "default_release": kg.default_release,
                    "releases": {r: {str(k): v for k, v in sorted(counts.get(r, {}).items())} for r in releases},
                },
                indent=1,
            )
        )
        return
    columns = ["release"] + [f"L{i}" for i in range(8)] + ["total"]
    table = []
    for release in releases:
        per = counts.get(release, {})
        row = {
            "release": release + (" (default)" if release == kg.default_release else ""),
            "total": str(sum(per.values())),
        }
        row.update({f"L{i}": str(per[i]) for i in range(8) if i in per})
        table.append(row)
    where = f", in the SPARQL store at {kg.backend.location}" if kg.remote else ""
    click.echo(f"etomkg: {len(kg)} triples, base {kg.iris.base}{where}")
    click.echo(render_rows(columns, table, "table"))
