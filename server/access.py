"""One access-log line per request (status, duration, bytes, the query's hash)."""

from __future__ import annotations

import logging
import time

from flask import Flask

from .executor import Watchdog, access_log


class _Finished:
    """The response body, reporting the request finished once the server has sent it (WSGI calls close())."""

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


LINE = '%s "%s %s" %s %.1fms %sB q=%s'
RETIRING = b"etomkg: this worker is being replaced after a cancelled query; retry in a second.\n"
RETIRING_HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Retry-After", "1"),
    ("Connection", "close"),
    ("Access-Control-Allow-Origin", "*"),
]


class AccessLog:
    """WSGI middleware around everything: cheap, and it sees every response, errors included."""

    def __init__(self, wsgi_app, watchdog: Watchdog) -> None:
        self.wsgi_app = wsgi_app
        self.watchdog = watchdog

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        seen: list = [None, None]

        def capture(status, headers, exc_info=None):
            seen[0] = status
            for name, value in headers:
                if name == "Content-Length":
                    seen[1] = value
            return start_response(status, headers, exc_info)

        def done() -> None:
            if not access_log.isEnabledFor(logging.INFO):
                return
            path = environ.get("PATH_INFO", "")
            if environ.get("QUERY_STRING") and path != "/sparql":
                path += "?" + environ["QUERY_STRING"]
            args = (
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD"),
                path,
                (seen[0] or "-").split(" ", 1)[0],
                (time.perf_counter() - started) * 1000,
                seen[1] or "-",
                environ.get("etomkg.query_hash", "-"),
            )
            # access_log.info(...) without its search of the stack for the caller's file and line (~4 µs a
            # request; the access log's format names neither): the same record, filters and handlers.
            access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, LINE, args, None))

        try:
            if self.watchdog.retiring:  # a fresh worker is taking over: send the client there (see .executor)
                body = [RETIRING]
                capture("503 Service Unavailable", [*RETIRING_HEADERS, ("Content-Length", str(len(RETIRING)))])
            else:
                body = self.wsgi_app(environ, capture)
        except BaseException:
            done()
            raise
        if isinstance(body, list):
            done()  # the whole body is here: the server sends a list in one piece (granian's fast path)
            return body
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            done()  # keep the server's sendfile path: count it finished now
            return body
        return _Finished(body, done)


def init_watchdog(app: Flask) -> None:
    app.extensions["etomkg.watchdog"] = Watchdog(float(app.config["QUERY_TIMEOUT"]))


def init_app(app: Flask) -> None:
    """Wrap everything (Flask and the mounted /sparql endpoint): call it last."""
    app.wsgi_app = AccessLog(app.wsgi_app, app.extensions["etomkg.watchdog"])
