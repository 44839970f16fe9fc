"""Benchmark of process search and of drawing the eTOM map.

Search must answer as the user types: target <= 100 ms per query on the bundled
graph (every release). The baseline, measured in the same run, is the obvious
alternative: a SPARQL query with CONTAINS over every name of every release.
These machines are shared and noisy: compare the ratios, not absolute times.

    .venv/bin/python benchmarks/search.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import time

import etomkg
from etomkg.catalog import Catalog
from etomkg.diagram.mapmodel import build_map
from etomkg.diagram.mapsvg import render_svg
from etomkg.diagram.text import is_wide
from etomkg.search import SearchIndex, normalize

QUERIES = [
    "1.4.5",  # exact identifier
    "1.3",  # identifier prefix: hundreds of hits
    "billing",
    "service activation",
    "activ",  # a word being typed
    "客户关系",  # Chinese words
    "开通",
    "订单管理",
    "客",  # one Chinese character: many hits
    "QoS/SLA",
]

BASELINE = """SELECT ?id ?name WHERE {
  ?p a etom:ProcessElement ; skos:notation ?id ; skos:prefLabel ?name .
  FILTER(CONTAINS(LCASE(STR(?name)), %s))
}"""


def pad(text: str, width: int) -> str:
    """Left-justify in a terminal, where a Chinese character takes two cells."""
    return text + " " * max(0, width - len(text) - sum(is_wide(c) for c in text))


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    start = time.perf_counter()
    kg = etomkg.open()
    print(f"open the bundled graph: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    Catalog.of(kg)
    for release in kg.releases:
        Catalog.of(kg).release(release)
    catalog_s = time.perf_counter() - start
    start = time.perf_counter()
    index = SearchIndex.of(kg)
    index_s = time.perf_counter() - start
    print(
        f"read every release's processes: {catalog_s:.2f} s; build the search index: {index_s:.2f} s "
        f"({len(index)} distinct processes)"
    )
    print()
    print(f"{'query':22} {'hits':>5} {'index p50':>10} {'index max':>10} {'SPARQL p50':>11} {'ratio':>7}")
    worst = 0.0
    for query in QUERIES:
        hits = index.search(query).total
        ours = timed(lambda q=query: index.search(q), args.repeat)
        literal = '"' + normalize(query).replace('"', "") + '"'
        baseline = timed(lambda lit=literal: kg.select(BASELINE % lit), max(3, args.repeat // 5))
        worst = max(worst, max(ours))
        ratio = statistics.median(baseline) / statistics.median(ours)
        print(
            f"{pad(query, 22)} {hits:5} {statistics.median(ours):8.2f}ms {max(ours):8.2f}ms "
            f"{statistics.median(baseline):9.1f}ms {ratio:6.0f}x"
        )
    print(f"\nslowest search: {worst:.2f} ms (target <= 100 ms)")
    print()
    for release, view, lang in [("26.0", "current", "en"), ("26.0", "classic", "zh"), ("classic", "classic", "en")]:
        times = timed(lambda r=release, v=view, la=lang: render_svg(build_map(kg, r, view=v, lang=la)), 5)
        print(f"map {release} {view} {lang}: {statistics.median(times):.1f} ms per drawing (model + SVG)")


if __name__ == "__main__":
    main()
