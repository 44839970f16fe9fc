"""Shared fixtures: the bundled graph, the CLI, the reference data and the conformance kit."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

import etomkg
from etomkg.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]


def load_tool(name: str):
    """A script of tools/ as a module. tools/ is no package: its scripts import each other as they do when run
    (``python tools/x.py`` puts tools/ first on the path), so it is on the path while one loads."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return module


SHARED = ROOT.parent / "shared"
REFERENCE = ROOT / "etomkg" / "data" / "reference"
ETOMKG_BIN = str(Path(sys.executable).parent / "etomkg")


@pytest.fixture(scope="session")
def kg() -> etomkg.KnowledgeGraph:
    return etomkg.open()


@pytest.fixture(scope="session")
def app(kg, tmp_path_factory):
    """The web app over the session's bundled graph, as the Flask tutorial's conftest makes it."""
    from etomkg_server import create_app

    return create_app({"KG": kg, "CACHE_DIR": str(tmp_path_factory.mktemp("server-cache"))})


@pytest.fixture(scope="session")
def client(app):
    """A test client of :func:`app`: requests through the real app without a socket."""
    return app.test_client()


@pytest.fixture(scope="session")
def reference_rows() -> list[dict[str, str]]:
    with (REFERENCE / "processes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def reference_counts(reference_rows) -> Counter:
    """Distinct identifiers per (release, level) in the reference file."""
    ids = {(r["release"], int(r["level"]), r["id"]) for r in reference_rows}
    return Counter((release, level) for release, level, _ in ids)


class Cli:
    """Runs the real ``etomkg`` command in process (fast) or as a subprocess (exact)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, expect: int | None = 0):
        result = self.runner.invoke(cli_main, list(args), input=input, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.output, result.stderr)
        return result

    def run(
        self,
        *args: str,
        input: str | None = None,
        expect: int | None = 0,
        cwd: str | None = None,
        env: dict | None = None,
    ) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [ETOMKG_BIN, *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            timeout=600,
        )
        if expect is not None:
            assert proc.returncode == expect, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        return proc


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (conformance kit) is not next to the repository")
    return SHARED


@pytest.fixture()
def tmp_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    yield out
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def base_store(tmp_path_factory) -> Path:
    """A persistent store holding the bundled graph, made once per session (copy it with ``store_dir``)."""
    path = tmp_path_factory.mktemp("stores") / "base"
    etomkg.open(store=path)
    return path


@pytest.fixture()
def store_dir(base_store, tmp_path) -> Path:
    """A fresh persistent store of the bundled graph for one test (a cheap RocksDB checkpoint of ``base_store``)."""
    from etomkg.storage.persist import StoreFolder

    return StoreFolder(base_store).copy_to(tmp_path / "store").path


OXIGRAPH_BIN = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """A real Oxigraph SPARQL server (``oxigraph serve`` from the PyPI package) on loopback."""

    def __init__(self, location: Path | None, *options: str) -> None:
        if not OXIGRAPH_BIN.exists():
            raise RuntimeError(f"{OXIGRAPH_BIN} is missing: install the test extras (pip install -e '.[test]')")
        self.port = free_port()
        self.root = f"http://127.0.0.1:{self.port}"
        self.query_url = self.root + "/query"
        self.store_url = self.root + "/store"
        args = [str(OXIGRAPH_BIN), "serve", "--bind", f"127.0.0.1:{self.port}", *options]
        if location is not None:
            args += ["--location", str(location)]
        self.log = open(os.devnull, "wb")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """One Oxigraph server per test session, in memory (the on-disk RocksDB store loads several times
    slower on a busy 2-core runner; the protocol, which is what the tests exercise, is the same)."""
    server = OxigraphServer(None)
    yield server
    server.stop()


PUSHED_RELEASES = ("classic", "25.5")


@pytest.fixture(scope="session")
def pushed(oxigraph_server, cli):
    """The Oxigraph server after ``etomkg push --release classic --release 25.5`` (the real command);
    returns the server and the command's result."""
    args = ["push", "--to", oxigraph_server.store_url, "--verify-with", oxigraph_server.query_url]
    for release in PUSHED_RELEASES:
        args += ["--release", release]
    result = cli(*args)
    return oxigraph_server, result


@pytest.fixture(scope="session")
def remote_kg(pushed):
    """The knowledge graph through the remote back end."""
    server, _ = pushed
    kg = etomkg.open(backend=server.query_url)
    yield kg
    kg.backend.close()


@pytest.fixture(scope="session")
def embedded_twin(kg):
    """An embedded store holding exactly the graphs that were pushed: the reference for every comparison."""
    graphs = [etomkg.store.ONTOLOGY_IRI, kg.iris.framework_graph, f"{kg.iris.base}/oda"]
    graphs += [kg.iris.graph(r) for r in PUSHED_RELEASES]
    return kg.local_copy(graphs)


# --- a scripted HTTP server, for what a healthy store never does ---


class Script(BaseHTTPRequestHandler):
    """Answers from ``server.routes``: path -> (status, headers, body) or a callable; records requests."""

    def log_message(self, *args) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404, "nothing here")
            return
        answer = route(self) if callable(route) else route
        if answer is None:  # hang up without answering, as a crashed or restarted store does
            self.close_connection = True
            return
        status, headers, payload = answer
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture()
def scripted():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Script)
    server.routes, server.requests = {}, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- ODA components: their defects, recomputed from the CSVs (tests/test_oda.py, tests/test_validate.py) ---


def _oda_csv(name: str, folder: Path = REFERENCE / "oda") -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _norm(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


@pytest.fixture(scope="session")
def oda_defects(kg) -> Counter:
    """The defects of the component tables, computed from the CSVs and the graph's version links only."""
    names = {(r["release"], r["id"]): r["name"] for r in _oda_csv("processes.csv", REFERENCE)}
    held = {r for r, _ in names}
    newest = max(held - {"classic"}, key=lambda r: tuple(int(p) for p in r.split(".")))
    found = Counter()
    for ref in _oda_csv("component_etom.csv"):
        release = {"23.0": "23.0.1"}.get(ref["cited_release"][1:], ref["cited_release"][1:])
        start = None
        if release not in held:
            found["OdaUnheldRelease"] += 1
            if _norm(names.get(("23.0.1", ref["etom_id"]), "")) == _norm(ref["name_token"]):
                start = ("23.0.1", ref["etom_id"])
        elif (release, ref["etom_id"]) not in names:
            found["OdaUnknownIdentifier"] += 1
        else:
            start = (release, ref["etom_id"])
            if _norm(names[start]) != _norm(ref["name_token"]):
                found["OdaNameMismatch"] += 1
        if start:
            reaches = kg.query(
                f'ASK {{ ?p skos:notation "{start[1]}" ; etom:release/owl:versionInfo "{start[0]}" ; '
                f'etom:nextVersion* ?q . ?q etom:release/owl:versionInfo "{newest}" }}'
            )
            if not bool(reaches):
                found["OdaNoCurrentVersion"] += 1
    index = {r["api"] for r in _oda_csv("open_apis.csv")}
    found["OdaUnknownApi"] = sum(1 for r in _oda_csv("component_apis.csv") if r["api"] not in index)
    return found
