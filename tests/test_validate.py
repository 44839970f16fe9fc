"""`etomkg validate`: the broken corpus (one file per rule), the bundled graph, the output formats, the two
engines, the OWL checks and unreadable input."""

from __future__ import annotations

import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib

from etomkg.iris import ETOM
from etomkg.validation import all_rules, engines, reasoning, validate
from etomkg.validation.dataset import Dataset, InputFileError, _cached_bundled, dataset_for
from etomkg.validation.owl import check_profile
from etomkg.validation.report import render_json, render_junit, render_sarif, render_text, rule_table_markdown
from etomkg.validation.rules import ShapesError, load_shapes

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "validate"
ACME = "https://example.com/acme/etom/"
R255 = "https://w3id.org/etomkg/release/25.5/process/"

# file → (extra options, {(rule, focus, severity)}, exit code with the default --fail-on violation)
V, W, I = "violation", "warning", "info"  # noqa: E741
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
CASES = {
    "valid.ttl": ((), set(), 0),
    "valid.jsonld": ((), set(), 0),
    "valid.nt": ((), set(), 0),
    "etom-proc-001.ttl": ((), {("etom-proc-001", "NoNotation", V)}, 1),
    "etom-proc-002.ttl": ((), {("etom-proc-002", "LevelAsText", V)}, 1),
    "etom-proc-003.ttl": ((), {("etom-proc-003", "ParentIsRelease", V)}, 1),
    "etom-proc-004.ttl": ((), {("etom-proc-004", "NoRelease", V)}, 1),
    "etom-proc-005.ttl": (
        (),
        {("etom-proc-005", "DomainIsNotADomain", V), ("etom-proc-015", "DomainIsNotADomain", V)},
        1,
    ),
    "etom-proc-006.ttl": ((), {("etom-proc-006", "PlaceholderOriginal", V)}, 1),
    "etom-proc-010.ttl": ((), {("etom-proc-010", "NoChineseL3", V)}, 1),
    "etom-proc-011.ttl": ((), {("etom-proc-011", "NoChineseL5", I)}, 0),
    "etom-proc-012.ttl": ((), {("etom-proc-012", "WrongLevel", V)}, 1),
    "etom-proc-013.ttl": ((), {("etom-proc-013", "WrongParent", V)}, 1),
    "etom-proc-014.ttl": ((), {("etom-proc-014", "NoDomain", V)}, 1),
    "etom-proc-015.ttl": ((), {("etom-proc-015", "WrongDomain", V)}, 1),
    "etom-hier-001.ttl": (
        (),
        {("etom-hier-001", "CycleUpper", V), ("etom-hier-001", "CycleLower", V), ("etom-proc-013", "CycleUpper", V)},
        1,
    ),
    "etom-hier-002.ttl": ((), {("etom-hier-002", "DuplicateId", V)}, 1),
    "etom-hier-003.ttl": ((), {("etom-hier-003", "Orphan", V)}, 1),
    "etom-hier-003-self-acknowledged.ttl": (
        (),
        {("etom-hier-003", "OrphanWithExcuse", V), ("etom-src-001", "OrphanWithExcuse", W)},
        1,
    ),
    "etom-hier-004.ttl": (("--all-releases",), {("etom-hier-004", "ParentOtherRelease", V)}, 1),
    "etom-depr-001.ttl": ((), {("etom-depr-001", "DeprecatedSilently", I)}, 0),
    "etom-depr-002.ttl": ((), {("etom-depr-002", "PointsToDeleted", W)}, 0),
    "misused_replaced_by.ttl": ((), {("misused_replaced_by", "ReplacedButLive", V)}, 1),
    "duplicate_label.ttl": ((), {("duplicate_label", "SameName", V)}, 1),
    "label_whitespace.ttl": ((), {("label_whitespace", "SpacedName", V)}, 1),
    "annotation_whitespace.ttl": ((), {("annotation_whitespace", "SpacedDefinition", W)}, 0),
    "missing_definition.ttl": ((), {("missing_definition", "UndefinedL2", W)}, 0),
    "missing_label.nt": ((), {("missing_label", "NoEnglishName", V)}, 1),
    "multiple_labels.ttl": ((), {("multiple_labels", "TwoNames", V)}, 1),
    "missing_ontology_title.ttl": ((), {("missing_ontology_title", "https://example.com/acme/etom-extension", V)}, 1),
    "missing_ontology_description.ttl": (
        (),
        {("missing_ontology_description", "https://example.com/acme/etom-extension-b", V)},
        1,
    ),
    "missing_ontology_license.ttl": (
        (),
        {("missing_ontology_license", "https://example.com/acme/etom-extension-c", V)},
        1,
    ),
    "etom-onto-001.ttl": ((), {("etom-onto-001", "https://example.com/acme/etom-extension-d", V)}, 1),
    "etom-onto-002.ttl": ((), {("etom-onto-002", ETOM + "ManagedServiceProcess", V)}, 1),
    "etom-onto-003.ttl": ((), {("etom-onto-003", ETOM + "PartnerServiceProcess", V)}, 1),
    "etom-src-001.ttl": ((), {("etom-src-001", "WithAnomaly", W)}, 0),
    "etom-owl-001.ttl": ((), {("etom-owl-001", "hasOwner", V)}, 1),
    "etom-owl-004.ttl": ((), {("etom-owl-004", "_:", I)}, 0),
    "etom-flow-004.ttl": (("--all-releases",), {("etom-flow-004", "CrossReleaseFlow", V)}, 1),
    "etom-oda.ttl": (
        ("--all-releases",),
        {
            ("etom-oda-001", "RefName", V),
            ("etom-oda-002", "RefRelease", V),
            ("etom-oda-003", "RefIdentifier", V),
            ("etom-oda-004", "RefGone", V),
            ("etom-oda-005", "UseUnknownApi", V),
        },
        1,
    ),  # fmt: skip
}
# The flow rules (shapes/flows.ttl) have one broken example each in tests/test_flow_shapes.py (plain pySHACL on a
# small graph); etom-flow-004.ttl above runs one of them through `etomkg validate` against the bundled graph.
FLOW_RULES_TESTED_ELSEWHERE = "etom-flow-"
HERMIT_CASE = "etom-owl-002.ttl"  # needs Java: test_hermit_finds_an_inconsistent_extension


def _focus(key: str) -> str:
    if key.startswith(ACME):
        return key[len(ACME) :]
    return "_:" if key.startswith("_:") else key


def _validate_json(path: Path, options=()) -> tuple[dict, int]:
    """The shapes and OWL checks on the file's triples as they are (what `etomkg validate --store` and the
    bundled graph's run see): the rules themselves. Users' files go through the one path of `import extension`
    first (tests/test_rulebook.py, and test_the_one_path_points_at_the_real_defect below)."""
    report = validate(None if "--all-releases" in options else "25.5", [str(path)])
    return json.loads(render_json(report)), 0 if report.conforms() else 1


def test_every_rule_has_a_broken_file():
    covered = {rule for _, expected, _ in CASES.values() for rule, _, _ in expected} | {"etom-owl-002"}
    # an unsatisfiable class needs a broken ontology; the structural rules have their corpus in test_rulebook.py
    rules = {rule.id for rule in all_rules() if rule.engine != "structure"} - {"etom-owl-003"}
    flow_tests = (ROOT / "tests" / "test_flow_shapes.py").read_text(encoding="utf-8")
    for rule in sorted(r for r in rules - covered if r.startswith(FLOW_RULES_TESTED_ELSEWHERE)):
        assert f'("{rule.rsplit("-", 1)[1]}", ' in flow_tests, rule
        covered.add(rule)
    assert rules <= covered, sorted(rules - covered)
    assert {p.name for p in CORPUS.glob("*.*")} == set(CASES) | {HERMIT_CASE}


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_file_reports_exactly_its_rule_and_element(name):
    options, expected, code = CASES[name]
    report, exit_code = _validate_json(CORPUS / name, options)
    found = {(r["rule"], _focus(r["focus"]), r["severity"]) for r in report["results"]}
    assert found == expected
    assert exit_code == code
    assert report["conforms"] is (code == 0)
    for result in report["results"]:  # every result names the file its element comes from
        assert (
            result["file"] == str(CORPUS / name) or result["focus"].startswith(ETOM) or result["rule"] == "etom-owl-001"
        )


# What `etomkg validate FILE` says of some of these files: it reads them as `import extension` does (deriving
# level, parent, release, domain), so a defect is reported by the rule that names it, not by a derived fact the
# file left out (tests/test_rulebook.py holds the corpus of extension files in every input format).
ONE_PATH = {
    "etom-proc-013.ttl": ["parent-identifier"],
    "etom-hier-002.ttl": ["identifier-taken"],
    "etom-proc-012.ttl": ["level-depth"],
    "multiple_labels.ttl": ["label-duplicate-language"],
    "etom-proc-015.ttl": ["derived-mismatch"],
    "label_whitespace.ttl": ["label_whitespace"],
    "etom-proc-002.ttl": [],  # etom:level "5" as text: the level follows from the identifier, and is stored as 5
}


@pytest.mark.parametrize("name", sorted(ONE_PATH))
def test_the_one_path_points_at_the_real_defect(cli, name):
    result = cli("validate", str(CORPUS / name), "--release", "25.5", "--format", "json", expect=None)
    report = json.loads(result.stdout)
    assert sorted({r["rule"] for r in report["results"] if r["severity"] == "violation"}) == ONE_PATH[name]
    assert result.exit_code == (1 if ONE_PATH[name] else 0)


@pytest.mark.parametrize(("name", "fail_on"), [("etom-proc-011.ttl", "info"), ("annotation_whitespace.ttl", "warning"),
                                               ("etom-depr-002.ttl", "warning"), ("etom-depr-001.ttl", "info")])  # fmt: skip
def test_fail_on_lowers_the_threshold(cli, name, fail_on):
    cli("validate", str(CORPUS / name), "--release", "25.5", expect=0)
    cli("validate", str(CORPUS / name), "--release", "25.5", "--fail-on", fail_on, expect=1)


def test_defects_in_a_users_file_are_violations_where_the_bundled_graph_has_warnings(cli, bundled_report):
    """The same orphan defect: a warning on 24.0's 1.21.7.3 (acknowledged by an etom:Anomaly of the bundled
    graph), a violation in the user's file even though the file records an anomaly of its own."""
    theirs = [r for r in bundled_report["results"] if r["rule"] == "etom-hier-003"]
    assert ("24.0", "1.21.7.3", "warning") in {(r["release"], r["identifier"], r["severity"]) for r in theirs}
    assert all(r["acknowledgedBy"] for r in theirs)
    mine, _ = _validate_json(CORPUS / "etom-hier-003-self-acknowledged.ttl")
    orphan = next(r for r in mine["results"] if r["rule"] == "etom-hier-003")
    assert orphan["severity"] == "violation" and orphan["acknowledgedBy"] is None


# --- the bundled graph (the project's own CI run) ---------------------------------------------------------------


@pytest.fixture(scope="session")
def bundled_report(cli, tmp_path_factory):
    """`etomkg validate` on the whole bundled graph, as CI runs it."""
    out = tmp_path_factory.mktemp("validate") / "bundled.json"
    result = cli("validate", "--format", "json", "-o", str(out), expect=0)
    assert "at or above violation" in result.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_bundled_graph_conforms_with_source_defects_as_warnings(bundled_report, kg):
    assert bundled_report["conforms"] and bundled_report["counts"]["violation"] == 0
    assert bundled_report["dataset"] == "every release"
    # Every etom:Anomaly of the bundled graph is reported exactly once: by the rule it breaks, or by etom-src-001.
    anomalies = {r["a"] for r in kg.select("SELECT ?a WHERE { ?e etom:hasAnomaly ?a }")}
    reported = [r["acknowledgedBy"] for r in bundled_report["results"] if r["acknowledgedBy"]]
    reported += [r["value"] for r in bundled_report["results"] if r["rule"] == "etom-src-001"]
    assert sorted(reported) == sorted(anomalies)
    orphans = [r for r in bundled_report["results"] if r["rule"] == "etom-hier-003"]
    assert len(orphans) == 55 and {r["severity"] for r in orphans} == {"warning"}
    dup = {(r["release"], r["identifier"]) for r in bundled_report["results"] if r["rule"] == "duplicate_label"}
    assert ("23.0.1", "1.2.27.4") in dup and ("classic", "1.1.1.16") in dup


def test_bundled_oda_defects_are_warnings_counted_as_the_csvs_say(bundled_report, oda_defects):
    expected = oda_defects
    rules = {"etom-oda-001": "OdaNameMismatch", "etom-oda-002": "OdaUnheldRelease",
             "etom-oda-003": "OdaUnknownIdentifier", "etom-oda-004": "OdaNoCurrentVersion",
             "etom-oda-005": "OdaUnknownApi"}  # fmt: skip
    for rule, kind in rules.items():
        found = [r for r in bundled_report["results"] if r["rule"] == rule]
        assert len(found) == expected[kind], (rule, len(found), expected[kind])
        assert {r["severity"] for r in found} <= {"warning"} and all(r["acknowledgedBy"] for r in found)
    assert expected["OdaNameMismatch"] == 9 and expected["OdaUnheldRelease"] == 8


def test_bundled_graph_rules_and_focus_are_described(bundled_report):
    stray = [r for r in bundled_report["results"] if r["rule"] == "etom-proc-014"]
    assert {(r["release"], r["identifier"]) for r in stray} == {
        ("24.0", "1.21.7.1.1"), ("24.0", "1.21.7.1.1.3"), ("24.0", "1.21.7.3")}  # fmt: skip
    assert stray[0]["name"] and "/anomaly/strayidentifier" in stray[0]["acknowledgedBy"]
    assert {r["id"] for r in bundled_report["rules"]} == {r.id for r in all_rules()}


# --- output formats ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_report():
    files = [
        str(CORPUS / n) for n in ("etom-proc-013.ttl", "label_whitespace.ttl", "valid.jsonld", "etom-proc-011.ttl")
    ]
    return validate("25.5", files)


def test_text_output_groups_by_rule_with_identifier_name_and_counts():
    out = render_text(validate("25.5", [str(CORPUS / "etom-proc-013.ttl")]))
    assert (
        "etom-proc-013 (1 violation) — The parent's identifier is the element's own identifier minus its last part"
        in out
    )
    assert "violation 25.5 1.4.5.4.1.10 “Configure IPTV Service” [" in " ".join(out.split())
    assert "25.5 1.4.5.4.2 is not the element one level up" in out  # the value named by its identifier
    assert out.rstrip().splitlines()[-1].startswith("1 violation, 0 warnings, 0 infos — does not conform")
    zh = render_text(validate("25.5", [str(CORPUS / "etom-proc-013.ttl")]), lang="zh")
    assert "“配置 IPTV 业务”" in zh and "不是上一层元素" in zh


def test_junit_output_parses_as_junit_xml(corpus_report, tmp_path):
    xml = render_junit(corpus_report)
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) == len(all_rules())
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"etom-proc-013", "label_whitespace"} and int(suite.get("failures")) == 2
    structural = {r.id for r in all_rules() if r.engine == "structure"}  # they read files as an import does
    assert {c.get("name") for c in cases if c.find("skipped") is not None} == {
        "etom-owl-002",
        "etom-owl-003",
    } | structural
    assert "1.4.5.4.1.10" in suite.find("testcase[@name='etom-proc-013']/failure").text
    assert all(c.get("classname", "").startswith("etomkg.rules.") for c in cases)


def test_sarif_output_validates_against_the_sarif_schema(corpus_report, shared_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((shared_dir / "conformance" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    sarif = json.loads(render_sarif(corpus_report))
    jsonschema.validate(sarif, schema)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    spaced = next(r for r in run["results"] if r["ruleId"] == "label_whitespace")
    location = spaced["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("tests/data/validate/label_whitespace.ttl")
    text = (CORPUS / "label_whitespace.ttl").read_text(encoding="utf-8").splitlines()
    assert text[location["region"]["startLine"] - 1].startswith("acme:SpacedName a etom:ProcessElement")
    assert spaced["level"] == "error"
    assert {r["level"] for r in run["results"] if r["ruleId"] == "etom-proc-011"} == {"note"}


def test_sarif_of_the_bundled_graph_points_into_the_sources(shared_dir):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((shared_dir / "conformance" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    sarif = json.loads(render_sarif(validate("classic")))
    jsonschema.validate(sarif, schema)
    orphan = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "etom-hier-003")
    location = orphan["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "etomkg/data/reference/processes.csv"
    assert orphan["level"] == "warning" and "etom:OrphanProcess" in orphan["message"]["text"]


def test_outputs_are_deterministic(corpus_report):
    again = validate("25.5", [f.path for f in corpus_report.files])
    assert render_sarif(again) == render_sarif(corpus_report)
    assert render_junit(again) == render_junit(corpus_report)


def test_rule_table_in_readme_is_generated_from_the_shapes(cli):
    table = cli("validate", "--list-rules").stdout
    assert table == rule_table_markdown(all_rules())
    assert table in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README rule table is stale: run etomkg validate --list-rules"
    )
    assert "| `etom-proc-001` | violation |" in table and "| `missing_label` | violation |" in table


# --- unreadable input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("syntax-error.ttl", ":6:5:"),
        ("syntax-error.nt", ":2:"),
        ("syntax-error.jsonld", ":2:"),
        ("remote-context.jsonld", ":2:3"),
    ],
)
def test_unreadable_file_exits_2_with_file_line_and_column(cli, name, where):
    path = CORPUS / "unreadable" / name
    result = cli("validate", str(CORPUS / "valid.ttl"), str(path), "--release", "25.5", expect=2)
    assert result.stdout == ""
    assert f"{path}{where}" in result.stderr
    if name.startswith("remote"):
        assert "remote @context, which etomkg never fetches" in result.stderr


def test_a_file_that_does_not_parse_leaves_nothing_loaded(tmp_path):
    valid = str(CORPUS / "valid.ttl")
    with pytest.raises(InputFileError):
        validate("25.5", [valid, str(CORPUS / "unreadable" / "syntax-error.ttl")])
    from etomkg.iris import configured_base
    from etomkg.store import bundled_nquads_path

    store = _cached_bundled("25.5", configured_base(), str(bundled_nquads_path())).store
    assert not list(store.quads_for_pattern(ox.NamedNode(ACME + "ConfigureVpn"), None, None))
    before = len(store)
    validate("25.5", [valid])
    assert len(store) == before  # the files' triples are removed again after a run


def test_bad_arguments_exit_2(cli, tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK")
    assert "cannot tell the format" in cli("validate", str(tmp_path / "x.docx"), expect=2).stderr
    assert "no such file" in cli("validate", str(tmp_path / "missing.ttl"), expect=2).stderr
    assert "unknown release" in cli("validate", "--release", "9.9", expect=2).stderr


# --- two engines, one meaning -----------------------------------------------------------------------------------


def _neighbourhood_dataset() -> Dataset:
    """The corpus with the bundled elements it points to and the ontology's class axioms: small enough for
    plain pySHACL, which runs every SPARQL constraint once per focus node."""
    files = sorted(str(p) for p in CORPUS.glob("*.*"))
    with dataset_for("25.5", files) as big:
        users = [t for f in big.user_files for t in f.statements]
        touched = {t.object for t in users if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF_TYPE}
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in users)
        for node in sorted(touched, key=str):
            store.extend(big.store.quads_for_pattern(node, None, None))
        store.extend(big.store.quads_for_pattern(None, ox.NamedNode(RDFS_SUBCLASS), None))
        return Dataset(store, "25.5", len(store), big.user_files)


@pytest.fixture()
def prepared_sparql(monkeypatch):
    """pySHACL hands rdflib each SPARQL constraint as text, once per focus node, and rdflib parses it each time
    (about 0.1 s a parse, nine tenths of the reference run). Reuse the translated query, which is what rdflib's
    own prepared queries do: the same algebra is evaluated with the same bindings, so no result changes."""
    from rdflib.plugins.sparql import processor

    original, cache = processor.SPARQLProcessor.query, {}

    def query(self, str_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = processor.translateQuery(processor.parseQuery(str_or_query), base, initNs)
            str_or_query = cache[key]
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    monkeypatch.setattr(processor.SPARQLProcessor, "query", query)


def test_fast_engine_equals_plain_pyshacl_on_the_broken_corpus(prepared_sparql):
    shapes = load_shapes()
    dataset = _neighbourhood_dataset()
    reference = engines.run_reference(dataset, shapes)
    fast = engines.run_fast(dataset, shapes, jobs=1)
    assert fast == reference
    assert {r.rule for r in reference} >= {"etom-proc-001", "etom-hier-001", "duplicate_label", "missing_definition"}
    # The Core shapes on three partitions (as run in parallel) give what pySHACL gives on the whole graph.
    partitioned = [r for data, owned in engines.core_partitions(dataset, shapes, 3)
                   for r in engines._core_worker((data, owned, None))]  # fmt: skip
    assert sorted(partitioned, key=engines.RawResult.sort_key) == engines.run_reference(dataset, shapes, core_only=True)


def test_sparql_constraints_unbound_equal_restricted_to_the_files():
    shapes = load_shapes()
    with dataset_for("25.5", sorted(str(p) for p in CORPUS.glob("*.*"))) as dataset:
        only = set().union(*(f.subjects for f in dataset.user_files))
        restricted = set(engines.run_sparql(dataset, shapes, only))
        unbound = {r for r in engines.run_sparql(dataset, shapes) if r.focus in only}
    assert restricted == unbound and len(restricted) > 20


def test_core_partitions_equal_plain_pyshacl_on_a_whole_release():
    shapes = load_shapes()
    with dataset_for("classic") as dataset:
        partitioned = sorted(
            (
                r
                for data, owned in engines.core_partitions(dataset, shapes, 2)
                for r in engines._core_worker((data, owned, None))
            ),
            key=engines.RawResult.sort_key,
        )
        assert partitioned == engines.run_reference(dataset, shapes, core_only=True)


# --- the shapes themselves --------------------------------------------------------------------------------------


def test_shapes_are_valid_shacl_and_follow_the_conventions():
    shapes = load_shapes()
    conforms, _, text = pyshacl.validate(rdflib.Graph(), shacl_graph=shapes.graph, meta_shacl=True)
    assert conforms, text
    for rule in shapes.rules.values():
        assert {"en", "zh"} <= rule.message.keys() and {"en", "zh"} <= rule.description.keys()


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        (
            "etomsh:A a sh:PropertyShape ; sh:targetClass etom:ProcessElement ; sh:path skos:notation ; sh:minCount 1 ; "
            'sh:severity sh:Violation ; sh:message "m"@en , "m"@zh ; sh:description "d"@en , "d"@zh .',
            "dcterms:identifier",
        ),
        (
            'etomsh:A a sh:PropertyShape ; dcterms:identifier "etom-x-001" ; sh:targetClass etom:ProcessElement ; '
            'sh:path [ sh:inversePath etom:parent ] ; sh:minCount 1 ; sh:severity sh:Violation ; sh:message "m"@en , "m"@zh ; '
            'sh:description "d"@en , "d"@zh .',
            "simple predicate path",
        ),
        (
            'etomsh:A a sh:NodeShape ; dcterms:identifier "etom-x-002" ; sh:targetClass etom:ProcessElement ; '
            'sh:severity sh:Violation ; sh:message "m"@en ; sh:description "d"@en , "d"@zh ; sh:sparql [ sh:select '
            '"SELECT $this WHERE { $this ?p ?o }" ] .',
            "Chinese",
        ),
        (
            'etomsh:A a sh:NodeShape ; dcterms:identifier "etom-x-003" ; sh:targetClass etom:ProcessElement ; '
            'sh:severity sh:Violation ; sh:message "m"@en , "m"@zh ; sh:description "d"@en , "d"@zh ; sh:sparql [ sh:select '
            '"SELECT $this WHERE { VALUES ?x { 1 } $this ?p ?x }" ] .',
            "VALUES",
        ),
    ],
)
def test_shapes_that_break_the_conventions_are_rejected(tmp_path, shape, problem):
    head = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix etomsh: <https://w3id.org/etomkg/shapes#> . "
            "@prefix etom: <https://w3id.org/etomkg/ontology#> . @prefix dcterms: <http://purl.org/dc/terms/> . "
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n")  # fmt: skip
    (tmp_path / "bad.ttl").write_text(head + shape, encoding="utf-8")
    with pytest.raises(ShapesError, match=problem):
        load_shapes(str(tmp_path))


# --- OWL ------------------------------------------------------------------------------------------------------------


def test_the_ontology_is_in_the_owl2_dl_profile():
    from etomkg.files import ontology_dir

    graph = rdflib.Graph().parse(ontology_dir() / "etom.ttl")
    assert check_profile(graph) == []


@pytest.mark.parametrize(
    ("turtle", "message"),
    [
        (
            "ex:p a owl:ObjectProperty , owl:DatatypeProperty .",
            "declared both as datatype property and object property",
        ),
        ("ex:a ex:undeclared ex:b .", "is used as a property but not declared"),
        ("owl:Foo a owl:Class .", "is reserved vocabulary"),
        ("ex:C a rdfs:Class .", "which is RDFS, not OWL 2 DL"),
        ('ex:o dcterms:created "2026-01-01"^^xsd:date .', "not in the OWL 2 datatype map"),
        ('ex:p a owl:ObjectProperty . ex:a ex:p "x" .', "has the literal"),
        ("ex:p a owl:DatatypeProperty . ex:a ex:p ex:b .", "has the resource"),
        (
            "ex:p a owl:ObjectProperty , owl:TransitiveProperty , owl:FunctionalProperty .",
            "forbids making it FunctionalProperty",
        ),
        ("ex:p a owl:DatatypeProperty , owl:TransitiveProperty .", "a characteristic of object properties only"),
        (
            "ex:p a owl:ObjectProperty . ex:q a owl:DatatypeProperty . ex:p rdfs:subPropertyOf ex:q .",
            "not declared of the same kind",
        ),
        ("ex:a a ex:Undeclared .", "is used as a class (rdf:type) but not declared"),
    ],
)
def test_the_profile_checker_finds_dl_violations(turtle, message):
    head = ("@prefix owl: <http://www.w3.org/2002/07/owl#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . "
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <http://example.org/> . "
            "@prefix dcterms: <http://purl.org/dc/terms/> . dcterms:created a owl:AnnotationProperty .\n")  # fmt: skip
    found = check_profile(rdflib.Graph().parse(data=head + turtle, format="turtle"))
    assert any(message in f.message["en"] for f in found), [f.message["en"] for f in found]


needs_java = pytest.mark.skipif(reasoning.java_problem() is not None, reason="no Java runtime (tools/system-deps.sh)")


@needs_java
def test_hermit_finds_the_ontology_and_a_release_consistent():
    report = validate("classic", reason=True)
    assert not {r for r in report.skipped if r.startswith("etom-owl-")}  # HermiT ran
    assert not [f for f in report.findings if f.rule.id in ("etom-owl-002", "etom-owl-003")]


@needs_java
def test_hermit_finds_an_inconsistent_extension(cli):
    result = cli(
        "validate", str(CORPUS / HERMIT_CASE), "--release", "classic", "--reason", "--format", "json", expect=1
    )
    found = [(r["rule"], r["focus"]) for r in json.loads(result.stdout)["results"]]
    assert found == [("etom-owl-002", "https://w3id.org/etomkg/release/classic")]


def test_without_java_the_reasoner_says_so_and_the_rest_runs(cli, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(sys.executable, bin_dir / "python3")
    result = cli.run("validate", str(CORPUS / "label_whitespace.ttl"), "--release", "25.5", "--reason",
                     env={"PATH": str(bin_dir)}, expect=1)  # fmt: skip
    assert "etom-owl-002 did not run: HermiT needs a Java runtime and none was found" in result.stdout
    assert "label_whitespace (1 violation)" in result.stdout
    assert shutil.which("java", path=str(bin_dir)) is None


def test_every_shapes_file_runs_including_blank_node_rules_like_the_flow_shapes(tmp_path):
    """Any shapes/*.ttl is picked up (the flows issue adds flows.ttl); rule ids may sit on blank-node property
    shapes and on SPARQL constraints, and both engines report them."""
    shapes = tmp_path / "shapes"
    shutil.copytree(ROOT / "shapes", shapes)
    (shapes / "flows-example.ttl").write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix etomsh: <https://w3id.org/etomkg/shapes#> .
        @prefix etom: <https://w3id.org/etomkg/ontology#> . @prefix dcterms: <http://purl.org/dc/terms/> .
        etomsh:ExampleFlowShape a sh:NodeShape ; sh:targetClass etom:DataFlow ; sh:severity sh:Violation ;
            sh:property [ sh:path etom:producer ; sh:minCount 1 ; dcterms:identifier "etom-flow-901" ;
                          sh:severity sh:Violation ; sh:message "Add a producer."@en , "请添加生产方。"@zh ;
                          sh:description "One producer."@en , "一个生产方。"@zh ] ;
            sh:sparql [ dcterms:identifier "etom-flow-902" ; sh:prefixes etomsh: ;
                        sh:message "Producer and consumer differ."@en , "生产方与消费方不同。"@zh ;
                        sh:description "Not to itself."@en , "不指向自身。"@zh ;
                        sh:select "SELECT $this WHERE { $this etom:producer ?p ; etom:consumer ?p }" ] .""",
        encoding="utf-8",
    )
    data = tmp_path / "flows.ttl"
    data.write_text(
        """@prefix etom: <https://w3id.org/etomkg/ontology#> . @prefix acme: <https://example.com/acme/etom/> .
        @prefix c: <https://w3id.org/etomkg/release/classic/process/> .
        acme:NoProducer a etom:DataFlow ; etom:consumer c:1.1.1 .
        acme:Loop a etom:DataFlow ; etom:producer c:1.1.1 ; etom:consumer c:1.1.1 .""",
        encoding="utf-8",
    )
    assert {"etom-flow-901", "etom-flow-902"} <= set(load_shapes(str(shapes)).rules)
    for engine in ("fast", "pyshacl"):
        report = validate("classic", [str(data)], engine=engine, shapes_folder=str(shapes))
        found = {
            (f.rule.id, f.focus.key.rsplit("/", 1)[1]) for f in report.findings if f.rule.id.startswith("etom-flow-9")
        }
        assert found == {("etom-flow-901", "NoProducer"), ("etom-flow-902", "Loop")}, engine
