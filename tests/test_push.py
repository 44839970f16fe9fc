"""``etomkg push`` into a real Oxigraph server, and into a scripted store that misbehaves."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

import etomkg
from etomkg.iris import ONTOLOGY_IRI
from etomkg.outputs.push import PushError, PushProgress, push, select_graphs
from etomkg.storage.backends import SparqlBackend
from etomkg.storage.httpclient import RemoteStoreError


def _expected_graphs(kg) -> list[str]:
    oda = f"{kg.iris.base}/oda"  # the ODA components go with any release: they cite processes of every release
    return [ONTOLOGY_IRI, kg.iris.framework_graph, kg.iris.graph("classic"), kg.iris.graph("25.5"), oda]


def test_push_puts_each_graph_whole_and_says_so(pushed, kg):
    server, result = pushed
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("pushed 5 graphs, ") and lines[-1].endswith("; verified")
    store = SparqlBackend(server.query_url)
    try:
        for graph in _expected_graphs(kg):
            embedded = sum(1 for _ in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
            assert store.count([graph]) == embedded > 0
            row = next(line for line in lines if line.startswith(graph + " "))
            assert f"{embedded:,}" in row.split()  # the summary table: triples sent
        assert sorted(store.graph_names()) == sorted(_expected_graphs(kg))
    finally:
        store.close()
    # Not a TTY: one progress line per graph on stderr, in push order (vocabulary first).
    progress = [line for line in result.stderr.splitlines() if line.startswith("  [")]
    assert [line.split()[1].rstrip(":") for line in progress] == _expected_graphs(kg)


def test_pushing_again_replaces_rather_than_adds(pushed, cli, kg):
    server, _ = pushed
    store = SparqlBackend(server.query_url)
    try:
        before = store.count([ONTOLOGY_IRI])
        result = cli("push", "--to", server.store_url, "--graph", "ontology")
        assert "pushed 1 graphs" in result.stdout
        assert store.count([ONTOLOGY_IRI]) == before
    finally:
        store.close()


def test_graph_selection(kg, cli):
    assert select_graphs(kg, releases=["24.0"]) == [
        ONTOLOGY_IRI,
        kg.iris.framework_graph,
        kg.iris.graph("24.0"),
        f"{kg.iris.base}/oda",
    ]
    everything = select_graphs(kg)
    assert everything[:3] == [ONTOLOGY_IRI, kg.iris.framework_graph, kg.iris.graph("classic")]
    assert set(everything) == set(kg.graph_names())
    assert cli("push", "--to", "http://127.0.0.1:1/store", "--dry-run", "--graph", "release/26.0").stdout == (
        kg.iris.graph("26.0") + "\n"
    )
    with pytest.raises(PushError, match="no graph https://w3id.org/etomkg/release/99.9"):
        select_graphs(kg, graphs=["release/99.9"])
    assert "unknown release '99.9'" in cli("push", "--to", "http://x/store", "-r", "99.9", expect=2).stderr


class Recorder(PushProgress):
    def __init__(self) -> None:
        self.advanced = 0
        self.retries: list[str] = []

    def advance(self, nbytes: int) -> None:
        self.advanced += nbytes

    def retrying(self, upload, delay, reason) -> None:
        self.retries.append(reason)


def test_transient_failures_are_retried_with_the_same_body(scripted, kg):
    answers = [
        (503, {"Retry-After": "0", "Content-Type": "text/plain"}, b"loading, come back"),
        None,  # the connection drops
        (204, {}, b""),
    ]
    scripted.routes["/store"] = lambda handler: answers.pop(0)
    delays: list[float] = []
    progress = Recorder()
    report = push(kg, scripted.url + "/store", graphs=[ONTOLOGY_IRI], progress=progress, sleep=delays.append)
    upload = report.uploads[0]
    assert (upload.attempts, upload.status) == (3, 204)
    assert delays[0] == 0 and 0.5 <= delays[1] <= 2.5  # Retry-After honoured, then back-off
    assert "503" in progress.retries[0] and "loading, come back" in progress.retries[0]
    assert progress.advanced == upload.bytes  # the bar never counts a re-sent byte twice
    bodies = [body for method, path, headers, body in scripted.requests if method == "PUT"]
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]
    put = next(r for r in scripted.requests if r[0] == "PUT")
    assert put[1] == "/store?graph=https%3A%2F%2Fw3id.org%2Fetomkg%2Fontology"
    assert put[2]["Content-Type"] == "application/n-triples"
    sent = {q.triple for q in ox.parse(bodies[0], format=ox.RdfFormat.N_TRIPLES)}
    assert sent == {q.triple for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_IRI))}


def test_giving_up_and_permanent_errors(scripted, kg, cli, monkeypatch):
    scripted.routes["/down"] = (503, {"Content-Type": "text/plain"}, b"maintenance")
    with pytest.raises(RemoteStoreError, match="answered 503.*maintenance.*gave up after 3 attempts"):
        push(kg, scripted.url + "/down", graphs=[ONTOLOGY_IRI], retries=2, sleep=lambda s: None)
    scripted.routes["/picky"] = (415, {"Content-Type": "text/plain"}, b"No supported content Content-Type")
    result = cli("push", "--to", scripted.url + "/picky", "--graph", "framework", expect=3)
    assert "answered 415 Unsupported Media Type: No supported content Content-Type" in result.stderr
    assert sum(1 for r in scripted.requests if r[1].startswith("/picky")) == 1  # not retried


def test_credentials_only_from_the_named_environment_variable(scripted, cli, monkeypatch):
    scripted.routes["/store"] = (204, {}, b"")
    monkeypatch.setenv("STORE_TOKEN", "alice:s3cret")
    cli("push", "--to", scripted.url + "/store", "--graph", "framework", "--auth-env", "STORE_TOKEN")
    assert scripted.requests[-1][2]["Authorization"] == "Basic YWxpY2U6czNjcmV0"
    monkeypatch.delenv("STORE_TOKEN")
    result = cli("push", "--to", scripted.url + "/store", "--graph", "framework", "--auth-env", "STORE_TOKEN", expect=2)
    assert "STORE_TOKEN is empty or not set" in result.stderr
    result = cli("push", "--to", "http://alice:pw@127.0.0.1:1/store", "--graph", "framework", expect=3)
    assert "carries credentials" in result.stderr and "pw" not in result.stderr


def test_verification_catches_a_store_that_kept_less(scripted, kg):
    scripted.routes["/store"] = (204, {}, b"")
    scripted.routes["/query"] = (
        200,
        {"Content-Type": "application/sparql-results+json"},
        b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"7",'
        b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}',
    )
    with pytest.raises(RemoteStoreError, match=r"did not arrive whole: <https://w3id.org/etomkg/framework>: sent \d+"):
        push(kg, scripted.url + "/store", graphs=[kg.iris.framework_graph], verify_with=scripted.url + "/query")


EXTENSION = """kind,id,name,name_zh,parent,level,description,maps_to
process,1.4.5.2.91,Validate activation request,校验开通请求,1.4.5.2,,Check the request before activation.,
process,1.4.5.2.91.1,Check address,核对地址,,5,Check the address.,
application,CRM-01,Acme CRM,Acme 客户关系管理,,,Customer care,1.3.3 1.3.4
"""


def test_a_store_with_an_extension_pushes_and_reads_back_alike(tmp_path, store_dir, cli):
    """Imported graphs travel with their release; queries and validation with --extensions agree."""
    from tests.conftest import OxigraphServer

    extension = tmp_path / "acme.csv"
    extension.write_text(EXTENSION, encoding="utf-8")
    cli("import", "extension", str(extension), "--release", "25.5", "--store", str(store_dir))
    listed = cli("push", "--to", "http://127.0.0.1:1/store", "--store", str(store_dir), "-r", "25.5", "--dry-run")
    kg = etomkg.open(store=store_dir)
    assert listed.stdout.split() == [
        ONTOLOGY_IRI,
        kg.iris.framework_graph,
        kg.iris.graph("25.5"),
        *kg.extensions["25.5"],
        f"{kg.iris.base}/oda",
        kg.iris.registry_graph,
    ]
    server = OxigraphServer(None)
    try:
        cli(
            "push", "--to", server.store_url, "--store", str(store_dir), "-r", "25.5", "--verify-with", server.query_url
        )
        query = (
            'SELECT ?id ?name WHERE { ?p etom:parent+/skos:notation "1.4.5.2" ; skos:notation ?id ; '
            'skos:prefLabel ?name FILTER(lang(?name) = "zh") } ORDER BY etom:sortKey(?id)'
        )
        common = ("query", query, "--release", "25.5", "--extensions", "--format", "csv")
        local = cli(*common, "--store", str(store_dir)).stdout
        assert cli(*common, "--backend", server.query_url).stdout == local
        assert "1.4.5.2.91.1,核对地址" in local
        reports = [
            json.loads(cli("validate", "-r", "25.5", "--format", "json", *where, expect=None).stdout)
            for where in (("--store", str(store_dir)), ("--backend", server.query_url))
        ]
        for report in reports:
            report.pop("seconds", None)
        assert reports[0] == reports[1] and reports[0]["dataset"].startswith("release 25.5")
    finally:
        server.stop()
