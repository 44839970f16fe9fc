"""Downloads of every ``etomkg build`` artefact, and the Graph Store Protocol's read side."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request

from etomkg.formats import FORMATS, GRAPH_MEDIA_TYPES, RdfFormatInfo, rdf_format_for_path
from etomkg.iris import PREFIXES
from etomkg.outputs.build import artefact_paths, render_artefact
from etomkg.outputs.export import graph_nodes, jsonld_document, serialize_lines, to_ntriples_lines

from .cache import cache_root, send_rendered
from .graph import served
from .sparql import GRAPH_OFFERS, ProtocolError, choose

bp = Blueprint("downloads", __name__)


def _media_type(path: str) -> str:
    if path.endswith(".json"):
        return "application/json"
    if path == "context.jsonld":
        return FORMATS["jsonld"].media_type
    return rdf_format_for_path(path).media_type


@bp.route("/downloads/")
def index() -> str:
    graph = served()
    paths = artefact_paths(graph.kg)
    root = cache_root() / "downloads"
    sizes = {p: (root / p).stat().st_size for p in paths if (root / p).exists()}
    groups: dict[str, list[str]] = {}
    for path in paths:
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        groups.setdefault(folder, []).append(path)
    return render_template("downloads.html", groups=groups, sizes=sizes, formats=FORMATS)


@bp.route("/downloads/<path:relative>")
def download(relative: str) -> Response:
    graph = served()
    if relative not in artefact_paths(graph.kg):
        abort(404)
    return send_rendered(
        cache_root() / "downloads" / relative, lambda: render_artefact(graph.kg, relative)[0], _media_type(relative)
    )


@bp.route("/store", methods=["GET"])
def graph_store() -> Response:
    """``GET /store?graph=IRI`` (one named graph) or ``GET /store?default`` (the default graph: the union)."""
    graph = served()
    names = request.args.getlist("graph")
    wants_default = "default" in request.args
    if wants_default == bool(names) or len(names) > 1:
        raise ProtocolError(400, "give exactly one of ?graph=IRI or ?default")
    media_type = choose(request.headers.get("Accept"), request.args.to_dict(flat=False), GRAPH_OFFERS, "graph")
    info = FORMATS[GRAPH_MEDIA_TYPES[media_type]]
    if wants_default:
        key = "default"
        render = lambda: _render_default(graph.kg, info)  # noqa: E731
    else:
        iri = names[0]
        if iri not in graph.graph_names:
            raise ProtocolError(
                404, f"no graph <{iri}> in this store; the graphs are: {', '.join(sorted(graph.graph_names))}"
            )
        key = hashlib.sha256(iri.encode()).hexdigest()[:16]
        render = lambda: serialize_lines(graph.kg.nquads_lines([iri]), info)  # noqa: E731
    return send_rendered(
        cache_root() / "store" / f"{key}.{info.extension}", render, media_type, vary="Accept, Accept-Encoding"
    )


def _render_default(kg, info: RdfFormatInfo) -> bytes:
    """The default graph (the union of every graph) as triples, deduplicated and sorted."""
    lines = to_ntriples_lines(kg.nquads_lines())
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if info.name in ("ntriples", "nquads"):
        return data
    triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    if info.name == "jsonld":
        return jsonld_document([("", graph_nodes(triples))], dataset=False)
    prefixes = PREFIXES if info.name in ("turtle", "trig", "rdfxml") else None
    return ox.serialize(triples, format=info.oxigraph, prefixes=prefixes)
