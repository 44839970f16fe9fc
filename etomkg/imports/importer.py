"""Imports into a persistent store: TM Forum's GB921 workbook and operators' extensions.

Every import builds the store's next generation (:mod:`etomkg.storage.persist`) and
publishes it only when everything succeeded, so readers see the old or the new
state and a rejected or failed import leaves the store as it was.

A workbook replaces the rows of its release in the canonical pipeline
(:mod:`etomkg.content.sources`); the graphs whose inputs changed — that release, the
lineage of its neighbours, the classic elements its original identifiers
name — are rendered again and written as differences.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ..content.model import Content, SourceRows
from ..content.render import graph_inputs, render_graph
from ..content.sources import build_content, bundled_rows
from ..errors import EtomkgError
from ..iris import ETOM, PREFIXES, Iris, natural_key
from ..progress import Progress, Silent
from ..storage.persist import StoreFolder, Transaction
from ..storage.registry import ImportInfo, read_digests, read_records, record_quads, remove_record, write_digests
from ..store import KnowledgeGraph, sources_digest
from .findings import Report, ValidationFailed
from .workbook import WorkbookData, read_workbook, rows_from_json

COMPACT_AFTER = 100_000  # quads written by one import, beyond which the store is compacted before publishing


@dataclass
class ImportSummary:
    """What one import did, for the one-screen summary (and for programs, as a dict)."""

    kind: str
    key: str
    release: str
    file: str
    store: str
    generation: str | None
    seconds: float = 0.0
    counts: list[tuple[str, str]] = field(default_factory=list)
    anomalies: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    graphs_written: list[str] = field(default_factory=list)
    report: Report | None = None
    stored: bool = True

    def render(self) -> str:
        title = "GB921 workbook" if self.kind == "gb921" else "extension"
        head = (
            f"imported {title} {self.file} → release {self.release}"
            if self.stored
            else f"checked {title} {self.file} against release {self.release}: valid, nothing stored"
        )
        lines = [head]
        width = max((len(k) for k, _ in self.counts), default=0)
        lines += [f"  {k.ljust(width)}  {v}" for k, v in self.counts]
        if self.anomalies:
            total = sum(self.anomalies.values())
            lines.append(
                f"  anomalies recorded in the graph: {total} ("
                + ", ".join(f"{kind} {n}" for kind, n in sorted(self.anomalies.items(), key=lambda kv: (-kv[1], kv[0])))
                + ")"
            )
            lines += [f"    {example}" for example in self.examples]
            lines.append(
                f"    list them: etomkg query --store {self.store} --release {self.release} 'SELECT ?id ?kind ?comment "
                "WHERE { ?p etom:hasAnomaly ?a ; skos:notation ?id . ?a etom:anomalyKind ?kind ; rdfs:comment ?comment }'"
            )
        if self.report is not None and self.report.findings:
            counts = self.report.counts()
            lines.append(
                "  findings: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + " (not errors; --json lists them)"
            )
        lines += [f"  note: {notice}" for notice in self.notices]
        if self.stored:
            lines.append(
                f"  written: {len(self.graphs_written)} graph(s) "
                f"({', '.join(self.graphs_written[:4])}{' …' if len(self.graphs_written) > 4 else ''})"
            )
            lines.append(f"  store: {self.store} (generation {self.generation}) in {self.seconds:.1f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "release": self.release,
            "file": self.file,
            "store": self.store,
            "generation": self.generation,
            "stored": self.stored,
            "conforms": self.report.conforms() if self.report else True,
            "seconds": round(self.seconds, 3),
            "counts": dict(self.counts),
            "anomalies": dict(sorted(self.anomalies.items())),
            "notices": self.notices,
            "graphs_written": self.graphs_written,
            "findings": [f.to_dict() for f in self.report.sorted()] if self.report else [],
            "shapes": self.report.shapes if self.report else "",
        }


def ensure_store(store_dir: str | Path, progress: Progress | None = None) -> StoreFolder:
    """The store folder, created with the bundled graph on first use."""
    from ..store import open_store

    folder = StoreFolder(store_dir)
    if folder.manifest() is None:
        if progress is not None:
            progress.step("creating the store with the bundled graph")
        open_store(folder.path)
    return folder


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- GB921 workbooks ---


def _imported_rows(tx: Transaction, skip: str | None = None) -> SourceRows:
    """The bundled rows with every workbook already imported into this store in place of its release."""
    rows = bundled_rows()
    for path in sorted(tx.imports_dir.glob("gb921-*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["release"] != skip:
            rows = rows.replace_release(rows_from_json(data["rows"]), data["release"])
    return rows


def replace_graph(store: ox.Store, graph: str, quads: list[ox.Quad] | bytes) -> tuple[int, int]:
    """Make ``graph`` hold exactly ``quads`` (or these N-Quads), writing only the difference.

    Removing quads is the slow operation of RocksDB, and a re-import mostly
    rewrites what is already there. The store is an unpublished generation
    that no reader sees, so the fast non-transactional bulk writer is safe.
    """
    if isinstance(quads, bytes):
        quads = list(ox.parse(quads, format=ox.RdfFormat.N_QUADS))
    old = set(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    new = set(quads)
    removed, added = old - new, new - old
    for quad in removed:
        store.remove(quad)
    if added:
        store.bulk_extend(added)
    return len(removed), len(added)


def _write_content(tx: Transaction, content: Content, iris: Iris, progress: Progress) -> list[str]:
    """Render and write every graph whose inputs changed; drop graphs the content no longer has."""
    inputs = graph_inputs(content, iris, sources_digest(iris.base))
    stored = read_digests(tx.store, iris)
    changed = [g for g, digest in inputs.items() if stored.get(g) != digest]
    for done, graph in enumerate(changed, 1):
        progress.step("writing graphs", done, len(changed))
        replace_graph(tx.store, graph, render_graph(content, iris, graph))
    stale = [g for g in stored if g not in inputs]
    for graph in stale:
        tx.store.remove_graph(ox.NamedNode(graph))
        for quad in list(tx.store.quads_for_pattern(ox.NamedNode(graph), ox.NamedNode(ETOM + "inputDigest"), None)):
            tx.store.remove(quad)
    write_digests(tx.store, iris, {g: inputs[g] for g in changed})
    return sorted(changed + stale)


def _graph_size(store: ox.Store, graph: str) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)


def import_workbook(
    store_dir: str | Path, path: str | Path, *, release: str | None = None, progress: Progress | None = None
) -> ImportSummary:
    """Import a GB921 workbook into the store: its release's graph is rebuilt from it."""
    progress = progress or Silent()
    started = time.perf_counter()
    progress.step("reading the workbook")
    data = read_workbook(path, release, progress=progress.callback("reading the workbook"))
    folder = ensure_store(store_dir, progress)
    with folder.transaction() as tx:
        iris = Iris(tx.previous["base"])
        progress.step("building the release")
        rows = _imported_rows(tx, skip=data.release).replace_release(data.rows, data.release)
        content = build_content(rows)
        written = _write_content(tx, content, iris, progress)
        remove_record(tx.store, iris, "gb921", data.release)
        info = ImportInfo(
            kind="gb921",
            key=data.release,
            release=data.release,
            graphs=[iris.graph(data.release)],
            source_file=data.path.name,
            sha256=data.sha256,
            imported_at=_now(),
            triples=_graph_size(tx.store, iris.graph(data.release)),
            label=f"GB921 workbook, sheet {data.live_sheet}",
        )
        tx.store.extend(record_quads(iris, info))
        (tx.imports_dir / f"gb921-{data.release}.json").write_text(
            json.dumps(data.to_json(), ensure_ascii=False), encoding="utf-8"
        )
        notices = data.notices + _dangling_references(tx.store, iris, data.release)
        generation = tx.path.name
    progress.done()
    summary = ImportSummary("gb921", data.release, data.release, data.path.name, str(folder.path), generation)
    _workbook_counts(summary, data, content)
    summary.notices = notices
    summary.graphs_written = written
    summary.seconds = time.perf_counter() - started
    return summary


def _workbook_counts(summary: ImportSummary, data: WorkbookData, content: Content) -> None:
    procs = [p for p in content.processes if p.release == data.release]
    levels = Counter(p.level for p in procs)
    summary.counts = [
        (
            "sheets",
            f"{data.live_sheet} ({data.live_rows} rows)"
            + (f", {data.deleted_sheet} ({data.deleted_rows} rows)" if data.deleted_sheet else ""),
        ),
        ("release", f"{data.release} (from the {data.release_from})"),
        ("processes", f"{len(procs)}: " + ", ".join(f"L{lvl} {n}" for lvl, n in sorted(levels.items()))),
        ("verticals", f"{sum(len(p.verticals) for p in procs)} memberships"),
        (
            "TM Forum texts",
            f"{sum(1 for p in procs if p.brief_description)} brief, "
            f"{sum(1 for p in procs if p.extended_description)} extended descriptions",
        ),
        ("deleted", f"{sum(1 for d in content.deleted if d.release == data.release)} processes"),
        ("Chinese labels", f"{sum(1 for p in procs if _has_zh(content, p.name))} of {len(procs)} kept from etomkg"),
    ]
    examples: list[str] = []
    for anomaly in content.release_anomalies.get(data.release, []):
        summary.anomalies[anomaly.kind] += 1
        if len(examples) < 5:
            examples.append(f"{data.release}: {anomaly.kind}: {anomaly.comment}")
    for proc in sorted(procs, key=lambda p: natural_key(p.identifier)):
        for anomaly in proc.anomalies:
            summary.anomalies[anomaly.kind] += 1
            if len(examples) < 5:
                examples.append(f"{proc.identifier}: {anomaly.kind}: {anomaly.comment}")
    summary.examples = examples


def _has_zh(content: Content, name: str) -> bool:
    from ..content.quads import zh_label

    return zh_label(content.labels_zh, name) is not None


def _dangling_references(store: ox.Store, iris: Iris, release: str) -> list[str]:
    """Extensions of this release that refer to elements the new release no longer has."""
    from ..storage.registry import extension_graphs

    notes = []
    for graph in extension_graphs(store, iris).get(release, []):
        rows = store.query(
            f"""SELECT DISTINCT ?t WHERE {{ GRAPH <{graph}> {{ ?s etom:parent|etom:mapsTo ?t }}
                FILTER(STRSTARTS(STR(?t), "{iris.release(release)}/"))
                FILTER NOT EXISTS {{ GRAPH <{iris.graph(release)}> {{ ?t a etom:ProcessElement }} }} }}""",
            prefixes=PREFIXES,
        )
        missing = sorted((r["t"].value.rsplit("/", 1)[-1] for r in rows), key=natural_key)
        if missing:
            notes.append(
                f"extension {graph.rsplit('/', 1)[-1]} refers to {len(missing)} element(s) that release {release} no "
                f"longer has ({', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}); fix and re-import it"
            )
    return notes


# --- operators' extensions ---


def import_extension(
    store_dir: str | Path | None,
    path: str | Path,
    *,
    name: str | None = None,
    release: str | None = None,
    fmt: str | None = None,
    check_only: bool = False,
    progress: Progress | None = None,
    kg: KnowledgeGraph | None = None,
    shapes: str = "auto",
) -> ImportSummary:
    """Validate an operator's extension and store it as one named graph (or, with ``check_only``, only
    check it against ``kg`` — by default the store, or the bundled graph). The verdict is the one rule book's
    (:func:`etomkg.validation.inputs.check_file`), the same as ``etomkg validate``'s."""
    from ..validation.inputs import check_file

    progress = progress or Silent()
    started = time.perf_counter()
    progress.step("reading and checking the extension")
    if check_only:
        from ..store import open as open_kg

        kg = kg if kg is not None else open_kg(store_dir)
        checked = check_file(path, release=release, name=name, fmt=fmt, kg=kg, shapes=shapes, progress=progress)
        progress.done()
        if not checked.report.conforms():
            raise ValidationFailed(Path(path).name, checked.report)
        staged = checked.staged
        summary = ImportSummary(
            "extension", staged.name, staged.release, Path(path).name, str(store_dir or "(bundled graph)"), None,
            stored=False,
        )  # fmt: skip
        _extension_counts(summary, staged, checked.report)
        summary.seconds = time.perf_counter() - started
        return summary
    if store_dir is None:
        raise EtomkgError("an import needs a store: pass --store DIR (or set ETOMKG_STORE); --check only validates")
    folder = ensure_store(store_dir, progress)
    with folder.transaction() as tx:
        iris = Iris(tx.previous["base"])
        checked = check_file(path, release=release, name=name, fmt=fmt, kg=KnowledgeGraph(tx.store, iris.base),
                             shapes=shapes, progress=progress)  # fmt: skip
        if checked.staged.stored_by != "import extension":
            raise EtomkgError(f"{path} is read by {checked.staged.stored_by}'s reader: store it with etomkg "
                              f"{checked.staged.stored_by} (--check here only validates it)")  # fmt: skip
        if not checked.report.conforms():
            raise ValidationFailed(Path(path).name, checked.report)
        staged, data = checked.staged, checked.data
        name = staged.name
        progress.step("writing")
        graph = iris.extension(name)
        if tx.store.contains_named_graph(ox.NamedNode(graph)):
            replace_graph(tx.store, graph, data)
        else:
            # lenient: every IRI was minted from a checked identifier or parsed from the file
            tx.store.bulk_load(input=data, format=ox.RdfFormat.N_QUADS, lenient=True)
        tx.compact = data.count(b"\n") > COMPACT_AFTER
        remove_record(tx.store, iris, "extension", name)
        info = ImportInfo(
            kind="extension",
            key=name,
            release=staged.release,
            graphs=[graph],
            source_file=Path(path).name,
            sha256=staged.sha256,
            imported_at=_now(),
            triples=data.count(b"\n"),
            label=f"extension {name} ({staged.fmt})",
        )
        tx.store.extend(record_quads(iris, info))
        generation = tx.path.name
    progress.done()
    summary = ImportSummary("extension", name, staged.release, Path(path).name, str(folder.path), generation)
    _extension_counts(summary, staged, checked.report)
    summary.graphs_written = [graph]
    summary.seconds = time.perf_counter() - started
    return summary


def _extension_counts(summary: ImportSummary, staged, report: Report) -> None:
    checks = "structural checks" + (", SHACL shapes" if report.shapes == "run" else f"; SHACL shapes {report.shapes}")
    summary.counts = [("format", staged.fmt), *staged.counts, ("checks", checks)]
    if summary.stored:
        summary.counts.append(("graph", summary.key))
    summary.report = report


# --- the registry ---


def list_imports(store_dir: str | Path) -> tuple[dict, list[ImportInfo]]:
    folder = StoreFolder(store_dir)
    if folder.manifest() is None:
        raise EtomkgError(f"{folder.path} is not an etomkg store (no imports yet); create it with an import")
    store, lease, manifest = folder.open_reader()
    try:
        iris = Iris(manifest["base"])
        records = read_records(store, iris)
        for record in records:
            for graph in record.graphs:
                counts = store.query(
                    f"""SELECT (SUM(IF(BOUND(?p), 1, 0)) AS ?processes) (SUM(IF(BOUND(?m), 1, 0)) AS ?mapped)
                        WHERE {{ GRAPH <{graph}> {{ {{ ?p a etom:ProcessElement }} UNION {{ ?m a ?c .
                        VALUES ?c {{ etom:Application etom:SystemElement etom:OrganisationUnit }} }} }} }}""",
                    prefixes=PREFIXES,
                )
                row = next(iter(counts))
                record.counts = {"processes": int(row["processes"].value), "mapped": int(row["mapped"].value)}
        manifest = {**manifest, "triples": len(store), "path": str(folder.path)}
    finally:
        lease.release()
    return manifest, records


def remove_import(store_dir: str | Path, which: str, progress: Progress | None = None) -> ImportInfo:
    """Remove an imported extension (by name) or workbook (``gb921/25.5``) and everything it wrote."""
    progress = progress or Silent()
    _, records = list_imports(store_dir)
    matches = [r for r in records if which in (f"{r.kind}/{r.key}", r.key)]
    if len(matches) != 1:
        known = ", ".join(f"{r.kind}/{r.key}" for r in records) or "none"
        what = "is ambiguous" if matches else "is not an import of this store"
        raise EtomkgError(f"{which!r} {what}; imports: {known}")
    record = matches[0]
    folder = StoreFolder(store_dir)
    with folder.transaction() as tx:
        iris = Iris(tx.previous["base"])
        if record.kind == "extension":
            progress.step("removing the extension")
            for graph in record.graphs:
                tx.store.remove_graph(ox.NamedNode(graph))
        else:
            (tx.imports_dir / f"gb921-{record.key}.json").unlink(missing_ok=True)
            progress.step("rebuilding the release from the bundled sources")
            _write_content(tx, build_content(_imported_rows(tx)), iris, progress)
        remove_record(tx.store, iris, record.kind, record.key)
    progress.done()
    return record


__all__ = ["import_workbook", "import_extension", "list_imports", "remove_import", "ImportSummary", "replace_graph"]
