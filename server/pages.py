"""Pages: the query page (YASGUI) at ``/``, ``/health``, and what every HTML page shares (language, labels)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, jsonify, render_template, request

import etomkg
from etomkg.queries import catalogue

from .graph import served
from .texts import UI

bp = Blueprint("pages", __name__)


def ui_lang() -> str:
    """The interface language: ``?lang=``, else the browser's Accept-Language, else English."""
    chosen = request.args.get("lang")
    if chosen in ("en", "zh"):
        return chosen
    best = request.accept_languages.best_match(["en", "zh"], default="en")
    return best or "en"


def init_app(app: Flask) -> None:
    @app.context_processor
    def helpers() -> dict:
        lang = ui_lang() if request else "en"

        def t(key: str) -> str:
            return UI[key].get(lang, UI[key]["en"])

        def local(iri: str) -> str:
            path = served().path_for(iri)
            return path if path is not None else iri

        def switch(to: str) -> str:
            args = request.args.to_dict()
            args["lang"] = to
            return request.path + "?" + urlencode(args)

        return {"t": t, "local": local, "switch": switch, "lang": lang, "version": etomkg.__version__}


@bp.route("/")
def index() -> str:
    """YASGUI with one tab per shipped query (``etomkg/queries/*.rq``), titled in the page's language."""
    return render_template("index.html", queries=catalogue(ui_lang()))


@bp.route("/health")
def health() -> Response:
    graph = served()
    from flask import current_app

    config = current_app.config
    return jsonify(
        {
            "status": "ok",
            "store": "loaded",
            "answering_from": graph.answering_from,  # "disk" for the first seconds of a worker, then "memory"
            **({"backend": graph.kg.backend.location} if graph.kg.remote else {}),  # with --backend: "remote"
            "triples": graph.triples,
            "releases": graph.releases,
            "default_release": graph.newest,
            "version": etomkg.__version__,
            "base": graph.base,
            "read_only": graph.read_only,
            "limits": {
                "query_timeout_s": config["QUERY_TIMEOUT"],
                "max_rows": config["MAX_ROWS"],
                "max_result_bytes": config["MAX_RESULT_BYTES"],
                "max_body_bytes": config["MAX_BODY_BYTES"],
            },
        }
    )
