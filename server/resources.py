"""Linked data: every IRI the graph mints under the base dereferences here.

``/release/25.5/process/1.4.5`` stands for ``{base}/release/25.5/process/1.4.5``:
HTML for browsers, Turtle, JSON-LD, N-Triples or RDF/XML by Accept or by
extension (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``), with
``Vary: Accept`` and ``Content-Location`` naming the representation sent.
``/latest/…`` redirects to the newest release.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request

from etomkg.formats import FORMATS, media_types, negotiate
from etomkg.iris import ETOM, ONTOLOGY_IRI, SKOS
from etomkg.outputs.export import serialize_triples
from etomkg.safety.iri import is_safe_iri

from . import describe
from .graph import served
from .pages import ui_lang

bp = Blueprint("resources", __name__)

HTML = "text/html"
#: The RDF formats a resource's document comes in, the server's preference first.
DOCUMENT_FORMATS = ("turtle", "jsonld", "ntriples", "rdfxml")
#: Representations of a resource, the server's preference first (HTML for browsers and for ``*/*``).
OFFERS = {HTML: "html", "application/xhtml+xml": "html", **media_types(FORMATS, DOCUMENT_FORMATS)}
EXTENSIONS = {"html": "html", **{FORMATS[name].extension: name for name in DOCUMENT_FORMATS}}
ROOTS = ("release", "framework", "vertical", "layer", "level", "source", "information", "dataset", "oda")


@bp.after_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/latest", defaults={"rest": ""})
@bp.route("/latest/<path:rest>")
def latest(rest: str) -> Response:
    target = f"/release/{served().newest}" + (f"/{rest}" if rest else "")
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/release/")
def releases() -> str:
    graph = served()
    links = describe.labels_of(graph.kg, [graph.kg.iris.release(r) for r in graph.releases])
    return render_template(
        "releases.html", releases=[links[graph.kg.iris.release(r)] for r in reversed(graph.releases)]
    )


def _split_extension(path: str) -> tuple[str, str | None]:
    head, dot, ext = path.rpartition(".")
    if dot and ext in EXTENSIONS and "/" not in ext:
        return head, EXTENSIONS[ext]
    return path, None


def _describe_quads(kg, iri: str) -> list[ox.Quad]:
    """The statements of a resource's document: about it, and about the anomaly nodes it owns."""
    if iri == ONTOLOGY_IRI or not any(True for _ in kg.quads_for_pattern(ox.NamedNode(iri), None, None, None)):
        return list(kg.quads_for_pattern(None, None, None, ox.NamedNode(iri)))  # a graph: all of it
    subject = ox.NamedNode(iri)
    quads = list(kg.quads_for_pattern(subject, None, None, None))
    for quad in kg.quads_for_pattern(subject, ox.NamedNode(ETOM + "hasAnomaly"), None, None):
        quads += kg.quads_for_pattern(quad.object, None, None, None)
    return quads


def dereference(path: str) -> Response:
    graph = served()
    stem, forced = _split_extension(path)
    iri = graph.iri_for(stem)
    if not is_safe_iri(iri):  # a path with a space, < > " { …: no such resource (never an IRI error deep inside)
        return not_found(iri)
    whole_graph = iri in graph.graph_names and iri != ONTOLOGY_IRI and not graph.has_subject(iri)
    if not whole_graph and not graph.has_subject(iri):
        return not_found(iri)
    if forced is None:
        chosen = negotiate(request.headers.get("Accept"), tuple(OFFERS))
        if chosen is None:
            body = f"etomkg: no representation of <{iri}> matches Accept; choose one of: {', '.join(OFFERS)}\n"
            return Response(body, 406, {"Vary": "Accept"}, content_type="text/plain; charset=utf-8")
        kind = OFFERS[chosen]
    else:
        kind = forced
    extension = next(ext for ext, name in EXTENSIONS.items() if name == kind)
    headers = {"Vary": "Accept", "Content-Location": f"{stem}.{extension}"}
    headers["Link"] = ", ".join(
        f'<{stem}.{ext}>; rel="alternate"; type="{FORMATS[name].media_type}"'
        for ext, name in EXTENSIONS.items()
        if name != "html"
    )
    if kind == "html":
        return Response(render_page(iri, stem), 200, headers, content_type="text/html; charset=utf-8")
    info = FORMATS[kind]
    data = serialize_triples(_describe_quads(graph.kg, iri), info)
    media_type = info.media_type + ("; charset=utf-8" if info.media_type.startswith("text/") else "")
    return Response(data, 200, headers, content_type=media_type)


def render_page(iri: str, path: str) -> str:
    graph = served()
    kg = graph.kg
    types = describe.types_of(kg, iri)
    lang = ui_lang()
    common = {"iri": iri, "path": path, "lang": lang}
    if iri == ONTOLOGY_IRI:
        return render_template("ontology.html", terms=describe.ontology_terms(kg), **common)
    if ETOM + "ProcessElement" in types:
        return render_template("process.html", page=describe.process_page(kg, iri), **common)
    from .oda import oda_page

    if (page := oda_page(kg, iri, types, common)) is not None:
        return page
    top = describe.top_processes(kg, iri) if ETOM + "Release" in types else []
    label = describe.labels_of(kg, [iri])[iri]
    return render_template(
        "resource.html",
        label=label,
        properties=describe.properties(kg, iri),
        top=top,
        is_scheme=SKOS + "ConceptScheme" in types,
        **common,
    )


def not_found(iri: str) -> Response:
    body = render_template("not_found.html", iri=iri, lang=ui_lang(), path=request.path)
    return Response(body, 404, content_type="text/html; charset=utf-8")


def _register(root: str) -> None:
    def view(rest: str = "") -> Response:
        return dereference(f"/{root}" + (f"/{rest}" if rest else ""))

    view.__name__ = f"resource_{root}"
    bp.add_url_rule(f"/{root}", view.__name__, view)
    bp.add_url_rule(f"/{root}.<ext>", view.__name__ + "_ext", lambda ext: dereference(f"/{root}.{ext}"))
    bp.add_url_rule(f"/{root}/<path:rest>", view.__name__ + "_rest", view)


for _root in ROOTS:
    _register(_root)
bp.add_url_rule("/ontology", "ontology", lambda: dereference("/ontology"))
bp.add_url_rule("/ontology.<ext>", "ontology_ext", lambda ext: dereference(f"/ontology.{ext}"))
