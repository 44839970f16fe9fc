"""The canonical form: every fact of the bundled eTOM content as plain records.

Sources are read and normalised once (``etomkg.content.sources``); the RDF graph, the
exports and the checks are all rendered from these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Anomaly:
    """A defect of a source, kept so that a query can find it (never silently dropped)."""

    kind: str  # local name of an etom:AnomalyKind, e.g. "OrphanProcess"
    comment: str
    raw: str | None = None


@dataclass
class Process:
    release: str
    identifier: str
    name: str
    level: int
    source: str  # key of a Source, e.g. "S1"
    parent: str | None = None
    original_id: str | None = None
    uid: str | None = None
    alt_names: list[str] = field(default_factory=list)
    verticals: list[str] = field(default_factory=list)  # vertical names of the release's scheme
    anomalies: list[Anomaly] = field(default_factory=list)
    note: str | None = None  # editorial note (how a derived row was built)
    layer: str | None = None  # classic groupings and domains only
    area: str | None = None  # identifier of the classic process area, where known
    # TM Forum's own texts, present only when a user imports a licensed GB921 workbook into a store
    brief_description: str | None = None
    extended_description: str | None = None
    change_note: str | None = None  # the workbook's Issue column

    @property
    def domain(self) -> str | None:
        """Identifier of the L1 domain (the first two parts), for domain-numbered releases."""
        if self.release == "classic" or self.level < 1:
            return None
        return ".".join(self.identifier.split(".")[:2])


@dataclass
class DeletedProcess:
    release: str
    uid: str
    name: str
    level: int | None
    former_identifier: str | None
    original_id: str | None
    domain_name: str | None
    verticals: list[str]
    maturity: str | None
    status: str | None
    replaced_by: list[tuple[str, str]] = field(default_factory=list)  # (identifier, basis)
    previous: tuple[str, str] | None = None  # (release, identifier) of the last live version
    history_note: str | None = None
    source: str = "S1d"
    brief_description: str | None = None
    extended_description: str | None = None


@dataclass(frozen=True)
class VersionLink:
    older_release: str
    older_id: str
    newer_release: str
    newer_id: str
    basis: str  # "identifier" | "renamed" | "name" | "uid"

    @property
    def renamed(self) -> bool:
        return self.basis in ("renamed", "name-renamed")

    @property
    def renumbered(self) -> bool:
        return self.older_id != self.newer_id


@dataclass
class Vertical:
    scheme: str  # "classic" | "current"
    name: str
    name_zh: str
    area: str  # classic area identifier: 1.1 OPS, 1.2 SIP
    definition_en: str = ""
    definition_zh: str = ""
    alt_zh: str | None = None
    note: str | None = None


@dataclass
class Layer:
    key: str
    name: str
    name_zh: str
    definition_en: str
    definition_zh: str


@dataclass(frozen=True)
class InformationEntity:
    """A business object that passes between processes (named after its SID entity where one fits)."""

    key: str
    name_en: str
    name_zh: str
    definition_en: str
    definition_zh: str
    sid_name: str | None = None


@dataclass(frozen=True)
class DataFlow:
    """One producer → consumer hand-off of an information entity, in one release.

    A flow is stated for one release (``stated_release``); where both of its
    processes have versions in another release along the version links, it is
    carried there too, with the identifiers of that release.
    """

    key: str
    release: str
    producer: str
    consumer: str
    information: str
    inferred: bool  # our inference rather than a hand-off stated by a source
    evidence: str
    evidence_url: str
    notes: tuple[str, ...] = ()
    stated_release: str = "25.5"
    citation: str | None = None  # "document, section" of the TM Forum text that states it

    @property
    def carried(self) -> bool:
        return self.release != self.stated_release


@dataclass(frozen=True)
class FlowStep:
    number: int
    process: str
    flow_to_next: str | None  # key of the data flow to the next step; None on the last step


@dataclass(frozen=True)
class EndToEndFlow:
    key: str
    release: str
    name_en: str
    name_zh: str
    trigger_en: str
    trigger_zh: str
    definition_en: str
    definition_zh: str
    steps: tuple[FlowStep, ...]
    stated_release: str = "25.5"

    @property
    def carried(self) -> bool:
        return self.release != self.stated_release


@dataclass
class Content:
    """Everything the graph is built from."""

    processes: list[Process]
    deleted: list[DeletedProcess]
    links: list[VersionLink]
    classic_counterparts: dict[tuple[str, str], str]  # (release, id) -> classic id
    verticals: list[Vertical]
    layers: list[Layer]
    labels_zh: dict[str, str]  # English name -> Chinese label
    definitions: dict[str, tuple[str, str]]  # English name -> (en, zh)
    release_anomalies: dict[str, list[Anomaly]]
    release_notes: dict[str, list[str]]
    # Data flows (``etomkg.content.flows``): stated ones and those carried to other releases along version links.
    information: list[InformationEntity] = field(default_factory=list)
    flows: list[DataFlow] = field(default_factory=list)
    e2e_flows: list[EndToEndFlow] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)  # every release, oldest first (classic first)
    sources: dict[str, str] = field(default_factory=dict)  # source key -> title


@dataclass
class SourceRows:
    """The rows the content is built from, in the schema of ``data/reference/*.csv``.

    The bundled reference files give one set; an imported GB921 workbook is
    normalised into the same schema and replaces the rows of its release, so
    one pipeline builds both.
    """

    processes: list[dict[str, str]]
    verticals: list[dict[str, str]]
    deleted: list[dict[str, str]]
    release_anomalies: dict[str, list[Anomaly]] = field(default_factory=dict)
    # (release, identifier) -> (brief, extended, issue) texts from an imported workbook
    descriptions: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # source key -> title, beyond the bundled ones
    # (release, identifier) -> anomalies found while reading the rows (beyond those the notes encode)
    process_anomalies: dict[tuple[str, str], list[Anomaly]] = field(default_factory=dict)

    def replace_release(self, other: SourceRows, release: str) -> SourceRows:
        """These rows with every row of ``release`` taken from ``other`` instead."""
        return SourceRows(
            processes=[r for r in self.processes if r["release"] != release]
            + [r for r in other.processes if r["release"] == release],
            verticals=[r for r in self.verticals if r["release"] != release]
            + [r for r in other.verticals if r["release"] == release],
            deleted=[r for r in self.deleted if r["release"] != release]
            + [r for r in other.deleted if r["release"] == release],
            release_anomalies={
                **{k: v for k, v in self.release_anomalies.items() if k != release},
                **{k: v for k, v in other.release_anomalies.items() if k == release},
            },
            descriptions={
                **{k: v for k, v in self.descriptions.items() if k[0] != release},
                **{k: v for k, v in other.descriptions.items() if k[0] == release},
            },
            sources={**self.sources, **other.sources},
            process_anomalies={
                **{k: v for k, v in self.process_anomalies.items() if k[0] != release},
                **{k: v for k, v in other.process_anomalies.items() if k[0] == release},
            },
        )
