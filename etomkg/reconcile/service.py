"""The W3C Entity Reconciliation API (version 0.2, what OpenRefine speaks) over the matcher; Flask-free.

Entities are the processes of a release, identified as ``RELEASE/IDENTIFIER`` (``26.0/1.4.5``); a query
without a ``release`` property is matched against the newest release, and names of other releases find
their process there through the version links. The web layer (``server/reconcile.py``) only moves these
dicts and strings over HTTP.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..catalog import Catalog, Element
from ..errors import EtomkgError
from ..iris import ONTOLOGY_IRI
from ..search import SearchIndex
from ..store import KnowledgeGraph
from ..version import __version__
from .matcher import Candidate, Matcher

API_VERSION = "0.2"
PROCESS_TYPE = {"id": "ProcessElement", "name": "eTOM process element"}
DEFAULT_LIMIT, MAX_LIMIT, BATCH_SIZE = 5, 25, 500
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 190
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: Properties a data-extension query may fetch: id -> name.
EXTEND_PROPERTIES = {
    "identifier": "Identifier",
    "name_en": "Name (English)",
    "name_zh": "Name (Chinese)",
    "level": "Level",
    "parent": "Parent process",
    "definition_en": "Definition (English)",
    "definition_zh": "Definition (Chinese)",
    "release": "Release",
    "iri": "IRI",
}
#: Properties a reconciliation query may carry to narrow it: pid -> what it means.
QUERY_PROPERTIES = {
    "release": "match against this release (e.g. 25.5, classic)",
    "level": "only processes of this level",
}


class ReconcileError(EtomkgError, ValueError):
    """A request the service cannot answer, with what to send instead (HTTP 400 unless ``status`` says)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ReconciliationService:
    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.matcher = Matcher.of(kg)

    # --- manifest ---------------------------------------------------------------------------------------------

    def manifest(self, root: str) -> dict:
        """The service manifest; ``root`` is the server's URL (``http://host:port``)."""
        base = root.rstrip("/") + "/reconcile"
        return {
            "versions": [API_VERSION],
            "name": f"etomkg: TM Forum eTOM processes (releases {', '.join(self.kg.releases)})",
            "identifierSpace": self.kg.iris.base + "/release/",
            "schemaSpace": ONTOLOGY_IRI + "#",
            "serviceVersion": __version__,
            "batchSize": BATCH_SIZE,
            "defaultTypes": [PROCESS_TYPE],
            "view": {"url": base + "/view/{{id}}"},
            "preview": {"url": base + "/preview?id={{id}}", "width": PREVIEW_WIDTH, "height": PREVIEW_HEIGHT},
            "suggest": {
                "entity": {
                    "service_url": root.rstrip("/"),
                    "service_path": "/reconcile/suggest/entity",
                    "flyout_service_path": "/reconcile/flyout/entity?id=${id}",
                },
                "type": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/type"},
                "property": {"service_url": root.rstrip("/"), "service_path": "/reconcile/suggest/property"},
            },
            "extend": {
                "propose_properties": {"service_url": root.rstrip("/"), "service_path": "/reconcile/extend/propose"},
                "property_settings": [],
            },
        }

    # --- reconciliation queries -----------------------------------------------------------------------------------

    def reconcile(self, batch: Any) -> dict:
        """Answer a query batch (the parsed ``queries=`` JSON): ``{key: {"result": [candidates]}}``."""
        if not isinstance(batch, dict):
            raise ReconcileError('queries must be a JSON object of queries, e.g. {"q0": {"query": "Billing"}}')
        if len(batch) > BATCH_SIZE:
            raise ReconcileError(f"the batch has {len(batch)} queries; send at most {BATCH_SIZE} at a time", 413)
        return {key: {"result": self.candidates(query, key)} for key, query in batch.items()}

    def candidates(self, query: Any, key: str = "") -> list[dict]:
        if not isinstance(query, dict):
            raise ReconcileError(f"query {key!r} must be an object with a 'query' string")
        text = query.get("query")
        if text is not None and not isinstance(text, str):
            raise ReconcileError(f"query {key!r}: 'query' must be a string")
        release, level, extra = self._properties(query.get("properties"), key)
        text = (text or extra or "").strip()
        wanted_type = query.get("type")
        types = [wanted_type] if isinstance(wanted_type, str) else wanted_type or []
        if any(t not in (PROCESS_TYPE["id"], ONTOLOGY_IRI + "#ProcessElement") for t in types):
            return []  # the service holds processes only: another type has no candidates
        limit = query.get("limit", DEFAULT_LIMIT)
        if not isinstance(limit, int | float) or limit < 1:
            raise ReconcileError(f"query {key!r}: 'limit' must be a positive number")
        if not text:
            return []
        found = self.matcher.match(text, release=release, level=level, limit=min(int(limit), MAX_LIMIT))
        zh = bool(_CJK.search(text))
        return [self.candidate_json(c, zh) for c in found]

    def _properties(self, properties: Any, key: str) -> tuple[str | None, int | None, str | None]:
        release = level = text = None
        if properties is None:
            return None, None, None
        if not isinstance(properties, list):
            raise ReconcileError(f"query {key!r}: 'properties' must be a list of {{pid, v}} objects")
        for prop in properties:
            if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
                raise ReconcileError(f"query {key!r}: each property needs 'pid' and 'v'")
            value = prop["v"][0] if isinstance(prop["v"], list) and prop["v"] else prop["v"]
            value = value.get("id") if isinstance(value, dict) else value
            pid = prop["pid"]
            if pid == "release":
                release = str(value).strip()
                if release not in self.kg.releases:
                    raise ReconcileError(
                        f"query {key!r}: unknown release {release!r}; the service holds {', '.join(self.kg.releases)}"
                    )
            elif pid == "level":
                try:
                    level = int(float(str(value).strip().lstrip("Ll")))
                except ValueError:
                    raise ReconcileError(f"query {key!r}: level {value!r} is not a number such as 2") from None
            elif pid in ("identifier", "name_en", "name_zh") and text is None:
                text = str(value)
            # other properties: nothing to compare them with; ignored, as the protocol allows
        return release, level, text

    def candidate_json(self, candidate: Candidate, zh: bool = False) -> dict:
        name = candidate.labels.get("zh" if zh else "en") or candidate.labels.get("en") or candidate.identifier
        parts = [f"{candidate.identifier}", f"L{candidate.level}", f"release {candidate.release}"]
        if candidate.flagged:
            where = [r for r in candidate.matched_releases if r != candidate.release] or [candidate.matched_release]
            releases = ", ".join(where[:-1]) + " and " + where[-1] if len(where) > 1 else where[0]
            parts.append(f"matched “{candidate.matched_name}”, its name in {releases}")
        if candidate.classic_only:
            parts.append("classic eTOM, no current counterpart")
        return {
            "id": f"{candidate.release}/{candidate.identifier}",
            "name": name,
            "description": " · ".join(parts),
            "score": candidate.score,
            "match": candidate.match,
            "type": [PROCESS_TYPE],
            "features": [
                {"id": "identifier", "value": candidate.how == "identifier"},
                {"id": "exact_name", "value": candidate.how == "name" and not candidate.flagged},
                {"id": "name_in_other_release", "value": candidate.flagged},
                {"id": "abbreviation", "value": candidate.how == "abbreviation"},
                {"id": "typos_forgiven", "value": candidate.typos},
            ],
        }

    # --- entities -------------------------------------------------------------------------------------------------

    def element(self, entity_id: str) -> Element:
        release, _, identifier = str(entity_id).partition("/")
        if not identifier or release not in self.kg.releases:
            raise ReconcileError(f"{entity_id!r} is not an entity of this service; ids look like 26.0/1.4.5", 404)
        element = Catalog.of(self.kg).release(release).get(identifier)
        if element is None:
            raise ReconcileError(f"release {release} has no process {identifier}", 404)
        return element

    def _definitions(self, elements: list[Element]) -> dict[str, dict[str, str]]:
        if not elements:
            return {}
        values = " ".join(f"<{self.kg.iris.process(e.release, e.identifier)}>" for e in elements)
        found: dict[str, dict[str, str]] = {}
        for row in self.kg.query(f"SELECT ?p ?d WHERE {{ VALUES ?p {{ {values} }} ?p skos:definition ?d }}"):
            lang = row["d"].language or ""
            found.setdefault(row["p"].value, {}).setdefault(lang, row["d"].value)
        return found

    def preview(self, entity_id: str, link: str | None = None) -> str:
        """A small HTML card: identifier, names, level, parent, definition, release."""
        element = self.element(entity_id)
        iri = self.kg.iris.process(element.release, element.identifier)
        definition = self._definitions([element]).get(iri, {})
        table = Catalog.of(self.kg).release(element.release)
        parent = table.get(element.parent) if element.parent else None
        esc = html.escape
        lines = [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{esc(element.identifier)} {esc(element.label('en'))}</title><style>"
            "body{font:13px/1.35 system-ui,sans-serif;margin:8px;color:#222}h1{font-size:15px;margin:0 0 4px}"
            ".zh{font-family:'Noto Sans CJK SC','Microsoft YaHei','PingFang SC',sans-serif}"
            ".meta{color:#555;margin:2px 0}p{margin:4px 0}</style></head><body>",
            f"<h1>{esc(element.identifier)} {esc(element.label('en'))}</h1>",
        ]
        if "zh" in element.labels:
            lines.append(f'<p class="zh" lang="zh">{esc(element.labels["zh"])}</p>')
        meta = f"Level {element.level} · release {esc(element.release)}"
        if parent is not None:
            meta += f" · in {esc(parent.identifier)} {esc(parent.label('en'))}"
        lines.append(f'<p class="meta">{meta}</p>')
        if definition.get("en"):
            lines.append(f"<p>{esc(definition['en'])}</p>")
        if definition.get("zh"):
            lines.append(f'<p class="zh" lang="zh">{esc(definition["zh"])}</p>')
        if link:
            lines.append(f'<p class="meta"><a href="{esc(link)}" target="_blank">{esc(iri)}</a></p>')
        lines.append("</body></html>")
        return "\n".join(lines)

    # --- suggest ----------------------------------------------------------------------------------------------------

    def suggest_entities(self, prefix: str, cursor: int = 0, release: str | None = None) -> dict:
        release = release or self.kg.default_release
        if release not in self.kg.releases:
            raise ReconcileError(f"unknown release {release!r}")
        hits = SearchIndex.of(self.kg).search(prefix, release=release, limit=cursor + 10).hits[cursor:]
        return {
            "result": [
                {
                    "id": f"{release}/{hit.identifier}",
                    "name": hit.label("zh" if _CJK.search(prefix) else "en"),
                    "description": f"{hit.identifier} · L{hit.level} · release {release}",
                    "notable": [PROCESS_TYPE],
                }
                for hit in hits
            ]
        }

    def suggest_types(self, prefix: str) -> dict:
        words = prefix.casefold().split()
        fits = all(w in PROCESS_TYPE["name"].casefold() or w in PROCESS_TYPE["id"].casefold() for w in words)
        return {"result": [dict(PROCESS_TYPE)] if fits else []}

    def suggest_properties(self, prefix: str) -> dict:
        text = prefix.casefold()
        return {
            "result": [
                {"id": pid, "name": name}
                for pid, name in EXTEND_PROPERTIES.items()
                if text in pid.casefold() or text in name.casefold()
            ]
        }

    # --- data extension ------------------------------------------------------------------------------------------

    def propose_properties(self, type_id: str | None, limit: int | None = None) -> dict:
        if type_id and type_id not in (PROCESS_TYPE["id"], ONTOLOGY_IRI + "#ProcessElement"):
            raise ReconcileError(f"unknown type {type_id!r}; this service has {PROCESS_TYPE['id']} only")
        properties = [{"id": pid, "name": name} for pid, name in EXTEND_PROPERTIES.items()]
        answer = {"type": PROCESS_TYPE["id"], "properties": properties[: limit or None]}
        if limit:
            answer["limit"] = limit
        return answer

    def extend(self, query: Any) -> dict:
        """Answer a data-extension query (the parsed ``extend=`` JSON)."""
        if (
            not isinstance(query, dict)
            or not isinstance(query.get("ids"), list)
            or not isinstance(query.get("properties"), list)
        ):
            raise ReconcileError('extend must be {"ids": [...], "properties": [{"id": ...}]}')
        if len(query["ids"]) > BATCH_SIZE:
            raise ReconcileError(f"extend asks for {len(query['ids'])} ids; send at most {BATCH_SIZE}", 413)
        wanted = []
        for prop in query["properties"]:
            pid = prop.get("id") if isinstance(prop, dict) else None
            if pid not in EXTEND_PROPERTIES:
                raise ReconcileError(f"unknown property {pid!r}; the properties are {', '.join(EXTEND_PROPERTIES)}")
            wanted.append(pid)
        elements: dict[str, Element | None] = {}
        for entity_id in query["ids"]:
            try:
                elements[str(entity_id)] = self.element(entity_id)
            except ReconcileError:
                elements[str(entity_id)] = None  # unknown ids get empty cells, as the protocol expects
        definitions = self._definitions([e for e in elements.values() if e is not None])
        rows = {}
        for entity_id, element in elements.items():
            rows[entity_id] = {pid: self._values(element, pid, definitions) if element else [] for pid in wanted}
        return {"meta": [{"id": pid, "name": EXTEND_PROPERTIES[pid]} for pid in wanted], "rows": rows}

    def _values(self, element: Element, pid: str, definitions: dict[str, dict[str, str]]) -> list[dict]:
        iri = self.kg.iris.process(element.release, element.identifier)
        if pid == "identifier":
            return [{"str": element.identifier}]
        if pid in ("name_en", "name_zh"):
            name = element.labels.get(pid[-2:])
            return [{"str": name}] if name else []
        if pid == "level":
            return [{"int": element.level}]
        if pid == "parent":
            parent = Catalog.of(self.kg).release(element.release).get(element.parent) if element.parent else None
            return [{"id": f"{parent.release}/{parent.identifier}", "name": parent.label("en")}] if parent else []
        if pid in ("definition_en", "definition_zh"):
            text = definitions.get(iri, {}).get(pid[-2:])
            return [{"str": text}] if text else []
        if pid == "release":
            return [{"str": element.release}]
        return [{"str": iri}]


def parse_json(text: str | None, what: str) -> Any:
    """A request parameter's JSON, or a clear error."""
    try:
        return json.loads(text or "")
    except json.JSONDecodeError as exc:
        raise ReconcileError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
