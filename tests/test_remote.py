"""The remote back end against a real Oxigraph server: same answers, same bytes, clear errors."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pyoxigraph as ox
import pytest

import etomkg
from etomkg import queries as shipped
from etomkg.formats import FORMATS
from etomkg.outputs.export import select_lines, serialize_lines
from etomkg.storage.backends import ServiceRefusedError, SparqlBackend
from etomkg.storage.httpclient import RemoteQueryError, RemoteStoreError, RemoteTimeoutError

pytestmark = pytest.mark.usefixtures("pushed")

QUERIES = {
    "L1 of 25.5 in natural order, zh": (
        'SELECT ?id ?name WHERE { ?p etom:level 1 ; skos:notation ?id ; skos:prefLabel ?name FILTER(lang(?name)="zh") }'
        " ORDER BY etom:sortKey(?id)",
        "25.5",
    ),
    "children of 1.4 by full sortKey IRI, own prefix for etom": (
        "PREFIX e: <https://w3id.org/etomkg/ontology#>\n"
        'SELECT ?id ?level WHERE { ?p e:parent/skos:notation "1.4" ; skos:notation ?id ; e:level ?level }\n'
        "ORDER BY DESC(<https://w3id.org/etomkg/ontology#sortKey>(?id))",
        "25.5",
    ),
    "union: processes per release and level": (
        "SELECT ?release (STR(?level) AS ?lvl) (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; "
        "etom:release/owl:versionInfo ?release ; etom:level ?level } GROUP BY ?release ?level "
        "ORDER BY ?release ?lvl",
        None,
    ),
    "named graphs stay visible under a release": (
        'SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?p skos:notation "1.4.5" } } GROUP BY ?g ORDER BY ?g',
        "25.5",
    ),
    "descendants of 1.4 with optional definitions, strings with # and sortKey(": (
        'SELECT ?id ?def ("# etom:sortKey(" AS ?noise) WHERE { ?d etom:parent+ ?root . ?root skos:notation "1.4" . '
        '?d skos:notation ?id OPTIONAL { ?d skos:definition ?def FILTER(lang(?def) = "en") } } '
        "ORDER BY etom:sortKey(?id) # etom:sortKey(?not) in a comment",
        "25.5",
    ),
    "classic counterparts across releases": (
        "SELECT ?id ?cid WHERE { ?p etom:classicCounterpart ?c ; skos:notation ?id . ?c skos:notation ?cid } "
        "ORDER BY etom:sortKey(?id) etom:sortKey(?cid) LIMIT 50",
        None,
    ),
    "anomalies": (
        "SELECT ?p ?kind ?raw WHERE { ?p etom:hasAnomaly ?a . ?a etom:anomalyKind ?kind . "
        "OPTIONAL { ?a etom:rawValue ?raw } } ORDER BY ?p ?kind ?raw",
        "25.5",
    ),
}


def _rows(result) -> list[tuple]:
    names = [v.value for v in result.variables]
    return [tuple(str(row[n]) if row[n] is not None else None for n in names) for row in result]


@pytest.mark.parametrize("name", list(QUERIES))
def test_select_gives_the_same_terms_in_the_same_order(name, remote_kg, embedded_twin):
    text, release = QUERIES[name]
    remote = _rows(remote_kg.query(text, release=release))
    embedded = _rows(embedded_twin.query(text, release=release))
    assert remote, "the query must return something to compare"
    assert remote == embedded


def test_ask_construct_and_describe_match(remote_kg, embedded_twin):
    ask = 'ASK { ?p skos:notation "1.4.5" ; etom:level 2 }'
    assert bool(remote_kg.query(ask, release="25.5")) is bool(embedded_twin.query(ask, release="25.5")) is True
    assert not bool(remote_kg.query('ASK { ?p skos:notation "9.9.9" }'))
    for text in (
        'CONSTRUCT { ?p skos:prefLabel ?n } WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?n }',
        f"DESCRIBE <{remote_kg.iris.process('25.5', '1.4.5')}>",
    ):
        remote = remote_kg.query(text, release="25.5")
        assert isinstance(remote, ox.QueryTriples)
        lines = sorted(ox.serialize(remote, format=ox.RdfFormat.N_TRIPLES).decode().splitlines())
        twin = embedded_twin.query(text, release="25.5")
        assert lines == sorted(ox.serialize(twin, format=ox.RdfFormat.N_TRIPLES).decode().splitlines())
        assert len(lines) >= 2


def test_remote_results_serialise_like_embedded_ones(remote_kg, embedded_twin):
    """The server relays remote results with ``serialize``: same bytes in every results format."""
    text = QUERIES["L1 of 25.5 in natural order, zh"][0]
    for fmt in (ox.QueryResultsFormat.JSON, ox.QueryResultsFormat.XML, ox.QueryResultsFormat.TSV):
        remote = remote_kg.query(text, release="25.5").serialize(format=fmt)
        assert remote == embedded_twin.query(text, release="25.5").serialize(format=fmt)


def test_union_by_listing_graphs_matches_oxigraphs_union(remote_kg):
    """Stores without a union default graph get every graph listed; the answer must not change."""
    text = QUERIES["union: processes per release and level"][0]
    assert remote_kg.backend.union_mode == "oxigraph"  # detected: the server runs without --union-default-graph
    listed = SparqlBackend(remote_kg.backend.url)
    listed.union_mode = "explicit"
    try:
        via_lists = _rows(etomkg.KnowledgeGraph(listed).query(text))
    finally:
        listed.close()
    assert via_lists == _rows(remote_kg.query(text))


def test_releases_graphs_and_size(remote_kg, embedded_twin):
    assert remote_kg.releases == ["classic", "25.5"]
    assert remote_kg.default_release == "25.5"
    assert remote_kg.graph_names() == embedded_twin.graph_names()
    assert len(remote_kg) == len(embedded_twin)
    assert remote_kg.remote and not embedded_twin.remote


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_query_command_prints_the_same_bytes(fmt, cli, pushed):
    server, _ = pushed
    text = QUERIES["descendants of 1.4 with optional definitions, strings with # and sortKey("][0]
    embedded = cli("query", text, "--release", "25.5", "--format", fmt).stdout
    remote = cli("query", text, "--release", "25.5", "--format", fmt, "--backend", server.query_url).stdout
    assert remote == embedded
    assert "1.4.5" in remote


def test_query_command_construct_prints_the_same_turtle(cli, pushed):
    server, _ = pushed
    text = 'CONSTRUCT { ?p ?x ?y } WHERE { ?p skos:notation "1.4.5" ; ?x ?y }'
    embedded = cli("query", text, "--release", "25.5").stdout
    assert cli("query", text, "--release", "25.5", "--backend", server.query_url).stdout == embedded
    assert "@prefix skos:" in embedded


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_is_byte_identical(fmt, cli, pushed, tmp_path):
    server, _ = pushed
    embedded, remote = tmp_path / f"e.{fmt}", tmp_path / f"r.{fmt}"
    common = ("export", "--format", fmt, "--release", "25.5", "--root", "1.4.5")
    cli(*common, "-o", str(embedded))
    cli(*common, "-o", str(remote), "--backend", server.query_url)
    assert remote.read_bytes() == embedded.read_bytes()
    assert remote.stat().st_size > 5_000


def test_archimate_exports_are_byte_identical(cli, pushed, tmp_path):
    server, _ = pushed
    common = ("export", "--release", "25.5", "--root", "1.4.5")
    for where, extra in (("e", ()), ("r", ("--backend", server.query_url))):
        (tmp_path / where).mkdir()
        cli(*common, "--format", "archimate", "-o", str(tmp_path / f"{where}.xml"), *extra)
        cli(*common, "--format", "archi-csv", "-o", str(tmp_path / where / "etom"), *extra)
    assert (tmp_path / "r.xml").read_bytes() == (tmp_path / "e.xml").read_bytes()
    csvs = sorted(p.name for p in (tmp_path / "e").iterdir())
    assert len(csvs) == 3 and csvs == sorted(p.name for p in (tmp_path / "r").iterdir())
    for name in csvs:
        assert (tmp_path / "r" / name).read_bytes() == (tmp_path / "e" / name).read_bytes()


def test_whole_release_and_all_releases_export_identically(cli, pushed, remote_kg, embedded_twin):
    server, _ = pushed
    embedded = cli("export", "--format", "nquads", "--release", "classic").stdout_bytes
    assert cli("export", "--format", "nquads", "--release", "classic", "--backend", server.query_url).stdout_bytes == (
        embedded
    )
    assert embedded.count(b"\n") > 10_000
    remote_lines = select_lines(remote_kg, release="all")
    assert remote_lines == select_lines(embedded_twin, release="all")
    assert serialize_lines(remote_lines, "trig") == serialize_lines(select_lines(embedded_twin, release="all"), "trig")


def test_unknown_release_and_malformed_query_are_input_errors(cli, pushed):
    server, _ = pushed
    result = cli("query", "ASK {}", "--release", "24.0", "--backend", server.query_url, expect=2)
    assert "unknown release '24.0'" in result.stderr and "classic, 25.5" in result.stderr
    broken = "SELECT ?x WHERE {\n  ?x skos:notation \n}"
    remote = cli("query", broken, "--backend", server.query_url, expect=2).stderr
    assert remote == cli("query", broken, expect=2).stderr  # parsed here: the same line and column
    assert "line 3" in remote


def test_service_is_refused_before_anything_is_sent(remote_kg):
    with pytest.raises(ServiceRefusedError, match="SERVICE"):
        remote_kg.query(f"SELECT * {{ SERVICE <{remote_kg.backend.url}> {{ ?s ?p ?o }} }}")


# --- a scripted HTTP server for what a healthy Oxigraph never does ---


def _json(payload: dict) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/sparql-results+json"}, json.dumps(payload).encode()


GRAPHS = _json(
    {
        "head": {"vars": ["g"]},
        "results": {"bindings": [{"g": {"type": "uri", "value": "https://w3id.org/etomkg/release/25.5"}}]},
    }
)


def test_unreachable_store_exit_code_3_names_the_url(cli):
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/query"
    result = cli("query", "ASK {}", "--backend", url, expect=3)
    assert url in result.stderr and "cannot connect" in result.stderr


def test_time_limit_and_what_the_store_said(scripted, monkeypatch):
    import time

    def slow(handler):
        time.sleep(2)
        return GRAPHS

    scripted.routes["/slow"] = slow
    with pytest.raises(RemoteTimeoutError, match=r"no answer from http://127\.0\.0\.1:\d+/slow within 0\.5 s"):
        SparqlBackend(scripted.url + "/slow", timeout=0.5).graph_names()
    scripted.routes["/busy"] = (503, {"Content-Type": "text/plain"}, b"Query evaluation timed out after 30 s")
    with pytest.raises(RemoteTimeoutError, match="answered 503.*timed out after 30 s"):
        SparqlBackend(scripted.url + "/busy").graph_names()
    scripted.routes["/html"] = (500, {"Content-Type": "text/html"}, b"<html><h1>Disk full</h1><p>no space</p></html>")
    with pytest.raises(RemoteStoreError, match=r"answered 500 Internal Server Error: Disk full no space$"):
        SparqlBackend(scripted.url + "/html").graph_names()
    scripted.routes["/strict"] = (400, {"Content-Type": "text/plain"}, b"Lexical error at line 1")
    with pytest.raises(RemoteQueryError, match="Lexical error at line 1"):
        SparqlBackend(scripted.url + "/strict").graph_names()
    scripted.routes["/cut"] = (
        200,
        {"Content-Type": "application/sparql-results+json"},
        b'{"head":{"vars":["g"]},"results":{"bindings":[{"g"',
    )
    with pytest.raises(RemoteStoreError, match="broke off its results"):
        SparqlBackend(scripted.url + "/cut").graph_names()
    scripted.routes["/page"] = (200, {"Content-Type": "text/html"}, b"<html>login</html>")
    with pytest.raises(RemoteStoreError, match="answered with text/html, not SPARQL results"):
        SparqlBackend(scripted.url + "/page").graph_names()


def test_redirects_only_within_the_same_origin(scripted):
    scripted.routes["/old"] = (307, {"Location": "/query"}, b"")
    scripted.routes["/query"] = GRAPHS
    assert SparqlBackend(scripted.url + "/old").graph_names() == ["https://w3id.org/etomkg/release/25.5"]
    scripted.routes["/away"] = (307, {"Location": "http://example.org/sparql"}, b"")
    with pytest.raises(RemoteStoreError, match="redirected .*http://example.org/sparql.*same host"):
        SparqlBackend(scripted.url + "/away").graph_names()
    assert not [r for r in scripted.requests if "example.org" in r[1]]


def test_credentials_come_from_the_environment_only(scripted, monkeypatch, cli):
    scripted.routes["/query"] = GRAPHS
    with pytest.raises(RemoteStoreError, match="carries credentials"):
        SparqlBackend("http://alice:pw@127.0.0.1:1/query")
    monkeypatch.setenv("ETOMKG_BACKEND_AUTH", "alice:s3cret")
    SparqlBackend(scripted.url + "/query").graph_names()
    assert scripted.requests[-1][2]["Authorization"] == "Basic YWxpY2U6czNjcmV0"
    monkeypatch.setenv("ETOMKG_BACKEND_AUTH", "tok3n")
    SparqlBackend(scripted.url + "/query").graph_names()
    assert scripted.requests[-1][2]["Authorization"] == "Bearer tok3n"


def test_what_is_sent_predeclared_prefixes_sortkey_and_graphs(scripted):
    """The request itself: a standard query (no etomkg extensions) and the release as protocol parameters."""
    scripted.routes["/query"] = GRAPHS
    kg = etomkg.KnowledgeGraph(SparqlBackend(scripted.url + "/query"))
    kg.query("SELECT ?id WHERE { ?p skos:notation ?id } ORDER BY etom:sortKey(?id)", release="25.5")
    fields = parse_qs(scripted.requests[-1][3].decode())
    query = fields["query"][0]
    assert "sortKey" not in query and query.startswith("PREFIX etom: <https://w3id.org/etomkg/ontology#>")
    assert fields["default-graph-uri"] == [
        "https://w3id.org/etomkg/ontology",
        "https://w3id.org/etomkg/framework",
        "https://w3id.org/etomkg/release/25.5",
    ]
    assert fields["named-graph-uri"] == ["https://w3id.org/etomkg/release/25.5"]
    before = len(scripted.requests)
    with pytest.raises(SyntaxError):
        kg.query("SELECT ?x WHERE { ?x }")
    with pytest.raises(SyntaxError):  # updates never leave this process
        kg.query("DELETE WHERE { ?s ?p ?o }")
    assert len(scripted.requests) == before


def test_a_store_without_etomkg_graphs_is_reported(scripted):
    scripted.routes["/query"] = _json({"head": {"vars": ["g"]}, "results": {"bindings": []}})
    with pytest.raises(etomkg.store.RemoteBackendError, match="holds no eTOM release .*(it is empty).*etomkg push"):
        etomkg.open(backend=scripted.url + "/query")


def test_an_http_proxy_from_the_environment_is_used(scripted, monkeypatch):
    target = "http://store.invalid:7878/query"
    scripted.routes[target] = GRAPHS
    monkeypatch.setenv("http_proxy", scripted.url)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert SparqlBackend(target).graph_names() == ["https://w3id.org/etomkg/release/25.5"]
    method, path, headers, _ = scripted.requests[-1]
    assert (method, path, headers["Host"]) == ("POST", target, "store.invalid:7878")


def test_quads_for_pattern_matches_the_embedded_store(remote_kg, embedded_twin):
    process = ox.NamedNode(remote_kg.iris.process("25.5", "1.4.5"))
    label = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    graph = ox.NamedNode(remote_kg.iris.graph("25.5"))
    zh = next(q.object for q in embedded_twin.quads_for_pattern(process, label, None) if q.object.language == "zh")
    patterns = [
        (process, None, None, None),
        (process, label, None, graph),
        (None, label, zh, None),
        (process, label, zh, graph),
        (None, None, None, ox.NamedNode(remote_kg.iris.framework_graph)),
        (ox.NamedNode("https://example.org/nothing"), None, None, None),
    ]
    for pattern in patterns:
        remote = sorted(map(str, remote_kg.quads_for_pattern(*pattern)))
        assert remote == sorted(map(str, embedded_twin.quads_for_pattern(*pattern))), pattern
    assert len(list(remote_kg.quads_for_pattern(*patterns[3]))) == 1
    assert next(remote_kg.quads_for_pattern(*patterns[3])).graph_name == graph  # an iterator, as pyoxigraph gives


# Lineage between consecutive releases: the pushed pair (classic, 25.5) has none, so these answer nothing on both.
NEEDS_CONSECUTIVE_RELEASES = {"lineage-links", "unlinked-processes", "version-links"}


@pytest.mark.parametrize("name", shipped.names())
def test_shipped_queries_answer_alike(name, remote_kg, embedded_twin):
    query = shipped.load(name)
    params = {"release": "25.5"} if any(p.name == "release" for p in query.parameters) else {}
    text = query.text(**params)
    remote = _rows(remote_kg.query(text))
    if name not in NEEDS_CONSECUTIVE_RELEASES:
        assert remote, f"{name} must return something on 25.5"
    assert remote == _rows(embedded_twin.query(text))


def test_flows_queries_diagram_map_and_diff_commands_through_the_backend(cli, pushed):
    server, _ = pushed
    for args in (
        ("flows", "--release", "25.5", "--process", "1.4.5", "--lang", "zh"),
        ("queries", "run", "upstream", "-p", "release=25.5", "--format", "csv"),
        ("diagram", "--process", "1.4.5", "--release", "25.5"),
        ("map", "--release", "25.5", "--root", "1.4"),
        ("diff", "classic", "25.5", "--format", "csv"),
    ):
        embedded = cli(*args).stdout
        assert cli(*args, "--backend", server.query_url).stdout == embedded
        assert len(embedded) > 200


def test_info_counts_the_same_and_says_where(cli, pushed, embedded_twin):
    server, _ = pushed
    info = json.loads(cli("info", "--format", "json", "--backend", server.query_url).stdout)
    assert info["backend"] == server.query_url and info["triples"] == len(embedded_twin)
    assert list(info["releases"]) == ["classic", "25.5"] and info["default_release"] == "25.5"
    embedded = json.loads(cli("info", "--format", "json").stdout)
    assert info["releases"]["25.5"] == embedded["releases"]["25.5"]
    assert f"in the SPARQL store at {server.query_url}" in cli("info", "--backend", server.query_url).stdout


def _report(cli, *args: str) -> dict:
    result = cli("validate", "--format", "json", *args, expect=None)
    report = json.loads(result.stdout)
    report.pop("seconds", None)
    return {"exit": result.exit_code, **report}


def test_validate_the_graph_a_store_holds(cli, pushed):
    """The remote graph, and an extension file with it: the same report as on the embedded store."""
    from tests.conftest import ROOT

    server, _ = pushed
    broken = str(ROOT / "tests" / "data" / "validate" / "etom-hier-002.ttl")
    for args in (("--release", "classic"), (broken, "--release", "25.5")):
        remote = _report(cli, *args, "--backend", server.query_url)
        assert remote == _report(cli, *args)
    assert remote["exit"] == 1 and {r["rule"] for r in remote["results"]} == {"identifier-taken"}  # read as an import
