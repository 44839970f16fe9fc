"""`etomkg import gb921`: TM Forum's workbook layout, its awkward variants, and files that are not workbooks.

No real workbook exists here: fixtures are written with openpyxl in the published layout
(etomkg.content.synthetic), from the bundled facts, with made-up descriptions.
"""

from __future__ import annotations

import http.server
import json
import threading
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

import etomkg
from etomkg.content.sources import build_content, bundled_rows
from etomkg.content.synthetic import (
    LIVE_HEADERS,
    deleted_rows_from_bundled,
    live_rows_from_bundled,
    made_up_brief,
    write_workbook,
)
from etomkg.errors import EtomkgError
from etomkg.imports.workbook import read_workbook, release_from_text
from etomkg.storage.persist import StoreFolder

ETOM = "https://w3id.org/etomkg/ontology#"


def _row(identifier: str, name: str, **extra) -> dict:
    return {
        "name": name,
        "identifier": identifier,
        "level": identifier.count("."),
        "brief": made_up_brief(identifier),
        "extended": f"Made-up text for {identifier}.",
        "domain": "Service Domain",
        "vertical": "Fulfillment",
        "original": "",
        "uid": 900000 + zlib.crc32(identifier.encode()) % 99999,
        **extra,
    }


def _small_rows() -> list[dict]:
    """A small, well-formed release: one domain, a few levels."""
    return [
        _row("1.4.1", "Alpha Management"),
        _row("1.4.1.1", "Plan Alpha"),
        _row("1.4.1.2", "Run Alpha"),
        _row("1.4.1.2.1", "Start Alpha Run"),
        _row("1.4.2", "Beta Management", domain="Service Domain"),
    ]


def _content(path: Path, release: str | None = None):
    data = read_workbook(path, release)
    return data, build_content(bundled_rows().replace_release(data.rows, data.release))


def _anomalies(content, release: str) -> dict[str, list[tuple[str, str | None]]]:
    found: dict[str, list] = {}
    for proc in content.processes:
        if proc.release == release:
            for anomaly in proc.anomalies:
                found.setdefault(anomaly.kind, []).append((proc.identifier, anomaly.raw))
    for anomaly in content.release_anomalies.get(release, []):
        found.setdefault(anomaly.kind, []).append(("(release)", anomaly.raw))
    return found


# --- the published layout, round trip through a store ---


@pytest.fixture(scope="module")
def imported_25_5(base_store, tmp_path_factory):
    """The v25.5 layout written from the bundled facts, imported through the CLI into a store."""
    folder = tmp_path_factory.mktemp("gb921")
    workbook = write_workbook(folder / "GB921_v25.5.xlsx", live_rows_from_bundled(), deleted_rows_from_bundled())
    store = StoreFolder(base_store).copy_to(folder / "store").path
    from click.testing import CliRunner

    from etomkg.cli import main

    result = CliRunner().invoke(main, ["import", "gb921", str(workbook), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return workbook, store, result.output


def test_published_layout_imports_with_descriptions_and_keeps_our_labels(imported_25_5, kg):
    workbook, store, output = imported_25_5
    stored = etomkg.open(store=store)
    brief = stored.select(
        'SELECT ?b ?e WHERE { ?p skos:notation "1.4.5" ; etom:briefDescription ?b ; etom:extendedDescription ?e }',
        release="25.5",
    )
    assert brief == [
        {
            "b": "Made-up brief description of 1.4.5, written for tests.",
            "e": "Made-up extended description: Service Activation Management (1.4.5) as a test fixture describes it.",
        }
    ]
    count = stored.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p etom:briefDescription ?b }", release="25.5")
    assert count == [{"n": "2893"}]  # every live process of the sheet; the 8 derived domains have none
    labels = 'SELECT ?id ?zh WHERE { ?p skos:notation ?id ; skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }'
    assert sorted(map(str, stored.select(labels, release="25.5"))) == sorted(
        map(str, kg.select(labels, release="25.5"))
    )
    # the descriptions carry their source: the process now derives from the imported workbook
    source = stored.select(
        'SELECT ?title WHERE { ?p skos:notation "1.4.5" ; prov:wasDerivedFrom ?s . ?s dcterms:title ?title }',
        release="25.5",
    )
    assert "GB921_v25.5.xlsx" in source[0]["title"] and "licensed" in source[0]["title"]
    assert "2901: L1 8, L2 120, L3 630, L4 1459, L5 450, L6 167, L7 67" in output
    assert "2893 brief, 2893 extended descriptions" in output and "532 processes" in output


def test_published_layout_gives_the_bundled_release_back(imported_25_5, kg):
    """Same facts in, same graph out: apart from TM Forum's texts and the source, the release is the bundled one."""
    _, store, _ = imported_25_5
    stored = etomkg.open(store=store)

    def facts(graph_kg):
        drop = (ETOM + "briefDescription", ETOM + "extendedDescription", "http://www.w3.org/ns/prov#wasDerivedFrom")
        return {
            line
            for line in graph_kg.nquads_lines([graph_kg.iris.graph("25.5")])
            if not any(f"<{p}>" in line for p in drop)
        }

    assert facts(stored) == facts(kg)
    for release in ("24.5", "25.0", "26.0"):  # neighbours: their lineage to 25.5 is unchanged
        assert stored.nquads_lines([stored.iris.graph(release)]) == kg.nquads_lines([kg.iris.graph(release)])
    anomalies = "SELECT ?kind (COUNT(*) AS ?n) WHERE { ?p etom:hasAnomaly/etom:anomalyKind ?kind } GROUP BY ?kind"
    assert sorted(map(str, stored.select(anomalies, release="25.5"))) == sorted(
        map(str, kg.select(anomalies, release="25.5"))
    )


def test_reimport_is_idempotent_and_listed(imported_25_5, cli):
    workbook, store, _ = imported_25_5
    before = etomkg.open(store=store)
    lines = before.nquads_lines([before.iris.graph("25.5")])
    again = cli("import", "gb921", str(workbook), "--store", str(store), "--json")
    summary = json.loads(again.stdout)
    assert summary["graphs_written"] == [] and summary["release"] == "25.5"
    after = etomkg.open(store=store)
    assert after.nquads_lines([after.iris.graph("25.5")]) == lines
    listing = json.loads(cli("store", "list", "--store", str(store), "--format", "json").stdout)
    [record] = listing["imports"]
    assert record["name"] == "gb921/25.5" and record["file"] == "GB921_v25.5.xlsx"
    assert len(record["sha256"]) == 64 and record["processes"] == 2901


# --- awkward layouts ---


def test_headers_found_by_name_whatever_their_order_case_and_spacing(tmp_path):
    rows = _small_rows()
    renamed = {
        "vertical": "vertical grouping",
        "uid": " UID ",
        "identifier": "PROCESS  IDENTIFIER",
        "brief": "Brief Description",
        "name": "process",
        "original": "Original Process Id",
        "level": "LEVEL",
        "extended": "extended_description",
        "domain": "Domain",
    }
    path = write_workbook(
        tmp_path / "shuffled.xlsx",
        rows,
        live_sheet="eTOM 25.5",
        headers={**renamed, "owner": "Process Owner"},  # an unknown column, ignored
        title_rows=[["Business Process Framework"], []],
        extra_sheets=["Pivot", "Notes"],
    )
    data = read_workbook(path)
    assert data.release == "25.5" and data.release_from == "sheet name"
    assert {r["id"] for r in data.rows.processes} == {"1.4", "1.4.1", "1.4.1.1", "1.4.1.2", "1.4.1.2.1", "1.4.2"}
    assert data.rows.descriptions[("25.5", "1.4.1.1")][0] == made_up_brief("1.4.1.1")
    assert any("sheets ignored: Pivot, Notes" in n for n in data.notices)


def test_older_layout_without_uid_or_verticals(tmp_path):
    """A layout of an older release: other column names, fewer columns, a sheet name without the release."""
    headers = {
        "identifier": "Process ID",
        "name": "Process Name",
        "level": "Hierarchy Level",
        "extended": "Description",
    }
    path = write_workbook(
        tmp_path / "old.xlsx", _small_rows(), live_sheet="Processes", headers=headers, document_sheets=False
    )
    with pytest.raises(EtomkgError, match="pass --release"):
        read_workbook(path)
    data, content = _content(path, "24.0")
    procs = {p.identifier: p for p in content.processes if p.release == "24.0"}
    assert set(procs) == {"1.4", "1.4.1", "1.4.1.1", "1.4.1.2", "1.4.1.2.1", "1.4.2"}
    assert procs["1.4.1.1"].extended_description == "Made-up text for 1.4.1.1." and procs["1.4.1.1"].uid is None
    assert procs["1.4"].name == "Service Domain"  # no Domain column: the domain keeps its known name
    # the rest of the lineage is rebuilt around the imported release
    assert any(link.newer_release == "24.0" for link in content.links)


def test_release_from_sheet_title_sheet_or_option(tmp_path):
    assert [release_from_text(t) for t in ("eTOM25,5", "eTOM 26.0", "eTOM23,0,1", "eTOM_v26")] == [
        "25.5",
        "26.0",
        "23.0.1",
        "26.0",
    ]
    path = write_workbook(tmp_path / "x.xlsx", _small_rows(), live_sheet="eTOM25,5")
    data = read_workbook(path, "26.0")
    assert data.release == "26.0" and any("sheet name says release 25.5" in n for n in data.notices)


def test_process_in_two_verticals_and_placeholders(tmp_path):
    rows = _small_rows() + [
        _row("1.4.1.2", "Run Alpha", vertical="Assurance"),  # a second vertical: a second row
        _row("1.4.3", "Gamma", original="X.X.X.X.X"),
        _row("1.4.4", "Delta", original="N/A New Process"),
        _row("1.4.5", "Epsilon", original="1.1.1.22.10 (then 1.3.1.5)"),
        _row("1.4.6", "Zeta", original="1.1.2.2", vertical="operations readiness & SUPPORT"),
    ]
    data, content = _content(write_workbook(tmp_path / "v.xlsx", rows, live_sheet="eTOM26,5"))
    procs = {p.identifier: p for p in content.processes if p.release == "26.5"}
    assert sorted(procs["1.4.1.2"].verticals) == ["Assurance", "Fulfillment"]
    assert procs["1.4.6"].verticals == ["Operations Readiness & Support"]
    placeholders = dict(_anomalies(content, "26.5")["PlaceholderOriginalIdentifier"])
    assert placeholders == {
        "1.4.3": "X.X.X.X.X",
        "1.4.4": "N/A New Process",
        "1.4.5": "1.1.1.22.10 (then 1.3.1.5)",
    }
    assert procs["1.4.5"].original_id == "1.1.1.22.10" and procs["1.4.3"].original_id is None
    assert procs["1.4.6"].original_id == "1.1.2.2"


def test_every_source_defect_is_recorded_never_a_crash(tmp_path, store_dir, cli):
    rows = _small_rows() + [
        _row("1.4.1.2", "Run Alpha Differently"),  # duplicate identifier, another name
        _row("1.4.1.3", "Check Alpha", level=9),  # Level column disagrees with the identifier
        _row("1.4.7.1.1", "Lost Step"),  # parent 1.4.7.1 absent: orphan
        _row("1.21.7.3", "Stray Step"),  # no domain 1.21: a stray identifier
        _row("1.4.1.4", "Split\nName"),  # a line break inside the name
        _row("1.4.1.5", "Odd Vertical", vertical="Teleportation"),
        _row("X.1", "Not An Identifier"),
        _row("1.4.1.2.1.1.1.1.1", "Too Deep"),
        _row("1.4.1.6", ""),
        _row("1.3.3.3 (This Process ID has been deliberately unused!)", "Unused"),
    ]
    path = write_workbook(tmp_path / "defects.xlsx", rows, live_sheet="eTOM26,5")
    result = cli("import", "gb921", str(path), "--store", str(store_dir))
    assert "anomalies recorded in the graph" in result.stdout
    kg = etomkg.open(store=store_dir)
    found = kg.select(
        "SELECT ?id ?kind WHERE { ?s etom:hasAnomaly ?a . ?a etom:anomalyKind ?k . "
        "OPTIONAL { ?s skos:notation ?n } BIND(COALESCE(?n, '(release)') AS ?id) "
        "BIND(STRAFTER(STR(?k), '#') AS ?kind) }",
        release="26.5",
    )
    got = Counter((r["id"], r["kind"]) for r in found)
    for expected in [
        ("1.4.1.2", "DuplicateIdentifier"),
        ("1.4.1.3", "LevelMismatch"),
        ("1.4.7.1.1", "OrphanProcess"),
        ("1.21.7.3", "StrayIdentifier"),
        ("1.4.1.4", "NameWhitespace"),
        ("1.4.1.5", "UnknownVertical"),
        ("(release)", "UnusedIdentifierDropped"),
    ]:
        assert got[expected] == 1, (expected, got)
    assert got[("(release)", "UnusableRow")] == 3  # X.1, level 8, no name
    alt = kg.select('SELECT ?alt WHERE { ?p skos:notation "1.4.1.2" ; skos:altLabel ?alt }', release="26.5")
    assert alt == [{"alt": "Run Alpha Differently"}]
    name = kg.select('SELECT ?n WHERE { ?p skos:notation "1.4.1.4" ; skos:prefLabel ?n }', release="26.5")
    assert name == [{"n": "Split Name"}]
    assert "26.5" in kg.releases and kg.default_release == "26.5"


def test_several_process_sheets_need_release(tmp_path):
    path = tmp_path / "two.xlsx"
    write_workbook(path, _small_rows(), live_sheet="eTOM25,5", extra_sheets=[])
    from openpyxl import load_workbook

    book = load_workbook(path)
    book.copy_worksheet(book["eTOM25,5"]).title = "eTOM26,0"
    book.save(path)
    with pytest.raises(EtomkgError, match="several sheets look like process sheets"):
        read_workbook(path)
    assert read_workbook(path, "26.0").live_sheet == "eTOM26,0"


# --- files that are not workbooks, or are hostile ---


def _generation(store: Path) -> str:
    return json.loads((store / "etomkg-store.json").read_text())["generation"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Process,Process identifier\nA,1.4.1\n", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "old binary Excel file"),
        (b"", "not an Excel workbook"),
        ("zip-without-workbook", "no xl/workbook.xml"),
    ],
)
def test_wrong_file_types_are_refused_and_the_store_unchanged(tmp_path, store_dir, cli, content, message):
    path = tmp_path / "fake.xlsx"
    if content == "zip-without-workbook":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("word/document.xml", "<w/>")
            archive.writestr("[Content_Types].xml", "<Types/>")
    else:
        path.write_bytes(content)
    before = _generation(store_dir)
    result = cli("import", "gb921", str(path), "--store", str(store_dir), expect=2)
    assert message in result.stderr and str(path) in result.stderr
    assert _generation(store_dir) == before


def test_size_limits_stop_the_work_with_a_clear_error(tmp_path, cli, monkeypatch):
    path = write_workbook(tmp_path / "big.xlsx", _small_rows())
    monkeypatch.setenv("ETOMKG_MAX_WORKBOOK_MB", "0.001")
    result = cli("import", "gb921", str(path), "--store", str(tmp_path / "never"), expect=2)
    assert "over the limit of" in result.stderr and "ETOMKG_MAX_WORKBOOK_MB" in result.stderr
    monkeypatch.delenv("ETOMKG_MAX_WORKBOOK_MB")
    bomb = tmp_path / "bomb.xlsx"  # small on disk, large unpacked
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/media/padding.bin", b"\0" * (3 * 1024 * 1024))
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("ETOMKG_MAX_WORKBOOK_UNPACKED_MB", "2")
    result = cli("import", "gb921", str(bomb), "--store", str(tmp_path / "never"), expect=2)
    assert "unpacked content is 3." in result.stderr
    assert not (tmp_path / "never").exists()  # refused before any store was made


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):
        _Recorder.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<x>leaked</x>")

    def log_message(self, *args):
        pass


@pytest.fixture()
def listener():
    """A local HTTP server that records every request: proof that nothing was fetched."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _rewrite(path: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        parts = {item.filename: src.read(item) for item in src.infolist()}
        for name, data in change(parts).items():
            dst.writestr(name, data)
    return target


def test_external_links_are_not_followed(tmp_path, store_dir, cli, listener):
    path = write_workbook(tmp_path / "plain.xlsx", _small_rows(), live_sheet="eTOM26,5")
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    def add_link(parts):
        parts["xl/externalLinks/externalLink1.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            '<sheetDataSet><sheetData sheetId="0"/></sheetDataSet></externalBook></externalLink>'
        ).encode()
        parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{ns}/externalLinkPath" Target="{listener}/evil.xlsx" '
            'TargetMode="External"/></Relationships>'
        ).encode()
        rels = parts["xl/_rels/workbook.xml.rels"].decode()
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdX1" Type="{ns}/externalLink" Target="externalLinks/externalLink1.xml"/>'
            "</Relationships>",
        ).encode()
        book = parts["xl/workbook.xml"].decode()
        parts["xl/workbook.xml"] = book.replace(
            "</sheets>",
            f'</sheets><externalReferences xmlns:r="{ns}"><externalReference r:id="rIdX1"/></externalReferences>',
        ).encode()
        types = parts["[Content_Types].xml"].decode()
        parts["[Content_Types].xml"] = types.replace(
            "</Types>",
            '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
        ).encode()
        return parts

    linked = _rewrite(path, tmp_path / "linked.xlsx", add_link)
    result = cli("import", "gb921", str(linked), "--store", str(store_dir))
    assert f"links to 1 external file(s) ({listener}/evil.xlsx); the links were not followed" in result.stdout
    assert _Recorder.requests == []


def test_xml_entities_are_refused_before_parsing(tmp_path, store_dir, cli, listener):
    import openpyxl

    assert openpyxl.DEFUSEDXML  # openpyxl parses with defusedxml (a dependency of etomkg)
    path = write_workbook(tmp_path / "plain.xlsx", _small_rows(), live_sheet="eTOM26,5")

    def add_entity(parts):
        sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
        body = parts[sheet].decode().split("?>", 1)[-1]  # openpyxl writes no XML declaration; Excel does
        doctype = f'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "{listener}/xxe">]>'
        parts[sheet] = (
            '<?xml version="1.0" encoding="UTF-8"?>' + doctype + body.replace("</v>", "&e;</v>", 1)
        ).encode()
        return parts

    hostile = _rewrite(path, tmp_path / "xxe.xlsx", add_entity)
    before = _generation(store_dir)
    result = cli("import", "gb921", str(hostile), "--store", str(store_dir), expect=2)
    assert "declares an XML DTD or entities" in result.stderr
    with pytest.raises(ValueError):  # defence in depth: openpyxl itself, on defusedxml, refuses the entity too
        openpyxl.load_workbook(hostile, read_only=True, data_only=True, keep_links=False)
    assert _Recorder.requests == [] and _generation(store_dir) == before


def test_descriptions_never_enter_the_bundled_graph(kg):
    """TM Forum's texts are copyrighted: only a user's own store can hold them."""
    assert not kg.query("ASK { ?p etom:briefDescription|etom:extendedDescription ?d }")
    assert ox.NamedNode(ETOM + "briefDescription") in {
        q.subject
        for q in kg.store.quads_for_pattern(None, None, None, ox.NamedNode("https://w3id.org/etomkg/ontology"))
    }


def test_headers_match_the_published_layout():
    assert list(LIVE_HEADERS.values()) == [
        "Process",
        "Process identifier",
        "Level",
        "Extended Description",
        "Brief description",
        "Domain",
        "Vertical Group",
        "Original Process Identifier",
        "UID",
        "Issue",
    ]


def test_removing_a_workbook_restores_the_bundled_graph(tmp_path, store_dir, cli, kg):
    path = write_workbook(tmp_path / "tiny.xlsx", _small_rows(), live_sheet="eTOM26,5")
    cli("import", "gb921", str(path), "--store", str(store_dir))
    assert etomkg.open(store=store_dir).releases[-1] == "26.5"
    cli("store", "remove", "gb921/26.5", "--store", str(store_dir))
    restored = etomkg.open(store=store_dir)
    assert restored.releases == kg.releases
    for graph in (kg.iris.graph("26.0"), kg.iris.framework_graph):  # rewritten twice, back to the bundled bytes
        assert restored.nquads_lines([graph]) == kg.nquads_lines([graph]), graph


def test_our_chinese_labels_stay_when_the_workbook_respells_a_name(tmp_path, kg):
    rows = [_row("1.4.5", "Service Activation Mgmt."), _row("1.4.5.1", "Plan Activation")]
    data, content = _content(write_workbook(tmp_path / "respelled.xlsx", rows, live_sheet="eTOM25,5"))
    bundled = kg.select(
        'SELECT ?zh WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }', release="25.5"
    )
    assert content.labels_zh["Service Activation Mgmt."] == bundled[0]["zh"] == "业务激活管理"
    assert content.definitions["Service Activation Mgmt."][1]  # our L2 definition (zh) stays too
