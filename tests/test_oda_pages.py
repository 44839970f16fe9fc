"""ODA pages through the Flask client: the process page lists its components and APIs, a page per component and
per Open API, the map coloured by coverage, both languages; bad parameters give a clear 404."""

from __future__ import annotations

import pytest
from lxml import html


@pytest.fixture(scope="module")
def client(kg, tmp_path_factory):
    from etomkg_server import create_app

    return create_app({"KG": kg, "CACHE_DIR": str(tmp_path_factory.mktemp("oda-cache"))}).test_client()


def page(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return html.fromstring(response.get_data(as_text=True))


def test_process_page_lists_components_and_apis_carried_to_26_0(client):
    doc = page(client, "/release/26.0/process/1.4.5")
    rows = doc.xpath("//table[@class='oda-components']/tbody/tr")
    components = {r.xpath(".//a/span[@class='id']")[0].text for r in rows}
    assert {"TMFC003", "TMFC007", "TMFC009"} <= components
    assert all("carried along version links" in r.text_content() for r in rows)
    apis = [a.get("href") for a in doc.xpath("//ul[contains(@class, 'oda-apis')]//a")]
    assert "/oda/api/TMF641" in apis
    zh = page(client, "/release/26.0/process/1.4.5?lang=zh")
    assert "ODA 组件" in zh.text_content() and "业务订单管理" in zh.text_content()


def test_a_verticals_name_is_shown_once(client):
    doc = page(client, "/release/25.5/process/1.4.5")
    cell = next(tr for tr in doc.xpath("//table[@class='facts']/tr") if tr.xpath("th")[0].text == "Vertical groupings")
    assert cell.xpath("td")[0].text_content().strip() == "Fulfillment"


def test_component_page_draws_its_processes_on_the_map(client):
    doc = page(client, "/oda/component/TMFC005?release=24.0")
    assert doc.xpath("//h1")[0].text_content().strip() == "TMFC005 Product Inventory"
    ids = [td.text for td in doc.xpath("//section[@class='component-processes']//td[@class='id']")]
    assert ids == ["1.1.19", "1.1.19.2", "1.1.19.2.5", "1.1.19.2.7", "1.2.11"]
    style = doc.xpath("//figure[contains(@class, 'component-map')]//*[local-name()='style']")[0].text
    assert '.etom-map .em-box[data-id="1.2.11"] rect.em-frame{fill:' in style and '[data-id="1.4.5"]' not in style
    assert doc.xpath(
        "//figure[contains(@class, 'component-map')]//*[@data-id='1.2.11']"
    )  # the coloured box is on the map
    text = doc.text_content()
    assert "TMF637" in text and "Product_Domain" not in text and "Product Domain" in text
    assert "Events published" in text and "SID ABEs owned" in text
    zh = page(client, "/oda/component/TMFC005?lang=zh")
    assert zh.xpath("//h1")[0].text_content().strip() == "TMFC005 产品实例库存"


def test_api_page_and_components_index(client):
    doc = page(client, "/oda/api/TMF641")
    exposed = [a.text_content() for a in doc.xpath("//section[@class='api-components']")[0].xpath(".//a")]
    assert any("TMFC007" in a for a in exposed)
    assert "1.4.5" in [s.text for s in doc.xpath("//section[@class='api-processes']//span[@class='id']")]
    index = page(client, "/components")
    assert len(index.xpath("//table[@class='components']/tbody/tr")) == 35


def test_map_coloured_by_coverage_in_both_languages(client):
    for lang in ("en", "zh"):
        doc = page(client, f"/map?colour=coverage&lang={lang}&release=25.5")
        style = doc.xpath("//*[local-name()='style']")[0].text
        assert '.em-box[data-id="1.2.11"] rect.em-frame{fill:#cdebd3}' in style  # TMFC005 is production
        assert ".etom-map .em-box rect.em-frame{fill:#f3f3f3}" in style  # no component
        assert doc.xpath("//p[@class='coverage-legend']")
    plain = page(client, "/map?release=25.5")
    assert "#cdebd3" not in plain.xpath("//*[local-name()='style']")[0].text


def test_bad_parameters_are_clear_404s(client):
    doc = page(client, "/oda/component/TMFC005?release=21.5", 404)
    assert "unknown release '21.5'" in doc.text_content()
    page(client, "/oda/component/TMFC999", 404)
