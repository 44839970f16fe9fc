"""Validation results, and the checks an operator's extension must pass before it is stored.

The interface is small on purpose — ``validate(file or quads) -> Report`` with
findings of ``rule, severity, focus, message`` (plus how to fix it and where) —
so that the project's SHACL validator (``etomkg validate``) and these import
checks report alike, and an import can run both: the structural checks here
first (they know rows and lines), then the shared shapes on the rendered graph
(:func:`shared_shapes`), when that validator is installed.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from .errors import EXIT_FAILED, EtomkgError

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


def shared_shapes(quads, context_graphs) -> list[Finding]:
    """Findings of the project's SHACL shapes on an extension's rendered quads, once that validator exists.

    The shapes and their validator come with ``etomkg validate``; until then
    this returns nothing and the structural checks of :mod:`etomkg.extension`
    stand alone. The hook is the one place an import calls the shared validator.
    """
    try:
        from . import validation  # type: ignore[attr-defined]
    except ImportError:
        return []
    check = getattr(validation, "validate_quads", None)
    if check is None:
        return []
    report = check(quads, context_graphs)
    return [
        Finding(f.rule, f.severity, f.focus, f.message, getattr(f, "fix", ""), None, None)
        for f in getattr(report, "findings", [])
    ]


__all__ = ["Finding", "Report", "ValidationFailed", "SEVERITIES", "shared_shapes"]
