"""Read-only SPARQL under limits that really stop the work: time, rows, no SERVICE.

pyoxigraph evaluates a query in Rust and cannot be interrupted from Python, so
the query runs in a child process that holds its own read-only view of the
same graph (the bundled graph's on-disk copy, the store folder, or the remote
store); when a query overruns, the child is killed and a fresh one is started
for the next query. The query goes through the library's own path
(``KnowledgeGraph.query``: predeclared prefixes, ``release=`` scoping, remote
translation), after the library's own check of every query (:func:`etomkg.safety.sparql.check_query`:
size, nesting, no ``SERVICE`` or ``LOAD``), and no updates.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
from dataclasses import dataclass

from ..errors import EtomkgError, query_syntax_error
from ..safety.sparql import QueryLimitError, check_query

_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*", re.IGNORECASE)
_UPDATE = re.compile(r"(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
DEFAULT_TIMEOUT = 30.0  # seconds, as the server (ETOMKG_QUERY_TIMEOUT)
DEFAULT_MAX_ROWS = 1000  # an assistant reads rows: fewer than the server's 100,000


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS

    @classmethod
    def from_env(cls, timeout: float | None = None, max_rows: int | None = None) -> Limits:
        """The server's variables (ETOMKG_QUERY_TIMEOUT, ETOMKG_MAX_ROWS), overridden by explicit values."""
        env_timeout = os.environ.get("ETOMKG_QUERY_TIMEOUT")
        env_rows = os.environ.get("ETOMKG_MAX_ROWS")
        return cls(
            timeout=timeout if timeout is not None else float(env_timeout) if env_timeout else DEFAULT_TIMEOUT,
            max_rows=max_rows if max_rows is not None else min(int(env_rows), 10_000) if env_rows else DEFAULT_MAX_ROWS,
        )


def _term(term) -> str | None:
    return None if term is None else term.value


def evaluate(kg, text: str, release: str | None, max_rows: int) -> dict:
    """Run ``text`` on ``kg`` and return a JSON-ready result: SELECT rows (at most ``max_rows``), ASK's answer,
    or CONSTRUCT/DESCRIBE triples as N-Triples lines."""
    import pyoxigraph as ox

    check_query(text)
    try:
        result = kg.query(text, release=release)
    except SyntaxError as exc:
        if _UPDATE.match(_PROLOGUE.sub("", re.sub(r"#[^\n]*", "", text))):
            raise QueryLimitError(
                "the graph is read-only here: SPARQL updates (INSERT, DELETE, LOAD, CLEAR …) are refused; "
                "send a SELECT, ASK, CONSTRUCT or DESCRIBE"
            ) from None
        raise query_syntax_error(exc) from None
    if isinstance(result, ox.QueryBoolean | bool):
        return {"kind": "ask", "boolean": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == max_rows:
                raise QueryLimitError(
                    f"the query returns more than {max_rows} rows, the limit; add a LIMIT or make it more selective"
                )
            rows.append({name: _term(solution[name]) for name in variables if solution[name] is not None})
        return {"kind": "select", "variables": variables, "rows": rows}
    triples = []
    for triple in result:
        if len(triples) == max_rows:
            raise QueryLimitError(f"the query returns more than {max_rows} triples, the limit; add a LIMIT")
        triples.append(str(triple) + " .")
    return {"kind": "graph", "triples": triples}


def _child(connection, store_dir: str | None, backend_url: str | None) -> None:
    """The query process: open the graph once, answer queries until the pipe closes."""
    from ..cli.main import open_graph

    try:
        kg = open_graph(store_dir, backend_url)
    except Exception as exc:  # reported to the parent with the first query
        kg, failure = None, f"{type(exc).__name__}: {exc}"
    while True:
        try:
            text, release, max_rows = connection.recv()
        except EOFError:
            return
        if kg is None:
            connection.send(("error", "EtomkgError", failure))
            continue
        try:
            kg.refresh()
            connection.send(("ok", evaluate(kg, text, release, max_rows)))
        except EtomkgError as exc:
            connection.send(("error", type(exc).__name__, str(exc)))
        except Exception as exc:  # an evaluation error of pyoxigraph (OSError …): the message is the answer
            connection.send(("error", type(exc).__name__, str(exc)))


class BoundedQueries:
    """Runs queries one at a time in a child process, killing it when a query overruns."""

    def __init__(self, store_dir: str | None, backend_url: str | None, limits: Limits) -> None:
        self.store_dir, self.backend_url, self.limits = store_dir, backend_url, limits
        self._context = multiprocessing.get_context("spawn")  # no fork of a threaded, async parent
        self._process = None
        self._connection = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_child, args=(child, self.store_dir, self.backend_url), name="etomkg-mcp-sparql", daemon=True
        )
        process.start()
        child.close()
        self._process, self._connection = process, parent
        self._warm = False  # until it has answered once: it first opens the graph

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._connection.close()
        self._process = self._connection = None

    def run(self, text: str, release: str | None = None, max_rows: int | None = None) -> dict:
        """The result of ``text`` (see :func:`evaluate`), or a QueryLimitError / EtomkgError saying why not."""
        check_query(text)  # the library's check, here too: refused at once, no child needed
        rows = min(max_rows or self.limits.max_rows, self.limits.max_rows)
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._start()
            self._connection.send((text, release, rows))
            # The first query also waits for the child to start and open the graph (a second or two).
            if not self._connection.poll(self.limits.timeout + (0 if self._warm else 15)):
                self._stop()
                raise QueryLimitError(
                    f"the query was cancelled after the time limit of {self.limits.timeout:g} s; make it more "
                    "selective (a narrower pattern, release=…, a LIMIT)"
                )
            try:
                answer = self._connection.recv()
            except EOFError:
                self._stop()
                raise QueryLimitError("the query process ended unexpectedly; it has been restarted") from None
            self._warm = True
        if answer[0] == "ok":
            return answer[1]
        raise EtomkgError(answer[2])

    def close(self) -> None:
        with self._lock:
            self._stop()
