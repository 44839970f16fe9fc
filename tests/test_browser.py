"""End to end in a real browser: Debian's Chromium, headless, driven by Playwright against the live server.

Chromium comes from ``tools/system-deps.sh`` (never ``playwright install``). Screenshots land in
``test-output/``; ``make screenshots`` refreshes the ones committed under ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api  # from the test extras: pip install -e '.[test]'

from etomkg.outputs.diff import release_diff
from tests.conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output"
CHROMIUM = os.environ.get("ETOMKG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = load_tool("chromium").CHROMIUM_ARGS

# Every box of the map drawn on the page: its frame, and the bounding boxes of its texts.
BOXES_JS = """() => [...document.querySelectorAll('svg.etom-map a.em-box')].map(a => {
  const frame = a.querySelector('rect').getBoundingClientRect();
  const texts = [...a.querySelectorAll('text')].map(t => { const r = t.getBoundingClientRect();
    return {x: r.x, y: r.y, w: r.width, h: r.height, text: t.textContent}; });
  return {id: a.dataset.id, x: frame.x, y: frame.y, w: frame.width, h: frame.height, texts,
          label: [...a.querySelectorAll('text.em-name')].map(t => t.textContent).join('')};
})"""


def overlaps(a: dict, b: dict, tolerance: float = 0.5) -> bool:
    return not (
        a["x"] + a["w"] <= b["x"] + tolerance
        or b["x"] + b["w"] <= a["x"] + tolerance
        or a["y"] + a["h"] <= b["y"] + tolerance
        or b["y"] + b["h"] <= a["y"] + tolerance
    )


def assert_clean_layout(boxes: list[dict]) -> None:
    """No two boxes overlap; every text is inside its box; no two texts of a box overlap."""
    ordered = sorted(boxes, key=lambda b: b["y"])
    for i, box in enumerate(ordered):
        for other in ordered[i + 1 :]:
            if other["y"] >= box["y"] + box["h"]:
                break
            assert not overlaps(box, other), (box["id"], other["id"])
        for text in box["texts"]:
            assert box["x"] - 0.5 <= text["x"] and text["x"] + text["w"] <= box["x"] + box["w"] + 0.5, (
                box["id"],
                text["text"],
            )
            assert box["y"] - 0.5 <= text["y"] and text["y"] + text["h"] <= box["y"] + box["h"] + 0.5, box["id"]
        for a, b in zip(box["texts"], box["texts"][1:], strict=False):
            assert not overlaps(a, b, tolerance=1.0), (box["id"], a["text"], b["text"])


@pytest.fixture(scope="module")
def live_server(app):
    """The real app over real HTTP on a loopback port, in a thread of this process (shares the session app)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash tools/system-deps.sh` (installs Debian's chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=full_page)


def test_map_draws_every_l2_without_overlap_and_switches_language_and_view(page, live_server, kg):
    l2 = kg.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:level 2 }", release="26.0")
    page.goto(f"{live_server}/map")
    assert page.locator("h1").inner_text().startswith("The eTOM map")
    boxes = page.evaluate(BOXES_JS)
    assert len(boxes) == int(l2[0]["n"]) == 120
    assert_clean_layout(boxes)
    crm = next(b for b in boxes if b["id"] == "1.3.4")
    assert crm["label"] == "Customer Relationship Management"
    assert crm["w"] > 2.5 * min(b["w"] for b in boxes)  # spans Fulfillment, Assurance and Billing
    shot(page, "map-26.0-domains-en")

    page.locator("label", has_text="中文").click()  # applies at once (JavaScript), no button needed
    page.wait_for_url("**lang=zh**")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text().startswith("eTOM 框架图")
    page.locator("label", has_text="经典").click()
    page.wait_for_url("**view=classic**")
    headers = page.locator("svg.etom-map a.em-link text.em-head").evaluate_all("ts => ts.map(t => t.textContent)")
    assert "运营过程" in headers and "战略、基础设施和产品过程" in headers
    boxes = page.evaluate(BOXES_JS)
    assert len(boxes) == 120 and next(b for b in boxes if b["id"] == "1.3.4")["label"] == "客户关系管理"
    assert_clean_layout(boxes)
    shot(page, "map-26.0-classic-zh")

    page.goto(f"{live_server}/map?release=classic&view=classic")
    boxes = page.evaluate(BOXES_JS)
    assert_clean_layout(boxes)
    rows = page.locator("svg.etom-map g.em-row").evaluate_all("gs => gs.map(g => g.dataset.row)")
    assert rows == ["market-product-customer", "service", "resource", "supplier-partner", "1.3"]
    shot(page, "map-classic-classic-en")


def test_click_through_l2_to_l3_to_l4(page, live_server, kg):
    children = kg.select(
        'SELECT ?id WHERE { ?p etom:parent/skos:notation "1.3.4" ; skos:notation ?id }', release="26.0"
    )
    page.goto(f"{live_server}/map")
    page.locator('svg.etom-map a.em-box[data-id="1.3.4"]').click()
    page.wait_for_url("**/release/26.0/process/1.3.4")
    assert "Customer Relationship Management" in page.locator("h1").inner_text()
    drawn = page.locator("section.process-map svg.etom-map a.em-box")
    assert sorted(drawn.evaluate_all("as => as.map(a => a.dataset.id)")) == sorted(r["id"] for r in children)
    assert_clean_layout(page.evaluate(BOXES_JS))
    shot(page, "process-1.3.4", full_page=True)
    page.locator('section.process-map a.em-box[data-id="1.3.4.2"]').click()
    page.wait_for_url("**/release/26.0/process/1.3.4.2")
    assert page.locator("h1").inner_text().startswith("1.3.4.2")
    l4 = page.locator("section.process-map a.em-box").evaluate_all("as => as.map(a => a.dataset.level)")
    assert l4 and set(l4) == {"4"}


def test_search_by_chinese_words_as_you_type_and_without_javascript(page, live_server, browser, kg):
    page.goto(f"{live_server}/search")
    page.locator("#q").fill("客户关系")
    first = page.locator(".suggestions li").first
    first.wait_for()
    assert "1.3.4" in first.inner_text() and "Customer Relationship Management" in first.inner_text()
    assert first.locator("a").get_attribute("href").endswith("/release/26.0/process/1.3.4")
    shot(page, "search-suggestions-zh")
    page.locator("#q").press("Enter")  # no suggestion chosen: the form submits
    page.wait_for_url("**/search?q=**")
    hits = page.locator("ol.results li.hit")
    assert hits.first.get_attribute("data-id") == "1.3.4"
    assert all("客户关系" in text for text in page.locator("ol.results li.hit .other").all_inner_texts()[:5])

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    try:
        plain = context.new_page()
        plain.goto(f"{live_server}/search?q=%E5%BC%80%E9%80%9A&lang=zh")  # 开通
        assert plain.locator("ol.results li.hit").count() > 0
        assert "开通" in plain.locator("ol.results li.hit").first.inner_text()
        plain.goto(f"{live_server}/map?release=25.5&view=classic")
        l2 = kg.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p a etom:ProcessElement ; etom:level 2 }", release="25.5")
        assert plain.locator("svg.etom-map a.em-box").count() == int(l2[0]["n"])
        plain.locator("button", has_text="Show").wait_for()  # the controls still work, by a button
    finally:
        context.close()


def test_flow_page_draws_its_steps_in_order_across_layers(page, live_server, kg):
    flows = kg.select("SELECT ?key WHERE { ?e a etom:EndToEndFlow ; skos:notation ?key }", release="26.0")
    assert any(r["key"] == "order-to-payment" for r in flows)
    key = "order-to-payment"
    steps = kg.select(
        f'SELECT ?n ?id WHERE {{ ?e a etom:EndToEndFlow ; skos:notation "{key}" ; etom:step ?s . '
        "?s etom:stepNumber ?n ; etom:stepProcess/skos:notation ?id } ORDER BY ?n",
        release="26.0",
    )
    page.goto(f"{live_server}/flows?release=26.0")
    page.locator(f'a[href*="/flows/26.0/{key}"]').click()
    page.wait_for_url(f"**/flows/26.0/{key}")
    drawn = page.locator("figure.flow-diagram svg a.node-link g.node").evaluate_all(
        "gs => gs.map(g => { const r = g.getBoundingClientRect(); "
        "return {id: g.dataset.id, step: +g.dataset.step, x: r.x, y: r.y, w: r.width, h: r.height}; })"
    )
    drawn.sort(key=lambda d: d["step"])
    assert [(d["step"], d["id"]) for d in drawn] == [(int(s["n"]), s["id"]) for s in steps]
    assert len({round(d["y"]) for d in drawn}) > 1  # across more than one layer
    for a, b in zip(drawn, drawn[1:], strict=False):
        assert not overlaps(a, b)
    assert page.locator("ol.flow-steps li").count() == len(steps)
    shot(page, f"flow-{key}", full_page=True)
    page.locator('figure.flow-diagram a.node-link:has(g[data-step="1"])').click()  # a step opens its process
    page.wait_for_url(f"**/release/26.0/process/{steps[0]['id']}")


def test_compare_links_both_versions_of_each_change(page, live_server, kg):
    diff = release_diff(kg, "25.0", "25.5")
    page.goto(f"{live_server}/compare?old=25.0&new=25.5")
    counts = dict(
        zip(
            page.locator("table.counts th").all_inner_texts(),
            [int(n) for n in page.locator("table.counts td").all_inner_texts()],
            strict=True,
        )
    )
    assert counts["Renumbered"] == len(diff.of("renumbered")) > 0
    row = page.locator("#renumbered table.changes tbody tr").first
    old_link, new_link = row.locator("a").nth(0), row.locator("a").nth(1)
    assert "/release/25.0/process/" in old_link.get_attribute("href")
    assert "/release/25.5/process/" in new_link.get_attribute("href")
    shot(page, "compare-25.0-25.5")
    new_link.click()
    page.wait_for_url("**/release/25.5/process/**")
    assert page.locator("h1").count() == 1


def test_phone_shows_the_list_and_nothing_overflows(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto(f"{live_server}/map?lang=zh")
        assert not phone.locator("figure.map-figure").is_visible()
        assert phone.locator("#map-list").is_visible()
        assert phone.locator("#map-list li").count() == 120
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        shot(phone, "phone-map-zh")
    finally:
        context.close()


def test_pages_work_under_the_content_security_policy(page, live_server):
    """YASGUI runs a query, the map draws, search suggests: with the CSP on, and not one violation reported."""
    reports: list[str] = []
    page.on("console", lambda message: reports.append(message.text))
    page.on("pageerror", lambda error: reports.append(f"page error: {error}"))
    response = page.goto(f"{live_server}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".yasqe .CodeMirror").first.wait_for()
    page.locator(".yasqe_queryButton").first.click()
    page.locator(".yasr .dataTable, .yasr table").first.wait_for()  # the results of the first example
    page.goto(f"{live_server}/map?release=26.0")
    assert page.locator("svg.etom-map a.em-box").count() > 10
    page.goto(f"{live_server}/search")
    page.locator("#q").fill("billing")
    page.locator(".suggestions li").first.wait_for()
    violations = [text for text in reports if "Content Security Policy" in text or "page error" in text]
    assert violations == []


def test_component_page_and_coverage_map_in_the_browser(page, live_server):
    page.goto(f"{live_server}/release/26.0/process/1.4.5")
    page.locator("table.oda-components a", has_text="TMFC007").first.click()
    page.wait_for_url("**/oda/component/TMFC007")
    assert page.locator("h1").inner_text().startswith("TMFC007")
    fill = page.locator("figure.component-map a.em-box[data-id='1.4.5'] rect.em-frame").evaluate(
        "r => getComputedStyle(r).fill"
    )
    assert fill == "rgb(205, 235, 211)"  # drawn as one of its processes
    shot(page, "oda-component-TMFC007")
    page.goto(f"{live_server}/map?colour=coverage&lang=zh")
    fills = page.locator("svg.etom-map a.em-box rect.em-frame").evaluate_all(
        "rs => rs.map(r => getComputedStyle(r).fill)"
    )
    assert "rgb(205, 235, 211)" in fills and "rgb(243, 243, 243)" in fills
