"""Lineage between consecutive releases: which element of the next release is the same process, of what kind
the link is, and on what evidence.

Every link has a **kind** — ``same-identifier``, ``renumbered`` (new identifier under the counterpart of its old
parent), ``renamed`` (same identifier, new name), ``moved`` (new identifier under another parent), ``promoted`` /
``demoted`` (up or down a level), ``split``, ``merged``, ``replaced`` — and its **evidence**: ``equal-identifier``,
``equal-name``, ``similar-name``, ``equal-uid``, ``workbook-statement`` (a move the GB921 workbook states in its
own text, such as "was an L2 1.1.19"), ``deleted-sheet`` (the workbook's "eTOM Deleted" sheet), ``curated`` (a
row of ``data/content/lineage/curated-links.csv``, with its reason).

An identifier reused for a different process is never a rename: a same-identifier pair whose names share no
word and are not alike is left unlinked unless a curated row says otherwise, and the same name under a new
identifier or level is linked first. Facts are carried to other releases (verticals, classic counterparts,
flows) only along links whose kind keeps the meaning (:data:`MEANING_KEEPING`).

>>> from etomkg.content.sources import load_content
>>> link = next(x for x in load_content().links if (x.older_release, x.older_id) == ("25.0", "1.1.19"))
>>> (link.newer_id, link.kind, link.evidence)
('1.3.4.5', 'demoted', ('workbook-statement',))
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from ..errors import EtomkgError
from ..files import content_dir
from ..iris import Iris, natural_key
from .model import Process, VersionLink
from .quads import TYPE, QuadWriter, etom, node

KINDS = ("same-identifier", "renumbered", "renamed", "moved", "promoted", "demoted", "split", "merged", "replaced")
#: Kinds of link along which a fact of one version holds for the other (a split, merge or replacement changes
#: what the process is, so nothing is carried across it).
MEANING_KEEPING = frozenset({"same-identifier", "renumbered", "renamed", "moved", "promoted", "demoted"})
EVIDENCE = (
    "equal-identifier",
    "equal-name",
    "similar-name",
    "equal-uid",
    "workbook-statement",
    "deleted-sheet",
    "curated",
)
CURATED_COLUMNS = [
    "older_release",
    "older_id",
    "older_name",
    "newer_release",
    "newer_id",
    "newer_name",
    "decision",
    "kind",
    "evidence",
    "reason",
]
# Words that say nothing about what a process is: two names sharing only these are unrelated.
_FILLER = frozenset(
    "a an and the of for to in on with by manage management managing process processes handling".split()
)
# "was an L2 1.1.19", "was L3 1.1.8.1", "was 1.1.7", "previously 1.1.5.2": the workbook's statements of a move.
_STATEMENT = re.compile(r"\b(?:was|previously|formerly)\s+(?:an?\s+)?(?:L(\d)\s+)?(1(?:\.\d+)+)\b", re.I)


class LineageContentError(EtomkgError, ValueError):
    """The curated lineage file disagrees with the process reference data."""


def curated_path() -> Path:
    return content_dir() / "lineage" / "curated-links.csv"


@dataclass(frozen=True)
class CuratedLink:
    """A link (``decision`` = link) or a refusal to link (unlink) that the edited lineage file states."""

    older_release: str
    older_id: str
    newer_release: str
    newer_id: str
    decision: str
    kind: str
    evidence: str
    reason: str


def read_curated(names: dict[tuple[str, str], str], path: Path | None = None) -> list[CuratedLink]:
    """The rows of the curated lineage file whose processes ``names`` ((release, id) → name) has under the
    names the row gives; raises :class:`LineageContentError` listing every malformed row."""
    path = path or curated_path()
    errors: list[str] = []
    rows: list[CuratedLink] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != CURATED_COLUMNS:
            raise LineageContentError(f"{path.name}: header is {reader.fieldnames}, expected {CURATED_COLUMNS}")
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            if row["decision"] not in ("link", "unlink"):
                errors.append(f"{where}: decision must be link or unlink, not {row['decision']!r}")
            if row["decision"] == "link" and row["kind"] not in KINDS:
                errors.append(f"{where}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
            if row["evidence"] not in ("workbook-statement", "deleted-sheet", "curated"):
                errors.append(f"{where}: evidence must be workbook-statement, deleted-sheet or curated")
            if not row["reason"].strip():
                errors.append(f"{where}: say why (reason is empty)")
            older, newer = (row["older_release"], row["older_id"]), (row["newer_release"], row["newer_id"])
            if names.get(older) != row["older_name"] or names.get(newer) != row["newer_name"]:
                continue  # content without these versions (an imported workbook renames them): nothing to say
            rows.append(
                CuratedLink(
                    *older, *newer, row["decision"], row["kind"], row["evidence"], " ".join(row["reason"].split())
                )
            )
    if errors:
        raise LineageContentError("the curated lineage file has problems:\n  " + "\n  ".join(errors))
    return rows


def name_words(name: str) -> set[str]:
    """The words of a name that say what the process is, lower-cased, plurals folded (``Policies`` → ``policy``)."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", name.lower()):
        if word in _FILLER:
            continue
        word = word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") else word
        words.add(word)
    return words


def similar_names(a: str, b: str) -> bool:
    """Two names of one process: they share a word that says what it is, or differ only in spelling."""
    return bool(name_words(a) & name_words(b)) or SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.8


def stated_moves(processes: dict[str, Process]) -> list[tuple[str, str]]:
    """(former identifier, identifier) for every process whose workbook texts (Issue column, descriptions —
    present only after a GB921 import) state where it was before."""
    moves = []
    for proc in sorted(processes.values(), key=lambda p: natural_key(p.identifier)):
        for text in (proc.change_note, proc.brief_description, proc.extended_description):
            if text and (match := _STATEMENT.search(text)) and match.group(2) != proc.identifier:
                moves.append((match.group(2), proc.identifier))
                break
    return moves


def _clean(name: str) -> str:
    return " ".join(name.split())


def match_versions(
    older: dict[str, Process],
    newer: dict[str, Process],
    curated: list[CuratedLink] = (),
    statements: list[tuple[str, str]] = (),
) -> list[tuple[str, str, tuple[str, ...], str | None, str | None]]:
    """Pairs ``(older id, newer id, evidence, curated kind, reason)`` of the same process in two releases.

    In order: curated links (and refusals), the workbook's statements of moves, same identifier and name,
    the same UID, the same name under a new identifier or level (unique on both sides among the unlinked),
    then the same identifier under a similar name.
    """
    pairs: list[tuple[str, str, tuple[str, ...], str | None, str | None]] = []
    refused = {(c.older_id, c.newer_id) for c in curated if c.decision == "unlink"}
    taken_old: set[str] = set()
    taken_new: set[str] = set()

    def add(old: str, new: str, evidence: tuple[str, ...], kind: str | None = None, reason: str | None = None):
        pairs.append((old, new, evidence, kind, reason))
        if kind in ("split", "merged"):  # a part of the process: its whole may still continue elsewhere
            refused.add((old, new))
        else:
            taken_old.add(old)
            taken_new.add(new)

    for c in curated:
        if c.decision == "link":
            add(c.older_id, c.newer_id, (c.evidence,), c.kind, c.reason)
    for old, new in statements:
        if old in older and new in newer and (old, new) not in refused and old not in taken_old:
            add(old, new, ("workbook-statement",))
    for identifier in sorted(older.keys() & newer.keys(), key=natural_key):
        if identifier in taken_old or identifier in taken_new or (identifier, identifier) in refused:
            continue
        if _clean(older[identifier].name) == _clean(newer[identifier].name):
            add(identifier, identifier, _evidence(older[identifier], newer[identifier]))
    new_by_uid = _unique(newer, taken_new, lambda p: p.uid)
    for uid, old in sorted(_unique(older, taken_old, lambda p: p.uid).items()):
        if uid in new_by_uid and (old, new_by_uid[uid]) not in refused:
            add(old, new_by_uid[uid], _evidence(older[old], newer[new_by_uid[uid]]))
    for key in (lambda p: _clean(p.name), lambda p: (_clean(p.name), p.level)):
        old_by_name, new_by_name = _unique(older, taken_old, key), _unique(newer, taken_new, key)
        for name in sorted(old_by_name.keys() & new_by_name.keys(), key=str):
            old, new = old_by_name[name], new_by_name[name]
            if (old, new) not in refused:
                add(old, new, _evidence(older[old], newer[new]))
    for identifier in sorted((older.keys() - taken_old) & (newer.keys() - taken_new), key=natural_key):
        if (identifier, identifier) in refused:
            continue
        if similar_names(older[identifier].name, newer[identifier].name):
            add(identifier, identifier, (*_evidence(older[identifier], newer[identifier]), "similar-name"))
    return pairs


def _evidence(old: Process, new: Process) -> tuple[str, ...]:
    evidence = []
    if old.identifier == new.identifier:
        evidence.append("equal-identifier")
    if _clean(old.name) == _clean(new.name):
        evidence.append("equal-name")
    if old.uid and old.uid == new.uid:
        evidence.append("equal-uid")
    return tuple(evidence)


def _unique(procs: dict[str, Process], taken: set[str], key) -> dict:
    seen: dict = defaultdict(list)
    for identifier, proc in procs.items():
        if identifier not in taken and (value := key(proc)) is not None:
            seen[value].append(identifier)
    return {value: ids[0] for value, ids in seen.items() if len(ids) == 1}


def link_releases(
    by_release: dict[str, dict[str, Process]], releases: list[str], curated: list[CuratedLink]
) -> list[VersionLink]:
    """The version links between every two consecutive releases (``releases`` oldest first), each with its
    kind and evidence."""
    links: list[VersionLink] = []
    domain_releases = [r for r in releases if r != "classic"]
    for older_release, newer_release in zip(domain_releases, domain_releases[1:], strict=False):
        older, newer = by_release[older_release], by_release[newer_release]
        rows = [c for c in curated if (c.older_release, c.newer_release) == (older_release, newer_release)]
        pairs = match_versions(older, newer, rows, stated_moves(newer))
        forward = {old: new for old, new, _, kind, _ in pairs if kind not in ("split", "merged")}
        for old, new, evidence, kind, reason in pairs:
            a, b = older[old], newer[new]
            links.append(
                VersionLink(
                    older_release,
                    old,
                    newer_release,
                    new,
                    _basis(evidence, old == new, _clean(a.name) == _clean(b.name)),
                    kind=kind or _kind(a, b, forward),
                    evidence=evidence,
                    reason=reason,
                    name_changed=_clean(a.name) != _clean(b.name),
                )
            )
    return sorted(links, key=lambda x: (x.newer_release, natural_key(x.newer_id), natural_key(x.older_id)))


def _kind(old: Process, new: Process, forward: dict[str, str]) -> str:
    if old.identifier == new.identifier:
        return "same-identifier" if _clean(old.name) == _clean(new.name) else "renamed"
    if new.level < old.level:
        return "promoted"
    if new.level > old.level:
        return "demoted"
    return "renumbered" if old.parent and forward.get(old.parent) == new.parent else "moved"


def _basis(evidence: tuple[str, ...], same_id: bool, same_name: bool) -> str:
    """The older one-word basis (``etom:basis``), kept for the queries written against it."""
    if same_id:
        return "identifier" if same_name else "renamed"
    if "equal-uid" in evidence:
        return "uid"
    if same_name:
        return "name"
    return "statement" if "workbook-statement" in evidence else "curated"


def replacement_links(
    deleted: list, by_release: dict[str, dict[str, Process]], links: list[VersionLink], releases: list[str]
) -> list[VersionLink]:
    """``replaced`` links from the last live version of a deleted process to its replacement where the deleted
    sheet names it (by original identifier) and that version has no other successor."""
    with_successor = {(x.older_release, x.older_id) for x in links}
    extra: list[VersionLink] = []
    for item in deleted:
        if not item.previous or item.previous in with_successor:
            continue
        if releases.index(item.previous[0]) + 1 != releases.index(item.release):
            continue  # version links join consecutive releases only
        for identifier, basis in item.replaced_by:
            if basis != "original identifier" or identifier not in by_release[item.release]:
                continue
            previous_release, previous_id = item.previous
            extra.append(
                VersionLink(
                    previous_release,
                    previous_id,
                    item.release,
                    identifier,
                    "replaced",
                    kind="replaced",
                    evidence=("deleted-sheet",),
                    reason=f"The deleted sheet lists {item.name} (UID {item.uid}) with the original identifier "
                    f"of {identifier}.",
                    name_changed=True,
                )
            )
    return extra


# --- RDF ---------------------------------------------------------------------------------------------------------


def version_link_iri(iris: Iris, link) -> str:
    """A link that keeps the meaning is the only one into its newer version; a split, merge or replacement
    is named by both ends."""
    iri = iris.version_link(link.newer_release, link.newer_id)
    return iri if link.keeps_meaning else f"{iri}/from/{link.older_release}/{link.older_id}"


def carried_statement(w: QuadWriter, iris: Iris, marker: str, subject: str, predicate, value, path) -> None:
    """Mark the triple (``subject``, ``predicate``, ``value``) as carried, with the version links ``path``."""
    w.add(marker, TYPE, etom("CarriedStatement"))
    w.add(marker, etom("carriedSubject").value, node(subject))
    w.add(marker, etom("carriedPredicate").value, predicate)
    w.add(marker, etom("carriedObject").value, value)
    for link in path:
        w.add(marker, etom("carriedAlong").value, node(version_link_iri(iris, link)))
