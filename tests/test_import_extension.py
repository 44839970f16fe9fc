"""`etomkg import extension`: operators' processes and mappings in CSV, YAML, Turtle and JSON-LD;
every rejection path lists every error (file, line, rule, fix) and leaves the store unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import etomkg

CSV = """kind,id,name,name_zh,parent,level,description,maps_to
process,1.4.5.2.91,Validate activation request,校验开通请求,1.4.5.2,,Check the request before activation.,
process,1.4.5.2.91.1,Check address,核对地址,,5,"Check the address, with ""quotes"".",
process,1.4.5.2.91.1.1,Geocode,地理编码,,,,
process,1.4.5.2.91.1.1.1,Call geocoder,调用地理编码服务,,,,
process,1.4.5.2.91.1.1.1.1,Retry geocoder,重试地理编码服务,,,,
application,CRM-01,Acme CRM,Acme 客户关系管理,,,Customer care,1.3.3 1.3.4
system,ACT-PLAT,Activation platform,开通平台,,,,1.4.5;1.4.5.2.91
organisation-unit,NOC,Network Operations Centre,网络运维中心,,,,1.5.8
"""

YAML = """release: "25.5"
name: acme-yaml
processes:
  - id: 1.4.5.2.91
    name: Validate activation request
    name_zh: 校验开通请求
    description: Check the request before activation.
applications:
  - id: CRM-01
    name: Acme CRM
    name_zh: Acme 客户关系管理
    maps_to: [1.3.3, 1.4.5.2.91]
"""

TURTLE = """@prefix etom: <https://w3id.org/etomkg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix acme: <https://acme.example/etom/> .

acme:validate a etom:ProcessElement ;
    skos:notation "1.4.5.2.91" ;
    skos:prefLabel "Validate activation request"@en , "校验开通请求"@zh ;
    etom:parent <https://w3id.org/etomkg/release/25.5/process/1.4.5.2> ;
    dcterms:creator "Acme process office" .

acme:crm a etom:Application ;
    skos:notation "CRM-01" ;
    skos:prefLabel "Acme CRM"@en , "Acme 客户关系管理"@zh ;
    etom:mapsTo <https://w3id.org/etomkg/release/25.5/process/1.3.3> , acme:validate .
"""

JSONLD = {
    "@context": "https://w3id.org/etomkg/context.jsonld",
    "graph": [
        {
            "id": "https://acme.example/etom/validate",
            "type": "etom:ProcessElement",
            "identifier": "1.4.5.2.91",
            "name": {"en": "Validate activation request", "zh": "校验开通请求"},
            "parent": "https://w3id.org/etomkg/release/25.5/process/1.4.5.2",
        },
        {
            "id": "https://acme.example/etom/noc",
            "type": "etom:OrganisationUnit",
            "identifier": "NOC",
            "name": {"en": "Network Operations Centre", "zh": "网络运维中心"},
            "etom:mapsTo": {"id": "https://w3id.org/etomkg/release/25.5/process/1.5.8"},
        },
    ],
}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _state(store: Path) -> tuple[str, list]:
    manifest = json.loads((store / "etomkg-store.json").read_text())
    return manifest["generation"], sorted(p.name for p in (store / "generations").iterdir())


def test_csv_extension_is_stored_queryable_and_listed(tmp_path, store_dir, cli):
    path = _write(tmp_path, "Acme Ops.csv", CSV)
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir))
    assert "processes           5: L4 1, L5 1, L6 1, L7 1, L8 1" in result.stdout
    kg = etomkg.open(store=store_dir)
    # release-scoped queries with extensions see them below eTOM's own elements, with both languages
    below = kg.select(
        'SELECT ?id ?zh WHERE { ?p etom:parent+ ?x . ?x skos:notation "1.4.5.2" . ?p skos:notation ?id ; '
        'skos:prefLabel ?zh FILTER(lang(?zh) = "zh") }',
        release="25.5",
        extensions=True,
    )
    ids = {r["id"] for r in below}
    assert {"1.4.5.2.91", "1.4.5.2.91.1", "1.4.5.2.91.1.1.1.1"} <= ids
    assert {"id": "1.4.5.2.91", "zh": "校验开通请求"} in below
    facts = kg.select(
        'SELECT ?level ?domain ?release WHERE { ?p skos:notation "1.4.5.2.91.1.1.1.1" ; etom:level ?level ; '
        "etom:domain/skos:notation ?domain ; etom:release/owl:versionInfo ?release ; "
        "etom:hierarchyLevel/xkos:depth ?depth ; a etom:OperatorProcess }",
        release="25.5",
        extensions=True,
    )
    assert facts == [{"level": "8", "domain": "1.4", "release": "25.5"}]
    maps = kg.select(
        "SELECT ?key ?kind ?target WHERE { ?e etom:mapsTo/skos:notation ?target ; skos:notation ?key ; a ?c . "
        "?c rdfs:subClassOf etom:MappedElement BIND(STRAFTER(STR(?c), '#') AS ?kind) }",
        release="25.5",
        extensions=True,
    )
    assert sorted((r["key"], r["kind"], r["target"]) for r in maps) == [
        ("ACT-PLAT", "SystemElement", "1.4.5"),
        ("ACT-PLAT", "SystemElement", "1.4.5.2.91"),
        ("CRM-01", "Application", "1.3.3"),
        ("CRM-01", "Application", "1.3.4"),
        ("NOC", "OrganisationUnit", "1.5.8"),
    ]
    # eTOM's release alone, and other releases, do not see it; the union of all graphs does
    assert not kg.query('ASK { ?p skos:notation "1.4.5.2.91" }', release="25.5")
    assert not kg.query('ASK { ?p skos:notation "1.4.5.2.91" }', release="26.0", extensions=True)
    on_cli = cli(
        "query",
        "--store",
        str(store_dir),
        "--release",
        "25.5",
        "--extensions",
        "--format",
        "csv",
        'SELECT ?n WHERE { ?p skos:notation "1.4.5.2.91.1" ; etom:level ?n }',
    )
    assert on_cli.stdout.split() == ["n", "5"]
    assert kg.query('ASK { GRAPH <https://w3id.org/etomkg/extension/acme-ops> { ?p skos:notation "1.4.5.2.91" } }')
    listing = json.loads(cli("store", "list", "--store", str(store_dir), "--format", "json").stdout)
    [record] = listing["imports"]
    assert (record["name"], record["release"], record["file"], record["processes"], record["mapped"]) == (
        "extension/acme-ops",
        "25.5",
        "Acme Ops.csv",
        5,
        3,
    )
    # exports of the release carry the operator's elements when asked
    args = ("export", "--store", str(store_dir), "--release", "25.5", "--root", "1.4.5.2", "--format", "nt")
    assert "extension/acme-ops/process/1.4.5.2.91.1" in cli(*args, "--extensions").stdout
    assert "extension/acme-ops" not in cli(*args).stdout


@pytest.mark.parametrize("form", ["yaml", "turtle", "jsonld"])
def test_yaml_turtle_and_jsonld_give_the_same_elements(tmp_path, store_dir, cli, form):
    text = {"yaml": YAML, "turtle": TURTLE, "jsonld": json.dumps(JSONLD)}[form]
    path = _write(tmp_path, "acme." + {"yaml": "yaml", "turtle": "ttl", "jsonld": "jsonld"}[form], text)
    cli("import", "extension", str(path), "--release", "25.5", "--name", "acme", "--store", str(store_dir))
    kg = etomkg.open(store=store_dir)
    process = kg.select(
        'SELECT ?parent ?level ?en WHERE { ?p skos:notation "1.4.5.2.91" ; etom:parent/skos:notation ?parent ; '
        'etom:level ?level ; skos:broader ?b ; skos:prefLabel ?en FILTER(lang(?en) = "en") }',
        release="25.5",
        extensions=True,
    )
    assert process == [{"parent": "1.4.5.2", "level": "4", "en": "Validate activation request"}]
    if form == "turtle":  # the operator's own IRIs and extra statements are kept
        assert kg.select("SELECT ?c WHERE { <https://acme.example/etom/validate> dcterms:creator ?c }") == [
            {"c": "Acme process office"}
        ]
    if form == "jsonld":  # the published context was resolved locally
        assert kg.query("ASK { <https://acme.example/etom/noc> a etom:OrganisationUnit ; etom:mapsTo ?t }")


def test_every_error_of_a_csv_file_is_listed_and_nothing_stored(tmp_path, store_dir, cli):
    bad = """kind,id,name,name_zh,parent,level,description,maps_to,owner
process,1.4.5.2.91,Validate,校验,1.4.5.2,7,,,x
process,1.4.5.2.91,Duplicate,重复,,,,,
process,1.4.99.1,Orphan,孤儿,,,,,
process,1.4.5,Taken,占用,,,,,
process,1.4.5.2.92.1,Wrong parent,错误父流程,1.4.5.2.91,,,,
application,CRM 01,Bad key,坏键,,,,1.3.3,
application,CRM-02,No maps,无映射,,,,,
system,SYS-1,Unknown target,未知目标,,,,1.4.999,
system,SYS-2,Has parent,有父,1.4,,,1.4.5,
gadget,G-1,Bad kind,坏类型,,,,1.4.5,
process,1.4.5.2.93,,无英文名,,,,,
"""
    path = _write(tmp_path, "bad.csv", bad)
    before = _state(store_dir)
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir), "--json", expect=1)
    report = json.loads(result.stdout)
    errors = sorted((f["line"], f["rule"]) for f in report["findings"] if f["severity"] == "violation")
    assert errors == [
        (1, "column-unknown"),
        (2, "level-depth"),
        (3, "identifier-duplicate"),
        (4, "parent-unknown"),
        (5, "identifier-taken"),
        (6, "parent-identifier"),
        (7, "identifier-format"),
        (8, "maps-to-missing"),
        (9, "maps-to-unknown"),
        (10, "parent-not-allowed"),
        (11, "identifier-format"),
        (11, "kind-unknown"),
        (12, "label-missing"),
    ]
    assert all(f["fix"] and f["file"] == str(path) for f in report["findings"])  # the file as given
    assert "bad.csv was rejected: 13 errors; nothing was stored, the store is unchanged" in result.stderr
    assert "bad.csv:4: violation [parent-unknown] 1.4.99.1: the parent 1.4.99 is neither an element" in result.stderr
    assert _state(store_dir) == before


def test_turtle_errors_name_their_lines(tmp_path, store_dir, cli):
    bad = (
        TURTLE
        + """
acme:typo a etom:Application ;
    skos:notation "T-1" ;
    skos:prefLabel "Typo"@en ;
    etom:mapTo <https://w3id.org/etomkg/release/25.5/process/1.3.3> .

acme:step a etom:ProcessElement ;
    skos:notation "1.4.5.2.94" ;
    skos:prefLabel "Step"@en ;
    etom:release <https://w3id.org/etomkg/release/26.0> ;
    etom:domain <https://w3id.org/etomkg/release/25.5/process/1.5> .

acme:loose etom:mapsTo <https://w3id.org/etomkg/release/25.5/process/1.3.3> .

<https://w3id.org/etomkg/release/25.5/process/1.4.5> skos:prefLabel "Hijacked"@en .
"""
    )
    path = _write(tmp_path, "bad.ttl", bad)
    before = _state(store_dir)
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir), "--json", expect=1)
    errors = sorted(
        (f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "violation"
    )
    lines = bad.splitlines()

    def line(text: str) -> int:
        return next(n for n, content in enumerate(lines, 1) if content.startswith(text))

    assert errors == [
        (line("acme:typo"), "maps-to-missing"),
        (line("acme:typo"), "term-unknown"),
        (line("acme:step"), "derived-mismatch"),
        (line("acme:step"), "release-mismatch"),
        (line("acme:loose"), "type-missing"),
        (line("<https://w3id.org/etomkg/release/25.5/process/1.4.5>"), "etom-element-modified"),
    ]
    assert _state(store_dir) == before


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.ttl", "@prefix x: <http://x/> .\nx:a x:b x:c \n x:d .\n", "broken.ttl:3:2: cannot be read as turtle"),
        (
            "remote.jsonld",
            '{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "http://x/a", "name": "x"}',
            "remote @context, which etomkg never fetches",
        ),
        ("alias.yaml", "processes:\n  - &a {id: 1.4.5.2.91, name: A}\n  - *a\n", "alias.yaml:3: YAML aliases"),
        ("latin1.csv", None, "latin1.csv:2: not UTF-8 text"),
        (
            "graphs.jsonld",
            '{"@id": "http://x/g", "@graph": [{"@id": "http://x/a", "http://x/p": "v"}]}',
            "graphs.jsonld: cannot be read as jsonld",
        ),
        ("ops.txt", "id,name\n", "cannot tell the format"),
    ],
)
def test_unreadable_files_exit_2_with_the_place(tmp_path, store_dir, cli, name, text, message):
    path = tmp_path / name
    if text is None:
        path.write_bytes("id,name\n1.4.5.2.91,Caf\u00e9\n".encode("latin-1"))
    else:
        path.write_text(text, encoding="utf-8")
    before = _state(store_dir)
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir), expect=2)
    assert message in result.stderr
    assert _state(store_dir) == before


def test_size_limit(tmp_path, cli, monkeypatch):
    path = _write(tmp_path, "acme.csv", CSV)
    monkeypatch.setenv("ETOMKG_MAX_EXTENSION_MB", "0.0001")
    result = cli("import", "extension", str(path), "--check", expect=2)
    assert "over the limit of" in result.stderr and "ETOMKG_MAX_EXTENSION_MB" in result.stderr


def test_check_only_validates_against_the_bundled_graph(tmp_path, cli):
    path = _write(tmp_path, "acme.csv", CSV)
    result = cli("import", "extension", str(path), "--release", "25.5", "--check")
    assert "checked extension acme.csv against release 25.5: valid, nothing stored" in result.stdout
    result = cli("import", "extension", str(path), "--release", "classic", "--check", expect=1)
    assert "[parent-unknown] 1.4.5.2.91: the parent 1.4.5.2 is neither an element of release classic" in result.stderr


def test_reimport_replaces_and_remove_restores(tmp_path, store_dir, cli):
    path = _write(tmp_path, "acme.csv", CSV)
    cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir))
    changed = CSV.replace("Validate activation request", "Validate the order").replace(
        "organisation-unit,NOC,Network Operations Centre,网络运维中心,,,,1.5.8\n", ""
    )
    path.write_text(changed, encoding="utf-8")
    cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir))
    kg = etomkg.open(store=store_dir)
    names = kg.select('SELECT ?n WHERE { ?p skos:notation "1.4.5.2.91" ; skos:prefLabel ?n FILTER(lang(?n)="en") }')
    assert names == [{"n": "Validate the order"}]
    assert not kg.query('ASK { ?p skos:notation "NOC" }')
    cli("store", "remove", "acme", "--store", str(store_dir))
    kg = etomkg.open(store=store_dir)
    assert not kg.query('ASK { ?p skos:notation "1.4.5.2.91" }')
    assert "no imports" in cli("store", "list", "--store", str(store_dir)).stdout
    result = cli("store", "remove", "acme", "--store", str(store_dir), expect=2)
    assert "is not an import of this store" in result.stderr


def test_the_projects_shacl_shapes_run_on_every_import(tmp_path, store_dir, cli):
    """A defect only the shared shapes know (ROBOT's label_whitespace) rejects the file; --shapes never skips them."""
    text = TURTLE.replace('"Validate activation request"@en', '"Validate  activation request "@en')
    path = _write(tmp_path, "spaces.ttl", text)
    before = _state(store_dir)
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir), expect=1)
    line = next(n for n, content in enumerate(text.splitlines(), 1) if content.startswith("acme:validate"))
    assert f"spaces.ttl:{line}: violation [label_whitespace] 1.4.5.2.91: The label" in result.stderr
    assert _state(store_dir) == before
    result = cli("import", "extension", str(path), "--release", "25.5", "--store", str(store_dir), "--shapes", "never")
    assert "SHACL shapes not run" in result.stdout
    # `etomkg validate --store` checks what the store holds: the extension's defects are violations there
    report = cli("validate", "--store", str(store_dir), "--release", "25.5", "--format", "json", expect=1)
    failing = [f for f in json.loads(report.stdout)["results"] if f["severity"] == "violation"]
    assert [(f["rule"], f["identifier"], f["file"]) for f in failing] == [
        ("label_whitespace", "1.4.5.2.91", "https://w3id.org/etomkg/extension/spaces")
    ]
