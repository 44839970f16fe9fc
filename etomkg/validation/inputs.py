"""The one path of the files users bring: each is read into its canonical form (the derived facts included:
level, hierarchy level, parent and broader, release, domain), then one rule book reports on it — the
structural rules of its reader first, then the SHACL shapes and the OWL checks on the canonical triples in
the context of its release. ``etomkg validate FILE`` and ``etomkg import extension FILE [--check]`` both
call :func:`check_file`; they differ only in whether the canonical triples are stored.

Readers join the path with :func:`register_input`: an :class:`Input` says which files it reads and turns
one into a :class:`Staged` file (its structural findings, and how to render and locate its elements); its
rules join the rule book with :func:`etomkg.validation.structure.register_rules`. The operators' extensions
(:mod:`etomkg.imports.extension`: CSV, YAML, Turtle, JSON-LD, N-Triples) are the reader of last resort.

>>> report = check_extension('''
... @prefix etom: <https://w3id.org/etomkg/ontology#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
... <https://acme.example/etom/crm> a etom:Application ; skos:notation "CRM-01" ;
...     skos:prefLabel "Acme CRM"@en , "Acme 客户关系管理"@zh ;
...     etom:mapsTo <https://w3id.org/etomkg/release/25.5/process/9.9.9> .''', "turtle", "25.5")
>>> report.conforms(), report.rule_ids()
(False, ['maps-to-unknown'])
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ..errors import EtomkgError
from .findings import Finding, Report

#: Extensions up to this many elements also run the SHACL shapes by default (``--shapes auto``); pySHACL needs
#: about a second per thousand elements, so larger ones rely on the structural rules unless asked.
SHAPES_AUTO_LIMIT = 10_000
SHAPES_MODES = ("auto", "always", "never")


@dataclass
class Staged:
    """One file as a reader made it: its structural findings, and its canonical form on demand."""

    path: str  # as given
    fmt: str
    name: str  # the extension's name (its graph), from --name, the file or the file name
    release: str
    findings: list[Finding]
    render: Callable[[], bytes]  # canonical N-Quads; called only when the structural rules found no violation
    locate: Callable[[str], int | None]  # the line of an element (by IRI) in the file
    elements: int
    counts: list[tuple[str, str]] = field(default_factory=list)  # what the file holds, for the import's summary
    doc: object = None  # the reader's own document
    sha256: str = ""
    stored_by: str = "import extension"  # the command that stores such files


class Input(Protocol):
    """A reader of user files that joins the one path."""

    name: str

    def accepts(self, path: Path, fmt: str | None) -> bool: ...

    def stage(self, path: str, fmt: str | None, kg, release: str | None, name: str | None) -> Staged: ...


@dataclass
class Checked:
    """The verdict on one file, and its canonical N-Quads (None when a structural violation stopped it)."""

    staged: Staged
    report: Report
    data: bytes | None = None


class ExtensionInput:
    """Operators' extensions (:mod:`etomkg.imports.extension`): CSV, YAML, Turtle, JSON-LD, N-Triples."""

    name = "extension"

    def accepts(self, path: Path, fmt: str | None) -> bool:
        return True

    def stage(self, path: str, fmt: str | None, kg, release: str | None, name: str | None) -> Staged:
        from ..imports.extension import _line_index, check_name, default_name, read_extension
        from ..imports.extension_check import check, extension_iri, release_index, render

        iris = kg.iris  # the staged file keeps no reference to kg: an import's store must close after a rejection
        doc = read_extension(path, fmt, iris=iris)
        name = check_name(name or doc.meta.get("name") or default_name(doc.path))
        release = kg.check_release(release or doc.meta.get("release") or kg.default_release)
        index = release_index(kg, release)
        report = check(doc, index, iris, name)
        lines = {extension_iri(iris, name, e): e.line for e in doc.elements if e.key}
        line_of = _line_index(doc.path.read_text("utf-8")) if doc.fmt in ("turtle", "jsonld") else None

        def locate(iri: str) -> int | None:
            return lines.get(iri) or (line_of(iri) if line_of else None)

        return Staged(path, doc.fmt, name, release, report.findings, lambda: render(doc, index, iris, name),
                      locate, len(doc.elements), _counts(doc), doc, doc.sha256)  # fmt: skip


def _counts(doc) -> list[tuple[str, str]]:
    kinds = Counter(e.kind for e in doc.elements)
    levels = Counter(e.key.count(".") for e in doc.elements if e.kind == "process")
    by_level = ": " + ", ".join(f"L{level} {n}" for level, n in sorted(levels.items())) if levels else ""
    return [
        ("processes", f"{kinds['process']}{by_level}"),
        ("applications", str(kinds["application"])),
        ("systems", str(kinds["system"])),
        ("organisation units", str(kinds["organisation-unit"])),
        ("mappings", f"{sum(len(e.maps_to) for e in doc.elements)} maps-to links"),
    ]


class OdaSpecInput:
    """ODA component specifications (:mod:`etomkg.oda`: YAML with ``apiVersion``/``kind`` at the top), checked
    against every release (they cite processes of any); ``etomkg import oda`` stores them."""

    name = "oda-component-spec"

    def accepts(self, path: Path, fmt: str | None) -> bool:
        if path.suffix.lower() not in (".yaml", ".yml") or fmt not in (None, "yaml"):
            return False
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:65536]
        except OSError:
            return False
        return re.search(r"^(apiVersion|kind)\s*:", head, re.M) is not None

    def stage(self, path: str, fmt: str | None, kg, release: str | None, name: str | None) -> Staged:
        from ..oda.validation import spec_problems, spec_triples, subject_lines
        from .structure import finding

        # The structural rules (oda-spec-*), as `etomkg import oda` finds them; a file that does not read as a
        # component is an oda-spec-001 finding there too, so both commands give one verdict.
        component, problems = spec_problems(path)
        findings = [finding(p.rule, key=component, file=path, line=p.line, detail=p.message) for p in problems]
        if findings:  # every oda-spec rule is a violation: the canonical form is never rendered
            return Staged(path, "oda-spec", Path(path).stem, release, findings, lambda: b"", lambda _: None, 0,
                          [("components", "1")], stored_by="import oda")  # fmt: skip
        data = ox.serialize(spec_triples(path, kg.iris.base), format=ox.RdfFormat.N_TRIPLES)
        lines = subject_lines(path, kg.iris.base)
        return Staged(path, "oda-spec", Path(path).stem, release, [], lambda: data, lines.get, len(lines),
                      [("components", "1")], stored_by="import oda")  # fmt: skip


INPUTS: list[Input] = [OdaSpecInput(), ExtensionInput()]


def register_input(reader: Input) -> None:
    """Let ``reader`` read the files it accepts (it is asked before the readers registered earlier)."""
    INPUTS.insert(0, reader)


def _reader(path: str, fmt: str | None) -> Input:
    return next(r for r in INPUTS if r.accepts(Path(path), fmt))


@lru_cache(maxsize=1)
def _bundled_graph():
    from ..store import open_cached

    return open_cached()  # the read-only on-disk cache: no loading


def check_file(
    path: str | Path,
    *,
    release: str | None = None,
    name: str | None = None,
    fmt: str | None = None,
    kg=None,
    shapes: str = "auto",
    engine: str = "fast",
    reason: bool = False,
    scope: str = "files",
    progress=None,
) -> Checked:
    """Read one file into its canonical form and report on it with the whole rule book, against ``release``
    (default: the file's own, else the newest) of ``kg`` (default: the bundled graph). A file that cannot be
    read raises :class:`~etomkg.imports.extension.ExtensionSyntaxError` (its ``findings`` hold the ``syntax`` rule).
    The SHACL shapes and OWL checks run when the structural rules found no violation (their results would
    point at the wrong fix otherwise) and ``shapes`` allows: ``auto`` up to ``SHAPES_AUTO_LIMIT`` elements."""
    from . import all_rules, validate_triples

    if shapes not in SHAPES_MODES:
        raise EtomkgError(f"--shapes {shapes!r}: choose {', '.join(SHAPES_MODES)}")
    started = time.perf_counter()
    path = str(path)
    kg = kg if kg is not None else _bundled_graph()  # (a graph's truth value counts its quads)
    from ..imports.extension import ExtensionSyntaxError

    given = Path(path).name
    try:
        staged = _reader(path, fmt).stage(path, fmt, kg, release, name)
    except ExtensionSyntaxError as exc:
        exc.findings = [_in_file(f, given, path) for f in exc.findings]
        raise
    findings = [_in_file(f, given, path, staged.release) for f in staged.findings]
    where = f"release {staged.release}" if staged.release else "every release"
    report = Report(findings, all_rules(), f"{where} + 1 file", engine=engine)
    checked = Checked(staged, report)
    if not report.conforms():
        report.shapes = "not run: the structural rules found violations (fix them first)"
        report.skipped.update({r.id: "the structural rules found violations; fix them first"
                               for r in report.rules if r.engine != "structure"})  # fmt: skip
        report.seconds = time.perf_counter() - started
        return checked
    checked.data = staged.render()
    if shapes == "never" or (shapes == "auto" and staged.elements > SHAPES_AUTO_LIMIT):
        report.shapes = f"not run ({staged.elements} elements; --shapes always runs them)"
        why = f"--shapes {shapes}" + (
            f": {staged.elements} elements, over {SHAPES_AUTO_LIMIT:,}" if shapes == "auto" else ""
        )
        report.skipped.update({r.id: why for r in report.rules if r.engine != "structure"})
    else:
        if progress is not None:
            progress.step("checking with the SHACL shapes")
        quads = ox.parse(checked.data, format=ox.RdfFormat.N_QUADS)
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        shaped = validate_triples(staged.release, path, triples, scope=scope, engine=engine, reason=reason,
                                  base=kg.iris.base)  # fmt: skip
        report.findings += [_located(f, path, staged.locate) for f in shaped.findings]
        report.triples, report.files, report.skipped = shaped.triples, shaped.files, shaped.skipped
        report.shapes = "run"
    order = {rule.id: i for i, rule in enumerate(report.rules)}
    report.findings.sort(key=lambda f: (order[f.rule.id], f.line or 0, f.focus.sort_key(), f.value or "",
                                        f.message()))  # fmt: skip
    report.seconds = time.perf_counter() - started
    return checked


def _in_file(finding: Finding, name: str, path: str, release: str | None = None) -> Finding:
    """A reader's finding names its file as given on the command line (and the release it was checked in)."""
    focus = finding.focus
    if focus.file == name and name != path:
        focus = replace(focus, file=path)
    if release and focus.release is None:
        focus = replace(focus, release=release)
    return finding if focus is finding.focus else replace(finding, focus=focus)


def _located(finding: Finding, path: str, locate: Callable[[str], int | None]) -> Finding:
    if finding.focus.file != path or finding.line is not None:
        return finding
    return replace(finding, line=locate(finding.focus.key))


def check_files(
    paths: list[str] | tuple[str, ...],
    *,
    release: str | None = None,
    kg=None,
    shapes: str = "auto",
    engine: str = "fast",
    reason: bool = False,
    scope: str = "files",
) -> Report:
    """:func:`check_file` on each file (``etomkg validate FILE …``), in one report. Every file is read before
    any is checked: one that cannot be read raises, and nothing is reported."""
    from ..imports.extension import ExtensionSyntaxError

    started = time.perf_counter()
    problems = []
    checked = []
    for path in paths:
        try:
            checked.append(check_file(path, release=release, kg=kg, shapes=shapes, engine=engine, reason=reason,
                                      scope=scope))  # fmt: skip
        except ExtensionSyntaxError as exc:
            problems.append(exc)
    if problems:
        raise (
            problems[0]
            if len(problems) == 1
            else ExtensionSyntaxError("\n".join(str(p) for p in problems), [f for p in problems for f in p.findings])
        )
    merged = Report(rules=checked[0].report.rules if checked else [], engine=engine)
    releases = sorted({c.staged.release or "every release" for c in checked})
    merged.dataset = f"release {', '.join(releases)}".replace("release every release", "every release")
    merged.dataset += f" + {len(checked)} file{'s' if len(checked) != 1 else ''}"
    for one in checked:
        merged.findings += one.report.findings
        merged.files += one.report.files
        merged.triples = max(merged.triples, one.report.triples)
        for rule_id, why in one.report.skipped.items():
            merged.skipped.setdefault(rule_id, why)
    merged.shapes = "run" if all(c.report.shapes == "run" for c in checked) else "not run on every file"
    order = {rule.id: i for i, rule in enumerate(merged.rules)}
    merged.findings.sort(key=lambda f: (order[f.rule.id], f.file or "", f.line or 0, f.focus.sort_key()))
    merged.seconds = time.perf_counter() - started
    return merged


def check_extension(text: str, format: str, release: str | None = None, *, name: str = "extension",
                    kg=None) -> Report:  # fmt: skip
    """The verdict of the whole rule book on an extension given as text (``format``: csv, yaml, turtle,
    jsonld) — what ``etomkg validate`` and ``etomkg import extension --check`` say of the same file. For
    programs (the MCP server's "validate a mapping"); a text that cannot be read gives a report holding the
    ``syntax`` finding rather than an exception."""
    import tempfile

    from ..imports.extension import ExtensionSyntaxError, detect_format

    fmt = detect_format(Path("x"), format)
    suffix = {"turtle": ".ttl", "jsonld": ".jsonld", "csv": ".csv", "yaml": ".yaml"}[fmt]
    with tempfile.TemporaryDirectory(prefix="etomkg-check-") as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            report = check_file(path, release=release, name=name, fmt=fmt, kg=kg).report
        except ExtensionSyntaxError as exc:
            from . import all_rules

            report = Report(list(exc.findings), all_rules(), "1 text")
        # the temporary file means nothing to the caller
        report.findings = [
            replace(f, focus=replace(f.focus, file=None)) if f.focus.file in (str(path), path.name) else f
            for f in report.findings
        ]
        report.files = []
    return report


__all__ = ["Checked", "Input", "Staged", "check_extension", "check_file", "check_files", "register_input",
           "SHAPES_AUTO_LIMIT"]  # fmt: skip
