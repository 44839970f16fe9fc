"""The canonical form: every fact of the bundled eTOM content as plain records.

Sources are read and normalised once (``etomkg.sources``); the RDF graph, the
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
