"""One rule book: `etomkg validate FILE` and `etomkg import extension FILE --check` give the same verdict — exit
code and rule ids — on a corpus of extension files in every input form (tests/data/rulebook, written by
tools/rulebook_corpus.py), each breaking exactly one rule, on correct files, and on the README's examples."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from etomkg.iris import ETOM, SKOS
from etomkg.validation import all_rules, check_extension
from etomkg.validation.rules import Rule
from etomkg.validation.structure import ODA_SOURCE, STRUCTURE_RULES

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "rulebook"
FILES = sorted(p.name for p in CORPUS.iterdir())
SEVERITY = {rule.id: rule.severity for rule in all_rules()}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUFFIX_FORMAT = {"csv": "csv", "yaml": "yaml", "ttl": "turtle", "jsonld": "jsonld"}


def _generator():
    spec = importlib.util.spec_from_file_location("rulebook_corpus", ROOT / "tools" / "rulebook_corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _expected(name: str) -> tuple[list[str], int]:
    rule = name.rsplit(".", 1)[0]
    if rule == "valid":
        return [], 0
    return [rule], 2 if rule == "syntax" else 1 if SEVERITY[rule] == "violation" else 0


def _validate(cli, path: Path, *options: str) -> tuple[int, dict]:
    result = cli("validate", str(path), "--release", "25.5", "--format", "json", *options, expect=None)
    return result.exit_code, json.loads(result.stdout)


def _check(cli, path: Path) -> tuple[int, dict]:
    result = cli("import", "extension", str(path), "--check", "--release", "25.5", "--json", expect=None)
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}


def test_the_corpus_is_what_the_generator_writes():
    assert {name: (CORPUS / name).read_bytes() for name in FILES} == _generator().corpus()


def test_every_structural_rule_breaks_in_every_form_that_can_express_it():
    generator = _generator()
    for rule in (r for r, rule in STRUCTURE_RULES.items() if rule.source != ODA_SOURCE):  # ODA's: test_oda_import
        cannot = generator.NOT_EXPRESSIBLE.get(rule, ("",))[0].split()
        for suffix, fmt in SUFFIX_FORMAT.items():
            assert (f"{rule}.{suffix}" in FILES) == (fmt not in cannot), (rule, fmt)
    shapes_cases = [r for r in generator.CASES if r != "valid" and r not in STRUCTURE_RULES]
    assert shapes_cases and all(r in SEVERITY for r in shapes_cases)  # the shapes an extension can break
    assert {f"valid.{suffix}" for suffix in SUFFIX_FORMAT} <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_validate_and_import_check_agree(cli, name):
    path = CORPUS / name
    rules, code = _expected(name)
    validate_code, validated = _validate(cli, path)
    check_code, checked = _check(cli, path)
    assert validate_code == check_code == code
    assert (
        sorted({r["rule"] for r in validated["results"]}) == sorted({f["rule"] for f in checked["findings"]}) == rules
    )
    for result in validated["results"]:  # every result says where: the file and its line (CSV: row)
        assert result["file"] == str(path) and result["line"], result
    assert validated["conforms"] is checked["conforms"] is (code == 0)


# A few through the installed command, as CI runs it, with the report formats CI reads.
@pytest.mark.parametrize("name", ["parent-unknown.csv", "label_whitespace.jsonld", "syntax.yaml"])
def test_the_installed_commands_agree_and_sarif_points_at_the_line(cli, name, tmp_path):
    path = CORPUS / name
    rules, code = _expected(name)
    sarif_file = tmp_path / "out.sarif"
    validated = cli.run("validate", str(path), "--release", "25.5", "--format", "sarif", "-o", str(sarif_file),
                        expect=code)  # fmt: skip
    checked = cli.run("import", "extension", str(path), "--check", "--release", "25.5", "--json", expect=code)
    results = json.loads(sarif_file.read_text(encoding="utf-8"))["runs"][0]["results"]
    assert sorted({r["ruleId"] for r in results}) == rules
    assert sorted({f["rule"] for f in json.loads(checked.stdout)["findings"]}) == rules
    text = path.read_bytes().decode("utf-8").splitlines()
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].endswith(f"tests/data/rulebook/{name}")
        line = text[location["region"]["startLine"] - 1]
        assert line.strip(), (name, line)
    if code == 2:
        where = validated.stderr.splitlines()[0].split(": ")[2]  # the same file:line from both
        assert where.startswith(f"{path}:") and f"error: {where}: " in checked.stderr


def test_junit_names_the_file_and_row_of_a_structural_rule(cli, tmp_path):
    out = tmp_path / "junit.xml"
    path = CORPUS / "parent-unknown.csv"
    cli("validate", str(path), "--release", "25.5", "--format", "junit", "-o", str(out), expect=1)
    suite = ET.parse(out).getroot().find("testsuite")
    assert int(suite.get("tests")) == len(all_rules())
    failure = suite.find("testcase[@name='parent-unknown']/failure")
    assert failure is not None and f"{path}:3]" in failure.text and "1.4.99" in failure.text
    assert (
        suite.find("testcase[@name='parent-unknown']").get("classname")
        == "etomkg.rules.etomkg/imports/extension_check.py"
    )


def test_structural_rules_speak_chinese(cli):
    out = cli("validate", str(CORPUS / "maps-to-unknown.csv"), "--release", "25.5", "--lang", "zh", expect=1).stdout
    assert "映射到的 9.9.9 既不是该版本的元素" in out and "不符合" in out


def _readme_examples() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Operators' extensions") : readme.index("## What changed between releases")]
    blocks = dict(re.findall(r"```(csv|yaml|turtle|json)\n(.*?)```", section, re.S))
    assert set(blocks) == {"csv", "yaml", "turtle", "json"}
    return blocks


@pytest.mark.parametrize(("fmt", "suffix"), [("csv", "csv"), ("yaml", "yaml"), ("turtle", "ttl"), ("json", "jsonld")])
def test_the_readme_examples_are_clean_for_both_commands(cli, tmp_path, fmt, suffix):
    path = tmp_path / f"acme.{suffix}"
    path.write_text(_readme_examples()[fmt], encoding="utf-8")
    assert _validate(cli, path)[0] == _check(cli, path)[0] == 0
    assert _validate(cli, path)[1]["results"] == []
    summary = cli("import", "extension", str(path), "--check", "--release", "25.5").stdout
    assert "valid, nothing stored" in summary and "findings:" not in summary  # not even an info


def test_check_extension_is_the_same_verdict_for_programs():
    turtle = _readme_examples()["turtle"]
    report = check_extension(turtle, "turtle", "25.5")
    assert report.conforms() and report.findings == [] and report.shapes == "run"
    bad = check_extension(turtle.replace("25.5/process/1.3.3", "25.5/process/9.9.9"), "turtle", "25.5")
    assert bad.rule_ids() == ["maps-to-unknown"] and not bad.conforms()
    crm = next(n for n, line in enumerate(turtle.splitlines(), 1) if line.startswith("acme:crm"))
    assert bad.findings[0].line == crm and bad.findings[0].file is None
    unreadable = check_extension("processes: [\n", "yaml", "25.5")
    assert unreadable.rule_ids() == ["syntax"] and unreadable.findings[0].line == 1


# --- another reader joins the path (as the ODA component specs will) ---------------------------------------------


class _ComponentLines:
    """A toy reader of another kind of file: ``KEY maps-to ID ID …`` per line, each line a component."""

    name = "component-lines"
    rule = Rule("component-maps-to-unknown", "violation", "structure", {"en": "Components map to known elements.",
                "zh": "组件映射到已知元素。"}, {"en": "{$this} maps to {?value}, which is unknown.",
                "zh": "{$this} 映射到未知的 {?value}。"}, "tests/test_rulebook.py")  # fmt: skip

    def accepts(self, path: Path, fmt) -> bool:
        return path.suffix == ".components"

    def stage(self, path, fmt, kg, release, name):
        from etomkg.imports.extension_check import release_index
        from etomkg.validation.inputs import Staged
        from etomkg.validation.structure import finding

        release = kg.check_release(release or kg.default_release)
        index, graph = release_index(kg, release), kg.iris.extension("components")
        findings, quads, lines = [], [], {}
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            key, _, targets = line.partition(" maps-to ")
            subject = f"<https://acme.example/component/{key}>"
            lines[subject[1:-1]] = number
            quads += [f"{subject} <{RDF_TYPE}> <{ETOM}Application> <{graph}> .",
                      f'{subject} <{SKOS}notation> "{key}" <{graph}> .',
                      f'{subject} <{SKOS}prefLabel> "{key}"@en <{graph}> .',
                      f'{subject} <{SKOS}prefLabel> "组件 {key}"@zh <{graph}> .']  # fmt: skip
            for target in targets.split():
                if target not in index.by_id:
                    findings.append(finding(self.rule.id, key=key, file=path, line=number, value=target))
                else:
                    quads.append(f"{subject} <{ETOM}mapsTo> <{index.by_id[target]}> <{graph}> .")
        data = ("\n".join(quads) + "\n").encode()
        return Staged(path, "components", "components", release, findings, lambda: data, lines.get, len(lines),
                      [("components", str(len(lines)))])  # fmt: skip


@pytest.fixture()
def component_reader():
    from etomkg.validation.inputs import INPUTS, register_input
    from etomkg.validation.structure import register_rules

    reader = _ComponentLines()
    register_input(reader)
    register_rules([reader.rule])
    yield reader
    INPUTS.remove(reader)
    del STRUCTURE_RULES[reader.rule.id]


def test_another_reader_joins_the_one_path(cli, tmp_path, component_reader):
    good, bad = tmp_path / "good.components", tmp_path / "bad.components"
    good.write_text("CRM maps-to 1.3.3 1.4.5\nNOC maps-to 1.5.8\n", encoding="utf-8")
    bad.write_text("CRM maps-to 1.3.3\nNOC maps-to 9.9.9\n", encoding="utf-8")
    assert "| `component-maps-to-unknown` | violation |" in cli("validate", "--list-rules").stdout
    for path, code, rules in ((good, 0, []), (bad, 1, ["component-maps-to-unknown"])):
        validate_code, validated = _validate(cli, path)
        check_code, checked = _check(cli, path)
        assert validate_code == check_code == code
        assert sorted({r["rule"] for r in validated["results"]}) == sorted({f["rule"] for f in checked["findings"]})
        assert sorted({r["rule"] for r in validated["results"]}) == rules
    assert validated["results"][0]["line"] == 2 and "映射到未知的 9.9.9" in cli(
        "validate", str(bad), "--release", "25.5", "--lang", "zh", expect=1).stdout  # fmt: skip
    assert "  components  2\n" in cli("import", "extension", str(good), "--check", "--release", "25.5").stdout


def test_the_readme_output_example_says_what_the_readme_shows(cli, tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Output formats") : readme.index("### In other repositories' CI")]
    path = tmp_path / "my-l5.ttl"
    path.write_text(re.search(r"```turtle\n(.*?)```", section, re.S).group(1), encoding="utf-8")
    found = [(r["rule"], r["line"]) for r in _validate(cli, path)[1]["results"]]
    assert found == [("parent-identifier", 5)] and "[my-l5.ttl:5]" in section
    path.write_text(path.read_text(encoding="utf-8").replace("1.4.5.4.2>", "1.4.5.4.1>"), encoding="utf-8")
    found = sorted((r["rule"], r["line"]) for r in _validate(cli, path)[1]["results"])
    assert found == [("etom-proc-011", 9), ("label_whitespace", 9)] and "[my-l5.ttl:9]" in section
