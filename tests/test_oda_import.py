"""Users' own ODA component specifications: `etomkg import oda` (all or nothing, file:line errors with rule ids)
and `etomkg validate spec.yaml` (SARIF validated against the schema). The YAML fixtures are written here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

SPEC = """\
apiVersion: oda.tmforum.org/v1
kind: Component
spec:
  componentMetadata:
    id: {id}
    name: {name}
    version: 1.0.0
    status: {status}
    eTOMs:
      - "{etom}"
      - "1.4.5.6|Issue_Service_Orders|v25.5"
    SIDs: ["{sid}"]
    functionalFrameworkFunctions: ["3|Repository_Entity_Relations_Configuration|v24.0"]
  coreFunction:
    exposedAPIs:
      - id: {api}
        required: true
        specification: [{{version: 4.0.0, resources: [{{service: [GET, POST]}}]}}]
    dependentAPIs:
      - id: TMF641
        required: false
    publishedEvents:
      - name: ServiceActivation
        resources: [serviceCreateEvent]
"""


def write_spec(folder: Path, file: str, **fields) -> Path:
    values = {"id": "ACME001", "name": "AcmeActivation", "status": "preview", "api": "TMF640",
              "etom": "1.4.5|Service_Activation_Management|v25.5", "sid": "Service_Domain|Service_Order_ABE|v25.0",
              **fields}  # fmt: skip
    path = folder / file
    path.write_text(SPEC.format(**values), encoding="utf-8")
    return path


@pytest.fixture()
def specs(tmp_path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    write_spec(folder, "acme-activation.yaml")
    write_spec(folder, "acme-inventory.yml", id="ACME002", name="AcmeInventory", status="production",
               etom="1.2.11|Product_Inventory_Management|v24.0", api="TMF637")  # fmt: skip
    return folder


def test_a_folder_of_specs_is_imported_and_answers_queries(cli, specs, store_dir):
    out = cli("import", "oda", str(specs), "--store", str(store_dir)).stdout
    assert "imported 2 ODA component(s)" in out and "ACME001, ACME002" in out
    found = json.loads(cli("components", "--store", str(store_dir), "-p", "1.4.5", "--format", "json").stdout)
    mine = {(r["component"], r["processId"], r["stated"]) for r in found["components"] if r["component"] == "ACME001"}
    assert mine == {("ACME001", "1.4.5", "false"), ("ACME001", "1.4.5.6", "false")}  # 26.0: along the links
    rows = json.loads(cli("queries", "run", "oda-processes-of-component", "-p", "component=ACME002", "-p",
                          "release=24.0", "--store", str(store_dir), "--format", "json").stdout)  # fmt: skip
    assert [(r["processId"], r["stated"]) for r in rows] == [("1.2.11", "true")]
    listing = json.loads(cli("store", "list", "--store", str(store_dir), "--format", "json").stdout)
    assert "oda-specs" in json.dumps(listing)


def test_one_broken_spec_rejects_the_whole_folder(cli, specs, store_dir):
    write_spec(specs, "zz-broken.yaml", id="ACME003", etom="1.4.5|Service_Magic|v24.0", api="TMF999")
    (specs / "zz-older.yaml").write_text(
        SPEC.format(id="ACME004", name="Old", status="roadmap", api="TMF640",
                    etom="1.4.5|Service_Configuration_&_Activation|v21.5",
                        sid="Service_Domain|Service_Order_ABE|v25.0"), encoding="utf-8")  # fmt: skip
    before = json.loads(cli("store", "list", "--store", str(store_dir), "--format", "json").stdout)
    result = cli("import", "oda", str(specs), "--store", str(store_dir), expect=1)
    assert "nothing was imported" in result.stderr
    assert f"{specs / 'zz-broken.yaml'}:10: violation [etom-oda-001]" in result.stderr  # name of 24.0's 1.4.5
    assert f"{specs / 'zz-broken.yaml'}:16: violation [etom-oda-005] TMF999" in result.stderr
    assert f"{specs / 'zz-older.yaml'}:10: violation [etom-oda-002]" in result.stderr  # 21.5 is not held
    assert json.loads(cli("store", "list", "--store", str(store_dir), "--format", "json").stdout) == before
    found = json.loads(cli("components", "--store", str(store_dir), "--format", "json").stdout)["components"]
    assert not [r for r in found if r["component"].startswith("ACME")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Component\nspec: [\n", "YAML syntax error"),
        ("kind: Component\nspec: !!python/object/apply:os.system ['true']\n", "is not allowed"),  # safe loading
        ("kind: Deployment\nspec: {}\n", "not an ODA component specification"),
    ],
)
def test_unreadable_specs_are_clear_errors(cli, tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli("import", "oda", str(path), "--check", expect=1)
    assert f"{path}:" in result.stderr and "[oda-spec-001]" in result.stderr and message in result.stderr
    result = cli("validate", str(path), "--format", "json", expect=1)  # the same verdict, as a finding
    assert [(r["rule"], r["file"], message in r["message"]) for r in json.loads(result.stdout)["results"]] == [
        ("oda-spec-001", str(path), True)
    ]


def test_structural_problems_have_their_rules(cli, tmp_path):
    path = write_spec(tmp_path, "acme.yaml", status="someday", api="ABC1")
    result = cli("import", "oda", str(path), "--check", expect=1)
    assert f"{path}:8: violation [oda-spec-002]" in result.stderr
    assert f"{path}:16: violation [oda-spec-004]" in result.stderr


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, []),
        ({"status": "someday"}, [("oda-spec-002", 8)]),
        ({"name": "''"}, [("oda-spec-002", 5)]),
        ({"etom": "1.4.5 Service Activation"}, [("oda-spec-003", 10)]),
        ({"api": "ABC1"}, [("oda-spec-004", 16)]),
        ({"sid": "Spaceship_Domain|Warp_ABE|v25.0"}, [("oda-spec-005", 12)]),
        ({"etom": "1.4.5|Service_Magic|v24.0", "api": "TMF999"}, [("etom-oda-001", 10), ("etom-oda-005", 16)]),
    ],
)
def test_validate_and_import_check_give_one_verdict_on_specs(cli, tmp_path, fields, expected):
    """One rule book: the same rule ids at the same lines, and the same exit code, from both commands."""
    path = write_spec(tmp_path, "acme.yaml", **fields)
    code = 1 if expected else 0
    sarif_file = tmp_path / "out.sarif"
    cli("validate", str(path), "--format", "sarif", "-o", str(sarif_file), expect=code)
    results = json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]["results"]
    validated = sorted((r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results)
    checked = cli("import", "oda", str(path), "--check", expect=code).stderr
    listed = sorted(
        (rule, int(line))
        for line, rule in re.findall(rf"{re.escape(str(path))}:(\d+): violation \[([\w-]+)\]", checked)
    )
    assert validated == listed == expected


def test_the_spec_rules_are_in_the_rule_book(cli):
    table = cli("validate", "--list-rules").stdout
    for number in range(1, 6):
        assert f"| `oda-spec-00{number}` | violation |" in table
    zh = cli("validate", "--list-rules", "--lang", "zh").stdout
    assert "| `oda-spec-003` | violation | eTOMs、SIDs 和 functionalFrameworkFunctions 的每一项" in zh


def test_validate_a_spec_in_ci_with_sarif(cli, tmp_path, shared_dir):
    import jsonschema

    good = write_spec(tmp_path, "good.yaml")
    cli("validate", str(good))
    assert "valid, nothing stored" in cli("import", "oda", str(good), "--check").stdout
    bad = write_spec(tmp_path, "bad.yaml", etom="1.4.5|Service_Magic|v24.0", api="TMF999")
    out = tmp_path / "bad.sarif"
    cli("validate", str(bad), "--format", "sarif", "-o", str(out), expect=1)
    sarif = json.loads(out.read_text(encoding="utf-8"))
    schema = json.loads((shared_dir / "conformance" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.validate(sarif, schema)
    errors = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
              for r in sarif["runs"][0]["results"] if r["level"] == "error"}  # fmt: skip
    assert errors == {("etom-oda-001", 10), ("etom-oda-005", 16)}
    junit = cli("validate", str(bad), "--format", "junit", expect=1).stdout
    assert "etom-oda-001" in junit and "<failure" in junit
