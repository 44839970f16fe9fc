"""``etomkg push``: put the graph into somebody else's store, one named graph at a time.

Each named graph (the ontology, the framework, each release, each imported
graph) is sent with the SPARQL 1.1 Graph Store Protocol's ``PUT ?graph=IRI``,
which *replaces* that graph: pushing twice leaves the same store, and a
graph dropped from the source stays untouched on the store rather than being
deleted by surprise. The body is N-Triples written by pyoxigraph to a
temporary file and streamed from it (constant memory, a known length, and a
retry can send it again). Transient failures (connection reset or refused,
408, 429, 5xx, time-outs) are retried with exponential back-off, honouring
``Retry-After``; anything else stops the push and says what the store said.

How atomic a replacement is depends on the store: Fuseki, GraphDB and RDF4J
run each request as one transaction, so readers see the old graph or the new
one. Oxigraph's server clears the graph and then loads the body, in two
transactions. ``bulk=True`` asks Oxigraph for its bulk loader
(``no_transaction``): several times faster, not atomic.
"""

from __future__ import annotations

import email.utils
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..errors import EtomkgError
from ..formats import FORMATS
from ..iris import ONTOLOGY_IRI
from ..storage.backends import SparqlBackend
from ..storage.httpclient import (
    TRANSIENT_STATUSES,
    HttpClient,
    RemoteStoreError,
    check_url,
    raise_for_status,
    redacted,
    store_message,
)
from ..store import KnowledgeGraph

DEFAULT_PUSH_TIMEOUT = 600.0
DEFAULT_RETRIES = 4
_CHUNK = 1 << 20


class PushError(EtomkgError, ValueError):
    """A push that cannot start: nothing to push, an unknown graph or release."""


@dataclass
class GraphUpload:
    """One named graph sent (or being sent) to the store."""

    graph: str
    triples: int = 0
    bytes: int = 0
    seconds: float = 0.0
    attempts: int = 0
    status: int | None = None
    stored: int | None = None  # triples the store reports holding afterwards (with verification)


@dataclass
class PushReport:
    url: str
    uploads: list[GraphUpload] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(u.triples for u in self.uploads)

    @property
    def bytes(self) -> int:
        return sum(u.bytes for u in self.uploads)


class PushProgress:
    """Callbacks of a push; the CLI draws a progress bar with them. The default does nothing."""

    def start(self, total_bytes: int, uploads: list[GraphUpload]) -> None: ...

    def graph_started(self, upload: GraphUpload) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def retrying(self, upload: GraphUpload, delay: float, reason: str) -> None: ...

    def graph_done(self, upload: GraphUpload) -> None: ...


def graph_iri(kg: KnowledgeGraph, short: str) -> str:
    """A graph given on the command line: a full IRI, or ``ontology``, ``framework``, ``release/R``,
    ``registry``, ``extension/NAME`` (relative to the base)."""
    if short == "ontology":
        return ONTOLOGY_IRI
    if "://" in short or short.startswith("urn:"):
        return short
    return f"{kg.iris.base}/{short.strip('/')}"


def select_graphs(kg: KnowledgeGraph, *, releases: Iterable[str] = (), graphs: Iterable[str] = ()) -> list[str]:
    """The graphs to push: everything by default; with ``releases``, the ontology, the framework, the ODA
    components, those releases and the extensions imported against them (with the store's registry, which the
    remote graph needs to know them as extensions of their release); plus any ``graphs`` named."""
    present = kg.backend.graph_names()
    releases, graphs = list(releases), list(graphs)
    if not releases and not graphs:
        chosen = present
    else:
        chosen = []
        if releases:
            from ..oda.rdf import oda_graph

            chosen += [ONTOLOGY_IRI, kg.iris.framework_graph]
            if oda_graph(kg.iris) in present:
                chosen.append(oda_graph(kg.iris))  # the ODA components cite processes of every release
            for release in releases:
                chosen.append(kg.iris.graph(kg.check_release(release)))
                chosen += kg.extensions.get(release, [])  # operators' extensions imported against it
            if kg.iris.registry_graph in present and any(kg.extensions.get(r) for r in releases):
                chosen.append(kg.iris.registry_graph)  # says which release each extension belongs to
        for name in graphs:
            iri = graph_iri(kg, name)
            if iri not in present:
                raise PushError(f"no graph {iri} in the source store; it holds: {', '.join(sorted(present))}")
            chosen.append(iri)
    ordered = list(dict.fromkeys(chosen))  # keep the first mention, drop repeats
    missing = [g for g in ordered if g not in present]
    if missing:
        raise PushError(f"the source store has no graph {', '.join(missing)}")
    if not ordered:
        raise PushError("nothing to push: the source store holds no named graphs")
    return _push_order(kg, ordered)


def _push_order(kg: KnowledgeGraph, graphs: list[str]) -> list[str]:
    """Vocabulary first, then the framework, then releases oldest first, then everything else:
    a reader of a half-finished push finds what the later graphs refer to."""
    release_prefix = kg.iris.base + "/release/"
    from ..iris import release_key

    def rank(graph: str) -> tuple:
        if graph == ONTOLOGY_IRI:
            return (0, 0, graph)
        if graph == kg.iris.framework_graph:
            return (1, 0, graph)
        if graph.startswith(release_prefix) and "/" not in graph[len(release_prefix) :]:
            return (2, release_key(graph[len(release_prefix) :]), graph)
        return (3, 0, graph)

    return sorted(graphs, key=rank)


class _FileBody:
    """A file read in chunks, reporting progress; ``len()`` lets requests send a Content-Length."""

    def __init__(self, path: str, size: int, on_read: Callable[[int], None]) -> None:
        self._handle = open(path, "rb")
        self._size = size
        self._on_read = on_read

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(_CHUNK if size is None or size < 0 else max(size, _CHUNK))
        if data:
            self._on_read(len(data))
        return data

    def __iter__(self):
        while chunk := self.read(_CHUNK):
            yield chunk

    def close(self) -> None:
        self._handle.close()


def _count_lines(path: str) -> int:
    count = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            count += chunk.count(b"\n")
    return count


def _retry_delay(attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before the next attempt: the store's ``Retry-After`` (seconds or an HTTP date, at
    most a minute), else exponential back-off with jitter (1, 2, 4 … s, at most 30 s).

    >>> _retry_delay(3, "7"), _retry_delay(1, "Wed, 21 Oct 2015 07:28:00 GMT")
    (7.0, 0.0)
    >>> 3.0 <= _retry_delay(3, None) <= 5.0
    True
    """
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return min(float(value), 60.0)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return min(max(0.0, when.timestamp() - time.time()), 60.0)
    return min(30.0, 2.0 ** (attempt - 1)) * random.uniform(0.75, 1.25)


def push(
    kg: KnowledgeGraph,
    url: str,
    *,
    graphs: list[str] | None = None,
    authorization: str | None = None,
    timeout: float = DEFAULT_PUSH_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    bulk: bool = False,
    verify_with: str | None = None,
    progress: PushProgress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """PUT each graph of ``kg`` (all, or ``graphs``) to the Graph Store Protocol endpoint ``url``.

    ``verify_with`` is the store's SPARQL query endpoint: each graph's triples are then
    counted there and compared with what was sent.
    """
    if kg.remote:
        raise PushError("push reads from the embedded store; run it without --backend")
    check_url(url)
    progress = progress or PushProgress()
    client = HttpClient(timeout=timeout, authorization=authorization)
    report = PushReport(redacted(url))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="etomkg-push-") as scratch:
        files = []
        for index, graph in enumerate(graphs or select_graphs(kg)):
            path = os.path.join(scratch, f"{index}.nt")
            kg.store.dump(path, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
            upload = GraphUpload(graph, triples=_count_lines(path), bytes=os.path.getsize(path))
            report.uploads.append(upload)
            files.append(path)
        progress.start(report.bytes, report.uploads)
        try:
            for upload, path in zip(report.uploads, files, strict=True):
                _put(client, url, upload, path, bulk=bulk, retries=retries, progress=progress, sleep=sleep)
        finally:
            client.close()
    if verify_with:
        verify(verify_with, report, authorization=authorization, timeout=timeout)
    report.seconds = time.perf_counter() - started
    return report


def _put(
    client: HttpClient,
    url: str,
    upload: GraphUpload,
    path: str,
    *,
    bulk: bool,
    retries: int,
    progress: PushProgress,
    sleep: Callable[[float], None],
) -> None:
    what = f"PUT of graph <{upload.graph}>"
    params = {"graph": upload.graph}
    if bulk:
        params["no_transaction"] = ""
    progress.graph_started(upload)
    started = time.perf_counter()
    reported = 0  # bytes shown on the progress bar; a retry re-sends, but the bar never goes back

    while True:
        upload.attempts += 1
        sent = 0

        def on_read(nbytes: int) -> None:
            nonlocal sent, reported
            sent += nbytes
            if sent > reported:
                progress.advance(sent - reported)
                reported = sent

        body = _FileBody(path, upload.bytes, on_read)
        try:
            response = client.request(
                "PUT",
                url,
                what=what,
                params=params,
                data=body,
                headers={"Content-Type": FORMATS["ntriples"].media_type},
            )
            if response.status_code not in TRANSIENT_STATUSES:
                raise_for_status(response, what)
                upload.status = response.status_code
                break
            reason = f"{response.status_code} {response.reason}: {store_message(response, 200)}"
            retry_after = response.headers.get("Retry-After")
            failure = RemoteStoreError(f"{what}: {redacted(url)} answered {reason}", transient=True)
        except RemoteStoreError as exc:
            if not exc.transient:
                raise
            reason, retry_after, failure = str(exc), None, exc
        finally:
            body.close()
        if upload.attempts > retries:
            raise RemoteStoreError(
                f"{failure} (gave up after {upload.attempts} attempts; the graph on the store may be empty or "
                "stale — run the push again)"
            )
        delay = _retry_delay(upload.attempts, retry_after)
        progress.retrying(upload, delay, reason)
        sleep(delay)
    if reported < upload.bytes:
        progress.advance(upload.bytes - reported)
    upload.seconds = time.perf_counter() - started
    progress.graph_done(upload)


def verify(query_url: str, report: PushReport, *, authorization: str | None, timeout: float) -> None:
    """Count each pushed graph's triples on the store; raise if any differs from what was sent."""
    backend = SparqlBackend(query_url, timeout=timeout, authorization=authorization)
    try:
        wrong = []
        for upload in report.uploads:
            upload.stored = backend.count([upload.graph])
            if upload.stored != upload.triples:
                wrong.append(f"<{upload.graph}>: sent {upload.triples}, the store holds {upload.stored}")
    finally:
        backend.close()
    if wrong:
        raise RemoteStoreError("the push did not arrive whole: " + "; ".join(wrong))


__all__ = ["GraphUpload", "PushError", "PushProgress", "PushReport", "push", "select_graphs", "verify"]
