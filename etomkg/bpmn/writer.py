"""Serialise a :class:`~etomkg.bpmn.model.Collaboration` as BPMN 2.0 XML with its diagram (BPMNDI).

Child order follows OMG's XSDs (documentation, incoming, outgoing, event
definitions); every element that stands for something in the graph carries its
IRI in an ``etomkg:iri`` attribute (BPMN allows attributes of other namespaces
on every base element), so a round trip back to the graph is possible. The
same collaboration gives the same bytes.
"""

from __future__ import annotations

import re

from lxml import etree

from .model import Bounds, Collaboration, Node, Pool

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
ETOMKG = "https://w3id.org/etomkg/bpmn#"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "etomkg": ETOMKG}
# Characters XML 1.0 cannot carry at all (controls other than TAB, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _base(parent: etree._Element, tag: str, element_id: str, name: str | None = None, iri: str | None = None, **attrs):
    node = etree.SubElement(parent, _q(BPMN, tag), id=element_id)
    if name is not None:
        node.set("name", _NOT_XML.sub(" ", name))
    for key, value in attrs.items():
        node.set(key, value)
    if iri:
        node.set(_q(ETOMKG, "iri"), iri)
    return node


def _documentation(parent: etree._Element, texts: list[str]) -> None:
    for text in texts:
        etree.SubElement(parent, _q(BPMN, "documentation")).text = _NOT_XML.sub(" ", text)


def _process(root: etree._Element, pool: Pool) -> None:
    process = _base(root, "process", pool.process_id, pool.name, pool.iri, isExecutable="false")
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for flow in pool.flows:
        outgoing.setdefault(flow.source, []).append(flow.id)
        incoming.setdefault(flow.target, []).append(flow.id)
    for node in pool.nodes:
        element = _base(process, node.kind, node.id, node.name, node.iri)
        _documentation(element, node.documentation)
        for flow_id in incoming.get(node.id, []):
            etree.SubElement(element, _q(BPMN, "incoming")).text = flow_id
        for flow_id in outgoing.get(node.id, []):
            etree.SubElement(element, _q(BPMN, "outgoing")).text = flow_id
        if node.message:
            etree.SubElement(element, _q(BPMN, "messageEventDefinition"), id=f"{node.id}_message")
    for flow in pool.flows:
        element = _base(process, "sequenceFlow", flow.id, None, flow.iri, sourceRef=flow.source, targetRef=flow.target)
        _documentation(element, flow.documentation)


def _bounds(parent: etree._Element, bounds: Bounds) -> None:
    etree.SubElement(
        parent,
        _q(DC, "Bounds"),
        x=_num(bounds.x),
        y=_num(bounds.y),
        width=_num(bounds.width),
        height=_num(bounds.height),
    )


def _shape(plane: etree._Element, node: Node | Pool, **attrs) -> None:
    shape = etree.SubElement(plane, _q(BPMNDI, "BPMNShape"), id=f"{node.id}_di", bpmnElement=node.id, **attrs)
    _bounds(shape, node.bounds)
    label = getattr(node, "label", None)
    if label is not None:
        _bounds(etree.SubElement(shape, _q(BPMNDI, "BPMNLabel")), label)


def _edge(plane: etree._Element, element_id: str, waypoints: list[tuple[float, float]]) -> None:
    edge = etree.SubElement(plane, _q(BPMNDI, "BPMNEdge"), id=f"{element_id}_di", bpmnElement=element_id)
    for x, y in waypoints:
        etree.SubElement(edge, _q(DI, "waypoint"), x=_num(x), y=_num(y))


def write(collaboration: Collaboration, *, target_namespace: str, exporter_version: str) -> bytes:
    """BPMN 2.0 XML of ``collaboration``, semantic model first, then its diagram."""
    root = etree.Element(
        _q(BPMN, "definitions"),
        nsmap=NSMAP,
        id=f"Definitions_{collaboration.id.removeprefix('Collaboration_')}",
        targetNamespace=target_namespace,
        exporter="etomkg",
        exporterVersion=exporter_version,
    )
    for message in collaboration.messages:
        _base(root, "message", message.id, message.name, message.iri)
    collab = _base(root, "collaboration", collaboration.id, collaboration.name)
    _documentation(collab, collaboration.documentation)
    for pool in collaboration.pools:
        participant = _base(collab, "participant", pool.id, pool.name, pool.iri)
        _documentation(participant, pool.documentation)
        if pool.process_id:
            participant.set("processRef", pool.process_id)
    for flow in collaboration.message_flows:
        _base(
            collab,
            "messageFlow",
            flow.id,
            None,
            flow.iri,
            sourceRef=flow.source,
            targetRef=flow.target,
            messageRef=flow.message,
        )
    for pool in collaboration.pools:
        if pool.process_id:
            _process(root, pool)

    diagram = etree.SubElement(root, _q(BPMNDI, "BPMNDiagram"), id=f"Diagram_{collaboration.id}")
    plane = etree.SubElement(diagram, _q(BPMNDI, "BPMNPlane"), id=f"Plane_{collaboration.id}")
    plane.set("bpmnElement", collaboration.id)
    for pool in collaboration.pools:
        _shape(plane, pool, isHorizontal="true")
    for pool in collaboration.pools:
        for node in pool.nodes:
            _shape(plane, node)
        for flow in pool.flows:
            _edge(plane, flow.id, flow.waypoints)
    for flow in collaboration.message_flows:
        _edge(plane, flow.id, flow.waypoints)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
