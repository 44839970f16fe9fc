"""ODA components in the ArchiMate export (``--components``).

* ODA component → ``ApplicationComponent``; each Open API it exposes → an ``ApplicationInterface`` of its own
  (one per component and API: an interface is composed into one component only), with ``Composition``
  component → interface;
* a component implementing a process element of the exported release → ``Realization`` component → business
  function (process); where the specification cites an earlier release and the link is carried along version
  links, the relationship says so (``eTOM inferred`` true, ``eTOM evidence``);
* each interface → ``Serving`` → the business functions its component realizes;
* one view per component: the component, its interfaces below it, the functions it realizes below them.

All three relationships are allowed by ArchiMate 3.2 (Archi's relationship table): ApplicationComponent →
ApplicationInterface ``c``, ApplicationComponent → BusinessFunction/Process ``r``, ApplicationInterface →
BusinessFunction/Process ``v``.
"""

from __future__ import annotations

from collections import defaultdict

from ..iris import natural_key
from .ids import concept_id
from .layout import BOX_H, BOX_W, MARGIN
from .model import Connection, Node, View

FOLDER = {"en": "Application (ODA components)", "zh": "应用（ODA 组件）"}
_VIEW = {"en": "ODA component {id} {name}", "zh": "ODA 组件 {id} {name}"}
_GAP = 20


def add_components(builder) -> tuple[list[str], list[View]]:
    """Add the components that realize something in the exported scope; return their element keys (components
    and interfaces, for the folder) and, when views are wanted, one view per component."""
    b = builder
    rows = b.g.tuples(
        "SELECT ?c ?p ?inferred ?evidence WHERE { ?i etom:implementer ?c ; etom:implementedProcess ?p ; "
        "etom:inferred ?inferred OPTIONAL { ?i etom:evidence ?evidence } }",
        union=True,
    )
    realized: dict[str, dict[str, tuple[bool, str]]] = defaultdict(dict)
    for c, p, inferred, evidence in rows:
        if p.value not in b.scope:
            continue
        carried = inferred.value == "true"
        current = realized[c.value].get(p.value)
        if current is None or (current[0] and not carried):  # a stated link wins over a carried one
            realized[c.value][p.value] = (carried, evidence.value if evidence is not None else "")
    if not realized:
        return [], []
    components = sorted(realized)
    notation = b._values_of(components, "skos:notation")
    names = b.g.texts(components, "skos:prefLabel")
    apis = defaultdict(set)
    for c, api in b.g.tuples("SELECT ?c ?a WHERE { ?c etom:exposesApi ?a }", union=True):
        if c.value in realized:
            apis[c.value].add(api.value)
    api_iris = sorted({a for found in apis.values() for a in found})
    api_notation = b._values_of(api_iris, "skos:notation")
    api_names = b.g.texts(api_iris, "skos:prefLabel")
    keys: list[str] = []
    views: list[View] = []
    components.sort(key=lambda c: notation.get(c, c))
    for component in components:
        element = b._element(
            component,
            concept_id(component),
            "ApplicationComponent",
            b._texts(names.get(component), notation.get(component, component)),
            [],
            [("eTOM identifier", notation.get(component, "")), ("IRI", component)],
        )
        keys.append(component)
        processes = sorted(realized[component], key=lambda p: natural_key(b.notation[p]))
        realizations = {}
        for process in processes:
            carried, evidence = realized[component][process]
            props = [("eTOM inferred", "true" if carried else "false")]
            if carried and evidence:
                props.append(("eTOM evidence", evidence))
            realizations[process] = b._relationship(
                "Realization",
                concept_id("realization", component, process),
                element.identifier,
                b.elements[process].identifier,
                properties=props,
            ).identifier
        interfaces = []
        for api in sorted(apis[component], key=lambda a: api_notation.get(a, a)):
            key = f"interface {component} {api}"
            interface = b._element(
                key,
                concept_id("interface", component, api),
                "ApplicationInterface",
                b._texts(api_names.get(api), api_notation.get(api, api)),
                [],
                [("eTOM identifier", api_notation.get(api, "")), ("IRI", api)],
            )
            keys.append(key)
            composed = b._relationship(
                "Composition", concept_id("composition", component, api), element.identifier, interface.identifier
            ).identifier
            served = {
                process: b._relationship(
                    "Serving",
                    concept_id("serving", component, api, process),
                    interface.identifier,
                    b.elements[process].identifier,
                ).identifier
                for process in processes
            }
            interfaces.append((interface.identifier, composed, served))
        if b.options.views:
            views.append(_view(b, component, element, processes, realizations, interfaces, notation, names))
    return keys, views


def _view(b, component, element, processes, realizations, interfaces, notation, names) -> View:
    identifier = concept_id("view", component)
    texts = dict(b._texts(names.get(component), notation.get(component, component)))
    view_names = [
        (lang, _VIEW.get(lang, _VIEW["en"]).format(id=notation.get(component, ""), name=texts.get(lang, "")).strip())
        for lang in (b.langs or ["en"])
    ]
    view = View(identifier, view_names)
    width = max(len(processes), len(interfaces), 1) * (BOX_W + _GAP)
    top = Node(concept_id("node", identifier, "component"), MARGIN + (width - BOX_W) // 2, MARGIN, BOX_W, BOX_H,
               element=element.identifier)  # fmt: skip
    view.nodes.append(top)
    process_y = MARGIN + 2 * (BOX_H + 2 * _GAP) if interfaces else MARGIN + BOX_H + 2 * _GAP
    process_nodes = {}
    for i, process in enumerate(processes):
        node = Node(concept_id("node", identifier, "process", process), MARGIN + i * (BOX_W + _GAP), process_y,
                    BOX_W, BOX_H, element=b.elements[process].identifier)  # fmt: skip
        view.nodes.append(node)
        process_nodes[process] = node
        view.connections.append(
            Connection(
                concept_id("connection", identifier, realizations[process]),
                realizations[process],
                top.identifier,
                node.identifier,
            )  # fmt: skip
        )
    for i, (interface, composed, served) in enumerate(interfaces):
        node = Node(concept_id("node", identifier, "interface", interface), MARGIN + i * (BOX_W + _GAP),
                    MARGIN + BOX_H + 2 * _GAP, BOX_W, BOX_H, element=interface)  # fmt: skip
        view.nodes.append(node)
        view.connections.append(
            Connection(concept_id("connection", identifier, composed), composed, top.identifier, node.identifier)
        )
        for process, relationship in served.items():
            view.connections.append(
                Connection(
                    concept_id("connection", identifier, relationship),
                    relationship,
                    node.identifier,
                    process_nodes[process].identifier,
                )  # fmt: skip
            )
    return view
