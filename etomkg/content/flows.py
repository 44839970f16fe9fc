"""Data flows: information entities, producer → consumer flows and end-to-end flows.

The edited sources live in ``data/content/flows/`` (see the README there).
Each flow is stated for the release its source speaks of (25.5, or 24.0 for those
read from TM Forum's 24.0 decomposition texts); :func:`attach_flows` carries each one
to every other release where both of its processes have a version along the
version links, and :func:`information_quads` and :func:`release_flow_quads` render them as RDF.

>>> from etomkg.content.sources import load_content
>>> content = load_content()
>>> flow = next(f for f in content.flows if f.key == "selling-to-order-handling" and f.release == "24.0")
>>> (flow.producer, flow.consumer, flow.information, flow.carried)
('1.1.9', '1.3.3', 'customer-order', True)
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from ..errors import EtomkgError
from ..files import content_dir
from ..iris import DCTERMS, DOMAIN_RELEASES, PROV, RELEASES, SKOS, Iris, release_sort_key
from .lineage import carried_statement, version_link_iri
from .model import Content, DataFlow, EndToEndFlow, FlowStep, InformationEntity, VersionLink
from .quads import TYPE as _TYPE
from .quads import QuadWriter as _Writer
from .quads import boolean as _bool
from .quads import etom as _e
from .quads import integer as _int
from .quads import lit as _lit
from .quads import node as _n
from .quads import zh_label

_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SECTION = re.compile(r"^1(\.\d+)+$")
_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")

ENTITY_COLUMNS = ["key", "name_en", "name_zh", "definition_en", "definition_zh", "sid_name"]
FLOW_COLUMNS = [
    "key",
    "producer_id",
    "producer_name",
    "consumer_id",
    "consumer_name",
    "information",
    "release",
    "inferred",
    "evidence",
    "evidence_url",
    "note",
    "source_document",
    "source_section",
]
E2E_COLUMNS = ["key", "name_en", "name_zh", "trigger_en", "trigger_zh", "definition_en", "definition_zh"]
STEP_COLUMNS = ["flow", "step", "process_id", "process_name", "flow_to_next"]


class FlowContentError(EtomkgError, ValueError):
    """The flow sources disagree with themselves or with the process reference data."""


def flows_dir() -> Path:
    return content_dir() / "flows"


class _Rows:
    """Reads one CSV and collects every problem with its file and line, so one run reports them all."""

    def __init__(self, folder: Path, name: str, columns: list[str], errors: list[str]) -> None:
        self.name, self.errors = name, errors
        path = folder / name
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                self.rows = [(n, row) for n, row in enumerate(reader, start=2)]
        except FileNotFoundError:
            errors.append(f"{path}: missing; restore it from the repository")
            self.rows = []
            return
        if header != columns:
            errors.append(f"{name}: header is {header}, expected {columns}")
            self.rows = []

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.name} line {line}: {message}")


def read_flow_sources(
    names: dict[tuple[str, str], str], folder: Path | None = None
) -> tuple[list[InformationEntity], list[DataFlow], list[EndToEndFlow]]:
    """Read and check the flow sources against ``names`` ((release, id) → English name).

    Returns the information entities, the stated flows and the stated end-to-end
    flows. Raises :class:`FlowContentError` listing every problem found.
    """
    folder = folder or flows_dir()
    errors: list[str] = []
    entities = _read_entities(_Rows(folder, "information-entities.csv", ENTITY_COLUMNS, errors))
    known = {e.key for e in entities}
    flows = _read_flows(_Rows(folder, "flows.csv", FLOW_COLUMNS, errors), names, known)
    by_key = {f.key: f for f in flows}
    e2e = _read_e2e(
        _Rows(folder, "e2e-flows.csv", E2E_COLUMNS, errors),
        _Rows(folder, "e2e-steps.csv", STEP_COLUMNS, errors),
        names,
        by_key,
    )
    if errors:
        raise FlowContentError("the flow sources have problems:\n  " + "\n  ".join(errors))
    return entities, flows, e2e


def _read_entities(table: _Rows) -> list[InformationEntity]:
    entities: dict[str, InformationEntity] = {}
    for line, row in table.rows:
        key = row["key"]
        if not _KEY.match(key):
            table.error(line, f"key {key!r} is not lower-kebab-case")
        if key in entities:
            table.error(line, f"key {key!r} is used twice")
        for column in ENTITY_COLUMNS[1:5]:
            if not row[column].strip():
                table.error(line, f"{column} is empty")
        entities[key] = InformationEntity(
            key,
            row["name_en"].strip(),
            row["name_zh"].strip(),
            row["definition_en"].strip(),
            row["definition_zh"].strip(),
            row["sid_name"].strip() or None,
        )
    return sorted(entities.values(), key=lambda e: e.key)


def _check_process(table: _Rows, line: int, names, release: str, identifier: str, name: str, role: str) -> None:
    actual = names.get((release, identifier))
    if actual is None:
        table.error(line, f"{role} {identifier} is not a process of release {release}")
    elif actual != name:
        table.error(line, f"{role} {identifier} is named {actual!r} in release {release}, not {name!r}")


def _read_flows(table: _Rows, names, entities: set[str]) -> list[DataFlow]:
    flows: dict[str, DataFlow] = {}
    triples: set[tuple[str, str, str, str]] = set()
    for line, row in table.rows:
        key, release = row["key"], row["release"]
        if not _KEY.match(key):
            table.error(line, f"key {key!r} is not lower-kebab-case")
        if key in flows:
            table.error(line, f"key {key!r} is used twice")
        if release not in RELEASES:
            table.error(line, f"release {release!r} is not one of {', '.join(RELEASES)}")
        _check_process(table, line, names, release, row["producer_id"], row["producer_name"], "producer")
        _check_process(table, line, names, release, row["consumer_id"], row["consumer_name"], "consumer")
        if row["producer_id"] == row["consumer_id"]:
            table.error(line, "producer and consumer are the same process; a flow joins two processes")
        if row["information"] not in entities:
            table.error(line, f"information {row['information']!r} is not a key of information-entities.csv")
        triple = (release, row["producer_id"], row["consumer_id"], row["information"])
        if triple in triples:
            table.error(line, f"{triple} is already stated by another row")
        triples.add(triple)
        if row["inferred"] not in ("true", "false"):
            table.error(line, f"inferred must be true or false, not {row['inferred']!r}")
        if not row["evidence"].strip():
            table.error(line, "evidence is empty: say, in our own words, what supports the flow")
        if not _URL.match(row["evidence_url"]):
            table.error(line, f"evidence_url {row['evidence_url']!r} is not an http(s) URL")
        document, section = row["source_document"].strip(), row["source_section"].strip()
        if bool(document) != bool(section):
            table.error(line, "give both source_document and source_section (a citation), or neither")
        elif section and not _SECTION.match(section):
            table.error(line, f"source_section {section!r} is not a process identifier such as 1.4.6.4")
        flows[key] = DataFlow(
            key=key,
            release=release,
            producer=row["producer_id"],
            consumer=row["consumer_id"],
            information=row["information"],
            inferred=row["inferred"] == "true",
            evidence=row["evidence"].strip(),
            evidence_url=row["evidence_url"],
            notes=tuple(n.strip() for n in row["note"].split(" | ") if n.strip()),
            stated_release=release,
            citation=f"{document}, section {section}" if section else None,
        )
    return list(flows.values())


def _read_e2e(heads: _Rows, step_rows: _Rows, names, flows: dict[str, DataFlow]) -> list[EndToEndFlow]:
    steps: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in step_rows.rows:
        steps.setdefault(row["flow"], []).append((line, row))
    result = []
    for line, head in heads.rows:
        key = head["key"]
        if not _KEY.match(key):
            heads.error(line, f"key {key!r} is not lower-kebab-case")
        for column in E2E_COLUMNS[1:]:
            if not head[column].strip():
                heads.error(line, f"{column} is empty")
        rows = steps.pop(key, [])
        if len(rows) < 2:
            heads.error(line, f"{key} has {len(rows)} steps in e2e-steps.csv; an end-to-end flow needs at least 2")
            continue
        numbers = [row["step"] for _, row in rows]
        if numbers != [str(i) for i in range(1, len(rows) + 1)]:
            step_rows.error(rows[0][0], f"steps of {key} are {numbers}; number them 1..n in order, without gaps")
        release = next((f.release for _, r in rows if (f := flows.get(r["flow_to_next"]))), "25.5")
        parsed = []
        for i, (step_line, row) in enumerate(rows):
            _check_process(step_rows, step_line, names, release, row["process_id"], row["process_name"], "process")
            last = i == len(rows) - 1
            following = None if last else rows[i + 1][1]["process_id"]
            if last and row["flow_to_next"]:
                step_rows.error(step_line, "the last step leads nowhere: leave flow_to_next empty")
            elif not last:
                flow = flows.get(row["flow_to_next"])
                if flow is None:
                    step_rows.error(step_line, f"flow_to_next {row['flow_to_next']!r} is not a key of flows.csv")
                elif (flow.producer, flow.consumer) != (row["process_id"], following):
                    step_rows.error(
                        step_line,
                        f"flow {flow.key} runs {flow.producer} → {flow.consumer}, "
                        f"but the steps run {row['process_id']} → {following}",
                    )
            parsed.append(FlowStep(i + 1, row["process_id"], row["flow_to_next"] or None))
        result.append(
            EndToEndFlow(
                key=key,
                release=release,
                name_en=head["name_en"].strip(),
                name_zh=head["name_zh"].strip(),
                trigger_en=head["trigger_en"].strip(),
                trigger_zh=head["trigger_zh"].strip(),
                definition_en=head["definition_en"].strip(),
                definition_zh=head["definition_zh"].strip(),
                steps=tuple(parsed),
                stated_release=release,
            )
        )
    for key, rows in steps.items():
        step_rows.error(rows[0][0], f"flow {key!r} has steps but no row in e2e-flows.csv")
    return result


class Lineage:
    """Versions of one process across releases, walked one version link at a time, only along links whose kind
    keeps the meaning (see :mod:`etomkg.content.lineage`): a split, merge or replacement is not followed.

    >>> from etomkg.content.sources import load_content
    >>> Lineage(load_content().links).version("25.5", "1.12.9", "23.5")
    '1.1.9'
    """

    def __init__(
        self,
        links: list[VersionLink],
        releases: tuple[str, ...] | list[str] = DOMAIN_RELEASES,
    ) -> None:
        self.releases = [r for r in releases if r != "classic"]  # in time order (imported releases included)
        self.newer: dict[tuple[str, str], VersionLink] = {}
        self.older: dict[tuple[str, str], VersionLink] = {}
        for link in links:
            if link.keeps_meaning:
                self.newer[(link.older_release, link.older_id)] = link
                self.older[(link.newer_release, link.newer_id)] = link

    def path(self, release: str, identifier: str, target: str) -> tuple[VersionLink, ...] | None:
        """The version links from ``identifier`` of ``release`` to its version in ``target`` (None: the chain
        breaks; empty: the same release)."""
        if release == target:
            return ()
        if release not in self.releases or target not in self.releases:
            return None
        here, there = self.releases.index(release), self.releases.index(target)
        forward = there > here
        step, table = (1, self.newer) if forward else (-1, self.older)
        current, walked = identifier, []
        for index in range(here, there, step):
            link = table.get((self.releases[index], current))
            if link is None:
                return None
            walked.append(link)
            current = link.newer_id if forward else link.older_id
        return tuple(walked)

    def version(self, release: str, identifier: str, target: str) -> str | None:
        """The identifier of the same process in ``target``, or None where the chain of links breaks."""
        path = self.path(release, identifier, target)
        if path is None:
            return None
        if not path:
            return identifier
        return path[-1].newer_id if path[-1].newer_release == target else path[-1].older_id


def carry_flows(
    flows: list[DataFlow], e2e: list[EndToEndFlow], lineage: Lineage
) -> tuple[list[DataFlow], list[EndToEndFlow]]:
    """Every stated flow plus its versions in other releases where both processes persist."""
    all_flows: list[DataFlow] = []
    present: set[tuple[str, str]] = set()  # (release, flow key)
    for flow in flows:
        for release in lineage.releases:
            producer = lineage.path(flow.release, flow.producer, release)
            consumer = lineage.path(flow.release, flow.consumer, release)
            if producer is None or consumer is None:
                continue
            all_flows.append(
                replace(
                    flow,
                    release=release,
                    producer=lineage.version(flow.release, flow.producer, release),
                    consumer=lineage.version(flow.release, flow.consumer, release),
                    carried_along=producer + consumer,
                )
            )
            present.add((release, flow.key))
    all_e2e: list[EndToEndFlow] = []
    for item in e2e:
        for release in lineage.releases:
            steps = []
            for step in item.steps:
                process = lineage.version(item.release, step.process, release)
                if process is None or (step.flow_to_next and (release, step.flow_to_next) not in present):
                    break
                steps.append(replace(step, process=process))
            if len(steps) == len(item.steps):
                all_e2e.append(replace(item, release=release, steps=tuple(steps)))
    order = lambda x: (release_sort_key(x.release), x.key)  # noqa: E731
    return sorted(all_flows, key=order), sorted(all_e2e, key=order)


def attach_flows(
    content: Content, folder: Path | None = None, reference: dict[tuple[str, str], str] | None = None
) -> Content:
    """Read the flow sources and put them, carried along lineage, into ``content``.

    ``reference`` ((release, id) → name) is what the sources are checked against when ``content`` is not the
    bundled one (a store with an imported workbook): there, a flow or end-to-end flow whose stated processes
    the content does not have under the same names is left out rather than an error.
    """
    names = {(p.release, p.identifier): p.name for p in content.processes}
    entities, flows, e2e = read_flow_sources(reference or names, folder)
    if reference is not None:
        flows = [
            f
            for f in flows
            if all(names.get((f.release, p)) == reference[(f.release, p)] for p in (f.producer, f.consumer))
        ]
        kept = {f.key for f in flows}
        e2e = [
            e
            for e in e2e
            if all(names.get((e.release, s.process)) == reference[(e.release, s.process)] for s in e.steps)
            and all(s.flow_to_next is None or s.flow_to_next in kept for s in e.steps)
        ]
    content.information = entities
    lineage = Lineage(content.links, content.releases or DOMAIN_RELEASES)
    content.flows, content.e2e_flows = carry_flows(flows, e2e, lineage)
    return content


# --- RDF ---------------------------------------------------------------------------------------------------------


def information_quads(content: Content, iris: Iris) -> list[ox.Quad]:
    """The information entities, in the framework graph."""
    source = _n(iris.source("etomkg"))
    w = _Writer(iris.framework_graph)
    scheme = iris.information_scheme
    w.add(scheme, _TYPE, _n(SKOS + "ConceptScheme"))
    w.add(scheme, SKOS + "prefLabel", _lit("Information entities", "en"))
    w.add(scheme, SKOS + "prefLabel", _lit("信息实体", "zh"))
    w.add(
        scheme,
        SKOS + "definition",
        _lit("The business objects that data flows carry between eTOM processes.", "en"),
    )
    w.add(scheme, SKOS + "definition", _lit("数据流在 eTOM 流程之间传递的业务对象。", "zh"))
    for entity in content.information:
        iri = iris.information(entity.key)
        w.add(iri, _TYPE, _e("InformationEntity"))
        w.add(iri, _TYPE, _n(SKOS + "Concept"))
        w.add(iri, SKOS + "inScheme", _n(scheme))
        w.add(iri, SKOS + "notation", _lit(entity.key))
        w.add(iri, SKOS + "prefLabel", _lit(entity.name_en, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(entity.name_zh, "zh"))
        w.add(iri, SKOS + "definition", _lit(entity.definition_en, "en"))
        w.add(iri, SKOS + "definition", _lit(entity.definition_zh, "zh"))
        if entity.sid_name:
            w.add(iri, _e("sidEntity").value, _lit(entity.sid_name))
        w.add(iri, PROV + "wasDerivedFrom", source)
    return w.quads


def release_flow_quads(content: Content, iris: Iris, release: str) -> list[ox.Quad]:
    """The data flows and end-to-end flows of one release, in its graph."""
    names: dict[tuple[str, str], tuple[str, str]] = {}
    for proc in content.processes:
        if proc.release == release:
            names[(proc.release, proc.identifier)] = (proc.name, zh_label(content.labels_zh, proc.name) or proc.name)
    entities = {e.key: e for e in content.information}
    source = _n(iris.source("etomkg"))
    stated = {(f.key, f.release): f for f in content.flows if not f.carried}
    w = _Writer(iris.graph(release))
    rel = _n(iris.release(release))
    for flow in (f for f in content.flows if f.release == release):
        iri = iris.flow(release, flow.key)
        producer, consumer = names[(release, flow.producer)], names[(release, flow.consumer)]
        entity = entities[flow.information]
        w.add(iri, _TYPE, _e("DataFlow"))
        w.add(iri, SKOS + "notation", _lit(flow.key))
        w.add(iri, _e("release").value, rel)
        w.add(iri, _e("producer").value, _n(iris.process(release, flow.producer)))
        w.add(iri, _e("consumer").value, _n(iris.process(release, flow.consumer)))
        w.add(iri, _e("carries").value, _n(iris.information(flow.information)))
        w.add(iri, _e("inferred").value, _bool(flow.inferred))
        if not flow.carried:
            w.add(iri, _e("evidence").value, _lit(flow.evidence))
            w.add(iri, DCTERMS + "source", _n(flow.evidence_url))
            if flow.citation:
                w.add(iri, DCTERMS + "bibliographicCitation", _lit(flow.citation))
        w.add(iri, SKOS + "prefLabel", _lit(f"{entity.name_en}: {producer[0]} → {consumer[0]}", "en"))
        w.add(iri, SKOS + "prefLabel", _lit(f"{entity.name_zh}：{producer[1]} → {consumer[1]}", "zh"))
        for note in flow.notes:
            w.add(iri, SKOS + "editorialNote", _lit(note, "en"))
        if flow.carried:  # no source states it for this release: marked, with the links it was carried along
            # The source states the stated flow, for its own release: its dcterms:source and citation stay there.
            origin = stated[(flow.key, flow.stated_release)]
            w.add(
                iri,
                _e("evidence").value,
                _lit(f"Carried from the flow stated for release {origin.release}: {origin.evidence}"),
            )
            w.add(iri, _e("carriedFrom").value, _n(iris.flow(origin.release, flow.key)))
            for link in flow.carried_along:
                w.add(iri, _e("carriedAlong").value, _n(version_link_iri(iris, link)))
            carried_statement(w, iris, f"{iri}/carried", iri, _TYPE, _e("DataFlow"), flow.carried_along)
            en, zh = _carried_note(origin.release, (origin.producer, origin.consumer), (flow.producer, flow.consumer))
            w.add(iri, SKOS + "editorialNote", _lit(en, "en"))
            w.add(iri, SKOS + "editorialNote", _lit(zh, "zh"))
        else:
            w.add(iri, PROV + "wasDerivedFrom", source)
    for item in (e for e in content.e2e_flows if e.release == release):
        iri = iris.e2e(release, item.key)
        w.add(iri, _TYPE, _e("EndToEndFlow"))
        w.add(iri, SKOS + "notation", _lit(item.key))
        w.add(iri, _e("release").value, rel)
        w.add(iri, SKOS + "prefLabel", _lit(item.name_en, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(item.name_zh, "zh"))
        w.add(iri, SKOS + "definition", _lit(item.definition_en, "en"))
        w.add(iri, SKOS + "definition", _lit(item.definition_zh, "zh"))
        w.add(iri, _e("trigger").value, _lit(item.trigger_en, "en"))
        w.add(iri, _e("trigger").value, _lit(item.trigger_zh, "zh"))
        if item.carried:
            w.add(iri, _e("carriedFrom").value, _n(iris.e2e(item.stated_release, item.key)))
            carried_statement(w, iris, f"{iri}/carried", iri, _TYPE, _e("EndToEndFlow"), ())
            w.add(
                iri,
                SKOS + "editorialNote",
                _lit(
                    f"Stated for release {item.stated_release}; carried to this release along the version "
                    "links of every step's process.",
                    "en",
                ),
            )
            w.add(
                iri,
                SKOS + "editorialNote",
                _lit(f"针对 {item.stated_release} 版给出；沿各步骤流程的版本链接延续到本版本。", "zh"),
            )
        else:
            w.add(iri, PROV + "wasDerivedFrom", source)
        for step in item.steps:
            node = iris.e2e_step(release, item.key, step.number)
            en, zh = names[(release, step.process)]
            w.add(iri, _e("step").value, _n(node))
            w.add(node, _TYPE, _e("FlowStep"))
            w.add(node, _e("release").value, rel)
            w.add(node, _e("stepNumber").value, _int(step.number))
            w.add(node, _e("stepProcess").value, _n(iris.process(release, step.process)))
            if step.flow_to_next:
                w.add(node, _e("flowToNext").value, _n(iris.flow(release, step.flow_to_next)))
            w.add(node, SKOS + "prefLabel", _lit(f"{item.name_en}, step {step.number}: {en}", "en"))
            w.add(node, SKOS + "prefLabel", _lit(f"{item.name_zh} 第 {step.number} 步：{zh}", "zh"))
    return w.quads


def _carried_note(stated_release: str, stated: tuple[str, str], here: tuple[str, str]) -> tuple[str, str]:
    renumbered = [f"{new} here, {old} in {stated_release}" for old, new in zip(stated, here, strict=True) if old != new]
    renumbered_zh = [
        f"本版本为 {new}，{stated_release} 版为 {old}" for old, new in zip(stated, here, strict=True) if old != new
    ]
    en = (
        f"Stated for release {stated_release}; carried to this release along the version links of its producer "
        "and consumer" + (f" ({'; '.join(renumbered)})" if renumbered else "") + "."
    )
    zh = (
        f"针对 {stated_release} 版给出；沿生产方和消费方的版本链接延续到本版本"
        + (f"（{'；'.join(renumbered_zh)}）" if renumbered_zh else "")
        + "。"
    )
    return en, zh
