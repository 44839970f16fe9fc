"""Read the bundled sources once and normalise them into the canonical form.

Every anomaly listed in ``data/reference/SOURCES.md`` is handled here, on
purpose, and recorded as an :class:`~etomkg.content.model.Anomaly` on the element (or
the release) it concerns.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from ..files import content_dir, reference_dir
from ..iris import natural_key, release_sort_key
from .flows import attach_flows
from .model import Anomaly, Content, DeletedProcess, Layer, Process, SourceRows, VersionLink, Vertical

_ID = re.compile(r"^1(\.\d+)*$")
_LEVEL_NOTE = re.compile(r"source Level column says (\d+)")
_RAW_ORIGINAL = re.compile(r"original_id_raw=(.*)$")
_DELETED_MARK = re.compile(r"\s*[\[(]\s*deleted\s*[\])]\s*", re.I)

# 26.0 1.6.1.3.5: SOURCES.md says the source name had a line break that was collapsed.
_COLLAPSED_LINE_BREAKS = {("26.0", "1.6.1.3.5")}
#: Marker in a row's note: the name had a line break, collapsed into one space while reading.
LINE_BREAK_COLLAPSED = "name_line_break_collapsed"
#: Marker in a row's note: the source lists this identifier with more than one name.
DUPLICATE_NOTE = "id appears with >1 name"
# Dropped upstream ("1.3.3.3 (This Process ID has been deliberately unused!)"), per SOURCES.md.
_UNUSED_ID_ROWS = {
    "23.0.1": "1.3.3.3 (This Process ID has been deliberately unused!)",
    "23.5": "1.3.3.3 (This Process ID has been deliberately unused!)",
}

# Domain (L1) → horizontal layer of the map; the Enterprise domain belongs to EM.
DOMAIN_LAYERS = {
    "1.1": "market-product-customer",
    "1.2": "market-product-customer",
    "1.3": "market-product-customer",
    "1.12": "market-product-customer",
    "1.4": "service",
    "1.5": "resource",
    "1.6": "supplier-partner",
}
# Classic L1 groupings → layer; the classic areas: 1.1 OPS, 1.2 SIP, 1.3 EM.
CLASSIC_LAYERS = {
    "1.1.1": "market-product-customer",
    "1.1.2": "service",
    "1.1.3": "resource",
    "1.1.4": "supplier-partner",
    "1.2.1": "market-product-customer",
    "1.2.2": "service",
    "1.2.3": "resource",
    "1.2.4": "supplier-partner",
}
ENTERPRISE_AREA = "1.3"

SOURCE_TITLES = {
    "S1": "TM Forum GB921 v25.5.0 'Business Process Framework Processes in Excel' workbook, live sheet",
    "S1d": "TM Forum GB921 v25.5.0 workbook, 'eTOM Deleted' sheet",
    "S2": "JSON catalogues generated from TM Forum's GB921 workbooks (releases 23.0.1 to 26.0)",
    "S4": "Classic eTOM structure names (ITU-T M.3050.1 summary, eTOM posters, GB921D table of contents)",
    "S5": "eTOM level-2 process listing by classic vertical (undated, pre-R15)",
    "DERIVED-L1": "Level-1 domain rows derived by etomkg from the common prefix and Domain column of their L2 rows",
    "DERIVED-CLASSIC": "Classic grouping rows inferred by etomkg from Original Process Identifier prefixes, named from S4",
    "etomkg": "Chinese labels, definitions, data flows and end-to-end flows written by the etomkg project in its own words",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def clean_deleted_name(name: str) -> str:
    """``"Party Settlement[DELETED]"`` → ``"Party Settlement"``."""
    return re.sub(r"\s+", " ", _DELETED_MARK.sub(" ", name)).strip()


def _level_from_id(identifier: str, release: str) -> int:
    depth = identifier.count(".")
    return depth - 1 if release == "classic" else depth


def level_note(source_level: str) -> str:
    """The note recording a Level column that disagrees with the identifier's depth."""
    return f"source Level column says {source_level}"


def placeholder_note(raw: str) -> str:
    """The note recording an Original Process Identifier that is not a plain identifier."""
    return f"original_id_raw={raw}"


def _read_processes(
    rows: list[dict[str, str]],
    descriptions: dict[tuple[str, str], tuple[str, str, str]],
    extra_anomalies: dict[tuple[str, str], list[Anomaly]],
) -> dict[str, dict[str, Process]]:
    by_release: dict[str, dict[str, Process]] = defaultdict(dict)
    domain_names: dict[tuple[str, str], str] = {
        (r["release"], r["id"]): r["name"] for r in rows if r["source"] == "DERIVED-L1"
    }
    for row in rows:
        release, identifier, name = row["release"], row["id"], row["name"]
        note = row["note"] or ""
        existing = by_release[release].get(identifier)
        if existing is not None:
            _merge_duplicate(existing, name)
            continue
        level = int(row["level"])
        proc = Process(
            release=release,
            identifier=identifier,
            name=name,
            level=level,
            source=row["source"],
            parent=row["parent_id"] or None,
            original_id=row["original_id"] or None,
            uid=row["uid"] or None,
        )
        if row["source"] in ("DERIVED-L1", "DERIVED-CLASSIC"):
            proc.note = note
        if texts := descriptions.get((release, identifier)):
            proc.brief_description, proc.extended_description, proc.change_note = (t or None for t in texts)
        proc.anomalies.extend(extra_anomalies.get((release, identifier), ()))
        if row["source"] == "DERIVED-CLASSIC" and re.search(r"(LOW|MEDIUM) confidence", note):
            confidence = re.search(r"(LOW|MEDIUM) confidence", note).group(1).lower()
            proc.anomalies.append(
                Anomaly(
                    "InferredGrouping",
                    f"Identifier and place inferred from classic listing order only ({confidence} confidence).",
                    None,
                )
            )
        if DUPLICATE_NOTE in note:
            proc.anomalies.append(
                Anomaly("DuplicateIdentifier", "The source lists this identifier more than once with different names.")
            )
        if match := _LEVEL_NOTE.search(note):
            proc.anomalies.append(
                Anomaly(
                    "LevelMismatch",
                    f"The source's Level column says {match.group(1)}; the level is set to {level} "
                    "from the depth of the identifier.",
                    match.group(1),
                )
            )
        if match := _RAW_ORIGINAL.search(note):
            raw = match.group(1)
            kept = f" The value {proc.original_id} is kept as the original identifier." if proc.original_id else ""
            proc.anomalies.append(
                Anomaly(
                    "PlaceholderOriginalIdentifier",
                    f"The Original Process Identifier column holds '{raw}', which is not a plain identifier.{kept}",
                    raw,
                )
            )
        if (release, identifier) in _COLLAPSED_LINE_BREAKS or LINE_BREAK_COLLAPSED in note:
            proc.anomalies.append(
                Anomaly("NameWhitespace", "The source name contains a line break, collapsed here into one space.")
            )
        elif name != name.strip() or "  " in name:
            proc.anomalies.append(
                Anomaly(
                    "NameWhitespace", "The source name has repeated or surrounding spaces; kept as published.", name
                )
            )
        if release != "classic" and row["source"] != "DERIVED-L1" and level >= 2:
            domain_id = ".".join(identifier.split(".")[:2])
            expected = domain_names.get((release, domain_id))
            if expected is None:
                proc.anomalies.append(
                    Anomaly(
                        "StrayIdentifier",
                        f"No domain {domain_id} exists in release {release}; the identifier is "
                        "most likely a typing error in the source (e.g. 1.21.7 for 1.7.21).",
                        identifier,
                    )
                )
            elif not row["domain"]:
                proc.anomalies.append(
                    Anomaly(
                        "MissingDomain",
                        f"The source leaves the Domain column blank; the domain is {domain_id} "
                        f"({expected}) from the identifier.",
                    )
                )
            elif row["domain"] != expected:
                proc.anomalies.append(
                    Anomaly(
                        "DomainMismatch",
                        f"The source's Domain column says '{row['domain']}' but the identifier "
                        f"places the process in {domain_id} ({expected}).",
                        row["domain"],
                    )
                )
        by_release[release][identifier] = proc
    _mark_orphans(by_release)
    _mark_duplicate_uids(by_release)
    return by_release


def _mark_duplicate_uids(by_release: dict[str, dict[str, Process]]) -> None:
    """A UID should name one process; the 25.5 sheet gives 3892 to two (found by the diff's UID matching)."""
    for release, procs in by_release.items():
        holders: dict[str, list[str]] = defaultdict(list)
        for proc in procs.values():
            if proc.uid:
                holders[proc.uid].append(proc.identifier)
        for uid, identifiers in holders.items():
            if len(identifiers) < 2:
                continue
            for identifier in identifiers:
                others = ", ".join(sorted((i for i in identifiers if i != identifier), key=natural_key))
                procs[identifier].anomalies.append(
                    Anomaly(
                        "DuplicateUid",
                        f"The source gives the UID {uid} to {others} of release {release} as well; the UID is kept "
                        "as published but does not identify one process.",
                        uid,
                    )
                )


def unused_identifier_anomaly(raw: str) -> Anomaly:
    identifier = raw.split(" ", 1)[0]
    return Anomaly(
        "UnusedIdentifierDropped",
        f"The source carries a row for identifier {identifier} marked as deliberately unused; it is not a live process "
        "and is not an element of this release.",
        raw,
    )


def _merge_duplicate(existing: Process, name: str) -> None:
    """Keep one element per (release, id): the first live name is the label, the other an alternative."""
    if "(DELETED)" in existing.name.upper() and "(DELETED)" not in name.upper():
        existing.alt_names.append(existing.name)
        existing.name = name
    else:
        existing.alt_names.append(name)
    for anomaly in existing.anomalies:
        if anomaly.kind == "DuplicateIdentifier":
            existing.anomalies.remove(anomaly)
            break
    existing.anomalies.append(
        Anomaly(
            "DuplicateIdentifier",
            f"The source lists this identifier twice, as '{existing.name}' and '{existing.alt_names[-1]}'; the first live "
            "name is the label and the other is kept as an alternative label.",
            existing.alt_names[-1],
        )
    )


def _mark_orphans(by_release: dict[str, dict[str, Process]]) -> None:
    for release, procs in by_release.items():
        for proc in procs.values():
            if proc.parent and proc.parent not in procs:
                proc.anomalies.append(
                    Anomaly(
                        "OrphanProcess",
                        f"The parent {proc.parent} that the identifier implies is absent from "
                        f"release {release}; the element has no parent here.",
                        proc.parent,
                    )
                )
                proc.parent = None


def _read_verticals(
    by_release: dict[str, dict[str, Process]], verticals: list[Vertical], rows: list[dict[str, str]]
) -> list[str]:
    """Vertical memberships; returns the releases whose sources state them (the others get them along links)."""
    classic_names = {v.name for v in verticals if v.scheme == "classic"}
    unmapped: dict[str, list[str]] = defaultdict(list)
    stated: set[str] = set()
    for row in rows:
        if row["release"] in by_release and row["release"] != "classic":
            stated.add(row["release"])
            proc = by_release[row["release"]].get(row["id"])
            if proc is not None and row["vertical"] not in proc.verticals:
                proc.verticals.append(row["vertical"])
        elif row["vertical"] in classic_names:
            original = row["original_id"]
            if not original:
                unmapped[row["vertical"]].append(row["name"])
                continue
            classic = _classic_element(by_release, original, name=row["name"], source="S5")
            if row["vertical"] not in classic.verticals:
                classic.verticals.append(row["vertical"])
    for vertical in verticals:
        if vertical.scheme == "classic" and unmapped.get(vertical.name):
            vertical.note = (
                "The classic listing (S5) also places these level-2 processes here, without identifiers: "
                + "; ".join(unmapped[vertical.name])
                + "."
            )
    return sorted(stated, key=release_sort_key)


def _classic_element(by_release: dict[str, dict[str, Process]], identifier: str, name: str, source: str) -> Process:
    classic = by_release["classic"]
    proc = classic.get(identifier)
    if proc is None:
        parent = identifier.rsplit(".", 1)[0]
        proc = Process(
            release="classic",
            identifier=identifier,
            name=name,
            level=_level_from_id(identifier, "classic"),
            source=source,
            parent=parent,
        )
        classic[identifier] = proc
    elif source == "S5" and proc.source != "DERIVED-CLASSIC":
        proc.name, proc.source = name, "S5"  # the classic listing's own name beats a borrowed one
    return proc


def _mint_classic_elements(
    by_release: dict[str, dict[str, Process]], releases: list[str]
) -> dict[tuple[str, str], str]:
    """Classic elements for every Original Process Identifier (25.5's, and any imported workbook's),
    named after their first counterpart."""
    counterparts: dict[tuple[str, str], str] = {}
    for release in releases:
        if release == "classic":
            continue
        for proc in sorted(by_release[release].values(), key=lambda p: natural_key(p.identifier)):
            if not (proc.original_id and _ID.match(proc.original_id)):
                continue
            classic = _classic_element(by_release, proc.original_id, name=proc.name, source=proc.source)
            if classic.source == proc.source and classic.note is None:
                classic.note = (
                    f"Named after its release {release} counterpart {proc.identifier}; the sources do not give "
                    "the classic name."
                )
            counterparts[(release, proc.identifier)] = proc.original_id
    classic = by_release["classic"]
    for proc in classic.values():
        if proc.parent and proc.parent not in classic:
            proc.anomalies.append(
                Anomaly(
                    "OrphanProcess",
                    f"No classic element {proc.parent} is named in the sources (for example, "
                    "Business Partner originals use a 1.0.7 prefix that no classic listing "
                    "names); the element has no parent here.",
                    proc.parent,
                )
            )
            proc.parent = None
    return counterparts


def _mark_duplicate_names(by_release: dict[str, dict[str, Process]]) -> None:
    """Flag elements that share their name with another element of the same release (a source defect)."""
    for release, procs in by_release.items():
        by_name: dict[str, list[Process]] = defaultdict(list)
        for proc in procs.values():
            by_name[proc.name].append(proc)
        for name, same in by_name.items():
            if len(same) < 2:
                continue
            for proc in same:
                others = ", ".join(sorted((p.identifier for p in same if p is not proc), key=natural_key))
                proc.anomalies.append(
                    Anomaly(
                        "DuplicateName",
                        f"The source gives {others} of release {release} the same name '{name}'; both are kept as published.",
                        others,
                    )
                )


def _link_releases(by_release: dict[str, dict[str, Process]], releases: list[str]) -> list[VersionLink]:
    """Match versions of one process across consecutive releases.

    Same identifier and name first; then the same name under a new identifier
    (renumbered, e.g. Sales moving from 1.1 to 1.12 in 25.5) where the name is
    unique on both sides at the same level; then the same identifier under a
    new name (renamed).
    """
    links: list[VersionLink] = []
    domain_releases = [r for r in releases if r != "classic"]
    for older_release, newer_release in zip(domain_releases, domain_releases[1:], strict=False):
        pairs = match_versions(by_release[older_release], by_release[newer_release])
        links += [VersionLink(older_release, old, newer_release, new, basis) for old, new, basis in pairs]
    return links


def match_versions(older: dict[str, Process], newer: dict[str, Process]) -> list[tuple[str, str, str]]:
    """Pairs ``(older id, newer id, basis)`` of the same process in two releases (see :func:`_link_releases`)."""
    pairs: list[tuple[str, str, str]] = []
    for identifier in sorted(older.keys() & newer.keys(), key=natural_key):
        if older[identifier].name == newer[identifier].name:
            pairs.append((identifier, identifier, "identifier"))
    old_by_name = _unique_names(older, {p[0] for p in pairs})
    new_by_name = _unique_names(newer, {p[1] for p in pairs})
    for key in sorted(old_by_name.keys() & new_by_name.keys()):
        pairs.append((old_by_name[key], new_by_name[key], "name"))
    taken_old, taken_new = {p[0] for p in pairs}, {p[1] for p in pairs}
    for identifier in sorted((older.keys() - taken_old) & (newer.keys() - taken_new), key=natural_key):
        pairs.append((identifier, identifier, "renamed"))
    return pairs


def _unique_names(procs: dict[str, Process], taken: set[str]) -> dict[tuple[str, int], str]:
    seen: dict[tuple[str, int], list[str]] = defaultdict(list)
    for identifier, proc in procs.items():
        if identifier not in taken:
            seen[(proc.name, proc.level)].append(identifier)
    return {key: ids[0] for key, ids in seen.items() if len(ids) == 1}


def _carry_along_links(
    by_release: dict[str, dict[str, Process]],
    links: list[VersionLink],
    counterparts: dict[tuple[str, str], str],
    stated: list[str],
) -> None:
    """Carry the classic counterparts and vertical memberships of the releases whose sources state them
    (25.5, and any imported workbook) to the other releases along version links."""
    neighbours: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for link in links:
        neighbours[(link.older_release, link.older_id)].append((link.newer_release, link.newer_id))
        neighbours[(link.newer_release, link.newer_id)].append((link.older_release, link.older_id))
    for stated_release in stated:
        _carry_from(by_release, neighbours, counterparts, stated_release, set(stated))


def _carry_from(by_release, neighbours, counterparts, stated_release: str, stated: set[str]) -> None:
    for proc in by_release[stated_release].values():
        start = (stated_release, proc.identifier)
        stack, seen = [start], {start}
        while stack:
            node = stack.pop()
            for nxt in neighbours[node]:
                if nxt not in seen and nxt[0] not in stated:
                    seen.add(nxt)
                    stack.append(nxt)
        for release, identifier in seen - {start}:
            other = by_release[release][identifier]
            if start in counterparts and (release, identifier) not in counterparts:
                counterparts[(release, identifier)] = counterparts[start]
            for vertical in proc.verticals:
                if vertical not in other.verticals:
                    other.verticals.append(vertical)


def _read_deleted(
    by_release: dict[str, dict[str, Process]],
    rows: list[dict[str, str]],
    releases: list[str],
    descriptions: dict[tuple[str, str], tuple[str, str, str]],
) -> list[DeletedProcess]:
    deleted = []
    indexes: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    domain_releases = [r for r in releases if r != "classic"]
    for row in rows:
        if row["release"] not in by_release:
            continue
        if row["release"] not in indexes:
            live = by_release[row["release"]]
            indexes[row["release"]] = (
                {p.name: p.identifier for p in live.values()},
                {p.original_id: p.identifier for p in live.values() if p.original_id},
            )
        live_by_name, live_by_original = indexes[row["release"]]
        raw_id = row["process_identifier_raw"]
        former = re.match(r"^\s*(1(?:\.\d+)+)", raw_id)
        former_id = former.group(1) if former else None
        original = row["original_id_raw"].strip() or None
        name = clean_deleted_name(row["name"])
        item = DeletedProcess(
            release=row["release"],
            uid=row["uid"],
            name=name,
            level=int(row["level"]) if row["level"].isdigit() else None,
            former_identifier=raw_id.strip() or None,
            original_id=original,
            domain_name=row["domain"] or None,
            verticals=[v for v in row["vertical"].split("|") if v],
            maturity=row["maturity_level"] or None,
            status=row["framework_status"] or None,
            source=row.get("source") or "S1d",
        )
        if texts := descriptions.get((row["release"], "deleted/" + row["uid"])):
            item.brief_description, item.extended_description = texts[0] or None, texts[1] or None
        if original and original in live_by_original:
            item.replaced_by.append((live_by_original[original], "original identifier"))
        if name in live_by_name and all(r[0] != live_by_name[name] for r in item.replaced_by):
            item.replaced_by.append((live_by_name[name], "name"))
        if former_id and row["release"] in domain_releases:
            for release in reversed(domain_releases[: domain_releases.index(row["release"])]):
                candidate = by_release[release].get(former_id)
                if candidate is not None and clean_deleted_name(candidate.name) == name:
                    item.previous = (release, former_id)
                    break
        if not item.replaced_by:
            item.history_note = (
                f"Deleted in release {row['release']}; the source names no successor and no live {row['release']} "
                "process has the same name or original identifier."
            )
        deleted.append(item)
    return deleted


def _keep_our_words(
    processes: list[Process], imported: set[str], labels: dict[str, str], definitions: dict[str, tuple[str, str]]
) -> None:
    """Our Chinese labels and definitions stay when an imported workbook spells a name differently:
    an imported process without them takes those of the bundled element with its identifier."""
    bundled = {(r["release"], r["id"]): r["name"] for r in bundled_rows().processes}
    for proc in processes:
        if proc.source not in imported:
            continue
        before = bundled.get((proc.release, proc.identifier))
        if before is None or before == proc.name:
            continue
        if proc.name not in labels and before in labels:
            labels[proc.name] = labels[before]
        if proc.name not in definitions and before in definitions:
            definitions[proc.name] = definitions[before]


def _read_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for path in sorted(content_dir().glob("labels-zh*.csv")):
        for row in _read_csv(path):
            if row["name_zh"].strip():
                labels[row["name_en"]] = row["name_zh"].strip()
    return labels


def _read_definitions() -> dict[str, tuple[str, str]]:
    path = content_dir() / "definitions.csv"
    if not path.exists():
        return {}
    return {r["name_en"]: (r["definition_en"].strip(), r["definition_zh"].strip()) for r in _read_csv(path)}


def _read_groupings() -> tuple[list[Layer], list[Vertical]]:
    layers, verticals = [], []
    for row in _read_csv(content_dir() / "groupings.csv"):
        if row["kind"] == "layer":
            layers.append(Layer(row["key"], row["name_en"], row["name_zh"], row["definition_en"], row["definition_zh"]))
        else:
            verticals.append(
                Vertical(
                    row["scheme"],
                    row["name_en"],
                    row["name_zh"],
                    row["area"],
                    definition_en=row["definition_en"],
                    definition_zh=row["definition_zh"],
                    alt_zh=row["alt_zh"] or None,
                )
            )
    return layers, verticals


def _classic_structure(by_release: dict[str, dict[str, Process]]) -> None:
    for identifier, layer in CLASSIC_LAYERS.items():
        if identifier in by_release["classic"]:
            by_release["classic"][identifier].layer = layer
    for proc in by_release["classic"].values():
        proc.area = proc.identifier if proc.level == 0 else ".".join(proc.identifier.split(".")[:2])
    for release, procs in by_release.items():
        if release == "classic":
            continue
        for proc in procs.values():
            if proc.level == 1:
                proc.layer = DOMAIN_LAYERS.get(proc.identifier)
                if proc.name.startswith("Enterprise"):
                    proc.area = ENTERPRISE_AREA


@lru_cache(maxsize=1)
def bundled_rows() -> SourceRows:
    """The rows of the bundled reference files (cached per process)."""
    processes = _read_csv(reference_dir() / "processes.csv")
    for row in processes:
        if (row["release"], row["id"]) in _COLLAPSED_LINE_BREAKS:
            row["note"] = "; ".join(filter(None, [row["note"], LINE_BREAK_COLLAPSED]))
    return SourceRows(
        processes=processes,
        verticals=_read_csv(reference_dir() / "verticals.csv"),
        deleted=_read_csv(reference_dir() / "deleted_processes_v25.5.csv"),
        release_anomalies={release: [unused_identifier_anomaly(raw)] for release, raw in _UNUSED_ID_ROWS.items()},
    )


@lru_cache(maxsize=1)
def load_content() -> Content:
    """Read every bundled source and return the normalised content (cached per process)."""
    return build_content(bundled_rows())


def build_content(rows: SourceRows) -> Content:
    """Normalise rows (bundled, or bundled with an imported workbook's release) into the canonical content."""
    by_release = _read_processes(rows.processes, rows.descriptions, rows.process_anomalies)
    releases = sorted(by_release, key=release_sort_key)
    layers, verticals = _read_groupings()
    stated = _read_verticals(by_release, verticals, rows.verticals)
    counterparts = _mint_classic_elements(by_release, releases)
    _mark_duplicate_names(by_release)
    links = _link_releases(by_release, releases)
    _carry_along_links(by_release, links, counterparts, stated)
    _classic_structure(by_release)
    deleted = _read_deleted(by_release, rows.deleted, releases, rows.descriptions)
    processes = [
        p for release in releases for p in sorted(by_release[release].values(), key=lambda p: natural_key(p.identifier))
    ]
    release_notes = {
        r: [
            "The source of this release does not state vertical memberships; they are carried here along "
            "version links from the releases whose sources state them (25.5 in the bundled graph)."
        ]
        for r in releases
        if r != "classic" and r not in stated and stated
    }
    release_anomalies = {r: list(a) for r, a in rows.release_anomalies.items() if r in by_release}
    labels, definitions = _read_labels(), _read_definitions()
    if rows.sources:
        _keep_our_words(processes, set(rows.sources), labels, definitions)
    content = Content(
        processes=processes,
        deleted=deleted,
        links=links,
        classic_counterparts=counterparts,
        verticals=verticals,
        layers=layers,
        labels_zh=labels,
        definitions=definitions,
        release_anomalies=release_anomalies,
        release_notes=release_notes,
        releases=releases,
        sources={**SOURCE_TITLES, **rows.sources},
    )
    if not rows.sources:
        return attach_flows(content)
    # an imported workbook: our flow sources are checked against the bundled releases they were written for,
    # and carried into this content wherever their processes are
    bundled = {(p.release, p.identifier): p.name for p in load_content().processes}
    return attach_flows(content, reference=bundled)
