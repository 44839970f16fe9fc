"""Release-aware resolution of eTOM references: the cited release first, then every later release along the
version links.

A specification cites ``1.4.5|Service_Activation_Management|v24.0``. The reference resolves to process 1.4.5 of
24.0 (stated by the specification), and from there, one version link at a time, to the same process in 24.5,
25.0 … (carried along lineage: not stated by the specification, each step's version link is its basis).
Defects are recorded, never hidden: a name that the cited release does not give that identifier, a release the
graph does not hold, an identifier the cited release lacks, a process whose lineage ends before the newest
release.

>>> from etomkg.content.sources import load_content
>>> from etomkg.oda.model import ProcessRef
>>> resolver = Resolver.for_content(load_content())
>>> found, anomalies = resolver.resolve(ProcessRef("1.4.5", "Service_Activation_Management", "v24.0"))
>>> [(r.release, r.identifier, r.stated) for r in found][:3]
[('24.0', '1.4.5', True), ('24.5', '1.4.5', False), ('25.0', '1.4.5', False)]
>>> anomalies
[]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.model import Anomaly, Content
from .model import ProcessRef, same_name

NAME_MISMATCH = "OdaNameMismatch"
UNHELD_RELEASE = "OdaUnheldRelease"
UNKNOWN_IDENTIFIER = "OdaUnknownIdentifier"
NO_CURRENT_VERSION = "OdaNoCurrentVersion"
UNKNOWN_API = "OdaUnknownApi"
KINDS = (NAME_MISMATCH, UNHELD_RELEASE, UNKNOWN_IDENTIFIER, NO_CURRENT_VERSION, UNKNOWN_API)


@dataclass(frozen=True)
class Resolution:
    """The process a reference resolves to in one release."""

    release: str
    identifier: str
    stated: bool  # True only for the process of the release the specification cites
    links: tuple[tuple[str, str], ...] = ()  # version links followed, as (newer release, newer identifier)
    basis: str = ""  # in words, for facts not stated by the specification


class Resolver:
    """Resolves references against the processes and version links of one content (bundled or a store's)."""

    def __init__(self, names: dict[tuple[str, str], str], newer: dict[tuple[str, str], str], releases: list[str]):
        self.names = names  # (release, identifier) -> English name
        self.newer = newer  # (release, identifier) -> identifier of the next version in the next release
        self.releases = [r for r in releases if r != "classic"]  # oldest first

    @classmethod
    def for_content(cls, content: Content) -> Resolver:
        names = {(p.release, p.identifier): p.name for p in content.processes}
        newer = {(link.older_release, link.older_id): link.newer_id for link in content.links}
        return cls(names, newer, content.releases)

    @property
    def newest(self) -> str:
        return self.releases[-1]

    def resolve(self, ref: ProcessRef) -> tuple[list[Resolution], list[Anomaly]]:
        """Every process the reference reaches, oldest release first, and the defects found on the way."""
        anomalies: list[Anomaly] = []
        release = ref.release
        if release not in self.releases:
            oldest = self.releases[0]
            found = self.names.get((oldest, ref.identifier))
            matched = found is not None and same_name(found, ref.token)
            anomalies.append(
                Anomaly(
                    UNHELD_RELEASE,
                    f"The specification cites release {release}, which the graph does not hold (it holds "
                    f"{oldest} to {self.newest}); "
                    + (
                        f"{oldest} has {ref.identifier} under the same name, so the reference is resolved there, "
                        "marked as not stated by the specification."
                        if matched
                        else f"{oldest} has no process {ref.identifier} named {ref.name!r}, so it is not resolved."
                    ),
                    ref.text,
                )
            )
            if not matched:
                return [], anomalies
            start = Resolution(
                oldest,
                ref.identifier,
                False,
                basis=f"cited for release {release}, which the graph does not hold; same identifier and name in "
                f"{oldest}",
            )
        else:
            found = self.names.get((release, ref.identifier))
            if found is None:
                anomalies.append(
                    Anomaly(
                        UNKNOWN_IDENTIFIER,
                        f"Release {release} has no process {ref.identifier}; the reference is not resolved.",
                        ref.text,
                    )
                )
                return [], anomalies
            if not same_name(found, ref.token):
                anomalies.append(
                    Anomaly(
                        NAME_MISMATCH,
                        f"In release {release}, {ref.identifier} is named {found!r}, not {ref.name!r}; the reference "
                        "is resolved by its identifier.",
                        ref.text,
                    )
                )
            start = Resolution(release, ref.identifier, True)
        found_all = [start]
        current, links = start, ()
        for later in self.releases[self.releases.index(start.release) + 1 :]:
            identifier = self.newer.get((current.release, current.identifier))
            if identifier is None:
                anomalies.append(
                    Anomaly(
                        NO_CURRENT_VERSION,
                        f"{current.identifier} of {current.release} has no version in {later} (no version link), "
                        f"so the reference reaches no process of the newest release, {self.newest}.",
                        ref.text,
                    )
                )
                break
            links = (*links, (later, identifier))
            current = Resolution(
                later,
                identifier,
                False,
                links,
                f"carried from {start.release} {start.identifier} along {len(links)} version link(s)",
            )
            found_all.append(current)
        return found_all, anomalies
