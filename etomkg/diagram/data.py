"""What the diagrams draw, read from the graph with the shipped queries."""

from __future__ import annotations

from dataclasses import dataclass

from .. import queries
from ..errors import EtomkgError
from ..iris import natural_key

#: Rows of the eTOM map, top to bottom; processes of other domains (Enterprise) come last.
LAYER_ORDER = ("market-product-customer", "service", "resource", "supplier-partner")
#: Domains of the Market, Product & Customer layer as the eTOM map shows them: Sales follows Market.
DOMAIN_ORDER = ("1.1", "1.12", "1.2", "1.3")


class DiagramError(EtomkgError, ValueError):
    """Nothing to draw: an unknown process or end-to-end flow, or a release without flows."""


@dataclass(frozen=True)
class ProcessInfo:
    identifier: str
    name: str
    domain: str | None
    domain_name: str | None
    layer: str | None  # key of the horizontal layer, e.g. "service"
    layer_name: str | None


@dataclass(frozen=True)
class FlowInfo:
    key: str
    producer: str
    consumer: str
    information: str  # the entity's name in the diagram's language
    inferred: bool
    evidence: str


@dataclass
class ReleaseFlows:
    release: str
    lang: str
    processes: dict[str, ProcessInfo]
    flows: list[FlowInfo]

    def lane_order(self, identifier: str, by: str) -> tuple:
        """Sort key of the swimlane of a process: layers top to bottom, then domains."""
        info = self.processes[identifier]
        layer_rank = LAYER_ORDER.index(info.layer) if info.layer in LAYER_ORDER else len(LAYER_ORDER)
        if by == "layer":
            return (layer_rank,)
        domain = info.domain or "9"
        return (layer_rank, DOMAIN_ORDER.index(domain) if domain in DOMAIN_ORDER else 99, natural_key(domain))


def _name(node: str, var: str, lang: str) -> str:
    return (
        f'?{node} skos:prefLabel ?{var} FILTER(lang(?{var}) = "{lang}" || (lang(?{var}) = "en" && '
        f'NOT EXISTS {{ ?{node} skos:prefLabel ?{var}Wanted FILTER(lang(?{var}Wanted) = "{lang}") }}))'
    )


def release_flows(kg, release: str, lang: str = "en") -> ReleaseFlows:
    """The flows of a release with the name, domain and layer of every process they touch."""
    release = kg.check_release(release)
    flows = [
        FlowInfo(
            key=row["key"],
            producer=row["producerId"],
            consumer=row["consumerId"],
            information=row["information"],
            inferred=row["inferred"] == "true",
            evidence=row["evidence"],
        )
        for row in queries.run(kg, "flows", release=release, lang=lang)
    ]
    if not flows:
        raise DiagramError(f"release {release} has no data flows; flows exist from 23.0.1 to 26.0")
    rows = kg.select(
        f"""SELECT DISTINCT ?id ?name ?domainId WHERE {{
              ?flow a etom:DataFlow ; etom:release/owl:versionInfo "{release}" .
              {{ ?flow etom:producer ?p }} UNION {{ ?flow etom:consumer ?p }}
              ?p skos:notation ?id ; etom:domain/skos:notation ?domainId .
              {_name("p", "name", lang)}
            }}""",
        release=release,
    )
    domains = {
        row["id"]: row
        for row in kg.select(
            f"""SELECT ?id ?name ?layer ?layerName WHERE {{
                  ?d a etom:Domain ; skos:notation ?id .
                  {_name("d", "name", lang)}
                  OPTIONAL {{ ?d etom:layer ?l . ?l skos:notation ?layer ; skos:prefLabel ?layerName
                             FILTER(lang(?layerName) = "{lang}") }}
                }}""",
            release=release,
        )
    }
    processes = {}
    for row in rows:
        domain = domains.get(row["domainId"], {})
        processes[row["id"]] = ProcessInfo(
            identifier=row["id"],
            name=row["name"],
            domain=row["domainId"],
            domain_name=domain.get("name"),
            layer=domain.get("layer"),
            layer_name=domain.get("layerName"),
        )
    return ReleaseFlows(release, lang, processes, flows)


def layer_names(kg, lang: str) -> dict[str, str]:
    """Horizontal layer key → name in ``lang``."""
    rows = kg.select(
        f"""SELECT ?key ?name WHERE {{ ?l a etom:HorizontalLayer ; skos:notation ?key ; skos:prefLabel ?name
              FILTER(lang(?name) = "{lang}") }}"""
    )
    return {row["key"]: row["name"] for row in rows}


@dataclass(frozen=True)
class E2EInfo:
    key: str
    name: str
    trigger: str
    steps: list[tuple[int, str, str | None, str | None]]  # (number, process, flow key to next, information)


def e2e_flow(kg, release: str, key: str, lang: str = "en") -> E2EInfo:
    release = kg.check_release(release)
    heads = {row["key"]: row for row in queries.run(kg, "e2e-flows", release=release, lang=lang)}
    if key not in heads:
        raise DiagramError(
            f"no end-to-end flow {key!r} in release {release}; choose one of: {', '.join(heads) or 'none'}"
        )
    rows = kg.select(
        f"""SELECT ?step ?process ?next WHERE {{
              ?e a etom:EndToEndFlow ; skos:notation "{key}" ; etom:release/owl:versionInfo "{release}" ;
                 etom:step ?s .
              ?s etom:stepNumber ?step ; etom:stepProcess/skos:notation ?process .
              OPTIONAL {{ ?s etom:flowToNext/skos:notation ?next }}
            }} ORDER BY ?step""",
        release=release,
    )
    info = {
        row["step"]: row.get("informationToNext")
        for row in queries.run(kg, "e2e-steps", flow=key, release=release, lang=lang)
    }
    steps = [(int(r["step"]), r["process"], r.get("next"), info.get(r["step"])) for r in rows]
    return E2EInfo(key, heads[key]["name"], heads[key]["trigger"], steps)


def e2e_keys(kg, release: str) -> list[str]:
    return [row["key"] for row in queries.run(kg, "e2e-flows", release=release)]
