"""The one findings vocabulary of etomkg: a :class:`Finding` (rule, severity, element, message, where) and a
:class:`Report` of them, with one notion of conforming (nothing at or above ``fail_on``).

The SHACL shapes, the OWL checks and the structural rules of extension files all report in it, whichever
command runs them (``etomkg validate``, ``etomkg import extension``) and whatever renders the report (text,
JSON, JUnit, SARIF, the import's rejection message).

>>> rule = Rule("parent-unknown", "violation", "structure", {"en": "The parent exists."},
...             {"en": "Use an existing parent."}, "etomkg/extension_check.py")
>>> found = Finding(rule, "violation", Focus("1.4.99.1", "1.4.99.1", file="acme.csv"), line=4,
...                 detail=(("en", "the parent 1.4.99 is unknown"),), fix=(("en", "add a row for 1.4.99"),))
>>> found.render()
'acme.csv:4: violation [parent-unknown] 1.4.99.1: the parent 1.4.99 is unknown Fix: add a row for 1.4.99'
>>> found.message("zh")  # the rule's message, which has no Chinese text here
'Use an existing parent.'
>>> Report([found]).conforms(), Report([found]).conforms("violation"), Report().conforms()
(False, False, True)
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..iris import natural_key, release_key
from .rules import SEVERITY_RANK, Rule

SEVERITIES = ("violation", "warning", "info")


@dataclass(frozen=True)
class Focus:
    """The element a result is about, as people know it."""

    key: str  # IRI (or _:label, or the identifier of an element that has no IRI yet)
    identifier: str | None = None  # skos:notation, a release's version, or a term's local name
    names: tuple[tuple[str, str], ...] = ()  # (language, name)
    release: str | None = None
    file: str | None = None  # the first input file that states something about it

    def name(self, lang: str = "en") -> str:
        names = dict(self.names)
        return names.get(lang) or names.get("en") or next(iter(names.values()), "")

    def sort_key(self) -> tuple:
        return (release_key(self.release) if self.release else -1, natural_key(self.identifier or ""), self.key)


@dataclass(frozen=True)
class Finding:
    """One result of one rule on one element."""

    rule: Rule
    severity: str
    focus: Focus
    value: str | None = None  # the offending value (IRI or literal key)
    value_text: str | None = None
    path: str | None = None
    acknowledged_by: str | None = None  # the etom:Anomaly of the bundled graph that downgraded it
    acknowledged_kind: str | None = None  # its etom:anomalyKind
    detail: tuple[tuple[str, str], ...] = ()  # per-result text, (language, text): what is wrong here
    value_label: str | None = None  # the value as people know it (an element's identifier)
    fix: tuple[tuple[str, str], ...] = ()  # per-result how to fix it, (language, text)
    line: int | None = None  # line (Turtle, JSON-LD, YAML) or row (CSV, the header is row 1) in focus.file

    @property
    def file(self) -> str | None:
        return self.focus.file

    @property
    def where(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def _template(self, lang: str) -> str:
        text = self.rule.text("message", lang)
        value = self.value_label or self.value_text or ""
        return text.replace("{?value}", value).replace("{$this}", self.focus.identifier or self.focus.key)

    def message(self, lang: str = "en") -> str:
        """What is wrong: the result's own text in ``lang``, else the rule's message (SHACL's sh:message)."""
        texts = dict(self.detail)
        if lang in texts:
            return texts[lang]
        if texts and self.rule.engine != "structure":  # the OWL checks' own text is the whole message
            return texts.get("en") or next(iter(texts.values()))
        return self._template(lang)  # the structural rules' message in other languages says how to fix it too

    def how_to_fix(self, lang: str = "en") -> str:
        """How to fix it, where the result says more than its message (the structural rules do, in English)."""
        return dict(self.fix).get(lang, "")

    def acknowledgement(self, lang: str = "en") -> str:
        if not self.acknowledged_by:
            return ""
        kind = "etom:" + (self.acknowledged_kind or "").rsplit("#", 1)[-1]
        if lang == "zh":
            return f"TM Forum 来源缺陷，记录为 {kind}，故降为警告"
        return f"a defect of TM Forum's source, recorded as {kind}: a warning"

    @property
    def focus_text(self) -> str:
        return self.focus.identifier or self.focus.key

    def render(self, lang: str = "en") -> str:
        """One line: ``file:line: severity [rule] element: message Fix: …`` (the import's rejection lines)."""
        head = f"{self.where}: " if self.where else ""
        message = self.message(lang)
        fix = self.how_to_fix(lang)
        fix = f" {'修复' if lang == 'zh' else 'Fix'}: {fix}" if fix and fix != message else ""
        return f"{head}{self.severity} [{self.rule.id}] {self.focus_text}: {message}{fix}"

    def to_dict(self, lang: str = "en") -> dict:
        return {
            "rule": self.rule.id,
            "severity": self.severity,
            "focus": self.focus_text,
            "message": self.message(lang),
            "fix": self.how_to_fix(lang) or self._template(lang),
            "file": self.file,
            "line": self.line,
        }


@dataclass
class Report:
    """The findings of one run, and what ran. It conforms when nothing is at or above ``fail_on``."""

    findings: list[Finding] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)  # every rule that ran, in table order
    dataset: str = ""  # what was validated, e.g. "release 25.5 + 2 files"
    triples: int = 0
    files: list = field(default_factory=list)  # validation.dataset.UserFile of the inputs
    engine: str = "fast"
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # rule id → why it did not run
    shapes: str = ""  # whether the SHACL shapes ran on an extension ("run", or why not)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def counts(self) -> dict[str, int]:
        counted = Counter(f.severity for f in self.findings)
        return {s: counted[s] for s in SEVERITIES if counted[s]}

    def failing(self, fail_on: str = "violation") -> list[Finding]:
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]]

    def conforms(self, fail_on: str = "violation") -> bool:
        return not self.failing(fail_on)

    @property
    def violations(self) -> list[Finding]:
        return self.failing("violation")

    def rule_ids(self) -> list[str]:
        return sorted({f.rule.id for f in self.findings})

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def sorted(self) -> list[Finding]:
        """Findings in file order (then rule), so a person can walk the file top to bottom."""
        return sorted(
            self.findings,
            key=lambda f: (f.file or "", f.line if f.line is not None else 1 << 30, f.rule.id, f.focus_text,
                           f.message()),
        )  # fmt: skip

    def render_text(self, limit: int | None = None, lang: str = "en") -> str:
        findings = self.sorted()
        shown = findings if limit is None else findings[:limit]
        lines = [f.render(lang) for f in shown]
        if len(findings) > len(shown):
            lines.append(f"… and {len(findings) - len(shown)} more (--json lists every one)")
        return "\n".join(lines)

    def to_json(self, fail_on: str = "violation", lang: str = "en") -> str:
        return json.dumps(
            {
                "conforms": self.conforms(fail_on),
                "counts": self.counts(),
                "findings": [f.to_dict(lang) for f in self.sorted()],
            },
            ensure_ascii=False,
            indent=1,
        )


__all__ = ["Finding", "Focus", "Report", "SEVERITIES"]
