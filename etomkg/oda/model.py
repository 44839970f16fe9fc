"""The canonical form of ODA component specifications: plain records, read once, rendered from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Releases as the specifications write them, where that differs from the graph's release name.
RELEASE_ALIASES = {"23.0": "23.0.1"}
STATUSES = ("production", "preview", "roadmap")
FUNCTIONS = ("core", "management", "security")


def cited_release(raw: str) -> str:
    """``v24.0`` → ``24.0``; ``v23.0`` → ``23.0.1`` (the release the graph holds under that number).

    >>> cited_release("v23.0"), cited_release("v26.0"), cited_release("v21.5")
    ('23.0.1', '26.0', '21.5')
    """
    release = raw.strip().removeprefix("v")
    return RELEASE_ALIASES.get(release, release)


def token_name(token: str) -> str:
    """A name token as people write the name: ``Product_Catalog_Lifecycle_Management`` → spaces, one each."""
    return " ".join(token.replace("_", " ").split())


def same_name(a: str, b: str) -> bool:
    """Names equal up to case and spacing (the tokens lose nothing else)."""
    return token_name(a).casefold() == token_name(b).casefold()


def spaced(camel: str) -> str:
    """``ProductCatalogManagement`` → ``Product Catalog Management``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", camel).strip()


@dataclass(frozen=True)
class ProcessRef:
    """One entry of a specification's eTOM list: ``1.2.20|Product_Catalog_Lifecycle_Management|v24.0``."""

    identifier: str
    token: str
    cited: str  # as written, e.g. "v24.0"
    line: int | None = None

    @property
    def release(self) -> str:
        return cited_release(self.cited)

    @property
    def name(self) -> str:
        return token_name(self.token)

    @property
    def text(self) -> str:
        return f"{self.identifier}|{self.token}|{self.cited}"


@dataclass(frozen=True)
class ApiUse:
    function: str  # core | management | security
    direction: str  # exposed | dependent
    api: str  # TMF620
    required: bool
    versions: tuple[str, ...] = ()  # major versions, e.g. ("4", "5")
    resources: tuple[str, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class EventUse:
    function: str
    direction: str  # published | subscribed
    hub: str
    events: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class AbeRef:
    domain: str  # token, e.g. Product_Domain
    abe: str  # token, e.g. Product_Offering_Specification_ABE
    cited: str
    line: int | None = None


@dataclass(frozen=True)
class FunctionRef:
    identifier: str
    token: str
    cited: str
    line: int | None = None


@dataclass
class Component:
    identifier: str  # TMFC001
    name: str  # the name token of the specification, e.g. ProductCatalogManagement
    version: str
    status: str
    functional_block: str
    publication_date: str
    processes: list[ProcessRef] = field(default_factory=list)
    apis: list[ApiUse] = field(default_factory=list)
    events: list[EventUse] = field(default_factory=list)
    abes: list[AbeRef] = field(default_factory=list)
    functions: list[FunctionRef] = field(default_factory=list)
    description: str | None = None  # a user's own words (never TM Forum's: the bundled tables have none)
    file: str | None = None  # the YAML file a user's component was read from
    line: int | None = None


@dataclass(frozen=True)
class ApiVersion:
    key: str  # TMF620_v5.0.0
    api: str  # TMF620
    version: str
    name: str


@dataclass
class OdaSpecs:
    components: list[Component]
    api_index: list[ApiVersion]

    def api_names(self) -> dict[str, str]:
        """API id → its name in the newest version the index lists."""
        names: dict[str, str] = {}
        for item in sorted(self.api_index, key=lambda v: _version_key(v.version)):
            names[item.api] = item.name.strip()
        return names


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))
