"""Process search: identifiers, English words and Chinese text across releases, ranked; and the release diff."""

from __future__ import annotations

import pytest

from etomkg.iris import natural_key, release_key
from etomkg.search import EXACT_ID, EXACT_NAME, ID_PREFIX, SearchIndex


@pytest.fixture(scope="module")
def index(kg) -> SearchIndex:
    return SearchIndex.of(kg)


def test_exact_identifier_comes_first_newest_release_first(index):
    hits = index.search("1.4.5").hits
    assert [(h.identifier, h.kind) for h in hits[:2]] == [("1.4.5", EXACT_ID), ("1.4.5", EXACT_ID)]
    assert hits[0].releases[0] == "26.0" and hits[0].label() == "Service Activation Management"
    assert hits[1].label() == "Service Configuration & Activation" and "23.0.1" in hits[1].releases
    assert all(h.kind == ID_PREFIX and h.identifier.startswith("1.4.5.") for h in hits[2:])


def test_identifier_prefix_lists_shallower_processes_first(index):
    result = index.search("1.4.", limit=500)
    assert result.hits[0].identifier == "1.4"
    prefixed = [h for h in result.hits if h.kind == ID_PREFIX and h.release == "26.0"]
    assert [h.level for h in prefixed] == sorted(h.level for h in prefixed)
    assert all(h.identifier.startswith("1.4.") for h in prefixed)


def test_chinese_words_match_the_chinese_names_as_sparql_does(kg, index):
    result = index.search("订单管理", limit=1000)
    truth = kg.select(
        "SELECT ?id ?r WHERE { ?p a etom:ProcessElement ; skos:notation ?id ; skos:prefLabel ?n ; "
        'etom:release/owl:versionInfo ?r FILTER(lang(?n) = "zh" && CONTAINS(?n, "订单管理")) }'
    )
    assert {(row["id"], row["r"]) for row in truth} == {(h.identifier, r) for h in result.hits for r in h.releases}
    assert result.hits[0].release == "26.0" and "订单管理" in result.hits[0].label("zh")
    crm = index.search("客户关系").hits[0]
    assert (crm.identifier, crm.label("zh"), crm.release) == ("1.3.4", "客户关系管理", "26.0")


def test_english_words_match_from_the_start_of_words_in_any_order(index):
    hits = index.search("activation service").hits
    assert hits and all({"service", "activation"} <= set(h.label().casefold().replace("&", " ").split()) for h in hits)
    typed = index.search("activ").hits
    assert typed and all(any(w.startswith("activ") for w in h.label().casefold().split()) for h in typed)
    exact = index.search("selling").hits
    assert exact[0].kind == EXACT_NAME and exact[0].label() == "Selling"


def test_ranking_within_a_kind_is_newest_release_then_level(index):
    hits = index.search("customer", limit=200).hits
    keys = [(h.kind, -release_key(h.release), h.level, natural_key(h.identifier)) for h in hits]
    assert keys == sorted(keys)


def test_full_width_and_case_are_folded_and_release_filters(index):
    assert [h.identifier for h in index.search("ＱＯＳ/sla").hits] == [
        h.identifier for h in index.search("QoS/SLA").hits
    ]
    only = index.search("1.1", release="23.0.1").hits
    assert only[0].label() == "Market & Sales Domain" and all(h.releases == ["23.0.1"] for h in only)
    assert index.search("").hits == [] and index.search("zzzz qqq").total == 0
    assert index.search("x" * 10_000).total == 0  # long input is cut, not a crash
