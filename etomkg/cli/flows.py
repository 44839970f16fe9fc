"""``etomkg flows``: the data flows of a release, as a table, CSV or JSON."""

from __future__ import annotations

import json

import click

from ..errors import EtomkgError
from ..outputs.tables import OUTPUT_FORMATS, render_rows
from ..queries.flows import flow_rows
from .main import backend_option, main, open_graph, release_option, store_option

COLUMNS = ["producer_id", "producer_name", "consumer_id", "consumer_name", "information"]
DETAIL_COLUMNS = ["key", "inferred", "stated_for", "evidence", "source", "citation"]


@main.command("flows")
@release_option
@click.option(
    "--process", default=None, metavar="ID", help="Only the flows this process produces or consumes, e.g. 1.4.5."
)
@click.option("--descendants", is_flag=True, help="With --process: also the flows of its sub-processes (1.4.5.x).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of names.")
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True)
@click.option(
    "--details",
    is_flag=True,
    help="Add the flow key, whether it is inferred, the release it is stated for, the evidence, and the source and "
    "citation (document, section) of the stated flow.",
)
@store_option
@backend_option
def flows_command(
    release: str | None,
    process: str | None,
    descendants: bool,
    lang: str,
    fmt: str,
    details: bool,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """List data flows: producer, consumer and the information carried.

    Flows are stated for release 25.5 or, where read from TM Forum's 24.0
    decomposition texts, for 24.0, and carried to every release where both
    processes have a version (see the README). inferred=true marks a flow that
    is our inference rather than a hand-off a source states.

    \b
    Examples:
      etomkg flows --process 1.4.5
      etomkg flows --release 25.5 --lang zh --format csv
    """
    kg = open_graph(store_dir, backend_url)
    release = kg.check_release(release or kg.default_release)
    if descendants and process is None:
        raise EtomkgError("--descendants needs --process")
    rows = flow_rows(kg, release, process, lang=lang, descendants=descendants)
    columns = COLUMNS + (DETAIL_COLUMNS if details else [])
    if fmt == "json":
        rows = [{c: (r[c] == "true" if c == "inferred" else r[c]) for c in columns} for r in rows]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        click.echo(render_rows(columns, rows, fmt))
