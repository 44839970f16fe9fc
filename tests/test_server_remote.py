"""``etomkg serve --backend``: the same HTTP API, pages and downloads from a real Oxigraph server,
compared byte for byte with the same server on an embedded store holding the same graphs."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from etomkg_server import create_app

from etomkg.formats import rdf_format_for
from tests.conftest import ETOMKG_BIN, free_port

pytestmark = pytest.mark.usefixtures("pushed")

PROCESS = "/release/25.5/process/1.4.5"
LOOKUP = 'SELECT ?p ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name } ORDER BY ?p ?name'


@pytest.fixture(scope="module")
def clients(remote_kg, embedded_twin, tmp_path_factory):
    remote = create_app({"KG": remote_kg, "CACHE_DIR": str(tmp_path_factory.mktemp("remote-cache"))})
    embedded = create_app({"KG": embedded_twin, "CACHE_DIR": str(tmp_path_factory.mktemp("embedded-cache"))})
    return remote.test_client(), embedded.test_client()


def _sparql(query: str, **params: str) -> str:
    return "/sparql?query=" + quote(query) + "".join(f"&{k.replace('_', '-')}={quote(v)}" for k, v in params.items())


REQUESTS = [
    (_sparql(LOOKUP), "application/sparql-results+json"),
    (_sparql(LOOKUP), "application/sparql-results+xml"),
    (_sparql(LOOKUP), "text/csv"),
    (_sparql(LOOKUP), "text/tab-separated-values"),
    (_sparql('ASK { ?p skos:notation "1.4.5" }'), "application/sparql-results+json"),
    (_sparql("SELECT ?id WHERE { ?p etom:level 1 ; skos:notation ?id } ORDER BY etom:sortKey(?id)"), None),
    (_sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", default_graph_uri="https://w3id.org/etomkg/release/25.5"), None),
    (_sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", named_graph_uri="https://w3id.org/etomkg/framework"), None),
    (_sparql("SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/etomkg/release/classic> WHERE { ?s ?p ?o }"), None),
    (_sparql('CONSTRUCT { ?p skos:prefLabel ?n } WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?n }'), "text/turtle"),
    (_sparql(f"DESCRIBE <https://w3id.org/etomkg{PROCESS}>"), "application/ld+json"),
    (_sparql("SELECT ?x WHERE { ?x skos:notation }"), None),  # malformed: the same 400 and message
    (PROCESS, "text/html"),
    (PROCESS + ".ttl", None),
    (PROCESS + ".jsonld", None),
    ("/release/25.5", "text/turtle"),
    ("/release/classic/process/1.1", "text/html"),
    ("/release/25.5/process/9.9.9", "text/html"),
    ("/ontology.ttl", None),
    ("/releases", None),
    ("/downloads/releases/classic/etom-classic.ttl", None),
    ("/store?graph=" + quote("https://w3id.org/etomkg/framework"), "application/n-triples"),
    ("/map?release=25.5", "text/html"),
    ("/map.svg?release=25.5&root=1.4", None),
    ("/search?q=activation&release=25.5", "text/html"),
    ("/search.json?q=%E5%BC%80%E9%80%9A", None),
    ("/compare?old=classic&new=25.5", "text/html"),
    ("/flows?release=25.5", "text/html"),
    ("/flows/25.5/order-to-payment", "text/html"),
]  # fmt: skip


@pytest.mark.parametrize("path, accept", REQUESTS)
def test_same_answer_byte_for_byte(clients, path, accept):
    remote, embedded = clients
    headers = {"Accept": accept, "Accept-Encoding": "identity"} if accept else {"Accept-Encoding": "identity"}
    got, want = remote.get(path, headers=headers), embedded.get(path, headers=headers)
    assert (got.status_code, got.mimetype) == (want.status_code, want.mimetype)
    if "CONSTRUCT" in path or "DESCRIBE" in path:  # a graph: RDF says nothing of the order of its triples
        fmt = rdf_format_for(want.mimetype).oxigraph
        assert set(ox.parse(got.data, format=fmt)) == set(ox.parse(want.data, format=fmt))
    else:
        assert got.data == want.data
    assert want.status_code in (200, 400, 404) and len(want.data) > 20


def test_health_and_updates(clients, pushed, embedded_twin):
    remote, _ = clients
    server, _ = pushed
    health = remote.get("/health").get_json()
    assert health["backend"] == server.query_url and health["answering_from"] == "remote"
    assert health["triples"] == len(embedded_twin) and health["releases"] == ["classic", "25.5"]
    refused = remote.post("/update", data={"update": "CLEAR ALL"}, headers={"Authorization": "Bearer x"})
    assert refused.status_code == 403


def test_a_failing_store_is_a_502_or_504_with_its_words(scripted, tmp_path):
    import etomkg

    def healthy(handler):  # the list of graphs, or a count
        body = handler.server.requests[-1][3]
        var, value = ("n", '"7"') if b"COUNT" in body else ("g", '"https://w3id.org/etomkg/release/25.5"')
        kind = "literal" if var == "n" else "uri"
        data = f'{{"head":{{"vars":["{var}"]}},"results":{{"bindings":[{{"{var}":{{"type":"{kind}","value":{value}}}}}]}}}}'
        return 200, {"Content-Type": "application/sparql-results+json"}, data.encode()

    scripted.routes["/query"] = healthy
    kg = etomkg.open(backend=scripted.url + "/query")
    client = create_app({"KG": kg, "CACHE_DIR": str(tmp_path), "WARM_SEARCH": False}).test_client()
    scripted.routes["/query"] = (503, {"Content-Type": "text/plain"}, b"Query evaluation timed out")
    response = client.get(_sparql("SELECT * WHERE { ?s ?p ?o } LIMIT 1"))
    assert response.status_code == 504 and f"{scripted.url}/query answered 503" in response.text
    scripted.routes["/query"] = (500, {"Content-Type": "text/plain"}, b"disk full")
    page = client.get(PROCESS, headers={"Accept": "text/html"})
    assert page.status_code == 502 and "disk full" in page.text


def test_etomkg_serve_backend_answers_over_http(pushed):
    """The real command: granian workers on the remote store."""
    server, _ = pushed
    port = free_port()
    env = {**os.environ, "ETOMKG_BACKEND": server.query_url}
    proc = subprocess.Popen(
        [ETOMKG_BIN, "serve", "--port", str(port), "--workers", "1", "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                    health = json.load(response)
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert health["backend"] == server.query_url
        request = urllib.request.Request(f"{url}{_sparql(LOOKUP)}", headers={"Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read().decode("utf-8")
        assert body.startswith("p,name\r\n") and "Service Activation" in body
    finally:
        proc.terminate()
        proc.wait(timeout=30)
