"""IRIs, namespaces and release ordering: the one place that mints identifiers.

Process IRIs are scoped by release because dotted identifiers are not stable
across releases (1.2.x meant SIP in classic eTOM and means the Product domain
today), e.g. ``{base}/release/25.5/process/1.4.5``.

>>> iris = Iris("https://example.org/etom")
>>> iris.process("25.5", "1.4.5")
'https://example.org/etom/release/25.5/process/1.4.5'
>>> natural_key("1.3.10") > natural_key("1.3.2")
True
>>> sorted(["1.3.10", "1.3.2", "1.12", "1.3"], key=natural_key)
['1.3', '1.3.2', '1.3.10', '1.12']
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_BASE = "https://w3id.org/etomkg"
ONTOLOGY_IRI = "https://w3id.org/etomkg/ontology"
ONTOLOGY_VERSION = "1.0.0"
ETOM = "https://w3id.org/etomkg/ontology#"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XKOS = "http://rdf-vocabulary.ddialliance.org/xkos#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "etom": ETOM,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "xkos": XKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "void": VOID,
}

#: Releases in time order; "classic" is the pre-R15 framework of the founding document.
RELEASES: tuple[str, ...] = ("classic", "23.0.1", "23.5", "24.0", "24.5", "25.0", "25.5", "26.0")
LATEST_RELEASE = RELEASES[-1]
DOMAIN_RELEASES: tuple[str, ...] = RELEASES[1:]

_ID_PART = re.compile(r"(\d+)|(\D+)")


@lru_cache(maxsize=1 << 18)  # the same identifiers are sorted again and again while building
def natural_key(identifier: str) -> tuple:
    """Sort key that orders dotted identifiers numerically (1.3.2 before 1.3.10).

    Non-numeric fragments sort after numbers at the same position, so stray
    identifiers from the sources still sort deterministically.
    """
    key: list[tuple[int, int | str]] = []
    for part in identifier.split("."):
        for number, text in _ID_PART.findall(part):
            key.append((0, int(number)) if number else (1, text))
        key.append((-1, 0))  # part separator: "1.3" sorts before "1.3.1"
    return tuple(key)


def release_key(release: str) -> int:
    """Position of a release in time (classic first); unknown releases sort last."""
    try:
        return RELEASES.index(release)
    except ValueError:
        return len(RELEASES)


_RELEASE = re.compile(r"^\d+(\.\d+)*$")


def release_sort_key(release: str) -> tuple:
    """Time order of any release name, bundled or imported (``26.5`` after ``26.0``; classic first).

    >>> sorted(["26.5", "23.0.1", "classic", "25.5", "23.5"], key=release_sort_key)
    ['classic', '23.0.1', '23.5', '25.5', '26.5']
    """
    if release == "classic":
        return (0,)
    if _RELEASE.match(release):
        return (1, *(int(part) for part in release.split(".")))
    return (2, release)


def is_release_name(text: str) -> bool:
    """A plausible release name: ``classic`` or dotted numbers such as ``25.5`` or ``23.0.1``."""
    return text == "classic" or bool(_RELEASE.match(text))


def slug(text: str) -> str:
    """Lower-kebab slug for IRIs of groupings (``Operations Readiness & Support`` → ``operations-readiness-support``)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def configured_base(base: str | None = None) -> str:
    """The base IRI: the argument, else ``$ETOMKG_BASE``, else the default; never with a trailing slash."""
    return (base or os.environ.get("ETOMKG_BASE") or DEFAULT_BASE).rstrip("/")


@dataclass(frozen=True)
class Iris:
    """Mints every instance IRI under one configurable base."""

    base: str = DEFAULT_BASE

    def release(self, release: str) -> str:
        return f"{self.base}/release/{release}"

    def graph(self, release: str) -> str:
        """Named graph of a release: the release IRI itself."""
        return self.release(release)

    def process(self, release: str, identifier: str) -> str:
        return f"{self.base}/release/{release}/process/{identifier}"

    def deleted(self, release: str, uid: str) -> str:
        return f"{self.base}/release/{release}/deleted/{uid}"

    def anomaly(self, element_iri: str, kind: str, n: int = 0) -> str:
        return f"{element_iri}/anomaly/{slug(kind)}" + (f"-{n}" if n else "")

    def version_link(self, newer_release: str, identifier: str) -> str:
        return f"{self.base}/release/{newer_release}/lineage/{identifier}"

    def level(self, depth: int) -> str:
        return f"{self.base}/level/{depth}"

    def layer(self, key: str) -> str:
        return f"{self.base}/layer/{key}"

    def vertical(self, scheme: str, name: str) -> str:
        return f"{self.base}/vertical/{scheme}/{slug(name)}"

    def vertical_scheme(self, scheme: str) -> str:
        return f"{self.base}/vertical/{scheme}"

    def source(self, key: str) -> str:
        return f"{self.base}/source/{slug(key)}"

    def information(self, key: str) -> str:
        return f"{self.base}/information/{key}"

    @property
    def information_scheme(self) -> str:
        """The concept scheme of the information entities."""
        return f"{self.base}/information"

    def flow(self, release: str, key: str) -> str:
        return f"{self.base}/release/{release}/flow/{key}"

    def e2e(self, release: str, key: str) -> str:
        return f"{self.base}/release/{release}/e2e/{key}"

    def e2e_step(self, release: str, key: str, step: int) -> str:
        return f"{self.base}/release/{release}/e2e/{key}/step/{step}"

    def extension(self, name: str) -> str:
        """Named graph (and dataset node) of an operator's extension imported into a store."""
        return f"{self.base}/extension/{name}"

    def extension_element(self, name: str, kind: str, key: str) -> str:
        """An element minted for a CSV/YAML extension row: ``…/extension/{name}/{kind}/{key}``."""
        return f"{self.base}/extension/{name}/{kind}/{key}"

    def import_record(self, kind: str, key: str) -> str:
        """The registry's record of one import (``kind`` is ``gb921`` or ``extension``)."""
        return f"{self.base}/import/{kind}/{key}"

    @property
    def registry_graph(self) -> str:
        """Graph of a persistent store's own metadata: what was imported, from which file, when."""
        return f"{self.base}/registry"

    @property
    def context(self) -> str:
        """IRI of the published JSON-LD context (resolved locally, never fetched)."""
        return f"{self.base}/context.jsonld"

    @property
    def dataset(self) -> str:
        return f"{self.base}/dataset"

    @property
    def framework_graph(self) -> str:
        """Graph of release-independent things: levels, layers, verticals, sources, dataset metadata."""
        return f"{self.base}/framework"
