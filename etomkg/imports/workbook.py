"""Read TM Forum's GB921 "Business Process Framework Processes in Excel" workbook, safely.

The workbook is normalised into the rows of the bundled reference files
(:class:`~etomkg.content.model.SourceRows`), so the one pipeline of
:mod:`etomkg.content.sources` builds its release: the same anomaly handling, lineage
and rendering as the bundled graph. What the rows cannot say (TM Forum's brief
and extended descriptions, unknown verticals) travels beside them.

Layout as published (v25.5): sheets ``Document Title``, ``Document Notice``,
``Document Overview``, a live sheet ``eTOM<release>`` (``eTOM25,5``) and ``eTOM
Deleted``. Columns are found by header name, not position, tolerating case,
spacing, order and the names of other releases' layouts.

Safety: the file is checked before openpyxl sees it — size, ZIP structure,
unpacked size, and no XML part may declare a DTD or entities — then read with
``read_only``, ``data_only`` (cached values, no formulas evaluated) and
``keep_links=False`` (links to other workbooks are never followed).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..content.model import Anomaly, SourceRows
from ..content.sources import (
    DUPLICATE_NOTE,
    LINE_BREAK_COLLAPSED,
    bundled_rows,
    level_note,
    placeholder_note,
    unused_identifier_anomaly,
)
from ..errors import EtomkgError
from ..iris import is_release_name, natural_key
from .limits import (
    MAX_ROW_CELLS,
    MAX_SHEET_CELLS,
    MAX_SHEET_ROWS,
    MAX_WORKBOOK_ROWS,
    MAX_ZIP_MEMBERS,
    WORKBOOK_FILE,
    WORKBOOK_UNPACKED,
    check_regular_file,
)

_ID = re.compile(r"^1(\.\d+)+$")
_LEADING_ID = re.compile(r"^(1(?:\.\d+)+)\s*\(")  # "1.1.1.22.10 (then 1.3.1.5)" keeps its leading identifier
_DERIVED_NOTE = "L1 row derived: id = common prefix of its L2 ids, name = Domain column of those L2 rows"
MAX_LEVEL = 7

#: Canonical column -> the header names that mean it (compared after :func:`header_key`).
LIVE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("process", "process name", "name", "process element", "process element name"),
    "identifier": ("process identifier", "process id", "identifier", "id", "process number", "process no"),
    "level": ("level", "process level", "hierarchy level", "hierarchylevel"),
    "extended": ("extended description", "description", "long description", "full description"),
    "brief": ("brief description", "short description", "brief", "summary", "briefdescription"),
    "domain": ("domain", "process domain", "domain name"),
    "vertical": ("vertical group", "vertical grouping", "vertical", "vertical groups", "verticals"),
    "original": (
        "original process identifier",
        "original identifier",
        "original id",
        "original process id",
        "classic identifier",
    ),
    "uid": ("uid", "unique id", "unique process id", "process uid", "unique identifier"),
    "issue": ("issue", "issues", "change history", "history"),
    "parent": ("parent process identifier", "parent identifier", "parent id"),
}
DELETED_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("process", "process name", "name"),
    "uid": LIVE_COLUMNS["uid"],
    "domain": LIVE_COLUMNS["domain"],
    "vertical": LIVE_COLUMNS["vertical"],
    "classguid": ("classguid", "class guid"),
    "classtype": ("classtype", "class type"),
    "level": LIVE_COLUMNS["level"],
    "original": LIVE_COLUMNS["original"],
    "identifier": LIVE_COLUMNS["identifier"],
    "parent_identifier": ("parent process identifier", "parent identifier", "parent id"),
    "parent": ("parent", "parent process", "parent name"),
    "maturity": ("maturity level", "maturity"),
    "status": ("framework status", "status", "tmf status", "tmfstatus"),
    "extended": LIVE_COLUMNS["extended"],
    "brief": LIVE_COLUMNS["brief"],
    "issue": LIVE_COLUMNS["issue"],
}
_DOCUMENT_SHEETS = ("document title", "document notice", "document overview")


class WorkbookError(EtomkgError):
    """A file that is not a usable GB921 workbook (what, where, how to fix)."""


def header_key(text: object) -> str:
    """``" Process  Identifier\\n"`` → ``"process identifier"``: case, spacing and punctuation do not matter."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def release_from_text(text: str) -> str | None:
    """The release a sheet or file name states.

    >>> [release_from_text(t) for t in ("eTOM25,5", "eTOM 24.0", "eTOM23,0,1", "eTOM_v26", "Sheet1")]
    ['25.5', '24.0', '23.0.1', '26.0', None]
    """
    match = re.search(r"(?<!\d)v?(\d{2})(?:\s*[,._]\s*(\d{1,2}))?(?:\s*[,._]\s*(\d{1,2}))?(?!\d)", text, re.I)
    if not match:
        return None
    parts = [p for p in match.groups() if p is not None]
    if len(parts) == 1:
        parts.append("0")
    release = ".".join(str(int(p)) for p in parts)
    return release if is_release_name(release) else None


@dataclass
class ColumnMap:
    """Where each canonical column is, plus what was ignored (for the summary)."""

    header_row: int
    positions: dict[str, int]
    ignored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def find_columns(rows: list[tuple], columns: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> ColumnMap | None:
    """The header row among the first rows: the first one naming every required column."""
    lookup = {alias: canonical for canonical, aliases in columns.items() for alias in aliases}
    for index, row in enumerate(rows):
        positions: dict[str, int] = {}
        ignored, duplicates = [], []
        for position, cell in enumerate(row):
            key = header_key(cell)
            if not key:
                continue
            canonical = lookup.get(key)
            if canonical is None:
                ignored.append(str(cell).strip())
            elif canonical in positions:
                duplicates.append(str(cell).strip())
            else:
                positions[canonical] = position
        if all(name in positions for name in required):
            return ColumnMap(index, positions, ignored, duplicates)
    return None


@dataclass
class WorkbookData:
    """One workbook, normalised: its release's rows and what the summary reports."""

    path: Path
    sha256: str
    release: str
    release_from: str  # "--release", "sheet name", "title sheet", "file name"
    live_sheet: str
    deleted_sheet: str | None
    rows: SourceRows
    source_key: str
    notices: list[str] = field(default_factory=list)
    live_rows: int = 0
    deleted_rows: int = 0
    external_links: list[str] = field(default_factory=list)

    @property
    def process_count(self) -> int:
        return len({r["id"] for r in self.rows.processes})

    def to_json(self) -> dict:
        """What a store keeps to rebuild lineage at the next import (the rows, not the file)."""
        return {
            "release": self.release,
            "source_key": self.source_key,
            "file": self.path.name,
            "sha256": self.sha256,
            "rows": rows_to_json(self.rows),
        }


def rows_to_json(rows: SourceRows) -> dict:
    return {
        "processes": rows.processes,
        "verticals": rows.verticals,
        "deleted": rows.deleted,
        "release_anomalies": {r: [[a.kind, a.comment, a.raw] for a in v] for r, v in rows.release_anomalies.items()},
        "process_anomalies": [
            [k[0], k[1], [[a.kind, a.comment, a.raw] for a in v]] for k, v in rows.process_anomalies.items()
        ],
        "descriptions": [[k[0], k[1], list(v)] for k, v in rows.descriptions.items()],
        "sources": rows.sources,
    }


def rows_from_json(data: dict) -> SourceRows:
    return SourceRows(
        processes=data["processes"],
        verticals=data["verticals"],
        deleted=data["deleted"],
        release_anomalies={r: [Anomaly(*a) for a in v] for r, v in data["release_anomalies"].items()},
        process_anomalies={(r, i): [Anomaly(*a) for a in v] for r, i, v in data["process_anomalies"]},
        descriptions={(r, i): tuple(v) for r, i, v in data["descriptions"]},
        sources=data["sources"],
    )


# --- the file: checks before any parsing ---


def _check_container(path: Path) -> list[str]:
    """Refuse what is not a plain .xlsx; return the targets of links to external files."""
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(
            f"{path}: this is an old binary Excel file (.xls) or another OLE document; open it in Excel or "
            "LibreOffice and save it as an Excel workbook (.xlsx)"
        )
    if not zipfile.is_zipfile(path):
        raise WorkbookError(
            f"{path}: not an Excel workbook (.xlsx is a ZIP container and this file is not one); give TM Forum's "
            "'Business Process Framework Processes in Excel' workbook"
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise WorkbookError(f"{path}: damaged ZIP container ({exc}); download the workbook again") from None
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise WorkbookError(
                f"{path}: a ZIP file but not an Excel workbook (no xl/workbook.xml); if it is a .xlsb, .ods or "
                "another format, save it as an Excel workbook (.xlsx)"
            )
        if len(members) > MAX_ZIP_MEMBERS:
            raise WorkbookError(f"{path}: {len(members)} parts in the container; a workbook has a few dozen")
        WORKBOOK_UNPACKED.check(sum(m.file_size for m in members), str(path))
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")):
                _refuse_dtd(archive, member, path)
        links = set()
        for member in members:
            if not member.filename.endswith(".rels"):
                continue
            text = archive.read(member).decode("utf-8", "replace")
            for relationship in re.findall(r"<Relationship\b[^>]*>", text):
                target = re.search(r'Target="([^"]*)"', relationship)
                external = 'TargetMode="External"' in relationship or "externalLinks/_rels/" in member.filename
                if target and external and "/hyperlink" not in relationship:
                    links.add(target.group(1))
    return sorted(links)


def _refuse_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> None:
    """Excel never writes a DTD; one in a workbook part can only be an XML entity attack.

    A worksheet's cells are counted on the way (per row and in all), so that a sheet
    which would take gigabytes once parsed (millions of empty cells in one row compress
    to almost nothing) is refused here, before openpyxl builds a single row.
    """
    tail = b""
    cells = SheetCells(path, member.filename) if member.filename.startswith("xl/worksheets/") else None
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            window = (tail + chunk).upper()
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise WorkbookError(
                    f"{path}: the part {member.filename} declares an XML DTD or entities, which Excel never writes; "
                    "refused so that no external entity is resolved. Save the workbook again from Excel."
                )
            if cells is not None:
                cells.feed(chunk)
            tail = chunk[-16:]


class SheetCells:
    """Counts the rows and cells of one worksheet's XML as it streams by, within the import limits."""

    def __init__(self, path: Path, part: str) -> None:
        self.path, self.part = path, part
        self.rows = self.cells = self.in_row = 0
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b">") + 1  # count whole tags only; the rest waits for the next chunk
        data, self.carry = data[:cut], data[cut:]
        # tags are <row …>, <c …> (or with a namespace prefix, <x:row …>, <x:c …>)
        pieces = re.split(rb"<(?:\w+:)?row[\s>/]", data)
        for index, piece in enumerate(pieces):
            if index:
                self.rows += 1
                self.in_row = 0
            found = len(re.findall(rb"<(?:\w+:)?c[\s>/]", piece)) if len(piece) < (1 << 21) else piece.count(b"<c")
            self.in_row += found
            self.cells += found
            self.check()

    def check(self) -> None:
        where = f"{self.path}: sheet part {self.part}"
        if self.in_row > MAX_ROW_CELLS:
            raise WorkbookError(
                f"{where} has a row of more than {MAX_ROW_CELLS} cells (the published workbook uses about 25 "
                "columns); delete the empty columns in Excel and save again"
            )
        if self.cells > MAX_SHEET_CELLS:
            raise WorkbookError(
                f"{where} has more than {MAX_SHEET_CELLS:,} cells (the published workbook has about 200,000); "
                "is this the right file?"
            )
        if self.rows > MAX_SHEET_ROWS:
            raise WorkbookError(f"{where} has more than {MAX_SHEET_ROWS:,} rows; is this the right file?")


def _open_workbook(path: Path):
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
        raise WorkbookError("defusedxml is not installed; etomkg refuses to parse workbooks without it")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged parts
        raise WorkbookError(f"{path}: the workbook cannot be read ({type(exc).__name__}: {exc})") from None


# --- cells ---


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean_identifier(value: object) -> str:
    text = _text(value).strip().rstrip(".")
    return re.sub(r"\s+", "", text) if _ID.match(re.sub(r"\s+", "", text)) else text


def _canonical_verticals() -> dict[str, str]:
    from ..content.sources import _read_groupings

    _, verticals = _read_groupings()
    return {header_key(v.name): v.name for v in verticals if v.scheme == "current"}


def _normalise_original(raw: str) -> tuple[str, str | None]:
    """(original id, note) for the Original Process Identifier column (placeholders become a note)."""
    raw = raw.strip()
    if not raw:
        return "", None
    if _ID.match(raw):
        return raw, None
    if match := _LEADING_ID.match(raw):
        return match.group(1), placeholder_note(raw)
    return "", placeholder_note(raw)


# --- the workbook ---


def read_workbook(
    path: str | Path,
    release: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> WorkbookData:
    """Read and normalise a GB921 workbook (nothing is stored)."""
    path = check_regular_file(path, WORKBOOK_FILE)
    if release is not None and not is_release_name(release):
        raise WorkbookError(f"--release {release!r} is not a release name such as 25.5 or 23.0.1")
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    links = _check_container(path)
    notices: list[str] = []
    book = _open_workbook(path)
    try:
        live, deleted, found_release, release_from, notices2 = _choose_sheets(book, path, release)
        notices += notices2
        live_data = _read_sheet(book[live], path, LIVE_COLUMNS, ("name", "identifier"))
        deleted_data = (
            _read_sheet(book[deleted], path, DELETED_COLUMNS, ("name", "uid")) if deleted is not None else None
        )
        if release is None and found_release is None:
            found_release = _release_from_title(book)
            release_from = "title sheet"
    finally:
        book.close()
    if release is None and found_release is None:
        found_release, release_from = release_from_text(path.stem), "file name"
    final_release = release or found_release
    if final_release is None:
        raise WorkbookError(
            f"{path}: cannot tell which release the workbook is (sheet '{live}' and the file name name none); "
            "pass --release, e.g. --release 25.5"
        )
    if release is not None and found_release not in (None, release):
        notices.append(f"the sheet name says release {found_release}; imported as {release} as --release asks")
    if links:
        notices.append(
            f"the workbook links to {len(links)} external file(s) ({', '.join(links)}); the links were not "
            "followed and the values cached in the workbook were used"
        )
    key = f"GB921-{final_release}"
    data = WorkbookData(
        path=path,
        sha256=sha256,
        release=final_release,
        release_from=release_from if release is None else "--release",
        live_sheet=live,
        deleted_sheet=deleted,
        rows=SourceRows([], [], []),
        source_key=key,
        notices=notices,
        live_rows=len(live_data[1]),
        deleted_rows=len(deleted_data[1]) if deleted_data else 0,
        external_links=links,
    )
    data.rows = _normalise(data, live_data, deleted_data, progress)
    return data


def _choose_sheets(book, path: Path, release: str | None):
    names = list(book.sheetnames)
    notices: list[str] = []
    deleted = [n for n in names if "delet" in n.lower()]
    live = [n for n in names if n not in deleted and header_key(n).replace(" ", "").startswith("etom")]
    if not live:  # an older or hand-made layout: any sheet whose header names processes and identifiers
        for name in names:
            if name in deleted or header_key(name) in _DOCUMENT_SHEETS:
                continue
            head = _head(book[name])
            if find_columns(head, LIVE_COLUMNS, ("name", "identifier")):
                live.append(name)
    if not live:
        raise WorkbookError(
            f"{path}: no sheet of processes found (sheets: {', '.join(names)}); TM Forum's workbook has a sheet "
            "named like 'eTOM25,5' with the columns Process and Process identifier"
        )
    if len(live) > 1:
        matching = [n for n in live if release is not None and release_from_text(n) == release]
        if len(matching) != 1:
            raise WorkbookError(
                f"{path}: several sheets look like process sheets ({', '.join(live)}); pass --release to pick the "
                "one named after that release, or remove the others"
            )
        live = matching
    ignored = [n for n in names if n not in live and n not in deleted[:1] and header_key(n) not in _DOCUMENT_SHEETS]
    if ignored:
        notices.append(f"sheets ignored: {', '.join(ignored)}")
    found = release_from_text(live[0])
    return live[0], (deleted[0] if deleted else None), found, "sheet name", notices


def _release_from_title(book) -> str | None:
    for name in book.sheetnames:
        if header_key(name) == "document title":
            for row in book[name].iter_rows(max_row=40, values_only=True):
                for cell in row:
                    text = _text(cell)
                    if "gb921" in text.lower() or "release" in text.lower() or "version" in text.lower():
                        match = re.search(r"v?(\d{2}\.\d{1,2}(?:\.\d{1,2})?)", text)
                        if match:
                            release = match.group(1)
                            parts = release.split(".")
                            if len(parts) == 3 and parts[2] == "0":
                                release = ".".join(parts[:2])  # "v25.5.0" is release 25.5
                            return release
    return None


def _head(sheet, rows: int = 20) -> list[tuple]:
    return [tuple(r) for r in sheet.iter_rows(max_row=rows, values_only=True)]


def _read_sheet(sheet, path: Path, columns, required) -> tuple[ColumnMap, list[tuple[int, tuple]]]:
    head = _head(sheet)
    found = find_columns(head, columns, required)
    if found is None:
        seen = [str(c).strip() for row in head[:5] for c in row if c not in (None, "")]
        raise WorkbookError(
            f"{path}: sheet '{sheet.title}' has no header row naming "
            + " and ".join(f"'{columns[c][0].title()}'" for c in required)
            + f" in its first {len(head)} rows (seen: {', '.join(seen[:12]) or 'nothing'}); "
            "rename the columns or give TM Forum's published layout"
        )
    rows = []
    for number, row in enumerate(sheet.iter_rows(min_row=found.header_row + 2, values_only=True), found.header_row + 2):
        if len(rows) >= MAX_WORKBOOK_ROWS:
            raise WorkbookError(
                f"{path}: sheet '{sheet.title}' has more than {MAX_WORKBOOK_ROWS} rows; the published workbook has "
                "about 6,000 — is this the right file?"
            )
        if any(cell not in (None, "") for cell in row):
            rows.append((number, tuple(row)))
    return found, rows


def _cell(row: tuple, columns: ColumnMap, name: str) -> object:
    position = columns.positions.get(name)
    return row[position] if position is not None and position < len(row) else None


def _normalise(data: WorkbookData, live, deleted, progress) -> SourceRows:
    release, key = data.release, data.source_key
    columns, rows = live
    out = SourceRows([], [], [])
    out.sources = {
        key: f"TM Forum GB921 workbook '{data.path.name}' (SHA-256 {data.sha256[:16]}), sheet '{data.live_sheet}', "
        "imported by the user of this store from their licensed copy",
    }
    if deleted is not None:
        out.sources[key + "-deleted"] = (
            f"TM Forum GB921 workbook '{data.path.name}' (SHA-256 {data.sha256[:16]}), sheet '{data.deleted_sheet}'"
        )
    verticals = _canonical_verticals()
    memberships: set[tuple[str, str]] = set()
    release_anomalies: list[Anomaly] = []
    by_id: dict[str, dict[str, str]] = {}
    order: list[dict[str, str]] = []
    domain_votes: dict[str, Counter] = defaultdict(Counter)
    total = len(rows) + (len(deleted[1]) if deleted else 0)
    for done, (number, row) in enumerate(rows, 1):
        if progress is not None and done % 250 == 0:
            progress(done, total)
        raw_id = _text(_cell(row, columns, "identifier"))
        identifier = _clean_identifier(raw_id)
        name_raw = _text(_cell(row, columns, "name"))
        where = f"sheet '{data.live_sheet}' row {number}"
        if not _ID.match(identifier):
            if "unused" in raw_id.lower():
                release_anomalies.append(unused_identifier_anomaly(raw_id.strip()))
            else:
                release_anomalies.append(
                    Anomaly(
                        "UnusableRow",
                        f"{where}: the Process identifier '{raw_id.strip()}' is not an identifier such as 1.4.5; "
                        "the row is not a process of this release.",
                        f"{raw_id.strip()} | {name_raw.strip()}",
                    )
                )
            continue
        depth = identifier.count(".")
        if depth > MAX_LEVEL:
            release_anomalies.append(
                Anomaly(
                    "UnusableRow",
                    f"{where}: the identifier {identifier} is at level {depth}, deeper than the framework's "
                    f"{MAX_LEVEL} levels; the row is not a process of this release.",
                    f"{identifier} | {name_raw.strip()}",
                )
            )
            continue
        notes: list[str] = []
        name = name_raw
        if "\n" in name or "\r" in name:
            name = re.sub(r"\s*[\r\n]+\s*", " ", name)
            notes.append(LINE_BREAK_COLLAPSED)
        if not name.strip():
            release_anomalies.append(
                Anomaly("UnusableRow", f"{where}: process {identifier} has no name; the row is skipped.", identifier)
            )
            continue
        level_raw = _text(_cell(row, columns, "level")).strip()
        if level_raw and level_raw != str(depth):
            notes.append(level_note(level_raw))
        original, original_note = _normalise_original(_text(_cell(row, columns, "original")))
        if original_note:
            notes.append(original_note)
        domain = _text(_cell(row, columns, "domain")).strip()
        uid = _text(_cell(row, columns, "uid")).strip()
        vertical_cell = _text(_cell(row, columns, "vertical"))
        texts = (
            _text(_cell(row, columns, "brief")).strip(),
            _text(_cell(row, columns, "extended")).strip(),
            _text(_cell(row, columns, "issue")).strip(),
        )
        existing = by_id.get(identifier)
        if existing is not None and existing["name"] == name:
            record = existing  # the same process in another vertical group
        else:
            record = {
                "id": identifier,
                "original_id": original,
                "name": name,
                "level": str(depth),
                "parent_id": identifier.rsplit(".", 1)[0],
                "release": release,
                "source": key,
                "domain": domain,
                "uid": uid,
                "note": "; ".join(notes),
            }
            if existing is not None:  # the same identifier with another name: kept, flagged by the pipeline
                if DUPLICATE_NOTE not in existing["note"]:
                    existing["note"] = "; ".join(filter(None, [existing["note"], DUPLICATE_NOTE]))
            else:
                by_id[identifier] = record
            order.append(record)
        if (release, identifier) not in out.descriptions and any(texts):
            out.descriptions[(release, identifier)] = texts
        if depth == 2 and domain:
            domain_votes[".".join(identifier.split(".")[:2])][domain] += 1
        for vertical in filter(None, (v.strip() for v in re.split(r"[;\n|]", vertical_cell))):
            canonical = verticals.get(header_key(vertical))
            if canonical is None:
                out.process_anomalies.setdefault((release, identifier), []).append(
                    Anomaly(
                        "UnknownVertical",
                        f"The Vertical Group column ({where}) names '{vertical}', which is not a vertical grouping of "
                        "the framework; the membership is not recorded.",
                        vertical,
                    )
                )
            elif (identifier, canonical) not in memberships:
                memberships.add((identifier, canonical))
                out.verticals.append(
                    {
                        "id": identifier,
                        "original_id": original,
                        "name": name,
                        "level": str(depth),
                        "vertical": canonical,
                        "scheme": "current",
                        "release": release,
                        "source": key,
                        "note": "",
                    }
                )
    out.processes = _derive_domains(order, domain_votes, release) + order
    out.release_anomalies = {release: release_anomalies} if release_anomalies else {}
    if deleted is not None:
        out.deleted = _normalise_deleted(data, deleted, out, release_anomalies, progress, len(rows), total)
        if release_anomalies and release not in out.release_anomalies:
            out.release_anomalies[release] = release_anomalies
    return out


def _derive_domains(order: list[dict[str, str]], votes: dict[str, Counter], release: str) -> list[dict[str, str]]:
    """The workbook has no L1 rows: each domain is the common prefix of its L2 identifiers,
    named by the Domain column of those rows (as the bundled DERIVED-L1 rows are)."""
    stated = {r["id"] for r in order if r["level"] == "1"}
    prefixes = sorted({r["id"].rsplit(".", 1)[0] for r in order if r["level"] == "2"} - stated, key=natural_key)
    known = {
        r["id"]: r["name"]
        for r in bundled_rows().processes
        if r["source"] == "DERIVED-L1" and r["release"] in (release, "25.5")
    }
    derived = []
    for prefix in prefixes:
        if votes.get(prefix):
            name = sorted(votes[prefix].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        else:
            name = known.get(prefix, f"Domain {prefix}")
        derived.append(
            {
                "id": prefix,
                "original_id": "",
                "name": name,
                "level": "1",
                "parent_id": "",
                "release": release,
                "source": "DERIVED-L1",
                "domain": name,
                "uid": "",
                "note": _DERIVED_NOTE,
            }
        )
    return derived


def _normalise_deleted(data, deleted, out: SourceRows, anomalies, progress, offset: int, total: int):
    columns, rows = deleted
    release = data.release
    by_uid: dict[str, dict[str, str]] = {}
    for done, (number, row) in enumerate(rows, offset + 1):
        if progress is not None and done % 250 == 0:
            progress(done, total)
        uid = _text(_cell(row, columns, "uid")).strip()
        name = _text(_cell(row, columns, "name"))
        if not uid:
            anomalies.append(
                Anomaly(
                    "UnusableRow",
                    f"sheet '{data.deleted_sheet}' row {number}: the deleted process '{name.strip()}' has no UID, "
                    "which the graph needs to name it; the row is skipped.",
                    name.strip(),
                )
            )
            continue
        vertical = _text(_cell(row, columns, "vertical")).strip()
        if uid in by_uid:
            item = by_uid[uid]
            if vertical and vertical not in item["vertical"].split("|"):
                item["vertical"] = "|".join(filter(None, [item["vertical"], vertical]))
            continue
        level = _text(_cell(row, columns, "level")).strip()
        by_uid[uid] = {
            "name": re.sub(r"\s*[\r\n]+\s*", " ", name),
            "uid": uid,
            "process_identifier_raw": _text(_cell(row, columns, "identifier")),
            "original_id_raw": _text(_cell(row, columns, "original")),
            "level": level if level.isdigit() else "",
            "parent_process_identifier": _text(_cell(row, columns, "parent_identifier")).strip(),
            "domain": _text(_cell(row, columns, "domain")).strip(),
            "vertical": vertical,
            "maturity_level": _text(_cell(row, columns, "maturity")).strip(),
            "framework_status": _text(_cell(row, columns, "status")).strip(),
            "release": release,
            "source": data.source_key + "-deleted",
        }
        texts = (_text(_cell(row, columns, "brief")).strip(), _text(_cell(row, columns, "extended")).strip(), "")
        if any(texts):
            out.descriptions[(release, "deleted/" + uid)] = texts
    return list(by_uid.values())


__all__ = ["read_workbook", "WorkbookData", "WorkbookError", "header_key", "release_from_text", "find_columns"]
