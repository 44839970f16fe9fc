"""How fast `etomkg validate` is, against plain pySHACL over the whole graph, measured in the same run.

    .venv/bin/python benchmarks/validate.py [--sample 10] [--full-baseline] [--repeat 2]

Figures (wall-clock seconds, best of --repeat, on whatever else the machine is doing — read the ratios):

* ``etomkg validate --release 25.5`` and ``etomkg validate`` (every release), as a user runs them: a fresh
  process, the bundled graph loaded from the cache, every shape, all output rendered.
* Baseline: plain pySHACL on one rdflib graph holding the whole bundled graph (~400,000 triples):
  - Core shapes only, measured in full;
  - every shape (Core + SPARQL constraints): pySHACL runs each SPARQL constraint once per focus node,
    so it is measured on ``--sample`` focus nodes (pySHACL's own focus-node option, the whole graph as data)
    and extrapolated to all of them; ``--full-baseline`` measures all of it instead (hours).

Targets from the issue: one release ≤ 10 s, every release ≤ 60 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etomkg.validation.dataset import build_dataset  # noqa: E402
from etomkg.validation.rules import load_shapes  # noqa: E402

ETOMKG = str(Path(sys.executable).parent / "etomkg")


def cli_seconds(args: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        done = subprocess.run([ETOMKG, "validate", *args, "--format", "json", "-o", os.devnull], capture_output=True)
        best = min(best, time.perf_counter() - started)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode())
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=10, help="focus nodes for the all-shapes baseline")
    parser.add_argument("--full-baseline", action="store_true", help="run the all-shapes baseline on every focus node")
    parser.add_argument("--repeat", type=int, default=2)
    options = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    one = cli_seconds(["--release", "25.5"], options.repeat)
    print(f"etomkg validate --release 25.5          {one:8.1f} s   (target <= 10 s)")
    every = cli_seconds([], options.repeat)
    print(f"etomkg validate (every release)         {every:8.1f} s   (target <= 60 s)")

    shapes = load_shapes()
    dataset = build_dataset()
    started = time.perf_counter()
    data = ox.serialize(
        dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph()), format=ox.RdfFormat.N_TRIPLES
    )
    graph = rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")
    parse = time.perf_counter() - started
    print(f"baseline: rdflib parse of the whole graph {parse:6.1f} s   ({len(graph):,} triples)")

    started = time.perf_counter()
    pyshacl.validate(graph, shacl_graph=shapes.core_graph, inference=None)
    core = time.perf_counter() - started + parse
    print(f"baseline: plain pySHACL, Core shapes     {core:8.1f} s   (measured, parse included)")

    focus = sorted(
        {
            str(s)
            for s in graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://w3id.org/etomkg/ontology#ProcessElement"))
        }
    )
    if options.full_baseline:
        started = time.perf_counter()
        pyshacl.validate(graph, shacl_graph=shapes.graph, inference=None)
        full, how = time.perf_counter() - started + parse, "measured"
    else:
        step = max(1, len(focus) // options.sample)
        sample = [rdflib.URIRef(f) for f in focus[::step][: options.sample]]
        started = time.perf_counter()
        pyshacl.validate(graph, shacl_graph=shapes.graph, inference=None, focus_nodes=sample)
        per_node = (time.perf_counter() - started) / len(sample)
        full, how = parse + per_node * len(focus), f"extrapolated from {len(sample)} of {len(focus):,} focus nodes"
    print(f"baseline: plain pySHACL, every shape     {full:8.0f} s   ({how})")
    print()
    print(f"ratio Core-only baseline / every release  {core / every:6.1f}x")
    print(f"ratio full baseline / every release       {full / every:6.0f}x")
    print(f"ratio full baseline / one release         {full / one:6.0f}x")


if __name__ == "__main__":
    main()
