"""Linked data, pages, downloads and the Graph Store Protocol, through Flask's test client."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pyoxigraph as ox
import pytest
from etomkg_server import create_app

from etomkg.iris import ONTOLOGY_IRI, natural_key
from etomkg.outputs.build import render_artefact
from etomkg.store import KnowledgeGraph

PROCESS = "/release/26.0/process/1.4.5"


def triples(data: bytes, fmt: ox.RdfFormat) -> set:
    return {(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)}


def test_process_iri_negotiates_html_turtle_and_jsonld(client, kg):
    iri = kg.iris.process("26.0", "1.4.5")
    expected = {(q.subject, q.predicate, q.object) for q in kg.store.quads_for_pattern(ox.NamedNode(iri), None, None)}
    html = client.get(PROCESS, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert html.headers["Content-Location"] == PROCESS + ".html" and html.headers["Vary"] == "Accept"
    turtle = client.get(PROCESS, headers={"Accept": "text/turtle;q=0.9, application/ld+json;q=0.5"})
    assert turtle.mimetype == "text/turtle" and turtle.headers["Content-Location"] == PROCESS + ".ttl"
    assert triples(turtle.data, ox.RdfFormat.TURTLE) == expected
    jsonld = client.get(PROCESS, headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json" and jsonld.headers["Content-Location"] == PROCESS + ".jsonld"
    assert triples(jsonld.data, ox.RdfFormat.JSON_LD) == expected
    assert "<" + PROCESS + '.ttl>; rel="alternate"; type="text/turtle"' in turtle.headers["Link"]
    assert client.get(PROCESS, headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize(
    "ext, fmt",
    [
        ("ttl", ox.RdfFormat.TURTLE),
        ("jsonld", ox.RdfFormat.JSON_LD),
        ("nt", ox.RdfFormat.N_TRIPLES),
        ("rdf", ox.RdfFormat.RDF_XML),
    ],
)
def test_extensions_pick_the_format_whatever_the_accept(client, kg, ext, fmt):
    response = client.get(f"{PROCESS}.{ext}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["Content-Location"] == f"{PROCESS}.{ext}"
    assert (
        ox.NamedNode(kg.iris.process("26.0", "1.4.5")),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#notation"),
        ox.Literal("1.4.5"),
    ) in triples(response.data, fmt)


def test_process_page_shows_names_hierarchy_and_versions(client):
    page = client.get(PROCESS + "?lang=en").text
    assert "Service Activation Management" in page and "业务激活管理" in page
    assert 'href="/release/26.0/process/1.4"' in page  # breadcrumb to the L1
    assert "L2" in page and "Fulfillment" in page  # level, vertical
    # The child list and the version table (the drawn map and flows above them link the same pages again).
    listed = page.split('<section class="children">', 1)[1].split("</section>", 1)[0]
    children = re.findall(r'href="/release/26\.0/process/(1\.4\.5\.\d+)"', listed)
    assert children == sorted(set(children), key=natural_key) and len(children) >= 9
    table = page.split('<section class="versions">', 1)[1].split("</section>", 1)[0]
    versions = re.findall(r'href="/release/([^/]+)/process/1\.4\.5"', table)
    assert versions == ["25.5", "25.0", "24.5", "24.0", "23.5", "23.0.1"]
    assert 'href="/release/classic/process/1.1.2.2"' in page  # the classic counterpart
    zh = client.get(PROCESS + "?lang=zh").text
    assert "子流程" in zh and 'lang="zh-Hans"' in zh


def test_children_of_an_l1_are_in_natural_order(client):
    page = client.get("/release/26.0/process/1.4").text
    section = page[page.index('class="children"') :]
    ids = re.findall(r'<span class="id">(1\.4\.\d+)</span>', section)
    assert ids == sorted(ids, key=natural_key) and "1.4.12" in ids and ids.index("1.4.2") < ids.index("1.4.12")


def test_latest_redirects_to_the_newest_release(client):
    response = client.get("/latest/process/1.4.5.ttl")
    assert response.status_code == 302 and response.headers["Location"].endswith("/release/26.0/process/1.4.5.ttl")
    assert client.get("/latest").headers["Location"].endswith("/release/26.0")


@pytest.mark.parametrize(
    "path",
    ["/release/25.5", "/vertical/current/fulfillment", "/level/2", "/framework", "/dataset", "/ontology", "/release/"],
)
def test_every_minted_kind_of_iri_dereferences(client, path):
    assert client.get(path).status_code == 200
    if path != "/release/":
        assert client.get(path + ".ttl").mimetype == "text/turtle"


def test_ontology_document_is_the_whole_ontology_graph(client, kg):
    response = client.get("/ontology.ttl")
    graph = {
        (q.subject, q.predicate, q.object)
        for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(ONTOLOGY_IRI))
    }
    assert triples(response.data, ox.RdfFormat.TURTLE) == graph
    assert 'id="ProcessElement"' in client.get("/ontology").text


def test_unknown_iri_is_404(client):
    response = client.get("/release/26.0/process/9.9.9")
    assert response.status_code == 404 and "9.9.9" in response.text


def test_download_has_etag_gzip_and_cache_headers(client, kg):
    path = "releases/classic/etom-classic.ttl"
    expected = render_artefact(kg, path)[0]
    plain = client.get(f"/downloads/{path}", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.data == expected and plain.mimetype == "text/turtle"
    etag = plain.headers["ETag"].strip('"')
    assert hashlib.sha256(expected).hexdigest().startswith(etag) and "max-age" in plain.headers["Cache-Control"]
    zipped = client.get(f"/downloads/{path}", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == expected
    assert zipped.headers["ETag"] != plain.headers["ETag"] and "Accept-Encoding" in zipped.headers["Vary"]
    again = client.get(f"/downloads/{path}", headers={"If-None-Match": plain.headers["ETag"], "Accept-Encoding": ""})
    assert again.status_code == 304 and not again.data
    listing = client.get("/downloads/").text
    assert "etom-26.0.jsonld" in listing and "etomkg.trig" in listing and "manifest.json" in listing
    assert client.get("/downloads/nope.ttl").status_code == 404


def test_graph_store_protocol_read_side(client, kg):
    graph = kg.iris.graph("classic")
    response = client.get("/store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200 and response.mimetype == "application/n-triples"
    expected = {
        (q.subject, q.predicate, q.object) for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    }
    assert triples(response.data, ox.RdfFormat.N_TRIPLES) == expected
    trig = client.get("/store", query_string={"graph": graph}, headers={"Accept": "application/trig"})
    assert {q.graph_name.value for q in ox.parse(trig.data, format=ox.RdfFormat.TRIG)} == {graph}
    assert client.get("/store", query_string={"graph": "http://example.org/x"}).status_code == 404
    assert client.get("/store").status_code == 400


@pytest.fixture(scope="module")
def small_kg(kg):
    """A separate store (ontology, framework, release 26.0) that tests may change."""
    store = ox.Store()
    store.extend(kg.quads([ONTOLOGY_IRI, kg.iris.framework_graph, kg.iris.graph("26.0")]))
    return KnowledgeGraph(store)


def test_admin_update_path_needs_the_bearer_token_and_flows_then_show(small_kg, tmp_path):
    app = create_app({"KG": small_kg, "UPDATE_TOKEN": "s3cret", "CACHE_DIR": str(tmp_path)})
    client = app.test_client()
    producer, consumer = small_kg.iris.process("26.0", "1.4.5"), small_kg.iris.process("26.0", "1.4.6")
    flow = small_kg.iris.flow("26.0", "test-flow")
    update = (
        f"INSERT DATA {{ GRAPH <{small_kg.iris.graph('26.0')}> {{ <{flow}> a etom:DataFlow ; "
        f"etom:producer <{producer}> ; etom:consumer <{consumer}> }} }}"
    )
    assert "flows" not in client.get(PROCESS).text.split("<main>")[1].split("class=")[0]
    assert client.post("/update", data={"update": update}).status_code == 401
    assert client.post("/update", data={"update": update}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    refused = client.post("/sparql", data={"update": update})
    assert refused.status_code == 403 and "/update" in refused.text
    load = client.post(
        "/update", data={"update": "LOAD <http://example.org/x>"}, headers={"Authorization": "Bearer s3cret"}
    )
    assert load.status_code == 400 and "LOAD is refused" in load.text
    done = client.post("/update", data={"update": update}, headers={"Authorization": "Bearer s3cret"})
    assert done.status_code == 204
    page = client.get(PROCESS + "?lang=en").text
    assert "Information flows out" in page and 'href="/release/26.0/process/1.4.6"' in page
    target = client.get("/release/26.0/process/1.4.6?lang=en").text
    assert "Information flows in" in target and 'href="/release/26.0/process/1.4.5"' in target


def test_health_reports_triples_after_update_too(small_kg, tmp_path):
    client = create_app({"KG": small_kg, "CACHE_DIR": str(tmp_path)}).test_client()
    assert client.get("/health").get_json()["triples"] == len(small_kg.store)
    assert json.loads(client.get("/health").data)["read_only"] is True
