"""Lineage as evidence: the examples of issue 12 pinned through the graph users query (each wrong link absent,
each missing link present with its kind and evidence), carried facts marked, the lineage report queries."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict

import pytest

from etomkg import queries
from etomkg.content.lineage import LineageContentError, curated_path, read_curated, similar_names
from etomkg.content.sources import load_content

LINKS = """SELECT ?older ?oid ?newer ?nid ?kind ?evidence WHERE {
  ?l a etom:VersionLink ; etom:linkKind ?kind ; etom:linkEvidence ?evidence ;
     etom:older ?o ; etom:newer ?n .
  ?o skos:notation ?oid ; etom:release/owl:versionInfo ?older .
  ?n skos:notation ?nid ; etom:release/owl:versionInfo ?newer . }"""


@pytest.fixture(scope="module")
def links(kg) -> dict[tuple[str, str, str, str], tuple[str, set[str]]]:
    """(older release, older id, newer release, newer id) → (kind, evidence), as the graph says."""
    found: dict = {}
    for row in kg.select(LINKS):
        key = (row["older"], row["oid"], row["newer"], row["nid"])
        found.setdefault(key, (row["kind"], set()))[1].add(row["evidence"])
    return found


# (older release, older id, newer release, newer id): a link that joined two different processes
WRONG = [
    ("23.5", "1.3.10.4", "24.0", "1.3.10.4"),  # Issue Customer Order → Manage Customer Bill Inquiry
    ("23.0.1", "1.7.2.1", "23.5", "1.7.2.1"),  # Manage Enterprise Audit → Manage Business Continuity
    ("23.0.1", "1.7.2.1.1", "23.5", "1.7.2.1.1"),  # Define Audit Policy → Co-ordinate Business Continuity
    ("23.0.1", "1.7.2.1.5", "23.5", "1.7.2.1.5"),  # Report Audits → Manage Business Continuity Methodologies
    ("23.0.1", "1.7.2.2", "23.5", "1.7.2.2"),  # Enterprise Risk Management → Manage Insurance
    ("23.0.1", "1.1.21.2.2", "23.5", "1.1.21.2.2"),  # Assess Sales Problem → Analyze Market Problem Information
    ("23.0.1", "1.7.11.1", "23.5", "1.7.11.1"),  # security → proactive security (a former sub-process)
    ("23.0.1", "1.7.11.2", "23.5", "1.7.11.2"),  # privacy → a security step
]

# (older release, older id, newer release, newer id, kind, evidence)
MISSING = [
    ("23.5", "1.3.11", "24.0", "1.3.10.4", "demoted", {"curated"}),
    ("23.0.1", "1.7.2.1", "23.5", "1.7.19", "promoted", {"curated"}),
    ("23.0.1", "1.7.2.1.1", "23.5", "1.7.19.1", "promoted", {"equal-name"}),  # the audit steps reappear …
    ("23.0.1", "1.7.2.1.5", "23.5", "1.7.19.5", "promoted", {"equal-name"}),  # … at 1.7.19.x
    ("23.0.1", "1.7.2.2", "23.5", "1.7.2", "promoted", {"equal-name"}),
    ("23.0.1", "1.7.11.2", "23.5", "1.7.20", "promoted", {"curated"}),
    ("25.0", "1.1.19", "25.5", "1.3.4.5", "demoted", {"workbook-statement"}),
    ("25.0", "1.1.19.1", "25.5", "1.3.4.5.1", "demoted", {"equal-name"}),  # with its subtree
    ("25.0", "1.1.7", "25.5", "1.12.7", "moved", {"workbook-statement"}),
    ("25.0", "1.1.8", "25.5", "1.12.8", "moved", {"workbook-statement"}),
    ("25.0", "1.1.8.1", "25.5", "1.12.8.1", "renumbered", {"workbook-statement"}),
    ("25.0", "1.1.5.2", "25.5", "1.12.5.2", "renumbered", {"workbook-statement"}),
    ("25.0", "1.1.8.2.1", "25.5", "1.12.8.6", "promoted", {"workbook-statement"}),
    ("23.5", "1.7.14.1.3", "24.0", "1.7.21", "promoted", {"workbook-statement"}),
    ("25.0", "1.1.9", "25.5", "1.12.9", "moved", {"equal-name"}),  # Selling into the new Sales Domain
    ("25.5", "1.4.5", "26.0", "1.4.5", "same-identifier", {"equal-identifier", "equal-name"}),
]


@pytest.mark.parametrize("key", WRONG, ids=lambda k: f"{k[0]}:{k[1]}")
def test_a_reused_identifier_is_never_linked(links, key):
    assert key not in links


@pytest.mark.parametrize("row", MISSING, ids=lambda r: f"{r[0]}:{r[1]}->{r[3]}")
def test_the_true_successor_is_linked_with_its_kind_and_evidence(links, row):
    *key, kind, evidence = row
    assert links.get(tuple(key)) == (kind, evidence)


def test_every_same_name_process_in_the_next_release_is_linked(links):
    """238 processes kept their exact name under a new identifier or level and were left unlinked."""
    content = load_content()
    releases = [r for r in content.releases if r != "classic"]
    has_next = {(k[0], k[1]) for k in links}
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    for proc in content.processes:
        names[(proc.release, proc.name)].append(proc.identifier)
    gaps = [
        (p.release, p.identifier, p.name)
        for p in content.processes
        if p.release in releases[:-1]
        and (p.release, p.identifier) not in has_next
        and (releases[releases.index(p.release) + 1], p.name) in names
    ]
    assert gaps == []
    same_name_moves = Counter(
        (k[0], k[2]) for k, (kind, evidence) in links.items() if "equal-name" in evidence and k[1] != k[3]
    )
    assert sum(same_name_moves.values()) >= 238


def test_renames_rest_on_similar_names_or_a_reason(kg):
    """The SHACL rule etom-lin-002 as a query on the bundled graph: no link renames a process on its identifier
    alone."""
    rows = kg.select(
        """SELECT ?old ?new WHERE { ?l a etom:VersionLink ; etom:renamed true ; etom:older/skos:prefLabel ?old ;
             etom:newer/skos:prefLabel ?new .
           FILTER(lang(?old) = "en" && lang(?new) = "en")
           FILTER NOT EXISTS { ?l etom:linkEvidence ?e FILTER(?e IN ("similar-name", "workbook-statement", "curated",
                                                                       "deleted-sheet", "equal-uid")) } }"""
    )
    assert rows == []
    assert not similar_names("Manage Enterprise Audit", "Manage Business Continuity")
    assert similar_names("Service Quality Management", "Service Performance Management")


def test_carried_facts_are_marked_with_the_links_they_were_carried_along(kg):
    """Verticals stated for 25.5 only, and classic counterparts, are carried to 24.0 as marked statements."""
    marked = """SELECT (COUNT(*) AS ?n) WHERE {
                 ?c etom:carriedSubject ?p ; etom:carriedPredicate etom:vertical ; etom:carriedObject ?v .
                 ?p etom:vertical ?v }"""
    every = "SELECT (COUNT(*) AS ?n) WHERE { ?p etom:vertical ?v }"
    count = lambda query, release: int(kg.select(query, release=release)[0]["n"])  # noqa: E731
    assert count(every, "24.0") > 2000 and count(marked, "24.0") == count(every, "24.0")
    assert count(every, "25.5") > 2500 and count(marked, "25.5") == 0  # stated by the workbook: nothing to exclude
    path = kg.select(
        """SELECT ?from ?link WHERE {
             ?p skos:notation "1.1.9" . ?c etom:carriedSubject ?p ; etom:carriedPredicate etom:classicCounterpart ;
               etom:carriedFrom ?from ; etom:carriedAlong ?link }""",
        release="24.0",
    )
    assert {r["from"] for r in path} == {kg.iris.process("25.5", "1.12.9")}
    # the link it reached 24.0 along (24.0 → 24.5); the 24.5 version's own marker names the next link, and so on
    assert {r["link"] for r in path} == {kg.iris.version_link("24.5", "1.1.9")}


def test_nothing_is_carried_across_a_split_or_a_reused_identifier():
    content = load_content()
    for proc in content.processes:
        for fact in proc.carried:
            assert all(link.keeps_meaning for link in fact.path), (proc.release, proc.identifier, fact)
    business_continuity = next(p for p in content.processes if (p.release, p.identifier) == ("23.0.1", "1.7.2.1"))
    assert not any(f.from_id.startswith("1.7.2.1") for f in business_continuity.carried)


def test_the_lineage_report_counts_links_per_kind_per_release_pair(cli, kg):
    rows = json.loads(cli("queries", "run", "lineage-links", "--format", "json").output)
    per = Counter()
    for row in rows:
        per[(row["older"], row["newer"], row["kind"])] += int(row["links"])
    assert per[("25.0", "25.5", "renumbered")] >= 100 and per[("23.0.1", "23.5", "split")] == 4
    assert per[("25.0", "25.5", "moved")] >= 12 and per[("23.5", "24.0", "demoted")] >= 1
    unlinked = queries.run(kg, "unlinked-processes", release="23.0.1")
    assert {"id": "1.7.2", "split": "true"}.items() <= next(r for r in unlinked if r["id"] == "1.7.2").items()
    assert all(not r.get("sameNameNext") for r in unlinked)
    history = queries.run(kg, "version-links", process="1.3.10.4", release="24.0")
    was = next(r for r in history if r["direction"] == "was")
    assert (was["id"], was["kind"], was["evidence"]) == ("1.3.11", "demoted", "curated") and "951" in was["reason"]


def test_the_curated_file_is_checked(tmp_path):
    names = {(p.release, p.identifier): p.name for p in load_content().processes}
    rows = list(csv.reader(curated_path().open(encoding="utf-8")))
    bad = tmp_path / "curated.csv"
    rows[1][rows[0].index("reason")] = ""
    rows[2][rows[0].index("kind")] = "teleported"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(LineageContentError) as error:
        read_curated(names, bad)
    assert "line 2: say why (reason is empty)" in str(error.value)
    assert "line 3: kind 'teleported' is not one of" in str(error.value)
    assert len(read_curated(names)) == len(rows) - 1  # every row of the shipped file names real versions
