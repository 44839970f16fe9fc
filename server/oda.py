"""ODA pages: the components and Open APIs of a process (on its page), a page per component (its processes on
the eTOM map, its APIs, events and ABEs) and per Open API, and the map coloured by component coverage.

Everything comes from the library's shipped queries and the ODA graph; the map is the one of
:mod:`etomkg_server.explore`, coloured by a style block keyed on each box's ``data-id``.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from etomkg import queries as named
from etomkg.iris import ETOM

from .graph import served
from .pages import ui_lang

bp = Blueprint("oda", __name__)


#: fill colours of the coverage map: the process or one below it is implemented by …
COVERAGE_FILL = {"production": "#cdebd3", "preview": "#fbe7b5", "none": "#f3f3f3"}
_RANK = {"production": 2, "preview": 1, "roadmap": 1}


def _kg():
    return served().kg


class OdaPageError(Exception):
    """A bad request parameter of an ODA page: a clear 404 page, never a traceback."""


@bp.app_errorhandler(OdaPageError)
def page_error(exc: OdaPageError):
    return render_template("message.html", title=str(exc), message=str(exc), lang=ui_lang()), 404


def _release(default: str | None = None) -> str:
    release = request.args.get("release") or default or served().newest
    if release not in served().releases or release == "classic":
        choices = ", ".join(r for r in served().releases if r != "classic")
        raise OdaPageError(f"unknown release {release!r} for ODA components; choose one of: {choices}")
    return release


def coverage(release: str) -> dict[str, str]:
    """Process identifier → production / preview, for every process of ``release`` that a component
    implements, itself or below it (the best status wins)."""
    rows = _kg().select(
        "SELECT DISTINCT ?id ?status WHERE { ?i etom:implementedProcess ?p ; etom:implementer ?c . "
        "?c etom:componentStatus ?status . ?p skos:notation ?id ; etom:release/owl:versionInfo ?r "
        f'FILTER(?r = "{release}") }}'
    )
    best: dict[str, int] = {}
    for row in rows:
        parts = row["id"].split(".")
        for depth in range(2, len(parts) + 1):  # the process and every ancestor below the root
            key = ".".join(parts[:depth])
            best[key] = max(best.get(key, 0), _RANK.get(row["status"], 1))
    return {key: "production" if rank == 2 else "preview" for key, rank in best.items()}


def coloured(svg: str, colours: dict[str, str], default: str | None = None) -> str:
    """The map with each box filled by its colour (a style block keyed on ``data-id``)."""
    rules = []
    if default:
        rules.append(f".etom-map .em-box rect.em-frame{{fill:{default}}}")
    # more specific than the map's own rule (.etom-map .em-box rect.em-frame), so it wins in every browser
    rules += [
        f'.etom-map .em-box[data-id="{key}"] rect.em-frame{{fill:{fill}}}' for key, fill in sorted(colours.items())
    ]
    return svg.replace("</style>", "".join(rules) + "</style>", 1)


def coverage_map(svg: str, release: str) -> str:
    return coloured(svg, {k: COVERAGE_FILL[v] for k, v in coverage(release).items()}, COVERAGE_FILL["none"])


def _process_of(iri: str) -> tuple[str, str] | None:
    prefix = _kg().iris.base + "/release/"
    release, marker, identifier = iri.removeprefix(prefix).partition("/process/")
    if not iri.startswith(prefix) or not marker or release not in served().releases:
        return None
    return release, identifier


@bp.app_context_processor
def oda_helpers() -> dict:
    def oda_of(iri: str) -> dict | None:
        """Components and APIs of a process page's process (with its descendants)."""
        found = _process_of(iri)
        if found is None or found[0] == "classic":
            return None
        release, identifier = found
        lang = ui_lang()
        try:
            components = named.run(_kg(), "oda-components-of-process", process=identifier, release=release, lang=lang)
            apis = named.run(_kg(), "oda-apis-of-process", process=identifier, release=release, lang=lang)
        except named.QueryError:
            return None
        return {"components": components, "apis": apis}

    def oda_path(kind: str, key: str) -> str:
        return f"{request.script_root}/oda/{kind}/{key}"

    return {"oda_of": oda_of, "oda_path": oda_path, "coverage_fill": COVERAGE_FILL}


def _one(kg, sparql: str) -> list[dict[str, str]]:
    return kg.select(sparql)


def component_page(iri: str, common: dict) -> str:
    from etomkg.diagram.mapmodel import default_view

    from .explore import map_svg

    kg = _kg()
    lang = common["lang"]
    facts = _one(
        kg,
        f"SELECT ?id ?en ?zh ?status ?version ?block ?issued WHERE {{ <{iri}> skos:notation ?id ; "
        f'etom:componentStatus ?status ; owl:versionInfo ?version . OPTIONAL {{ <{iri}> skos:prefLabel ?en FILTER(lang(?en) = "en") }} '
        f'OPTIONAL {{ <{iri}> skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }} '
        f"OPTIONAL {{ <{iri}> etom:functionalBlock ?block }} OPTIONAL {{ <{iri}> dcterms:issued ?issued }} }}",
    )[0]
    release = _release()
    processes = named.run(kg, "oda-processes-of-component", component=facts["id"], release=release, lang=lang)
    apis = _one(
        kg,
        "SELECT ?api ?name ?direction ?function ?required ?known WHERE { "
        f"<{iri}> etom:hasApiUsage ?u . ?u etom:usedApi ?a ; etom:usageDirection ?direction ; "
        "etom:componentFunction ?function ; etom:required ?required . ?a skos:notation ?api ; skos:prefLabel ?name "
        f'FILTER(lang(?name) = "{lang}") BIND(EXISTS {{ ?v etom:versionOfApi ?a }} AS ?known) }} ORDER BY ?api',
    )
    events = _one(
        kg,
        "SELECT ?kind ?hub ?event WHERE { "
        f'{{ <{iri}> etom:publishesEvent ?e BIND("published" AS ?kind) }} UNION '
        f'{{ <{iri}> etom:subscribesToEvent ?e BIND("subscribed" AS ?kind) }} '
        "?e etom:eventHub ?hub ; skos:notation ?event } ORDER BY ?kind ?hub ?event",
    )
    abes = named.run(kg, "oda-abes-of-component", component=facts["id"], lang=lang)
    functions = named.run(kg, "oda-functions-of-component", component=facts["id"], lang=lang)
    colours = {}
    for row in processes:
        parts = row["processId"].split(".")
        for depth in range(2, len(parts) + 1):
            colours[".".join(parts[:depth])] = COVERAGE_FILL["production"]
    svg = coloured(map_svg(release, default_view(release), lang), colours)
    return render_template(
        "component.html", facts=facts, release=release, releases=list(reversed(served().releases)),
        processes=processes, apis=apis, events=events, abes=abes, functions=functions, svg=svg, **common,
    )  # fmt: skip


def api_page(iri: str, common: dict) -> str:
    kg = _kg()
    lang = common["lang"]
    head = _one(
        kg,
        f'SELECT ?id ?name WHERE {{ <{iri}> skos:notation ?id ; skos:prefLabel ?name FILTER(lang(?name) = "{lang}") }}',
    )[0]
    versions = _one(
        kg, f"SELECT ?version WHERE {{ ?v etom:versionOfApi <{iri}> ; owl:versionInfo ?version }} ORDER BY ?version"
    )
    users = _one(
        kg,
        "SELECT DISTINCT ?c ?component ?name ?direction WHERE { ?c etom:hasApiUsage ?u ; skos:notation ?component ; "
        f'skos:prefLabel ?name . ?u etom:usedApi <{iri}> ; etom:usageDirection ?direction FILTER(lang(?name) = "{lang}") }} '
        "ORDER BY ?direction ?component",
    )
    release = _release()
    processes = named.run(kg, "oda-processes-of-api", api=head["id"], release=release, lang=lang)
    return render_template(
        "api.html", head=head, versions=versions, users=users, processes=processes, release=release,
        releases=list(reversed(served().releases)), **common,
    )  # fmt: skip


def oda_page(kg, iri: str, types: set[str], common: dict) -> str | None:
    """The page of a component or an Open API, or None for anything else."""
    if ETOM + "OdaComponent" in types:
        return component_page(iri, common)
    if ETOM + "OpenApi" in types:
        return api_page(iri, common)
    return None


@bp.route("/components")
def components_index() -> str:
    lang = ui_lang()
    rows = _kg().select(
        "SELECT ?c ?id ?name ?status WHERE { ?c a etom:OdaComponent ; skos:notation ?id ; etom:componentStatus ?status ; "
        f'skos:prefLabel ?name FILTER(lang(?name) = "{lang}") }} ORDER BY ?id'
    )
    return render_template("components.html", rows=rows, lang=lang, path=request.path)
