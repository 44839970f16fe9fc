"""``etomkg mcp`` driven by the MCP SDK's own client: over stdio and over streamable HTTP, the real command.

Each transport starts the server once (session fixtures) and makes every call;
the tests then check the answers against SPARQL on the same graph.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from etomkg import queries
from tests.conftest import ETOMKG_BIN, free_port

TIMEOUT = "2"  # the SPARQL time limit of the servers under test, seconds
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
BAD_EXTENSION = "kind,id,name,parent\nprocess,1.4.99.1,Check things,1.4.99\n"
GOOD_EXTENSION = "kind,id,name,name_zh,parent\nprocess,1.4.5.2.91,Validate activation request,校验开通请求,1.4.5.2\n"

CALLS: dict[str, tuple[str, dict]] = {
    "search": ("search_processes", {"query": "service activation", "release": "25.5"}),
    "search_zh": ("search_processes", {"query": "客户关系"}),
    "search_typo": ("search_processes", {"query": "Servce Activaton Managment"}),
    "process": ("get_process", {"identifier": "1.12.9", "release": "25.5"}),
    "flows": ("process_flows", {"identifier": "1.4.5", "release": "25.5"}),
    "path": ("process_flows", {"identifier": "1.3.7", "to": "1.5.8", "release": "25.5", "lang": "zh"}),
    "e2e": ("end_to_end_flows", {"release": "25.5"}),
    "steps": ("end_to_end_flows", {"flow": "order-to-payment", "release": "25.5"}),
    "components": ("process_components", {"identifier": "1.4.5", "release": "25.5"}),
    "compare": ("compare_releases", {"old": "25.0", "new": "25.5", "identifier": "1.12"}),
    "validate_bad": ("validate_extension", {"content": BAD_EXTENSION, "format": "csv", "release": "25.5"}),
    "validate_good": ("validate_extension", {"content": GOOD_EXTENSION, "format": "csv", "release": "25.5"}),
    "sparql": (
        "sparql_query",
        {"query": "SELECT ?id WHERE { ?p etom:level 1 ; skos:notation ?id }", "release": "25.5"},
    ),
    # bad arguments: each a tool error with a clear message
    "unknown_process": ("get_process", {"identifier": "1.99.99", "release": "25.5"}),
    "not_an_identifier": ("get_process", {"identifier": "Service Activation"}),
    "unknown_release": ("search_processes", {"query": "billing", "release": "27.0"}),
    "wrong_type": ("search_processes", {"query": "billing", "limit": "many"}),
    "service": ("sparql_query", {"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}),
    "update": ("sparql_query", {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    "malformed": ("sparql_query", {"query": "SELECT ?x WHERE { ?x"}),
    "runaway": ("sparql_query", {"query": RUNAWAY}),
    "after_runaway": ("sparql_query", {"query": 'ASK { ?s skos:notation "1.4.5" }'}),
}


#: The runaway query costs a killed and a fresh query process: once (over stdio) is enough.
ONCE = ("runaway", "after_runaway")


async def _exercise(client: Client, skip: tuple[str, ...] = ()) -> dict:
    answers: dict = {"tools": [t.name for t in (await client.list_tools()).tools]}
    for key, (tool, arguments) in CALLS.items():
        if key in skip:
            continue
        started = time.monotonic()
        result = await client.call_tool(tool, arguments)
        answers[key] = {
            "error": bool(result.is_error),
            "text": "".join(block.text for block in result.content if hasattr(block, "text")),
            "data": result.structured_content,
            "seconds": time.monotonic() - started,
        }
    answers["resources"] = [str(r.uri) for r in (await client.list_resources()).resources]
    tree = await client.read_resource("etomkg://release/25.5/tree")
    answers["tree"] = json.loads(tree.contents[0].text)
    shipped = await client.read_resource("etomkg://queries")
    answers["queries"] = json.loads(shipped.contents[0].text)
    answers["prompts"] = [p.name for p in (await client.list_prompts()).prompts]
    prompt = await client.get_prompt("map-process-list", {"processes": "Order capture\n故障处理"})
    answers["prompt"] = prompt.messages[0].content.text
    return answers


def _env() -> dict[str, str]:
    return {**os.environ, "ETOMKG_QUERY_TIMEOUT": TIMEOUT}


@pytest.fixture(scope="session")
def over_stdio() -> dict:
    params = StdioServerParameters(command=ETOMKG_BIN, args=["mcp"], env=_env())

    async def run():
        async with Client(params, read_timeout_seconds=60) as client:
            return await _exercise(client)

    return asyncio.run(run())


@pytest.fixture(scope="session")
def over_http(base_store) -> dict:
    port = free_port()
    server = subprocess.Popen(
        [ETOMKG_BIN, "mcp", "--http", "--port", str(port), "--store", str(base_store)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert server.poll() is None, "etomkg mcp --http exited"
                assert time.monotonic() < deadline, "etomkg mcp --http did not listen within 60 s"
                time.sleep(0.2)

        async def run():
            async with Client(f"http://127.0.0.1:{port}/mcp", read_timeout_seconds=60) as client:
                return await _exercise(client, skip=ONCE)

        return asyncio.run(run())
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="session", params=["stdio", "http"])
def answers(request) -> dict:
    return request.getfixturevalue("over_" + request.param)


TOOLS = {
    "search_processes",
    "get_process",
    "process_flows",
    "end_to_end_flows",
    "compare_releases",
    "validate_extension",
    "sparql_query",
    "process_components",
}


def test_lists_every_tool_resource_and_prompt(answers):
    assert set(answers["tools"]) == TOOLS
    assert {"etomkg://ontology", "etomkg://queries"} <= set(answers["resources"])
    assert set(answers["prompts"]) == {"explain-process", "map-process-list"}
    assert "故障处理" in answers["prompt"] and "search_processes" in answers["prompt"]


def test_search_names_release_and_iri(answers, kg):
    hits = answers["search"]["data"]["hits"]
    assert hits[0]["identifier"] == "1.4.5" and hits[0]["release"] == "25.5"
    assert hits[0]["iri"] == "https://w3id.org/etomkg/release/25.5/process/1.4.5"
    assert "<https://w3id.org/etomkg/release/25.5/process/1.4.5>" in answers["search"]["text"]
    expected = kg.select(
        'SELECT ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name FILTER(lang(?name) = "en") }',
        release="25.5",
    )
    assert hits[0]["name"]["en"] == expected[0]["name"]
    zh = answers["search_zh"]["data"]["hits"][0]
    assert "客户关系" in zh["name"]["zh"]
    similar = answers["search_typo"]["data"]["hits"][0]  # no name holds these words: the matcher's best
    assert similar["identifier"] == "1.4.5" and similar["match"].startswith("similar")


def test_process_matches_sparql(answers, kg):
    data = answers["process"]["data"]
    iri = data["iri"]
    assert iri == "https://w3id.org/etomkg/release/25.5/process/1.12.9"
    rows = kg.select(
        f"SELECT ?parent ?child WHERE {{ <{iri}> etom:parent/skos:notation ?parent . "
        f"OPTIONAL {{ ?c etom:parent <{iri}> ; skos:notation ?child }} }}"
    )
    assert data["parent"]["identifier"] == rows[0]["parent"]
    assert sorted(c["identifier"] for c in data["children"]) == sorted(r["child"] for r in rows if "child" in r)
    names = {
        r["lang"]: r["name"]
        for r in kg.select(
            f"SELECT (lang(?n) AS ?lang) ?n AS ?name WHERE {{ <{iri}> skos:prefLabel ?n }}".replace(
                "?n AS ?name", "(?n AS ?name)"
            )
        )
    }
    assert data["name"] == {k: names[k] for k in ("en", "zh") if k in names}
    # Selling was 1.1.9 before the Sales domain of 25.5: the lineage follows the version links back.
    earlier = {(v["release"], v["identifier"]) for v in data["lineage"] if v["direction"] == "earlier"}
    assert ("25.0", "1.1.9") in earlier
    linked = kg.select(f"SELECT ?id WHERE {{ <{iri}> etom:previousVersion/skos:notation ?id }}")
    assert {("25.0", r["id"]) for r in linked} <= earlier
    assert data["definition"]["en"]


def test_flows_match_the_shipped_queries(answers, kg):
    flows = answers["flows"]["data"]
    assert flows["upstream"] == queries.run(kg, "upstream", process="1.4.5", release="25.5")
    assert flows["downstream"] == queries.run(kg, "downstream", process="1.4.5", release="25.5")
    path = answers["path"]["data"]["path"]
    assert path == queries.run(kg, "flow-path", **{"from": "1.3.7", "to": "1.5.8", "release": "25.5", "lang": "zh"})
    assert path, "1.3.7 reaches 1.5.8 in the bundled flows"


def test_end_to_end_flows_and_steps(answers, kg):
    keys = {row["key"] for row in answers["e2e"]["data"]["flows"]}
    assert keys == {r["key"] for r in queries.run(kg, "e2e-flows", release="25.5")}
    steps = answers["steps"]["data"]["steps"]
    assert [s["processId"] for s in steps] == [
        r["processId"] for r in queries.run(kg, "e2e-steps", flow="order-to-payment", release="25.5")
    ]
    assert steps[0]["processIri"].startswith("https://w3id.org/etomkg/release/25.5/process/")


def test_components_match_the_shipped_queries(answers, kg):
    data = answers["components"]["data"]
    assert data["components"] == [
        {
            **row,
            "iri": f"https://w3id.org/etomkg/oda/component/{row['component']}",
            "processIri": f"https://w3id.org/etomkg/release/25.5/process/{row['processId']}",
        }
        for row in queries.run(kg, "oda-components-of-process", process="1.4.5", release="25.5")
    ]
    assert {row["api"] for row in data["apis"]} == {
        row["api"] for row in queries.run(kg, "oda-apis-of-process", process="1.4.5", release="25.5")
    }
    assert "TMF641" in answers["components"]["text"]


def test_compare_keeps_to_the_subtree(answers):
    data = answers["compare"]["data"]
    assert data["counts"]["renumbered"] > 0
    renumbered = {
        (c["old"]["identifier"], c["new"]["identifier"]) for c in data["changes"] if c["kind"] == "renumbered"
    }
    assert ("1.1.9", "1.12.9") in renumbered
    assert all(
        (c["old"]["identifier"] or "").startswith("1.12") or (c["new"]["identifier"] or "").startswith("1.12")
        for c in data["changes"]
    )


def test_validate_extension_runs_the_import_checks(answers):
    bad = answers["validate_bad"]
    assert not bad["error"] and bad["data"]["conforms"] is False
    assert any("[parent-unknown]" in line and "1.4.99" in line for line in bad["data"]["lines"])
    assert len(bad["data"]["findings"]) == len(bad["data"]["lines"])
    assert "parent-unknown" in bad["text"] and "1.4.99" in bad["text"]
    assert answers["validate_good"]["data"]["conforms"] is True


def test_sparql_matches_the_library(answers, kg):
    rows = answers["sparql"]["data"]["rows"]
    expected = kg.select("SELECT ?id WHERE { ?p etom:level 1 ; skos:notation ?id }", release="25.5")
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in expected)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("unknown_process", "has no process 1.99.99"),
        ("not_an_identifier", "is not a process identifier"),
        ("unknown_release", "unknown release '27.0'"),
        ("wrong_type", "limit"),
        ("service", "SERVICE"),
        ("update", "read-only"),
        ("malformed", "line 1"),
    ],
)
def test_bad_arguments_are_tool_errors(answers, key, words):
    answer = answers[key]
    assert answer["error"], answer
    assert words in answer["text"]
    assert "Traceback" not in answer["text"]


def test_runaway_query_is_cancelled_at_the_limit(over_stdio):
    answers = over_stdio
    runaway = answers["runaway"]
    assert runaway["error"] and f"time limit of {TIMEOUT} s" in runaway["text"]
    assert runaway["seconds"] < float(TIMEOUT) + 20  # the child is killed, not waited for
    # a fresh query process answers the next query
    after = answers["after_runaway"]
    assert not after["error"] and after["data"]["boolean"] is True


def test_release_tree_resource(answers, kg):
    tree = answers["tree"]
    assert tree["release"] == "25.5"
    level1 = kg.select("SELECT ?id WHERE { ?p etom:level 1 ; skos:notation ?id }", release="25.5")
    assert {p["identifier"] for p in tree["processes"]} == {r["id"] for r in level1}
    sales = next(p for p in tree["processes"] if p["identifier"] == "1.12")
    assert "1.12.9" in {c["identifier"] for c in sales["children"]}
    assert any(q["name"] == "upstream" and "$process" not in q["text"] for q in answers["queries"])


def test_remote_backend(pushed):
    server, _ = pushed
    params = StdioServerParameters(command=ETOMKG_BIN, args=["mcp", "--backend", server.query_url], env=_env())

    async def run():
        async with Client(params, read_timeout_seconds=60) as client:
            process = await client.call_tool("get_process", {"identifier": "1.4.5", "release": "25.5"})
            sparql = await client.call_tool(
                "sparql_query", {"query": 'SELECT ?p WHERE { ?p skos:notation "1.4.5" }', "release": "25.5"}
            )
            return process, sparql

    process, sparql = asyncio.run(run())
    assert not process.is_error and process.structured_content["name"]["en"] == "Service Activation Management"
    assert [r["p"] for r in sparql.structured_content["rows"]] == ["https://w3id.org/etomkg/release/25.5/process/1.4.5"]
