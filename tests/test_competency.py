"""The competency questions of the knowledge graph, asked through the CLI and the library."""

from __future__ import annotations

import json

import pytest


def test_25_5_has_eight_domains_and_120_l2_processes_via_cli(cli):
    out = cli(
        "query",
        "--format",
        "json",
        "--release",
        "25.5",
        "SELECT (COUNT(DISTINCT ?d) AS ?domains) WHERE { ?d a etom:Domain }",
    ).output
    assert json.loads(out) == [{"domains": "8"}]
    out = cli(
        "query",
        "--format",
        "csv",
        "--release",
        "25.5",
        "SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:level 2 }",
    ).output
    assert out.strip().splitlines() == ["n", "120"]


def test_domains_of_25_5_in_natural_order(kg):
    rows = kg.select(
        "SELECT ?id ?name WHERE { ?d a etom:Domain ; skos:notation ?id ; skos:prefLabel ?name "
        "FILTER(lang(?name) = 'en') }",
        release="25.5",
    )
    ids = sorted((r["id"] for r in rows), key=__import__("etomkg").natural_key)
    assert ids == ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.12"]
    assert {r["name"] for r in rows} >= {"Sales Domain", "Service Domain", "Enterprise Domain"}


@pytest.mark.parametrize(
    "release, name",
    [
        ("23.0.1", "Service Configuration & Activation"),
        ("23.5", "Service Configuration & Activation"),
        ("24.0", "Service Activation Management"),
        ("26.0", "Service Activation Management"),
    ],
)
def test_1_4_5_name_per_release(cli, release, name):
    out = cli(
        "query",
        "--format",
        "tsv",
        "--release",
        release,
        'SELECT ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name FILTER(lang(?name) = "en") }',
    ).output
    assert out.splitlines() == ["name", name]


def test_rename_of_1_4_5_is_a_flagged_version_link(kg):
    rows = kg.select("""
        SELECT ?basis ?renamed WHERE {
          ?link etom:newer ?new ; etom:older ?old ; etom:basis ?basis .
          OPTIONAL { ?link etom:renamed ?renamed }
          ?new skos:notation "1.4.5" ; etom:release/owl:versionInfo "24.0" .
          ?old etom:release/owl:versionInfo "23.5" .
        }""")
    assert rows == [{"basis": "renamed", "renamed": "true"}]


def test_classic_1_1_2_2_leads_to_1_4_5_and_its_children(cli):
    query = """
        SELECT ?id ?name ?child WHERE {
          ?classic skos:notation "1.1.2.2" ; etom:release/owl:versionInfo "classic" .
          ?p etom:classicCounterpart ?classic ; etom:release/owl:versionInfo "%s" ;
             skos:notation ?id ; skos:prefLabel ?name FILTER(lang(?name) = "en")
          ?c etom:parent ?p ; skos:notation ?child .
        }"""
    for release in ("25.5", "26.0"):
        out = json.loads(cli("query", "--format", "json", query % release).output)
        assert {r["id"] for r in out} == {"1.4.5"}
        assert {r["name"] for r in out} == {"Service Activation Management"}
        children = {r["child"] for r in out}
        assert {"1.4.5.1", "1.4.5.2"} <= children and all(c.startswith("1.4.5.") for c in children)


def test_which_domain_and_vertical_a_process_sits_in(kg):
    rows = kg.select(
        """
        SELECT ?domain ?vertical WHERE {
          ?p skos:notation "1.4.5" ; etom:domain/skos:prefLabel ?domain ; etom:vertical/skos:prefLabel ?vertical .
          FILTER(lang(?domain) = "en" && lang(?vertical) = "en")
        }""",
        release="25.5",
    )
    assert {r["domain"] for r in rows} == {"Service Domain"}
    assert "Fulfillment" in {r["vertical"] for r in rows}


def test_query_from_file_and_stdin(cli, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("ASK { ?p skos:notation '1.12.9' ; skos:prefLabel 'Selling'@en }")
    assert cli("query", "--release", "25.5", "--file", str(path)).output.strip() == "true"
    assert cli("query", "--release", "25.0", input="ASK { ?p skos:notation '1.12.9' }").output.strip() == "false"


def test_malformed_query_reports_line_and_column(cli):
    result = cli("query", "SELECT ?x WHERE {\n  ?x ?y \n}", expect=2)
    assert "malformed query at line 3, column 2" in result.stderr


def test_unknown_release_is_a_clear_error(cli):
    result = cli("query", "--release", "99.9", "ASK {}", expect=2)
    assert "unknown release '99.9'" in result.stderr and "26.0" in result.stderr


def test_table_output_sorts_nothing_but_aligns_cjk(cli):
    out = cli(
        "query",
        "--release",
        "25.5",
        "SELECT ?id ?zh WHERE { ?p skos:notation ?id ; etom:level 1 ; "
        "skos:prefLabel ?zh FILTER(lang(?zh)='zh') } ORDER BY ?id",
    ).output.splitlines()
    assert out[0].startswith("id") and set(out[1]) <= {"-", " "}
    assert len(out) == 2 + 8
