"""HTTP for talking to other people's SPARQL stores: timeouts always, redirects only on the same origin,
credentials from the environment only, and errors that say which URL answered what.

Built on the standard library's ``http.client`` with one kept-alive connection per thread and
origin: a query through the remote back end must cost little more than the store's own answer
time, and a general-purpose client spends more per request (environment look-ups, hooks,
adapters) than a small store takes to answer a lookup. Proxies from ``http_proxy``/``https_proxy``
(minus ``no_proxy``) and the system's CA certificates (``SSL_CERT_FILE``) are honoured.

>>> authorization_from("alice:s3cret")
'Basic YWxpY2U6czNjcmV0'
>>> authorization_from("Bearer abc.def"), authorization_from("abc.def"), authorization_from("GDB eyJ0")
('Bearer abc.def', 'Bearer abc.def', 'GDB eyJ0')
>>> check_url("http://user:pw@store:7878/query")
Traceback (most recent call last):
...
etomkg.storage.httpclient.RemoteStoreError: the URL http://store:7878/query carries credentials; put them in an environment variable instead (see --auth-env / ETOMKG_BACKEND_AUTH), never in a URL or on a command line
"""

from __future__ import annotations

import base64
import html
import http.client
import os
import re
import socket
import ssl
import threading
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import unquote, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import EXIT_INPUT, EXIT_REMOTE, EtomkgError

DEFAULT_CONNECT_TIMEOUT = 10.0
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_MAX_REDIRECTS = 3
_USER_AGENT = "etomkg/{version} (+https://w3id.org/etomkg)"
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class RemoteStoreError(EtomkgError):
    """The remote store could not be reached, failed, or answered something we cannot use."""

    exit_code = EXIT_REMOTE
    http_status = 502  # what a server relaying the error should answer: Bad Gateway

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient  # worth trying again after a pause (connection reset, 503, time-out)
        self.status = status  # the store's HTTP status, when it answered


class RemoteTimeoutError(RemoteStoreError):
    """No (complete) answer within the time limit, ours or the store's."""

    http_status = 504


class RemoteTooLargeError(RemoteStoreError):
    """The store's answer is larger than the limit the caller set."""

    http_status = 422


class RemoteQueryError(RemoteStoreError):
    """The store refused the query itself (400): the input is at fault, not the store."""

    exit_code = EXIT_INPUT
    http_status = 400


def check_url(url: str) -> str:
    """Accept http(s) URLs without credentials in them; return the URL unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteStoreError(f"{url!r} is not an http:// or https:// URL of a SPARQL endpoint")
    if parts.username or parts.password:
        raise RemoteStoreError(
            f"the URL {redacted(url)} carries credentials; put them in an environment variable instead "
            "(see --auth-env / ETOMKG_BACKEND_AUTH), never in a URL or on a command line"
        )
    return url


def redacted(url: str) -> str:
    """The URL without any user information, for messages."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def authorization_from(value: str) -> str:
    """The ``Authorization`` header for a credential: ``user:password`` (Basic), a bare token (Bearer),
    or a whole header value with its scheme (``Bearer …``, ``Basic …``, GraphDB's ``GDB …``) as given."""
    value = value.strip()
    if " " in value:
        return value
    if ":" in value:
        return "Basic " + base64.b64encode(value.encode("utf-8")).decode("ascii")
    return f"Bearer {value}"


def authorization_from_env(variable: str, *, required: bool) -> str | None:
    """Read a credential from an environment variable (see :func:`authorization_from`)."""
    value = os.environ.get(variable, "")
    if not value.strip():
        if required:
            raise EtomkgError(
                f"the environment variable {variable} is empty or not set; put the store's credential in it "
                "(user:password for Basic, or a token for Bearer)"
            )
        return None
    return authorization_from(value)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


@dataclass
class Response:
    """A complete answer: status, headers and the whole body."""

    url: str
    status_code: int
    reason: str
    headers: Message
    content: bytes

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        return self.content.decode(charset, errors="replace")

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def store_message(response: Response, limit: int = 600) -> str:
    """What the store said, as one readable line (HTML tags dropped, cut at ``limit`` characters)."""
    text = response.text
    if "html" in response.media_type:
        text = html.unescape(re.sub(r"(?s)<(script|style).*?</\1>|<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


class HttpClient:
    """Keeps one connection per thread and origin; see the module documentation."""

    def __init__(
        self,
        *,
        timeout: float,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        authorization: str | None = None,
    ) -> None:
        from ..version import __version__

        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._headers = {"User-Agent": _USER_AGENT.format(version=__version__), "Accept-Encoding": "identity"}
        if authorization:
            self._headers["Authorization"] = authorization
        self._local = threading.local()
        self._tls: ssl.SSLContext | None = None

    # --- connections ---

    def _connections(self) -> dict:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def _connect(self, url: str) -> tuple[http.client.HTTPConnection, bool, dict | None]:
        """(connection, whether it is new, the headers for an HTTP proxy that takes absolute URLs, or None)."""
        scheme, host, port = _origin(url)
        key = (scheme, host, port)
        cached = self._connections().get(key)
        if cached is not None:
            return cached[0], False, cached[1]
        proxy = None if urllib.request.proxy_bypass(host) else urllib.request.getproxies().get(scheme)
        via_proxy = None
        if scheme == "https" and self._tls is None:
            self._tls = ssl.create_default_context()
        if proxy:
            pp = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            proxy_headers = {}
            if pp.username:
                credential = f"{unquote(pp.username)}:{unquote(pp.password or '')}"
                proxy_headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credential.encode()).decode()
            if scheme == "https":
                conn = http.client.HTTPSConnection(
                    pp.hostname, pp.port or 80, timeout=self.connect_timeout, context=self._tls
                )
                conn.set_tunnel(host, port, headers=proxy_headers)
            else:
                conn = http.client.HTTPConnection(pp.hostname, pp.port or 80, timeout=self.connect_timeout)
                via_proxy = proxy_headers
        elif scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.connect_timeout, context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._connections()[key] = (conn, via_proxy)
        return conn, True, via_proxy

    def _drop(self, url: str) -> None:
        cached = self._connections().pop(_origin(url), None)
        if cached is not None:
            cached[0].close()

    def close(self) -> None:
        for conn, _ in self._connections().values():
            conn.close()
        self._connections().clear()

    # --- requests ---

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        data: bytes | list[tuple[str, str]] | object | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """Send one request and read the whole answer; follow at most a few redirects, and only to the
        same scheme, host and port. ``what`` names the operation in messages ("the query", "PUT of …").

        ``data``: bytes, form fields (sent as ``application/x-www-form-urlencoded``), or a readable
        object with ``len()`` (streamed with a Content-Length). ``max_bytes`` caps the answer's body.
        """
        sent_headers = dict(self._headers)
        if isinstance(data, list):
            data = urlencode(data).encode("ascii")
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        sent_headers.update(headers or {})
        if data is not None:
            sent_headers["Content-Length"] = str(len(data))
        if params:
            url += ("&" if urlsplit(url).query else "?") + urlencode(params)
        target = url
        for _ in range(_MAX_REDIRECTS + 1):
            response = self._send(method, target, data, sent_headers, what, timeout or self.timeout, max_bytes)
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            location = urljoin(target, response.headers.get("Location", ""))
            keeps_method = response.status_code in (307, 308) or method in ("GET", "HEAD")
            if _origin(target) != _origin(location) or not keeps_method or not isinstance(data, (bytes, type(None))):
                raise RemoteStoreError(
                    f"{what}: {redacted(target)} redirected ({response.status_code}) to {redacted(location)}; "
                    "etomkg follows redirects only within the same host and without changing the method — "
                    "give the final URL instead"
                )
            target = location
        raise RemoteStoreError(f"{what}: too many redirects from {redacted(url)}")

    def _send(
        self, method: str, url: str, data, headers: dict[str, str], what: str, timeout: float, max_bytes: int | None
    ) -> Response:
        parts = urlsplit(url)
        for attempt in (1, 2):
            try:
                conn, fresh, via_proxy = self._connect(url)
            except TimeoutError:
                raise RemoteTimeoutError(
                    f"{what}: could not connect to {redacted(url)} within {self.connect_timeout:g} s; "
                    "is the store running and the host reachable?",
                    transient=True,
                ) from None
            except ssl.SSLError as exc:
                raise RemoteStoreError(f"{what}: TLS failed with {redacted(url)}: {exc}") from None
            except OSError as exc:
                raise RemoteStoreError(
                    f"{what}: cannot connect to {redacted(url)} ({_reason(exc)}); is the store running and "
                    "the URL right?",
                    transient=True,
                ) from None
            path = url if via_proxy is not None else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            try:
                conn.sock.settimeout(timeout)
                conn.request(method, path, body=data, headers={**headers, **(via_proxy or {})})
                answer = conn.getresponse()
                content = answer.read() if max_bytes is None else answer.read(max_bytes + 1)
                if max_bytes is not None and len(content) > max_bytes:
                    self._drop(url)
                    raise RemoteTooLargeError(
                        f"{what}: the answer of {redacted(url)} is larger than the limit of {max_bytes} bytes; "
                        "add a LIMIT or narrow the query"
                    )
            except TimeoutError:
                self._drop(url)
                raise RemoteTimeoutError(
                    f"{what}: no answer from {redacted(url)} within {timeout:g} s; the store may be overloaded "
                    "or the work too costly (raise the limit with --timeout or ETOMKG_BACKEND_TIMEOUT)",
                    transient=True,
                ) from None
            except _STALE as exc:
                self._drop(url)
                if not fresh and attempt == 1 and isinstance(data, (bytes, type(None))):
                    continue  # the store closed an idle kept-alive connection: once more on a new one
                raise RemoteStoreError(
                    f"{what}: {redacted(url)} closed the connection ({_reason(exc)})", transient=True
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop(url)
                raise RemoteStoreError(
                    f"{what}: talking to {redacted(url)} failed: {_reason(exc)}", transient=True
                ) from None
            if answer.will_close:
                self._drop(url)
            return Response(url, answer.status, answer.reason, answer.headers, content)
        raise AssertionError("unreachable")


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    match = re.search(r"\[Errno -?\d+\] (.+)", text)
    return (match.group(1) if match else text)[:300]


def raise_for_status(response: Response, what: str) -> None:
    """Turn an unsuccessful answer into the right error, quoting the store."""
    status = response.status_code
    if status < 400:
        return
    said = store_message(response)
    where = f"{redacted(response.url)} answered {status} {response.reason or ''}".rstrip()
    tail = f": {said}" if said else ""
    if status == 400:
        raise RemoteQueryError(f"{what}: {where}{tail}", status=status)
    if status in (401, 403):
        raise RemoteStoreError(
            f"{what}: {where}{tail} — the store wants credentials or refuses these; put them in the environment "
            "variable (ETOMKG_BACKEND_AUTH for queries, --auth-env for push)",
            status=status,
        )
    if status == 404:
        raise RemoteStoreError(f"{what}: {where}{tail} — is this the right endpoint URL?", status=status)
    if status in (408, 504) or (status == 503 and "time" in said.lower()):
        raise RemoteTimeoutError(f"{what}: {where} (the store gave up){tail}", transient=True, status=status)
    raise RemoteStoreError(f"{what}: {where}{tail}", transient=status in TRANSIENT_STATUSES, status=status)


__all__ = [
    "HttpClient",
    "RemoteQueryError",
    "RemoteStoreError",
    "RemoteTimeoutError",
    "RemoteTooLargeError",
    "Response",
    "TRANSIENT_STATUSES",
    "authorization_from",
    "authorization_from_env",
    "check_url",
    "raise_for_status",
    "redacted",
    "store_message",
]
