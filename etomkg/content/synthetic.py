"""Synthetic inputs in the published layouts, for tests, benchmarks and trying the importers.

TM Forum's workbook is licensed and not available here, so these writers build
workbooks in its layout (sheets, column names, one row per process and
vertical) from the bundled facts, with made-up descriptions — never TM Forum's
text — and extension files of any size.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from ..iris import natural_key
from .sources import bundled_rows

#: The live sheet's columns as published (v25.5), in order: canonical name -> header.
LIVE_HEADERS: dict[str, str] = {
    "name": "Process",
    "identifier": "Process identifier",
    "level": "Level",
    "extended": "Extended Description",
    "brief": "Brief description",
    "domain": "Domain",
    "vertical": "Vertical Group",
    "original": "Original Process Identifier",
    "uid": "UID",
    "issue": "Issue",
}
DELETED_HEADERS: dict[str, str] = {
    "name": "Process",
    "uid": "UID",
    "domain": "Domain",
    "vertical": "Vertical Group",
    "classguid": "CLASSGUID",
    "classtype": "CLASSTYPE",
    "level": "Level",
    "original": "Original Process Identifier",
    "identifier": "Process identifier",
    "parent_identifier": "Parent Process Identifier",
    "parent": "Parent",
    "maturity": "Maturity Level",
    "status": "Framework Status",
    "extended": "extended Description",
    "brief": "brief description",
    "issue": "Issue",
}


def made_up_brief(identifier: str) -> str:
    return f"Made-up brief description of {identifier}, written for tests."


def made_up_extended(identifier: str, name: str) -> str:
    return f"Made-up extended description: {name} ({identifier}) as a test fixture describes it."


def live_rows_from_bundled(release: str = "25.5") -> list[dict[str, object]]:
    """One row per (process, vertical) of a bundled release, as TM Forum's live sheet has them (L2-L7)."""
    rows = bundled_rows()
    verticals: dict[str, list[str]] = defaultdict(list)
    for row in rows.verticals:
        if row["release"] == release:
            verticals[row["id"]].append(row["vertical"])
    out: list[dict[str, object]] = []
    for row in rows.processes:
        if row["release"] != release or row["source"] == "DERIVED-L1":
            continue
        original = row["original_id"]
        if "original_id_raw=" in row["note"]:
            original = row["note"].split("original_id_raw=", 1)[1]
        base = {
            "name": row["name"],
            "identifier": row["id"],
            "level": int(row["level"]),
            "extended": made_up_extended(row["id"], row["name"]),
            "brief": made_up_brief(row["id"]),
            "domain": row["domain"],
            "original": original,
            "uid": int(row["uid"]) if row["uid"].isdigit() else row["uid"],
            "issue": "",
        }
        for vertical in verticals.get(row["id"]) or [""]:
            out.append({**base, "vertical": vertical})
    return out


def deleted_rows_from_bundled(release: str = "25.5") -> list[dict[str, object]]:
    out = []
    for row in bundled_rows().deleted:
        if row["release"] != release:
            continue
        for vertical in row["vertical"].split("|") or [""]:
            out.append(
                {
                    "name": row["name"],
                    "uid": int(row["uid"]) if row["uid"].isdigit() else row["uid"],
                    "domain": row["domain"],
                    "vertical": vertical,
                    "classguid": "{00000000-0000-0000-0000-" + row["uid"].zfill(12) + "}",
                    "classtype": "Activity",
                    "level": int(row["level"]) if row["level"].isdigit() else row["level"],
                    "original": row["original_id_raw"],
                    "identifier": row["process_identifier_raw"],
                    "parent_identifier": row["parent_process_identifier"],
                    "parent": "",
                    "maturity": row["maturity_level"],
                    "status": row["framework_status"],
                    "extended": f"Made-up text for the deleted process {row['uid']}.",
                    "brief": "",
                    "issue": "",
                }
            )
    return out


def synthetic_live_rows(processes: int, *, release_domains: int = 8) -> list[dict[str, object]]:
    """A made-up tree of ``processes`` processes (L2-L5) in ``release_domains`` domains, one vertical each."""
    out: list[dict[str, object]] = []
    verticals = ["Fulfillment", "Assurance", "Billing", "Operations Readiness & Support"]
    frontier = [f"1.{d}" for d in range(1, release_domains + 1)]
    children: dict[str, int] = defaultdict(int)
    index = 0
    while len(out) < processes:
        parent = frontier[index % len(frontier)]
        index += 1
        children[parent] += 1
        identifier = f"{parent}.{children[parent]}"
        level = identifier.count(".")
        if level > 5:
            continue
        out.append(
            {
                "name": f"Synthetic Process {identifier}",
                "identifier": identifier,
                "level": level,
                "extended": made_up_extended(identifier, f"Synthetic Process {identifier}"),
                "brief": made_up_brief(identifier),
                "domain": f"Domain {parent.split('.')[1]}",
                "vertical": verticals[len(out) % len(verticals)],
                "original": "",
                "uid": 100000 + len(out),
                "issue": "",
            }
        )
        frontier.append(identifier)
    return out


def write_workbook(
    path: str | Path,
    live: Iterable[dict[str, object]],
    deleted: Iterable[dict[str, object]] | None = None,
    *,
    live_sheet: str = "eTOM25,5",
    deleted_sheet: str = "eTOM Deleted",
    headers: dict[str, str] | None = None,
    deleted_headers: dict[str, str] | None = None,
    title_rows: Iterable[Iterable[object]] = (),
    document_sheets: bool = True,
    extra_sheets: Iterable[str] = (),
) -> Path:
    """Write a workbook in TM Forum's layout; ``headers`` (canonical -> header text, in order) varies it."""
    from openpyxl import Workbook

    headers = LIVE_HEADERS if headers is None else headers
    deleted_headers = DELETED_HEADERS if deleted_headers is None else deleted_headers
    book = Workbook()  # not write-only: that mode leaves out the <dimension> Excel always writes
    book.remove(book.active)
    if document_sheets:
        for name, text in (
            ("Document Title", "GB921 Business Process Framework Processes in Excel (test fixture, made-up texts)"),
            ("Document Notice", "Fixture written by etomkg.content.synthetic; no TM Forum text."),
            ("Document Overview", "One row per process and vertical group."),
        ):
            sheet = book.create_sheet(name)
            sheet.append([text])
    sheet = book.create_sheet(live_sheet)
    for row in title_rows:
        sheet.append(list(row))
    sheet.append(list(headers.values()))
    for row in live:
        sheet.append([row.get(key, "") for key in headers])
    if deleted is not None:
        sheet = book.create_sheet(deleted_sheet)
        sheet.append(list(deleted_headers.values()))
        for row in deleted:
            sheet.append([row.get(key, "") for key in deleted_headers])
    for name in extra_sheets:
        book.create_sheet(name).append(["not a process sheet", 1, 2, 3])
    path = Path(path)
    book.save(path)
    return path


def write_extension_csv(
    path: str | Path, processes: int, mappings: int, *, below: Iterable[str] = (), fanout: int = 8
) -> Path:
    """An operator's extension: ``processes`` processes numbered below the given eTOM elements, breadth
    first with ``fanout`` children each (L4 and deeper), then ``mappings`` applications, systems and
    organisation units, each mapped to one of those processes and to an eTOM element."""
    from collections import deque

    parents = sorted(below or ("1.4.5.2", "1.5.8.3", "1.3.4.1"), key=natural_key)
    path = Path(path)
    kinds = ("application", "system", "organisation-unit")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "id", "name", "name_zh", "parent", "level", "description", "maps_to"])
        made: list[str] = []
        queue = deque(parents)
        while len(made) < processes:
            parent = queue.popleft()
            first = 91 if parent in parents else 1  # numbers eTOM does not use below its own elements
            for n in range(first, first + fanout):
                if len(made) == processes:
                    break
                identifier = f"{parent}.{n}"
                writer.writerow(
                    [
                        "process",
                        identifier,
                        f"Operator step {identifier}",
                        f"运营商步骤 {identifier}",
                        parent,
                        "",
                        f"Our own step {identifier}.",
                        "",
                    ]
                )
                made.append(identifier)
                queue.append(identifier)
        for n in range(mappings):
            targets = [made[(n * 7) % len(made)] if made else parents[0], parents[n % len(parents)]]
            writer.writerow(
                [
                    kinds[n % 3],
                    f"OP-{n:06d}",
                    f"Operator {kinds[n % 3]} {n}",
                    f"运营商{n}号",
                    "",
                    "",
                    "",
                    " ".join(targets),
                ]
            )
    return path
