"""Persistent stores: readers see the old or the new state, never half an import; a failed import
changes nothing; old generations go once no reader holds them; the folder is checked before use."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

import etomkg
from etomkg.content.synthetic import write_extension_csv
from etomkg.errors import EtomkgError
from etomkg.imports.importer import import_extension
from etomkg.storage.persist import StoreError

EXT = "https://w3id.org/etomkg/extension/{}"

READER = r"""
import sys, time, pathlib, etomkg
store, graph, out, stop = sys.argv[1:5]
polls_after_stop = 0
with open(out, "w") as log:
    while polls_after_stop < 3:
        if pathlib.Path(stop).exists():
            polls_after_stop += 1
        kg = etomkg.open(store=store)
        rows = kg.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <%s> { ?s ?p ?o } }" % graph)
        listed = kg.query("ASK { GRAPH <https://w3id.org/etomkg/registry> { ?r etom:importedGraph <%s> } }" % graph)
        log.write(f"{kg.generation} {rows[0]['n']} {bool(listed)}\n")
        log.flush()
        del kg
        time.sleep(0.02)
"""


def _generation(store: Path) -> str:
    return json.loads((store / "etomkg-store.json").read_text())["generation"]


def test_a_reader_polling_during_an_import_sees_old_or_new_never_half(tmp_path, store_dir, cli):
    extension = write_extension_csv(tmp_path / "big.csv", 1500, 500, below=["1.4.5.2", "1.5.8.3"])
    graph = EXT.format("big")
    log, stop = tmp_path / "polls.txt", tmp_path / "stop"
    held = etomkg.open(store=store_dir)  # a long-lived reader, such as a server worker
    reader = subprocess.Popen([sys.executable, "-c", READER, str(store_dir), graph, str(log), str(stop)])
    try:
        deadline = time.monotonic() + 60
        while (not log.exists() or not log.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)  # the reader is polling before the import starts
        cli.run(
            "import", "extension", str(extension), "--release", "25.5", "--store", str(store_dir), "--shapes", "never"
        )
    finally:
        stop.touch()
        reader.wait(timeout=120)
    polls = [line.split() for line in log.read_text().splitlines()]
    states = {(count, listed) for _, count, listed in polls}
    final = etomkg.open(store=store_dir)
    total = final.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
    assert int(total) > 20_000
    assert states <= {("0", "False"), (total, "True")}, states  # nothing in between, ever
    assert ("0", "False") in states and (total, "True") in states  # it did see both sides of the import
    # the long-lived reader keeps its snapshot until it refreshes
    assert not held.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert held.refresh() and held.query(f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")


def test_a_failed_import_changes_nothing(tmp_path, store_dir, monkeypatch):
    extension = write_extension_csv(tmp_path / "ext.csv", 20, 5)
    before, folders = _generation(store_dir), sorted((store_dir / "generations").iterdir())

    def broken(store, *args, **kwargs):  # fails after the new generation was partly written
        raise OSError("disk full")

    monkeypatch.setattr("etomkg.imports.importer.record_quads", broken)
    with pytest.raises(OSError, match="disk full"):
        import_extension(store_dir, extension, release="25.5")
    assert _generation(store_dir) == before
    assert sorted((store_dir / "generations").iterdir()) == folders  # the half-built generation is gone
    kg = etomkg.open(store=store_dir)
    assert not kg.query("ASK { GRAPH <https://w3id.org/etomkg/extension/ext> { ?s ?p ?o } }")


def test_old_generations_are_collected_once_no_reader_holds_them(tmp_path, store_dir):
    extension = write_extension_csv(tmp_path / "ext.csv", 10, 3)
    first = etomkg.open(store=store_dir)
    held = first.generation
    for _ in range(3):
        import_extension(store_dir, extension, release="25.5")
    names = sorted(p.name for p in (store_dir / "generations").iterdir())
    assert held in names and len(names) == 3  # the held one, the previous and the current
    del first
    gc.collect()
    import_extension(store_dir, extension, release="25.5")
    names = sorted(p.name for p in (store_dir / "generations").iterdir())
    assert held not in names and len(names) == 2


def test_concurrent_imports_are_serialised(tmp_path, store_dir):
    files = [write_extension_csv(tmp_path / f"ext{i}.csv", 30, 10, below=[f"1.{4 + i}.5"]) for i in range(2)]
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        try:
            import_extension(store_dir, path, release="25.5")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    kg = etomkg.open(store=store_dir)
    assert sorted(kg.extensions["25.5"]) == [EXT.format("ext0"), EXT.format("ext1")]  # neither lost the other


def test_store_folders_are_checked_before_use(tmp_path, cli):
    file = tmp_path / "afile"
    file.write_text("x")
    assert "is a file" in cli("query", "--store", str(file), "ASK {}", expect=2).stderr
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"\xff\xd8")
    assert "other files in it" in cli("query", "--store", str(foreign), "ASK {}", expect=2).stderr
    assert sorted(p.name for p in foreign.iterdir()) == ["cat.jpg"]
    bare = tmp_path / "bare"
    store = ox.Store(str(bare))
    store.add(ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/b"), ox.NamedNode("http://x/c")))
    store.flush()
    del store
    gc.collect()
    with pytest.raises(StoreError, match="bare pyoxigraph folder"):
        etomkg.open(store=bare)


def test_a_store_keeps_its_base(store_dir):
    with pytest.raises(EtomkgError, match="was made with base IRI https://w3id.org/etomkg"):
        etomkg.open(store=store_dir, base="https://example.org/etom")
    assert etomkg.open(store=store_dir).iris.base == "https://w3id.org/etomkg"


def test_a_server_on_a_store_takes_up_imports_between_requests(tmp_path, store_dir):
    from etomkg_server import create_app

    client = create_app({"STORE_DIR": str(store_dir), "CACHE_DIR": str(tmp_path / "cache")}).test_client()
    ask = "ASK { GRAPH <https://w3id.org/etomkg/extension/ext> { ?p skos:notation ?id } }"

    def answer() -> bool:
        response = client.get(
            "/sparql", query_string={"query": ask}, headers={"Accept": "application/sparql-results+json"}
        )
        assert response.status_code == 200, response.data
        return response.get_json()["boolean"]

    assert answer() is False
    import_extension(store_dir, write_extension_csv(tmp_path / "ext.csv", 10, 3), release="25.5")
    assert answer() is True  # the next request reads the new generation
    health = client.get("/health").get_json()
    assert health["triples"] == len(etomkg.open(store=store_dir).store)
