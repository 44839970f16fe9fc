"""``etomkg build``: write the released artefacts and a manifest.

Layout of the output folder::

    manifest.json            every file with format, release, triple count, bytes and sha256
    context.jsonld           the published JSON-LD context
    ontology/etomkg-ontology.{ttl,nt,rdf,jsonld}
    releases/<release>/etom-<release>.{ttl,nt,rdf,jsonld}   (the release + the framework graph)
    all/etomkg.{ttl,nt,rdf,trig,nq,jsonld}                   (every graph; TriG/N-Quads/JSON-LD keep them named)

The same sources give byte-identical files (no timestamps, canonical order).
Work is split into three similar tasks run on two processes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from ..atomic import write_file
from ..formats import FORMATS
from ..iris import ONTOLOGY_IRI, ONTOLOGY_VERSION
from ..store import KnowledgeGraph, sources_digest
from .export import graph_nodes, jsonld_context, jsonld_document, serialize_lines, to_ntriples_lines

RELEASE_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")
ALL_FORMATS = ("turtle", "ntriples", "rdfxml", "trig", "nquads", "jsonld")


@dataclass(frozen=True)
class Artefact:
    path: str
    format: str
    release: str
    triples: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class _Group:
    """One file set: its release label and the named graphs it holds."""

    prefix: str  # e.g. "releases/25.5/etom-25.5"
    release: str
    graphs: tuple[str, ...]
    formats: tuple[str, ...]


_LINES: dict[str, list[str]] = {}  # graph name -> canonical N-Quads lines; filled before the workers fork
_OUT: list[Path] = []


def _write(relative: str, data: bytes, fmt: str, release: str, triples: int) -> Artefact:
    path = _OUT[0] / relative
    write_file(path, data)
    return Artefact(relative, fmt, release, triples, len(data), hashlib.sha256(data).hexdigest())


def _group_lines(group: _Group) -> list[str]:
    return [line for graph in group.graphs for line in _LINES[graph]]


def _plain_formats(groups: list[_Group]) -> list[Artefact]:
    done = []
    for group in groups:
        lines = _group_lines(group)
        triples = len(to_ntriples_lines(lines))
        for fmt in group.formats:
            if fmt == "jsonld":
                continue
            info = FORMATS[fmt]
            count = len(lines) if info.dataset else triples
            done.append(
                _write(f"{group.prefix}.{info.extension}", serialize_lines(lines, info), fmt, group.release, count)
            )
    return done


def _jsonld(groups: list[_Group]) -> list[Artefact]:
    nodes: dict[str, list[tuple[str, str]]] = {}  # rendered once per graph, reused by every file that holds it
    done = []
    for group in groups:
        if "jsonld" not in group.formats:
            continue
        for graph in group.graphs:
            if graph not in nodes:
                data = ("\n".join(_LINES[graph]) + "\n").encode("utf-8")
                nodes[graph] = graph_nodes(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        dataset = group.release == "all"
        data = jsonld_document([(graph, nodes[graph]) for graph in group.graphs], dataset=dataset)
        lines = _group_lines(group)
        count = len(lines) if dataset else len(to_ntriples_lines(lines))
        done.append(_write(f"{group.prefix}.jsonld", data, "jsonld", group.release, count))
    return done


def build(
    kg: KnowledgeGraph,
    out: str | Path,
    *,
    formats: tuple[str, ...] | None = None,
    releases: list[str] | None = None,
    processes: int = 2,
) -> list[Artefact]:
    """Write every artefact into ``out`` and return the manifest entries."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    groups = planned_groups(kg, formats=formats, releases=releases)
    every_graph = groups[-1].graphs

    _LINES.clear()
    for graph in every_graph:
        _LINES[graph] = kg.nquads_lines([graph])
    _OUT[:] = [out]
    artefacts = [_write("context.jsonld", context_bytes(), "jsonld-context", "", 0)]
    # Three tasks of similar size: everything in plain formats, each release in plain formats, all JSON-LD.
    tasks = [(_plain_formats, groups[-1:]), (_plain_formats, groups[:-1]), (_jsonld, groups)]
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(min(processes, len(tasks))) as pool:
            results = [pool.apply_async(func, (arg,)) for func, arg in tasks]
            for result in results:
                artefacts += result.get()
    else:
        for func, arg in tasks:
            artefacts += func(arg)
    _LINES.clear()

    write_file(out / "manifest.json", manifest_bytes(kg, artefacts))
    return artefacts


def planned_groups(
    kg: KnowledgeGraph, *, formats: tuple[str, ...] | None = None, releases: list[str] | None = None
) -> list[_Group]:
    """The file sets ``build`` writes: the ontology, each release (with the framework graph), then everything."""
    wanted = set(formats or FORMATS)
    framework = kg.iris.framework_graph
    groups = [
        _Group(
            "ontology/etomkg-ontology", "ontology", (ONTOLOGY_IRI,), tuple(f for f in RELEASE_FORMATS if f in wanted)
        )
    ]
    for release in releases or kg.releases:
        groups.append(
            _Group(
                f"releases/{release}/etom-{release}",
                release,
                (framework, kg.iris.graph(release)),
                tuple(f for f in RELEASE_FORMATS if f in wanted),
            )
        )
    every_graph = tuple(kg.graph_names())
    groups.append(_Group("all/etomkg", "all", every_graph, tuple(f for f in ALL_FORMATS if f in wanted)))
    return groups


def context_bytes() -> bytes:
    return (json.dumps(jsonld_context(), indent=1, ensure_ascii=False) + "\n").encode()


def manifest_bytes(kg: KnowledgeGraph, artefacts: list[Artefact]) -> bytes:
    manifest = {
        "ontology": ONTOLOGY_IRI,
        "ontologyVersion": ONTOLOGY_VERSION,
        "base": kg.iris.base,
        "sources": sources_digest(kg.iris.base),
        "releases": kg.releases,
        "files": [asdict(a) for a in sorted(artefacts, key=lambda a: a.path)],
    }
    return (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def artefact_paths(kg: KnowledgeGraph) -> list[str]:
    """Every file ``build`` writes (manifest.json last), relative to its output folder."""
    paths = ["context.jsonld"]
    for group in planned_groups(kg):
        paths += [f"{group.prefix}.{FORMATS[fmt].extension}" for fmt in group.formats]
    return paths + ["manifest.json"]


def render_artefact(kg: KnowledgeGraph, relative: str) -> tuple[bytes, Artefact]:
    """The bytes ``build`` writes at ``relative`` (one file, rendered on its own), with its manifest entry.

    The server renders downloads with this, lazily, one file at a time.
    """
    if relative == "context.jsonld":
        data = context_bytes()
        return data, Artefact(relative, "jsonld-context", "", 0, len(data), hashlib.sha256(data).hexdigest())
    if relative == "manifest.json":
        artefacts = [render_artefact(kg, path)[1] for path in artefact_paths(kg)[:-1]]
        data = manifest_bytes(kg, artefacts)
        return data, Artefact(relative, "manifest", "", 0, len(data), hashlib.sha256(data).hexdigest())
    for group in planned_groups(kg):
        for fmt in group.formats:
            if relative != f"{group.prefix}.{FORMATS[fmt].extension}":
                continue
            per_graph = {graph: kg.nquads_lines([graph]) for graph in group.graphs}
            lines = [line for graph in group.graphs for line in per_graph[graph]]
            info = FORMATS[fmt]
            dataset = info.dataset if fmt != "jsonld" else group.release == "all"
            if fmt == "jsonld":
                nodes = [
                    (
                        graph,
                        graph_nodes(
                            ox.parse(("\n".join(per_graph[graph]) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
                        ),
                    )
                    for graph in group.graphs
                ]
                data = jsonld_document(nodes, dataset=dataset)
            else:
                data = serialize_lines(lines, info)
            count = len(lines) if dataset else len(to_ntriples_lines(lines))
            return data, Artefact(relative, fmt, group.release, count, len(data), hashlib.sha256(data).hexdigest())
    raise KeyError(relative)
