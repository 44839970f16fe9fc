"""``etomkg validate``."""

from __future__ import annotations

import sys

import click

from ..errors import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from .main import backend_option, main, open_graph, store_option

_FORMATS = ("text", "json", "junit", "sarif")


@main.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--release",
    "-r",
    default=None,
    metavar="RELEASE",
    help="Only this release, e.g. 25.5 or classic (default: every release).",
)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default="text", show_default=True,
              help="text for people, json, junit (CI dashboards), sarif (code scanning).")  # fmt: skip
@click.option("--fail-on", type=click.Choice(["violation", "warning", "info"]), default="violation",
              show_default=True, help="Lowest severity that makes the exit code 1.")  # fmt: skip
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True, help="Language of messages.")
@click.option("--all", "everything", is_flag=True,
              help="With FILES: check and list every element, not only what the files state something about.")  # fmt: skip
@click.option(
    "--reason", is_flag=True, help="Also check consistency with HermiT (needs Java; about a minute per release)."
)
@click.option("--limit", type=int, default=20, show_default=True, help="Results listed per rule in text (0: all).")
@click.option("--engine", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="fast: pySHACL for Core shapes + pyoxigraph for SPARQL constraints; pyshacl: plain pySHACL (slow).")  # fmt: skip
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="Write the report to a file (- for stdout); folders are created.")  # fmt: skip
@click.option("--list-rules", is_flag=True, help="Print the rule table (Markdown) and exit.")
@click.option("--shapes", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="With FILES: also run the SHACL shapes on them, as `import extension` does (auto: up to 10,000 "
                   "elements).")  # fmt: skip
@store_option
@backend_option
def validate_command(
    files: tuple[str, ...],
    release: str | None,
    fmt: str,
    fail_on: str,
    lang: str,
    everything: bool,
    reason: bool,
    limit: int,
    engine: str,
    output: str,
    list_rules: bool,
    shapes: str,
    store_dir: str | None,
    backend_url: str | None,
) -> None:
    """Validate the bundled eTOM graph, or your extension FILES (Turtle, JSON-LD, CSV, YAML, N-Triples) with it.

    FILES are read and checked exactly as `etomkg import extension FILE --check` does (the same derived facts,
    the same rules: structural rules, then the SHACL shapes and OWL checks), against --release (default: the
    file's own, else the newest) of the bundled graph, --store or --backend.

    \b
    Without FILES and --release every release is checked. Exit codes: 0 conforms; 1 results at or
    above --fail-on; 2 a file could not be read (file:line:column is given).
    Examples:
      etomkg validate                                  # the bundled graph, every release
      etomkg validate my-l4-processes.ttl --release 25.5 --format sarif -o etomkg.sarif
      etomkg validate --store ~/etom --release 25.5   # a store: its imported workbooks and extensions
      etomkg validate --backend http://store:7878/query   # the graph a SPARQL store holds
    """
    from ..validation import all_rules, validate
    from ..validation.report import render, rule_table_markdown

    if list_rules:
        click.echo(rule_table_markdown(all_rules(), lang), nl=False)
        return
    scope = "all" if everything else "files"
    code = None
    if files:  # the one path of `import extension`: read, derive, then the whole rule book
        from ..imports.extension import ExtensionSyntaxError
        from ..validation import Report, check_files

        kg = open_graph(store_dir, backend_url)
        try:
            report = check_files(files, release=release, kg=kg, shapes=shapes, engine=engine, reason=reason,
                                 scope=scope)  # fmt: skip
        except ExtensionSyntaxError as exc:
            if fmt == "text":
                raise
            report, code = Report(list(exc.findings), all_rules(), "unreadable input", engine=engine), EXIT_INPUT
            click.echo(f"etomkg: error: {exc}", err=True)
    else:
        kg = open_graph(store_dir, backend_url) if backend_url else None
        report = validate(release, files, scope=scope, engine=engine, reason=reason, store=None if kg is not None else store_dir,
                          kg=kg)  # fmt: skip
    text = render(report, fmt, fail_on, lang, limit, everything)
    if output == "-":
        click.echo(text, nl=False)
    else:
        from ..atomic import write_file

        write_file(output, text.encode("utf-8"))
        click.echo(f"wrote {output}: {len(report.failing(fail_on))} result(s) at or above {fail_on}", err=True)
    for rule_id, why in sorted(report.skipped.items()):
        if reason and fmt != "text" and rule_id in ("etom-owl-002", "etom-owl-003"):  # what --reason asked for
            click.echo(f"etomkg: {rule_id} did not run: {why}", err=True)
    sys.exit(code if code is not None else EXIT_OK if report.conforms(fail_on) else EXIT_FAILED)
