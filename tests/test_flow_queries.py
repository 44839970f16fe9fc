"""The shipped queries (etomkg/queries/*.rq): documented, runnable anywhere, and right on known answers."""

from __future__ import annotations

import json
import re

import pytest

from etomkg import queries


def run(cli, name: str, **params: str) -> list[dict[str, str]]:
    args = ["queries", "run", name, "--format", "json"]
    for key, value in params.items():
        args += ["-p", f"{key}={value}"]
    return json.loads(cli(*args).output)


def pairs(rows) -> set[tuple[str, str, str]]:
    return {(r["producerId"], r["consumerId"], r["information"]) for r in rows}


def test_upstream_is_transitive_with_the_information_on_each_hop(cli):
    rows = run(cli, "upstream", process="1.4.5", release="25.5")
    direct = {(p, c, i) for p, c, i in pairs(r for r in rows if r["direct"] == "true")}
    assert direct == {
        ("1.3.3", "1.4.5", "Service order"),
        ("1.4.1.8", "1.4.5", "Test results"),
        ("1.5.5", "1.4.5", "Order completion notice"),
        ("1.4.15", "1.4.5", "Service specification"),
    }
    # Two hops up: Selling feeds customer order handling, which feeds activation.
    assert ("1.12.9", "1.3.3", "Customer order (product order)") in pairs(rows)
    # Three hops up, through the service catalogue: strategy → specification → catalogue → activation.
    assert ("1.4.1", "1.4.3", "Service strategy and business plan") in pairs(rows)
    assert rows[0]["direct"] == "true"
    # Processes that feed nothing are upstream of nothing.
    assert not {r["producerId"] for r in rows} & {"1.2.18", "1.6.16"}


def test_downstream_in_chinese(cli):
    rows = run(cli, "downstream", process="1.5.8", release="26.0", lang="zh")
    direct = {(r["consumerId"], r["information"]) for r in rows if r["direct"] == "true"}
    assert direct == {("1.4.6", "资源故障报告"), ("1.5.5", "资源订单")}
    assert ("1.4.6", "1.3.7", "潜在客户问题通知") in pairs(rows)


def test_who_produces_and_consumes_an_information_entity(cli):
    rows = run(cli, "information-flows", information="service-order", release="25.5")
    assert [(r["role"], r["processId"], r["flows"]) for r in rows] == [
        ("producer", "1.3.3", "2"),
        ("producer", "1.4.5.1", "2"),  # within 1.4.5, from the 24.0 service decomposition text
        ("producer", "1.4.5.6", "1"),
        ("consumer", "1.4.5", "1"),
        ("consumer", "1.4.5.2", "1"),
        ("consumer", "1.4.5.3", "1"),
        ("consumer", "1.4.5.4", "1"),
        ("consumer", "1.4.5.6", "1"),
    ]


def test_flow_path_between_two_processes(cli):
    rows = run(cli, "flow-path", **{"from": "1.3.7", "to": "1.5.8", "release": "25.5"})
    assert pairs(rows) == {
        ("1.3.7", "1.4.6", "Customer problem report (trouble ticket)"),
        ("1.4.6", "1.5.8", "Resource trouble report"),
        ("1.5.8", "1.4.6", "Resource trouble report"),
        ("1.4.6", "1.3.7", "Potential customer problem notification"),
        ("1.4.6", "1.3.7", "Service trouble report"),
    }
    assert run(cli, "flow-path", **{"from": "1.5.10", "to": "1.1.1"}) == []


def test_flows_crossing_layers_and_domains(cli):
    layers = run(cli, "cross-layer-flows", release="25.5")
    assert all(r["producerLayer"] != r["consumerLayer"] for r in layers)
    assert ("1.4.5", "1.5.5", "Resource order") in pairs(layers)
    assert ("1.2.16", "1.2.17", "Billing event (guided product usage)") not in pairs(layers)
    domains = run(cli, "cross-domain-flows", release="25.5")
    assert len(domains) > len(layers)
    sales = next(r for r in domains if (r["producerId"], r["consumerId"]) == ("1.12.9", "1.3.3"))
    assert (sales["producerDomain"], sales["consumerDomain"]) == ("1.12 Sales Domain", "1.3 Customer Domain")
    assert all(r["producerDomain"] != r["consumerDomain"] for r in domains)


def test_steps_of_an_end_to_end_flow_in_order(cli):
    rows = run(cli, "e2e-steps", flow="order-to-payment", release="24.0")
    assert [r["processId"] for r in rows] == [
        "1.1.9",  # Selling, 1.12.9 since 25.5
        "1.3.3",
        "1.4.5",
        "1.5.5",
        "1.4.5",
        "1.3.3",
        "1.2.16",
        "1.2.17",
        "1.2.16",
        "1.3.9",
        "1.3.10",
    ]
    assert [r["step"] for r in rows] == [str(n) for n in range(1, 12)]
    assert rows[2]["informationToNext"] == "Resource order" and "informationToNext" not in rows[-1]
    heads = run(cli, "e2e-flows", release="24.0", lang="zh")
    assert {r["key"]: r["steps"] for r in heads}["trouble-to-resolve-reactive"] == "6"
    assert {r["name"] for r in heads} >= {"订单到付款", "故障到解决（主动式）"}


def test_information_entities_with_counts(cli):
    rows = run(cli, "information-entities", release="23.5")
    counts = {r["key"]: int(r["flows"]) for r in rows}
    assert len(counts) == 67 and counts["resource-order"] == 5
    assert counts["bill-adjustment"] == 0  # its flows start at 1.3.10.4, not carried to 23.5


def test_the_catalogue_is_documented_and_every_text_runs_as_shown(kg):
    entries = queries.catalogue()
    assert [e["name"] for e in entries] == queries.names() and len(entries) >= 10
    for query in queries.all_queries():
        assert (
            query.title and query.description and re.search(r"[\u4e00-\u9fff]", query.title_zh + query.description_zh)
        )
        text = query.text()
        assert "$" not in re.sub(r"\$1", "", text), f"{query.name}: a parameter is left in the text"
        assert text.count("PREFIX etom:") == 1, f"{query.name}: the text declares its prefixes (YASGUI, other stores)"
        # The shown text runs as it is, with the store's own prefixes switched off.
        rows = list(kg.store.query(text, use_default_graph_as_union=True))
        assert rows, f"{query.name} finds nothing with its defaults"


def test_show_prints_the_text_that_query_runs(cli, tmp_path):
    text = cli("queries", "show", "upstream", "-p", "process=1.5.5", "-p", "lang=zh").output
    assert '"1.5.5"' in text and text.startswith("# title: Upstream of a process")
    path = tmp_path / "upstream.rq"
    path.write_text(text, encoding="utf-8")
    via_query = json.loads(cli("query", "--file", str(path), "--format", "json").output)
    assert via_query == run(cli, "upstream", process="1.5.5", lang="zh")


def test_list_names_every_query(cli):
    out = cli("queries", "list", "--lang", "zh").output
    assert "flow-path" in out and "两个流程之间的数据流路径" in out and "from=1.3.7 to=1.5.8" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "nope"], "no query named 'nope'"),
        (["run", "upstream", "-p", "proces=1.4.5"], "has no parameter proces"),
        (["run", "upstream", "-p", 'process=1.4.5" } DROP ALL #'], "is not a process identifier"),
        (["run", "upstream", "-p", "release=27.0"], "is not one of classic, 23.0.1"),
        (["run", "upstream", "-p", "lang"], "write NAME=VALUE"),
    ],
)
def test_bad_parameters_are_refused(cli, args, message):
    result = cli("queries", *args, expect=2)
    assert message in result.stderr
