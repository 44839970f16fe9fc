"""What every worker process does when it starts, whatever HTTP server runs it: :func:`start_worker`.

Any runner (granian's worker loader in :mod:`.serving` today) calls it once in
each worker process, after the fork. It

* bounds the worker's memory: the query watchdog cancels the running queries with
  503 once the worker's resident memory passes ``WORKER_MEMORY_MB`` (the same way it
  cancels a query over the time limit), and ``setrlimit`` puts a hard ceiling at twice
  that, so a query that grows faster than the watchdog looks
  ends with an allocation failure in this worker, never by exhausting the machine;
* starts the query watchdog (threads do not survive a fork).
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

log = logging.getLogger("etomkg.server")
MB = 1024 * 1024


def limit_memory(megabytes: float) -> int | None:
    """Set this process's hard memory ceiling to ``megabytes`` (data segment on Linux, address space
    elsewhere); returns the bytes set, or None where the system has no such limit."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    kind = resource.RLIMIT_DATA if sys.platform.startswith("linux") else resource.RLIMIT_AS
    ceiling = int(megabytes * MB)
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(kind, (ceiling, hard))
    return ceiling


def start_worker(app: Flask, worker: object | None = None) -> None:
    """Prepare a freshly forked worker: memory bound, query watchdog (``worker``: the runner's worker object,
    if it has one)."""
    watchdog = app.extensions["etomkg.watchdog"]
    megabytes = float(app.config.get("WORKER_MEMORY_MB") or 0)
    if megabytes > 0:
        watchdog.memory_limit = int(megabytes * MB)
        ceiling = limit_memory(megabytes * 2)
        log.info("worker memory: queries cancelled above %d MB, ceiling %s", megabytes, ceiling and ceiling // MB)
    watchdog.attach(worker)
