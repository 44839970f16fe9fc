"""The SPARQL 1.1 Protocol (queries), the read side of the Graph Store Protocol, and the admin update path.

* ``GET|POST /sparql``: ``query`` by GET, by form POST, or as an
  ``application/sparql-query`` body (UTF-8 only); ``default-graph-uri``
  and ``named-graph-uri``; results negotiated by Accept (q-values, wildcards)
  or forced with ``format=``/``output=``. Without a query: the service description.
* Updates are refused (403) unless an administrator set ``ETOMKG_UPDATE_TOKEN``;
  then ``POST /update`` with ``Authorization: Bearer <token>`` runs them.
* ``GET /store?graph=IRI`` / ``GET /store?default``: a whole graph (see :mod:`.downloads`).

``/sparql`` is the hot path, so it is a plain WSGI application mounted in
front of Flask (:class:`SparqlEndpoint`): Flask's per-request machinery costs
more than a lookup query itself (measured ~250 µs against ~150 µs). The
protocol code below works on the WSGI environ and is shared with the Flask
views of this module's blueprint.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request

from etomkg.errors import query_syntax_error
from etomkg.formats import (
    FORMATS,
    GRAPH_MEDIA_TYPES,
    RESULT_FORMATS,
    RESULT_MEDIA_TYPES,
    UnknownFormatError,
    negotiate,
    rdf_format_for,
    result_format_for,
)
from etomkg.iris import PREFIXES
from etomkg.safety.iri import host_header
from etomkg.safety.sparql import QueryLimitError, ServiceRefusedError, check_query, scan
from etomkg.storage.httpclient import RemoteStoreError
from etomkg.store import CUSTOM_FUNCTIONS, SORT_KEY_FUNCTION

from .executor import QueryTimeout, ResultStream, ResultTooLarge, Watchdog, query_hash
from .graph import ServedGraph

bp = Blueprint("sparql", __name__)

#: Offers in the server's order of preference: the first is what ``*/*`` and no Accept get.
RESULT_OFFERS = tuple(RESULT_MEDIA_TYPES)
GRAPH_OFFERS = tuple(GRAPH_MEDIA_TYPES)
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
TEXT = "text/plain; charset=utf-8"
SD = "http://www.w3.org/ns/sparql-service-description#"
CORS = [("Access-Control-Allow-Origin", "*")]
PREFLIGHT = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, Accept"),
    ("Access-Control-Max-Age", "86400"),
]


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


@dataclass(frozen=True)
class Settings:
    """What the endpoint needs from the app, captured once (no Flask lookups per request)."""

    graph: ServedGraph
    watchdog: Watchdog
    max_rows: int
    max_bytes: int
    max_body: int
    update_token: str | None


def settings_of(app: Flask) -> Settings:
    config = app.config
    return Settings(
        app.extensions["etomkg"],
        app.extensions["etomkg.watchdog"],
        int(config["MAX_ROWS"]),
        int(config["MAX_RESULT_BYTES"]),
        int(config["MAX_BODY_BYTES"]),
        config.get("UPDATE_TOKEN") or None,
    )


# --- reading a request from the WSGI environ --------------------------------------------------------------------


def _content_type(environ) -> tuple[str, dict[str, str]]:
    mimetype, *params = (part.strip() for part in environ.get("CONTENT_TYPE", "").split(";"))
    parsed = {}
    for param in params:
        name, _, value = param.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return mimetype.lower(), parsed


def _charset(params: dict[str, str]) -> str:
    """Only UTF-8 is valid (SPARQL 1.1 Protocol): any other declared charset is refused, not guessed."""
    charset = params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not supported; send the request as UTF-8")
    return "utf-8"


def _read_body(environ, limit: int) -> bytes:
    length = environ.get("CONTENT_LENGTH")
    if length and int(length) > limit:
        raise ProtocolError(413, f"the request body has {int(length)} bytes; the limit is {limit}")
    stream = environ["wsgi.input"]
    data = stream.read(int(length)) if length else stream.read(limit + 1)
    if len(data) > limit:
        raise ProtocolError(413, f"the request body is larger than the limit of {limit} bytes")
    return data


def _decode(data: bytes, charset: str, where: str = "the body") -> str:
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{where} is not valid UTF-8: {exc.reason} at byte {exc.start}") from None


def _wsgi_bytes(text: str) -> bytes:
    """The raw bytes of a WSGI environ string (PEP 3333: bytes decoded as latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded it otherwise
        return text.encode("utf-8", "surrogateescape")


def _parse_form(data: bytes, where: str) -> dict[str, list[str]]:
    """Percent-decoded fields, which must be UTF-8 (raw and percent-encoded bytes alike); else 400."""
    if len(data) <= _CACHED_FORM_BYTES:  # clients repeat their queries: percent-decoding one costs ~10 µs
        fields = _parsed_form(data, where)
        return {name: list(values) for name, values in fields.items()}  # the caller's own lists
    return _parse_form_uncached(data, where)


#: Forms up to this size are parsed once per distinct text (a bounded cache: 512 × 8 KiB at most).
_CACHED_FORM_BYTES = 8 * 1024


@lru_cache(maxsize=512)
def _parsed_form(data: bytes, where: str) -> dict[str, list[str]]:
    return _parse_form_uncached(data, where)  # a ProtocolError is not cached: it is raised again


def _parse_form_uncached(data: bytes, where: str) -> dict[str, list[str]]:
    text = _decode(data, "utf-8", where)
    try:
        return parse_qs(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{where} is not valid UTF-8 once percent-decoded: {exc.reason}") from None


def protocol_params(environ, max_body: int) -> dict[str, list[str]]:
    """Every protocol parameter of the request (URL and body), validated as the protocol says."""
    query_string = environ.get("QUERY_STRING", "")
    params = _parse_form(_wsgi_bytes(query_string), "the URL's query string") if query_string else {}
    if environ["REQUEST_METHOD"] == "POST":
        mimetype, ct_params = _content_type(environ)
        charset = _charset(ct_params)
        if mimetype not in (FORM, QUERY_BODY, UPDATE_BODY):
            raise ProtocolError(
                415,
                f"unsupported content type {mimetype or '(none)'!r}; POST a query as {QUERY_BODY} "
                f"or as the 'query' field of {FORM}",
            )
        data = _read_body(environ, max_body)
        if mimetype == FORM:
            for key, values in _parse_form(data, "the form body").items():
                params.setdefault(key, []).extend(values)
        else:
            params.setdefault("query" if mimetype == QUERY_BODY else "update", []).append(_decode(data, charset))
    return params


# --- choosing a format ------------------------------------------------------------------------------------------


def choose(accept: str | None, params: dict[str, list[str]], offers: tuple[str, ...], kind: str) -> str:
    """The media type to answer with: ``format=``/``output=`` when it names one we know, else the Accept header."""
    forced = params.get("format") or params.get("output")
    if forced:
        accept = _media_type_of(forced[0].strip(), kind) or accept
    chosen = negotiate(accept, offers)
    if chosen is None:
        raise ProtocolError(
            406, f"cannot produce {accept!r} for a {kind} result; acceptable: {', '.join(dict.fromkeys(offers))}"
        )
    return chosen


def _media_type_of(name: str, kind: str) -> str | None:
    """The media type a ``format=``/``output=`` name stands for (SPARQLWrapper sends ``n3``, ``rdf+xml`` …)."""
    name = name.lower()
    if "/" in name:
        return name
    try:
        return (rdf_format_for(name) if kind == "graph" else result_format_for(name)).media_type
    except UnknownFormatError:
        return None


# --- the dataset and the query ----------------------------------------------------------------------------------


def _graph_nodes(iris: list[str], graph: ServedGraph, what: str) -> list[ox.NamedNode]:
    unknown = [iri for iri in iris if iri not in graph.graph_names]
    if unknown:
        raise ProtocolError(
            400,
            f"{what} <{unknown[0]}> is not a graph of this store, and this endpoint never fetches remote data; "
            f"the graphs are: {', '.join(sorted(graph.graph_names))}",
        )
    return [ox.NamedNode(iri) for iri in iris]


def dataset_options(text: str, params: dict[str, list[str]], graph: ServedGraph) -> dict:
    """pyoxigraph options for the query's dataset: the protocol's parameters, else FROM, else the union."""
    try:
        check_query(text)  # size, nesting, SERVICE/LOAD: before any parser sees the text
    except (QueryLimitError, ServiceRefusedError) as exc:
        raise ProtocolError(400, str(exc)) from None
    named_in_query, base = _query_options(text)
    options = dict(base)
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    if default_graphs or named_graphs:
        if default_graphs:
            options["default_graph"] = _graph_nodes(default_graphs, graph, "default-graph-uri")
        if named_graphs:
            options["named_graphs"] = _graph_nodes(named_graphs, graph, "named-graph-uri")
    elif named_in_query:
        _graph_nodes(list(named_in_query), graph, "FROM")  # pyoxigraph applies the query's own dataset
    else:
        options["use_default_graph_as_union"] = True
    return options


@lru_cache(maxsize=2048)
def _query_options(text: str) -> tuple[tuple[str, ...], dict]:
    """What depends on the query text alone, once per distinct text: the graphs its FROM clauses name, and
    the predeclared prefixes and custom functions it can use (pyoxigraph converts every prefix it is given
    on every query; a query that never writes ``skos:`` does not need it)."""
    escaped = "\\u" in text or "\\U" in text  # names may be spelt with code-point escapes: give everything
    prefixes = {name: iri for name, iri in PREFIXES.items() if escaped or name + ":" in text}
    options: dict = {"prefixes": prefixes}
    if escaped or _SORT_KEY_NAME in text:  # as the library: etom:sortKey (by prefixed name or full IRI)
        options["custom_functions"] = CUSTOM_FUNCTIONS
    return tuple(scan(text).graphs), options


_SORT_KEY_NAME = SORT_KEY_FUNCTION.rpartition("#")[2]


def run_query(environ, settings: Settings, text: str, params: dict[str, list[str]]) -> tuple[Iterable[bytes], str]:
    """Evaluate and serialise under the limits (in a query thread, see :mod:`.executor`); returns the body and
    its media type. The body is one part, or the parts of a streamed result."""
    digest = query_hash(text)
    environ["etomkg.query_hash"] = digest
    options = dataset_options(text, params, settings.graph)
    accept = environ.get("HTTP_ACCEPT")

    def evaluate(stream: ResultStream) -> None:
        try:
            result = settings.graph.kg.backend.query(text, **options)  # the embedded store, or a remote one
        except SyntaxError as exc:
            raise ProtocolError(400, str(query_syntax_error(exc))) from None
        except RemoteStoreError as exc:  # what the remote store said, with its URL: 400, 422, 502 or 504
            raise ProtocolError(exc.http_status, str(exc)) from None
        except OSError as exc:  # pyoxigraph's evaluation errors (never a remote call: the guard refused those)
            raise ProtocolError(400, f"the query failed: {exc}") from None
        if isinstance(result, ox.QueryTriples):
            stream.media_type = choose(accept, params, GRAPH_OFFERS, "graph")
            fmt = FORMATS[GRAPH_MEDIA_TYPES[stream.media_type]].oxigraph
        else:
            stream.media_type = choose(accept, params, RESULT_OFFERS, "SELECT/ASK")
            name = RESULT_MEDIA_TYPES[stream.media_type]
            fmt = RESULT_FORMATS[name].oxigraph
            stream.count_rows(settings.max_rows, name)
        try:
            result.serialize(stream, format=fmt)
        except ResultTooLarge as exc:
            raise ProtocolError(
                422, f"{exc}; add a LIMIT, narrow the query, or download whole graphs from /downloads/"
            ) from None
        except OSError as exc:
            raise ProtocolError(400, f"the query failed: {exc}") from None

    watchdog = settings.watchdog
    try:
        stream = watchdog.run(evaluate, settings.max_bytes, digest)
    except QueryTimeout as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": "5"}) from None
    media_type = stream.media_type + ("; charset=utf-8" if stream.media_type.startswith("text/") else "")
    if stream.streaming:
        return stream.body(watchdog.timeout, lambda: watchdog.overran(digest)), media_type
    return [stream.getvalue()], media_type


def _refuse_update(settings: Settings) -> ProtocolError:
    if settings.update_token:
        hint = "send updates to POST /update with the administrator's bearer token"
    else:
        hint = "updates are disabled: the data comes from the bundled eTOM sources (rebuild it with `etomkg build`)"
    return ProtocolError(403, f"this SPARQL endpoint is read-only; {hint}", {"Allow": "GET, POST"})


# --- the service description ------------------------------------------------------------------------------------


def service_description(environ, settings: Settings, params: dict[str, list[str]]) -> tuple[int, list, bytes]:
    """The SPARQL 1.1 Service Description, in a negotiated RDF format; browsers are sent to the query page."""
    accept = environ.get("HTTP_ACCEPT")
    if accept and "text/html" in accept and negotiate(accept, ("text/html", *GRAPH_OFFERS)) == "text/html":
        return 303, [("Location", "/")], b""
    media_type = choose(accept, params, GRAPH_OFFERS, "graph")
    info = FORMATS[GRAPH_MEDIA_TYPES[media_type]]
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    if host_header(host) is None:  # the endpoint's IRI is built from it
        raise ProtocolError(400, f"the Host header {host[:100]!r} is not a host name with an optional port")
    endpoint = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}/sparql"
    triples = ox.parse(_service_description_turtle(endpoint, settings.graph).encode(), format=ox.RdfFormat.TURTLE)
    prefixes = {"sd": SD, "void": PREFIXES["void"]} if info.name in ("turtle", "trig", "rdfxml") else None
    data = ox.serialize(triples, format=info.oxigraph, prefixes=prefixes)
    return 200, [("Content-Type", media_type), ("Vary", "Accept")], data


def _service_description_turtle(endpoint: str, graph: ServedGraph) -> str:
    results = ", ".join(
        f"<http://www.w3.org/ns/formats/{n}>"
        for n in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV")
    )
    rdf = ", ".join(
        f"<http://www.w3.org/ns/formats/{n}>" for n in ("Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads")
    )
    named = "\n".join(
        f"    sd:namedGraph [ a sd:NamedGraph ; sd:name <{iri}> ; sd:graph [ a sd:Graph ] ] ;"
        for iri in sorted(graph.graph_names)
    )
    return f"""@prefix sd: <{SD}> .
@prefix void: <http://rdfs.org/ns/void#> .
<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat {results}, {rdf} ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {graph.triples} ] ;
{named}
  ] .
"""


# --- the endpoint: a WSGI application mounted at /sparql --------------------------------------------------------


class SparqlEndpoint:
    """``/sparql`` as a lean WSGI application (see the module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, environ, start_response):
        try:
            status, headers, body = self.respond(environ)
        except ProtocolError as exc:
            status, headers, body = exc.status, [("Content-Type", TEXT), *exc.headers.items()], _error_body(exc)
        if status == 204:
            headers = list(headers)  # the preflight carries its own CORS headers
        elif isinstance(body, bytes):
            headers = [*headers, *CORS, ("Content-Length", str(len(body)))]
            body = [body]
        elif isinstance(body, list):  # the whole result in one part
            headers = [*headers, *CORS, ("Content-Length", str(len(body[0])))]
        else:
            headers = [*headers, *CORS]  # a streamed result: chunked
        start_response(_STATUS.get(status) or f"{status} Error", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            if hasattr(body, "close"):
                body.close()
            return []
        return [] if status == 204 else body

    def respond(self, environ) -> tuple[int, list, bytes | Iterable[bytes]]:
        self.settings.graph.follow()
        method = environ["REQUEST_METHOD"]
        if method == "OPTIONS":
            return 204, PREFLIGHT, b""
        if method not in ("GET", "HEAD", "POST"):
            raise ProtocolError(405, f"{method} is not allowed here; use GET or POST", {"Allow": "GET, POST, OPTIONS"})
        params = protocol_params(environ, self.settings.max_body)
        if "update" in params:
            raise _refuse_update(self.settings)
        queries = params.get("query", [])
        if not queries:
            if method != "POST":
                return service_description(environ, self.settings, params)
            raise ProtocolError(400, "no 'query' parameter; send one SPARQL query")
        if len(queries) > 1:
            raise ProtocolError(400, f"{len(queries)} 'query' parameters; send exactly one")
        if not queries[0].strip():
            raise ProtocolError(400, "the 'query' parameter is empty; send a SPARQL query")
        body, content_type = run_query(environ, self.settings, queries[0], params)
        return 200, [("Content-Type", content_type), ("Vary", "Accept")], body


def _error_body(exc: ProtocolError) -> bytes:
    return f"etomkg: {exc.message}\n".encode()


_STATUS = {
    200: "200 OK",
    204: "204 No Content",
    303: "303 See Other",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    406: "406 Not Acceptable",
    413: "413 Content Too Large",
    415: "415 Unsupported Media Type",
    422: "422 Unprocessable Content",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}


class Mount:
    """Route one exact path to a plain WSGI application, everything else to Flask."""

    def __init__(self, flask_wsgi, path: str, endpoint) -> None:
        self.flask_wsgi, self.path, self.endpoint = flask_wsgi, path, endpoint

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == self.path:
            return self.endpoint(environ, start_response)
        return self.flask_wsgi(environ, start_response)


def init_app(app: Flask) -> None:
    app.wsgi_app = Mount(app.wsgi_app, "/sparql", SparqlEndpoint(settings_of(app)))


# --- Flask views: the admin update path, and errors for the other blueprints ------------------------------------


@bp.app_errorhandler(ProtocolError)
def protocol_error(exc: ProtocolError) -> Response:
    return Response(
        _error_body(exc), exc.status, {**exc.headers, "Access-Control-Allow-Origin": "*"}, content_type=TEXT
    )


@bp.app_errorhandler(RemoteStoreError)
def remote_error(exc: RemoteStoreError) -> Response:
    """A page or download that needed the remote store, which failed: 502 or 504 with its own words."""
    return protocol_error(ProtocolError(exc.http_status, str(exc)))


@bp.route("/update", methods=["POST"])
def update() -> Response:
    settings = settings_of(current_app)
    if settings.graph.kg.remote:
        raise ProtocolError(403, "this server reads a remote SPARQL store; send updates to that store itself")
    if not settings.update_token:
        raise ProtocolError(
            403, "updates are disabled on this server (an administrator enables them with ETOMKG_UPDATE_TOKEN)"
        )
    given = request.headers.get("Authorization", "")
    if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), settings.update_token.encode())):
        raise ProtocolError(401, "updates need 'Authorization: Bearer <token>'", {"WWW-Authenticate": "Bearer"})
    params = protocol_params(request.environ, settings.max_body)
    updates = params.get("update", [])
    if len(updates) != 1 or not updates[0].strip():
        raise ProtocolError(400, "send exactly one non-empty 'update' (form field or application/sparql-update body)")
    try:
        check_query(updates[0])
    except (QueryLimitError, ServiceRefusedError) as exc:
        raise ProtocolError(400, str(exc)) from None
    environ = request.environ
    digest = query_hash(updates[0])
    environ["etomkg.query_hash"] = digest

    def run_update(stream: ResultStream) -> None:
        try:
            settings.graph.kg.update(updates[0])
        except SyntaxError as exc:
            raise ProtocolError(400, str(query_syntax_error(exc))) from None
        except OSError as exc:
            raise ProtocolError(400, f"the update failed: {exc}") from None

    # The same limits as queries: an overrunning update is answered 503 and its worker replaced.
    try:
        settings.watchdog.run(run_update, settings.max_bytes, digest)
    except QueryTimeout as exc:
        raise ProtocolError(503, str(exc), {"Retry-After": "5"}) from None
    settings.graph.refresh()
    return Response(status=204)
