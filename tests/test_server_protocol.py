"""The SPARQL 1.1 Protocol, negotiation, limits and errors, through Flask's test client."""

from __future__ import annotations

import csv
import io
import json
import logging
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from etomkg_server import create_app
from markupsafe import escape

from etomkg.formats import FORMATS, RESULT_FORMATS

LOOKUP = 'SELECT ?p ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name } ORDER BY ?p ?name'
SELECT_JSON = "application/sparql-results+json"


def get(client, query: str, accept: str | None = None, **params):
    headers = {"Accept": accept} if accept is not None else {}
    url = "/sparql?query=" + quote(query) + "".join(f"&{k.replace('_', '-')}={quote(v)}" for k, v in params.items())
    return client.get(url, headers=headers)


def solutions(response, fmt="json") -> list[dict[str, str]]:
    if fmt == "csv":  # lossy by design (no language tags, no datatypes): pyoxigraph will not parse it
        rows = csv.DictReader(io.StringIO(response.data.decode("utf-8"), newline=""))
        return [{k: v for k, v in row.items() if v != ""} for row in rows]
    parsed = ox.parse_query_results(response.data, format=RESULT_FORMATS[fmt].oxigraph)
    names = [v.value for v in parsed.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in parsed]


def test_select_over_get_in_json_by_default(client, kg):
    for accept in (None, "*/*", ""):
        response = get(client, LOOKUP, accept)
        assert response.status_code == 200 and response.mimetype == SELECT_JSON
        assert solutions(response) == kg.select(LOOKUP)
    assert response.headers["Access-Control-Allow-Origin"] == "*" and "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_every_result_format_parses_back_to_the_same_rows(client, kg, fmt):
    info = RESULT_FORMATS[fmt]
    response = get(client, LOOKUP, info.media_type)
    assert response.status_code == 200 and response.mimetype == info.media_type
    rows = solutions(response, fmt)
    if fmt == "csv":  # CSV drops language tags and datatypes, not values
        assert rows == kg.select(LOOKUP)
    else:
        assert rows == kg.select(LOOKUP) and len(rows) == 14


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/*, application/sparql-results+json;q=0.2", "text/csv"),
        ("application/*;q=0.8, application/sparql-results+json;q=0", "application/sparql-results+xml"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),  # a browser
        ("application/json", "application/json"),
        ("text/tab-separated-values; charset=utf-8", "text/tab-separated-values"),
    ],
)
def test_accept_with_q_values_wildcards_and_lists(client, accept, expected):
    response = get(client, "ASK { ?s ?p ?o }", accept)
    assert response.status_code == 200 and response.mimetype == expected


def test_unacceptable_accept_is_406_listing_the_choices(client):
    response = get(client, "ASK {}", "image/png")
    assert response.status_code == 406 and "application/sparql-results+json" in response.text


def test_format_parameter_overrides_accept(client):
    response = get(client, "ASK {}", "application/sparql-results+json", format="csv")
    assert response.mimetype == "text/csv" and response.data.strip() == b"true"


def test_post_form_and_direct_post_with_charset(client, kg):
    form = client.post("/sparql", data={"query": LOOKUP}, headers={"Accept": SELECT_JSON})
    assert form.status_code == 200 and solutions(form) == kg.select(LOOKUP)
    direct = client.post(
        "/sparql", data=LOOKUP.encode(), headers={"Content-Type": "application/sparql-query; charset=utf-8"}
    )
    assert solutions(direct) == kg.select(LOOKUP)
    latin = client.post(
        "/sparql",
        data='SELECT ("café" AS ?x) {}'.encode("latin-1"),
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
    )
    assert latin.status_code == 415 and "UTF-8" in latin.text  # the protocol allows UTF-8 only
    chinese = client.post("/sparql", data={"query": 'SELECT ("业务激活管理" AS ?x) {}'})
    assert solutions(chinese) == [{"x": "业务激活管理"}]


@pytest.mark.parametrize(
    "content_type, status",
    [("text/plain", 415), ("application/json", 415), ("application/sparql-query; charset=klingon", 415)],
)
def test_wrong_content_type_is_415(client, content_type, status):
    response = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": content_type})
    assert response.status_code == status and "etomkg:" in response.text


def test_malformed_query_is_400_with_line_and_column(client):
    response = get(client, "SELECT ?x WHERE {\n  ?x ?y \n}")
    assert response.status_code == 400
    assert "malformed query at line 3, column 2: expected" in response.text


@pytest.mark.parametrize(
    "url, message",
    [
        ("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", "2 'query' parameters"),
        ("/sparql?query=", "empty"),
        ("/sparql?query=%20%20", "empty"),
    ],
)
def test_protocol_errors(client, url, message):
    response = client.get(url)
    assert response.status_code == 400 and message in response.text


def test_post_without_query_is_400(client):
    response = client.post("/sparql", data={"default-graph-uri": "x"})
    assert response.status_code == 400 and "no 'query'" in response.text


def test_updates_are_refused_and_change_nothing(client, kg):
    before = len(kg.store)
    insert = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    form = client.post("/sparql", data={"update": insert})
    direct = client.post("/sparql", data=insert, headers={"Content-Type": "application/sparql-update"})
    admin = client.post("/update", data={"update": insert})
    for response in (form, direct, admin):
        assert response.status_code == 403 and "read-only" in response.text or "disabled" in response.text
    assert len(kg.store) == before


def test_service_is_refused_before_any_remote_call(client):
    for query in (
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ):
        response = get(client, query)
        assert response.status_code == 400 and "SERVICE is refused" in response.text, query
    harmless = get(client, 'SELECT ?service WHERE { BIND("SERVICE" AS ?service) } # SERVICE')
    assert harmless.status_code == 200


def test_dataset_from_protocol_parameters_and_from(client, kg):
    graph = kg.iris.graph("25.5")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_graph = kg.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
    assert solutions(get(client, count, default_graph_uri=graph)) == [{"n": in_graph}]
    assert solutions(get(client, count.replace("WHERE", f"FROM <{graph}> WHERE"))) == [{"n": in_graph}]
    assert solutions(get(client, count)) == [{"n": str(len(kg.store))}]  # the default graph: the union
    named = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert solutions(get(client, named, named_graph_uri=graph)) == [{"g": graph}]
    for response in (
        get(client, count, default_graph_uri="http://example.org/remote"),
        get(client, "SELECT * FROM <http://example.org/remote> WHERE { ?s ?p ?o }"),
    ):
        assert response.status_code == 400 and "never fetches remote data" in response.text


def test_predeclared_prefixes_and_sort_key_however_a_query_spells_them(client, kg):
    """The endpoint gives a query only the prefixes and functions its text can use: every spelling still works,
    and the same text sent again (answered from the per-text caches) gets the same answer."""
    ordered = 'SELECT DISTINCT ?id WHERE { ?p skos:notation ?id FILTER(STRSTARTS(?id, "1.3.1.2.")) } ORDER BY etom:sortKey(?id)'
    expected = kg.select(ordered)
    ids = [row["id"] for row in expected]
    assert ids.index("1.3.1.2.9") < ids.index("1.3.1.2.10")  # the natural order: the function really ran
    by_iri = ordered.replace("etom:sortKey", "<https://w3id.org/etomkg/ontology#sortKey>")
    escaped = by_iri.replace("sortKey", "s\\u006frtKey")  # an IRI may spell the name with a code-point escape
    for query in (ordered, by_iri, escaped, ordered):
        response = client.post("/sparql", data={"query": query}, headers={"Accept": SELECT_JSON})
        assert response.status_code == 200, response.text
        assert solutions(response) == expected, query
    twice = client.post("/sparql", data={"query": [LOOKUP, LOOKUP]})  # a cached form is the caller's own copy
    assert twice.status_code == 400 and "2 'query' parameters" in twice.text
    assert solutions(get(client, LOOKUP)) == kg.select(LOOKUP)


@pytest.mark.parametrize("name", ["turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads"])
def test_construct_in_every_rdf_format_parses_back(client, kg, name):
    query = (
        "CONSTRUCT { ?p skos:prefLabel ?name ; etom:level ?l } WHERE { ?p etom:parent "
        f"<{kg.iris.process('25.5', '1.4')}> ; skos:prefLabel ?name ; etom:level ?l }}"
    )
    info = FORMATS[name]
    response = get(client, query, info.media_type)
    assert response.status_code == 200 and response.mimetype == info.media_type
    got = {(q.subject, q.predicate, q.object) for q in ox.parse(response.data, format=info.oxigraph)}
    expected = {(t.subject, t.predicate, t.object) for t in kg.query(query)}
    assert got == expected and len(got) > 20


def test_describe_defaults_to_turtle(client, kg):
    response = get(client, f"DESCRIBE <{kg.iris.process('26.0', '1.4.5')}>", "*/*")
    assert response.mimetype == "text/turtle" and b"1.4.5" in response.data


def test_service_description_on_get_without_query(client, kg):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    sd = "http://www.w3.org/ns/sparql-service-description#"
    quads = list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    endpoints = [q.object.value for q in quads if q.predicate.value == sd + "endpoint"]
    assert endpoints == ["http://localhost/sparql"]
    names = {q.object.value for q in quads if q.predicate.value == sd + "name"}
    assert kg.iris.graph("25.5") in names and len(names) == 11
    assert any(q.object.value == sd + "UnionDefaultGraph" for q in quads)
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and json.loads(jsonld.data)
    assert client.get("/sparql", headers={"Accept": "text/html"}).status_code == 303


def test_cors_preflight(client):
    response = client.options(
        "/sparql", headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_row_byte_and_body_limits(kg, tmp_path):
    small = create_app(
        {"KG": kg, "MAX_ROWS": 5, "MAX_RESULT_BYTES": 4000, "MAX_BODY_BYTES": 200, "CACHE_DIR": str(tmp_path)}
    )
    client = small.test_client()
    many = f"SELECT ?p WHERE {{ ?p etom:level 1 ; etom:release <{kg.iris.graph('26.0')}> }}"
    for fmt in ("json", "xml", "csv", "tsv"):
        response = get(client, many, RESULT_FORMATS[fmt].media_type)
        assert response.status_code == 422 and "more than the limit of 5 rows" in response.text, fmt
    few = get(client, many + " LIMIT 5", "text/csv")
    assert few.status_code == 200 and len(solutions(few, "csv")) == 5
    big = get(client, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 500", "text/turtle")
    assert big.status_code == 422 and "4000 bytes" in big.text
    body = client.post("/sparql", data={"query": "ASK {} #" + "x" * 300})
    assert body.status_code == 413 and "limit" in body.text


def test_health(client, kg):
    health = client.get("/health").get_json()
    assert health["status"] == "ok" and health["triples"] == len(kg.store)
    assert health["releases"][-1] == "26.0" and health["default_release"] == "26.0" and health["version"]


def test_access_log_line_has_status_duration_and_query_hash(client, caplog):
    from etomkg_server.executor import query_hash

    with caplog.at_level(logging.INFO, logger="etomkg.access"):
        get(client, "ASK { ?s ?p ?o }").close()  # the line is written once the body is sent (WSGI close)
        client.get("/sparql?query=").close()
    lines = [r.getMessage() for r in caplog.records if r.name == "etomkg.access"]
    assert '"GET /sparql" 200' in lines[0] and f"q={query_hash('ASK { ?s ?p ?o }')}" in lines[0]
    assert "ms " in lines[0] and '"GET /sparql" 400' in lines[1]


def test_query_page_has_yasgui_and_every_example(client):
    from etomkg.queries import catalogue

    page = client.get("/").text
    assert "/static/vendor/yasgui/yasgui.min.js" in page and "cdn" not in page.lower()
    for example in catalogue("en"):
        assert str(escape(example["title"])) in page  # as Jinja escapes it
    zh = client.get("/?lang=zh").text
    assert all(str(escape(example["title"])) in zh for example in catalogue("zh"))
    assert client.get("/static/vendor/yasgui/yasgui.min.js").status_code == 200


def test_example_queries_all_run_on_the_endpoint(client, kg):
    from etomkg.queries import catalogue

    for example in catalogue("en"):
        response = client.post("/sparql", data={"query": example["text"]})
        assert response.status_code == 200, (example["name"], response.text)
        assert solutions(response) == kg.select(example["text"]), example["name"]
