"""ODA components and Open APIs on the eTOM graph: the bundled ODA graph, its release-aware resolution, the
shipped queries and `etomkg components` (through the CLI), and the defect counts recomputed from the CSVs."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ODA = ROOT / "etomkg" / "data" / "reference" / "oda"


def _csv(name: str, folder: Path = ODA) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


ODA_GRAPH = "https://w3id.org/etomkg/oda"


def test_the_oda_graph_holds_the_35_components_with_provenance(kg):
    assert ODA_GRAPH in kg.graph_names()
    rows = kg.select(f"SELECT ?c WHERE {{ GRAPH <{ODA_GRAPH}> {{ ?c a etom:OdaComponent }} }}")
    assert len(rows) == len(_csv("components.csv")) == 35
    source = kg.select(
        f"SELECT ?url ?commit ?date WHERE {{ <{ODA_GRAPH}> prov:wasDerivedFrom ?s . "
        "?s dcterms:source ?url ; owl:versionInfo ?commit ; dcterms:date ?date }"
    )
    assert source == [
        {
            "url": "https://github.com/hvaughanattmforum/WebSpecDemoData/tree/d051152/specifications",
            "commit": "commit d051152",
            "date": "2026-08-14",
        }
    ]
    zh = kg.select('SELECT ?n WHERE { ?c skos:notation "TMFC005" ; skos:prefLabel ?n FILTER(lang(?n) = "zh") }')
    assert zh == [{"n": "产品实例库存"}]


def test_every_reference_is_kept_and_carried_links_name_their_version_links(kg):
    refs = kg.select("SELECT ?r WHERE { ?c etom:hasProcessReference ?r }")
    assert len(refs) == len(_csv("component_etom.csv")) == 207
    # a carried implementation (not stated by the spec) always has its basis: version links or the evidence text
    unsupported = kg.select(
        "SELECT ?i WHERE { ?i a etom:ProcessImplementation ; etom:inferred true "
        "FILTER NOT EXISTS { ?i etom:viaVersionLink ?l } FILTER NOT EXISTS { ?i etom:evidence ?e } }"
    )
    assert unsupported == []
    dangling = kg.select("SELECT ?l WHERE { ?i etom:viaVersionLink ?l FILTER NOT EXISTS { ?l a etom:VersionLink } }")
    assert dangling == []
    # stated implementations are exactly those of the cited release
    stated = kg.select(
        "SELECT ?i WHERE { ?i etom:inferred false ; etom:fromReference/etom:citedRelease ?r ; "
        "etom:implementedProcess/etom:release/owl:versionInfo ?other FILTER(?r != ?other) }"
    )
    assert stated == []


def test_defect_counts_match_the_csvs(kg, oda_defects):
    recorded = Counter(
        r["kind"].rsplit("#", 1)[1]
        for r in kg.select(
            f"SELECT ?a ?kind WHERE {{ GRAPH <{ODA_GRAPH}> {{ ?x etom:hasAnomaly ?a . ?a etom:anomalyKind ?kind }} }}"
        )
    )
    expected = oda_defects
    assert recorded == +expected
    assert expected["OdaNameMismatch"] == 9 and expected["OdaUnheldRelease"] == 8


def test_components_of_1_4_5_in_26_0_through_lineage(cli):
    out = json.loads(cli("components", "--process", "1.4.5", "--release", "26.0", "--format", "json").stdout)
    components = {r["component"] for r in out["components"]}
    assert {"TMFC003", "TMFC007", "TMFC009"} <= components
    # no specification cites 26.0 for these: every row is carried along version links
    assert {r["stated"] for r in out["components"]} == {"false"}
    assert {r["processId"] for r in out["components"]} >= {"1.4.5", "1.4.5.6"}
    apis = {(r["api"], r["component"]) for r in out["apis"]}
    assert ("TMF641", "TMFC007") in apis and ("TMF645", "TMFC009") in apis
    # in the release TMFC003 cites, its link is stated
    cited = json.loads(cli("components", "-p", "1.4.5", "-r", "25.5", "--format", "json").stdout)
    assert {"TMFC003"} <= {r["component"] for r in cited["components"] if r["stated"] == "true"}


def test_processes_of_tmfc005(cli):
    stated = json.loads(cli("queries", "run", "oda-processes-of-component", "-p", "component=TMFC005", "-p",
                            "release=24.0", "--format", "json").stdout)  # fmt: skip
    cited = {r["etom_id"] for r in _csv("component_etom.csv") if r["component"] == "TMFC005"}
    assert {r["processId"] for r in stated} == cited
    assert {r["stated"] for r in stated} == {"true"}
    newest = json.loads(cli("queries", "run", "oda-processes-of-component", "-p", "component=TMFC005",
                            "--format", "json").stdout)  # fmt: skip
    assert [r["processId"] for r in newest] == ["1.2.11"]  # the loyalty processes have no version in 26.0


def test_coverage_gaps_of_25_5_per_domain(cli, kg):
    rows = json.loads(cli("queries", "run", "oda-coverage-gaps", "-p", "release=25.5", "--format", "json").stdout)
    per_domain = Counter(r["domainId"] for r in rows)
    assert set(per_domain) <= {"1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.12"}
    level2 = kg.select('SELECT ?id WHERE { ?p etom:level 2 ; etom:release/owl:versionInfo "25.5" ; skos:notation ?id }')
    covered = kg.select(
        'SELECT DISTINCT ?id WHERE { ?p etom:level 2 ; etom:release/owl:versionInfo "25.5" ; skos:notation ?id . '
        "?below etom:parent* ?p . ?i etom:implementedProcess ?below }"
    )
    assert len(rows) == len(level2) - len(covered) > 0
    assert "1.2.11" not in {r["processId"] for r in rows}  # Product Inventory Management: TMFC005


def test_stale_references_and_processes_behind_an_api(cli):
    stale = json.loads(cli("queries", "run", "oda-stale-references", "--format", "json").stdout)
    changes = Counter(r["change"] for r in stale)
    assert changes["none"] >= 7 and changes["renamed"] > 0 and changes["renumbered"] > 0
    renumbered = {
        (r["component"], r["reference"].split("|")[0], r["currentId"]) for r in stale if r["change"] == "renumbered"
    }
    assert ("TMFC002", "1.1.9", "1.12.9") in renumbered
    behind = json.loads(cli("components", "--api", "TMF641", "--format", "json").stdout)["processes"]
    assert "1.4.5" in {r["processId"] for r in behind} and "TMFC007" in {r["component"] for r in behind}


def test_bad_input_to_components_is_a_clear_error(cli):
    result = cli("components", "--process", "1.4.x", expect=2)
    assert "1.4.x" in result.stderr and "identifier" in result.stderr
    result = cli("components", "--api", "TMF641", "--release", "21.5", expect=2)
    assert "unknown release '21.5'" in result.stderr
