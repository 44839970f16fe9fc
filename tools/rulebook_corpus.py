"""Writes tests/data/rulebook/: extension files in every input form (CSV, YAML, Turtle, JSON-LD), each breaking
exactly one rule of the rule book against release 25.5, plus correct ones. tests/test_rulebook.py checks that
``etomkg validate`` and ``etomkg import extension --check`` agree on every file, and that this script's output
is what is committed.

    .venv/bin/python tools/rulebook_corpus.py          # (re)write the corpus

Each case is a list of elements in the neutral form below, written out the way a person would write each
format (the README's forms: identifiers and eTOM identifiers in CSV/YAML, IRIs in RDF); a few cases break a
rule only one form can break (two English names in RDF; an unknown column in CSV), see ``NOT_EXPRESSIBLE``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "rulebook"
RELEASE = "https://w3id.org/etomkg/release/25.5/process/"
ACME = "https://acme.example/etom/"
FORMATS = {"csv": "csv", "yaml": "yaml", "turtle": "ttl", "jsonld": "jsonld"}
CLASSES = {"process": "ProcessElement", "application": "Application", "system": "SystemElement",
           "organisation-unit": "OrganisationUnit"}  # fmt: skip
GROUPS = {"process": "processes", "application": "applications", "system": "systems",
          "organisation-unit": "organisation_units"}  # fmt: skip

#: rule → the forms that cannot break it, and why
NOT_EXPRESSIBLE = {
    "column-missing": ("yaml turtle jsonld", "only a CSV file has a header row"),
    "column-unknown": ("turtle jsonld", "RDF has no columns; an unknown etom: term is term-unknown"),
    "iri-required": ("csv yaml", "CSV and YAML elements get IRIs minted from their identifiers"),
    "etom-element-modified": ("csv yaml", "CSV and YAML rows describe the operator's own elements only"),
    "label-duplicate-language": ("csv yaml", "one name column (a second one is column-unknown)"),
    "definition-duplicate-language": ("csv yaml", "one description column (a second one is column-unknown)"),
    "release-mismatch": ("csv yaml", "no release column: the release is the one checked against"),
    "derived-mismatch": ("csv yaml", "no columns for derived facts (domain, broader, hierarchy level)"),
    "term-unknown": ("csv yaml", "no etom: terms; an unknown column is column-unknown"),
    "type-missing": ("csv yaml", "every row has a kind (process by default)"),
    "annotation_whitespace": ("csv yaml", "cells and YAML values are trimmed when read"),
}


@dataclass
class El:
    kind: str
    id: str | None
    name: str | None
    zh: str | None = None
    parent: str | None = None
    level: int | None = None
    maps: tuple[str, ...] = ()
    desc: str | None = None
    desc_zh: str | None = None
    slug: str | None = None  # RDF local name (default: from the identifier)
    names_en: tuple[str, ...] = ()  # RDF: more English names
    descs_en: tuple[str, ...] = ()  # RDF: more English descriptions
    classes: tuple[str, ...] = ()  # RDF: more classes
    blank: bool = False  # RDF: a blank node
    rdf: dict = field(default_factory=dict)  # RDF: more statements, predicate CURIE → IRI or literal

    @property
    def local(self) -> str:
        return self.slug or re.sub(r"[^a-z0-9]+", "-", (self.id or "x").lower()).strip("-")


P1 = El("process", "1.4.5.2.91", "Validate activation request", "校验开通请求", parent="1.4.5.2")
P2 = El("process", "1.4.5.2.91.1", "Check service address", "核对业务地址", parent="1.4.5.2.91", level=5)
APP = El("application", "CRM-01", "Acme CRM", "Acme 客户关系管理", maps=("1.3.3", "1.4.5.2.91"))
SYS = El("system", "ACT-PLAT", "Activation platform", "开通平台", maps=("1.4.5", "1.4.5.2.91"))
NOC = El("organisation-unit", "NOC", "Network Operations Centre", "网络运维中心", maps=("1.5.8",))

#: rule → the elements of a file that breaks exactly that rule (and texts of files that cannot be read)
CASES: dict[str, list[El]] = {
    "valid": [P1, P2, APP, SYS, NOC],
    "kind-unknown": [P1, El("gadget", "1.4.5.2.95", "Gadget step", "小工具步骤", maps=("1.4.5",))],
    "identifier-missing": [P1, replace(APP, id=None, slug="crm")],
    "identifier-format": [P1, replace(APP, id="CRM 01", slug="crm")],
    "identifier-duplicate": [P1, APP, replace(APP, name="Acme CRM two", zh="Acme 客户关系管理二", slug="crm-two")],
    "identifier-taken": [P1, El("process", "1.4.5.2.1", "Determine availability", "确定可用性", parent="1.4.5.2")],
    "label-missing": [P1, replace(P2, name=None)],
    "label-zh-missing": [P1, replace(APP, zh=None)],
    "level-depth": [replace(P1, level=7)],
    "parent-unknown": [P1, El("process", "1.4.99.1", "Orphan step", "孤立步骤", parent="1.4.99")],
    "parent-identifier": [P1, El("process", "1.4.5.2.92.1", "Wrong parent", "错误父流程", parent="1.4.5.2.91")],
    "parent-not-allowed": [P1, replace(SYS, parent="1.4")],
    "level-not-allowed": [P1, replace(APP, level=3)],
    "maps-to-missing": [P1, replace(APP, maps=())],
    "maps-to-unknown": [P1, replace(APP, maps=("9.9.9",))],
    "column-unknown": [P1],  # with an 'owner' column / field
    "column-missing": [P1],  # without a name column
    "iri-required": [P1, replace(APP, blank=True)],
    "etom-element-modified": [
        P1,
        El("untyped", None, None, rdf={"skos:prefLabel": ("Hijacked", "en")}, slug="release:1.4.5"),
    ],  # fmt: skip
    "label-duplicate-language": [replace(P1, names_en=("Check the activation request",))],
    "definition-duplicate-language": [replace(P1, desc="Check the request.", descs_en=("Verify the request.",))],
    "release-mismatch": [replace(P1, rdf={"etom:release": "https://w3id.org/etomkg/release/26.0"})],
    "derived-mismatch": [replace(P1, rdf={"etom:domain": RELEASE + "1.5"})],
    "term-unknown": [P1, replace(APP, rdf={"etom:mapTo": RELEASE + "1.3.4"})],
    "type-missing": [P1, El("untyped", None, None, rdf={"etom:mapsTo": RELEASE + "1.3.3"}, slug="loose")],
    # rules of the shapes that an extension file can break
    "label_whitespace": [replace(P1, name="Validate  activation request")],
    "duplicate_label": [replace(P1, name="Determine Service Parameter Availability")],
    "etom-proc-010": [El("process", "1.4.5.91", "Manage activation exceptions", None, parent="1.4.5")],
    "etom-proc-011": [P1, replace(P2, zh=None)],
    "missing_definition": [El("process", "1.4.91", "Manage partner activations", "管理合作伙伴开通", parent="1.4")],
    "annotation_whitespace": [replace(P1, desc="Check the request before activation. ")],
}
SYNTAX = {
    "csv": b"kind,id,name,name_zh\nprocess,1.4.5.2.91,Caf\xe9 check,\n",  # Latin-1, not UTF-8
    "yaml": b"processes:\n  - id: 1.4.5.2.91\n    name: [Validate activation request\n",
    "turtle": (
        b"@prefix etom: <https://w3id.org/etomkg/ontology#> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        b'<https://acme.example/etom/1-4-5-2-91> a etom:ProcessElement ; skos:notation "1.4.5.2.91"\n'
        b'<https://acme.example/etom/crm> a etom:Application .\n'
    ),
    "jsonld": b'{"@context": "https://w3id.org/etomkg/context.jsonld",\n "graph": [{"id": "https://acme.example/x",}]}\n',
}  # fmt: skip


def _ref(ref: str, elements: list[El]) -> str:
    own = next((e for e in elements if e.id == ref and e.kind == "process"), None)
    return ACME + own.local if own else RELEASE + ref


def _subject(e: El) -> str:
    if e.slug and e.slug.startswith("release:"):
        return RELEASE + e.slug.split(":", 1)[1]
    return ACME + e.local


# --- CSV and YAML: identifiers, as the README writes them ---


def write_csv(elements: list[El], rule: str) -> bytes:
    columns = ["kind", "id", "name", "name_zh", "parent", "level", "description", "description_zh", "maps_to"]
    if rule == "column-missing":
        columns.remove("name")
    if rule == "column-unknown":
        columns.append("owner")
    lines = [",".join(columns)]
    for e in elements:
        row = {"kind": e.kind, "id": e.id or "", "name": e.name or "", "name_zh": e.zh or "",
               "parent": e.parent or "", "level": "" if e.level is None else str(e.level), "description": e.desc or "",
               "description_zh": e.desc_zh or "", "maps_to": " ".join(e.maps), "owner": "Acme process office"}  # fmt: skip
        lines.append(",".join(_csv_cell(row[c]) for c in columns))
    return ("\n".join(lines) + "\n").encode()


def _csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(c in text for c in ',"\n') else text


def write_yaml(elements: list[El], rule: str) -> bytes:
    lines = ['release: "25.5"']
    groups: dict[str, list[El]] = {}
    for e in elements:
        groups.setdefault(GROUPS.get(e.kind, "elements"), []).append(e)
    for group, members in groups.items():
        lines.append(f"{group}:")
        for e in members:
            fields = [("kind", e.kind if group == "elements" else None), ("id", e.id), ("name", e.name),
                      ("name_zh", e.zh), ("parent", e.parent), ("level", e.level), ("description", e.desc),
                      ("description_zh", e.desc_zh), ("maps_to", list(e.maps) or None),
                      ("owner", "Acme process office" if rule == "column-unknown" else None)]  # fmt: skip
            present = [(k, v) for k, v in fields if v is not None]
            for i, (key, value) in enumerate(present):
                text = json.dumps(value, ensure_ascii=False) if not isinstance(value, int) else str(value)
                lines.append(f"{'  - ' if i == 0 else '    '}{key}: {text}")
    return ("\n".join(lines) + "\n").encode()


# --- Turtle and JSON-LD: IRIs, in the project's vocabulary ---


def write_turtle(elements: list[El], rule: str) -> bytes:
    out = [
        "@prefix etom: <https://w3id.org/etomkg/ontology#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix acme: <https://acme.example/etom/> .",
        "",
    ]
    for e in elements:
        subject = "[]" if e.blank else f"<{_subject(e)}>" if e.slug and ":" in e.slug else f"acme:{e.local}"
        props: list[str] = []
        classes = [CLASSES[e.kind]] if e.kind in CLASSES else []
        if rule == "kind-unknown" and e.kind == "gadget":
            classes = ["Application", "SystemElement"]
        classes += list(e.classes)
        if classes:
            props.append("a " + " , ".join(f"etom:{c}" for c in classes))
        if e.id is not None:
            props.append(f"skos:notation {json.dumps(e.id)}")
        names = [f"{json.dumps(n, ensure_ascii=False)}@en" for n in (e.name, *e.names_en) if n]
        names += [f"{json.dumps(e.zh, ensure_ascii=False)}@zh"] if e.zh else []
        if names:
            props.append("skos:prefLabel " + " , ".join(names))
        if e.parent:
            props.append(f"etom:parent <{_ref(e.parent, elements)}>")
        if e.level is not None:
            props.append(f"etom:level {e.level}")
        descs = [f"{json.dumps(d, ensure_ascii=False)}@en" for d in (e.desc, *e.descs_en) if d]
        descs += [f"{json.dumps(e.desc_zh, ensure_ascii=False)}@zh"] if e.desc_zh else []
        if descs:
            props.append("skos:definition " + " , ".join(descs))
        if e.maps:
            props.append("etom:mapsTo " + " , ".join(f"<{_ref(m, elements)}>" for m in e.maps))
        for predicate, value in e.rdf.items():
            obj = f"{json.dumps(value[0], ensure_ascii=False)}@{value[1]}" if isinstance(value, tuple) else f"<{value}>"
            props.append(f"{predicate} {obj}")
        out.append(f"{subject} " + " ;\n    ".join(props) + " .\n")
    return "\n".join(out).encode()


def write_jsonld(elements: list[El], rule: str) -> bytes:
    graph = []
    for e in elements:
        node: dict = {} if e.blank else {"id": _subject(e)}
        classes = [CLASSES[e.kind]] if e.kind in CLASSES else []
        if rule == "kind-unknown" and e.kind == "gadget":
            classes = ["Application", "SystemElement"]
        if classes:
            node["type"] = [f"etom:{c}" for c in classes] if len(classes) > 1 else f"etom:{classes[0]}"
        if e.id is not None:
            node["identifier"] = e.id
        names: dict = {}
        english = [n for n in (e.name, *e.names_en) if n]
        if english:
            names["en"] = english if len(english) > 1 else english[0]
        if e.zh:
            names["zh"] = e.zh
        if names:
            node["name"] = names
        if e.parent:
            node["parent"] = _ref(e.parent, elements)
        if e.level is not None:
            node["level"] = e.level
        descs: dict = {}
        english = [d for d in (e.desc, *e.descs_en) if d]
        if english:
            descs["en"] = english if len(english) > 1 else english[0]
        if e.desc_zh:
            descs["zh"] = e.desc_zh
        if descs:
            node["definition"] = descs
        if e.maps:
            node["etom:mapsTo"] = [{"id": _ref(m, elements)} for m in e.maps]
        for predicate, value in e.rdf.items():
            if isinstance(value, tuple):
                node[predicate] = {"@value": value[0], "@language": value[1]}
            else:
                node[predicate] = {"id": value}
        graph.append(node)
    document = {"@context": "https://w3id.org/etomkg/context.jsonld", "graph": graph}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


WRITERS = {"csv": write_csv, "yaml": write_yaml, "turtle": write_turtle, "jsonld": write_jsonld}


def corpus() -> dict[str, bytes]:
    """File name → content of every file of the corpus."""
    files: dict[str, bytes] = {}
    for fmt, suffix in FORMATS.items():
        files[f"syntax.{suffix}"] = SYNTAX[fmt]
        for rule, elements in CASES.items():
            if fmt in NOT_EXPRESSIBLE.get(rule, ("",))[0].split():
                continue
            files[f"{rule}.{suffix}"] = WRITERS[fmt](elements, rule)
    return files


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = corpus()
    for stale in OUT.iterdir():
        if stale.name not in files:
            stale.unlink()
    for name, data in sorted(files.items()):
        (OUT / name).write_bytes(data)
    print(f"wrote {len(files)} files to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
