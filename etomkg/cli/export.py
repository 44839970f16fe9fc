"""``etomkg export``."""

from __future__ import annotations

import os
import tempfile

import click

from ..errors import EtomkgError
from ..formats import FORMATS
from ..outputs.export import ExportError, select_lines, serialize_lines
from .main import backend_option, extensions_option, main, open_graph, release_option, store_option

EXPORTERS: dict[str, object] = {}  # extra formats (archimate, archi-csv …) register a callable here


def write_atomically(path: str, data: bytes) -> None:
    """Write all or nothing: a failed export never leaves a partial file behind."""
    write_files_atomically({path: data})


def write_files_atomically(files: dict[str, bytes]) -> None:
    """Write several files all or nothing: every file goes to a temporary name first, then all are renamed."""
    staged: list[tuple[str, str]] = []
    try:
        for path, data in files.items():
            folder = os.path.dirname(os.path.abspath(path))
            try:
                fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
            except OSError as exc:
                raise EtomkgError(f"cannot write {path}: {exc.strerror} ({folder}); check the -o path") from exc
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is an ordinary file
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _archimate(kg, *, release, root, max_level, output, lang=None, element_type=None, views=None) -> bytes:
    from ..archimate import export_archimate

    return export_archimate(
        kg,
        release=release,
        root=root,
        max_level=max_level,
        languages=lang,
        element_type=element_type,
        views=views is not False,
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
    write_files_atomically({paths[kind]: data for kind, data in files.items()})
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
    "archimate": {"lang", "element_type", "views"},
    "archi-csv": {"lang", "element_type", "views"},
    "bpmn": {"lang", "flow", "process", "lanes"},
}


@main.command("export")
@click.option(
    "--format",
    "fmt",
    default="turtle",
    show_default=True,
    help=f"One of: {', '.join(FORMATS)}, archimate (exchange XML), archi-csv (-o PREFIX), bpmn (BPMN 2.0 XML).",
)
@release_option
@click.option("--root", default=None, help="Export only this process and its descendants, e.g. 1.4.5.")
@click.option("--max-level", type=int, default=None, help="Deepest level to include (0-7).")
@click.option("--all-releases", is_flag=True, help="Every release together (named graphs where the format keeps them).")
@click.option("-o", "--output", default="-", show_default=True, help="Output file (- for stdout).")
@click.option(
    "--lang", default=None, help="archimate, archi-csv: languages of names and documentation, e.g. en,zh (default)."
)
@click.option(
    "--element-type",
    type=click.Choice(["function", "process"]),
    default=None,
    help="archimate, archi-csv: process elements as BusinessFunction (default) or BusinessProcess.",
)
@click.option("--views/--no-views", default=None, help="archimate: write the map and flow views (default: yes).")
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
    flow: str | None,
    process: str | None,
    lanes: str | None,
    extensions: bool,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Export one release, a subtree of it, or everything, in an RDF format or for EA tools (ArchiMate)."""
    given = {
        "lang": lang,
        "element_type": element_type,
        "views": views,
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
        from ..formats import rdf_format_for

        info = rdf_format_for(fmt)
        lines = select_lines(
            kg, release="all" if all_releases else release, root=root, max_level=max_level, extensions=extensions
        )
        data = serialize_lines(lines, info)
    if output == "-":
        click.get_binary_stream("stdout").write(data)
    else:
        write_atomically(output, data)
        click.echo(f"wrote {output} ({len(data)} bytes)", err=True)
