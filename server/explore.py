"""Pages to look at eTOM: the map, search, release comparison and end-to-end flows.

Everything is rendered on the server (SVG and HTML) from the library, so the
pages work with JavaScript off; ``static/search.js`` only adds suggestions as
you type, from ``/search.json``. No asset comes from the network.
"""

from __future__ import annotations

import functools
import re
import threading

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from etomkg.bpmn import export_bpmn
from etomkg.catalog import Catalog
from etomkg.diagram import end_to_end, neighbourhood
from etomkg.diagram.data import e2e_flow, e2e_keys, release_flows
from etomkg.diagram.mapmodel import VIEWS, build_map, default_view
from etomkg.diagram.mapsvg import render_svg
from etomkg.errors import EtomkgError
from etomkg.iris import release_key
from etomkg.outputs.diff import KINDS, release_diff
from etomkg.search import SearchIndex, match_spans

from .graph import served
from .pages import ui_lang

bp = Blueprint("explore", __name__)


class PageError(Exception):
    """A request this blueprint cannot answer: shown as a page that says why (404 unless told)."""

    def __init__(self, message: str, status: int = 404) -> None:
        super().__init__(message)
        self.status = status


@bp.errorhandler(PageError)
@bp.errorhandler(EtomkgError)
def page_error(exc: Exception):
    status = getattr(exc, "status", 404)
    if request.path.endswith(".json"):
        return jsonify({"error": str(exc)}), status
    return render_template("message.html", title=str(exc), message=str(exc)), status


def _kg():
    return served().kg


@bp.record_once
def _warm_up(state) -> None:
    """Build the search index in the background as a worker starts, so the first keystroke is answered fast.

    Safe because ``etomkg serve`` does not preload the app: each worker starts its own thread after the fork.
    """
    graph = state.app.extensions.get("etomkg")
    if graph is not None and state.app.config.get("WARM_SEARCH", True):
        threading.Thread(target=SearchIndex.of, args=(graph.kg,), name="etomkg-search-warm-up", daemon=True).start()


def _release_arg(name: str = "release", default: str | None = None) -> str:
    graph = served()
    release = request.args.get(name) or default or graph.newest
    if release not in graph.releases:
        raise PageError(f"unknown release {release!r}; choose one of: {', '.join(graph.releases)}")
    return release


def _process_link(lang: str):
    """Links to process pages keep the reader's language."""
    prefix, suffix = request.script_root, "?lang=zh" if lang == "zh" else ""

    def link(release: str, identifier: str) -> str:
        return f"{prefix}/release/{release}/process/{identifier}{suffix}"

    return link


def process_href(release: str, identifier: str, lang: str) -> str:
    return _process_link(lang)(release, identifier)


@functools.lru_cache(maxsize=256)
def _svg(kg_id: int, release: str, view: str, lang: str, root: str | None, standalone: bool, prefix: str) -> str:
    model = build_map(_kg(), release, view=view, lang=lang, root=root)
    suffix = "?lang=zh" if lang == "zh" else ""
    return render_svg(model, link=lambda r, i: f"{prefix}/release/{r}/process/{i}{suffix}", standalone=standalone)


def map_svg(release: str, view: str, lang: str, root: str | None = None, standalone: bool = False) -> str:
    """The map's SVG, drawn once per (release, view, language, root) and kept: the store is read-only."""
    return _svg(id(_kg()), release, view, lang, root, standalone, request.script_root)


def _map_args() -> tuple[str, str, str, str | None]:
    release = _release_arg()
    view = request.args.get("view") or default_view(release)
    if view not in VIEWS:
        raise PageError(f"unknown view {view!r}; choose one of: {', '.join(VIEWS)}")
    return release, view, ui_lang(), request.args.get("root") or None


@bp.route("/map")
def map_page() -> str:
    release, view, lang, root = _map_args()
    model = build_map(_kg(), release, view=view, lang=lang, root=root)
    svg = map_svg(release, view, lang, root)
    if request.args.get("colour") == "coverage":  # ODA component coverage (etomkg_server.oda)
        from .oda import coverage_map

        svg = coverage_map(svg, release)
    return render_template(
        "map.html",
        model=model,
        svg=svg,
        release=release,
        view=view,
        root=root,
        releases=list(reversed(served().releases)),
        views=VIEWS,
        href=_process_link(lang),
    )


@bp.route("/map.svg")
def map_file() -> Response:
    release, view, lang, root = _map_args()
    svg = map_svg(release, view, lang, root, standalone=True)
    name = f"etom-{release}-{view}-{lang}" + (f"-{root}" if root else "") + ".svg"
    return Response(
        svg,
        mimetype="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "public, max-age=3600"},
    )


def _search_args() -> tuple[str, str | None, int]:
    query = request.args.get("q", "")
    release = request.args.get("release") or None
    if release is not None and release not in served().releases:
        raise PageError(f"unknown release {release!r}; choose one of: {', '.join(served().releases)}")
    try:
        limit = max(1, min(int(request.args.get("limit", 50)), 500))
    except ValueError:
        limit = 50
    return query, release, limit


@bp.route("/search")
def search_page() -> str:
    query, release, limit = _search_args()
    result = SearchIndex.of(_kg()).search(query, release=release, limit=limit) if query.strip() else None
    return render_template(
        "search.html",
        query=query,
        result=result,
        release=release,
        limit=limit,
        releases=list(reversed(served().releases)),
        href=_process_link(ui_lang()),
        hide_header_search=True,
    )


@bp.route("/search.json")
def search_json() -> Response:
    query, release, limit = _search_args()
    lang = ui_lang()
    result = SearchIndex.of(_kg()).search(query, release=release, limit=min(limit, 20))
    body = result.as_dict()
    for hit, data in zip(result.hits, body["hits"], strict=True):
        data["label"] = hit.label(lang)
        data["href"] = process_href(hit.release, hit.identifier, lang)
    return jsonify(body)


@functools.lru_cache(maxsize=64)
def _diff(kg_id: int, triples: int, old: str, new: str):
    """The changes between two releases, computed once per pair (0.5 s of CPU) while the store stays as it is."""
    return release_diff(_kg(), old, new)


@bp.route("/compare")
def compare_page() -> str:
    graph = served()
    comparable = [r for r in graph.releases if r != "classic"]  # classic is linked by counterparts, not versions
    if len(comparable) < 2:
        raise PageError("the store holds fewer than two numbered releases")
    new = request.args.get("new") or comparable[-1]
    old = request.args.get("old") or comparable[comparable.index(new) - 1 if new in comparable[1:] else -2]
    for release in (old, new):
        if release not in comparable:
            raise PageError(f"unknown release {release!r}; compare two of: {', '.join(comparable)}")
    if release_key(old) > release_key(new):
        return redirect(url_for("explore.compare_page", old=new, new=old, lang=request.args.get("lang")))
    lang = ui_lang()
    diff = _diff(id(_kg()), graph.triples, old, new) if old != new else None
    catalog = Catalog.of(_kg())
    old_table, new_table = catalog.release(old), catalog.release(new)

    def name(table, identifier):
        element = table.get(identifier) if identifier else None
        return element.label(lang) if element else ""

    sections = []
    if diff is not None:
        for kind in KINDS:
            rows = [
                {
                    "old_id": c.old_id,
                    "old_name": name(old_table, c.old_id),
                    "new_id": c.new_id,
                    "new_name": name(new_table, c.new_id),
                }
                for c in diff.of(kind)
            ]
            sections.append({"kind": kind, "rows": rows})
    return render_template(
        "compare.html",
        diff=diff,
        old=old,
        new=new,
        sections=sections,
        releases=list(reversed(comparable)),
        href=_process_link(lang),
    )


_NODE = re.compile(r'(<g class="node" data-id="([^"]+)".*?</g>)', re.S)


def web_svg(svg: str, link) -> str:
    """A diagram of ``etomkg.diagram`` made ready for a page: inline, scaled to the page, every process a link."""
    svg = svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg
    svg = svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)
    return _NODE.sub(lambda m: f'<a href="{link(m.group(2))}" class="node-link">{m.group(1)}</a>', svg)


def _linker(release: str, lang: str, prefix: str):
    suffix = "?lang=zh" if lang == "zh" else ""
    return lambda identifier: f"{prefix}/release/{release}/process/{identifier}{suffix}"


@functools.lru_cache(maxsize=64)
def _flows(kg_id: int, release: str, lang: str) -> tuple:
    """The end-to-end flows of a release (``etomkg.diagram.data.E2EInfo``), by key."""
    return tuple(e2e_flow(_kg(), release, key, lang) for key in e2e_keys(_kg(), release))


@functools.lru_cache(maxsize=64)
def _flow_svg(kg_id: int, release: str, key: str, lang: str, prefix: str) -> str:
    return web_svg(end_to_end(_kg(), key, release=release, lang=lang), _linker(release, lang, prefix))


@bp.route("/flows")
def flows_page() -> str:
    release = _release_arg()
    lang = ui_lang()
    return render_template(
        "flows.html",
        flows=_flows(id(_kg()), release, lang),
        release=release,
        releases=list(reversed(served().releases)),
        href=_process_link(lang),
    )


@bp.route("/flows/<release>/<key>")
def flow_page(release: str, key: str) -> str:
    if release not in served().releases:
        raise PageError(f"unknown release {release!r}; choose one of: {', '.join(served().releases)}")
    lang = ui_lang()
    flows = {flow.key: flow for flow in _flows(id(_kg()), release, lang)}
    if key not in flows:
        known = ", ".join(flows) or "none"
        raise PageError(f"no end-to-end flow {key!r} in release {release}; this release has: {known}")
    table = Catalog.of(_kg()).release(release)
    steps = [(number, process, information, table.get(process)) for number, process, _, information in flows[key].steps]
    others = [r for r in served().releases if r != release and key in e2e_keys(_kg(), r)]
    return render_template(
        "flow.html",
        flow=flows[key],
        svg=_flow_svg(id(_kg()), release, key, lang, request.script_root),
        steps=steps,
        release=release,
        others=others,
        href=_process_link(lang),
    )


@functools.lru_cache(maxsize=128)
def _bpmn(kg_id: int, release: str, lang: str, flow: str | None = None, process: str | None = None) -> bytes:
    return export_bpmn(_kg(), release=release, flow=flow, process=process, lang=lang)


def _bpmn_response(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/bpmn+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.bpmn"'
    return response


@bp.route("/flows/<release>/<key>.bpmn")
def flow_bpmn(release: str, key: str) -> Response:
    """The end-to-end flow as a BPMN 2.0 collaboration with its diagram, in the page's language."""
    if release not in served().releases:
        raise PageError(f"unknown release {release!r}; choose one of: {', '.join(served().releases)}")
    if key not in e2e_keys(_kg(), release):
        raise PageError(f"no end-to-end flow {key!r} in release {release}")
    return _bpmn_response(_bpmn(id(_kg()), release, ui_lang(), flow=key), f"{key}-{release}")


@bp.route("/release/<release>/process/<identifier>.bpmn")
def process_bpmn(release: str, identifier: str) -> Response:
    """The process's data-flow neighbourhood as a BPMN 2.0 collaboration."""
    if release not in served().releases or release == "classic":
        raise PageError(f"no data flows in release {release!r}")
    if identifier not in _flow_ends(id(_kg()), release):
        raise PageError(f"process {identifier!r} has no data flows in release {release}")
    return _bpmn_response(_bpmn(id(_kg()), release, ui_lang(), process=identifier), f"{identifier}-{release}")


@bp.app_template_filter("highlight")
def highlight(label: str, query: str) -> Markup:
    """``label`` with the searched words marked (``<mark>``), everything else escaped."""
    out, position = [], 0
    for start, end in match_spans(label, query or ""):
        out += [escape(label[position:start]), Markup("<mark>"), escape(label[start:end]), Markup("</mark>")]
        position = end
    out.append(escape(label[position:]))
    return Markup("").join(out)


@bp.app_context_processor
def explore_helpers() -> dict:
    """Helpers for every template: the map of a process's children (process pages) and the search box."""

    def _process_of(iri: str) -> tuple[str, str] | None:
        """(release, identifier) of a process IRI of this graph, else None."""
        prefix = _kg().iris.base + "/release/"
        release, marker, identifier = iri.removeprefix(prefix).partition("/process/")
        if not iri.startswith(prefix) or not marker or release not in served().releases:
            return None
        return release, identifier

    def children_map(iri: str) -> str:
        found = _process_of(iri)
        if found is None:
            return ""
        release, identifier = found
        table = Catalog.of(_kg()).release(release)
        if identifier not in table or not table.children(identifier):
            return ""
        return map_svg(release, default_view(release), ui_lang(), identifier)

    def flow_neighbourhood(iri: str) -> str:
        found = _process_of(iri)
        if found is None:
            return ""
        return _neighbourhood(id(_kg()), *found, ui_lang(), request.script_root)

    def map_url(iri: str) -> str:
        found = _process_of(iri)
        if found is None:
            return url_for("explore.map_page")
        lang = ui_lang()
        return url_for("explore.map_page", release=found[0], root=found[1], lang=lang if lang != "en" else None)

    def bpmn_url(iri: str) -> str | None:
        """Where the BPMN of the process's data flows is, or None when it has none."""
        found = _process_of(iri)
        if found is None or found[0] == "classic" or found[1] not in _flow_ends(id(_kg()), found[0]):
            return None
        lang = ui_lang()
        return url_for(
            "explore.process_bpmn", release=found[0], identifier=found[1], lang=lang if lang != "en" else None
        )

    return {
        "children_map": children_map,
        "flow_neighbourhood": flow_neighbourhood,
        "map_url": map_url,
        "bpmn_url": bpmn_url,
    }


@functools.lru_cache(maxsize=16)
def _flow_ends(kg_id: int, release: str) -> frozenset[str]:
    """The processes of a release that produce or consume a data flow."""
    return frozenset(p for flow in release_flows(_kg(), release).flows for p in (flow.producer, flow.consumer))


@functools.lru_cache(maxsize=512)
def _neighbourhood(kg_id: int, release: str, identifier: str, lang: str, prefix: str) -> str:
    """The process's data flows, one hop each way (issue 3's renderer), or "" when it has none."""
    if release == "classic" or identifier not in _flow_ends(kg_id, release):
        return ""
    svg = neighbourhood(_kg(), identifier, release=release, lang=lang, hops=1)
    return web_svg(svg, _linker(release, lang, prefix))
