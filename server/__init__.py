"""The etomkg web layer (Flask): SPARQL endpoint, linked data, downloads and pages.

A thin layer over the :mod:`etomkg` library: one store per process, opened by
:func:`etomkg_server.graph.init_app`; one blueprint per concern. Run it with
``etomkg serve`` (granian), never with Flask's development server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import access, downloads, explore, graph, headers, oda, pages, reconcile, resources, sparql
from .config import defaults_from_env


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The application factory: defaults, then the environment, then ``config`` (tests pass a mapping)."""
    app = Flask(__name__)
    app.config.from_mapping(defaults_from_env())
    if config:
        app.config.from_mapping(config)
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_BODY_BYTES"]
    app.json.ensure_ascii = False
    graph.init_app(app)
    access.init_watchdog(app)
    pages.init_app(app)
    sparql.init_app(app)  # mounts the /sparql endpoint in front of Flask
    headers.init_app(app)  # security headers on everything, /sparql included
    access.init_app(app)  # outermost: one log line for every request
    app.register_blueprint(sparql.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(explore.bp)
    app.register_blueprint(oda.bp)
    app.register_blueprint(reconcile.bp)
    return app


__all__ = ["create_app"]
