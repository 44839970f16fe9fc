"""``etomkg export``."""

from __future__ import annotations

import click

from ..atomic import write_file, write_files
from ..formats import FORMATS, UnknownFormatError, rdf_format_for
from ..outputs.export import ExportError, select_lines, serialize_lines
from .main import backend_option, extensions_option, main, open_graph, release_option, store_option

EXPORTERS: dict[str, object] = {}  # extra formats (archimate, archi-csv …) register a callable here


class ExportFormat(click.Choice):
    """The RDF formats of :data:`~etomkg.formats.FORMATS` and the registered exporters, read when asked
    (so an exporter registered later is a choice too); RDF aliases such as ``ttl`` are accepted."""

    def __init__(self) -> None:
        super().__init__([])

    @property
    def choices(self) -> tuple[str, ...]:
        return (*FORMATS, *EXPORTERS)

    @choices.setter
    def choices(self, value) -> None:  # Choice.__init__ assigns; the live list above wins
        pass

    def convert(self, value, param, ctx):
        if value in EXPORTERS:
            return value
        try:
            return rdf_format_for(value).name
        except UnknownFormatError:
            return super().convert(value, param, ctx)


def _archimate(
    kg, *, release, root, max_level, output, lang=None, element_type=None, views=None, components=None
) -> bytes:
    from ..archimate import export_archimate

    return export_archimate(
        kg,
        release=release,
        root=root,
        max_level=max_level,
        languages=lang,
        element_type=element_type,
        views=views is not False,
        components=bool(components),
    )


def _archi_csv(kg, *, release, root, max_level, output, lang=None, element_type=None, views=None) -> None:
    from ..archimate import csv_paths, export_archi_csv

    if output == "-":
        raise ExportError("--format archi-csv writes three files: give a prefix with -o, e.g. -o out/etom-26.0")
    if views:
        raise ExportError("--views: Archi's CSV files cannot carry views; use --format archimate for them")
    files = export_archi_csv(
        kg, release=release, root=root, max_level=max_level, languages=lang, element_type=element_type
    )
    paths = csv_paths(output)
    write_files({paths[kind]: data for kind, data in files.items()})
    for kind in files:
        click.echo(f"wrote {paths[kind]} ({len(files[kind])} bytes)", err=True)


def _bpmn(kg, *, release, root, max_level, output, lang=None, flow=None, process=None, lanes=None, **_) -> bytes:
    from ..bpmn import export_bpmn

    if root is not None or max_level is not None:
        raise ExportError("--root/--max-level: --format bpmn draws one flow or process; use --flow KEY or --process ID")
    return export_bpmn(kg, release=release, flow=flow, process=process, lang=lang, lanes=lanes or "domain")


EXPORTERS["archimate"] = _archimate
EXPORTERS["archi-csv"] = _archi_csv
EXPORTERS["bpmn"] = _bpmn
#: The options each extra format takes (beyond --release, --root, --max-level, -o).
EXPORTER_OPTIONS = {
    "archimate": {"lang", "element_type", "views", "components"},
    "archi-csv": {"lang", "element_type", "views"},
    "bpmn": {"lang", "flow", "process", "lanes"},
}


@main.command("export")
@click.option(
    "--format",
    "fmt",
    type=ExportFormat(),
    default="turtle",
    show_default=True,
    help="An RDF format, archimate (Open Group exchange XML), archi-csv (Archi's CSV import; -o names the prefix) "
    "or bpmn (BPMN 2.0 XML of --flow KEY or --process ID).",
)
@release_option
@click.option("--root", default=None, metavar="ID", help="Export only this process and its descendants, e.g. 1.4.5.")
@click.option("--max-level", type=int, default=None, help="Deepest level to include (0-7).")
@click.option("--all-releases", is_flag=True, help="Every release together (named graphs where the format keeps them).")
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Output file (- for stdout); folders are created.",
)
@click.option(
    "--lang",
    default=None,
    metavar="LANGS",
    help="Languages of names and documentation: en, zh or en,zh  [default: en,zh for archimate and archi-csv, en for bpmn]",
)
@click.option(
    "--element-type",
    type=click.Choice(["function", "process"]),
    default=None,
    help="archimate, archi-csv: process elements as BusinessFunction (default) or BusinessProcess.",
)
@click.option("--views/--no-views", default=None, help="archimate: write the map and flow views (default: yes).")
@click.option(
    "--components", "components", is_flag=True, default=None,
    help="archimate: also the ODA components (ApplicationComponent) and their Open APIs (ApplicationInterface).",
)  # fmt: skip
@click.option(
    "--flow", "flow", default=None, metavar="KEY", help="bpmn: the end-to-end flow to draw, e.g. order-to-payment."
)
@click.option("--process", "process", default=None, metavar="ID", help="bpmn: the process whose data flows to draw.")
@click.option(
    "--lanes",
    type=click.Choice(["domain", "layer"]),
    default=None,
    help="bpmn --flow: one pool per eTOM domain (default) or per horizontal layer.",
)
@extensions_option
@store_option
@backend_option
def export_command(
    fmt: str,
    release: str | None,
    root: str | None,
    max_level: int | None,
    all_releases: bool,
    output: str,
    lang: str | None,
    element_type: str | None,
    views: bool | None,
    components: bool | None,
    flow: str | None,
    process: str | None,
    lanes: str | None,
    extensions: bool,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Export one release, a subtree of it, or everything, in an RDF format or for EA tools (ArchiMate).

    \b
    Examples:
      etomkg export --format jsonld --release 25.5 --root 1.4.5 -o activation.jsonld
      etomkg export --format nquads --all-releases -o out/etom.nq
      etomkg export --format archimate --release 26.0 -o etom-26.0.xml
      etomkg export --format bpmn --flow order-to-payment --lang zh -o o2p.bpmn
    """
    given = {
        "lang": lang,
        "element_type": element_type,
        "views": views,
        "components": components,
        "flow": flow,
        "process": process,
        "lanes": lanes,
    }
    extra = {k: v for k, v in given.items() if v is not None}
    if fmt in EXPORTERS:
        foreign = sorted(set(extra) - EXPORTER_OPTIONS[fmt])
        if foreign:
            options = ", ".join("--" + k.replace("_", "-") for k in foreign)
            raise ExportError(f"{options}: not an option of --format {fmt}")
        if all_releases:
            raise ExportError(f"--all-releases: --format {fmt} exports one release at a time; use --release")
        if extensions:
            raise ExportError(f"--extensions: --format {fmt} exports eTOM's own elements; use an RDF format")
        kg = open_graph(store_dir, backend_url)
        data = EXPORTERS[fmt](kg, release=release, root=root, max_level=max_level, output=output, **extra)
        if data is None:
            return
    else:
        if extra:
            options = ", ".join("--" + k.replace("_", "-") for k in extra)
            takers = [name for name, taken in EXPORTER_OPTIONS.items() if set(extra) <= taken]
            raise ExportError(f"{options}: only for --format {' or '.join(takers)}, not {fmt}")
        kg = open_graph(store_dir, backend_url)
        info = FORMATS[fmt]
        lines = select_lines(
            kg, release="all" if all_releases else release, root=root, max_level=max_level, extensions=extensions
        )
        data = serialize_lines(lines, info)
    if output == "-":
        click.get_binary_stream("stdout").write(data)
    else:
        write_file(output, data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
