"""Where the quads live: the embedded pyoxigraph store, or a SPARQL 1.1 endpoint somebody else runs.

:class:`~etomkg.store.KnowledgeGraph` asks a back end for a few things only —
run a query, name the graphs, give one graph's quads, match a quad pattern,
count — so every command, export, page and validation works the same on both.

The remote back end speaks the SPARQL 1.1 Protocol and nothing more:

* the query is parsed here first (same errors, same line and column as the
  embedded store; updates never leave this process), and refused if it has a
  SERVICE clause, which would make the store fetch from elsewhere;
* the predeclared prefixes become ``PREFIX`` lines and ``etom:sortKey(x)``
  becomes the same computation in plain SPARQL (see :mod:`etomkg.storage.sparqltext`);
* ``release=`` becomes the protocol's ``default-graph-uri`` parameters, with
  every named graph passed as ``named-graph-uri`` so that ``GRAPH ?g`` sees
  what it sees on the embedded store;
* the default graph without ``release=`` is the union of all graphs on both:
  where the store's own default graph is not already that union (Oxigraph
  without ``--union-default-graph``, Fuseki without ``unionDefaultGraph``),
  the graphs are listed explicitly;
* results are parsed by pyoxigraph (Rust) into the very types the embedded
  store returns.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from urllib.parse import urlencode

import pyoxigraph as ox

from ..errors import EtomkgError
from ..formats import FORMATS, RESULT_FORMATS
from ..safety.sparql import ServiceRefusedError, check_query
from .httpclient import (
    HttpClient,
    RemoteStoreError,
    Response,
    authorization_from_env,
    check_url,
    raise_for_status,
    redacted,
)
from .sparqltext import SORT_KEY_IRI, for_remote

BACKEND_ENV = "ETOMKG_BACKEND"
BACKEND_AUTH_ENV = "ETOMKG_BACKEND_AUTH"
BACKEND_TIMEOUT_ENV = "ETOMKG_BACKEND_TIMEOUT"
DEFAULT_TIMEOUT = 60.0
GRAPH_LIST_TTL = 10.0  # seconds a remote store's list of graphs is trusted (a server sees new pushes after this)

_RESULTS_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.8, text/tab-separated-values;q=0.6"
)
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/n-quads;q=0.8, application/rdf+xml;q=0.5"
# JSON-LD is never asked for: reading it could mean fetching a remote context.
_GRAPH_FORMATS = {
    FORMATS[name].media_type: FORMATS[name].oxigraph for name in ("ntriples", "turtle", "nquads", "rdfxml")
}
_RESULT_FORMATS = {f.media_type: f.oxigraph for f in RESULT_FORMATS.values() if f.name != "csv"}  # CSV loses types
_RESULT_ENDINGS = {ox.QueryResultsFormat.JSON: b"}", ox.QueryResultsFormat.XML: b">"}


class Backend(ABC):
    """What a knowledge graph needs from the place its quads live."""

    remote: bool = False

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the quads are, for people: ``embedded store`` or the endpoint URL."""

    @abstractmethod
    def query(self, sparql: str, *, prefixes: dict[str, str] | None = None, **options):
        """Run a SPARQL query; returns pyoxigraph's ``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples``.

        Every back end first passes the text through :func:`etomkg.safety.sparql.check_query`
        (size, nesting, no SERVICE unless ``allow_service=True``, no LOAD), before any parsing.
        Other ``options`` are those of ``pyoxigraph.Store.query`` (``default_graph``, ``named_graphs``,
        ``use_default_graph_as_union``, ``base_iri``, ``custom_functions``).
        """

    @abstractmethod
    def graph_names(self) -> list[str]:
        """IRIs of the named graphs, in no particular order."""

    @abstractmethod
    def graph_nquads(self, graph: str) -> bytes:
        """The quads of one named graph as N-Quads, in no particular order."""

    @abstractmethod
    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterable[ox.Quad]:
        """The quads matching a pattern (``None`` matches anything), as ``pyoxigraph.Store.quads_for_pattern``."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of quads in the named graphs."""

    def close(self) -> None:  # noqa: B027 - most back ends hold nothing to release
        """Release connections or files."""


class EmbeddedBackend(Backend):
    """A pyoxigraph store in this process (in memory or a folder)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @property
    def location(self) -> str:
        return "embedded store"

    def query(self, sparql: str, *, prefixes: dict[str, str] | None = None, allow_service: bool = False, **options):
        check_query(sparql, allow_service=allow_service)
        return self.store.query(sparql, prefixes=prefixes, **options)

    def graph_names(self) -> list[str]:
        return [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]

    def graph_nquads(self, graph: str) -> bytes:
        return ox.serialize(
            self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)), format=ox.RdfFormat.N_QUADS
        )

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterable[ox.Quad]:
        return self.store.quads_for_pattern(subject, predicate, object, graph_name)

    def __len__(self) -> int:
        return len(self.store)


def _iris(graphs) -> list[str]:
    if isinstance(graphs, (ox.NamedNode, str)):
        graphs = [graphs]
    names = []
    for graph in graphs:
        if isinstance(graph, ox.NamedNode):
            names.append(graph.value)
        elif isinstance(graph, str):
            names.append(graph)
        else:
            raise EtomkgError(f"a remote store can only be asked for named graphs, not {graph!r}")
    return names


def _sort_key_placeholder(term):  # never called: lets the local parser accept etom:sortKey
    return term


_PARSER = ox.Store()  # always empty: queries are parsed here before they travel
_PARSER_FUNCTIONS = {ox.NamedNode(SORT_KEY_IRI): _sort_key_placeholder}


@functools.lru_cache(maxsize=1024)
def _form_body(fields: tuple[tuple[str, str], ...]) -> bytes:
    """The protocol request's body (percent-encoding a query in Python costs as much as a lookup)."""
    return urlencode(fields).encode("ascii")


@functools.lru_cache(maxsize=1024)
def _translate(sparql: str, prefixes: tuple[tuple[str, str], ...], base_iri: str | None) -> tuple[type, str]:
    """(result type, the text a standard store must see) for a query, or the error the embedded store gives.

    Cached: pages and programs send the same queries again and again, and parsing costs more
    than a small store takes to answer a lookup.
    """
    check_query(sparql)  # before the local parser, which would evaluate a SERVICE clause (a fetch)
    form = type(_PARSER.query(sparql, prefixes=dict(prefixes), base_iri=base_iri, custom_functions=_PARSER_FUNCTIONS))
    return form, for_remote(sparql, dict(prefixes), base_iri)


class SparqlBackend(Backend):
    """A SPARQL 1.1 query endpoint (``http://host:7878/query``, ``…/ds/query``, ``…/repositories/R``)."""

    remote = True

    def __init__(
        self,
        url: str,
        *,
        timeout: float | None = None,
        authorization: str | None = None,
        graph_list_ttl: float = GRAPH_LIST_TTL,
        max_result_bytes: int | None = None,
    ) -> None:
        self.url = check_url(url)
        if timeout is None:
            timeout = float(os.environ.get(BACKEND_TIMEOUT_ENV) or DEFAULT_TIMEOUT)
        if authorization is None:
            authorization = authorization_from_env(BACKEND_AUTH_ENV, required=False)
        self.client = HttpClient(timeout=timeout, authorization=authorization)
        self.graph_list_ttl = graph_list_ttl
        self.max_result_bytes = max_result_bytes  # cap on the answer to a query (a server sets it; whole graphs: none)
        self._lock = threading.Lock()
        self._graphs: list[str] | None = None
        self._graphs_at = 0.0
        self.union_mode: str | None = None  # how to ask for the union of all graphs; see union_fields()
        self._server = ""  # the store's Server header, once it has answered

    @property
    def location(self) -> str:
        return redacted(self.url)

    @property
    def timeout(self) -> float:
        return self.client.timeout

    # --- queries ---

    def prepare(
        self,
        sparql: str,
        *,
        prefixes: dict[str, str] | None = None,
        default_graph=None,
        named_graphs=None,
        use_default_graph_as_union: bool = False,
        base_iri: str | None = None,
        custom_functions: dict | None = None,
        substitutions: dict | None = None,
        allow_service: bool = False,  # noqa: ARG002 - never for a remote store: it would fetch from elsewhere
    ) -> tuple[type, list[tuple[str, str]]]:
        """Check the query here and build the protocol request: (result type, form fields)."""
        if substitutions:
            raise EtomkgError("substitutions cannot be sent to a remote SPARQL store; put the values in the query")
        unknown = [f.value for f in (custom_functions or {}) if f.value != SORT_KEY_IRI]
        if unknown:
            raise EtomkgError(f"custom functions {', '.join(unknown)} cannot run on a remote SPARQL store")
        # SyntaxError here, exactly as the embedded store raises it; updates never leave this process.
        form, text = _translate(sparql, tuple((prefixes or {}).items()), base_iri)
        fields = [("query", text)]
        if default_graph is not None:
            fields += [("default-graph-uri", g) for g in _iris(default_graph)]
            named = _iris(named_graphs) if named_graphs is not None else self.graph_names()
            fields += [("named-graph-uri", g) for g in named]
        elif named_graphs is not None:
            fields += [("named-graph-uri", g) for g in _iris(named_graphs)]
        elif use_default_graph_as_union:
            fields += self.union_fields()
        return form, fields

    def union_fields(self) -> list[tuple[str, str]]:
        """Protocol fields that make the default graph the union of all graphs.

        ``store``: the store's default graph already is that union (GraphDB, Oxigraph with
        ``--union-default-graph``, Fuseki with ``unionDefaultGraph``): nothing to add.
        ``oxigraph``: Oxigraph's own ``union-default-graph`` parameter, several times faster
        there than a list of graphs. ``explicit``: every named graph as a ``default-graph-uri``.
        """
        if self.union_mode is None:
            if self.default_graph_is_union():
                self.union_mode = "store"
            else:
                self.union_mode = "oxigraph" if self._server.lower().startswith("oxigraph") else "explicit"
        if self.union_mode == "oxigraph":
            return [("union-default-graph", "")]
        if self.union_mode == "explicit":
            names = self.graph_names()
            return [("default-graph-uri", g) for g in names] + [("named-graph-uri", g) for g in names]
        return []

    def query(self, sparql: str, *, prefixes: dict[str, str] | None = None, **options):
        form, fields = self.prepare(sparql, prefixes=prefixes, **options)
        graph_form = form is ox.QueryTriples
        accept = _GRAPH_ACCEPT if graph_form else _RESULTS_ACCEPT
        response = self._post(fields, accept, "the query", max_bytes=self.max_result_bytes)
        if graph_form:
            scratch = ox.Store()
            self._load(scratch, response, "the query")
            return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        return self._solutions(response)

    def _post(self, fields: list[tuple[str, str]], accept: str, what: str, max_bytes: int | None = None) -> Response:
        headers = {"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        body = _form_body(tuple(fields))
        response = self.client.request("POST", self.url, what=what, data=body, headers=headers, max_bytes=max_bytes)
        raise_for_status(response, what)
        self._server = response.headers.get("Server", "")
        return response

    def _solutions(self, response):
        media = response.media_type
        fmt = _RESULT_FORMATS.get(media)
        if fmt is None:
            raise RemoteStoreError(
                f"the query: {self.location} answered with {media or 'no content type'}, not SPARQL results "
                "(is the URL the store's SPARQL query endpoint?)"
            )
        body = response.content
        ending = _RESULT_ENDINGS.get(fmt)
        if ending is not None and not body.rstrip().endswith(ending):
            raise RemoteStoreError(
                f"the query: {self.location} broke off its results (the store may have hit its own time "
                f"limit): …{body[-200:].decode('utf-8', 'replace')}"
            )
        try:
            return ox.parse_query_results(body, format=fmt)
        except SyntaxError as exc:
            raise RemoteStoreError(f"the query: {self.location} sent results that do not parse: {exc}") from None

    def _load(self, store: ox.Store, response, what: str, graph: str | None = None) -> None:
        media = response.media_type
        fmt = _GRAPH_FORMATS.get(media)
        if fmt is None:
            raise RemoteStoreError(f"{what}: {self.location} answered with {media or 'no content type'}, not RDF")
        try:
            store.load(response.content, format=fmt, to_graph=ox.NamedNode(graph) if graph else None)
        except SyntaxError as exc:
            raise RemoteStoreError(
                f"{what}: {self.location} sent RDF that does not parse (the store may have hit its own time "
                f"limit): {exc}"
            ) from None

    def default_graph_is_union(self) -> bool:
        """Whether the store's own default graph shows what its named graphs hold (probed with one triple)."""
        sample = self._select(
            "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isIRI(?s) && !isBLANK(?o)) } } LIMIT 1"
        )
        if not sample:
            return True  # no named graphs: nothing to add to the default graph
        s, p, o = (sample[0][v] for v in ("s", "p", "o"))
        return bool(self.query(f"ASK {{ {s} {p} {o} }}"))

    def _select(self, sparql: str) -> list[dict[str, str]]:
        """Rows of N-Triples-encoded terms (``str(term)``) for the back end's own housekeeping queries."""
        solutions = self.query(sparql)
        names = [v.value for v in solutions.variables]
        return [{n: str(row[n]) for n in names if row[n] is not None} for row in solutions]

    # --- graphs ---

    def graph_names(self) -> list[str]:
        with self._lock:
            if self._graphs is None or time.monotonic() - self._graphs_at > self.graph_list_ttl:
                solutions = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
                self._graphs = sorted(row["g"].value for row in solutions if isinstance(row["g"], ox.NamedNode))
                self._graphs_at = time.monotonic()
            return list(self._graphs)

    def forget_graphs(self) -> None:
        """Drop the cached list of graphs (after a push, for instance)."""
        with self._lock:
            self._graphs = None

    def graph_nquads(self, graph: str) -> bytes:
        what = f"reading graph <{graph}>"
        fields = [("query", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")]
        response = self._post(fields, _GRAPH_ACCEPT, what)
        scratch = ox.Store()
        self._load(scratch, response, what, graph)
        return scratch.dump(format=ox.RdfFormat.N_QUADS)

    def quads_for_pattern(self, subject=None, predicate=None, object=None, graph_name=None) -> Iterator[ox.Quad]:
        """Quads of the named graphs matching the pattern, by one SELECT (the store's default graph,
        where etomkg keeps nothing, is not searched; blank nodes cannot be named across a protocol).
        An iterator, as pyoxigraph's."""
        return iter(self._quads(subject, predicate, object, graph_name))

    def _quads(self, subject, predicate, object, graph_name) -> list[ox.Quad]:
        if isinstance(graph_name, ox.DefaultGraph) or any(
            isinstance(t, ox.BlankNode) for t in (subject, predicate, object, graph_name)
        ):
            return []
        if subject is None and predicate is None and object is None and graph_name is not None:
            return list(ox.parse(self.graph_nquads(graph_name.value), format=ox.RdfFormat.N_QUADS))  # a whole graph
        slots = {"s": subject, "p": predicate, "o": object, "g": graph_name}
        text = {k: str(v) if v is not None else f"?{k}" for k, v in slots.items()}
        free = [k for k, v in slots.items() if v is None]
        projection = " ".join(f"?{k}" for k in free) if free else "*"
        solutions = self.query(
            f"SELECT {projection} WHERE {{ GRAPH {text['g']} {{ {text['s']} {text['p']} {text['o']} }} }}"
            if free
            else f"ASK {{ GRAPH {text['g']} {{ {text['s']} {text['p']} {text['o']} }} }}"
        )
        if not free:
            return [ox.Quad(subject, predicate, object, graph_name)] if bool(solutions) else []
        return [ox.Quad(*(row[k] if slots[k] is None else slots[k] for k in ("s", "p", "o", "g"))) for row in solutions]

    def count(self, graphs: Iterable[str] | None = None) -> int:
        where = (
            "GRAPH ?g { ?s ?p ?o }"
            if graphs is None
            else "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " } GRAPH ?g { ?s ?p ?o }"
        )
        rows = list(self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"))
        if len(rows) != 1 or rows[0]["n"] is None or not rows[0]["n"].value.isdigit():
            raise RemoteStoreError(f"counting triples: {self.location} did not answer with one count")
        return int(rows[0]["n"].value)

    def __len__(self) -> int:
        return self.count()

    def close(self) -> None:
        self.client.close()


__all__ = [
    "BACKEND_AUTH_ENV",
    "BACKEND_ENV",
    "BACKEND_TIMEOUT_ENV",
    "Backend",
    "EmbeddedBackend",
    "ServiceRefusedError",
    "SparqlBackend",
]
