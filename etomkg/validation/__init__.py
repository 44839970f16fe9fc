"""Validation for CI: the SHACL shapes of ``shapes/`` and the OWL checks, over the bundled graph (all of it or
one release) and the user's extension files.

>>> report = validate(release="classic")
>>> report.conforms("violation"), report.count("violation")
(True, 0)
>>> sorted({f.rule.id for f in report.findings if f.severity == "warning"})
['duplicate_label', 'etom-hier-003', 'etom-src-001', 'missing_definition']

With extension files, the focus nodes are the subjects the files say something about (their elements, and
bundled elements they add to), checked in the context of the bundled graph; ``scope="all"`` checks everything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..iris import ETOM, RELEASES, natural_key, release_key
from . import engines
from .dataset import Dataset, InputFileError, UserFile, dataset_for
from .owl import CONSISTENCY_RULE, OWL_RULES, SATISFIABLE_RULE, OwlFinding, check_profile
from .rules import SEVERITY_RANK, Rule, ShapesError, load_shapes, rule_table

__all__ = [
    "Finding",
    "Focus",
    "InputFileError",
    "Report",
    "ShapesError",
    "all_rules",
    "validate",
]

SOURCE_DEFECT_RULE = "etom-src-001"


@dataclass(frozen=True)
class Focus:
    """The element a result is about, as people know it."""

    key: str  # IRI (or _:label)
    identifier: str | None = None  # skos:notation, a release's version, or a term's local name
    names: tuple[tuple[str, str], ...] = ()  # (language, name)
    release: str | None = None
    file: str | None = None  # the first extension file that states something about it

    def name(self, lang: str = "en") -> str:
        names = dict(self.names)
        return names.get(lang) or names.get("en") or next(iter(names.values()), "")

    def sort_key(self) -> tuple:
        return (release_key(self.release) if self.release else -1, natural_key(self.identifier or ""), self.key)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: str
    focus: Focus
    value: str | None = None  # the offending value (IRI or literal key)
    value_text: str | None = None
    path: str | None = None
    acknowledged_by: str | None = None  # the etom:Anomaly of the bundled graph that downgraded it
    acknowledged_kind: str | None = None  # its etom:anomalyKind
    detail: tuple[tuple[str, str], ...] = ()  # per-result text of the OWL checks
    value_label: str | None = None  # the value as people know it (an element's identifier)

    def message(self, lang: str = "en") -> str:
        if self.detail:
            texts = dict(self.detail)
            return texts.get(lang) or texts["en"]
        text = self.rule.text("message", lang)
        value = self.value_label or self.value_text or ""
        return text.replace("{?value}", value).replace("{$this}", self.focus.identifier or self.focus.key)

    def acknowledgement(self, lang: str = "en") -> str:
        if not self.acknowledged_by:
            return ""
        kind = "etom:" + (self.acknowledged_kind or "").rsplit("#", 1)[-1]
        if lang == "zh":
            return f"TM Forum 来源缺陷，记录为 {kind}，故降为警告"
        return f"a defect of TM Forum's source, recorded as {kind}: a warning"


@dataclass
class Report:
    findings: list[Finding]
    rules: list[Rule]  # every rule that ran, in table order
    dataset: str  # what was validated, e.g. "release 25.5 + 2 files"
    triples: int
    files: list[UserFile]
    engine: str
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # rule id → why it did not run

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def failing(self, fail_on: str) -> list[Finding]:
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on]]

    def conforms(self, fail_on: str = "violation") -> bool:
        return not self.failing(fail_on)


def all_rules(shapes_folder: str | None = None) -> list[Rule]:
    """Every rule: the shapes' and the OWL checks', in the order of the rule table."""
    return rule_table(load_shapes(shapes_folder), OWL_RULES)


def validate(
    release: str | None = None,
    files: list[str] | tuple[str, ...] = (),
    *,
    scope: str = "files",
    engine: str = "fast",
    reason: bool = False,
    jobs: int | None = None,
    shapes_folder: str | None = None,
    base: str | None = None,
    store: str | None = None,
    kg=None,
) -> Report:
    """Validate the bundled graph (``release=None``: every release), with the extension ``files``; or, with
    ``store``, what that persistent store holds (imported workbooks and extensions, see ``store_dataset``); or,
    with ``kg``, what that knowledge graph holds (a remote store's, for one: ``validate --backend``).

    ``scope="files"`` (with files): check the subjects the files state something about; ``"all"``: every
    focus node. ``engine="fast"`` (pySHACL for Core shapes + pyoxigraph for SPARQL constraints) or
    ``"pyshacl"`` (plain pySHACL on one rdflib graph, the reference). ``reason``: run HermiT too.
    """
    started = time.perf_counter()
    shapes = load_shapes(shapes_folder)
    if store is not None or kg is not None:
        from .dataset import graph_dataset, store_dataset

        dataset = graph_dataset(kg, release, files) if kg is not None else store_dataset(store, release, files)
        return _validate(dataset, shapes, files, scope, engine, reason, jobs, shapes_folder, started)
    with dataset_for(release, files, base) as dataset:
        return _validate(dataset, shapes, files, scope, engine, reason, jobs, shapes_folder, started)


def _validate(dataset, shapes, files, scope, engine, reason, jobs, shapes_folder, started) -> Report:
    only = set().union(*(f.subjects for f in dataset.user_files)) if files and scope == "files" else None
    if engine == "fast":
        raw = engines.run_fast(dataset, shapes, shapes_folder, jobs, only)
    elif engine == "pyshacl":
        raw = engines.run_reference(dataset, shapes, only)
    else:
        raise ValueError(f"unknown engine {engine!r}; choose fast or pyshacl")
    findings = _acknowledge(raw, shapes.rules, dataset)
    graph, blank_labels = _profile_graph(dataset)
    owl_findings = [_owl_finding(f, blank_labels) for f in check_profile(graph)]
    skipped: dict[str, str] = {}
    if reason:
        owl_findings += _reason(dataset, skipped)
    else:
        skipped[CONSISTENCY_RULE.id] = skipped[SATISFIABLE_RULE.id] = "not asked for (run with --reason)"
    keys = {f.focus.key for f in findings + owl_findings} | {
        f.value for f in findings if f.value and not f.value.startswith(('"', "_:"))
    }
    focus = _describe(dataset, keys)
    findings = [_with_focus(f, focus) for f in findings + owl_findings]
    rules = rule_table(shapes, OWL_RULES)
    order = {rule.id: i for i, rule in enumerate(rules)}
    findings.sort(key=lambda f: (order[f.rule.id], f.focus.sort_key(), f.value or "", f.path or "", f.message()))
    return Report(findings, rules, dataset.label, len(dataset), dataset.user_files, engine,
                  time.perf_counter() - started, skipped)  # fmt: skip


def _acknowledge(raw: list[engines.RawResult], rules: dict[str, Rule], dataset: Dataset) -> list[Finding]:
    """Downgrade what a bundled etom:Anomaly acknowledges; report every other recorded anomaly once."""
    findings, acknowledged = [], set()
    for result in raw:
        rule = rules[result.rule]
        anomaly, kind = next(
            ((a, k) for a, k in dataset.anomalies.get(result.focus, []) if k in rule.acknowledged_by),
            (None, None),
        )
        severity = result.severity
        if anomaly and SEVERITY_RANK[severity] > SEVERITY_RANK["warning"]:
            severity = "warning"
        if anomaly:
            acknowledged.add(anomaly)
        findings.append(
            Finding(rule, severity, Focus(result.focus), result.value, result.value_text, result.path, anomaly, kind)
        )
    return [f for f in findings if not (f.rule.id == SOURCE_DEFECT_RULE and f.value in acknowledged)]


def _owl_finding(found: OwlFinding, blank_labels: dict | None = None) -> Finding:
    focus = (blank_labels or {}).get(found.focus, found.focus)
    return Finding(found.rule, found.severity or found.rule.severity, Focus(focus),
                   detail=tuple(sorted(found.message.items())))  # fmt: skip


def _with_focus(finding: Finding, focus: dict[str, Focus]) -> Finding:
    from dataclasses import replace

    value = focus.get(finding.value) if finding.value else None
    label = None
    if value is not None and value.identifier:
        label = (
            f"{value.release} {value.identifier}"
            if value.release and value.release != value.identifier
            else value.identifier
        )
    return replace(finding, focus=focus.get(finding.focus.key, finding.focus), value_label=label)


def _profile_graph(dataset: Dataset):
    """The ontology and the extension files, as one rdflib graph, for the OWL 2 DL profile check."""
    import pyoxigraph as ox
    import rdflib

    from ..files import ontology_dir

    graph = rdflib.Graph()
    graph += _ontology_graph(str(ontology_dir()))
    labels: dict = {}
    for user_file in dataset.user_files:
        if user_file.statements:
            data = ox.serialize(user_file.statements, format=ox.RdfFormat.N_TRIPLES)
            graph.parse(data=data.decode("utf-8"), format="nt", bnode_context=labels)
    return graph, {f"_:{node}": f"_:{label}" for label, node in labels.items()}


@lru_cache(maxsize=1)
def _ontology_graph(folder: str):
    import rdflib

    graph = rdflib.Graph()
    for path in sorted(Path(folder).glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _reason(dataset: Dataset, skipped: dict[str, str]) -> list[Finding]:
    from . import reasoning

    java = reasoning.java_problem()
    if java:
        skipped[CONSISTENCY_RULE.id] = skipped[SATISFIABLE_RULE.id] = java
        return []
    releases = [dataset.release] if dataset.release else (dataset.releases or list(RELEASES))
    return [_owl_finding(f) for f in reasoning.check_consistency(dataset, releases)]


def _describe(dataset: Dataset, keys: set[str]) -> dict[str, Focus]:
    """Identifier, names and release of each focus node, and the first extension file that mentions it."""
    iris = sorted(k for k in keys if not k.startswith("_:"))
    rows: dict[str, dict] = {}
    query = f"""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX etom: <{ETOM}>
        SELECT ?s ?id ?label ?release ?version WHERE {{
            VALUES ?s {{ {{}} }}
            OPTIONAL {{ ?s skos:notation ?id }}
            OPTIONAL {{ ?s skos:prefLabel|rdfs:label ?label }}
            OPTIONAL {{ ?s etom:release/owl:versionInfo ?release }}
            OPTIONAL {{ ?s a etom:Release ; owl:versionInfo ?version }}
        }}"""
    for start in range(0, len(iris), 2000):
        values = " ".join(f"<{k}>" for k in iris[start : start + 2000])
        for row in dataset.store.query(query.replace("{ {} }", "{ " + values + " }")):
            entry = rows.setdefault(row["s"].value, {"id": None, "names": {}, "release": None})
            if row["id"] is not None and entry["id"] is None:
                entry["id"] = row["id"].value
            if row["version"] is not None:
                entry["id"] = entry["id"] or row["version"].value
                entry["release"] = row["version"].value
            label = row["label"]
            if label is not None and label.language:
                entry["names"].setdefault(label.language.split("-")[0], label.value)
            if row["release"] is not None:
                entry["release"] = row["release"].value
    described = {}
    for key in keys:
        entry = rows.get(key, {"id": None, "names": {}, "release": None})
        identifier = entry["id"]
        if identifier is None and key.startswith(ETOM):
            identifier = "etom:" + key[len(ETOM) :]
        file = next((f.path for f in dataset.user_files if key in f.subjects), None)
        described[key] = Focus(key, identifier, tuple(sorted(entry["names"].items())), entry["release"], file)
    return described
