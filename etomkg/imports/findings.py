"""The rejection of an input by the one rule book (:mod:`etomkg.validation`): the error an import raises.

Findings and reports are :class:`etomkg.validation.findings.Finding` and
:class:`~etomkg.validation.findings.Report`, the same for ``etomkg validate`` and ``etomkg import``.
"""

from __future__ import annotations

from ..errors import EXIT_FAILED, EtomkgError
from ..validation.findings import SEVERITIES, Finding, Report
from ..validation.inputs import SHAPES_AUTO_LIMIT


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


__all__ = ["Finding", "Report", "ValidationFailed", "SEVERITIES", "SHAPES_AUTO_LIMIT"]
