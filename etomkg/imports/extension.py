"""Operators' extensions: their own processes below eTOM elements, and their applications,
systems and organisation units mapped to eTOM elements.

Four input forms, one result. CSV and YAML rows (documented in the README),
and Turtle or JSON-LD in the project's vocabulary, are all read into
:class:`Element` records that remember the file and the row or line they came
from; :mod:`etomkg.imports.extension_check` validates them against one release and
renders the canonical triples.

Identifiers: an operator process is numbered on from its parent, e.g.
``1.4.5.2.1.9`` below the eTOM element ``1.4.5.2.1``, so its level is the
depth of its identifier, like every eTOM element. Applications, systems and
organisation units have the operator's own keys (``CRM-01``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import EtomkgError
from ..iris import DCTERMS, ETOM, RDF, RDFS, SKOS, Iris, slug
from ..validation.structure import finding_at as Finding
from .limits import EXTENSION_FILE, check_regular_file

PROCESS_ID = re.compile(r"^1(\.\d+)+$")
ELEMENT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

#: kind -> (etom class, IRI path segment)
KINDS: dict[str, tuple[str, str]] = {
    "process": ("OperatorProcess", "process"),
    "application": ("Application", "application"),
    "system": ("SystemElement", "system"),
    "organisation-unit": ("OrganisationUnit", "organisation-unit"),
}
KIND_ALIASES = {
    "": "process",
    "process": "process",
    "operator process": "process",
    "application": "application",
    "app": "application",
    "system": "system",
    "platform": "system",
    "organisation unit": "organisation-unit",
    "organization unit": "organisation-unit",
    "org unit": "organisation-unit",
    "organisation": "organisation-unit",
    "organization": "organisation-unit",
    "department": "organisation-unit",
    "team": "organisation-unit",
}
#: column -> accepted spellings (compared after folding case, spaces, - and _)
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "type", "element type"),
    "id": ("id", "identifier", "key", "code"),
    "name": ("name", "name en", "label", "english name"),
    "name_zh": ("name zh", "chinese name", "label zh", "中文名称", "名称"),
    "parent": ("parent", "parent id", "parent identifier"),
    "level": ("level",),
    "description": ("description", "description en", "definition"),
    "description_zh": ("description zh", "definition zh", "中文描述", "描述"),
    "maps_to": ("maps to", "mapsto", "maps", "etom", "etom ids", "maps to etom"),
}
YAML_GROUPS = {
    "processes": "process",
    "applications": "application",
    "systems": "system",
    "organisation_units": "organisation-unit",
    "organization_units": "organisation-unit",
    "org_units": "organisation-unit",
}
_CLASS_KIND = {ETOM + cls: kind for kind, (cls, _) in KINDS.items()} | {ETOM + "ProcessElement": "process"}
_TYPE = RDF + "type"


class ExtensionSyntaxError(EtomkgError):
    """The file cannot be read at all (bad syntax, unknown format, a remote JSON-LD context)."""

    def __init__(self, message: str, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(message)


@dataclass
class Element:
    kind: str
    key: str  # identifier (processes) or the operator's key
    file: str
    line: int | None
    iri: str | None = None  # given by RDF inputs; minted for CSV/YAML
    names: dict[str, list[str]] = field(default_factory=dict)  # language -> names
    descriptions: dict[str, list[str]] = field(default_factory=dict)
    parent: str | None = None  # an identifier (CSV/YAML) or an IRI (RDF)
    level: str | None = None  # as stated
    maps_to: list[str] = field(default_factory=list)  # identifiers or IRIs
    stated: dict[str, list[str]] = field(default_factory=dict)  # derived facts an RDF input states itself
    extra: list[ox.Quad] = field(default_factory=list)  # other triples of an RDF input, kept as they are
    findings: list[Finding] = field(default_factory=list)  # problems found while reading


@dataclass
class ExtensionDoc:
    path: Path
    fmt: str
    elements: list[Element]
    findings: list[Finding] = field(default_factory=list)  # structure problems (columns, kinds, terms)
    other: list[ox.Quad] = field(default_factory=list)  # RDF triples about nothing we know (kept)
    sha256: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # a YAML file's own release and name

    @property
    def name(self) -> str:
        return self.path.name


def column_key(text: str) -> str:
    return " ".join(re.sub(r"[\s_\-]+", " ", str(text).strip().lower()).split())


_COLUMN_LOOKUP = {column_key(a): c for c, aliases in COLUMNS.items() for a in aliases}


def _split_ids(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;|]+", text.strip()) if part]


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        fmt = fmt.lower()
        aliases = {"ttl": "turtle", "json-ld": "jsonld", "yml": "yaml", "json": "jsonld"}
        fmt = aliases.get(fmt, fmt)
        if fmt not in ("csv", "yaml", "turtle", "jsonld"):
            raise EtomkgError(f"--format {fmt!r}: choose csv, yaml, turtle or jsonld")
        return fmt
    suffix = path.suffix.lower()
    by_suffix = {
        ".csv": "csv",
        ".yaml": "yaml",
        ".yml": "yaml",
        ".ttl": "turtle",
        ".nt": "turtle",  # N-Triples is Turtle
        ".jsonld": "jsonld",
        ".json": "jsonld",
    }
    if suffix not in by_suffix:
        raise EtomkgError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'}; name the file .csv, .yaml, "
            ".ttl or .jsonld, or pass --format"
        )
    return by_suffix[suffix]


def read_extension(path: str | Path, fmt: str | None = None, *, iris: Iris | None = None) -> ExtensionDoc:
    """Read an extension file into elements (nothing is checked against a release yet)."""
    import hashlib

    path = check_regular_file(path, EXTENSION_FILE)
    fmt = detect_format(path, fmt)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExtensionSyntaxError(
            f"{path}:{line}: not UTF-8 text; save the file as UTF-8",
            [Finding("syntax", "violation", path.name, "not UTF-8 text", "save the file as UTF-8", path.name, line)],
        ) from None
    reader = {"csv": _read_csv, "yaml": _read_yaml, "turtle": _read_rdf, "jsonld": _read_rdf}[fmt]
    doc = reader(path, text, fmt, iris or Iris())
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc


# --- CSV ---


def _read_csv(path: Path, text: str, fmt: str, iris: Iris) -> ExtensionDoc:
    doc = ExtensionDoc(path, fmt, [])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        doc.findings.append(
            Finding(
                "column-missing",
                "violation",
                path.name,
                "the file is empty",
                "start with a header row: " + ",".join(COLUMNS),
                path.name,
                1,
            )
        )
        return doc
    header = rows[0]
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _COLUMN_LOOKUP.get(column_key(cell))
        if key is None:
            if cell.strip():
                doc.findings.append(
                    Finding(
                        "column-unknown",
                        "violation",
                        cell,
                        f"unknown column '{cell}'",
                        f"rename or remove it; the columns are: {', '.join(COLUMNS)}",
                        path.name,
                        1,
                    )
                )
        elif key in columns:
            doc.findings.append(
                Finding(
                    "column-unknown",
                    "violation",
                    cell,
                    f"column '{cell}' repeats '{key}'",
                    "keep one column per field",
                    path.name,
                    1,
                )
            )
        else:
            columns[key] = position
    for needed in ("id", "name"):
        if needed not in columns:
            doc.findings.append(
                Finding(
                    "column-missing",
                    "violation",
                    needed,
                    f"no '{needed}' column",
                    f"add a header named '{needed}' (columns: {', '.join(COLUMNS)})",
                    path.name,
                    1,
                )
            )
    if any(f.rule.id == "column-missing" for f in doc.findings):
        return doc  # the rows cannot be read; unknown columns alone do not stop the row checks
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        values = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        doc.elements.append(_element(values, path.name, number, doc))
    return doc


def _element(values: dict[str, str], file: str, line: int, doc: ExtensionDoc) -> Element:
    raw_kind = values.get("kind", "")
    kind = raw_kind if raw_kind in KINDS else KIND_ALIASES.get(column_key(raw_kind))
    element = Element(kind or "process", values.get("id", ""), file, line)
    if kind is None:
        element.findings.append(
            Finding(
                "kind-unknown",
                "violation",
                values.get("id") or f"row {line}",
                f"unknown kind '{raw_kind}'",
                f"use one of: {', '.join(KINDS)}",
                file,
                line,
            )
        )
    for key, lang, target in (
        ("name", "en", element.names),
        ("name_zh", "zh", element.names),
        ("description", "en", element.descriptions),
        ("description_zh", "zh", element.descriptions),
    ):
        if values.get(key):
            target.setdefault(lang, []).append(values[key])
    element.parent = values.get("parent") or None
    element.level = values.get("level") or None
    element.maps_to = _split_ids(values.get("maps_to", ""))
    return element


# --- YAML ---


def _read_yaml(path: Path, text: str, fmt: str, iris: Iris) -> ExtensionDoc:
    import yaml

    doc = ExtensionDoc(path, fmt, [])

    def fail(message: str, line: int | None, fix: str) -> ExtensionSyntaxError:
        if line:  # PyYAML puts an unexpected end of the file on the line after the last
            line = min(line, max(1, len(text.splitlines())))
        where = f"{path}:{line}" if line else str(path)
        return ExtensionSyntaxError(
            f"{where}: {message}; {fix}", [Finding("syntax", "violation", path.name, message, fix, path.name, line)]
        )

    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):  # aliases can multiply a small file into a huge one
                raise fail("YAML aliases (*name) are not accepted", event.start_mark.line + 1, "write each row out")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise fail(
            f"not valid YAML ({getattr(exc, 'problem', exc)})", mark.line + 1 if mark else None, "fix the YAML syntax"
        ) from None
    if root is None:
        return doc

    def scalar(node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value).strip()
        if isinstance(node, yaml.SequenceNode):
            return " ".join(scalar(n) for n in node.value)
        raise fail("a nested mapping where a value was expected", node.start_mark.line + 1, "give a plain value")

    def rows(seq, kind: str | None):
        if not isinstance(seq, yaml.SequenceNode):
            raise fail("expected a list of elements", seq.start_mark.line + 1, "write '- id: …' items")
        for item in seq.value:
            line = item.start_mark.line + 1
            if not isinstance(item, yaml.MappingNode):
                raise fail("expected an element (a mapping of id, name …)", line, "write 'id: …' and 'name: …'")
            values: dict[str, str] = {}
            for key_node, value_node in item.value:
                key = _COLUMN_LOOKUP.get(column_key(key_node.value))
                if key is None:
                    doc.findings.append(
                        Finding(
                            "column-unknown",
                            "violation",
                            str(key_node.value),
                            f"unknown field '{key_node.value}'",
                            f"the fields are: {', '.join(COLUMNS)}",
                            path.name,
                            key_node.start_mark.line + 1,
                        )
                    )
                    continue
                values[key] = scalar(value_node)
            if kind is not None:
                if values.get("kind") and KIND_ALIASES.get(column_key(values["kind"])) != kind:
                    doc.findings.append(
                        Finding(
                            "kind-unknown",
                            "violation",
                            values.get("id", f"line {line}"),
                            f"kind '{values['kind']}' in the list of {kind} elements",
                            "move the element to the list of its kind or drop its kind field",
                            path.name,
                            line,
                        )
                    )
                values["kind"] = kind
            doc.elements.append(_element(values, path.name, line, doc))

    if isinstance(root, yaml.SequenceNode):
        rows(root, None)
    elif isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            key = str(key_node.value)
            if key in YAML_GROUPS:
                rows(value_node, YAML_GROUPS[key])
            elif key == "elements":
                rows(value_node, None)
            elif key in ("release", "name"):
                doc.meta[key] = scalar(value_node)
            else:
                doc.findings.append(
                    Finding(
                        "column-unknown",
                        "violation",
                        key,
                        f"unknown top-level key '{key}'",
                        f"use {', '.join(YAML_GROUPS)}, elements, release or name",
                        path.name,
                        key_node.start_mark.line + 1,
                    )
                )
    else:
        raise fail("expected a mapping or a list at the top", 1, "see the README's YAML example")
    return doc


# --- Turtle and JSON-LD ---


def _inline_context(text: str, iris: Iris) -> str:
    """Replace a reference to the published context by the context itself (it is never fetched)."""
    from ..outputs.export import jsonld_context

    published = {iris.context, "https://w3id.org/etomkg/context.jsonld"}
    try:
        data = json.loads(text)
    except ValueError:
        return text  # the parser reports the syntax error with its position
    except RecursionError:
        raise EtomkgError("the JSON-LD is nested too deeply to be read; flatten it") from None

    def swap(node):
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "@context":
                    if isinstance(value, str) and value in published:
                        value = jsonld_context()["@context"]
                    elif isinstance(value, list):
                        # an array mixes IRIs and inline contexts (objects): only a string can name ours
                        value = [
                            jsonld_context()["@context"] if isinstance(v, str) and v in published else v for v in value
                        ]
                out[key] = swap(value) if key != "@context" else value
            return out
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    return json.dumps(swap(data))


_TOKEN = re.compile(r'<([^<>\s]*)>|"([^"\\]*)"|[\w-]*:([\w.-]*\w)')


def _line_index(text: str):
    """Find the first line where an IRI (or its prefixed or local form) appears, for error locations.
    The tokens are indexed once: a file of thousands of elements is located in one pass, not one per element."""
    lines = text.splitlines()
    first: dict[tuple[str, str], int] = {}
    for number, line in enumerate(lines, 1):
        for match in _TOKEN.finditer(line):
            for kind, value in zip('<":', match.groups(), strict=True):
                if value is not None:
                    first.setdefault((kind, value), number)

    def line_of(iri: str) -> int | None:
        local = re.split(r"[/#]", iri)[-1]
        for key in (("<", iri), ('"', iri), (":", local)):
            if key in first:
                return first[key]
        if local:  # written some other way (inside a longer string, say): look for the name itself
            return next((number for number, line in enumerate(lines, 1) if local in line), None)
        return None

    return line_of


def _read_rdf(path: Path, text: str, fmt: str, iris: Iris) -> ExtensionDoc:
    doc = ExtensionDoc(path, fmt, [])
    source = _inline_context(text, iris) if fmt == "jsonld" else text
    oxfmt = ox.RdfFormat.JSON_LD if fmt == "jsonld" else ox.RdfFormat.TURTLE
    try:
        quads = list(ox.parse(source.encode("utf-8"), format=oxfmt, without_named_graphs=True))
    except SyntaxError as exc:
        message = str(exc)
        match = re.search(r"\bline (\d+)", message)
        line = exc.lineno or (int(match.group(1)) if match else None)
        column = exc.offset if exc.lineno else None
        fix = "fix the syntax"
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            message = "the JSON-LD refers to a remote @context, which etomkg never fetches"
            fix = f"inline the context, or refer to {iris.context}, which etomkg resolves locally"
            at = text.find('"@context"')
            if at >= 0:  # point at the context
                line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        elif "named graph" in message.lower():
            fix = "put every triple in the default graph; etomkg names the extension's graph itself"
        where = f"{path}:{line}:{column}" if line and column else f"{path}:{line}" if line else str(path)
        raise ExtensionSyntaxError(
            f"{where}: cannot be read as {fmt}: {message}; {fix}",
            [Finding("syntax", "violation", path.name, message, fix, path.name, line)],
        ) from None
    line_of = _line_index(text)
    by_subject: dict[object, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_subject[quad.subject].append(quad)
    for subject, triples in by_subject.items():
        kinds = {
            _CLASS_KIND[q.object.value] for q in triples if q.predicate.value == _TYPE and q.object.value in _CLASS_KIND
        }
        if not kinds:
            doc.other.extend(triples)
            continue
        iri = subject.value
        line = line_of(iri) if isinstance(subject, ox.NamedNode) else None
        kind = "process" if "process" in kinds else sorted(kinds)[0]
        element = Element(kind, "", path.name, line, iri=iri if isinstance(subject, ox.NamedNode) else None)
        if len(kinds) > 1:
            element.findings.append(
                Finding(
                    "kind-unknown",
                    "violation",
                    iri,
                    f"typed as several kinds ({', '.join(sorted(kinds))})",
                    "give each element one class",
                    path.name,
                    line,
                )
            )
        for quad in triples:
            _rdf_property(element, quad)
        if not isinstance(subject, ox.NamedNode):
            element.line = line_of(element.key) if element.key else None  # where its identifier is written
            element.findings.append(
                Finding(
                    "iri-required",
                    "violation",
                    f"_:{subject.value}",
                    "a blank node cannot be an element",
                    "give the element an IRI in your own namespace",
                    path.name,
                    element.line,
                )
            )
        doc.elements.append(element)
    return doc


_LANG_TARGETS = {
    SKOS + "prefLabel": "names",
    RDFS + "label": "names",
    SKOS + "definition": "descriptions",
    DCTERMS + "description": "descriptions",
}
_DERIVED = {
    ETOM + "release",
    SKOS + "inScheme",
    ETOM + "domain",
    ETOM + "hierarchyLevel",
    SKOS + "broader",
    ETOM + "level",
}


def _rdf_property(element: Element, quad: ox.Quad) -> None:
    predicate, obj = quad.predicate.value, quad.object
    if (
        predicate == _TYPE
        and obj.value in _CLASS_KIND
        or predicate == _TYPE
        and obj.value in (SKOS + "Concept", ETOM + "MappedElement")
    ):
        return
    if predicate == SKOS + "notation" and isinstance(obj, ox.Literal):
        element.key = obj.value if not element.key else element.key
        if element.key != obj.value:
            element.findings.append(
                Finding(
                    "identifier-format",
                    "violation",
                    element.iri or element.key,
                    f"two identifiers ({element.key}, {obj.value})",
                    "give one skos:notation",
                    element.file,
                    element.line,
                )
            )
        return
    if predicate in _LANG_TARGETS and isinstance(obj, ox.Literal):
        target = getattr(element, _LANG_TARGETS[predicate])
        target.setdefault(obj.language or "en", []).append(obj.value)
        return
    if predicate == ETOM + "parent":
        element.parent = obj.value
        return
    if predicate == ETOM + "mapsTo":
        element.maps_to.append(obj.value)
        return
    if predicate in _DERIVED:
        element.stated.setdefault(predicate, []).append(obj.value)
        if predicate == ETOM + "level":
            element.level = obj.value
        return
    element.extra.append(quad)


def default_name(path: Path) -> str:
    """The extension's name from its file name: ``Acme Ops.csv`` → ``acme-ops``."""
    return slug(path.stem) or "extension"


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise EtomkgError(
            f"extension name {name!r}: use lower-case letters, digits and '-' (it becomes part of an IRI), "
            f"e.g. --name {slug(name) or 'acme-ops'}"
        )
    return name


__all__ = ["read_extension", "ExtensionDoc", "Element", "ExtensionSyntaxError", "KINDS", "default_name", "check_name"]
