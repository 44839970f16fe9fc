"""``etomkg serve``: the app under gunicorn (gthread workers), never Flask's development server.

The master imports everything and prepares the on-disk copy of the graph
(once per version of the sources); each worker, after the fork, opens it
read-only in milliseconds and loads the in-memory store in the background
(see :mod:`etomkg_server.graph`), so a worker replaced after a cancelled query
answers at once too. RocksDB handles must not cross a fork, hence no preload.
With ``--store DIR`` each worker opens that persistent store read-only.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from etomkg.errors import EtomkgError

from .config import defaults_from_env


class EtomkgServer(BaseApplication):
    """A gunicorn application whose settings come from ``etomkg serve``'s options."""

    def __init__(self, options: dict[str, Any], app_config: dict[str, Any]) -> None:
        self.options = options
        self.app_config = app_config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app(self.app_config)


def _post_worker_init(worker) -> None:
    """gunicorn's hook: the runner-independent worker start (memory bound, query watchdog)."""
    from .worker import start_worker

    app = worker.wsgi
    if hasattr(app, "extensions"):
        start_worker(app, worker)


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
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": False,
        # The query watchdog cancels overrunning queries; this is only the backstop for a wedged worker.
        "timeout": int(app_config["QUERY_TIMEOUT"]) + 30,
        "graceful_timeout": int(app_config["QUERY_TIMEOUT"]) + 5,
        "keepalive": 5,
        "limit_request_line": 8190,
        "post_worker_init": _post_worker_init,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": log_level,
        "control_socket_disable": True,
    }
    EtomkgServer(options, app_config).run()
