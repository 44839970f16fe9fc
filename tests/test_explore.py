"""The map, search, comparison and flow pages over HTTP (no browser): content, formats, errors, no network."""

from __future__ import annotations

import re

from lxml import etree, html

from etomkg.outputs.diff import release_diff


def page(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return response, html.fromstring(response.data)


def test_home_and_process_pages_link_to_the_map(client):
    _, doc = page(client, "/")
    assert doc.xpath('//header//a[starts-with(@href, "/map")]')
    assert doc.xpath('//form[@role="search"]//input[@name="q"]')
    _, doc = page(client, "/release/26.0/process/1.3.4")
    boxes = doc.xpath('//section[contains(@class, "process-map")]//*[local-name()="a"][contains(@class, "em-box")]')
    assert {b.get("data-id") for b in boxes} == {"1.3.4.1", "1.3.4.2", "1.3.4.3", "1.3.4.4", "1.3.4.5"}
    assert doc.xpath('//a[starts-with(@href, "/map?") and contains(@href, "root=1.3.4")]')


def test_map_page_is_server_rendered_with_a_list_and_no_external_assets(client):
    response, doc = page(client, "/map?release=24.0&view=classic&lang=zh")
    assert b'data-release="24.0" data-view="classic" data-lang="zh"' in response.data
    items = doc.xpath('//section[@id="map-list"]//li')
    assert len(items) == len(re.findall(rb'class="em-box', response.data)) > 100
    assert "客户关系管理" in response.get_data(as_text=True)
    for ref in doc.xpath("//script/@src | //link/@href | //img/@src"):
        assert not re.match(r"(https?:)?//", ref), ref  # every asset ships with the package
    static = client.get("/static/search.js")
    assert static.status_code == 200 and b"fetch(" in static.data


def test_map_svg_download_is_standalone_and_deterministic(client):
    first = client.get("/map.svg?release=classic&view=classic&lang=en")
    assert (
        first.mimetype == "image/svg+xml"
        and 'filename="etom-classic-classic-en.svg"' in first.headers["Content-Disposition"]
    )
    root = etree.fromstring(first.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and b"TM Forum" in first.data
    assert client.get("/map.svg?release=classic&view=classic&lang=en").data == first.data


def test_map_errors_say_what_is_wrong(client):
    response, doc = page(client, "/map?release=99", 404)
    assert "unknown release '99'" in doc.text_content() and "26.0" in doc.text_content()
    response, doc = page(client, "/map?root=1.3.99", 404)
    assert "no process '1.3.99' in release 26.0" in doc.text_content()
    page(client, "/map?view=poster", 404)


def test_search_page_and_json(client):
    _, doc = page(client, "/search?q=1.4.5")
    hits = doc.xpath('//ol[@class="results"]/li')
    assert hits[0].get("data-id") == "1.4.5" and "Service Activation Management" in hits[0].text_content()
    links = hits[0].xpath('.//div[@class="hit-meta"]/a/@href')  # every release with this name, newest first
    assert links == [f"/release/{r}/process/1.4.5" for r in ("26.0", "25.5", "25.0", "24.5", "24.0")]
    assert hits[1].get("data-id") == "1.4.5" and "Service Configuration & Activation" in hits[1].text_content()
    data = client.get("/search.json?q=%E5%BC%80%E9%80%9A&lang=zh").get_json()  # 开通
    assert data["total"] > 0 and all("开通" in hit["name"]["zh"] for hit in data["hits"])
    assert data["hits"][0]["href"].endswith("?lang=zh") and data["hits"][0]["label"] == data["hits"][0]["name"]["zh"]
    assert client.get("/search.json?q=x&release=77").status_code == 404
    _, doc = page(client, "/search?q=%E6%BF%80%E6%B4%BB&lang=zh")  # 激活: marked in the Chinese names
    assert doc.xpath('//ol[@class="results"]/li[1]//a[@class="hit-title"]/mark/text()') == ["激活"]
    _, doc = page(client, "/search?q=%3Cscript%3Eactiv")  # the query is escaped, never markup
    assert not doc.xpath("//main//script")
    _, doc = page(client, "/search?q=zzzzqq")
    assert doc.xpath('//p[@class="no-results"]')


def test_compare_page_matches_the_library_diff_and_links_both_versions(client, kg):
    diff = release_diff(kg, "25.0", "25.5")
    _, doc = page(client, "/compare?old=25.0&new=25.5")
    for kind, count in diff.counts().items():
        cell = doc.xpath(f'//table[@class="counts"]//a[@href="#{kind}"]/ancestor::tr/td')
        assert int(cell[0].text_content()) == count
    renamed = diff.of("renamed")[0]
    row = doc.xpath(f'//section[@id="renamed"]//a[@href="/release/25.5/process/{renamed.new_id}"]/ancestor::tr')[0]
    assert row.xpath(f'.//a[@href="/release/25.0/process/{renamed.old_id}"]')
    assert client.get("/compare?old=26.0&new=25.5").status_code == 302  # put in order
    page(client, "/compare?old=classic&new=26.0", 404)


def test_compare_is_computed_once_per_release_pair(client):
    from etomkg_server.explore import _diff

    page(client, "/compare?old=24.0&new=24.5")
    before = _diff.cache_info()
    english, _ = page(client, "/compare?old=24.0&new=24.5")
    chinese, _ = page(client, "/compare?old=24.0&new=24.5&lang=zh")
    after = _diff.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (2, 0)
    assert english.data != chinese.data  # the page is still rendered per language, from the one diff


def test_flow_pages(client, kg):
    keys = kg.select("SELECT ?key WHERE { ?e a etom:EndToEndFlow ; skos:notation ?key }", release="26.0")
    _, doc = page(client, "/flows?release=26.0")
    listed = doc.xpath('//ul[@class="flow-index"]/li/a/@href')
    assert sorted(listed) == sorted(f"/flows/26.0/{r['key']}" for r in keys) and len(keys) >= 6
    _, doc = page(client, listed[0])
    nodes = doc.xpath('//figure[@class="flow-diagram"]//*[local-name()="a"][@class="node-link"]')
    assert nodes and all(n.get("href").startswith("/release/26.0/process/") for n in nodes)
    _, doc = page(client, "/release/26.0/process/1.4.5?lang=zh")  # its data flows, drawn, each box a link
    flows = doc.xpath('//section[@class="flow-diagram"]//*[local-name()="a"][@class="node-link"]/@href')
    assert "/release/26.0/process/1.4.5?lang=zh" in flows and len(flows) > 2
    _, doc = page(client, "/flows/26.0/no-such-flow", 404)
    assert "no end-to-end flow 'no-such-flow'" in doc.text_content()
