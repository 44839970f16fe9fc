"""Render components as RDF: the bundled ones into the named graph ``{base}/oda``, a user's into an extension
graph of a store. No blank nodes; the same input gives the same quads.

>>> import etomkg
>>> kg = etomkg.store.open_cached()
>>> oda_graph(kg.iris) in kg.graph_names()
True
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox

from ..content.model import Anomaly, Content
from ..content.quads import TYPE as _TYPE
from ..content.quads import QuadWriter as _Writer
from ..content.quads import anomaly as _write_anomaly
from ..content.quads import boolean as _bool
from ..content.quads import etom as _e
from ..content.quads import lit as _lit
from ..content.quads import node as _n
from ..iris import DCTERMS, OWL, PROV, RDFS, SKOS, VOID, Iris
from .model import Component, OdaSpecs, spaced, token_name
from .resolve import UNKNOWN_API, Resolver
from .tables import (
    SOURCE_COMMIT,
    SOURCE_DATE,
    SOURCE_KEY,
    SOURCE_REPOSITORY,
    SOURCE_TITLE,
    SOURCE_URL,
    api_labels_zh,
    bundled_specs,
    component_labels,
    function_labels_zh,
    sid_labels_zh,
)

RIGHTS_EN = (
    "ODA component specifications are © TM Forum. Component and API identifiers, names, references and roles "
    "are reproduced from TM Forum's published specifications with this notice; no TM Forum text is included, "
    "and the Chinese names (of components, Open APIs, SID domains and ABEs, Functional Framework functions) are "
    "the etomkg project's own translations."
)
RIGHTS_ZH = (
    "ODA 组件规范版权归 TM Forum 所有。组件和 API 的编号、名称、引用和角色引自 TM Forum 发布的规范，并附此声明；"
    "不含 TM Forum 的原文，中文名称（组件、开放 API、SID 域和 ABE、功能框架功能）由 etomkg 项目自行翻译。"
)


def oda_graph(iris: Iris) -> str:
    """The named graph of the bundled components."""
    return f"{iris.base}/oda"


def _key(text: str) -> str:
    return quote(text, safe="-._~")


class OdaIris:
    """IRIs of components and what they reference. Components (and their references, usages, implementations)
    live under ``prefix``; APIs, events, SID and Functional Framework entries are shared by every graph."""

    def __init__(self, iris: Iris, prefix: str | None = None) -> None:
        self.shared = oda_graph(iris)
        self.prefix = prefix or self.shared

    def component(self, identifier: str) -> str:
        return f"{self.prefix}/component/{_key(identifier)}"

    def reference(self, component: str, index: int) -> str:
        return f"{self.component(component)}/etom/{index}"

    def implementation(self, component: str, index: int, release: str) -> str:
        return f"{self.reference(component, index)}/in/{release}"

    def usage(self, component: str, function: str, direction: str, api: str) -> str:
        return f"{self.component(component)}/api/{function}-{direction}-{_key(api)}"

    def api(self, api: str) -> str:
        return f"{self.shared}/api/{_key(api)}"

    def api_version(self, api: str, version: str) -> str:
        return f"{self.api(api)}/v{_key(version)}"

    def event(self, hub: str, name: str) -> str:
        return f"{self.shared}/event/{_key(hub)}/{_key(name)}"

    @property
    def sid_scheme(self) -> str:
        return f"{self.shared}/sid"

    def sid_domain(self, domain: str) -> str:
        return f"{self.sid_scheme}/{_key(domain)}"

    def abe(self, domain: str, abe: str) -> str:
        return f"{self.sid_domain(domain)}/{_key(abe)}"

    @property
    def ff_scheme(self) -> str:
        return f"{self.shared}/ff"

    def function(self, identifier: str) -> str:
        return f"{self.ff_scheme}/{_key(identifier)}"


def oda_quads(content: Content, iris: Iris, specs: OdaSpecs | None = None) -> list[ox.Quad]:
    """The bundled graph's ODA graph: its provenance, the Open API index and the 35 components."""
    specs = specs or bundled_specs()
    graph = oda_graph(iris)
    w = _Writer(graph)
    source = iris.source(SOURCE_KEY)
    w.add(source, _TYPE, _e("Source"))
    w.add(source, DCTERMS + "title", _lit(SOURCE_TITLE, "en"))
    w.add(source, SKOS + "notation", _lit(SOURCE_KEY))
    w.add(source, DCTERMS + "source", _n(SOURCE_URL))
    w.add(source, PROV + "hadPrimarySource", _n(SOURCE_REPOSITORY))
    w.add(source, OWL + "versionInfo", _lit(f"commit {SOURCE_COMMIT}"))
    w.add(source, DCTERMS + "date", _lit(SOURCE_DATE))
    w.add(graph, _TYPE, _n(VOID + "Dataset"))
    w.add(graph, _TYPE, _n(PROV + "Entity"))
    w.add(graph, DCTERMS + "title", _lit("ODA components and Open APIs", "en"))
    w.add(graph, DCTERMS + "title", _lit("ODA 组件与开放 API", "zh"))
    w.add(
        graph,
        DCTERMS + "description",
        _lit(
            f"The {len(specs.components)} published ODA component specifications: the eTOM processes each "
            "implements (resolved in every release along version links), its Open APIs, events, SID ABEs and "
            "Functional Framework functions.",
            "en",
        ),
    )
    w.add(
        graph,
        DCTERMS + "description",
        _lit(
            f"已发布的 {len(specs.components)} 个 ODA 组件规范：每个组件实现的 eTOM 流程（沿版本链接在各版本中解析）、"
            "开放 API、事件、SID ABE 和功能框架功能。",
            "zh",
        ),
    )
    w.add(graph, PROV + "wasDerivedFrom", _n(source))
    w.add(graph, DCTERMS + "source", _n(SOURCE_URL))
    w.add(graph, DCTERMS + "rights", _lit(RIGHTS_EN, "en"))
    w.add(graph, DCTERMS + "rights", _lit(RIGHTS_ZH, "zh"))
    w.add(graph, DCTERMS + "isPartOf", _n(iris.dataset))
    ids = OdaIris(iris)
    names = specs.api_names()
    zh = api_labels_zh()
    for api, name in sorted(names.items()):
        iri = ids.api(api)
        w.add(iri, _TYPE, _e("OpenApi"))
        w.add(iri, SKOS + "notation", _lit(api))
        w.add(iri, SKOS + "prefLabel", _lit(name, "en"))
        w.add(iri, SKOS + "prefLabel", _lit(zh.get(name, name), "zh"))
        w.add(iri, PROV + "wasDerivedFrom", _n(source))
    for item in sorted(specs.api_index, key=lambda v: v.key):
        iri = ids.api_version(item.api, item.version)
        w.add(iri, _TYPE, _e("OpenApiVersion"))
        w.add(iri, _e("versionOfApi").value, _n(ids.api(item.api)))
        w.add(iri, SKOS + "notation", _lit(item.key))
        w.add(iri, OWL + "versionInfo", _lit(item.version))
        w.add(iri, SKOS + "prefLabel", _lit(f"{item.name.strip()} {item.version}", "en"))
        w.add(iri, SKOS + "prefLabel", _lit(f"{zh.get(item.name.strip(), item.name.strip())} {item.version}", "zh"))
    _schemes(w, ids)
    resolver = Resolver.for_content(content)
    functions = function_labels(specs)
    for component in specs.components:
        component_quads(w, component, iris, ids, resolver, set(names), source, functions)
    return w.quads


def function_labels(specs: OdaSpecs) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Functional Framework id → (the name the newest citing release gives, other names cited)."""
    from ..iris import release_sort_key
    from .model import cited_release

    cited: dict[str, dict[str, str]] = {}
    for component in specs.components:
        for ref in component.functions:
            names = cited.setdefault(ref.identifier, {})
            name = token_name(ref.token)
            if name not in names or release_sort_key(cited_release(ref.cited)) > release_sort_key(names[name]):
                names[name] = cited_release(ref.cited)
    labels = {}
    for identifier, names in cited.items():
        ordered = sorted(names, key=lambda n: (release_sort_key(names[n]), n), reverse=True)
        labels[identifier] = (ordered[0], tuple(sorted(ordered[1:])))
    return labels


def _schemes(w: _Writer, ids: OdaIris) -> None:
    w.add(ids.sid_scheme, _TYPE, _n(SKOS + "ConceptScheme"))
    w.add(ids.sid_scheme, SKOS + "prefLabel", _lit("Information Framework (SID) ABEs cited by ODA components", "en"))
    w.add(ids.sid_scheme, SKOS + "prefLabel", _lit("ODA 组件引用的信息框架（SID）ABE", "zh"))
    w.add(ids.ff_scheme, _TYPE, _n(SKOS + "ConceptScheme"))
    w.add(ids.ff_scheme, SKOS + "prefLabel", _lit("Functional Framework functions cited by ODA components", "en"))
    w.add(ids.ff_scheme, SKOS + "prefLabel", _lit("ODA 组件引用的功能框架功能", "zh"))


def component_quads(
    w: _Writer,
    component: Component,
    iris: Iris,
    ids: OdaIris,
    resolver: Resolver,
    known_apis: set[str],
    source: str,
    functions: dict[str, tuple[str, tuple[str, ...]]],
    *,
    record_anomalies: bool = True,
) -> None:
    """One component, its references resolved release by release, its APIs, events, ABEs and functions.

    ``record_anomalies``: the defects of TM Forum's published specifications are recorded as etom:Anomaly
    nodes; a user's own file gets findings instead (its defects are its author's to fix), so none there."""
    c = component.identifier
    iri = ids.component(c)
    en, zh = component_labels().get(c, (None, None)) if ids.prefix == ids.shared else (None, None)
    en = en or spaced(component.name)
    w.add(iri, _TYPE, _e("OdaComponent"))
    w.add(iri, SKOS + "notation", _lit(c))
    w.add(iri, SKOS + "prefLabel", _lit(en, "en"))
    w.add(iri, SKOS + "prefLabel", _lit(zh or en, "zh"))
    w.add(iri, OWL + "versionInfo", _lit(component.version))
    w.add(iri, _e("componentStatus").value, _lit(component.status))
    w.add(iri, _e("functionalBlock").value, _lit(component.functional_block))
    if component.publication_date:
        w.add(iri, DCTERMS + "issued", _lit(component.publication_date))
    if component.description:
        w.add(iri, SKOS + "definition", _lit(component.description, "en"))
    w.add(iri, PROV + "wasDerivedFrom", _n(source))
    for index, ref in enumerate(component.processes, start=1):
        node = ids.reference(c, index)
        w.add(iri, _e("hasProcessReference").value, _n(node))
        w.add(node, _TYPE, _e("ProcessReference"))
        w.add(node, RDFS + "label", _lit(f"{c}: {ref.text}", "en"))
        w.add(node, _e("referenceText").value, _lit(ref.text))
        w.add(node, _e("citedIdentifier").value, _lit(ref.identifier))
        w.add(node, _e("citedName").value, _lit(ref.name))
        w.add(node, _e("citedRelease").value, _lit(ref.release))
        found, anomalies = resolver.resolve(ref)
        for n, anomaly in enumerate(anomalies if record_anomalies else ()):
            _write_anomaly(w, iris, node, anomaly, n)
        for item in found:
            process = iris.process(item.release, item.identifier)
            if item.stated:
                w.add(node, _e("citedProcess").value, _n(process))
                w.add(iri, _e("implements").value, _n(process))
            impl = ids.implementation(c, index, item.release)
            w.add(impl, _TYPE, _e("ProcessImplementation"))
            w.add(impl, _e("implementer").value, _n(iri))
            w.add(impl, _e("implementedProcess").value, _n(process))
            w.add(impl, _e("fromReference").value, _n(node))
            w.add(impl, _e("inferred").value, _bool(not item.stated))
            for release, identifier in item.links:
                w.add(impl, _e("viaVersionLink").value, _n(iris.version_link(release, identifier)))
            if item.basis:
                w.add(impl, _e("evidence").value, _lit(item.basis))
    for use in component.apis:
        node = ids.usage(c, use.function, use.direction, use.api)
        api = ids.api(use.api)
        w.add(iri, _e("hasApiUsage").value, _n(node))
        w.add(iri, _e("exposesApi" if use.direction == "exposed" else "dependsOnApi").value, _n(api))
        w.add(node, _TYPE, _e("ApiUsage"))
        w.add(node, RDFS + "label", _lit(f"{c}: {use.function} {use.direction} {use.api}", "en"))
        w.add(node, _e("usedApi").value, _n(api))
        w.add(node, _e("usageDirection").value, _lit(use.direction))
        w.add(node, _e("componentFunction").value, _lit(use.function))
        w.add(node, _e("required").value, _bool(use.required))
        for version in use.versions:
            w.add(node, _e("apiMajorVersion").value, _lit(version))
        for resource in use.resources:
            w.add(node, _e("apiResource").value, _lit(resource))
        if use.api not in known_apis:
            w.add(api, _TYPE, _e("OpenApi"))
            w.add(api, SKOS + "notation", _lit(use.api))
            w.add(api, SKOS + "prefLabel", _lit(use.api, "en"))
            w.add(api, SKOS + "prefLabel", _lit(use.api, "zh"))
        if use.api not in known_apis and record_anomalies:
            _write_anomaly(
                w,
                iris,
                node,
                Anomaly(
                    UNKNOWN_API,
                    f"{use.api} is not in the Open API index of the source; kept by identifier only.",
                    use.api,
                ),  # fmt: skip
                0,
            )
    for use in component.events:
        predicate = _e("publishesEvent" if use.direction == "published" else "subscribesToEvent").value
        for name in use.events:
            event = ids.event(use.hub, name)
            w.add(iri, predicate, _n(event))
            w.add(event, _TYPE, _e("OdaEvent"))
            w.add(event, SKOS + "notation", _lit(name))
            w.add(event, SKOS + "prefLabel", _lit(spaced(name[0].upper() + name[1:]), "en"))
            w.add(event, _e("eventHub").value, _lit(use.hub))
    sid_zh, function_zh = sid_labels_zh(), function_labels_zh()
    for ref in component.abes:
        domain, abe = ids.sid_domain(ref.domain), ids.abe(ref.domain, ref.abe)
        w.add(iri, _e("ownsAbe").value, _n(abe))
        w.add(domain, _TYPE, _e("SidDomain"))
        w.add(domain, SKOS + "inScheme", _n(ids.sid_scheme))
        w.add(domain, SKOS + "topConceptOf", _n(ids.sid_scheme))
        w.add(domain, SKOS + "notation", _lit(ref.domain))
        _labels(w, domain, token_name(ref.domain), sid_zh)
        w.add(abe, _TYPE, _e("SidAbe"))
        w.add(abe, SKOS + "inScheme", _n(ids.sid_scheme))
        w.add(abe, SKOS + "broader", _n(domain))
        w.add(abe, SKOS + "notation", _lit(ref.abe))
        _labels(w, abe, token_name(ref.abe), sid_zh)
    for ref in component.functions:
        function = ids.function(ref.identifier)
        w.add(iri, _e("providesFunction").value, _n(function))
        w.add(function, _TYPE, _e("FrameworkFunction"))
        w.add(function, SKOS + "inScheme", _n(ids.ff_scheme))
        w.add(function, SKOS + "notation", _lit(ref.identifier))
        label, others = functions.get(ref.identifier, (token_name(ref.token), ()))
        _labels(w, function, label, function_zh)
        for other in others:
            w.add(function, SKOS + "altLabel", _lit(other, "en"))
            # "Discounts Calculation" and "Discount Calculation" are one Chinese name: no altLabel equal to the pref
            if function_zh.get(other, function_zh.get(label)) != function_zh.get(label):
                w.add(function, SKOS + "altLabel", _lit(function_zh[other], "zh"))


def _labels(w: _Writer, iri: str, en: str, zh: dict[str, str]) -> None:
    """The English name and, where etomkg has translated it, the Chinese one (a user's own new names have none:
    pages show the English name then)."""
    w.add(iri, SKOS + "prefLabel", _lit(en, "en"))
    if en in zh:
        w.add(iri, SKOS + "prefLabel", _lit(zh[en], "zh"))
