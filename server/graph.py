"""The one store of a process, opened through the library and shared by every request.

Start-up is fast and queries are fast: under ``etomkg serve`` a worker first
opens a read-only on-disk copy of the bundled graph (built once in the cache
folder; opening takes milliseconds), answers from it at once, and meanwhile
loads the in-memory store (2.5× faster to query) in a background thread
(pyoxigraph releases the GIL while loading); then it swaps stores.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox
from flask import Flask, current_app

import etomkg
from etomkg.iris import ONTOLOGY_IRI, configured_base
from etomkg.safety.iri import is_safe_iri
from etomkg.store import KnowledgeGraph, bundled_nquads_path, bundled_store_path, sources_digest

log = logging.getLogger("etomkg.server")
_FOLLOW = threading.Lock()


@dataclass
class ServedGraph:
    """The knowledge graph plus facts the server needs on every request (computed once: the store is read-only)."""

    kg: KnowledgeGraph
    read_only: bool = True
    releases: list[str] = field(default_factory=list)
    newest: str = ""
    graph_names: frozenset[str] = frozenset()
    triples: int = 0
    digest: str = ""  # of the sources (keys the download cache)
    answering_from: str = "memory"  # or "disk" while the in-memory store loads (see the module docstring)

    @classmethod
    def load(cls, kg: KnowledgeGraph, read_only: bool = True, triples: int | None = None) -> ServedGraph:
        names = frozenset(kg.graph_names())
        return cls(kg, read_only, kg.releases, kg.default_release, names, len(kg) if triples is None else triples)

    @property
    def base(self) -> str:
        return self.kg.iris.base

    def follow(self) -> None:
        """A persistent store: take up the generation an import published (a stat per request; a request
        under way finishes on the generation it started with)."""
        if self.kg.folder is not None:
            with _FOLLOW:
                if self.kg.refresh():
                    self.refresh()

    def refresh(self) -> None:
        """Recompute the cached facts (after an administrator's update)."""
        fresh = ServedGraph.load(self.kg, self.read_only)
        self.releases, self.newest, self.graph_names, self.triples = (
            fresh.releases,
            fresh.newest,
            fresh.graph_names,
            fresh.triples,
        )
        self.__dict__.pop("release_graphs", None)

    @cached_property
    def release_graphs(self) -> dict[str, str]:
        return {release: self.kg.iris.graph(release) for release in self.releases}

    def path_for(self, iri: str) -> str | None:
        """The path on this server that dereferences ``iri``, or None for IRIs it does not serve."""
        if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
            return "/ontology" + iri[len(ONTOLOGY_IRI) :]
        if iri.startswith(self.base + "/"):
            return iri[len(self.base) :]
        return None

    def iri_for(self, path: str) -> str:
        """The IRI a server path stands for (``/release/25.5/process/1.4.5`` → ``{base}/release/…``)."""
        if path == "/ontology":
            return ONTOLOGY_IRI
        return self.base + path

    def has_subject(self, iri: str) -> bool:
        if not is_safe_iri(iri):
            return False
        return next(iter(self.kg.quads_for_pattern(ox.NamedNode(iri), None, None)), None) is not None


def open_store(store_dir: str | None, base: str | None, read_only: bool) -> KnowledgeGraph:
    """Open the graph once: in memory (default) or a persistent store.

    A persistent store (``etomkg.storage.persist``) is always opened read-only at its current generation, made on
    first use; imports and the admin update path publish new generations, which :meth:`ServedGraph.follow`
    takes up between requests, so every worker can read it while ``etomkg import`` writes.
    """
    if store_dir is None:
        return etomkg.open(base=base)
    return etomkg.open(store=store_dir, base=base)


@dataclass(frozen=True)
class DiskCopy:
    folder: str  # the read-only on-disk store
    triples: int
    nquads: str  # the canonical N-Quads file the in-memory store loads from
    digest: str  # of the sources: keys every cached file


def disk_copy(base: str | None = None) -> DiskCopy:
    """The library's read-only on-disk copy of the bundled graph (built on first use), with what workers need."""
    base = configured_base(base)
    started = time.perf_counter()
    folder = bundled_store_path(base)
    triples = len(ox.Store.read_only(str(folder)))
    log.info("on-disk copy of the graph ready in %.1f s: %s", time.perf_counter() - started, folder)
    return DiskCopy(str(folder), triples, str(bundled_nquads_path(base)), sources_digest(base))


def _load_into_memory(graph: ServedGraph, nquads: str) -> None:
    started = time.perf_counter()
    memory = ox.Store()
    memory.bulk_load(path=nquads, format=ox.RdfFormat.N_QUADS)
    graph.kg.store = memory  # one reference swap; queries under way finish on the disk copy
    graph.answering_from = "memory"
    log.info("worker %s now answers from memory (loaded in %.1f s)", os.getpid(), time.perf_counter() - started)


def init_app(app: Flask) -> None:
    kg = app.config.get("KG")
    read_only = not app.config.get("UPDATE_TOKEN")
    base = configured_base(app.config["BASE"])
    copy: DiskCopy | None = app.config.get("DISK_COPY")  # prepared by `etomkg serve` in the master
    if kg is None and app.config.get("BACKEND"):
        kg = open_remote_graph(app.config)
    if kg is not None and kg.remote:
        graph = ServedGraph.load(kg, read_only=True)
        graph.answering_from = "remote"
        graph.digest = remote_digest(graph)
        app.extensions["etomkg"] = graph
        return
    if kg is not None:
        graph = ServedGraph.load(kg, read_only)
    elif copy is not None and app.config["STORE_DIR"] is None and read_only:
        graph = ServedGraph.load(KnowledgeGraph(ox.Store.read_only(copy.folder), base), read_only, copy.triples)
        graph.answering_from = "disk"
        threading.Thread(target=_load_into_memory, args=(graph, copy.nquads), name="etomkg-load", daemon=True).start()
    else:
        graph = ServedGraph.load(open_store(app.config["STORE_DIR"], base, read_only), read_only)
        graph.answering_from = "memory" if app.config["STORE_DIR"] is None else "disk"
    graph.digest = copy.digest if copy is not None else sources_digest(base)
    app.extensions["etomkg"] = graph


def open_remote_graph(config) -> KnowledgeGraph:
    """The graph in a remote SPARQL store (``--backend``): its answers are bounded like local ones, and its
    time limit is a little shorter than the watchdog's, so that a slow store gives a clean 504."""
    from etomkg.store import open_remote

    timeout = max(1.0, float(config["QUERY_TIMEOUT"]) - 2.0)
    kg = open_remote(config["BACKEND"], base=config.get("BASE"), timeout=timeout)
    # The store answers in JSON; what the client asks for may be larger (XML), hence some headroom.
    kg.backend.max_result_bytes = 4 * int(config["MAX_RESULT_BYTES"])
    return kg


def remote_digest(graph: ServedGraph) -> str:
    """Keys the download cache of a remote graph: its endpoint, graphs and size when the worker started
    (restart the server after a push to serve what was pushed)."""
    import hashlib

    facts = "\n".join([graph.kg.backend.location, str(graph.triples), *sorted(graph.graph_names)])
    return "remote-" + hashlib.sha256(facts.encode("utf-8")).hexdigest()[:16]


def served() -> ServedGraph:
    graph = current_app.extensions["etomkg"]
    graph.follow()
    return graph
