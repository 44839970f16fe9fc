"""Differences between two releases, or between a release and a workbook: what a process architect
asks when a new eTOM comes out.

Processes are matched first by TM Forum's UID where both sides have one, then
along the graph's lineage (the version links between consecutive releases,
followed through the releases in between), then as the lineage itself is
built (same identifier and name; the same name, unique at its level, under a
new identifier; the same identifier under a new name). Every matched pair is
compared: renumbered (new identifier), renamed, moved (its parent is not the
counterpart of its old parent), changed verticals. Unmatched processes were
added or removed.

Example (``etomkg diff 25.0 25.5`` on the command line)::

    diff = release_diff(etomkg.open(), "25.0", "25.5")
    diff.of("moved")      # [Change(kind='moved', old_id='1.1.2', new_id='1.12.2', …), …]
    diff.to_markdown()    # or to_csv(), to_json()
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import EtomkgError
from ..iris import natural_key, release_sort_key
from ..store import KnowledgeGraph

KINDS = ("added", "removed", "renumbered", "renamed", "moved", "verticals")
TITLES = {
    "added": "Added",
    "removed": "Removed",
    "renumbered": "Renumbered (same process, new identifier)",
    "renamed": "Renamed",
    "moved": "Moved to another parent",
    "verticals": "Changed vertical groups",
}


@dataclass(frozen=True)
class ProcessFacts:
    identifier: str
    name: str
    level: int
    parent: str | None
    uid: str | None = None
    verticals: tuple[str, ...] = ()
    iri: str | None = None


@dataclass
class Side:
    """One side of a diff: a release of the store, or a workbook read from a file."""

    label: str
    release: str
    processes: dict[str, ProcessFacts]
    in_store: bool = True


@dataclass(frozen=True)
class Change:
    kind: str
    old_id: str | None
    old_name: str | None
    new_id: str | None
    new_name: str | None
    old_parent: str | None = None
    new_parent: str | None = None
    detail: str = ""
    basis: str = ""  # how the pair was matched: uid, or the version links' bases (identifier, name, renamed)


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

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "old": self.old,
                    "new": self.new,
                    "matched": self.matched,
                    "unchanged": self.unchanged,
                    "counts": self.counts(),
                    "changes": [asdict(c) for c in self.changes],
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(
            ["change", "old_id", "old_name", "new_id", "new_name", "old_parent", "new_parent", "detail", "basis"]
        )
        for c in self.changes:
            writer.writerow(
                [
                    c.kind,
                    c.old_id or "",
                    c.old_name or "",
                    c.new_id or "",
                    c.new_name or "",
                    c.old_parent or "",
                    c.new_parent or "",
                    c.detail,
                    c.basis,
                ]
            )
        return buffer.getvalue()

    def to_markdown(self, *, fold_over: int = 40) -> str:
        """Readable in a pull request: counts first, then one table per kind (long ones folded)."""
        lines = [f"# eTOM {self.old} → {self.new}", ""]
        lines.append(
            f"{self.matched} processes matched ({self.unchanged} unchanged), "
            f"{self.counts()['added']} added, {self.counts()['removed']} removed."
        )
        lines += ["", "| change | processes |", "|---|---:|"]
        lines += [f"| {TITLES[kind]} | {n} |" for kind, n in self.counts().items()]
        for kind in KINDS:
            changes = self.of(kind)
            if not changes:
                continue
            lines += ["", f"## {TITLES[kind]} ({len(changes)})", ""]
            table = _markdown_table(kind, changes, self.old, self.new)
            if len(changes) > fold_over:
                lines += [f"<details><summary>{len(changes)} processes</summary>", "", *table, "", "</details>"]
            else:
                lines += table
        return "\n".join(lines) + "\n"

    def render(self, fmt: str) -> str:
        renderers = {"markdown": self.to_markdown, "md": self.to_markdown, "csv": self.to_csv, "json": self.to_json}
        if fmt not in renderers:
            raise EtomkgError(f"unknown diff format {fmt!r}; choose markdown, csv or json")
        return renderers[fmt]()


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def _markdown_table(kind: str, changes: list[Change], old: str, new: str) -> list[str]:
    if kind == "added":
        rows = [("identifier", "name", "parent")] + [(c.new_id, c.new_name, c.new_parent) for c in changes]
    elif kind == "removed":
        rows = [("identifier", "name", "parent")] + [(c.old_id, c.old_name, c.old_parent) for c in changes]
    elif kind == "moved":
        rows = [(old, new, "name", "old parent", "new parent")] + [
            (c.old_id, c.new_id, c.new_name, c.old_parent, c.new_parent) for c in changes
        ]
    elif kind == "renamed":
        rows = [(old, new, f"name in {old}", f"name in {new}")] + [
            (c.old_id, c.new_id, c.old_name, c.new_name) for c in changes
        ]
    else:
        rows = [(old, new, "name", "change")] + [(c.old_id, c.new_id, c.new_name, c.detail) for c in changes]
    head, *body = rows
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(str(v) if v is not None else "") for v in row) + " |" for row in body]
    return out


# --- sides ---


def release_side(kg: KnowledgeGraph, release: str) -> Side:
    """The processes of a release in the store (its own graph: the bundled or imported release, not extensions)."""
    import pyoxigraph as ox

    kg.check_release(release)
    rows = kg.query(
        """SELECT ?p ?id ?name ?level ?parent ?uid (GROUP_CONCAT(?vertical; separator="\\u001f") AS ?verticals)
        WHERE {
          ?p a etom:ProcessElement ; skos:notation ?id ; etom:level ?level ;
             skos:prefLabel ?name FILTER(lang(?name) = "en")
          OPTIONAL { ?p etom:parent/skos:notation ?parent }
          OPTIONAL { ?p etom:uid ?uid }
          OPTIONAL { ?p etom:vertical/skos:prefLabel ?vertical FILTER(lang(?vertical) = "en") }
        } GROUP BY ?p ?id ?name ?level ?parent ?uid""",
        default_graph=[ox.NamedNode(kg.iris.graph(release)), ox.NamedNode(kg.iris.framework_graph)],
    )
    processes = {}
    for row in rows:
        verticals = row["verticals"].value if row["verticals"] is not None else ""
        processes[row["id"].value] = ProcessFacts(
            identifier=row["id"].value,
            name=row["name"].value,
            level=int(row["level"].value),
            parent=row["parent"].value if row["parent"] is not None else None,
            uid=row["uid"].value if row["uid"] is not None else None,
            verticals=tuple(sorted(v for v in verticals.split("\u001f") if v)),
            iri=row["p"].value,
        )
    return Side(release, release, processes)


def workbook_side(path: str | Path, release: str | None = None) -> Side:
    """The processes of a GB921 workbook, built by the same pipeline as an import (nothing is stored)."""
    from ..content.sources import build_content, bundled_rows
    from ..imports.workbook import read_workbook

    data = read_workbook(path, release)
    content = build_content(bundled_rows().replace_release(data.rows, data.release))
    processes = {
        p.identifier: ProcessFacts(p.identifier, p.name, p.level, p.parent, p.uid, tuple(sorted(p.verticals)))
        for p in content.processes
        if p.release == data.release
    }
    return Side(f"{data.path.name} ({data.release})", data.release, processes, in_store=False)


# --- matching ---


def _lineage(kg: KnowledgeGraph, old: Side, new: Side) -> dict[str, tuple[str, str]]:
    """old identifier -> (new identifier, basis) along the graph's version links, through the releases in
    between; the basis joins the links' own (``name`` for a renumbered process, ``renamed`` …)."""
    if not (old.in_store and new.in_store) or old.release == new.release:
        return {}
    forward = release_sort_key(old.release) < release_sort_key(new.release)
    rows = kg.select("SELECT ?o ?n ?b WHERE { ?l a etom:VersionLink ; etom:older ?o ; etom:newer ?n ; etom:basis ?b }")
    step = {(r["o"] if forward else r["n"]): (r["n"] if forward else r["o"], r["b"]) for r in rows}
    prefix = kg.iris.release(new.release) + "/process/"
    found = {}
    for identifier, facts in old.processes.items():
        iri, bases = facts.iri, []
        while iri is not None and not iri.startswith(prefix) and len(bases) < 20:
            iri, basis = step.get(iri, (None, None))
            if basis and basis not in bases:
                bases.append(basis)
        if iri is not None and iri.startswith(prefix):
            found[identifier] = (iri[len(prefix) :], "+".join(bases))
    return found


def match(old: Side, new: Side, lineage: dict[str, tuple[str, str]] | None = None) -> dict[str, tuple[str, str]]:
    """old identifier -> (new identifier, basis)."""
    from ..content.model import Process
    from ..content.sources import match_versions

    pairs: dict[str, tuple[str, str]] = {}
    taken: set[str] = set()
    # a UID identifies a process only where it is unique on both sides (TM Forum's 25.5 sheet reuses one)
    old_uids = Counter(p.uid for p in old.processes.values() if p.uid)
    new_uids = Counter(p.uid for p in new.processes.values() if p.uid)
    new_by_uid = {p.uid: p.identifier for p in new.processes.values() if p.uid and new_uids[p.uid] == 1}
    for identifier, facts in sorted(old.processes.items(), key=lambda kv: natural_key(kv[0])):
        target = new_by_uid.get(facts.uid) if facts.uid and old_uids[facts.uid] == 1 else None
        if target is not None and target not in taken:
            pairs[identifier] = (target, "uid")
            taken.add(target)
    for identifier, (target, basis) in sorted((lineage or {}).items(), key=lambda kv: natural_key(kv[0])):
        if identifier not in pairs and target not in taken and target in new.processes:
            pairs[identifier] = (target, basis or "lineage")
            taken.add(target)

    def as_processes(side: Side, exclude: set[str]) -> dict[str, Process]:
        return {
            i: Process(side.release, i, f.name, f.level, "", f.parent)
            for i, f in side.processes.items()
            if i not in exclude
        }

    rest = match_versions(as_processes(old, set(pairs)), as_processes(new, taken))
    for old_id, new_id, basis in rest:
        pairs[old_id] = (new_id, basis)
    return pairs


def diff_sides(old: Side, new: Side, lineage: dict[str, tuple[str, str]] | None = None) -> ReleaseDiff:
    pairs = match(old, new, lineage)
    result = ReleaseDiff(old.label, new.label, matched=len(pairs))
    changes: list[Change] = []
    for old_id, (new_id, basis) in pairs.items():
        a, b = old.processes[old_id], new.processes[new_id]
        parent_counterpart = pairs.get(a.parent, (None,))[0] if a.parent else None
        common = dict(
            old_id=old_id,
            old_name=a.name,
            new_id=new_id,
            new_name=b.name,
            old_parent=a.parent,
            new_parent=b.parent,
            basis=basis,
        )
        found = []
        if old_id != new_id:
            found.append(Change("renumbered", detail=f"{old_id} → {new_id}", **common))
        if a.name != b.name:
            found.append(Change("renamed", detail=f"'{a.name}' → '{b.name}'", **common))
        if parent_counterpart != b.parent and (a.parent or b.parent):
            level = f"; level {a.level} → {b.level}" if a.level != b.level else ""
            found.append(
                Change("moved", detail=f"parent {a.parent or '(none)'} → {b.parent or '(none)'}{level}", **common)
            )
        if set(a.verticals) != set(b.verticals):
            gone, came = sorted(set(a.verticals) - set(b.verticals)), sorted(set(b.verticals) - set(a.verticals))
            detail = "; ".join(
                filter(None, [("- " + ", ".join(gone)) if gone else "", ("+ " + ", ".join(came)) if came else ""])
            )
            found.append(Change("verticals", detail=detail, **common))
        changes += found
        result.unchanged += not found
    matched_new = {new_id for new_id, _ in pairs.values()}
    for identifier, facts in old.processes.items():
        if identifier not in pairs:
            changes.append(Change("removed", identifier, facts.name, None, None, old_parent=facts.parent))
    for identifier, facts in new.processes.items():
        if identifier not in matched_new:
            changes.append(Change("added", None, None, identifier, facts.name, new_parent=facts.parent))
    result.changes = sorted(
        changes, key=lambda c: (KINDS.index(c.kind), natural_key(c.new_id or c.old_id or ""), c.old_id or "")
    )
    return result


def _side(kg: KnowledgeGraph, which: str, release: str | None) -> Side:
    if which in kg.releases:
        return release_side(kg, which)
    path = Path(which)
    if path.suffix.lower() in (".xlsx", ".xlsm") or path.exists():
        return workbook_side(path, release)
    raise EtomkgError(f"{which!r} is neither a release of the store ({', '.join(kg.releases)}) nor a workbook file")


def release_diff(kg: KnowledgeGraph, old: str, new: str, *, workbook_release: str | None = None) -> ReleaseDiff:
    """Diff two releases of the store, or a release and a workbook file (either way round)."""
    a, b = _side(kg, old, workbook_release), _side(kg, new, workbook_release)
    return diff_sides(a, b, _lineage(kg, a, b))


__all__ = ["release_diff", "diff_sides", "release_side", "workbook_side", "ReleaseDiff", "Change", "KINDS"]
