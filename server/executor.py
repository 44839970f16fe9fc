"""Running a query under the server's limits: time, result rows, result bytes.

pyoxigraph evaluates a query in Rust with the GIL released and cannot be
interrupted from Python. So a query runs in the request's own thread (no
hand-off cost) and a watchdog thread per worker process watches the deadlines.
When a query overruns, the watchdog answers its client with 503 on the
request's socket, stops the worker accepting new connections, lets the
worker's other requests finish, and ends the process; gunicorn's master
forks a fresh worker (the store is preloaded before the fork, so that is
instant). That is the only way to really stop a pyoxigraph query, and the
other workers keep serving meanwhile.

Outside gunicorn (the Flask test client) nothing can be killed: the watchdog
only logs the overrun.

Rows and bytes are counted while pyoxigraph serialises the result in Rust;
the counting writer raises as soon as a limit is passed, which stops the
serialisation (and the evaluation, which is lazy) there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger("etomkg.server")
access_log = logging.getLogger("etomkg.access")


def resident_bytes() -> int:
    """This process's resident memory (Linux: one read of /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def query_hash(text: str) -> str:
    """Short, stable fingerprint of a query for the access log."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


class ResultTooLarge(Exception):
    """The result passed the row or byte limit."""


# Row separators per result format: counting them in the serialised bytes counts rows without Python objects.
# JSON: string values escape '"', so '},{"' only occurs between two solutions. XML: text escapes '<'.
# CSV and TSV: one line per solution (TSV escapes newlines; CSV ends records with CRLF).
ROW_MARKERS = {"json": b'},{"', "xml": b"<result>", "csv": b"\r\n", "tsv": b"\n"}


class LimitedBuffer:
    """A write-only file for pyoxigraph's ``serialize`` that enforces the byte and row limits."""

    def __init__(self, max_bytes: int, max_rows: int | None = None, result_format: str | None = None) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.rows = 0
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        self.marker = ROW_MARKERS.get(result_format or "") if max_rows is not None else None
        self.tail = b""

    def write(self, data) -> int:
        chunk = bytes(data)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ResultTooLarge(f"the result is larger than the limit of {self.max_bytes} bytes")
        if self.marker is not None:
            joined = self.tail + chunk
            self.rows += joined.count(self.marker) - self.tail.count(self.marker)
            self.tail = joined[-(len(self.marker) - 1) :] if len(self.marker) > 1 else b""
            if self.rows - self._header_rows() > self.max_rows:
                raise ResultTooLarge(f"the result has more than the limit of {self.max_rows} rows")
        self.parts.append(chunk)
        return len(chunk)

    def _header_rows(self) -> int:
        # CSV/TSV count the header line; JSON counts separators (one fewer than rows).
        return {b"\r\n": 1, b"\n": 1, b'},{"': -1}.get(self.marker, 0)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


@dataclass
class Running:
    """One query being evaluated, as the watchdog sees it."""

    deadline: float
    started: float
    digest: str
    client: socket.socket | None
    request_line: str
    fired: bool = False


@dataclass
class Watchdog:
    """Watches query deadlines in one worker process; see the module docstring."""

    timeout: float
    memory_limit: int | None = None  # bytes of resident memory a worker may use while queries run (see worker.py)
    running: dict[int, Running] = field(default_factory=dict)
    worker: object | None = None  # the gunicorn worker, once attached after the fork
    retiring_since: float | None = None
    _thread: threading.Thread | None = None
    _inflight: int = 0
    _quiet_since: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, worker: object) -> None:
        """Called in each gunicorn worker after the fork (threads do not survive a fork)."""
        self.worker = worker
        self.running.clear()
        self._thread = threading.Thread(target=self._watch, name="etomkg-watchdog", daemon=True)
        self._thread.start()

    def request_started(self) -> None:
        with self._lock:
            self._inflight += 1

    def request_finished(self) -> None:
        with self._lock:
            self._inflight -= 1

    @contextmanager
    def watch(self, digest: str, client: socket.socket | None, request_line: str) -> Iterator[Running]:
        now = time.monotonic()
        entry = Running(now + self.timeout, now, digest, client, request_line)
        key = threading.get_ident()
        self.running[key] = entry
        try:
            yield entry
        finally:
            self.running.pop(key, None)

    def _watch(self) -> None:
        while True:
            time.sleep(0.02 if self.running else 0.1)  # memory can grow by gigabytes a second: look often
            now = time.monotonic()
            for entry in list(self.running.values()):
                if not entry.fired and now > entry.deadline:
                    self._cancel(entry, now)
            if self.memory_limit and self.running and resident_bytes() > self.memory_limit:
                for entry in list(self.running.values()):  # which query grows is unknown: stop them all
                    if not entry.fired:
                        self._cancel(entry, now, memory=True)
                if self.worker is not None:  # waiting would let the query reach the hard ceiling (an abort)
                    log.warning("worker %s exits: over %d MB of memory", os.getpid(), self.memory_limit // 2**20)
                    logging.shutdown()
                    os._exit(0)
            if self.retiring_since is not None:
                stuck = sum(1 for e in list(self.running.values()) if e.fired)
                with self._lock:
                    others = self._inflight - stuck
                # Wait for a quiet second: a connection accepted just before the worker stopped
                # accepting is not counted as in flight until its request is parsed.
                if others > 0:
                    self._quiet_since = None
                elif self._quiet_since is None:
                    self._quiet_since = now
                quiet = self._quiet_since is not None and now - self._quiet_since >= 1.0
                if quiet or now - self.retiring_since > self.timeout + 5:
                    log.warning("worker %s exits to stop a cancelled query; gunicorn starts a fresh one", os.getpid())
                    logging.shutdown()
                    os._exit(0)

    def _cancel(self, entry: Running, now: float, memory: bool = False) -> None:
        entry.fired = True
        limit = (
            f"the memory limit of {self.memory_limit // (1024 * 1024)} MB per worker"
            if memory
            else f"the time limit of {self.timeout:g} s"
        )
        message = (
            f"etomkg: the query was cancelled after {limit} "
            f"(query {entry.digest}). Make it more selective (a narrower pattern, a release graph, a LIMIT) "
            "or download the data from /downloads/ and query it locally.\n"
        ).encode()
        if self.worker is None or entry.client is None:
            log.warning(
                "query %s overran %g s; it cannot be cancelled outside `etomkg serve`", entry.digest, self.timeout
            )
            return
        head = (
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(message)}\r\n"
            "Retry-After: 5\r\n"
            "Access-Control-Allow-Origin: *\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n\r\n"
        ).encode("ascii")
        try:
            entry.client.settimeout(2.0)
            entry.client.sendall(head + message)
            entry.client.shutdown(socket.SHUT_WR)  # FIN after the response; the client reads it, then closes
        except OSError:
            pass
        access_log.info(
            "%s 503 %.1fms %dB q=%s cancelled",
            entry.request_line,
            (now - entry.started) * 1000,
            len(message),
            entry.digest,
        )
        # Stop accepting and retire once the worker's other requests are done (see _watch).
        self.retiring_since = now
        self.worker.alive = False
