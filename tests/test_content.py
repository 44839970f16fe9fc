"""The bundled content against the reference files: counts, labels, anomalies, lineage, provenance."""

from __future__ import annotations

from collections import Counter

import pytest

from etomkg.iris import DOMAIN_RELEASES

# Rows the source lists twice under one identifier: kept as one element with an alternative label.
DUPLICATE_IDS = {("23.0.1", 5): 1, ("23.5", 2): 1}


def _graph_counts(kg) -> Counter:
    rows = kg.select(
        "SELECT ?r ?l (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; "
        "etom:release/owl:versionInfo ?r ; etom:level ?l } GROUP BY ?r ?l"
    )
    return Counter({(r["r"], int(r["l"])): int(r["n"]) for r in rows})


def test_counts_per_release_and_level_match_the_reference(kg, reference_counts):
    graph = _graph_counts(kg)
    for (release, level), n in reference_counts.items():
        if release == "classic":
            continue
        assert graph[(release, level)] == n, (release, level)
    assert {r for r, _ in graph} == {"classic", *DOMAIN_RELEASES}


def test_info_command_prints_the_same_counts(cli, kg):
    out = cli("info", "--format", "json").output
    data = __import__("json").loads(out)
    assert data["default_release"] == "26.0"
    assert data["releases"]["25.5"] == {"1": 8, "2": 120, "3": 630, "4": 1459, "5": 450, "6": 167, "7": 67}


def test_classic_groupings_are_all_present(kg, reference_rows):
    classic = {r["id"]: r["name"] for r in reference_rows if r["release"] == "classic"}
    rows = kg.select(
        "SELECT ?id ?name WHERE { ?p skos:notation ?id ; etom:level ?l ; skos:prefLabel ?name "
        "FILTER(?l <= 1 && lang(?name) = 'en') }",
        release="classic",
    )
    assert {r["id"]: r["name"] for r in rows} == classic


def test_every_l0_to_l2_element_has_a_chinese_label(kg):
    rows = kg.select("""SELECT ?r ?id WHERE { ?p a etom:ProcessElement ; etom:level ?l ; skos:notation ?id ;
                           etom:release/owl:versionInfo ?r .
                        FILTER(?l <= 2) FILTER NOT EXISTS { ?p skos:prefLabel ?zh FILTER(lang(?zh) = "zh") } }""")
    assert rows == []


@pytest.mark.parametrize("release", ["25.5", "26.0"])
def test_every_l3_of_current_releases_has_a_chinese_label(kg, release):
    rows = kg.select(
        """SELECT ?id WHERE { ?p a etom:ProcessElement ; etom:level 3 ; skos:notation ?id .
                        FILTER NOT EXISTS { ?p skos:prefLabel ?zh FILTER(lang(?zh) = "zh") } }""",
        release=release,
    )
    assert rows == []


@pytest.mark.parametrize("release", ["25.5", "26.0"])
def test_l0_to_l2_of_current_releases_are_defined_in_both_languages(kg, release):
    rows = kg.select(
        """SELECT ?id WHERE { ?p a etom:ProcessElement ; etom:level ?l ; skos:notation ?id .
                        FILTER(?l <= 2)
                        FILTER NOT EXISTS { ?p skos:definition ?en FILTER(lang(?en) = "en") }
                        FILTER NOT EXISTS { ?p skos:definition ?zh FILTER(lang(?zh) = "zh") } }""",
        release=release,
    )
    assert rows == []


def _zh(kg, release: str, *ids: str) -> dict[str, str]:
    values = " ".join(f"'{i}'" for i in ids)
    return {
        r["id"]: r["zh"]
        for r in kg.select(
            "SELECT ?id ?zh WHERE { ?p skos:notation ?id ; skos:prefLabel ?zh FILTER(lang(?zh) = 'zh') "
            f"VALUES ?id {{ {values} }} }}",
            release=release,
        )
    }


def test_founding_document_terms_label_the_classic_framework(kg):
    assert _zh(kg, "classic", "1.1", "1.1.1", "1.1.2", "1.1.3") == {
        "1.1": "运营过程",
        "1.1.1": "客户关系管理",
        "1.1.2": "业务管理和运作",
        "1.1.3": "资源管理和运作",
    }
    verticals = {
        r["zh"]
        for r in kg.select(
            "SELECT ?zh WHERE { ?v a etom:VerticalGrouping ; skos:inScheme ?s ; "
            "skos:prefLabel ?zh FILTER(lang(?zh) = 'zh') "
            "FILTER(STRENDS(STR(?s), '/classic')) }"
        )
    }
    assert {"实施", "保障", "计费", "运营支持和条件准备"} <= verticals


def test_established_telecom_terms_for_current_names(kg):
    assert _zh(kg, "23.0.1", "1.4.5")["1.4.5"] == "业务配置与激活"
    assert "订单" in _zh(kg, "25.5", "1.3.3")["1.3.3"]


EXPECTED_ANOMALIES = [
    ("23.0.1", "1.2.27.2.5.1", "DuplicateIdentifier"),
    ("23.5", "1.1.21", "DuplicateIdentifier"),
    ("23.5", "1.4.3.5.2", "LevelMismatch"),
    ("24.0", "1.21.7.1.1", "StrayIdentifier"),
    ("24.0", "1.21.7.3", "OrphanProcess"),
    ("26.0", "1.6.1.3.5", "NameWhitespace"),
    ("25.5", "1.12.2.2", "PlaceholderOriginalIdentifier"),
    ("25.5", "1.3.16", "PlaceholderOriginalIdentifier"),
]


@pytest.mark.parametrize("release, identifier, kind", EXPECTED_ANOMALIES)
def test_source_anomalies_are_recorded_as_queryable_notes(kg, release, identifier, kind):
    rows = kg.select(
        f"""SELECT ?comment WHERE {{ ?p skos:notation "{identifier}" ; etom:hasAnomaly ?a .
                         ?a etom:anomalyKind etom:{kind} ; rdfs:comment ?comment }}""",
        release=release,
    )
    assert rows and rows[0]["comment"]


def test_orphans_per_release_match_sources_md(kg):
    rows = kg.select(
        "SELECT ?r (COUNT(?p) AS ?n) WHERE { ?p etom:hasAnomaly/etom:anomalyKind etom:OrphanProcess ; "
        "etom:release/owl:versionInfo ?r } GROUP BY ?r"
    )
    counts = {r["r"]: int(r["n"]) for r in rows}
    assert counts["23.0.1"] == 8 and counts["23.5"] == 8 and counts["24.0"] == 10 and counts["26.0"] == 5


def test_duplicate_keeps_live_name_and_alternative(kg):
    rows = kg.select(
        "SELECT ?pref ?alt WHERE { ?p skos:notation '1.1.21' ; skos:prefLabel ?pref ; "
        "skos:altLabel ?alt FILTER(lang(?pref) = 'en') }",
        release="23.5",
    )
    assert rows == [{"pref": "Market Problem Management", "alt": "Market & Sales Problem Management (DELETED)"}]


def test_deliberately_unused_row_is_recorded_on_the_release(kg):
    rows = kg.select(
        "SELECT ?raw WHERE { ?r a etom:Release ; owl:versionInfo '23.5' ; etom:hasAnomaly ?a . "
        "?a etom:anomalyKind etom:UnusedIdentifierDropped ; etom:rawValue ?raw }"
    )
    assert rows and "deliberately unused" in rows[0]["raw"]


def test_deleted_processes_are_deprecated_with_replacement_or_reason(kg):
    rows = kg.select("""SELECT (COUNT(?d) AS ?n) (COUNT(?r) AS ?replaced) WHERE {
                          ?d a etom:DeletedProcess ; owl:deprecated true .
                          OPTIONAL { ?d etom:replacedBy ?r } }""")
    assert int(rows[0]["n"]) == 532 and int(rows[0]["replaced"]) >= 1
    unexplained = kg.select("""SELECT ?d WHERE { ?d a etom:DeletedProcess .
                               FILTER NOT EXISTS { ?d etom:replacedBy ?x }
                               FILTER NOT EXISTS { ?d skos:historyNote ?why } }""")
    assert unexplained == []


def test_replacements_of_deleted_processes_are_marked_as_inferred_with_their_basis(kg):
    """The deleted sheet names no successor: each replacement triple (ours) has an etom:InferredStatement."""
    unmarked = kg.select("""SELECT ?d ?p ?r WHERE { VALUES ?p { etom:replacedBy dcterms:isReplacedBy } ?d ?p ?r .
                              FILTER NOT EXISTS { ?i a etom:InferredStatement ; etom:inferredSubject ?d ;
                                                     etom:inferredPredicate ?p ; etom:inferredObject ?r } }""")
    assert unmarked == []
    rows = kg.select("""SELECT ?evidence WHERE { ?d a etom:DeletedProcess ; etom:uid ?uid ; etom:replacedBy ?r .
                          ?i etom:inferredSubject ?d ; etom:inferredPredicate etom:replacedBy ; etom:inferredObject ?r ;
                             etom:evidence ?evidence }""")
    assert rows and all("the original identifier" in r["evidence"] or "name" in r["evidence"] for r in rows)
    replaced = kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?d etom:replacedBy ?r }")[0]["n"]
    markers = kg.select("SELECT (COUNT(*) AS ?n) WHERE { ?i a etom:InferredStatement }")[0]["n"]
    assert int(markers) == 2 * int(replaced) > 0


def test_sales_renumbered_from_1_1_to_1_12_in_25_5(kg):
    rows = kg.select("""SELECT ?old ?new WHERE {
          ?link etom:basis "name" ; etom:older ?o ; etom:newer ?n .
          ?o skos:notation ?old ; etom:release/owl:versionInfo "25.0" .
          ?n skos:notation ?new ; etom:release/owl:versionInfo "25.5" ; skos:prefLabel "Selling"@en . }""")
    assert len(rows) == 1 and rows[0]["new"] == "1.12.9" and rows[0]["old"].startswith("1.1.")


def test_every_element_has_provenance_and_a_release(kg):
    rows = kg.select("""SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement .
                        FILTER NOT EXISTS { ?p prov:wasDerivedFrom ?s ; etom:release ?r ; skos:inScheme ?r } }""")
    assert rows == [{"n": "0"}]


def test_dataset_carries_tm_forum_copyright(kg):
    rows = kg.select(
        "SELECT ?rights WHERE { ?d a <http://rdfs.org/ns/void#Dataset> ; dcterms:rights ?rights "
        "FILTER(lang(?rights) = 'en') }"
    )
    assert "© TM Forum" in rows[0]["rights"]


def test_skos_view_releases_are_concept_schemes_with_version_info(kg):
    rows = kg.select("SELECT ?v WHERE { ?s a skos:ConceptScheme , etom:Release ; owl:versionInfo ?v }")
    assert {r["v"] for r in rows} == {"classic", *DOMAIN_RELEASES}
    broken = kg.select("""SELECT ?p WHERE { ?p a etom:ProcessElement ; etom:parent ?x .
                          FILTER NOT EXISTS { ?p skos:broader ?x } }""")
    assert broken == []
