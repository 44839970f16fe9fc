"""Exports and builds: every format parses back to the same graph; the same input gives the same bytes."""

from __future__ import annotations

import hashlib
import json

import pyoxigraph as ox
import pytest

from etomkg.formats import FORMATS
from etomkg.outputs.export import select_lines, to_ntriples_lines


def _parse_lines(path, fmt) -> set[str]:
    """Parse a file back and return its triples (graph names dropped) as canonical N-Triples lines."""
    info = FORMATS[fmt]
    quads = ox.parse(path=str(path), format=info.oxigraph)
    data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=ox.RdfFormat.N_TRIPLES)
    return set(data.decode().splitlines())


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_subtree_export_round_trips_in_every_format(cli, kg, tmp_path, fmt):
    out = tmp_path / f"activation.{FORMATS[fmt].extension}"
    cli("export", "--format", fmt, "--release", "25.5", "--root", "1.4.5", "-o", str(out))
    expected = set(to_ntriples_lines(select_lines(kg, release="25.5", root="1.4.5")))
    assert _parse_lines(out, fmt) == expected
    ids = {line.split("> ", 1)[0] for line in expected}
    assert f"<{kg.iris.process('25.5', '1.4.5')}" in ids
    assert all("/release/25.5/process/1.4.5" in i for i in ids)


def test_jsonld_reads_well(cli, tmp_path):
    out = tmp_path / "activation.jsonld"
    cli("export", "--format", "jsonld", "--release", "25.5", "--root", "1.4.5", "--max-level", "3", "-o", str(out))
    doc = json.loads(out.read_text(encoding="utf-8"))
    nodes = {n["identifier"]: n for n in doc["graph"] if "identifier" in n}
    node = nodes["1.4.5"]
    assert node["name"]["en"] == "Service Activation Management" and node["name"]["zh"]
    assert node["level"] == 2 and node["parent"].endswith("/release/25.5/process/1.4")
    assert {n["level"] for n in nodes.values()} == {2, 3}
    assert doc["@context"]["parent"] == {"@id": "etom:parent", "@type": "@id"}


def test_max_level_filters_the_release(kg):
    lines = select_lines(kg, release="25.5", max_level=2)
    subjects = {line.split(" ", 1)[0] for line in lines if "#level>" in line}
    assert len(subjects) == 8 + 120


@pytest.mark.parametrize(
    "args, message",
    [
        (["--release", "99"], "unknown release '99'"),
        (["--release", "25.5", "--root", "9.9.9"], "no process '9.9.9' in release 25.5"),
        (["--release", "25.5", "--max-level", "12"], "out of range"),
        (["--format", "docx"], "'docx' is not one of 'turtle'"),
    ],
)
def test_bad_options_write_no_file(cli, tmp_path, args, message):
    out = tmp_path / "x.ttl"
    result = cli("export", *args, "-o", str(out), expect=2)
    assert message in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One full build through the real command, shared by the build tests."""
    from tests.conftest import Cli

    out = tmp_path_factory.mktemp("build") / "graph"
    proc = Cli().run("build", "-o", str(out))
    assert "wrote 43 files" in proc.stdout
    return out


def test_build_writes_every_format_with_a_true_manifest(built):
    manifest = json.loads((built / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    for release in ["classic", "23.0.1", "23.5", "24.0", "24.5", "25.0", "25.5", "26.0"]:
        for ext in ("ttl", "nt", "rdf", "jsonld"):
            assert f"releases/{release}/etom-{release}.{ext}" in paths
    for ext in ("ttl", "nt", "rdf", "trig", "nq", "jsonld"):
        assert f"all/etomkg.{ext}" in paths
    for entry in manifest["files"]:
        data = (built / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]


@pytest.mark.parametrize(
    "path, fmt",
    [
        ("releases/25.5/etom-25.5.ttl", "turtle"),
        ("releases/25.5/etom-25.5.rdf", "rdfxml"),
        ("releases/25.5/etom-25.5.jsonld", "jsonld"),
        ("all/etomkg.trig", "trig"),
        ("all/etomkg.jsonld", "jsonld"),
    ],
)
def test_built_files_parse_back_to_the_ntriples(built, path, fmt):
    reference = "releases/25.5/etom-25.5.nt" if path.startswith("releases") else "all/etomkg.nt"
    expected = set((built / reference).read_text(encoding="utf-8").splitlines())
    assert _parse_lines(built / path, fmt) == expected
    count = {f["path"]: f["triples"] for f in json.loads((built / "manifest.json").read_text())["files"]}
    assert count[reference] == len(expected)


def test_named_graphs_survive_in_nquads(built, kg):
    graphs = {q.graph_name.value for q in ox.parse(path=str(built / "all/etomkg.nq"), format=ox.RdfFormat.N_QUADS)}
    assert kg.iris.graph("25.5") in graphs and kg.iris.graph("classic") in graphs
    assert f"{kg.iris.base}/oda" in graphs  # the ODA components travel with the downloads
    assert len(graphs) == 2 + 8 + 1  # ontology, framework, every release, and the ODA components


def test_same_input_gives_byte_identical_files(built, cli, tmp_path):
    again = tmp_path / "again"
    cli("build", "-o", str(again), "--format", "jsonld", "--format", "turtle")
    first = {f["path"]: f["sha256"] for f in json.loads((built / "manifest.json").read_text())["files"]}
    for entry in json.loads((again / "manifest.json").read_text())["files"]:
        assert first[entry["path"]] == entry["sha256"], entry["path"]


@pytest.mark.parametrize(
    "path",
    [
        "context.jsonld",
        "ontology/etomkg-ontology.ttl",
        "releases/25.5/etom-25.5.jsonld",
        "releases/classic/etom-classic.nt",
    ],
)
def test_one_artefact_rendered_alone_is_the_built_file(built, kg, path):
    """The server renders downloads one at a time; each must be the very file `etomkg build` writes."""
    from etomkg.outputs.build import artefact_paths, render_artefact

    data, entry = render_artefact(kg, path)
    assert data == (built / path).read_bytes()
    manifest = {f["path"]: f for f in json.loads((built / "manifest.json").read_text())["files"]}
    assert manifest[path]["triples"] == entry.triples and manifest[path]["sha256"] == entry.sha256
    assert set(artefact_paths(kg)) == set(manifest) | {"manifest.json"}
