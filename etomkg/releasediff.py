"""What changed between two releases, read from the graph's version links.

Each release graph links every process to its previous version
(``etom:VersionLink`` with ``etom:older``, ``etom:newer`` and ``etom:basis``
``identifier`` | ``name`` | ``renamed``); a process without a link is new.
Comparing two releases that are not neighbours follows the links through the
releases in between. A matched pair is *renumbered* (new identifier),
*renamed* and/or *moved* (its parent is not the counterpart of its old
parent); unmatched processes were *added* or *removed*.

For example::

    import etomkg
    diff = release_diff(etomkg.open(), "25.5", "26.0")
    diff.counts()["renamed"] > 0, diff.old, diff.new
    # -> (True, '25.5', '26.0')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from .catalog import Catalog
from .errors import EtomkgError
from .naming import ETOM, natural_key, release_key
from .store import KnowledgeGraph

KINDS: tuple[str, ...] = ("added", "removed", "renumbered", "renamed", "moved")

_OLDER = ox.NamedNode(ETOM + "older")
_NEWER = ox.NamedNode(ETOM + "newer")
_BASIS = ox.NamedNode(ETOM + "basis")


@dataclass(frozen=True)
class Change:
    kind: str
    old_id: str | None
    old_name: str | None
    new_id: str | None
    new_name: str | None
    old_parent: str | None = None
    new_parent: str | None = None
    basis: str = ""


@dataclass
class ReleaseDiff:
    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    matched: int = 0
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        counted = Counter(c.kind for c in self.changes)
        return {kind: counted[kind] for kind in KINDS}

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def _links(kg: KnowledgeGraph, newer_release: str) -> dict[str, tuple[str, str, str]]:
    """newer identifier -> (older release, older identifier, basis) for the links stored in ``newer_release``."""
    graph = ox.NamedNode(kg.iris.graph(newer_release))
    prefix = kg.iris.base + "/release/"
    links: dict[str, tuple[str, str, str]] = {}
    for quad in kg.store.quads_for_pattern(None, _NEWER, None, graph):
        node = quad.subject
        older = next(kg.store.quads_for_pattern(node, _OLDER, None, graph), None)
        basis = next(kg.store.quads_for_pattern(node, _BASIS, None, graph), None)
        if older is None:
            continue
        older_release, _, older_id = older.object.value.removeprefix(prefix).partition("/process/")
        newer_id = quad.object.value.rsplit("/process/", 1)[-1]
        links[newer_id] = (older_release, older_id, basis.object.value if basis is not None else "")
    return links


def release_diff(kg: KnowledgeGraph, old: str, new: str) -> ReleaseDiff:
    """The changes from release ``old`` to release ``new`` (``old`` must be the older one)."""
    for release in (old, new):
        kg.check_release(release)
    if release_key(old) >= release_key(new):
        raise EtomkgError(f"cannot compare {old} with {new}: give the older release first, then a newer one")
    catalog = Catalog.of(kg)
    old_table, new_table = catalog.release(old), catalog.release(new)
    chain = [r for r in kg.releases if release_key(old) < release_key(r) <= release_key(new)]
    links = {release: _links(kg, release) for release in chain}
    # Follow each new process back release by release to its version in ``old``.
    back: dict[str, tuple[str, str]] = {}  # new id -> (old id, basis of the last step that changed something)
    for element in new_table:
        identifier, basis, release = element.identifier, "identifier", new
        for step in reversed(chain):
            if release != step:
                break
            link = links[step].get(identifier)
            if link is None:
                identifier = None
                break
            release, identifier = link[0], link[1]
            if link[2] != "identifier":
                basis = link[2]
        if identifier is not None and release == old and identifier in old_table:
            back[element.identifier] = (identifier, basis)
    forward = {old_id: new_id for new_id, (old_id, _) in back.items()}
    diff = ReleaseDiff(old, new, matched=len(back))
    for element in new_table:
        if element.identifier not in back:
            diff.changes.append(
                Change("added", None, None, element.identifier, element.label("en"), new_parent=element.parent)
            )
    for element in old_table:
        if element.identifier not in forward:
            diff.changes.append(
                Change("removed", element.identifier, element.label("en"), None, None, old_parent=element.parent)
            )
    for new_id, (old_id, basis) in sorted(back.items(), key=lambda item: natural_key(item[0])):
        before, after = old_table[old_id], new_table[new_id]
        found = False
        args = (old_id, before.label("en"), new_id, after.label("en"), before.parent, after.parent, basis)
        if old_id != new_id:
            diff.changes.append(Change("renumbered", *args))
            found = True
        if before.label("en") != after.label("en"):
            diff.changes.append(Change("renamed", *args))
            found = True
        if before.parent and after.parent and forward.get(before.parent) != after.parent:
            diff.changes.append(Change("moved", *args))
            found = True
        diff.unchanged += not found
    order = {kind: i for i, kind in enumerate(KINDS)}
    diff.changes.sort(key=lambda c: (order[c.kind], natural_key(c.new_id or c.old_id or "")))
    return diff
