"""``etomkg serve``: the SPARQL endpoint and linked-data server (granian; the web layer is imported lazily)."""

from __future__ import annotations

import os

import click

from .main import backend_option, main, store_option


@main.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--workers",
    default=min(max(os.cpu_count() or 1, 2), 8),  # measured: one per core beats cores + 1 under granian
    show_default="CPU cores, at least 2",
    type=click.IntRange(1, 64),
    help="Worker processes (each holds the graph in memory, ~230 MB).",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256), help="Threads per worker.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Query time limit in seconds; an overrunning query is cancelled with 503 (default 30, env ETOMKG_QUERY_TIMEOUT).",
)
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
@store_option
@backend_option
def serve_command(
    host: str,
    port: int,
    workers: int,
    threads: int,
    timeout: float | None,
    log_level: str,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Serve the graph: SPARQL at /sparql, the query page at /, linked data, downloads, /health.

    \b
    Read-only. Limits (env): ETOMKG_QUERY_TIMEOUT, ETOMKG_MAX_ROWS, ETOMKG_MAX_RESULT_BYTES,
    ETOMKG_MAX_BODY_BYTES. ETOMKG_UPDATE_TOKEN enables POST /update for its bearer (one worker).
    With --backend URL the same API, pages and downloads are served from that SPARQL store.
    """
    from etomkg_server.serving import serve  # Flask and granian only load for this command

    serve(
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        store_dir=store_dir,
        timeout=timeout,
        log_level=log_level,
        backend=backend_url,
    )
