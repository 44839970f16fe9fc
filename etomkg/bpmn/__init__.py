"""BPMN 2.0 for process tools: end-to-end flows and a process's neighbourhood as collaborations.

Camunda, Signavio, bpmn.io, Bizagi and Sparx EA read BPMN 2.0 XML; a file
without a diagram (BPMNDI) shows nothing there, so every export carries its
layout. What is drawn comes from the same reading of the graph as the SVG
diagrams (:mod:`etomkg.diagram.data`); the layout is decided in
:mod:`etomkg.bpmn.model` and serialised by :mod:`etomkg.bpmn.writer`.

>>> import etomkg
>>> xml = export_bpmn(etomkg.store.open_cached(), flow="order-to-payment", release="25.5")
>>> xml.startswith(b"<?xml") and b'name="1.4.5 Service Activation Management"' in xml
True
"""

from __future__ import annotations

from ..diagram.data import DiagramError, ReleaseFlows, e2e_flow, layer_names, release_flows
from ..errors import EtomkgError
from ..iris import natural_key
from . import model
from .writer import write

__all__ = ["BpmnError", "LANES", "export_bpmn", "languages_of"]

LANES = ("domain", "layer")
LANGUAGES = ("en", "zh")

WORDS = {
    "en": {
        "received": "{information} received",
        "done": "Flow complete",
        "handed-over": "Handed over",
        "start": "Input received",
        "end": "Output sent",
        "title": "Data flows around {process}",
        "flow-doc": "eTOM end-to-end flow {name} ({key}), release {release}. Starts with: {trigger}. "
        "Pools are eTOM {lanes}; message flows carry the information handed from one to the next.",
        "process-doc": "Producers (above) and consumers (below) of {process} in eTOM release {release}, "
        "with the information each data flow carries.",
        "lanes": {"domain": "domains", "layer": "horizontal layers"},
    },
    "zh": {
        "received": "收到{information}",
        "done": "流程完成",
        "handed-over": "已移交",
        "start": "收到输入",
        "end": "发出输出",
        "title": "{process} 周边的数据流",
        "flow-doc": "eTOM 端到端流程 {name}（{key}），{release} 版。触发事件：{trigger}。"
        "池为 eTOM {lanes}；消息流承载从一方交给下一方的信息。",
        "process-doc": "eTOM {release} 版中 {process} 的生产方（上方）和消费方（下方），以及每条数据流承载的信息。",
        "lanes": {"domain": "域", "layer": "横向层"},
    },
}


class BpmnError(EtomkgError, ValueError):
    """A BPMN export that cannot be made: bad options, an unknown flow or process."""


def languages_of(lang: str | None) -> list[str]:
    """``"en"``, ``"zh"`` or both (``"en,zh"``: names in the first, documentation in both).

    >>> languages_of("zh,en")
    ['zh', 'en']
    >>> languages_of("fr")
    Traceback (most recent call last):
    ...
    etomkg.bpmn.BpmnError: --lang fr: BPMN names are written in en or zh (or both, e.g. en,zh)
    """
    wanted = [part.strip() for part in (lang or "en").split(",") if part.strip()]
    if not wanted or any(part not in LANGUAGES for part in wanted) or len(set(wanted)) != len(wanted):
        raise BpmnError(f"--lang {lang}: BPMN names are written in en or zh (or both, e.g. en,zh)")
    return wanted


def export_bpmn(
    kg,
    *,
    release: str | None = None,
    flow: str | None = None,
    process: str | None = None,
    lang: str | None = "en",
    lanes: str = "domain",
) -> bytes:
    """BPMN 2.0 XML (with diagram) of the end-to-end flow ``flow`` or the neighbourhood of ``process``."""
    if (flow is None) == (process is None):
        raise BpmnError("--format bpmn draws one thing: give --flow KEY (an end-to-end flow) or --process ID")
    if lanes not in LANES:
        raise BpmnError(f"--lanes {lanes}: choose one of {', '.join(LANES)}")
    languages = languages_of(lang)
    release = kg.check_release(release or kg.default_release)
    try:
        data = {language: release_flows(kg, release, language) for language in languages}
        if flow is not None:
            collaboration = _end_to_end(kg, data, languages, release, flow, lanes)
        else:
            collaboration = _neighbourhood(kg, data, languages, release, process)
    except DiagramError as exc:
        raise BpmnError(str(exc)) from exc
    from .. import __version__

    return write(collaboration, target_namespace=kg.iris.base, exporter_version=__version__)


def _entities(kg, release: str) -> dict[str, str]:
    """Data-flow key → IRI of the information entity it carries."""
    rows = kg.select(
        f"""SELECT ?key ?entity WHERE {{ ?f a etom:DataFlow ; skos:notation ?key ;
              etom:release/owl:versionInfo "{release}" ; etom:carries ?entity }}""",
        release=release,
    )
    return {row["key"]: row["entity"] for row in rows}


def _documentation(data: dict[str, ReleaseFlows], languages: list[str], identifier: str) -> tuple[str, ...]:
    """With two languages, each name once per language (BPMN has one name per element)."""
    if len(languages) < 2:
        return ()
    return tuple(f"{lang}: {identifier} {data[lang].processes[identifier].name}" for lang in languages)


def _end_to_end(kg, data, languages, release: str, key: str, lanes: str) -> model.Collaboration:
    primary = languages[0]
    flows = data[primary]
    heads = {lang: e2e_flow(kg, release, key, lang) for lang in languages}
    e2e = heads[primary]
    layers = layer_names(kg, primary)

    def pool_of(identifier: str) -> tuple[tuple, str, str, str | None]:
        info = flows.processes[identifier]
        order = flows.lane_order(identifier, lanes)
        if lanes == "domain":
            return order, info.domain or "", f"{info.domain} {info.domain_name}", kg.iris.process(release, info.domain)
        name = layers.get(info.layer) or info.layer_name or info.layer or ""
        return order, info.layer or "other", name, None

    pools = sorted({pool_of(step[1]) for step in e2e.steps}, key=lambda item: (item[0], natural_key(item[1])))
    steps = [
        model.Step(
            number=number,
            process=identifier,
            name=flows.processes[identifier].name,
            iri=kg.iris.process(release, identifier),
            pool=pool_of(identifier)[1],
            documentation=_documentation(data, languages, identifier),
        )
        for number, identifier, _, _ in e2e.steps
    ]
    entities = _entities(kg, release)
    handoffs = {
        number: model.Handoff(
            number=number,
            information=information or flow_key,
            flow_key=flow_key,
            flow_iri=kg.iris.flow(release, flow_key),
            entity_iri=entities.get(flow_key),
        )
        for number, _, flow_key, information in e2e.steps
        if flow_key
    }
    words = WORDS[primary]
    documentation = [
        WORDS[lang]["flow-doc"].format(
            name=heads[lang].name,
            key=key,
            release=release,
            trigger=heads[lang].trigger,
            lanes=WORDS[lang]["lanes"][lanes],
        )
        for lang in languages
    ]
    return model.end_to_end(
        key,
        e2e.name,
        documentation,
        e2e.trigger,
        [(pool_key, name, iri) for _, pool_key, name, iri in pools],
        steps,
        handoffs,
        words,
    )


def _neighbourhood(kg, data, languages, release: str, process: str) -> model.Collaboration:
    primary = languages[0]
    flows = data[primary]
    _identifier(process)
    if process not in flows.processes:
        if not kg.select(
            f'SELECT ?p WHERE {{ ?p skos:notation "{_identifier(process)}" ; etom:level ?level }} LIMIT 1',
            release=release,
        ):
            raise BpmnError(f"--process {process}: no process with that identifier in release {release}")
        raise BpmnError(
            f"--process {process}: it has no data flows in release {release}; "
            f"`etomkg flows --release {release}` lists the processes that have some"
        )
    entities = _entities(kg, release)

    def neighbour(identifier: str, item) -> model.Neighbour:
        return model.Neighbour(
            process=identifier,
            name=flows.processes[identifier].name,
            iri=kg.iris.process(release, identifier),
            information=item.information,
            flow_key=item.key,
            flow_iri=kg.iris.flow(release, item.key),
            entity_iri=entities.get(item.key),
        )

    def order(item: model.Neighbour) -> tuple:
        return natural_key(item.process), item.information

    producers = sorted((neighbour(f.producer, f) for f in flows.flows if f.consumer == process), key=order)
    consumers = sorted((neighbour(f.consumer, f) for f in flows.flows if f.producer == process), key=order)
    focus = model.Step(
        number=1,
        process=process,
        name=flows.processes[process].name,
        iri=kg.iris.process(release, process),
        pool=process,
        documentation=_documentation(data, languages, process),
    )
    documentation = [
        WORDS[lang]["process-doc"].format(process=f"{process} {data[lang].processes[process].name}", release=release)
        for lang in languages
    ]
    return model.neighbourhood(focus, producers, consumers, WORDS[primary], documentation)


def _identifier(text: str) -> str:
    """A process identifier as written (digits and dots), or an error: never spliced into a query unchecked."""
    if not text or not all(ch.isdigit() or ch == "." for ch in text):
        raise BpmnError(f"--process {text!r}: an identifier is digits and dots, e.g. 1.4.5")
    return text
