"""``etomkg mcp``: the Model Context Protocol server for AI assistants (the SDK is imported lazily)."""

from __future__ import annotations

import click

from .main import backend_option, main, store_option


@main.command("mcp")
@click.option("--http", "http", is_flag=True, help="Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --http: the address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="With --http: the port.")
@click.option(
    "--allow-host",
    "allowed_hosts",
    multiple=True,
    metavar="HOST[:PORT]",
    help="With --http on another address: a Host header to accept (repeatable; DNS-rebinding protection).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Time limit of a SPARQL query in seconds; it is then cancelled (default 30, env ETOMKG_QUERY_TIMEOUT).",
)
@click.option(
    "--max-rows", type=click.IntRange(1, 10_000), default=None, help="Rows of a SPARQL result (default 1000)."
)
@store_option
@backend_option
def mcp_command(
    http: bool,
    host: str,
    port: int,
    allowed_hosts: tuple[str, ...],
    timeout: float | None,
    max_rows: int | None,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Serve eTOM to AI assistants over the Model Context Protocol (read-only).

    \b
    stdio by default (the assistant starts this command); --http serves
    streamable HTTP on 127.0.0.1 (other addresses only with --host).
    Tools: search_processes, get_process, process_flows, end_to_end_flows,
    compare_releases, validate_extension, sparql_query,
    process_components.
    """
    from ..mcp.bounded import Limits
    from ..mcp.server import serve

    serve(
        store_dir,
        backend_url,
        http=http,
        host=host,
        port=port,
        limits=Limits.from_env(timeout, max_rows),
        allowed_hosts=list(allowed_hosts) or None,
    )
