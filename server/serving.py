"""``etomkg serve``: the app under granian (a Rust HTTP server; WSGI workers), never Flask's development server.

Chosen by measurement against gunicorn gthread (see the README and
``benchmarks/server.py``): granian parses HTTP and holds connections in Rust,
so new connections cost little, slow clients hold no Python thread (headers
have a read timeout), and requests beyond a worker's threads wait in its
queue (backpressure) instead of being reset.

The master prepares the on-disk copy of the graph (once per version of the
sources); each worker, forked, opens it read-only in milliseconds and loads
the in-memory store in the background (see :mod:`etomkg_server.graph`), so a
worker replaced after a cancelled query answers at once too. RocksDB handles
must not cross a fork, hence no app in the master. With ``--store DIR`` each
worker opens that persistent store read-only.

Shutdown: SIGTERM or SIGINT stop accepting at once, requests in flight finish
(a query is bounded by its time limit), and the workers end; a worker ends
with ``os._exit`` (multiprocessing's fork start), so no RocksDB handle or
background thread is torn down by interpreter finalisation, which is what
crashed gunicorn's workers on the way out. SIGHUP replaces the workers one by
one, each new one first.
"""

from __future__ import annotations

import logging
import mmap
import os
import signal
import struct
import sys
import threading
import time
from functools import partial
from typing import Any

from etomkg.errors import EtomkgError

from .config import defaults_from_env

log = logging.getLogger("etomkg.server")
#: Seconds a worker may take to finish its requests after SIGTERM beyond the query time limit, then it is killed.
GRACE = 2
#: Connections one worker holds open at a time (in Rust: a slow or idle client costs no Python thread).
CONNECTIONS = 512
#: Milliseconds a client has to send its request headers (slow senders hold no thread, but not forever).
HEADER_TIMEOUT_MS = 10_000


def worker_app(app_config: dict[str, Any], retire_fd: int, inflight: mmap.mmap):
    """Build the app in a new worker (granian calls it after the fork)."""
    from . import create_app
    from .worker import start_worker

    _end_with_the_main_process()
    app = create_app(app_config)
    start_worker(app)  # the runner-independent worker start: memory bound, watchdog
    watchdog = app.extensions["etomkg.watchdog"]
    pid = os.getpid()
    watchdog.retire = lambda: os.write(retire_fd, struct.pack("=i", pid))
    slot = int(os.environ.get(SLOT_VARIABLE, "0"))
    struct.pack_into("=q", inflight, READY_OFFSET + 8 * slot, 1)  # from here on a death is no crash loop
    log.info("worker %s serves", pid)
    return Counted(app, inflight, slot)


def _end_with_the_main_process() -> None:
    """A worker whose main process died (SIGKILL, OOM killer) ends too, instead of holding its memory forever."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() == 1:  # the main process died before this worker asked
        os._exit(0)


#: Workers' requests in flight, one counter per slot in memory shared with the main process: on SIGTERM it
#: ends a worker as soon as it has none (granian's graceful stop can wait on idle keep-alive connections).
SLOTS = 256
SLOT_VARIABLE = "ETOMKG_WORKER_SLOT"
#: After the counters, one flag per slot: the worker has built its app and serves.
READY_OFFSET = 8 * SLOTS


class Counted:
    """The WSGI app, counting its requests in flight into this worker's slot."""

    def __init__(self, app, inflight: mmap.mmap, slot: int) -> None:
        self.app, self.inflight, self.offset = app, inflight, 8 * slot
        self.lock = threading.Lock()
        self.count = 0

    def add(self, delta: int) -> None:
        with self.lock:
            self.count += delta
            struct.pack_into("=q", self.inflight, self.offset, self.count)

    def __call__(self, environ, start_response):
        self.add(1)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self.add(-1)
            raise
        if isinstance(body, list):
            self.add(-1)
            return body
        return _Closing(body, lambda: self.add(-1))


class _Closing:
    __slots__ = ("body", "done")

    def __init__(self, body, done) -> None:
        self.body, self.done = body, done

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


def _server_class():
    from granian.server import MPServer

    class EtomkgGranian(MPServer):
        """granian's process manager, plus: a worker that had to cancel a query asks to be replaced.

        The worker writes its pid on a pipe; the main loop then starts a fresh worker and stops the old one
        gracefully (it stops accepting, finishes its other requests, and its stuck query dies with it).
        """

        def __init__(self, *args, retire_fd: int, inflight: mmap.mmap, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.retire_fd = retire_fd
            self.inflight = inflight
            self.slots: dict[int, int] = {}  # worker index -> slot of its current process
            self.next_slot = 0
            self.retiring: set[int] = set()
            self.retiring_lock = threading.Lock()

        def startup(self, spawn_target, target_loader) -> None:
            super().startup(spawn_target, target_loader)
            threading.Thread(target=self._read_retirements, name="etomkg-retire", daemon=True).start()

        def _read_retirements(self) -> None:
            while data := os.read(self.retire_fd, 4):
                with self.retiring_lock:
                    self.retiring.add(struct.unpack("=i", data)[0])
                self.rss_signal = True  # granian's main loop: replace the workers _handle_rss_signal names
                self.main_loop_interrupt.set()

        def _handle_rss_signal(self, spawn_target, target_loader) -> None:
            with self.retiring_lock:
                pids, self.retiring = self.retiring, set()
            indexes = [worker.idx for worker in self.wrks if worker.inner.pid in pids]
            for idx in indexes:
                log.warning("replacing worker-%d after a cancelled query", idx + 1)
            self._respawn_workers(indexes, spawn_target, target_loader)

        def _watch_workers_rss(self) -> None:
            pass  # no periodic RSS sampling: only retirements raise the signal

        def _spawn_worker(self, idx, target, callback_loader):
            slot = self.next_slot
            self.next_slot = (slot + 1) % SLOTS
            struct.pack_into("=q", self.inflight, 8 * slot, 0)
            struct.pack_into("=q", self.inflight, READY_OFFSET + 8 * slot, 0)
            os.environ[SLOT_VARIABLE] = str(slot)  # inherited by the fork that start() makes next
            worker = super()._spawn_worker(idx, target, callback_loader)
            worker.slot = slot
            worker._watcher = partial(self._watch_worker, worker, worker._watcher)  # start() runs it
            return worker

        def _watch_worker(self, worker, granian_watcher) -> None:
            """When a worker that served dies unasked, it is replaced: not a crash loop (see the module)."""
            worker.inner.join()
            if not worker.interrupt_by_parent and not any(current is worker for current in self.wrks):
                # a retiring worker that ended before it was asked to: its successor already serves
                log.info("old worker-%d (pid %s) ended by itself", worker.idx + 1, worker.inner.pid)
                return
            if not worker.interrupt_by_parent:
                served = struct.unpack_from("=q", self.inflight, READY_OFFSET + 8 * worker.slot)[0] == 1
                log.error(
                    "worker-%d (pid %s) ended unexpectedly (exit code %s)%s",
                    worker.idx + 1,
                    worker.inner.pid,
                    worker.inner.exitcode,
                    "; replacing it" if served else " before it could serve",
                )
                if served:
                    self.respawned_wrks.pop(worker.idx, None)
            granian_watcher()  # granian's own bookkeeping: the main loop respawns (or ends on a real loop)

        def _stop_workers(self) -> None:
            """Stop accepting everywhere, then end each worker once it has no request in flight (bounded)."""
            for worker in self.wrks:
                worker.terminate()
            started = time.monotonic()
            while alive := [worker for worker in self.wrks if worker.is_alive()]:
                waited = time.monotonic() - started
                for worker in alive:
                    busy = struct.unpack_from("=q", self.inflight, 8 * worker.slot)[0]
                    if (busy <= 0 and waited > 0.3) or waited > self.workers_kill_timeout:
                        worker.kill()
                time.sleep(0.02)
            for worker in self.wrks:
                worker.join()
                log.info("stopped worker-%d", worker.idx + 1)
            self.wrks.clear()

    return EtomkgGranian


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 3,
    threads: int = 4,
    store_dir: str | None = None,
    timeout: float | None = None,
    log_level: str = "info",
    backend: str | None = None,
) -> None:
    """Run the server in the foreground until interrupted."""
    app_config = defaults_from_env()
    if store_dir is not None:
        app_config["STORE_DIR"] = store_dir
    if backend is not None:
        app_config["BACKEND"] = backend
    if app_config["BACKEND"] and app_config["STORE_DIR"]:
        raise EtomkgError("give either --store (ETOMKG_STORE) or --backend (ETOMKG_BACKEND), not both")
    if app_config["BACKEND"] and app_config["UPDATE_TOKEN"]:
        raise EtomkgError("ETOMKG_UPDATE_TOKEN: a server on a remote store is read-only; update the store itself")
    if timeout is not None:
        app_config["QUERY_TIMEOUT"] = float(timeout)
    if app_config["UPDATE_TOKEN"] and workers != 1:
        # Each worker would change its own copy of the store: updates need exactly one.
        logging.getLogger("etomkg.server").warning("ETOMKG_UPDATE_TOKEN is set: serving with one worker")
        workers = 1
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="[%(asctime)s] [%(process)d] %(name)s: %(message)s",
    )
    from .graph import disk_copy, open_store

    if app_config["BACKEND"]:
        from etomkg.store import open_remote

        open_remote(app_config["BACKEND"], base=app_config["BASE"]).backend.close()  # unreachable: fail here, once
    elif app_config["UPDATE_TOKEN"]:
        pass  # one worker opens its store read-write (see graph.init_app)
    elif app_config["STORE_DIR"] is None:
        app_config["DISK_COPY"] = disk_copy(app_config["BASE"])  # built once, here, before any worker opens it
    else:
        open_store(app_config["STORE_DIR"], app_config["BASE"], read_only=False)  # built here if new
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    retire_read, retire_write = os.pipe()
    inflight = mmap.mmap(-1, READY_OFFSET + 8 * SLOTS)  # shared with the forked workers
    server = _server_class()(
        "etomkg_server",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        # Connections a worker holds (granian counts connections, idle keep-alive ones too): many, cheaply;
        # requests beyond its threads wait in its queue, never reset.
        backpressure=CONNECTIONS,
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT_MS),
        log_enabled=True,
        log_level=LogLevels(log_level),
        log_dictconfig={
            "handlers": {  # granian's own lines go to stderr, as ours
                name: {
                    "formatter": "generic" if name == "console" else name,
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                }
                for name in ("console", "access")
            }
        },
        log_access=False,  # our own access log (etomkg.access) has the query's hash
        workers_kill_timeout=int(app_config["QUERY_TIMEOUT"]) + GRACE,
        respawn_failed_workers=True,
        respawn_interval=0.5,
        retire_fd=retire_read,
        inflight=inflight,
    )
    server.serve(target_loader=partial(worker_app, app_config, retire_write, inflight), wrap_loader=False)
