"""The report in four forms: text for people, JSON for scripts, JUnit XML for CI dashboards, SARIF 2.1.0 for
code-scanning views; and the rule table (Markdown) for the README.

Every form is deterministic: the same input gives the same bytes (timings are left out of all but text).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from xml.etree import ElementTree as ET

from ..files import ontology_dir, reference_dir
from ..iris import natural_key
from ..version import __version__
from .findings import Finding, Report
from .rules import SEVERITY_RANK, Rule

FORMATS = ("text", "json", "junit", "sarif")
_SARIF_LEVEL = {"violation": "error", "warning": "warning", "info": "note"}
_HEADINGS = {
    "en": {"violation": "violation", "warning": "warning", "info": "info"},
    "zh": {"violation": "违规", "warning": "警告", "info": "提示"},
}


def shown(report: Report, fail_on: str, everything: bool) -> list[Finding]:
    """What a listing shows: with extension files, the findings on what the files state, plus anything at or
    above ``fail_on``; without files (or with ``everything``), all findings."""
    if everything or not report.files:
        return report.findings
    rank = SEVERITY_RANK[fail_on]
    return [f for f in report.findings if f.focus.file or SEVERITY_RANK[f.severity] >= rank]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _focus_text(finding: Finding, lang: str) -> str:
    focus = finding.focus
    parts = list(dict.fromkeys(p for p in (focus.release, focus.identifier) if p))
    name = focus.name(lang)
    label = " ".join(parts) if parts else focus.key
    if name:
        label += f" “{name}”"
    if focus.file:
        label += f"  [{finding.where}]"
    return label


def _message(finding: Finding, lang: str) -> str:
    """The message, and how to fix it where the result says more than its rule (the structural rules)."""
    message, fix = finding.message(lang), finding.how_to_fix(lang)
    return f"{message}; {fix}" if fix and fix != message else message


def render_text(report: Report, fail_on: str = "violation", lang: str = "en", limit: int = 20,
                everything: bool = False) -> str:  # fmt: skip
    heads = _HEADINGS["zh" if lang == "zh" else "en"]
    findings = shown(report, fail_on, everything)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule.id, []).append(finding)
    rules = {r.id: r for r in report.rules}
    lines = [f"etomkg validate: {report.dataset}" + (f" ({report.triples:,} triples)" if report.triples else "")]
    for rule_id, group in by_rule.items():
        rule = rules[rule_id]
        counts = {}
        for f in group:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        tally = ", ".join(f"{n} {heads[s]}" for s, n in sorted(counts.items(), key=lambda x: -SEVERITY_RANK[x[0]]))
        lines += ["", f"{rule_id} ({tally}) — {rule.text('description', lang)}"]
        for finding in group[: limit or None]:
            ack = f" ({finding.acknowledgement(lang)})" if finding.acknowledged_by else ""
            lines.append(f"  {heads[finding.severity]:9} {_focus_text(finding, lang)}: {_message(finding, lang)}{ack}")
        if limit and len(group) > limit:
            more = len(group) - limit
            lines.append(
                f"  … {more} more (--limit 0 lists them all)"
                if lang != "zh"
                else f"  … 另有 {more} 条（--limit 0 全部列出）"
            )
    reasons: dict[str, list[str]] = {}
    for rule_id, why in sorted(report.skipped.items()):
        if "--reason" not in why and not why.startswith("reads extension files"):
            reasons.setdefault(why, []).append(rule_id)
    for why, ids in reasons.items():  # many rules for one reason (the shapes, after structural violations): one line
        names = ids if len(ids) <= 3 else [f"{len(ids)} rules ({', '.join(ids[:3])} …)"]
        lines += [line for which in names for line in ("", f"{which} did not run: {why}")]
    hidden = len(report.findings) - len(findings)
    lines.append("")
    if hidden:
        lines.append(
            f"({hidden} results below --fail-on {fail_on} on the bundled graph itself are not listed; --all lists them)"
        )
    if lang == "zh":
        counts = "，".join(f"{report.count(s)} 条{heads[s]}" for s in ("violation", "warning", "info"))
        verdict = "符合" if report.conforms(fail_on) else "不符合"
    else:
        counts = ", ".join(_plural(report.count(s), s) for s in ("violation", "warning", "info"))
        verdict = "conforms" if report.conforms(fail_on) else "does not conform"
    lines.append(f"{counts} — {verdict} (--fail-on {fail_on}); {report.seconds:.1f} s")
    return "\n".join(lines) + "\n"


def _finding_json(finding: Finding, lang: str) -> dict:
    focus = finding.focus
    return {
        "rule": finding.rule.id,
        "severity": finding.severity,
        "focus": focus.key,
        "identifier": focus.identifier,
        "name": focus.name(lang) or None,
        "release": focus.release,
        "file": focus.file,
        "value": finding.value_text if finding.value is not None else None,
        "path": finding.path,
        "line": finding.line,
        "message": finding.message(lang),
        "fix": finding.how_to_fix(lang) or None,
        "acknowledgedBy": finding.acknowledged_by,
    }


def render_json(report: Report, fail_on: str = "violation", lang: str = "en", everything: bool = True) -> str:
    findings = shown(report, fail_on, everything)
    data = {
        "tool": {"name": "etomkg", "version": __version__},
        "dataset": report.dataset,
        "triples": report.triples,
        "failOn": fail_on,
        "conforms": report.conforms(fail_on),
        "counts": {s: report.count(s) for s in ("violation", "warning", "info")},
        "skipped": report.skipped,
        "rules": [_rule_json(r, lang) for r in report.rules],
        "results": [_finding_json(f, lang) for f in findings],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _rule_json(rule: Rule, lang: str) -> dict:
    return {"id": rule.id, "severity": rule.severity, "engine": rule.engine, "source": rule.source,
            "description": rule.text("description", lang), "fix": rule.text("message", lang),
            "acknowledgedBy": list(rule.acknowledged_by)}  # fmt: skip


def render_junit(report: Report, fail_on: str = "violation", lang: str = "en", everything: bool = False) -> str:
    """One test case per rule; a rule fails when it has results at or above ``fail_on``."""
    findings = shown(report, fail_on, everything)
    rank = SEVERITY_RANK[fail_on]
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule.id, []).append(finding)
    suites = ET.Element("testsuites", name="etomkg validate")
    suite = ET.SubElement(suites, "testsuite", name=f"etomkg validate: {report.dataset}")
    failures = skipped = 0
    for rule in report.rules:
        case = ET.SubElement(suite, "testcase", name=rule.id, classname=f"etomkg.rules.{rule.source or rule.engine}")
        group = by_rule.get(rule.id, [])
        bad = [f for f in group if SEVERITY_RANK[f.severity] >= rank]
        lines = [f"{f.severity}: {_focus_text(f, lang)}: {_message(f, lang)}" for f in group]
        if bad:
            failures += 1
            failure = ET.SubElement(case, "failure", type=rule.id,
                                    message=f"{len(bad)} result(s) at or above {fail_on}: {rule.text('description', lang)}")  # fmt: skip
            failure.text = "\n".join(lines)
        elif rule.id in report.skipped:
            skipped += 1
            ET.SubElement(case, "skipped", message=report.skipped[rule.id])
        elif lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    suite.set("tests", str(len(report.rules)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    for key in ("tests", "failures", "errors", "skipped"):
        suites.set(key, suite.get(key))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


class _Locator:
    """Finds where a focus element is written: the user's file (the first mention of its IRI), or the bundled
    source (its row in processes.csv, or its definition in ontology/etom.ttl)."""

    def __init__(self, report: Report) -> None:
        self.files = {f.path: f.text for f in report.files}
        self.lines = {f.path: f.lines for f in report.files}  # for files that do not name their IRIs (YAML)
        self._csv: dict | None = None
        self._ontology: str | None = None

    @staticmethod
    def _line_col(text: str, at: int) -> dict:
        return {"startLine": text.count("\n", 0, at) + 1, "startColumn": at - (text.rfind("\n", 0, at) + 1) + 1}

    def locate(self, finding: Finding) -> dict | None:
        focus = finding.focus
        if focus.file:
            text = self.files.get(focus.file)
            if finding.line is not None:  # the reader knew the line (or CSV row)
                region = {"startLine": finding.line, "startColumn": 1}
            else:
                region = self._find_in_rdf(text, focus.key) if text is not None else None
            if region is None and focus.key in self.lines.get(focus.file, {}):
                region = {"startLine": self.lines[focus.file][focus.key], "startColumn": 1}
            location = {"artifactLocation": {"uri": _uri(focus.file)}}
            if region:
                location["region"] = region
            return location
        if focus.key.startswith("https://w3id.org/etomkg/ontology#"):
            path = ontology_dir() / "etom.ttl"
            if self._ontology is None:
                self._ontology = path.read_text(encoding="utf-8")
            local = "etom:" + focus.key.rsplit("#", 1)[1]
            match = re.search(rf"^{re.escape(local)}\b", self._ontology, re.M)
            location = {"artifactLocation": {"uri": "ontology/etom.ttl", "uriBaseId": "ETOMKG"}}
            if match:
                location["region"] = self._line_col(self._ontology, match.start())
            return location
        if focus.identifier and focus.release:
            line = self._csv_lines().get((focus.release, focus.identifier))
            location = {"artifactLocation": {"uri": "etomkg/data/reference/processes.csv", "uriBaseId": "ETOMKG"}}
            if line:
                location["region"] = {"startLine": line, "startColumn": 1}
            return location
        return None

    def _csv_lines(self) -> dict:
        if self._csv is None:
            import csv

            self._csv = {}
            with (reference_dir() / "processes.csv").open(encoding="utf-8", newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                at_id, at_release = header.index("id"), header.index("release")
                for row in reader:
                    self._csv.setdefault((row[at_release], row[at_id]), reader.line_num)
        return self._csv

    def _find_in_rdf(self, text: str, iri: str) -> dict | None:
        candidates = [f"<{iri}>", f'"{iri}"']
        for prefix, namespace in re.findall(r"@prefix\s+([\w-]*):\s*<([^>]*)>", text, re.I):
            if iri.startswith(namespace):
                candidates.append(f"{prefix}:{iri[len(namespace) :]}")
        for prefix, namespace in re.findall(r'"([\w-]+)"\s*:\s*"([^"]+[/#])"', text):  # JSON-LD context prefixes
            if iri.startswith(namespace):
                candidates.append(f'"{prefix}:{iri[len(namespace) :]}"')
        found = [at for at in (text.find(c) for c in candidates) if at >= 0]
        return self._line_col(text, min(found)) if found else None


def _uri(path: str) -> str:
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return relative.replace(os.sep, "/")


def render_sarif(report: Report, fail_on: str = "violation", lang: str = "en", everything: bool = False) -> str:
    findings = shown(report, fail_on, everything)
    rules = report.rules
    index = {rule.id: i for i, rule in enumerate(rules)}
    locator = _Locator(report)
    results = []
    for finding in findings:
        result = {
            "ruleId": finding.rule.id,
            "ruleIndex": index[finding.rule.id],
            "level": _SARIF_LEVEL[finding.severity],
            "message": {
                "text": f"{_focus_text(finding, lang)}: {_message(finding, lang)}"
                + (f" ({finding.acknowledgement(lang)})" if finding.acknowledged_by else "")
            },
            "logicalLocations": [
                {
                    "fullyQualifiedName": finding.focus.key,
                    **({"name": finding.focus.identifier} if finding.focus.identifier else {}),
                }
            ],
            "partialFingerprints": {
                "etomkgResult/v1": hashlib.sha256(
                    "\n".join([finding.rule.id, finding.focus.key, finding.value or "", finding.message("en")]).encode()
                ).hexdigest()
            },
        }
        location = locator.locate(finding)
        if location:
            result["locations"] = [{"physicalLocation": location, "logicalLocations": result.pop("logicalLocations")}]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "etomkg",
                        "version": __version__,
                        "informationUri": "https://w3id.org/etomkg",
                        "rules": [
                            {
                                "id": rule.id,
                                "name": rule.id,
                                "shortDescription": {"text": rule.text("description", lang)},
                                "help": {"text": rule.text("message", lang)},
                                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                                "properties": {"engine": rule.engine, "source": rule.source},
                            }
                            for rule in rules
                        ],
                    }
                },
                "originalUriBaseIds": {"ETOMKG": {"description": {"text": "the etomkg package (source checkout)"}}},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": f"{rule} did not run: {why}"}}
                            for rule, why in sorted(report.skipped.items())
                        ],
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, ensure_ascii=False, indent=1) + "\n"


def render(report: Report, fmt: str, fail_on: str = "violation", lang: str = "en", limit: int = 20,
           everything: bool = False) -> str:  # fmt: skip
    if fmt == "text":
        return render_text(report, fail_on, lang, limit, everything)
    if fmt == "json":
        return render_json(report, fail_on, lang, True if not report.files else everything)
    if fmt == "junit":
        return render_junit(report, fail_on, lang, everything)
    if fmt == "sarif":
        return render_sarif(report, fail_on, lang, everything)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def rule_table_markdown(rules: list[Rule], lang: str = "en") -> str:
    """The rule list for the README: id, severity, what it checks, how to fix, where it is defined."""
    head = (
        "| id | severity | what it checks | how to fix |" if lang != "zh" else "| 编号 | 级别 | 检查内容 | 修复方法 |"
    )
    lines = [head, "|---|---|---|---|"]
    for rule in sorted(rules, key=lambda r: (not r.id.startswith("etom-"), natural_key(r.id))):
        fix = rule.text("message", lang).replace("|", "\\|")
        what = rule.text("description", lang).replace("|", "\\|")
        if rule.acknowledged_by:
            kinds = ", ".join("etom:" + k.rsplit("#", 1)[1] for k in rule.acknowledged_by)
            what += (
                f" Source defects acknowledged by {kinds} in the bundled graph are warnings."
                if lang != "zh"
                else f" 内置图谱中由 {kinds} 记录的来源缺陷降为警告。"
            )
        lines.append(f"| `{rule.id}` | {rule.severity} | {what} | {fix} |")
    return "\n".join(lines) + "\n"
