"""``etomkg components``: which ODA component and which Open API serve a process (and the other way round)."""

from __future__ import annotations

import click

from .. import queries as named
from ..outputs.tables import OUTPUT_FORMATS, render_rows
from .imports import import_group
from .main import backend_option, main, open_graph, store_option

_COMPONENTS = """
PREFIX etom: <https://w3id.org/etomkg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?component ?name ?status (COUNT(DISTINCT ?process) AS ?processes) WHERE {
  ?c a etom:OdaComponent ; skos:notation ?component ; skos:prefLabel ?name ; etom:componentStatus ?status .
  FILTER(lang(?name) = "LANG")
  OPTIONAL { ?i etom:implementer ?c ; etom:implementedProcess ?process . ?process etom:release/owl:versionInfo "RELEASE" }
}
GROUP BY ?component ?name ?status
ORDER BY ?component
"""


@main.command("components")
@click.option(
    "--process", "-p", "process", default=None, help="A process identifier, e.g. 1.4.5: its components and APIs."
)
@click.option("--api", "-a", "api", default=None, help="An Open API, e.g. TMF641: the processes behind it.")
@click.option(
    "--component",
    "-c",
    "component",
    default=None,
    help="A component, e.g. TMFC001: its processes, SID ABEs and Functional Framework functions.",
)
@click.option("--release", "-r", default=None, help="Release, e.g. 25.5 (default: the newest).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True)
@store_option
@backend_option
def components_command(
    process: str | None,
    api: str | None,
    component: str | None,
    release: str | None,
    lang: str,
    fmt: str,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """ODA components and Open APIs on the eTOM graph.

    Component specifications cite one release; in later releases their processes are found along the version
    links (stated = false). Without options: every component and how many processes of the release it covers.

    \b
    Examples:
      etomkg components --process 1.4.5 --release 26.0   # components (with descendants) and their APIs
      etomkg components --api TMF641                      # processes behind an Open API
      etomkg components --component TMFC001 --lang zh     # its processes, SID ABEs and functions, in Chinese
    """
    kg = open_graph(store_dir, backend_url)
    release = kg.check_release(release) if release else kg.default_release
    if sum(1 for given in (process, api, component) if given) > 1:
        raise named.QueryError("give one of --process, --api or --component")
    if process:
        blocks = [
            ("components", named.run(kg, "oda-components-of-process", process=process, release=release, lang=lang)),
            ("apis", named.run(kg, "oda-apis-of-process", process=process, release=release, lang=lang)),
        ]
    elif api:
        blocks = [("processes", named.run(kg, "oda-processes-of-api", api=api, release=release, lang=lang))]
    elif component:
        blocks = [
            ("processes", named.run(kg, "oda-processes-of-component", component=component, release=release, lang=lang)),
            ("abes", named.run(kg, "oda-abes-of-component", component=component, lang=lang)),
            ("functions", named.run(kg, "oda-functions-of-component", component=component, lang=lang)),
        ]
        if not any(rows for _, rows in blocks):
            raise named.QueryError(f"no component {component!r}; `etomkg components` lists them (e.g. TMFC001)")
        if lang == "en":  # the English name is the name: no second column
            blocks = [(title, [{k: v for k, v in r.items() if k != "english"} for r in rows]) for title, rows in blocks]
    else:
        rows = kg.select(_COMPONENTS.replace("LANG", lang).replace("RELEASE", release))
        blocks = [("components", rows)]
    if fmt == "json":
        import json

        click.echo(json.dumps({"release": release, **dict(blocks)}, ensure_ascii=False, indent=1))
        return
    for title, rows in blocks:
        if len(blocks) > 1 and fmt == "table":
            per_release = f", release {release}" if title not in ("abes", "functions") else ""
            click.echo(f"\n{title} ({len(rows)}){per_release}:")
        columns = list(rows[0]) if rows else ["(none)"]
        click.echo(render_rows(columns, rows, fmt))


@import_group.command("oda")
@click.argument("path", type=click.Path())
@click.option("--name", default=None, help="Name of the extension graph (default: oda-<file or folder name>).")
@click.option("--check", "check_only", is_flag=True, help="Only check (against --store or the bundled graph).")
@store_option
def import_oda_command(path: str, name: str | None, check_only: bool, store_dir: str | None) -> None:
    """Import your own ODA component specifications (YAML, kind: Component): a file or a folder of them.

    Every eTOM reference (identifier, name, cited release), Open API and SID domain is checked against the
    store; any problem rejects the whole import (exit 1), listing each as file:line with its rule id.

    \b
    Examples:
      etomkg import oda specs/ --store ~/etom-store
      etomkg import oda acme-activation.yaml --check
    """
    from ..oda.imports import import_oda
    from ..progress import Progress

    click.echo(import_oda(store_dir, path, name=name, check_only=check_only, progress=Progress()).render())
