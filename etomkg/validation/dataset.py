"""What is validated: the bundled graph (all of it, or one release) plus the user's extension files.

The data graph is one private in-memory store whose *default graph* holds everything (queries over a
union of named graphs are several times slower in pyoxigraph). It is filled straight from the cached
canonical N-Quads file of the bundled graph, without opening a :class:`~etomkg.store.KnowledgeGraph`.

Every extension file is parsed completely before anything is added: a file that does not parse raises
:class:`InputFileError` (file, line, column) and nothing is validated, so no half-loaded graph exists.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..errors import EtomkgError
from ..formats import FORMATS, UnknownFormatError, rdf_format_for_path
from ..iris import ETOM, ONTOLOGY_IRI, RELEASES, Iris, configured_base
from ..store import UnknownReleaseError, bundled_nquads_path

#: The extensions an extension file may have: Turtle, N-Triples, JSON-LD and the rest of the format table.
USER_FORMATS = ", ".join(f".{f.extension}" for f in FORMATS.values())
_ANOMALY_PREDICATES = (f"<{ETOM}hasAnomaly>".encode(), f"<{ETOM}anomalyKind>".encode())


class InputFileError(EtomkgError):
    """An extension file that cannot be read or parsed; carries the position the parser reported."""

    def __init__(self, path: str, detail: str, line: int | None = None, column: int | None = None) -> None:
        self.path, self.line, self.column, self.detail = path, line, column, detail
        where = f"{path}:{line}:{column}" if line is not None else path
        super().__init__(f"{where}: {detail}")


@dataclass
class UserFile:
    path: str  # as given on the command line
    text: str  # for locating subjects in reports (SARIF regions)
    subjects: set[str]  # keys of the subjects the file states something about
    statements: list = field(default_factory=list, repr=False)  # the parsed triples (blank nodes as loaded)
    lines: dict[str, int] = field(default_factory=dict)  # subject → line, where the text does not name it (YAML)

    @property
    def triples(self) -> int:
        return len(self.statements)


@dataclass
class Dataset:
    """The data graph (default graph of ``store``) and what the reports need to know about it."""

    store: ox.Store
    release: str | None  # None: every release
    bundled_triples: int
    user_files: list[UserFile] = field(default_factory=list)
    #: subject key → [(anomaly key, anomaly kind IRI)] stated in the bundled release graphs only
    anomalies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: the releases the data holds (None: the bundled ones)
    releases: list[str] | None = None
    #: N-Triples of some named graphs of the data (None: read them from the bundled graph)
    graph_data: Callable[[tuple[str, ...]], bytes] | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        base = f"release {self.release}" if self.release else "every release"
        files = len(self.user_files)
        return base + (f" + {files} file{'s' if files != 1 else ''}" if files else "")

    def __len__(self) -> int:
        return len(self.store)


def parse_user_file(path: str) -> list[ox.Triple]:
    """Parse one extension file completely (or raise a positioned :class:`InputFileError`)."""
    if path.endswith((".yaml", ".yml")):  # an ODA component specification (etomkg.oda reads it)
        from ..oda.spec import SpecError
        from ..oda.validation import spec_triples

        try:
            return spec_triples(path)
        except SpecError as exc:
            raise InputFileError(path, exc.detail, exc.line, 1 if exc.line else None) from None
    try:
        fmt = rdf_format_for_path(path)
    except UnknownFormatError:
        raise InputFileError(path, f"unknown file type; use one of {USER_FORMATS}") from None
    if not os.path.isfile(path):
        raise InputFileError(path, "no such file")
    base = Path(path).resolve().as_uri()
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        parsed = list(ox.parse(data, format=fmt.oxigraph, base_iri=base, rename_blank_nodes=True))
    except SyntaxError as exc:
        message = str(exc.msg)
        if "LoadDocumentCallback" in message or "remote context" in message.lower():
            line, column = _position(data.decode("utf-8", "replace"), '"@context"')
            raise InputFileError(
                path,
                "remote JSON-LD contexts are never fetched; put the context inline in the file "
                "(`etomkg build` writes the published one as context.jsonld)",
                line,
                column,
            ) from None
        detail = re.sub(r"^Parser error [^:]*: ", "", message)
        raise InputFileError(path, f"{fmt.name} syntax error: {detail}", exc.lineno, exc.offset) from None
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"cannot read the file: {exc}") from None
    return [ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q for q in parsed]


def _position(text: str, needle: str) -> tuple[int | None, int | None]:
    at = text.find(needle)
    if at < 0:
        return None, None
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def term_key(term) -> str:
    from .rules import literal_key

    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return literal_key(term.value, term.language, term.datatype.value if term.datatype else None)
    return str(term)


def bundled_graphs(release: str | None, base: str | None = None) -> list[str]:
    iris = Iris(configured_base(base))
    if release is not None and release not in RELEASES:
        raise UnknownReleaseError(f"unknown release {release!r}; the bundled graph holds: {', '.join(RELEASES)}")
    releases = [release] if release else list(RELEASES)
    # the ODA components cite processes of any release: they are checked when every release is
    oda = [] if release else [f"{iris.base}/oda"]
    return [ONTOLOGY_IRI, iris.framework_graph] + [iris.graph(r) for r in releases] + oda


def build_dataset(
    release: str | None = None, files: list[str] | tuple[str, ...] = (), base: str | None = None
) -> Dataset:
    """The bundled graph (one release, or all) and the extension files, in a fresh store of its own."""
    parsed = [(path, parse_user_file(path)) for path in files]  # all files parse, or nothing is loaded
    dataset = _load_bundled(release, base)
    for path, triples in parsed:
        dataset.store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.user_files.append(_user_file(path, triples))
    return dataset


def store_dataset(store_dir: str, release: str | None = None, files: list[str] | tuple[str, ...] = ()) -> Dataset:
    """What a persistent store holds (``etomkg validate --store DIR``): see :func:`graph_dataset`."""
    from ..store import open as open_kg

    return graph_dataset(open_kg(store=store_dir), release, files)


def graph_dataset(kg, release: str | None = None, files: list[str] | tuple[str, ...] = ()) -> Dataset:
    """What a :class:`~etomkg.store.KnowledgeGraph` holds — a persistent store's (``--store``) or a remote
    store's (``--backend``): its releases (one, or all) — imported workbooks included, their source defects
    acknowledged as in the bundled graph — and the operators' extensions imported against them, which count
    as the user's own (their defects are violations), plus ``files``; in a fresh store of its own."""
    parsed = [(path, parse_user_file(path)) for path in files]  # all files parse, or nothing is loaded
    releases = [kg.check_release(release)] if release else kg.releases
    graphs = (ONTOLOGY_IRI, kg.iris.framework_graph, *(kg.iris.graph(r) for r in releases))
    if not release and f"{kg.iris.base}/oda" in kg.graph_names():
        graphs = (*graphs, f"{kg.iris.base}/oda")  # the ODA components cite processes of any release
    lines = [(line + "\n").encode("utf-8") for line in kg.nquads_lines(graphs)]
    data, anomaly_data = _graph_ntriples(lines, graphs)
    store = ox.Store()
    if data:
        store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    dataset = Dataset(
        store,
        release,
        len(store),
        anomalies=_anomaly_index(anomaly_data),
        releases=releases,
        graph_data=lambda wanted: _graph_ntriples(lines, tuple(wanted))[0],  # for the reasoner's release chunks
    )
    for graph in sorted({g for r in releases for g in kg.extensions.get(r, [])}):
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in kg.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        ]
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.user_files.append(UserFile(graph, "", {term_key(t.subject) for t in triples}, triples))
    for path, triples in parsed:
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.user_files.append(_user_file(path, triples))
    return dataset


_LOCK = threading.Lock()


@contextmanager
def dataset_for(
    release: str | None = None,
    files: list[str] | tuple[str, ...] = (),
    base: str | None = None,
    parsed: list[tuple[str, list[ox.Triple]]] | None = None,
):
    """Like :func:`build_dataset`, but reuses this process's store of the bundled graph (loading ~70,000
    triples per release costs more than validating a small extension): the files' triples that the bundled
    graph lacks are added for the duration of the ``with`` block and removed after it, under a lock.
    ``parsed`` gives triples already read (the canonical form of an extension file), by the file's path."""
    parsed = list(parsed or []) + [(path, parse_user_file(path)) for path in files]  # all parse, or none loads
    with _LOCK:
        bundled = _cached_bundled(release, configured_base(base), str(bundled_nquads_path(base)))
        store, added = bundled.store, []
        try:
            for _, triples in parsed:
                fresh = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
                fresh = [q for q in fresh if q not in store]
                store.extend(fresh)
                added += fresh
            yield Dataset(store, release, bundled.bundled_triples, [_user_file(p, t) for p, t in parsed],
                          bundled.anomalies)  # fmt: skip
        finally:
            for quad in added:
                store.remove(quad)


@lru_cache(maxsize=3)
def _cached_bundled(release: str | None, base: str, nquads_path: str) -> Dataset:
    return _load_bundled(release, base)


def _load_bundled(release: str | None, base: str | None) -> Dataset:
    graphs = tuple(bundled_graphs(release, base))
    data, anomaly_data = _bundled_ntriples(str(bundled_nquads_path(base)), graphs)
    store = ox.Store()
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return Dataset(store, release, len(store), anomalies=_anomaly_index(anomaly_data))


def _user_file(path: str, triples: list[ox.Triple]) -> UserFile:
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    lines = {}
    if path.endswith((".yaml", ".yml")):
        from ..oda.validation import subject_lines

        lines = subject_lines(path)
    return UserFile(path, text, {term_key(t.subject) for t in triples}, triples, lines)


@lru_cache(maxsize=4)
def _bundled_ntriples(nquads_path: str, graphs: tuple[str, ...]) -> tuple[bytes, bytes]:
    """The triples of the given graphs of the cached N-Quads file, and those of its anomaly statements that sit
    in release graphs (kept per process: tests and servers validate many times)."""
    with open(nquads_path, "rb") as handle:
        return _graph_ntriples(handle, graphs)


def _graph_ntriples(nquads_lines: Iterable[bytes], graphs: tuple[str, ...]) -> tuple[bytes, bytes]:
    """From canonical N-Quads lines (bytes, each ending in a newline): the triples of the given graphs, and
    those of the anomaly statements among them that sit in release graphs."""
    endings = tuple(f" <{g}> .\n".encode() for g in graphs)
    release_endings = tuple(e for e in endings if b"/release/" in e or e.endswith(b"/oda> .\n"))
    lines: list[bytes] = []
    anomaly_lines: list[bytes] = []
    for line in nquads_lines:
        if line.endswith(endings):
            triple = line[: line.rindex(b" <")] + b" .\n"
            lines.append(triple)
            if line.endswith(release_endings) and any(p in line for p in _ANOMALY_PREDICATES):
                anomaly_lines.append(triple)
    return b"".join(lines), b"".join(anomaly_lines)


def _anomaly_index(data: bytes) -> dict[str, list[tuple[str, str]]]:
    kinds: dict[str, str] = {}
    owners: list[tuple[str, str]] = []
    for triple in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
        if triple.predicate.value == ETOM + "anomalyKind":
            kinds[term_key(triple.subject)] = triple.object.value
        else:
            owners.append((term_key(triple.subject), term_key(triple.object)))
    index: dict[str, list[tuple[str, str]]] = {}
    for subject, anomaly in sorted(owners):
        if anomaly in kinds:
            index.setdefault(subject, []).append((anomaly, kinds[anomaly]))
    return index
