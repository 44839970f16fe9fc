"""``etomkg push``."""

from __future__ import annotations

import sys

import click

from ..outputs.push import DEFAULT_PUSH_TIMEOUT, DEFAULT_RETRIES, GraphUpload, PushProgress, push, select_graphs
from ..outputs.tables import render_rows
from ..storage.httpclient import authorization_from_env
from .main import main, open_graph, store_option


class _Progress(PushProgress):
    """A progress bar on a terminal; one line per graph when stderr is a file or a pipe (CI logs)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.tty = sys.stderr.isatty()
        self.bar = None
        self.count = 0
        self.done = 0

    def start(self, total_bytes: int, uploads: list[GraphUpload]) -> None:
        self.count = len(uploads)
        click.echo(
            f"pushing {len(uploads)} graphs, {sum(u.triples for u in uploads):,} triples "
            f"({total_bytes / 1e6:.1f} MB of N-Triples) to {self.url}",
            err=True,
        )
        if self.tty:
            self.bar = click.progressbar(length=total_bytes, file=sys.stderr, width=30, show_eta=True)
            self.bar.__enter__()

    def graph_started(self, upload: GraphUpload) -> None:
        if self.bar is not None:
            self.bar.label = f"[{self.done + 1}/{self.count}] {_short(upload.graph)}"
            self.bar.render_progress()

    def advance(self, nbytes: int) -> None:
        if self.bar is not None:
            self.bar.update(nbytes)

    def retrying(self, upload: GraphUpload, delay: float, reason: str) -> None:
        self._line(f"  retrying <{upload.graph}> in {delay:.1f} s (attempt {upload.attempts + 1}): {reason}")

    def graph_done(self, upload: GraphUpload) -> None:
        self.done += 1
        if not self.tty:
            click.echo(
                f"  [{self.done}/{self.count}] {upload.graph}: {upload.triples:,} triples in {upload.seconds:.1f} s",
                err=True,
            )

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def _line(self, text: str) -> None:
        if self.bar is not None:
            click.echo("\r\033[K" + text, err=True)  # above the bar, which redraws on the next update
        else:
            click.echo(text, err=True)


def _short(graph: str) -> str:
    return graph if len(graph) <= 48 else "…" + graph[-47:]


@main.command("push")
@click.option(
    "--to",
    "url",
    required=True,
    metavar="URL",
    help="The store's SPARQL 1.1 Graph Store Protocol endpoint, e.g. http://host:7878/store (Oxigraph), "
    "http://host:3030/DS/data (Fuseki), http://host:7200/repositories/R/rdf-graphs/service (GraphDB).",
)
@click.option(
    "--release",
    "-r",
    "releases",
    multiple=True,
    metavar="RELEASE",
    help="Push the ontology, the framework and this release with the graphs imported against it "
    "(repeatable; default: every graph of the store).",
)
@click.option(
    "--graph",
    "graphs",
    multiple=True,
    metavar="GRAPH",
    help="Push this named graph too (repeatable): an IRI, or ontology, framework, release/R, extension/NAME.",
)
@click.option(
    "--auth-env",
    "auth_env",
    default=None,
    metavar="VAR",
    help="Environment variable holding the store's credential: user:password (Basic) or a token (Bearer). "
    "Never pass credentials on the command line.",
)
@click.option(
    "--verify-with",
    "verify_with",
    default=None,
    metavar="QUERY-URL",
    help="The store's SPARQL query endpoint: count each graph there afterwards and fail if any differs.",
)
@click.option(
    "--bulk",
    is_flag=True,
    help="Oxigraph only: load with its bulk loader (no_transaction): several times faster, not atomic.",
)
@click.option("--timeout", type=float, default=DEFAULT_PUSH_TIMEOUT, show_default=True, help="Seconds per request.")
@click.option("--retries", type=int, default=DEFAULT_RETRIES, show_default=True, help="Retries of a failed graph.")
@click.option("--dry-run", is_flag=True, help="List the graphs that would be pushed, and stop.")
@store_option
def push_command(
    url: str,
    releases: tuple[str, ...],
    graphs: tuple[str, ...],
    auth_env: str | None,
    verify_with: str | None,
    bulk: bool,
    timeout: float,
    retries: int,
    dry_run: bool,
    store_dir: str | None,
) -> None:
    """Load the ontology, releases and imported graphs into another SPARQL store, one named graph each.

    Each graph replaces the graph of the same name on the store (HTTP PUT), so a push can
    be repeated; transient failures are retried with back-off. Afterwards, query that store
    with --backend QUERY-URL.

    \b
    Example (Oxigraph):
      etomkg push --to http://localhost:7878/store --verify-with http://localhost:7878/query
      etomkg query --backend http://localhost:7878/query 'SELECT ...'
    """
    authorization = authorization_from_env(auth_env, required=True) if auth_env else None
    kg = open_graph(store_dir)
    chosen = select_graphs(kg, releases=releases, graphs=graphs)
    if dry_run:
        for graph in chosen:
            click.echo(graph)
        return
    progress = _Progress(url)
    try:
        report = push(
            kg,
            url,
            graphs=chosen,
            authorization=authorization,
            timeout=timeout,
            retries=retries,
            bulk=bulk,
            verify_with=verify_with,
            progress=progress,
        )
    finally:
        progress.finish()
    rows = [
        {
            "graph": u.graph,
            "triples": f"{u.triples:,}",
            "MB": f"{u.bytes / 1e6:.1f}",
            "seconds": f"{u.seconds:.1f}",
            "attempts": str(u.attempts),
            "status": str(u.status),
            **({"on store": f"{u.stored:,}"} if u.stored is not None else {}),
        }
        for u in report.uploads
    ]
    columns = ["graph", "triples", "MB", "seconds", "attempts", "status"] + (["on store"] if verify_with else [])
    click.echo(render_rows(columns, rows, "table"))
    rate = report.triples / report.seconds if report.seconds else 0
    click.echo(
        f"pushed {len(report.uploads)} graphs, {report.triples:,} triples ({report.bytes / 1e6:.1f} MB) "
        f"to {report.url} in {report.seconds:.1f} s ({rate:,.0f} triples/s)" + ("; verified" if verify_with else "")
    )
