"""Validation for CI: the SHACL shapes of ``shapes/`` and the OWL checks, over the bundled graph (all of it or
one release) and the user's extension files.

>>> report = validate(release="classic")
>>> report.conforms("violation"), report.count("violation")
(True, 0)
>>> sorted({f.rule.id for f in report.findings if f.severity == "warning"})
['duplicate_label', 'etom-hier-003', 'etom-src-001', 'missing_definition']

With files, :func:`validate` checks their triples as they are: the focus nodes are the subjects the files say
something about (their elements, and bundled elements they add to), checked in the context of the bundled
graph; ``scope="all"`` checks everything. Users' files take the one path of :mod:`.inputs` instead
(``etomkg validate FILE``, ``etomkg import extension``, :func:`check_extension`): read into the triples an
import stores, then the whole rule book — the structural rules of :mod:`.structure`, then these checks.
Every result is a :class:`~.findings.Finding` in a :class:`~.findings.Report`, whoever reports it.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path

from ..iris import ETOM, RELEASES
from . import engines
from .dataset import Dataset, InputFileError, dataset_for
from .findings import Finding, Focus, Report
from .owl import CONSISTENCY_RULE, OWL_RULES, SATISFIABLE_RULE, OwlFinding, check_profile
from .rules import SEVERITY_RANK, Rule, ShapesError, load_shapes, rule_table
from .structure import structure_rules

__all__ = [
    "check_extension",
    "check_file",
    "check_files",
    "Finding",
    "Focus",
    "InputFileError",
    "Report",
    "ShapesError",
    "all_rules",
    "validate",
    "validate_triples",
]


def __getattr__(name: str):
    # the one path of user files (validation.inputs) imports the extension readers, which import this package
    if name in ("check_extension", "check_file", "check_files"):
        from . import inputs

        return getattr(inputs, name)
    raise AttributeError(name)


SOURCE_DEFECT_RULE = "etom-src-001"


def all_rules(shapes_folder: str | None = None) -> list[Rule]:
    """Every rule: the shapes', the OWL checks' and the structural rules of extension files, in the order of the
    rule table."""
    return rule_table(load_shapes(shapes_folder), OWL_RULES + structure_rules())


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
        report = _validate(dataset, shapes, files, scope, engine, reason, jobs, shapes_folder, started)
    else:
        with dataset_for(release, files, base) as dataset:
            report = _validate(dataset, shapes, files, scope, engine, reason, jobs, shapes_folder, started)
    # the structural rules read files the way an import does (validation.inputs); a graph has been read already
    report.skipped.update({r.id: NOT_A_FILE for r in report.rules if r.engine == "structure"})
    return report


#: why the structural rules do not run on a graph (the text report leaves it out: it says nothing new)
NOT_A_FILE = "reads extension files (etomkg validate FILE), not a graph"


def validate_triples(
    release: str,
    path: str,
    triples: list,
    *,
    scope: str = "files",
    engine: str = "fast",
    reason: bool = False,
    jobs: int | None = None,
    shapes_folder: str | None = None,
    base: str | None = None,
) -> Report:
    """The shapes and the OWL checks on triples read from the file ``path`` (an extension's canonical form),
    in the context of the bundled ``release``; see :func:`etomkg.validation.inputs.check_file` for the whole
    rule book."""
    started = time.perf_counter()
    shapes = load_shapes(shapes_folder)
    with dataset_for(release, base=base, parsed=[(path, triples)]) as dataset:
        return _validate(dataset, shapes, [path], scope, engine, reason, jobs, shapes_folder, started)


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
    rules = rule_table(shapes, OWL_RULES + structure_rules())
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
    import rdflib

    from ..files import ontology_dir

    graph = rdflib.Graph()
    graph += _ontology_graph(str(ontology_dir()))
    labels: dict = {}
    for user_file in dataset.user_files:
        if user_file.statements:
            engines.add_triples(graph, user_file.statements, labels)
    return graph, {f"_:{node}": label for node, label in labels.items()}


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
