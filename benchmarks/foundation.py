"""Benchmark of the foundation: build, load, memory and competency-query latency.

Prints figures and ratios against rdflib, run in the same session as the baseline
(these machines are shared and noisy: compare ratios, not absolute times).

    .venv/bin/python benchmarks/foundation.py [--repeat 21] [--rdflib-release 25.5]

Targets (issue 2): full build <= 15 s; loading all releases into the store <= 2 s and
<= 300 MB peak memory; each competency query <= 10 ms median.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import pyoxigraph as ox

import etomkg
from etomkg.iris import PREFIXES
from etomkg.outputs.build import build
from etomkg.store import bundled_nquads_path

COMPETENCY = {
    "domains of 25.5": ("SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH <{g255}> { ?d a etom:Domain } }"),
    "L2 count of 25.5": (
        "SELECT (COUNT(?p) AS ?n) WHERE { GRAPH <{g255}> { ?p a etom:ProcessElement ; etom:level 2 } }"
    ),
    "1.4.5 name per release": (
        'SELECT ?r ?name WHERE { GRAPH ?g { ?p skos:notation "1.4.5" ; skos:prefLabel ?name ; '
        'etom:release ?r FILTER(lang(?name) = "en") } }'
    ),
    "classic 1.1.2.2 -> 26.0 and children": (
        'SELECT ?id ?child WHERE { GRAPH ?gc { ?c skos:notation "1.1.2.2" ; etom:release <{rclassic}> } '
        "GRAPH <{g260}> { ?p etom:classicCounterpart ?c ; skos:notation ?id . ?k etom:parent ?p ; skos:notation ?child } }"
    ),
    "descendants of 1.4 (25.5)": (
        'SELECT (COUNT(?d) AS ?n) WHERE { GRAPH <{g255}> { ?d etom:parent+ ?root . ?root skos:notation "1.4" } }'
    ),
}


def _queries(kg) -> dict[str, str]:
    values = {"g255": kg.iris.graph("25.5"), "g260": kg.iris.graph("26.0"), "rclassic": kg.iris.release("classic")}
    out = {}
    for name, text in COMPETENCY.items():
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        out[name] = text
    return out


def _median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _child_peak_mb(code: str) -> tuple[float, float]:
    """Run code in a fresh interpreter; return (seconds it reports, peak RSS in MB)."""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return float(proc.stdout.strip()), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--rdflib-release", default="25.5", help="release graph loaded into rdflib for the baseline")
    args = parser.parse_args()

    nq = bundled_nquads_path()
    load_code = (
        "import time, pyoxigraph as ox; t=time.perf_counter(); s=ox.Store(); "
        f"s.bulk_load(path={str(nq)!r}, format=ox.RdfFormat.N_QUADS); print(time.perf_counter()-t)"
    )
    load_s, load_peak = _child_peak_mb(load_code)
    open_code = "import time, etomkg; t=time.perf_counter(); etomkg.open(); print(time.perf_counter()-t)"
    open_s, _ = _child_peak_mb(open_code)

    kg = etomkg.open()
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        artefacts = build(kg, out)
        build_s = time.perf_counter() - start

    import rdflib

    graph_iri = kg.iris.graph(args.rdflib_release)
    subset = [line for line in kg.nquads_lines([graph_iri])]
    start = time.perf_counter()
    ds = rdflib.Dataset(default_union=True)
    ds.parse(data="\n".join(subset), format="nquads")
    rdflib_load_s = time.perf_counter() - start
    start = time.perf_counter()
    store = ox.Store()
    store.bulk_load(("\n".join(subset) + "\n").encode(), format=ox.RdfFormat.N_QUADS)
    ox_load_s = time.perf_counter() - start

    queries = _queries(kg)
    prefixes = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    rows = []
    for name, text in queries.items():
        ox_ms = _median_ms(lambda t=text: list(kg.store.query(t, prefixes=PREFIXES)), args.repeat)
        # rdflib baseline on one release (it cannot hold everything fast enough to be a fair fight).
        rd_text = prefixes + text.replace("GRAPH ?g ", "").replace("GRAPH ?gc ", "")
        rd_text = rd_text.replace(f"GRAPH <{graph_iri}> ", "")
        ox_one = _median_ms(lambda t=text: list(store.query(t, prefixes=PREFIXES)), args.repeat)
        rd_ms = _median_ms(lambda t=rd_text: list(ds.query(t)), max(3, args.repeat // 5))
        rows.append((name, ox_ms, ox_one, rd_ms))

    triples = len(kg)
    print(f"graph: {triples} quads in {len(kg.releases)} releases + ontology + framework")
    print(f"build (all {len(artefacts)} files)          {build_s:7.2f} s   target <= 15 s")
    print(
        f"load all releases (bulk_load)        {load_s:7.2f} s   target <= 2 s   peak RSS {load_peak:6.0f} MB "
        "(target <= 300 MB)"
    )
    print(f"etomkg.open() cold interpreter       {open_s:7.2f} s")
    print(
        f"load release {args.rdflib_release} ({len(subset)} quads): pyoxigraph {ox_load_s:.2f} s, rdflib "
        f"{rdflib_load_s:.2f} s -> {rdflib_load_s / ox_load_s:.0f}x faster"
    )
    print(f"{'competency query':40} {'all (ms)':>9} {'one release':>12} {'rdflib (ms)':>12} {'ratio':>7}")
    for name, ox_ms, ox_one, rd_ms in rows:
        print(f"{name:40} {ox_ms:9.2f} {ox_one:12.2f} {rd_ms:12.2f} {rd_ms / max(ox_one, 1e-6):6.0f}x")
    print(
        json.dumps(
            {
                "build_s": round(build_s, 2),
                "load_s": round(load_s, 2),
                "load_peak_mb": round(load_peak),
                "queries_ms": {name: round(ox_ms, 2) for name, ox_ms, _, _ in rows},
            }
        )
    )


if __name__ == "__main__":
    main()
