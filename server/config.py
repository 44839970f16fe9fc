"""Server settings: defaults, overridable from the environment (``ETOMKG_*``) and by ``create_app(config)``."""

from __future__ import annotations

import os
from typing import Any

DEFAULTS: dict[str, Any] = {
    "STORE_DIR": None,  # None: the bundled graph in memory; else a persistent store folder
    "BACKEND": None,  # a remote SPARQL 1.1 query endpoint to serve instead of a local store (etomkg push fills it)
    "BASE": None,  # IRI base of the graph (ETOMKG_BASE); None: the library's default
    "QUERY_TIMEOUT": 30.0,  # seconds; the query is cancelled after this (503)
    "MAX_ROWS": 100_000,  # result rows of a SELECT (422 beyond)
    "MAX_RESULT_BYTES": 256 * 1024 * 1024,  # bytes of any result: a guard against runaway CONSTRUCTs (streamed)
    "MAX_BODY_BYTES": 1024 * 1024,  # request body (413 beyond)
    "WORKER_MEMORY_MB": 2048,  # resident memory of a worker while queries run (503 beyond; 0: no bound)
    "UPDATE_TOKEN": None,  # bearer token enabling POST /update; off when unset
    "CACHE_DIR": None,  # where downloads are rendered; None: the library's cache folder
    "DISK_COPY": None,  # set by `etomkg serve`: the read-only copy a worker starts from (graph.DiskCopy)
}

_ENV = {
    "STORE_DIR": ("ETOMKG_STORE", str),
    "BACKEND": ("ETOMKG_BACKEND", str),
    "QUERY_TIMEOUT": ("ETOMKG_QUERY_TIMEOUT", float),
    "MAX_ROWS": ("ETOMKG_MAX_ROWS", int),
    "MAX_RESULT_BYTES": ("ETOMKG_MAX_RESULT_BYTES", int),
    "MAX_BODY_BYTES": ("ETOMKG_MAX_BODY_BYTES", int),
    "WORKER_MEMORY_MB": ("ETOMKG_WORKER_MEMORY_MB", float),
    "UPDATE_TOKEN": ("ETOMKG_UPDATE_TOKEN", str),
}


def defaults_from_env() -> dict[str, Any]:
    """The defaults, with any ``ETOMKG_*`` variable applied."""
    settings = dict(DEFAULTS)
    for key, (name, kind) in _ENV.items():
        value = os.environ.get(name)
        if value:
            try:
                settings[key] = kind(value)
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a valid {kind.__name__}") from None
    return settings
