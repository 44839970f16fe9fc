"""Chinese names of the SID domains and ABEs and of the Functional Framework functions the bundled components
cite: the edited tables (etomkg's own translations), the labels in the ODA graph, the component page and
`etomkg components --component` in Chinese."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import html

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "etomkg" / "data" / "reference" / "oda"
LABELS = ROOT / "etomkg" / "data" / "content" / "oda"
ODA_GRAPH = "https://w3id.org/etomkg/oda"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _labels(kg, kinds: str) -> list[dict[str, str]]:
    """Every pref/alt label of the ODA graph's nodes of the given classes."""
    return kg.select(
        f"SELECT ?x ?p ?label (lang(?label) AS ?lang) WHERE {{ GRAPH <{ODA_GRAPH}> {{ VALUES ?kind {{ {kinds} }} "
        "?x a ?kind ; ?p ?label VALUES ?p { skos:prefLabel skos:altLabel } } }"
    )


@pytest.mark.parametrize(
    "kinds, expected",
    [
        ("etom:SidAbe", len({(r["sid_domain"], r["abe_token"]) for r in _csv(REFERENCE / "component_sid.csv")})),
        ("etom:SidDomain", len({r["sid_domain"] for r in _csv(REFERENCE / "component_sid.csv")})),
        ("etom:FrameworkFunction", len({r["function_id"] for r in _csv(REFERENCE / "component_ff.csv")})),
    ],
)
def test_every_abe_domain_and_function_has_one_english_and_one_chinese_name(kg, kinds, expected):
    rows = _labels(kg, kinds)
    pref = Counter((r["x"], r["lang"]) for r in rows if r["p"].endswith("prefLabel"))
    nodes = {r["x"] for r in rows}
    assert len(nodes) == expected > 0
    assert all(pref[(node, "en")] == 1 and pref[(node, "zh")] == 1 for node in nodes)
    assert all(CJK.search(r["label"]) for r in rows if r["lang"] == "zh")
    # a function cited under another name keeps it as altLabel, in Chinese too where that differs from the pref
    pref_of = {(r["x"], r["lang"]): r["label"] for r in rows if r["p"].endswith("prefLabel")}
    alt = [(r["x"], r["lang"], r["label"]) for r in rows if r["p"].endswith("altLabel")]
    assert all(label != pref_of[(node, lang)] for node, lang, label in alt)
    assert {node for node, lang, _ in alt if lang == "zh"} <= {node for node, lang, _ in alt if lang == "en"}


@pytest.mark.parametrize(
    "table, kinds",
    [("sid-names-zh.csv", "etom:SidAbe etom:SidDomain"), ("function-names-zh.csv", "etom:FrameworkFunction")],
)
def test_the_translation_table_names_exactly_the_names_in_use(kg, table, kinds):
    rows = _csv(LABELS / table)
    english = [r["name_en"] for r in rows]
    assert list(rows[0]) == ["name_en", "name_zh"] and english == sorted(set(english))
    in_use = {r["label"] for r in _labels(kg, kinds) if r["lang"] == "en"}
    assert set(english) - in_use == set(), "rows whose English name no ABE or function has"
    assert in_use - set(english) == set(), "names without a Chinese row"
    graph_zh = {(r["x"], r["label"]) for r in _labels(kg, kinds) if r["lang"] == "zh"}
    assert {zh for _, zh in graph_zh} == {r["name_zh"] for r in rows}
    for row in rows:
        assert CJK.search(row["name_zh"]), row
        # acronyms (ABE, SLA, PKI …) and numbers stay as they are
        for kept in re.findall(r"\b(?:[A-Z]{2,}|\d+)\b", row["name_en"]):
            assert kept in row["name_zh"], (row, kept)


def test_the_translations_are_marked_as_etomkgs_own(kg):
    rights = {
        r["lang"]: r["text"]
        for r in kg.select(f"SELECT ?text (lang(?text) AS ?lang) WHERE {{ <{ODA_GRAPH}> dcterms:rights ?text }}")
    }
    assert "SID domains and ABEs, Functional Framework functions) are the etomkg project's own" in rights["en"]
    assert "SID 域和 ABE、功能框架功能）由 etomkg 项目自行翻译" in rights["zh"]


@pytest.fixture(scope="module")
def client(kg, tmp_path_factory):
    from etomkg_server import create_app

    return create_app({"KG": kg, "CACHE_DIR": str(tmp_path_factory.mktemp("oda-zh-cache"))}).test_client()


def _sections(client, url: str) -> tuple[list, list]:
    response = client.get(url)
    assert response.status_code == 200
    doc = html.fromstring(response.get_data(as_text=True))
    return doc.xpath("//section[@class='component-abes']//li"), doc.xpath("//section[@class='component-functions']//li")


def test_the_component_page_in_chinese_names_abes_and_functions(client):
    abes, functions = _sections(client, "/oda/component/TMFC001?lang=zh")
    texts = [li.text_content() for li in abes]
    assert "产品域 · 销售品规格 ABE Product Offering Specification ABE" in texts
    assert [s.get("lang") for s in abes[0].xpath("span[@class='other']")] == ["en"]  # the source's name beside it
    first = functions[0]
    assert first.xpath("span[@class='id']")[0].text == "3"
    assert "存储库实体关系配置" in first.text_content()
    assert first.xpath("span[@class='other']")[0].text == "Repository Entity Relations Configuration"
    assert len(functions) == len(
        {r["function_id"] for r in _csv(REFERENCE / "component_ff.csv") if r["component"] == "TMFC001"}
    )
    english_abes, english_functions = _sections(client, "/oda/component/TMFC001")
    assert "Product Domain · Product Offering Specification ABE" in [li.text_content() for li in english_abes]
    assert not any(CJK.search(li.text_content()) for li in english_abes + english_functions)


def test_components_command_lists_a_components_abes_and_functions_in_chinese(cli):
    out = json.loads(cli("components", "--component", "TMFC001", "--lang", "zh", "--format", "json").stdout)
    assert {"domain": "产品域", "abe": "销售品规格 ABE", "english": "Product Offering Specification ABE"} in out["abes"]
    functions = {r["function"]: r for r in out["functions"]}
    assert functions["3"]["name"] == "存储库实体关系配置"
    assert all(CJK.search(r["name"]) for r in out["functions"]) and all(CJK.search(r["abe"]) for r in out["abes"])
    assert out["processes"] and all(CJK.search(r["name"]) for r in out["processes"])
    table = cli("components", "-c", "TMFC001").stdout
    assert "Product Offering Specification ABE" in table and "english" not in table and not CJK.search(table)
    result = cli("components", "--component", "TMFC999", expect=2)
    assert "no component 'TMFC999'" in result.stderr
    result = cli("components", "--component", "TMFC001", "--api", "TMF620", expect=2)
    assert "give one of --process, --api or --component" in result.stderr


USER_SPEC = """\
apiVersion: oda.tmforum.org/v1
kind: Component
spec:
  componentMetadata:
    id: ACME010
    name: AcmeOrders
    version: 1.0.0
    status: preview
    eTOMs: ["1.4.5|Service_Activation_Management|v25.5"]
    SIDs: ["Service_Domain|Service_Order_ABE|v25.0", "Service_Domain|Acme_Gadget_ABE|v25.0"]
    functionalFrameworkFunctions: ["3|Repository_Entity_Relations_Configuration|v24.0", "9001|Acme_Widget_Tuning|v25.0"]
  coreFunction:
    exposedAPIs:
      - id: TMF641
        required: true
"""


def test_a_users_untranslated_names_are_shown_in_english(cli, store_dir, tmp_path):
    spec = tmp_path / "acme-orders.yaml"
    spec.write_text(USER_SPEC, encoding="utf-8")
    cli("import", "oda", str(spec), "--store", str(store_dir))
    out = json.loads(
        cli("components", "-c", "ACME010", "--lang", "zh", "--store", str(store_dir), "--format", "json").stdout
    )
    assert [(r["abe"], r["english"]) for r in out["abes"]] == [
        ("Acme Gadget ABE", "Acme Gadget ABE"),  # no translation: the English name, never a made-up one
        ("业务订单 ABE", "Service Order ABE"),
    ]
    assert [(r["function"], r["name"]) for r in out["functions"]] == [
        ("3", "存储库实体关系配置"),
        ("9001", "Acme Widget Tuning"),
    ]
