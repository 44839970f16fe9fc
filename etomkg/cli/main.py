"""The root command group and shared options."""

from __future__ import annotations

import functools
import sys

import click

from ..errors import EtomkgError
from ..store import KnowledgeGraph
from ..version import __version__


class _Group(click.Group):
    """Runs every command inside the CLI's one error boundary (:mod:`.boundary`): one line, one exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: ARG002
        from .boundary import run

        code = run(lambda: super(_Group, self).main(args, prog_name, complete_var, standalone_mode=False, **extra))
        sys.exit(code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="etomkg")
def main() -> None:
    """etomkg: TM Forum's eTOM as a validated, queryable, exportable knowledge graph.

    \b
    Exit codes: 0 success; 1 a check failed (validation, diff);
    2 bad input (malformed query, unreadable file, unknown release or option);
    3 a remote SPARQL store (--backend, push --to) failed or could not be reached.
    """


store_option = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    default=None,
    envvar="ETOMKG_STORE",
    metavar="DIR",
    help="Persistent store folder (default: the bundled graph in memory). Env: ETOMKG_STORE.",
)
backend_option = click.option(
    "--backend",
    "backend_url",
    default=None,
    envvar="ETOMKG_BACKEND",
    metavar="URL",
    help="Run against this remote SPARQL 1.1 query endpoint instead of the embedded store, e.g. "
    "http://host:7878/query (fill it with `etomkg push`). Credentials: ETOMKG_BACKEND_AUTH; "
    "time limit: ETOMKG_BACKEND_TIMEOUT (s). Env: ETOMKG_BACKEND.",
)
release_option = click.option(
    "--release", "-r", default=None, metavar="RELEASE", help="Release, e.g. 25.5 or classic (default: the newest)."
)
extensions_option = click.option(
    "--extensions",
    is_flag=True,
    help="With --release: also the operators' extensions imported against that release (--store).",
)


def open_graph(store_dir: str | None, backend_url: str | None = None, *, in_memory: bool = False) -> KnowledgeGraph:
    """The graph a command works on (opened once per process): embedded, in a store folder, or remote.

    Without ``--store``, the read-only on-disk cache of the bundled graph: a
    one-shot command then starts in milliseconds instead of loading into memory.
    Commands that read the whole graph (build) ask for it ``in_memory``. A
    persistent store is followed to its newest generation (after an import).
    With ``--backend``, the graph in that remote SPARQL store.
    """
    if store_dir and backend_url:
        raise EtomkgError(
            "give either --store (ETOMKG_STORE) or --backend (ETOMKG_BACKEND), not both: the first is a store "
            "folder on this machine, the second a SPARQL store elsewhere"
        )
    kg = _open_graph(store_dir, backend_url, in_memory)
    kg.refresh()
    return kg


@functools.lru_cache(maxsize=4)
def _open_graph(store_dir: str | None, backend_url: str | None, in_memory: bool) -> KnowledgeGraph:
    from ..store import open as open_kg
    from ..store import open_cached

    if backend_url:
        return open_kg(backend=backend_url)
    return open_kg(store_dir) if store_dir or in_memory else open_cached()
