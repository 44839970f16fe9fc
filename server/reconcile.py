"""``/reconcile``: the W3C Entity Reconciliation API (0.2) for OpenRefine and other clients.

Thin: requests are parsed here, answered by :class:`etomkg.reconcile.service.ReconciliationService`
(the matching lives in the library), and returned as JSON with CORS open, as the protocol recommends.
"""

from __future__ import annotations

import re
import threading

from flask import Blueprint, Response, jsonify, redirect, request

from etomkg.reconcile.matcher import Matcher
from etomkg.reconcile.service import ReconcileError, ReconciliationService, parse_json

from .graph import served

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")


@bp.record_once
def _warm_up(state) -> None:
    """Build the newest release's name index as a worker starts, so the first batch is answered fast."""
    graph = state.app.extensions.get("etomkg")
    if graph is not None and state.app.config.get("WARM_SEARCH", True):
        threading.Thread(
            target=lambda: Matcher.of(graph.kg).index(), name="etomkg-reconcile-warm-up", daemon=True
        ).start()


def _service() -> ReconciliationService:
    return ReconciliationService(served().kg)


def _root() -> str:
    return request.host_url.rstrip("/")


_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")


@bp.after_request
def _cors(response: Response) -> Response:
    """CORS open, and JSONP for the clients that still ask for it (OpenRefine's browser side falls back to it)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    callback = request.args.get("callback")
    if callback and request.method == "GET" and response.mimetype == "application/json":
        if not _CALLBACK.match(callback) or len(callback) > 100:
            refused = jsonify({"status": "error", "message": "callback must be a JavaScript function name"})
            refused.status_code = 400
            refused.headers["Access-Control-Allow-Origin"] = "*"
            return refused
        body = response.get_data(as_text=True)
        response.set_data(f"/**/{callback}({body});")
        response.mimetype = "application/javascript"
    return response


@bp.errorhandler(ReconcileError)
def _error(exc: ReconcileError):
    return jsonify({"status": "error", "message": str(exc)}), exc.status


def _param(name: str) -> str | None:
    return request.form.get(name) if request.method == "POST" and name in request.form else request.args.get(name)


@bp.route("", methods=["GET", "POST"])
def endpoint():
    """The manifest without parameters; a query batch with ``queries=``; a data extension with ``extend=``."""
    queries, extend = _param("queries"), _param("extend")
    if queries is not None:
        return jsonify(_service().reconcile(parse_json(queries, "queries")))
    if extend is not None:
        return jsonify(_service().extend(parse_json(extend, "extend")))
    return jsonify(_service().manifest(_root()))


@bp.get("/preview")
def preview():
    entity = request.args.get("id", "")
    service = _service()
    element = service.element(entity)
    link = f"{_root()}/release/{element.release}/process/{element.identifier}"
    return Response(service.preview(entity, link), mimetype="text/html")


@bp.get("/view/<path:entity>")
def view(entity: str):
    element = _service().element(entity)
    return redirect(f"/release/{element.release}/process/{element.identifier}", 302)


@bp.get("/suggest/entity")
def suggest_entity():
    cursor = request.args.get("cursor", "0")
    if not cursor.isdigit():
        raise ReconcileError("cursor must be a number of suggestions to skip")
    return jsonify(
        _service().suggest_entities(request.args.get("prefix", ""), int(cursor), request.args.get("release"))
    )


@bp.get("/flyout/entity")
def flyout_entity():
    service = _service()
    entity = request.args.get("id", "")
    return jsonify({"id": entity, "html": service.preview(entity)})


@bp.get("/suggest/type")
def suggest_type():
    return jsonify(_service().suggest_types(request.args.get("prefix", "")))


@bp.get("/suggest/property")
def suggest_property():
    return jsonify(_service().suggest_properties(request.args.get("prefix", "")))


@bp.get("/extend/propose")
def propose():
    limit = request.args.get("limit")
    if limit is not None and not limit.isdigit():
        raise ReconcileError("limit must be a number")
    return jsonify(_service().propose_properties(request.args.get("type"), int(limit) if limit else None))
