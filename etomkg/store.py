"""The ready store: the ontology and every release in pyoxigraph, behind a small API.

>>> import etomkg
>>> kg = etomkg.open()
>>> kg.default_release
'26.0'
>>> rows = kg.select('SELECT ?name WHERE { ?p skos:notation "1.4.5" ; etom:release ?r ; skos:prefLabel ?name . '
...                  'FILTER(lang(?name) = "en") }', release="24.0")
>>> rows[0]["name"]
'Service Activation Management'
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .atomic import write_file
from .errors import EtomkgError
from .files import source_files
from .iris import LATEST_RELEASE, ONTOLOGY_IRI, PREFIXES, RELEASES, Iris, configured_base, release_sort_key
from .safety.sparql import check_query
from .storage.backends import Backend, EmbeddedBackend, SparqlBackend

_PACKAGE = Path(__file__).resolve().parent


def _code_files() -> list[Path]:
    """The code the bundled graph is built by: the content package and the IRIs it mints.

    Derived, not listed, so a module added or renamed there changes the digest; if the layout moves under
    this function it fails loudly rather than serve a stale cache.
    """
    files = [
        *sorted((_PACKAGE / "content").glob("*.py")),
        *sorted((_PACKAGE / "oda").glob("*.py")),
        _PACKAGE / "iris.py",
    ]
    expected = [_PACKAGE / "content" / "render.py", _PACKAGE / "content" / "sources.py", _PACKAGE / "iris.py"]
    missing = [str(path) for path in expected if not path.is_file()]
    if missing:
        raise RuntimeError(f"the bundled graph's builder code is missing from the cache digest: {missing}")
    return files


class UnknownReleaseError(EtomkgError, ValueError):
    """A release that the store does not hold."""


def sources_digest(base: str) -> str:
    """Hash of everything the bundled graph is built from (sources, builder code, base IRI)."""
    digest = hashlib.sha256(base.encode())
    for path in [*source_files(), *_code_files()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    path = Path(os.environ.get("ETOMKG_CACHE") or Path.home() / ".cache" / "etomkg")
    path.mkdir(parents=True, exist_ok=True)
    return path


def bundled_quads(base: str | None = None) -> list[ox.Quad]:
    """Build the bundled graph's quads from the sources (no cache)."""
    from .content.render import build_quads
    from .content.sources import load_content

    return build_quads(load_content(), Iris(configured_base(base)))


def bundled_nquads_path(base: str | None = None) -> Path:
    """The cached, canonical N-Quads file of the bundled graph, built on first use."""
    base = configured_base(base)
    path = cache_dir() / f"etomkg-{sources_digest(base)}.nq"
    if not path.exists():
        data = ox.serialize(bundled_quads(base), format=ox.RdfFormat.N_QUADS)
        write_file(path, data)  # atomic: concurrent builders never see half a file
    return path


def quads_from_lines(lines: list[str]) -> list[ox.Quad]:
    """Parse canonical N-Quads lines back into quads, keeping their order."""
    if not lines:
        return []
    return list(ox.parse(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_QUADS))


SORT_KEY_FUNCTION = "https://w3id.org/etomkg/ontology#sortKey"


def _sort_key(term: ox.Literal) -> ox.Literal:
    """``etom:sortKey("1.3.10")`` → ``"0001.0003.0010"``: ORDER BY it for natural order of identifiers."""
    parts = term.value.split(".")
    return ox.Literal(".".join(p.zfill(4) if p.isdigit() else p for p in parts))


CUSTOM_FUNCTIONS = {ox.NamedNode(SORT_KEY_FUNCTION): _sort_key}


class KnowledgeGraph:
    """The eTOM knowledge graph in a pyoxigraph store.

    The default graph of a query is the union of all graphs; pass ``release=``
    to restrict it to one release (plus the ontology and framework graphs).
    Common prefixes (etom, skos, rdfs, owl, xsd, prov, dcterms, xkos) are predeclared,
    and ``etom:sortKey(?id)`` orders identifiers naturally (1.3.2 before 1.3.10):

    >>> import etomkg
    >>> kg = etomkg.open()
    >>> [r["id"] for r in kg.select("SELECT ?id WHERE { ?d a etom:Domain ; skos:notation ?id } "
    ...                              "ORDER BY etom:sortKey(?id)", release="25.5")]
    ['1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '1.12']
    """

    def __init__(self, store: ox.Store | Backend, base: str | None = None) -> None:
        self.backend: Backend = store if isinstance(store, Backend) else EmbeddedBackend(store)
        self.iris = Iris(configured_base(base))
        self.folder = None  # the StoreFolder of a persistent store
        self.generation: str | None = None
        self._lease = None
        self._stamp: tuple[int, int] | None = None
        self._extensions: dict[str, list[str]] | None = None

    @property
    def store(self) -> ox.Store:
        """The embedded pyoxigraph store; an error on a remote back end, which has none."""
        if not isinstance(self.backend, EmbeddedBackend):
            raise RemoteBackendError(
                f"this needs the embedded store, but the graph is at {self.backend.location}; "
                "run it without --backend (or on a copy: KnowledgeGraph.local_copy())"
            )
        return self.backend.store

    @store.setter
    def store(self, store: ox.Store) -> None:
        self.backend = EmbeddedBackend(store)

    @property
    def remote(self) -> bool:
        """Whether the quads live in a remote SPARQL store rather than in this process."""
        return self.backend.remote

    @property
    def extensions(self) -> dict[str, list[str]]:
        """Release -> named graphs of the operators' extensions imported against it (persistent stores, and
        remote stores they were pushed to)."""
        if self._extensions is None:
            from .storage.registry import extension_graphs

            self._extensions = extension_graphs(self.backend, self.iris)
        return self._extensions

    def refresh(self) -> bool:
        """Follow a persistent store to its newest generation (after an import); True if it moved.

        A long-running reader (a server) calls this between requests; queries
        already running keep the generation they started on.
        """
        if self.folder is None:
            return False
        stamp = self.folder.stamp()  # a stat per call: cheap enough for every request of a server
        if stamp == self._stamp:
            return False
        manifest = self.folder.manifest()
        if manifest is None or manifest["generation"] == self.generation:
            self._stamp = stamp
            return False
        store, lease, manifest = self.folder.open_reader()
        self.store, self._lease, self.generation, self._stamp = store, lease, manifest["generation"], stamp
        self._extensions = None
        return True

    def update(self, sparql: str, **kwargs) -> None:
        """Apply a SPARQL update: to an in-memory graph directly; to a persistent store as its next generation
        (all or nothing, like an import), which this graph then follows."""
        check_query(sparql)  # bounded, and never LOAD or SERVICE: an update must not fetch from elsewhere
        if self.folder is None:
            self.store.update(sparql, prefixes=PREFIXES, **kwargs)
            return
        with self.folder.transaction() as tx:
            tx.store.update(sparql, prefixes=PREFIXES, **kwargs)
        self.refresh()

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs, sorted."""
        return sorted(self.backend.graph_names())

    @property
    def releases(self) -> list[str]:
        """Releases present in the store, oldest first (classic first)."""
        prefix = self.iris.base + "/release/"
        found = {g.rsplit("/", 1)[-1] for g in self.backend.graph_names() if g.startswith(prefix)}
        return sorted(found, key=release_sort_key)

    @property
    def default_release(self) -> str:
        releases = [r for r in self.releases if r != "classic"]
        return releases[-1] if releases else LATEST_RELEASE

    def check_release(self, release: str) -> str:
        if release not in self.releases:
            raise UnknownReleaseError(f"unknown release {release!r}; the store holds: {', '.join(self.releases)}")
        return release

    def release_graphs(self, release: str, *, extensions: bool = False) -> list[ox.NamedNode]:
        """The graphs a query scoped to ``release`` sees: ontology, framework and the release (eTOM's own),
        plus, with ``extensions``, the operators' extensions imported against it into a store."""
        graphs = [
            ox.NamedNode(ONTOLOGY_IRI),
            ox.NamedNode(self.iris.framework_graph),
            ox.NamedNode(self.iris.graph(self.check_release(release))),
        ]
        if extensions:
            graphs += [ox.NamedNode(g) for g in self.extensions.get(release, [])]
        return graphs

    def query(self, sparql: str, *, release: str | None = None, extensions: bool = False, **kwargs):
        """Run a SPARQL query; returns pyoxigraph's solutions, triples or boolean."""
        if release is None and "default_graph" not in kwargs:
            kwargs.setdefault("use_default_graph_as_union", True)
        elif release is not None:
            kwargs["default_graph"] = self.release_graphs(release, extensions=extensions)
        kwargs.setdefault("custom_functions", CUSTOM_FUNCTIONS)
        return self.backend.query(sparql, prefixes=PREFIXES, **kwargs)

    def select(self, sparql: str, *, release: str | None = None, **kwargs) -> list[dict[str, str]]:
        """Run a SELECT and return rows as dicts of plain strings (IRIs and literal values)."""
        solutions = self.query(sparql, release=release, **kwargs)
        names = [v.value for v in solutions.variables]
        return [{name: row[name].value for name in names if row[name] is not None} for row in solutions]

    def nquads_lines(self, graphs: Iterable[str] | None = None) -> list[str]:
        """Canonical N-Quads lines of the given named graphs (all when omitted), sorted by graph, then line.

        Sorting serialised lines (done in Rust, compared as plain strings) is
        the cheap way to a total, reproducible order.
        """
        names = list(graphs) if graphs is not None else sorted(self.backend.graph_names())
        lines: list[str] = []
        for graph in names:
            lines += sorted(self.backend.graph_nquads(graph).decode("utf-8").splitlines())
        return lines

    def quads(self, graphs: Iterable[str] | None = None) -> list[ox.Quad]:
        """Quads of the given named graphs (all when omitted), in canonical order."""
        return quads_from_lines(self.nquads_lines(graphs))

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterable[ox.Quad]:
        """Quads matching a pattern, on either back end (see ``pyoxigraph.Store.quads_for_pattern``)."""
        return self.backend.quads_for_pattern(subject, predicate, object, graph_name)

    def local_copy(self, graphs: Iterable[str] | None = None) -> KnowledgeGraph:
        """The given graphs (all when omitted) in a new in-memory store: for work that needs the
        embedded engine (SHACL validation, reasoning) on a graph that lives elsewhere."""
        store = ox.Store()
        for graph in graphs if graphs is not None else self.backend.graph_names():
            store.load(self.backend.graph_nquads(graph), format=ox.RdfFormat.N_QUADS)
        return KnowledgeGraph(store, self.iris.base)

    def __len__(self) -> int:
        return len(self.backend)


class RemoteBackendError(EtomkgError):
    """An operation that needs the embedded store, asked of a graph in a remote store."""


def open_remote(url: str, *, base: str | None = None, timeout: float | None = None) -> KnowledgeGraph:
    """The knowledge graph in a remote SPARQL 1.1 store that ``etomkg push`` filled.

    Fails early, with the URL and what the store said, if it cannot be reached
    or holds no release under the base IRI.
    """
    kg = KnowledgeGraph(SparqlBackend(url, timeout=timeout), base)
    if not kg.releases:
        graphs = kg.backend.graph_names()
        held = f"it holds {len(graphs)} other graphs, e.g. {', '.join(graphs[:3])}" if graphs else "it is empty"
        raise RemoteBackendError(
            f"the SPARQL store at {kg.backend.location} holds no eTOM release under {kg.iris.base}/release/ "
            f"({held}); fill it with `etomkg push --to GRAPH-STORE-URL`, or set ETOMKG_BASE to the base it was "
            "pushed with"
        )
    return kg


def bundled_store_path(base: str | None = None) -> Path:
    """A read-only on-disk copy of the bundled graph in the cache, built on first use.

    Opening it takes milliseconds instead of the seconds a load into memory takes,
    which is what one-shot commands want; queries run 2-4x slower than in memory,
    so long-running processes (the server) use :func:`open` instead.
    """
    base = configured_base(base)
    path = cache_dir() / f"etomkg-{sources_digest(base)}.store"
    if not path.exists():
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=path.name + ".tmp"))
        try:
            builder = ox.Store(str(tmp))
            builder.bulk_load(path=str(bundled_nquads_path(base)), format=ox.RdfFormat.N_QUADS)
            builder.flush()
            builder.optimize()
            del builder
            os.rename(tmp, path)  # atomic: readers see no store or a whole one
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not path.exists():  # else another process finished first
                raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # never a half-built folder left behind
            raise
    return path


def open_cached(*, base: str | None = None) -> KnowledgeGraph:
    """The bundled graph from its read-only on-disk cache (see :func:`bundled_store_path`)."""
    return KnowledgeGraph(ox.Store.read_only(str(bundled_store_path(base))), base)


def open(
    store: str | os.PathLike | None = None, *, base: str | None = None, backend: str | None = None
) -> KnowledgeGraph:
    """Open the eTOM knowledge graph, ready to query.

    With no ``store``, an in-memory store is loaded with the ontology and every
    bundled release (from a cached canonical N-Quads file, rebuilt when the
    sources change). With ``store=DIR``, the persistent store there is opened
    read-only at its current generation (see :mod:`etomkg.storage.persist`); a new
    folder is first filled with the bundled graph. Imports write new
    generations; :meth:`KnowledgeGraph.refresh` follows them. With ``backend=URL``, the graph
    is the one in that remote SPARQL 1.1 query endpoint (see :func:`open_remote`).
    """
    if backend is not None:
        if store is not None:
            raise EtomkgError("give either a store folder or a remote back end, not both")
        return open_remote(backend, base=base)
    if store is not None:
        return open_store(store, base=base)
    base = configured_base(base)
    ox_store = ox.Store()
    ox_store.bulk_load(path=str(bundled_nquads_path(base)), format=ox.RdfFormat.N_QUADS)
    return KnowledgeGraph(ox_store, base)


def initialise_store(tx, base: str) -> None:
    """Fill a new store's first generation: the bundled graph (a checkpoint of its on-disk cache) and the
    digests of what each graph was rendered from, so that imports rewrite only what they change."""
    from .content.render import graph_inputs
    from .content.sources import load_content
    from .storage.registry import write_digests

    ox.Store.read_only(str(bundled_store_path(base))).backup(str(tx.path / "oxigraph"))
    tx.store = ox.Store(str(tx.path / "oxigraph"))
    write_digests(tx.store, Iris(base), graph_inputs(load_content(), Iris(base), sources_digest(base)))
    tx.manifest_updates.update(base=base, created_by=f"etomkg {_version()}")


def _version() -> str:
    from .version import __version__

    return __version__


def open_store(path: str | os.PathLike, *, base: str | None = None) -> KnowledgeGraph:
    """Open (creating on first use) the persistent store folder ``path``, read-only at its current generation."""
    from .storage.persist import StoreError, StoreFolder

    folder = StoreFolder(path)
    manifest = folder.manifest()
    if manifest is None:
        wanted = configured_base(base)
        folder.initialise(lambda tx: initialise_store(tx, wanted))
        manifest = folder.manifest()
    if base is not None and configured_base(base) != manifest["base"]:
        raise StoreError(
            f"the store {folder.path} was made with base IRI {manifest['base']}, not {configured_base(base)}; "
            "open it without a base or use another folder"
        )
    stamp = folder.stamp()
    ox_store, lease, manifest = folder.open_reader()
    kg = KnowledgeGraph(ox_store, manifest["base"])
    kg.folder, kg.generation, kg._lease, kg._stamp = folder, manifest["generation"], lease, stamp
    return kg


__all__ = [
    "KnowledgeGraph",
    "RemoteBackendError",
    "UnknownReleaseError",
    "open",
    "open_remote",
    "bundled_quads",
    "RELEASES",
]
