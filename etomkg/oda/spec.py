"""A reader for users' own ODA component specifications (YAML, ``kind: Component``): the canonical form
(:class:`~etomkg.oda.model.Component`, every entry with its line) plus the problems found, each under a stable
rule id, so that ``etomkg import oda`` and ``etomkg validate spec.yaml`` report the same things.

Only YAML's safe loader is used (no Python objects, no tags). Rules:

* ``oda-spec-001`` the document is an ODA component (``apiVersion: oda.tmforum.org/…``, ``kind: Component``,
  a ``spec`` mapping);
* ``oda-spec-002`` ``componentMetadata`` has ``id``, ``name``, ``version`` and a ``status`` of
  production / preview / roadmap;
* ``oda-spec-003`` every eTOM, SID and Functional Framework entry is ``ID|Name_Token|vNN.N``;
* ``oda-spec-004`` every API entry has an ``id`` such as TMF620 and a boolean ``required``;
* ``oda-spec-005`` every SID entry names a SID domain the bundled specifications know;
* ``etom-oda-001`` … ``005`` the eTOM references and Open APIs, the same checks as the SHACL rules of
  ``shapes/oda.ttl`` (name in the cited release, release held, identifier there, still in the newest release,
  API in the index).

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "acme.yaml"
>>> _ = path.write_text(EXAMPLE, encoding="utf-8")
>>> component, problems = read_spec(path)
>>> component.identifier, component.processes[0].text, component.processes[0].line, problems
('ACME001', '1.4.5|Service_Activation_Management|v25.5', 9, [])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import EtomkgError
from .model import FUNCTIONS, STATUSES, AbeRef, ApiUse, Component, EventUse, FunctionRef, ProcessRef
from .resolve import NAME_MISMATCH, NO_CURRENT_VERSION, UNHELD_RELEASE, UNKNOWN_IDENTIFIER, Resolver

EXAMPLE = """\
apiVersion: oda.tmforum.org/v1
kind: Component
spec:
  componentMetadata:
    id: ACME001
    name: AcmeActivation
    version: 1.0.0
    status: preview
    eTOMs: ["1.4.5|Service_Activation_Management|v25.5"]
  coreFunction:
    exposedAPIs:
      - id: TMF640
        required: true
        specification: [{version: 4.0.0}]
"""

_ENTRY = re.compile(r"^([^|\s]+)\|([^|]+)\|(v?\d+(?:\.\d+)*)$")
_API = re.compile(r"^TMF\d{3}[A-Z]?$")
#: anomaly kind of the resolver → the rule (shapes/oda.ttl) that the same defect breaks
RULE_OF_KIND = {
    NAME_MISMATCH: "etom-oda-001",
    UNHELD_RELEASE: "etom-oda-002",
    UNKNOWN_IDENTIFIER: "etom-oda-003",
    NO_CURRENT_VERSION: "etom-oda-004",
}
UNKNOWN_API_RULE = "etom-oda-005"
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


class SpecError(EtomkgError):
    """A file that cannot be read as a component specification at all (not YAML, not a Component)."""

    def __init__(self, path: str, line: int | None, detail: str) -> None:
        self.path, self.line, self.detail = path, line, detail
        super().__init__(f"{path}:{line}: {detail}" if line else f"{path}: {detail}")


@dataclass(frozen=True)
class Problem:
    """One problem of a specification, where it is and which rule it breaks."""

    rule: str
    file: str
    line: int | None
    message: str
    severity: str = "violation"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.severity} [{self.rule}] {self.message}"


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for k, value in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def _value(node: yaml.Node | None):
    if node is None:
        return None
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _foreign_tag(node: yaml.Node | None) -> yaml.Node | None:
    """The first node with a tag outside YAML's own (``!!python/…`` and the like), if any."""
    if node is None:
        return None
    if node.tag not in _PLAIN_TAGS:
        return node
    children = []
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = node.value
    return next((found for child in children if (found := _foreign_tag(child)) is not None), None)


def read_spec(path: str | Path) -> tuple[Component, list[Problem]]:
    """Read one specification; raise :class:`SpecError` when it is not one, else return the component and the
    structural problems (rules ``oda-spec-*``; the references are checked by :func:`check_references`)."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(name, None, f"cannot read the file: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SpecError(name, mark.line + 1 if mark else None, f"YAML syntax error: {exc.problem or exc}") from None
    finally:
        loader.dispose()
    if (tagged := _foreign_tag(root)) is not None:
        raise SpecError(
            name,
            _line(tagged),
            f"YAML tag {tagged.tag} is not allowed: specifications are read with YAML's safe loader (plain data only)",
        )
    problems: list[Problem] = []

    def problem(rule: str, node: yaml.Node | None, message: str) -> None:
        problems.append(Problem(rule, name, _line(node) or _line(root), message))

    api_version, kind, spec = _value(_get(root, "apiVersion")), _value(_get(root, "kind")), _get(root, "spec")
    if not isinstance(root, yaml.MappingNode) or kind != "Component" or not isinstance(spec, yaml.MappingNode):
        raise SpecError(
            name,
            _line(root),
            "not an ODA component specification: expected a mapping with `kind: Component` and a `spec:` mapping "
            "(rule oda-spec-001)",
        )
    if not str(api_version or "").startswith("oda.tmforum.org/"):
        problem("oda-spec-001", _get(root, "apiVersion"), "apiVersion should be oda.tmforum.org/v1 (or a later v…)")
    meta = _get(spec, "componentMetadata")
    if not isinstance(meta, yaml.MappingNode):
        raise SpecError(name, _line(spec), "spec has no componentMetadata mapping (rule oda-spec-001)")
    fields = {}
    for key in ("id", "name", "version", "status", "functionalBlock", "publicationDate", "description"):
        value = _value(_get(meta, key))
        fields[key] = "" if value is None else str(value).strip()
    for key in ("id", "name", "version"):
        if not fields[key]:
            problem("oda-spec-002", meta, f"componentMetadata has no {key}; add `{key}: …`")
    if fields["status"] not in STATUSES:
        problem(
            "oda-spec-002",
            _get(meta, "status") or meta,
            f"status {fields['status']!r} is not one of {', '.join(STATUSES)}",
        )
    component = Component(
        fields["id"] or path.stem,
        fields["name"],
        fields["version"],
        fields["status"],
        fields["functionalBlock"],
        fields["publicationDate"],
        description=fields["description"] or None,
        file=name,
        line=_line(meta),
    )
    for key, target in (("eTOMs", "processes"), ("functionalFrameworkFunctions", "functions"), ("SIDs", "abes")):
        for item in _items(_get(meta, key)):
            text_value = str(_value(item) or "").strip()
            match = _ENTRY.match(text_value)
            if not match:
                problem("oda-spec-003", item, f"{key} entry {text_value!r} is not ID|Name_Token|vNN.N")
                continue
            first, token, cited = match.groups()
            cited = cited if cited.startswith("v") else "v" + cited
            if target == "processes":
                component.processes.append(ProcessRef(first, token, cited, _line(item)))
            elif target == "functions":
                component.functions.append(FunctionRef(first, token, cited, _line(item)))
            else:
                component.abes.append(AbeRef(first, token, cited, _line(item)))
    for function in FUNCTIONS:
        block = _get(spec, f"{function}Function")
        for key, direction in (("exposedAPIs", "exposed"), ("dependentAPIs", "dependent")):
            for item in _items(_get(block, key)):
                api = str(_value(_get(item, "id")) or "").strip()
                required = _value(_get(item, "required"))
                if not _API.match(api):
                    problem("oda-spec-004", item, f"API id {api!r} is not of the form TMF620")
                    continue
                if not isinstance(required, bool):
                    problem("oda-spec-004", _get(item, "required") or item, f"{api}: required must be true or false")
                    continue
                versions, resources = [], []
                for spec_item in _items(_get(item, "specification")):
                    version = str(_value(_get(spec_item, "version")) or "").strip()
                    if version:
                        versions.append(version.lstrip("v").split(".")[0])
                    for resource in _items(_get(spec_item, "resources")):
                        value = _value(resource)
                        resources += list(value) if isinstance(value, dict) else [str(value)]
                component.apis.append(
                    ApiUse(
                        function,
                        direction,
                        api,
                        required,
                        tuple(sorted(set(versions))),
                        tuple(sorted(set(resources))),
                        _line(item),
                    )  # fmt: skip
                )
        for key, direction in (("publishedEvents", "published"), ("subscribedEvents", "subscribed")):
            for item in _items(_get(block, key)):
                hub = str(_value(_get(item, "name")) or "").strip()
                if not hub:
                    problem("oda-spec-004", item, f"an entry of {key} has no name")
                    continue
                events = _value(_get(item, "resources")) or []
                events = list(events) if isinstance(events, (list, dict)) else [str(events)]
                component.events.append(EventUse(function, direction, hub, tuple(str(e) for e in events), _line(item)))
    return component, problems


def check_references(
    component: Component, resolver: Resolver, known_apis: set[str], sid_domains: set[str]
) -> list[Problem]:
    """Every eTOM reference, Open API and SID domain of a component, checked against the graph."""
    problems = []
    file = component.file or component.identifier
    for ref in component.processes:
        _, anomalies = resolver.resolve(ref)
        for anomaly in anomalies:
            problems.append(Problem(RULE_OF_KIND[anomaly.kind], file, ref.line, f"{ref.text}: {anomaly.comment}"))
    for use in component.apis:
        if use.api not in known_apis:
            problems.append(
                Problem(UNKNOWN_API_RULE, file, use.line, f"{use.api} is not in the Open API index; check the number")
            )
    return problems + sid_domain_problems(component, sid_domains)


def sid_domain_problems(component: Component, sid_domains: set[str]) -> list[Problem]:
    """Rule ``oda-spec-005``: every SID entry names a domain of ``sid_domains``."""
    file = component.file or component.identifier
    return [
        Problem(
            "oda-spec-005",
            file,
            abe.line,
            f"SID domain {abe.domain!r} is unknown; use one of {', '.join(sorted(sid_domains))}",
        )
        for abe in component.abes
        if abe.domain not in sid_domains
    ]


def spec_files(path: str | Path) -> list[Path]:
    """The YAML files to read: the file itself, or every ``*.yaml`` / ``*.yml`` of a folder (sorted)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise SpecError(str(path), None, "the folder holds no .yaml or .yml file")
        return files
    if not path.is_file():
        raise SpecError(str(path), None, "no such file or folder")
    return [path]
