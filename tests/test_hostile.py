"""Hostile input, replayed against the real server (one `etomkg serve` process), the real CLI and the library.

Each test replays a finding of issue 13 and its class (deeper nesting, other illegal characters, other
commands). Throughout, a fetch trap (an HTTP server on 127.0.0.1 that counts requests) must see nothing,
and the server's log must show no crash and no traceback (checked last).
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.conftest import ETOMKG_BIN

TOKEN = "hostile-test-token"
TIMEOUT_S = 3
WORKER_MEMORY_MB = 450  # a worker holds ~200 MB; the hungry query passes 450 MB within ~2 s
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
CRASH_MARKERS = ("SIGSEGV", "SIGABRT", "Traceback", "signal 11", "signal 6", "Segmentation fault")

DEEP = {
    "3,000 nested {": "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000,
    "5,000 nested (": "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "2,000 nested CONCAT(": "SELECT * WHERE { ?s ?p ?o FILTER(" + "CONCAT(" * 2000 + "'a'" + ")" * 2000 + ") }",
    "200 nested collections": "SELECT * WHERE { ?s ?p " + "(" * 200 + "1" + ")" * 200 + " }",
    "100 nested [": "SELECT * WHERE { ?s ?p " + "[ ?p " * 100 + "1" + " ]" * 100 + " }",
    "3,000 OPTIONAL {": "SELECT * WHERE { " + "OPTIONAL { " * 3000 + "?s ?p ?o" + " }" * 3000 + " }",
    "10,000 !": "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 10000 + "true) }",
    "20,000 terms of +": "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * 20000) + ") }",
    "3,000 escaped {": "SELECT * WHERE " + "\\u007B" * 3000 + " ?s ?p ?o " + "\\u007D" * 3000,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def trap():
    """An HTTP server on loopback that counts every request it gets: nothing may ever reach it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _count(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b'{"head":{"vars":[]},"results":{"bindings":[]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = _count  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.hits = hits
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    assert hits == [], f"the fetch trap was reached: {hits}"


def wait_ready(url: str, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert proc.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not answer"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`etomkg serve` with updates enabled (one worker), a 3 s time limit and a small memory bound."""
    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    env = {
        **os.environ,
        "ETOMKG_QUERY_TIMEOUT": str(TIMEOUT_S),
        "ETOMKG_UPDATE_TOKEN": TOKEN,
        "ETOMKG_WORKER_MEMORY_MB": str(WORKER_MEMORY_MB),
    }
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [ETOMKG_BIN, "serve", "--port", str(port), "--log-level", "info"], env=env, stdout=sink, stderr=sink
        )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, proc, 300)
    yield url, proc, log
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def raw_request(url: str, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, str]:
    """A request as bytes, bypassing every client-side check (illegal Host, raw bytes in the target)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"{method} ".encode() + target.encode("latin-1") + b" HTTP/1.1\r\n"
        lines = [f"{k}: {v}".encode("latin-1") for k, v in {**headers, "Content-Length": str(len(body))}.items()]
        sock.sendall(head + b"\r\n".join([*lines, b"Connection: close", b"", b""]) + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read().decode("utf-8", "replace")


# --- the server ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_refused_before_parsing(server, name):
    """F1: deep nesting killed the worker (SIGSEGV); now 400 with the position, and the worker lives on."""
    url, _, _ = server
    response = requests.post(
        f"{url}/sparql", data=DEEP[name].encode(), headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    assert response.status_code == 400, (name, response.status_code, response.text[:300])
    assert "deeper than 40 levels (line 1, column" in response.text or "chains more than" in response.text
    assert requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200


def test_three_deep_queries_do_not_take_the_server_down(server):
    url, _, _ = server
    for _ in range(3):
        refused = requests.post(f"{url}/sparql", data={"query": DEEP["3,000 nested {"]}, timeout=30)
        assert refused.status_code == 400
    assert requests.get(f"{url}/sparql", params={"query": "ASK {}"}, timeout=10).status_code == 200


@pytest.mark.parametrize("host", ['a b"c', 'evil> <http://x> "y" . <z', "x{y}", "a\\b"])
def test_an_illegal_host_header_is_400_not_500(server, host):
    """F2: the service description built IRIs from the Host header (500 Invalid IRI code point)."""
    url, _, _ = server
    status, body = raw_request(url, "GET", "/sparql", {"Host": host, "Accept": "text/turtle"})
    assert status == 400, (host, status, body[:200])


@pytest.mark.parametrize("char", ["%20", "%3C", "%3E", "%22", "%7B", "%7D", "%7C", "%5E", "%60", "%5C"])
def test_page_paths_with_illegal_iri_characters_are_404(server, char):
    """F5: /release/…/process/a%20b (and < > " { …) raised ValueError: Invalid IRI code point (500)."""
    url, _, _ = server
    for path in (f"/release/26.0/process/a{char}b", f"/vertical/a{char}b", f"/release/26.0/process/1.4{char}.ttl"):
        response = requests.get(url + path, timeout=30)
        assert response.status_code == 404, (path, response.status_code)


def test_only_utf8_is_accepted(server):
    """F3: invalid UTF-8 in a GET query or a form body became U+FFFD (200); a UTF-16 body was answered 200."""
    url, _, _ = server
    assert requests.get(f"{url}/sparql?query=ASK%20%7B%7D%FF", timeout=10).status_code == 400
    status, _ = raw_request(url, "GET", "/sparql?query=ASK%20%7B%7D\xff", {"Host": "localhost"})
    assert status == 400  # a raw byte: refused by the HTTP server itself, or by the endpoint
    form = requests.post(
        f"{url}/sparql",
        data=b"query=ASK%20%7B%7D%C3",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert form.status_code == 400 and "UTF-8" in form.text
    for content_type, body in (
        ("application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16")),
        ("application/sparql-query; charset=ISO-8859-1", b"ASK {}"),
        ("application/x-www-form-urlencoded; charset=UTF-16", b"query=ASK%20%7B%7D"),
    ):
        response = requests.post(f"{url}/sparql", data=body, headers={"Content-Type": content_type}, timeout=10)
        assert response.status_code == 415 and "UTF-8" in response.text, content_type


def test_security_headers_on_every_kind_of_response(server):
    """F6: no CSP, nosniff, frame-ancestors/X-Frame-Options or Referrer-Policy anywhere."""
    url, _, _ = server
    for path in (
        "/",
        "/sparql?query=ASK%20%7B%7D",
        "/sparql",
        "/sparql?query=SELECT",
        "/static/etomkg.css",
        "/map.svg?release=26.0",
        "/downloads/",
        "/release/26.0/process/1.4",
        "/release/26.0/process/1.4.ttl",
        "/release/26.0/process/nothing-here",
        "/health",
    ):
        response = requests.get(url + path, timeout=60)
        assert response.status_code in (200, 303, 400, 404), (path, response.status_code)
        missing = [name for name in SECURITY_HEADERS if name not in response.headers]
        assert missing == [], (path, missing)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_service_and_load_never_fetch(server, trap):
    """SERVICE in every spelling and LOAD by /update: refused with 400 and no request reaches the trap."""
    url, _, _ = server
    for query in (
        f"SELECT * WHERE {{ SERVICE <{trap.url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{trap.url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{trap.url}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX t: <{trap.url}/> SELECT * WHERE {{ service t:sparql {{ ?s ?p ?o }} }}",
    ):
        response = requests.post(f"{url}/sparql", data={"query": query}, timeout=10)
        assert response.status_code == 400 and "SERVICE is refused" in response.text, query
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for update in (f"LOAD <{trap.url}/x.ttl>", f"LOAD SILENT <{trap.url}/x.ttl> INTO GRAPH <http://example.org/g>"):
        response = requests.post(f"{url}/update", data={"update": update}, headers=headers, timeout=10)
        assert response.status_code == 400 and "LOAD is refused" in response.text
    deep_update = "INSERT DATA " + "{" * 3000 + "}" * 3000
    response = requests.post(f"{url}/update", data={"update": deep_update}, headers=headers, timeout=10)
    assert response.status_code == 400 and "deeper than" in response.text
    assert trap.hits == []


def test_update_is_cancelled_at_the_time_limit(server):
    """F7: with updates enabled, a cartesian DELETE ran for minutes; now 503 at the query time limit."""
    url, proc, _ = server
    started = time.monotonic()
    response = requests.post(
        f"{url}/update",
        data={
            "update": "DELETE { GRAPH ?g { ?a ?b ?c } } WHERE { GRAPH ?g { ?a ?b ?c } GRAPH ?h { ?d ?e ?f } "
            'FILTER(STR(?a) = CONCAT(STR(?d), "never")) }'
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    # The cartesian join may pass the worker's 450 MB bound before the 3 s limit: either stops it with 503.
    assert response.status_code == 503 and ("time limit" in response.text or "memory limit" in response.text)
    assert time.monotonic() - started < TIMEOUT_S + 10
    wait_ready(url, proc)  # a fresh worker answers


def test_a_memory_hungry_query_ends_with_503(server):
    """A string-building query (CONCAT ×16, 8 levels) reached 2.76 GB in a worker; now 503 at the memory bound."""
    url, proc, _ = server
    binds = ['BIND("0123456789abcdef" AS ?s0)'] + [
        f"BIND(CONCAT({', '.join([f'?s{level}'] * 16)}) AS ?s{level + 1})" for level in range(8)
    ]
    query = f"SELECT (STRLEN(?s8) AS ?n) WHERE {{ {' '.join(binds)} }}"
    response = requests.post(f"{url}/sparql", data={"query": query}, timeout=60)
    assert response.status_code == 503 and f"memory limit of {WORKER_MEMORY_MB} MB" in response.text
    wait_ready(url, proc)


def test_zz_the_server_log_shows_no_crash_and_no_traceback(server, trap):
    """Last: during everything above, no worker crashed and nothing was fetched."""
    url, proc, log = server
    assert proc.poll() is None
    text = log.read_text(errors="replace")
    assert [marker for marker in CRASH_MARKERS if marker in text] == [], text[-3000:]
    assert trap.hits == []


# --- the library ----------------------------------------------------------------------------------------------


def test_the_library_refuses_service_on_every_back_end_before_any_fetch(kg, trap):
    """F18: kg.select(SERVICE …) fetched; the remote back end fetched while parsing, before refusing."""
    from etomkg.safety.sparql import QueryLimitError
    from etomkg.storage.backends import ServiceRefusedError, SparqlBackend

    service = f"SELECT * WHERE {{ SERVICE <{trap.url}/sparql> {{ ?s ?p ?o }} }}"
    with pytest.raises(ServiceRefusedError, match="SERVICE is refused"):
        kg.select(service)
    with pytest.raises(ServiceRefusedError):
        kg.select(service.replace("SERVICE", "SERVICE SILENT"))
    with pytest.raises(ServiceRefusedError, match="LOAD is refused"):
        kg.update(f"LOAD <{trap.url}/x.ttl>")
    with pytest.raises(QueryLimitError, match="deeper than 40"):
        kg.select(DEEP["3,000 nested {"])
    remote = SparqlBackend(f"{trap.url}/query")
    with pytest.raises(ServiceRefusedError):
        remote.query(service)
    with pytest.raises(QueryLimitError):
        remote.query(DEEP["5,000 nested ("])
    assert trap.hits == []


# --- the CLI --------------------------------------------------------------------------------------------------


def etomkg(*args: str, input: bytes | None = None, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([ETOMKG_BIN, *args], input=input, capture_output=True, timeout=300, preexec_fn=preexec)


def assert_clean_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """Exit ``code``, one ``etomkg: error:`` line naming ``words``, and no traceback."""
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == code, (proc.returncode, stderr[-1500:])
    assert "Traceback" not in stderr and stderr.startswith("etomkg: error: "), stderr[-1500:]
    for word in words:
        assert word in stderr, (word, stderr)
    return stderr


def test_cli_deep_query_file_exits_2_not_139(tmp_path):
    """F1 in the CLI: `etomkg query --file` on deep nesting exited 139 (SIGSEGV)."""
    path = tmp_path / "deep.rq"
    path.write_text(DEEP["3,000 nested {"], encoding="utf-8")
    assert_clean_error(etomkg("query", "--file", str(path)), 2, "deeper than 40 levels (line 1, column 56)")


def test_cli_service_is_refused_without_a_fetch(trap):
    """F18 in the CLI: `etomkg query` POSTed to the SERVICE address (SERVICE SILENT even exited 0)."""
    for keyword in ("SERVICE", "SERVICE SILENT"):
        proc = etomkg("query", f"SELECT * WHERE {{ {keyword} <{trap.url}/x> {{ ?s ?p ?o }} }}")
        assert_clean_error(proc, 2, "SERVICE is refused")
    assert trap.hits == []
    allowed = etomkg("query", "--allow-service", f"SELECT * {{ SERVICE <{trap.url}/x> {{ ?s ?p ?o }} }}")
    assert allowed.returncode == 0 and len(trap.hits) == 1  # the explicit opt-in is the only way out
    trap.hits.clear()


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"SELECT * { ?s ?p \xff\xfe }", b"ASK {}\x00\x00"]
)
def test_cli_binary_or_invalid_query_files(tmp_path, data):
    """F15: binary, invalid UTF-8 or NUL bytes gave a UnicodeDecodeError traceback."""
    path = tmp_path / "query.rq"
    path.write_bytes(data)
    assert_clean_error(etomkg("query", "--file", str(path)), 2, str(path))
    assert_clean_error(etomkg("query", input=data), 2, "stdin")


@pytest.mark.parametrize("root", ['1.4.5">‹', "1.4.5> } INSERT", "1.4 5", "<x>", "1.4.5\\u003E"])
def test_cli_export_root_is_an_identifier_never_spliced(tmp_path, root):
    """F16: --root was spliced into SPARQL (SyntaxError traceback)."""
    proc = etomkg("export", "--release", "26.0", "--root", root, "-o", str(tmp_path / "out.ttl"))
    assert_clean_error(proc, 2, "--root", "is not an identifier")
    assert not (tmp_path / "out.ttl").exists()


def test_cli_output_to_a_folder_and_usage_errors(tmp_path):
    """F17: -o DIR gave IsADirectoryError tracebacks; usage errors have the same one-line style."""
    assert_clean_error(etomkg("export", "-o", str(tmp_path)), 2, "is a folder")
    assert_clean_error(etomkg("map", "-o", str(tmp_path)), 2, "is a folder")
    assert list(tmp_path.iterdir()) == []  # no .part file left
    assert_clean_error(etomkg("--no-such-option"), 2, "No such option", "--help")
    assert_clean_error(etomkg("query", "--release"), 2, "requires an argument")


def test_cli_jsonld_context_array_is_read(tmp_path):
    """F11: an @context array gave TypeError: unhashable type: 'dict' in import extension --check."""
    path = tmp_path / "ctx.jsonld"
    path.write_text(
        '{"@context": [{"skos": "http://www.w3.org/2004/02/skos/core#", "ex": "http://example.org/"}], '
        '"@id": "ex:a", "skos:prefLabel": "A"}',
        encoding="utf-8",
    )
    check = etomkg("import", "extension", "--check", str(path))
    assert check.returncode == 0 and b"Traceback" not in check.stderr, check.stderr[-1500:]
    assert b"valid, nothing stored" in check.stdout


def wide_workbook(path: Path, cells: int) -> None:
    """A workbook whose second row holds ``cells`` empty cells (tiny zipped; huge once parsed)."""
    import re
    import zipfile

    import openpyxl
    from openpyxl.utils import get_column_letter

    plain = path.with_suffix(".plain.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "Processes"
    book.active.append(["Process Identifier", "Process Name"])
    book.active.append(["1.1", "A"])
    book.save(plain)
    empty = "".join(f'<c r="{get_column_letter(i)}2"/>' for i in range(3, 3 + cells)).encode()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb"(<row [^>]*r=\"2\"[^>]*>.*?)(</row>)", lambda m: m[1] + empty + m[2], data, count=1, flags=re.S
                )
            target.writestr(item, data)


def test_cli_workbook_with_a_huge_row_is_refused_before_parsing(tmp_path):
    """F12: one row of 19.6 M empty cells took 12 GB and 160 s, and was published."""
    path = tmp_path / "wide.xlsx"
    wide_workbook(path, 5000)
    store = tmp_path / "store"
    proc = etomkg("import", "gb921", str(path), "--release", "25.5", "--store", str(store))
    assert_clean_error(proc, 2, "more than 1000 cells")
    assert not store.exists()


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-store") / "store"
    assert etomkg("query", "--store", str(folder), "ASK {}").returncode == 0
    return folder


EXTENSION = (
    "kind,id,name,name_zh,parent,level,description,maps_to\n"
    "process,1.4.5.2.91,Validate activation request,校验开通请求,1.4.5.2,,Check the request first.,\n"
)


def _in_namespace(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], capture_output=True, timeout=300)


needs_mounts = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare for a private mount"
)


def _read_only(folder: Path, command: str) -> subprocess.CompletedProcess:
    """Run ``command`` with ``folder`` read-only: a read-only bind mount (root), else no write permission."""
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("root without unshare: no way to make a folder read-only")
        return _in_namespace(f"mount --bind {folder} {folder}; mount -o remount,ro,bind {folder}; {command}")
    modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
    try:
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        return subprocess.run(["sh", "-c", command], capture_output=True, timeout=300)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def test_a_read_only_store_is_read_and_writes_fail_clearly(store_dir, tmp_path):
    """F14: on a read-only file system every command failed, reading too (write.lock, lease files)."""
    extension = tmp_path / "acme.csv"
    extension.write_text(EXTENSION, encoding="utf-8")
    before = sorted(p.name for p in store_dir.rglob("*"))
    commands = {
        "query": (f"{ETOMKG_BIN} query --store {store_dir} 'SELECT (COUNT(*) AS ?n) {{ ?s ?p ?o }}'", 0, ""),
        "store list": (f"{ETOMKG_BIN} store list --store {store_dir}", 0, ""),
        "import extension": (
            f"{ETOMKG_BIN} import extension {extension} --release 25.5 --store {store_dir}",
            2,
            "cannot be written",
        ),
    }
    for name, (command, code, words) in commands.items():
        proc = _read_only(store_dir, command)
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == code and "Traceback" not in stderr and words in stderr, (name, stderr[-1500:])
    assert sorted(p.name for p in store_dir.rglob("*")) == before


@needs_mounts
def test_disk_full_on_a_first_import_leaves_nothing_behind(tmp_path):
    """F13: a full disk gave a traceback and left generations/ and write.lock, refused afterwards as foreign."""
    extension = tmp_path / "acme.csv"
    extension.write_text(EXTENSION, encoding="utf-8")
    mount = tmp_path / "small"
    mount.mkdir()
    store = mount / "store"
    command = f"{ETOMKG_BIN} import extension {extension} --release 25.5 --store {store}"
    proc = _in_namespace(
        f"mount -t tmpfs -o size=5m tmpfs {mount}; set +e; {command}; echo exit=$?; ls -A {mount}; mkdir {store};"
        f"{command}; echo again=$?; ls -A {store}"
    )
    out, stderr = proc.stdout.decode(), proc.stderr.decode("utf-8", "replace")
    assert "exit=2" in out and "again=2" in out, (out, stderr)
    assert "Traceback" not in stderr and stderr.count("the disk is full") == 2, stderr
    assert "foreign" not in stderr and "other files in it" not in stderr
    listing = out.split("exit=2", 1)[1]
    assert "write.lock" not in listing and "generations" not in listing, out
