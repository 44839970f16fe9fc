"""Write The Open Group's ArchiMate Model Exchange File Format (3.1) with lxml.

The child order follows the XSD (``name``, ``documentation``, ``properties``,
``metadata``, ``elements``, ``relationships``, ``organizations``,
``propertyDefinitions``, ``views``); ``accessType`` is always written because
Archi's default (Write) differs from the schema's (Access). The same model
gives the same bytes.
"""

from __future__ import annotations

import re

from lxml import etree

from .model import ArchiModel, Concept, Folder, Node, Texts, View

NS = "http://www.opengroup.org/xsd/archimate/3.0/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = (
    f"{NS} http://www.opengroup.org/xsd/archimate/3.1/archimate3_Diagram.xsd "
    f"{DC_NS} http://dublincore.org/schemas/xmls/qdc/2008/02/11/dc.xsd"
)
_XSI_TYPE = f"{{{XSI_NS}}}type"
# Characters XML 1.0 cannot carry at all (controls other than TAB, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _clean(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def _texts(parent: etree._Element, tag: str, texts: Texts) -> None:
    for lang, text in texts:
        child = etree.SubElement(parent, _q(tag))
        if lang:
            child.set(XML_LANG, lang)
        child.text = _clean(text)


def _properties(parent: etree._Element, properties: list[tuple[str, str]], definition_ids: dict[str, str]) -> None:
    if not properties:
        return
    holder = etree.SubElement(parent, _q("properties"))
    for key, value in properties:
        prop = etree.SubElement(holder, _q("property"), propertyDefinitionRef=definition_ids[key])
        etree.SubElement(prop, _q("value")).text = _clean(value)


def _concept(parent: etree._Element, tag: str, concept: Concept, definition_ids: dict[str, str], **attrs) -> None:
    node = etree.SubElement(parent, _q(tag), identifier=concept.identifier, **attrs)
    node.set(_XSI_TYPE, concept.type)
    _texts(node, "name", concept.names)
    _texts(node, "documentation", concept.documentation)
    _properties(node, concept.properties, definition_ids)


def _folder(parent: etree._Element, folder: Folder) -> None:
    item = etree.SubElement(parent, _q("item"))
    _texts(item, "label", folder.labels)
    for sub in folder.folders:
        _folder(item, sub)
    for ref in folder.refs:
        etree.SubElement(item, _q("item"), identifierRef=ref)


def _node(parent: etree._Element, node: Node) -> None:
    attrs = {"identifier": node.identifier}
    if node.element:
        attrs["elementRef"] = node.element
    out = etree.SubElement(parent, _q("node"), attrs)
    out.set(_XSI_TYPE, node.kind)
    for key in ("x", "y", "w", "h"):
        out.set(key, str(getattr(node, key)))
    _texts(out, "label", node.labels)
    for child in node.children:
        _node(out, child)


def _view(parent: etree._Element, view: View) -> None:
    out = etree.SubElement(parent, _q("view"), identifier=view.identifier)
    out.set(_XSI_TYPE, "Diagram")
    _texts(out, "name", view.names)
    _texts(out, "documentation", view.documentation)
    for node in view.nodes:
        _node(out, node)
    for conn in view.connections:
        c = etree.SubElement(
            out,
            _q("connection"),
            identifier=conn.identifier,
            relationshipRef=conn.relationship,
            source=conn.source,
            target=conn.target,
        )
        c.set(_XSI_TYPE, "Relationship")
        for x, y in conn.bendpoints:
            etree.SubElement(c, _q("bendpoint"), x=str(x), y=str(y))


def write_exchange(model: ArchiModel) -> bytes:
    """The exchange file of a model, as UTF-8 bytes with an XML declaration."""
    root = etree.Element(_q("model"), nsmap={None: NS, "dc": DC_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.set("identifier", model.identifier)
    definition_ids = {d.key: d.identifier for d in model.property_definitions}
    _texts(root, "name", model.names)
    _texts(root, "documentation", model.documentation)
    _properties(root, model.properties, definition_ids)
    metadata = etree.SubElement(root, _q("metadata"))
    etree.SubElement(metadata, _q("schema")).text = "Dublin Core"
    etree.SubElement(metadata, _q("schemaversion")).text = "1.1"
    for key, value in model.metadata.items():
        if value:
            etree.SubElement(metadata, f"{{{DC_NS}}}{key}").text = _clean(value)
    if model.elements:
        elements = etree.SubElement(root, _q("elements"))
        for element in model.elements:
            _concept(elements, "element", element, definition_ids)
    if model.relationships:
        relationships = etree.SubElement(root, _q("relationships"))
        for rel in model.relationships:
            attrs = {"source": rel.source, "target": rel.target}
            if rel.type == "Access":
                attrs["accessType"] = rel.access_type or "Access"
            _concept(relationships, "relationship", rel, definition_ids, **attrs)
    if model.organizations:
        organizations = etree.SubElement(root, _q("organizations"))
        for folder in model.organizations:
            _folder(organizations, folder)
    if model.property_definitions:
        definitions = etree.SubElement(root, _q("propertyDefinitions"))
        for definition in model.property_definitions:
            d = etree.SubElement(definitions, _q("propertyDefinition"), identifier=definition.identifier)
            d.set("type", definition.type)
            etree.SubElement(d, _q("name")).text = definition.key
    if model.views:
        diagrams = etree.SubElement(etree.SubElement(root, _q("views")), _q("diagrams"))
        for view in model.views:
            _view(diagrams, view)
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
