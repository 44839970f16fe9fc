"""Validation results, and the checks an operator's extension must pass before it is stored.

The interface is small on purpose — findings of ``rule, severity, focus,
message`` (plus how to fix it and where) — so that the project's SHACL
validator (``etomkg validate``, :mod:`etomkg.validation`) and the import checks
report alike, and an import runs both: the structural checks of
:mod:`etomkg.imports.extension_check` first (they know rows and lines and stop at
nothing), then the shared shapes on the rendered graph (:func:`shared_shapes`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ..errors import EXIT_FAILED, EtomkgError

SEVERITIES = ("violation", "warning", "info")


@dataclass(frozen=True)
class Finding:
    rule: str  # stable rule id, e.g. "parent-unknown"
    severity: str  # "violation" | "warning" | "info"
    focus: str  # the element concerned: its identifier, or its IRI
    message: str  # what is wrong
    fix: str = ""  # how to fix it
    file: str | None = None
    line: int | None = None  # line (Turtle, JSON-LD, YAML) or row (CSV, counting the header as row 1)

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def render(self) -> str:
        head = f"{self.where}: " if self.where else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{head}{self.severity} [{self.rule}] {self.focus}: {self.message}{fix}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    shapes: str = ""  # whether the shared SHACL shapes ran ("run", or why not)

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    def counts(self) -> dict[str, int]:
        counted = Counter(f.severity for f in self.findings)
        return {s: counted[s] for s in SEVERITIES if counted[s]}

    def sorted(self) -> list[Finding]:
        """Findings in file order (then rule), so a person can walk the file top to bottom."""
        return sorted(
            self.findings,
            key=lambda f: (f.file or "", f.line if f.line is not None else 1 << 30, f.rule, f.focus, f.message),
        )

    def render_text(self, limit: int | None = None) -> str:
        findings = self.sorted()
        shown = findings if limit is None else findings[:limit]
        lines = [f.render() for f in shown]
        if len(findings) > len(shown):
            lines.append(f"… and {len(findings) - len(shown)} more (--report json lists every one)")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(
            {"conforms": self.conforms, "counts": self.counts(), "findings": [asdict(f) for f in self.sorted()]},
            ensure_ascii=False,
            indent=1,
        )

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)


class ValidationFailed(EtomkgError):
    """An input rejected by validation: nothing was stored. Exit code 1 (a check failed)."""

    exit_code = EXIT_FAILED

    def __init__(self, what: str, report: Report) -> None:
        self.report = report
        n = len(report.violations)
        others = len(report.findings) - n
        lines = [f.render() for f in Report(report.violations).sorted()]
        if others:
            lines.append(f"(and {others} warning or info note{'s' if others != 1 else ''}; --json lists them)")
        super().__init__(
            f"{what} was rejected: {n} error{'s' if n != 1 else ''}; nothing was stored, the store is unchanged\n"
            + "\n".join(lines)
        )


#: Extensions up to this many elements also run the project's SHACL shapes (``etomkg validate``) on import;
#: pySHACL needs about a second per thousand elements, so larger ones rely on the structural checks (which
#: cover the same rules for extension elements) unless ``--shapes always`` asks for both.
SHAPES_AUTO_LIMIT = 10_000


def shared_shapes(nquads: bytes, release: str, base: str, locate=None, file: str | None = None) -> list[Finding]:
    """Findings of the project's SHACL shapes (:mod:`etomkg.validation`) on an extension's rendered triples,
    in the context of the bundled release. ``locate(iri)`` gives the line of an element in the user's file."""
    import os
    import tempfile

    import pyoxigraph as ox

    from ..validation import validate

    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)]
    fd, path = tempfile.mkstemp(suffix=".nt", prefix="etomkg-extension-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        report = validate(release=release, files=[path], base=base)
    finally:
        os.unlink(path)
    return [
        Finding(
            f.rule.id,
            f.severity,
            f.focus.identifier or f.focus.key,
            f.message("en"),
            "",
            file,
            locate(f.focus.key) if locate else None,
        )
        for f in report.findings
    ]


__all__ = ["Finding", "Report", "ValidationFailed", "SEVERITIES", "shared_shapes"]
