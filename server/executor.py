"""Running a query under the server's limits: time, result rows, result bytes.

pyoxigraph evaluates a query in Rust with the GIL released and cannot be
interrupted from Python. So the request's thread hands the query to a
query thread of its worker (:class:`QueryPool`) and waits for the first
part of the result until the time limit. A query that overruns is answered
503 (with ``Retry-After``) by the request's thread itself, on its own
connection; the worker then asks to be replaced (``Watchdog.retire``, set
by ``etomkg serve``): the server starts a fresh worker, stops the old one
accepting, lets its other requests finish and ends it, which is the only
way to really stop a pyoxigraph query. The other workers keep serving.
Outside ``etomkg serve`` (the Flask test client) the 503 is the same and
the overrun is only logged.

The result is serialised by pyoxigraph in the query thread into a
:class:`ResultStream`: a result up to ``FIRST_PART`` bytes is answered with a
Content-Length, a larger one is streamed in parts through a small queue, so
a worker's memory stays bounded whatever the result size. Rows and bytes
are counted as pyoxigraph writes; passing a limit raises in the writer,
which stops the serialisation (and the evaluation, which is lazy) there:
before the first part is sent that is a clean 422, after it the response is
cut short (the client sees an incomplete chunked body, never a silently
truncated one).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterator
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


@functools.lru_cache(maxsize=2048)
def query_hash(text: str) -> str:
    """Short, stable fingerprint of a query for the access log (once per distinct text: clients repeat them)."""
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
        self.count(chunk)
        self.parts.append(chunk)
        return len(chunk)

    def count(self, chunk: bytes) -> None:
        """Count ``chunk``'s bytes and rows; raise when a limit is passed."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ResultTooLarge(f"the result is larger than the limit of {self.max_bytes} bytes")
        if self.marker is not None:
            joined = self.tail + chunk
            self.rows += joined.count(self.marker) - self.tail.count(self.marker)
            self.tail = joined[-(len(self.marker) - 1) :] if len(self.marker) > 1 else b""
            if self.rows - self._header_rows() > self.max_rows:
                raise ResultTooLarge(f"the result has more than the limit of {self.max_rows} rows")

    def _header_rows(self) -> int:
        # CSV/TSV count the header line; JSON counts separators (one fewer than rows).
        return {b"\r\n": 1, b"\n": 1, b'},{"': -1}.get(self.marker, 0)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


#: Bytes of a result buffered before the response starts: smaller results get a Content-Length.
FIRST_PART = 1024 * 1024
#: Bytes per streamed part, and parts queued between the query thread and the connection.
PART = 256 * 1024
QUEUED_PARTS = 4


class Cancelled(Exception):
    """The response was abandoned (no progress, or the client went away): the query thread stops serialising."""


class Signal:
    """A one-shot event for one waiter: :class:`threading.Event` without its Condition (one lock; cheaper to make
    and to wait on, and every query makes one)."""

    __slots__ = ("_lock", "_set")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            try:
                self._lock.release()
            except RuntimeError:  # two threads set it at once: it is set
                pass

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float) -> bool:
        """Whether it was set within ``timeout`` seconds (call it once)."""
        return self._set or self._lock.acquire(timeout=timeout) or self._set


class ResultStream(LimitedBuffer):
    """What pyoxigraph serialises into, in the query thread; the request thread reads it (see the docstring)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.media_type = ""
        self.ready = Signal()  # the whole result is here, or its first part, or an error
        self.streaming = False
        self.cancelled = False
        self.over_memory = False  # set by the watchdog: the worker passed its memory bound while this ran
        self.error: BaseException | None = None
        self.parts_queue: queue.Queue | None = None  # made when the result turns out to need streaming
        self._pending: list[bytes] = []
        self._pending_size = 0

    def count_rows(self, max_rows: int, result_format: str) -> None:
        self.max_rows, self.marker = max_rows, ROW_MARKERS.get(result_format)

    def write(self, data) -> int:
        if self.cancelled:
            raise Cancelled
        if not self.streaming:
            written = super().write(data)
            if self.size > FIRST_PART:
                self.parts_queue = queue.Queue(QUEUED_PARTS)
                self.streaming = True
                self.ready.set()
            return written
        chunk = bytes(data)
        self.count(chunk)  # self.parts is the request thread's now
        self._pending.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size >= PART:
            self._put(b"".join(self._pending))
            self._pending, self._pending_size = [], 0
        return len(chunk)

    def _put(self, item) -> None:
        while True:
            if self.cancelled:
                raise Cancelled
            try:
                self.parts_queue.put(item, timeout=0.2)  # type: ignore[union-attr]
                return
            except queue.Full:
                continue

    def finish(self, error: BaseException | None) -> None:
        """Called by the query thread at the end: the result is complete, or failed with ``error``."""
        if self.streaming and not self.cancelled:
            try:
                if self._pending and error is None:
                    self._put(b"".join(self._pending))
                self._put(error if error is not None else None)
            except Cancelled:
                pass
        self.error = error
        self.ready.set()

    def body(self, patience: float, on_overrun) -> StreamedBody:
        """The response body of a streamed result (see :meth:`parts_sent`)."""
        return StreamedBody(self, self.parts_sent(patience, on_overrun))

    def parts_sent(self, patience: float, on_overrun) -> Generator[bytes, None, None]:
        """The streamed response body: the first part, then parts as the query thread produces them.

        The byte and row limits bound a streamed result; time only stops a query that makes no progress:
        one that produces no new part within ``patience`` seconds is cut short.
        """
        try:
            yield self.getvalue()
            self.parts.clear()
            while True:
                try:
                    item = self.parts_queue.get(timeout=patience)  # type: ignore[union-attr]
                except queue.Empty:
                    on_overrun()
                    raise ResultTooLarge(f"no progress in {patience:g} s while the result was being sent") from None
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.cancelled = True  # a client that went away stops the query too


class StreamedBody:
    """A WSGI body whose ``close()`` stops the query even when the server never iterated it (HEAD, client gone)."""

    def __init__(self, stream: ResultStream, parts: Generator[bytes, None, None]) -> None:
        self.stream, self.parts = stream, parts

    def __iter__(self) -> Iterator[bytes]:
        return self.parts

    def close(self) -> None:
        self.stream.cancelled = True
        self.parts.close()


class QueryPool:
    """Daemon threads of one worker that evaluate queries, so that requests can be answered at their deadline.

    A thread is started when none is idle; a thread stuck in a cancelled query stays out of the pool until
    the worker is replaced. Daemon threads: the worker process never waits for them on its way out.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, job) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        if start:
            threading.Thread(target=self._run, name="etomkg-query", daemon=True).start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException:  # the job reports its own errors; never lose the thread
                log.exception("query thread")
            with self._lock:
                self._idle += 1


@dataclass
class Watchdog:
    """A worker's query deadlines, its memory bound, and its way out after a cancelled query (see the docstring)."""

    timeout: float
    retire: Callable[[], None] | None = None  # set by `etomkg serve` in each worker: ask for a replacement
    memory_limit: int | None = None  # bytes of resident memory a worker may use while queries run (see worker.py)
    pool: QueryPool = field(default_factory=QueryPool)
    retiring: bool = False
    running: set = field(default_factory=set)  # the ResultStreams of the queries under way
    _thread: threading.Thread | None = None

    def attach(self, worker: object | None = None) -> None:
        """Called in each worker after the fork (threads do not survive a fork): watch memory, if bounded."""
        if self.memory_limit and self._thread is None:
            self._thread = threading.Thread(target=self._watch_memory, name="etomkg-memory", daemon=True)
            self._thread.start()

    def _watch_memory(self) -> None:
        while True:
            time.sleep(0.02 if self.running else 0.1)  # memory can grow by gigabytes a second: look often
            if self.running and resident_bytes() > self.memory_limit:
                for stream in list(self.running):  # which query grows is unknown: stop them all
                    stream.over_memory = stream.cancelled = True
                    stream.ready.set()
                self.overran("(memory)", f"over {self.memory_limit // 2**20} MB of memory")
                time.sleep(1.0)

    def run(self, evaluate: Callable[[ResultStream], None], max_bytes: int, digest: str) -> ResultStream:
        """Run ``evaluate(stream)`` in a query thread; return the stream once its first part (or all) is there.

        Raises :class:`QueryTimeout` when nothing came before the deadline, or the worker's memory bound was passed.
        """
        stream = ResultStream(max_bytes)

        def job() -> None:
            error = None
            try:
                evaluate(stream)
            except BaseException as exc:  # reported to the request's thread
                # Without its traceback: pyoxigraph's results must be dropped in the thread that made them.
                error = exc.with_traceback(None)
                error.__context__ = error.__cause__ = None
            self.running.discard(stream)
            stream.finish(error)

        self.running.add(stream)
        self.pool.submit(job)
        if not stream.ready.wait(self.timeout):
            stream.cancelled = True
            self.overran(digest, f"overran {self.timeout:g} s")
            raise QueryTimeout(f"the time limit of {self.timeout:g} s", digest)
        if stream.over_memory:
            raise QueryTimeout(f"the memory limit of {self.memory_limit // 2**20} MB per worker", digest)
        if stream.error is not None and not stream.streaming:
            raise stream.error
        return stream

    def overran(self, digest: str, what: str = "made no progress") -> None:
        """A query passed a limit: it cannot be stopped, so its worker is replaced (once)."""
        if self.retire is None:
            log.warning("query %s %s; it cannot be cancelled outside `etomkg serve`", digest, what)
            return
        if not self.retiring:
            self.retiring = True
            log.warning("query %s %s: worker %s is being replaced", digest, what, os.getpid())
            self.retire()


class QueryTimeout(Exception):
    def __init__(self, limit: str, digest: str) -> None:
        super().__init__(
            f"the query was cancelled after {limit} (query {digest}). Make it more "
            "selective (a narrower pattern, a release graph, a LIMIT) or download the data from /downloads/ and "
            "query it locally"
        )
