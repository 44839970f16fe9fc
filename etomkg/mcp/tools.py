"""What the MCP tools answer, as plain functions of a knowledge graph (no MCP here: testable on their own).

Every answer is a JSON-ready dict that names its release and the IRIs of the
processes it mentions, so an assistant can cite them; :func:`summary` lines
are the short text that goes with it.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

from .. import queries
from ..catalog import Catalog, Element
from ..errors import EtomkgError
from ..search import SearchIndex
from ..store import KnowledgeGraph

LANGS = ("en", "zh")
_IDENTIFIER = re.compile(r"^\d+(\.\d+)*$")
_FLOW_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
EXTENSION_FORMATS = ("csv", "yaml", "turtle", "jsonld")
MAX_EXTENSION_CHARS = 5_000_000
SIMILAR_AT_LEAST = 50.0  # a fuzzy candidate below this is noise


class ToolInputError(EtomkgError, ValueError):
    """An argument an assistant got wrong: the message says what to pass instead."""


def _release(kg: KnowledgeGraph, release: str | None) -> str:
    if release is None or release == "":
        return kg.default_release
    if release not in kg.releases:
        raise ToolInputError(f"unknown release {release!r}; the graph holds: {', '.join(kg.releases)}")
    return release


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise ToolInputError(f"lang {lang!r}: use en or zh")
    return lang


def _element(kg: KnowledgeGraph, release: str, identifier: str) -> Element:
    identifier = identifier.strip()
    if not _IDENTIFIER.match(identifier):
        raise ToolInputError(
            f"{identifier!r} is not a process identifier; pass one such as 1.4.5 (search_processes finds them by name)"
        )
    element = Catalog.of(kg).release(release).get(identifier)
    if element is None:
        raise ToolInputError(
            f"release {release} has no process {identifier}; find it with search_processes, or try another release"
        )
    return element


def process_ref(kg: KnowledgeGraph, element: Element) -> dict:
    """How a process is cited: identifier, names, level, release and IRI."""
    return {
        "identifier": element.identifier,
        "name": {lang: element.labels[lang] for lang in LANGS if lang in element.labels},
        "level": element.level,
        "release": element.release,
        "iri": kg.iris.process(element.release, element.identifier),
    }


# --- search and look-up ---------------------------------------------------------------------------------------


def search_processes(
    kg: KnowledgeGraph, query: str, release: str | None = None, limit: int = 10, lang: str = "en"
) -> dict:
    if not query.strip():
        raise ToolInputError("the query is empty; pass an identifier (1.4.5) or words of a name (activation, 开通)")
    if not 1 <= limit <= 100:
        raise ToolInputError(f"limit {limit}: choose 1 to 100")
    _lang(lang)
    scope = _release(kg, release) if release else None
    result = SearchIndex.of(kg).search(query, release=scope, limit=limit)
    hits = []
    for hit in result.hits:
        hits.append(
            {
                "identifier": hit.identifier,
                "name": {k: v for k, v in sorted(hit.labels.items()) if k in LANGS},
                "level": hit.level,
                "release": hit.release,
                "releases": hit.releases,
                "iri": kg.iris.process(hit.release, hit.identifier),
                "match": hit.match,
            }
        )
    if not hits:  # nothing holds these words: what a person would still call close (typos, abbreviations)
        from ..reconcile.matcher import Matcher

        for candidate in Matcher.of(kg).match(query, release=scope, limit=limit):
            if candidate.score >= SIMILAR_AT_LEAST:
                element = Catalog.of(kg).release(candidate.release)[candidate.identifier]
                hits.append(
                    {
                        **process_ref(kg, element),
                        "releases": [candidate.release],
                        "match": f"similar ({candidate.how}, score {candidate.score:g})",
                    }
                )
    return {"query": query, "release": scope, "total": max(result.total, len(hits)), "hits": hits}


def _definitions(kg: KnowledgeGraph, iri: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for solution in kg.query(f"SELECT ?text WHERE {{ <{iri}> skos:definition ?text }} ORDER BY ?text"):
        lang = solution["text"].language or ""
        if lang in LANGS and lang not in found:
            found[lang] = solution["text"].value
    return found


def lineage(kg: KnowledgeGraph, iri: str) -> list[dict]:
    """The versions of a process in other releases along the graph's version links, with each link's basis."""
    rows = kg.select(
        f"""SELECT ?direction ?version ?release ?id ?name ?basis WHERE {{
          {{ <{iri}> etom:previousVersion+ ?version BIND("earlier" AS ?direction)
             OPTIONAL {{ ?link etom:older ?version ; etom:basis ?basis }} }}
          UNION
          {{ <{iri}> etom:nextVersion+ ?version BIND("later" AS ?direction)
             OPTIONAL {{ ?link etom:newer ?version ; etom:basis ?basis }} }}
          ?version skos:notation ?id ; etom:release/owl:versionInfo ?release ; etom:release/etom:releaseOrder ?order .
          OPTIONAL {{ ?version skos:prefLabel ?name FILTER(lang(?name) = "en") }}
        }} ORDER BY ?order"""
    )
    return [
        {
            "direction": row["direction"],
            "release": row["release"],
            "identifier": row["id"],
            "name": row.get("name", ""),
            "iri": row["version"],
            "basis": row.get("basis", ""),
        }
        for row in rows
    ]


def get_process(kg: KnowledgeGraph, identifier: str, release: str | None = None) -> dict:
    release = _release(kg, release)
    element = _element(kg, release, identifier)
    catalog = Catalog.of(kg)
    table = catalog.release(release)
    answer = process_ref(kg, element)
    iri = answer["iri"]
    parent = table.get(element.parent) if element.parent else None
    counterpart = None
    if element.counterpart and "classic" in catalog.releases:
        classic = catalog.release("classic").get(element.counterpart)
        if classic is not None:
            counterpart = process_ref(kg, classic)
    answer.update(
        definition=_definitions(kg, iri),
        parent=process_ref(kg, parent) if parent else None,
        children=[process_ref(kg, child) for child in table.children(element.identifier)],
        verticals=list(element.verticals),
        lineage=lineage(kg, iri),
        classic_counterpart=counterpart,
    )
    return answer


# --- flows ------------------------------------------------------------------------------------------------------


def process_flows(
    kg: KnowledgeGraph,
    identifier: str,
    direction: str = "both",
    to: str | None = None,
    release: str | None = None,
    lang: str = "en",
) -> dict:
    release = _release(kg, release)
    _lang(lang)
    element = _element(kg, release, identifier)
    answer = {"process": process_ref(kg, element), "release": release}
    if to:
        target = _element(kg, release, to)
        answer["to"] = process_ref(kg, target)
        answer["path"] = queries.run(
            kg, "flow-path", **{"from": element.identifier, "to": target.identifier, "release": release, "lang": lang}
        )
        answer["query"] = "flow-path"
        return answer
    if direction not in ("upstream", "downstream", "both"):
        raise ToolInputError(f"direction {direction!r}: use upstream, downstream or both")
    for name in ("upstream", "downstream"):
        if direction in (name, "both"):
            answer[name] = queries.run(kg, name, process=element.identifier, release=release, lang=lang)
    return answer


def end_to_end_flows(kg: KnowledgeGraph, flow: str | None = None, release: str | None = None, lang: str = "en") -> dict:
    release = _release(kg, release)
    _lang(lang)
    flows = queries.run(kg, "e2e-flows", release=release, lang=lang)
    for row in flows:
        row["iri"] = kg.iris.e2e(release, row["key"])
    if flow is None:
        return {"release": release, "flows": flows}
    keys = [row["key"] for row in flows]
    if not _FLOW_KEY.match(flow) or flow not in keys:
        raise ToolInputError(f"no end-to-end flow {flow!r} in release {release}; the flows are: {', '.join(keys)}")
    steps = queries.run(kg, "e2e-steps", flow=flow, release=release, lang=lang)
    for row in steps:
        row["processIri"] = kg.iris.process(release, row["processId"])
    chosen = next(row for row in flows if row["key"] == flow)
    return {"release": release, "flow": chosen, "steps": steps}


# --- ODA ------------------------------------------------------------------------------------------------------------


def process_components(kg: KnowledgeGraph, identifier: str, release: str | None = None, lang: str = "en") -> dict:
    """The ODA components implementing a process (or a process below it) and the Open APIs they expose, by the
    shipped queries oda-components-of-process and oda-apis-of-process."""
    from ..oda.rdf import OdaIris

    release = _release(kg, release)
    _lang(lang)
    element = _element(kg, release, identifier)
    oda = OdaIris(kg.iris)
    components = queries.run(kg, "oda-components-of-process", process=element.identifier, release=release, lang=lang)
    apis = queries.run(kg, "oda-apis-of-process", process=element.identifier, release=release, lang=lang)
    for row in components:
        row["iri"] = oda.component(row["component"])
        row["processIri"] = kg.iris.process(release, row["processId"])
    for row in apis:
        row["iri"] = oda.api(row["api"])
    return {"process": process_ref(kg, element), "release": release, "components": components, "apis": apis}


# --- releases ---------------------------------------------------------------------------------------------------


def compare_releases(kg: KnowledgeGraph, old: str, new: str, identifier: str | None = None) -> dict:
    from ..outputs.diff import release_diff

    old, new = _release(kg, old), _release(kg, new)
    if old == new:
        raise ToolInputError("old and new are the same release; pass two different releases, e.g. 25.0 and 25.5")
    if identifier is not None and not _IDENTIFIER.match(identifier.strip()):
        raise ToolInputError(f"{identifier!r} is not a process identifier such as 1.4.5")
    diff = release_diff(kg, old, new)
    changes = diff.changes
    if identifier:
        root = identifier.strip()

        def under(value: str | None) -> bool:
            return bool(value) and (value == root or value.startswith(root + "."))

        changes = [c for c in changes if under(c.old_id) or under(c.new_id)]
    counts: dict[str, int] = {}
    listed = []
    for change in changes:
        counts[change.kind] = counts.get(change.kind, 0) + 1
        listed.append(
            {
                "kind": change.kind,
                "old": {
                    "identifier": change.old_id,
                    "name": change.old_name,
                    "iri": kg.iris.process(old, change.old_id) if change.old_id else None,
                },
                "new": {
                    "identifier": change.new_id,
                    "name": change.new_name,
                    "iri": kg.iris.process(new, change.new_id) if change.new_id else None,
                },
                "detail": change.detail,
                "basis": change.basis,
            }
        )
    return {
        "old": old,
        "new": new,
        "root": identifier,
        "counts": counts,
        "changes": listed[:500],
        "truncated": len(listed) > 500,
    }


# --- extensions ---------------------------------------------------------------------------------------------------


def validate_extension(
    kg: KnowledgeGraph, content: str, fmt: str, release: str | None = None, name: str = "extension"
) -> dict:
    """The checks of ``etomkg import extension --check`` on ``content`` (the file's text); nothing is stored."""
    from ..imports.findings import ValidationFailed
    from ..imports.importer import import_extension

    if fmt not in EXTENSION_FORMATS:
        raise ToolInputError(f"format {fmt!r}: use one of {', '.join(EXTENSION_FORMATS)}")
    if len(content) > MAX_EXTENSION_CHARS:
        raise ToolInputError(f"the content has {len(content)} characters; the limit here is {MAX_EXTENSION_CHARS}")
    if release:
        _release(kg, release)
    suffix = {"csv": ".csv", "yaml": ".yaml", "turtle": ".ttl", "jsonld": ".jsonld"}[fmt]
    checked = kg if not kg.remote else kg.local_copy()
    with tempfile.TemporaryDirectory(prefix="etomkg-mcp-") as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_text(content, encoding="utf-8")
        try:
            summary = import_extension(None, path, name=name, release=release, fmt=fmt, check_only=True, kg=checked)
        except ValidationFailed as exc:
            return {"conforms": False, "release": release or kg.default_release, **_report(exc.report)}
    return {"conforms": True, "release": summary.release, "summary": summary.to_dict()}


def _report(report) -> dict:
    """Findings as dicts, and each as the one line the command prints (whatever the report's version)."""
    findings = report.sorted() if hasattr(report, "sorted") else list(report.findings)
    return {
        "findings": [f.to_dict() if hasattr(f, "to_dict") else dataclasses.asdict(f) for f in findings],
        "lines": [f.render() for f in findings],
    }


# --- trees ----------------------------------------------------------------------------------------------------------


def release_tree(kg: KnowledgeGraph, release: str, depth: int = 2) -> dict:
    """The L1 processes of a release with their L2 children (for the tree resource)."""
    release = _release(kg, release)
    table = Catalog.of(kg).release(release)
    top_level = 0 if release == "classic" else 1

    def node(element: Element, remaining: int) -> dict:
        entry = process_ref(kg, element)
        if remaining > 1:
            entry["children"] = [node(child, remaining - 1) for child in table.children(element.identifier)]
        return entry

    return {
        "release": release,
        "processes": [node(e, depth + (1 if top_level == 0 else 0)) for e in table.at_level(top_level)],
    }
