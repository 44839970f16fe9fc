"""The real server process (`etomkg serve` under granian) driven over HTTP by real clients.

SPARQLWrapper and requests parse every result format back; the limits are proven
against the running server: a runaway query is cancelled while others are
answered, an oversized body is refused, SERVICE never reaches the network; and a
bounded load (thousands of requests, concurrency 8) completes without an error.
"""

from __future__ import annotations

import csv
import io
import os
import random
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
import requests
from SPARQLWrapper import CSV, JSON, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.conftest import ETOMKG_BIN

TIMEOUT_S = 3
BODY_LIMIT = 65536
LOOKUP = 'SELECT ?p ?name WHERE {{ ?p skos:notation "{id}" ; skos:prefLabel ?name }} ORDER BY ?p ?name'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = free_port()
    env = {**os.environ, "ETOMKG_QUERY_TIMEOUT": str(TIMEOUT_S), "ETOMKG_MAX_BODY_BYTES": str(BODY_LIMIT)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [ETOMKG_BIN, "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # the first start builds the on-disk copy of the graph once
    while True:
        try:
            if requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    print(f"\nstart-up to first answered query: {time.perf_counter() - started:.2f} s")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def wrapper(url: str, query: str, fmt: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(f"{url}/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    return sparql


def test_sparqlwrapper_select_in_every_format(server, kg):
    query = LOOKUP.format(id="1.4.5")
    expected = kg.select(query)
    as_json = wrapper(server, query, JSON).queryAndConvert()
    assert [{k: v["value"] for k, v in b.items()} for b in as_json["results"]["bindings"]] == expected
    as_xml = wrapper(server, query, XML).query().response.read()
    parsed = ox.parse_query_results(as_xml, format=ox.QueryResultsFormat.XML)
    assert [{v.value: s[v.value].value for v in parsed.variables} for s in parsed] == expected
    as_csv = wrapper(server, query, CSV).queryAndConvert().decode("utf-8")
    assert list(csv.DictReader(io.StringIO(as_csv, newline=""))) == expected
    as_tsv = wrapper(server, query, TSV).query().response.read()
    parsed = ox.parse_query_results(as_tsv, format=ox.QueryResultsFormat.TSV)
    assert [{v.value: s[v.value].value for v in parsed.variables} for s in parsed] == expected
    assert wrapper(server, "ASK { ?p skos:notation '1.4.5' }", JSON).queryAndConvert()["boolean"] is True


@pytest.mark.parametrize(
    "fmt, oxformat",
    [
        (TURTLE, ox.RdfFormat.TURTLE),
        (RDFXML, ox.RdfFormat.RDF_XML),
        (N3, ox.RdfFormat.TURTLE),
        ("json-ld", ox.RdfFormat.JSON_LD),
    ],
)
def test_sparqlwrapper_construct_parses_back(server, kg, fmt, oxformat):
    query = f"CONSTRUCT {{ ?c skos:broader <{kg.iris.process('25.5', '1.4.5')}> ; skos:notation ?id }} WHERE {{ ?c etom:parent <{kg.iris.process('25.5', '1.4.5')}> ; skos:notation ?id }}"
    sparql = wrapper(server, query, fmt)
    sparql.setMethod("POST")
    data = sparql.query().response.read()
    got = {(q.subject, q.predicate, q.object) for q in ox.parse(data, format=oxformat)}
    assert got == {(t.subject, t.predicate, t.object) for t in kg.query(query)} and len(got) >= 18


def test_requests_formats_and_graph_store(server, kg):
    graph = kg.iris.graph("classic")
    response = requests.get(f"{server}/store", params={"graph": graph}, headers={"Accept": "application/n-quads"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"  # requests asks for gzip
    assert {q.graph_name.value for q in ox.parse(response.content, format=ox.RdfFormat.N_QUADS)} == {graph}
    tsv = requests.post(
        f"{server}/sparql", data={"query": LOOKUP.format(id="1.3")}, headers={"Accept": "text/tab-separated-values"}
    )
    assert tsv.headers["Content-Type"].startswith("text/tab-separated-values") and len(tsv.text.splitlines()) > 1
    page = requests.get(f"{server}/release/26.0/process/1.4.5", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Service Activation Management" in page.text
    assert requests.get(f"{server}/health").json()["triples"] == len(kg.store)


def test_runaway_query_is_cancelled_while_others_are_answered(server):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict = {}

    def run_away():
        started = time.monotonic()
        response = requests.post(f"{server}/sparql", data={"query": runaway}, timeout=120)
        outcome.update(status=response.status_code, text=response.text, seconds=time.monotonic() - started)
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=run_away)
    thread.start()
    answered = []
    while thread.is_alive():  # other clients keep being served meanwhile
        reply = requests.get(
            f"{server}/sparql",
            params={"query": "ASK { ?s skos:notation '1.4' }"},
            headers={"Connection": "close"},
            timeout=30,
        )
        answered.append(reply.status_code)
        time.sleep(0.05)
    thread.join()
    # the time limit stops it, or the worker's memory bound where a fast machine reaches that first
    limits = ("cancelled after the time limit of 3 s", "cancelled after the memory limit")
    assert outcome["status"] == 503 and any(limit in outcome["text"] for limit in limits), outcome["text"]
    assert outcome["seconds"] < TIMEOUT_S + 10
    # at most the last one may meet the cancelling worker as it hands over (a quick 503, never a reset)
    assert answered and set(answered[:-1]) <= {200} and answered[-1] in (200, 503), answered
    # the worker is replaced: meanwhile it answers 503 + Retry-After (never a reset), then all is as before
    deadline = time.monotonic() + 60
    while True:
        reply = requests.get(f"{server}/health", headers={"Connection": "close"}, timeout=30)
        assert reply.status_code == 200 or reply.status_code == 503 and reply.headers["Retry-After"]
        if reply.status_code == 200 and time.monotonic() > outcome["ended"] + 8:  # spawn + graceful stop
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    after = [
        requests.get(f"{server}/health", headers={"Connection": "close"}, timeout=30).status_code for _ in range(6)
    ]
    assert after == [200] * 6


def test_oversized_body_is_refused(server):
    response = requests.post(f"{server}/sparql", data={"query": "ASK {} #" + "x" * BODY_LIMIT})
    assert response.status_code == 413 and f"limit of {BODY_LIMIT}" in response.text or str(BODY_LIMIT) in response.text


def test_service_never_reaches_the_network(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    response = requests.post(f"{server}/sparql", data={"query": query})
    assert response.status_code == 400 and "SERVICE is refused" in response.text
    with pytest.raises(TimeoutError):
        listener.accept()  # nobody called
    listener.close()


LOAD_IDS = [f"1.{a}.{b}" for a in range(1, 8) for b in range(1, 13)]
LOAD_QUERIES = [
    lambda r: LOOKUP.format(id=r.choice(LOAD_IDS)),
    lambda r: (
        f"SELECT ?id WHERE {{ ?p etom:parent+ <https://w3id.org/etomkg/release/{r.choice(['25.5', '26.0', '25.0'])}"
        f"/process/1.{r.randint(1, 7)}> ; skos:notation ?id }}"
    ),
    lambda r: (  # levels 0-2 keep it light: the test must stay quick on a busy CI machine
        f"SELECT ?release (COUNT(?p) AS ?n) WHERE {{ ?p etom:release/owl:versionInfo ?release ; etom:level {r.randint(0, 2)} }} "
        "GROUP BY ?release"
    ),
]


def test_bounded_load_completes_without_errors(server):
    host, port = server.removeprefix("http://").split(":")
    total, concurrency = 3000, 8
    failures: list = []

    def client(seed: int) -> int:
        rng = random.Random(seed)
        connection = HTTPConnection(host, int(port), timeout=60)
        done = 0
        for _ in range(total // concurrency):
            body = urlencode({"query": rng.choice(LOAD_QUERIES)(rng)})
            connection.request(
                "POST",
                "/sparql",
                body,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
            )
            response = connection.getresponse()
            data = response.read()
            if response.status != 200 or not data.startswith(b'{"head"'):
                failures.append((response.status, data[:200]))
            done += 1
        connection.close()
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        completed = sum(pool.map(client, range(concurrency)))
    elapsed = time.perf_counter() - started
    print(f"\nload: {completed} requests in {elapsed:.1f} s ({completed / elapsed:.0f}/s)")
    assert completed == total and failures == []
