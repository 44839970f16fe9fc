"""Flows benchmark: the shipped queries, `etomkg flows` and the diagrams, against a one-process lookup.

    .venv/bin/python benchmarks/flows.py [--repeat 5]

Prints the median time of each and its ratio to the baseline measured in the same run (the machine is shared,
absolute times are noisy; ratios much less so).
"""

from __future__ import annotations

import argparse
import statistics
import time

import etomkg
from etomkg import diagram, queries
from etomkg.queries.flows import flow_rows

BASELINE = (
    'SELECT ?name WHERE { ?p skos:notation "1.4.5" ; etom:release/owl:versionInfo "26.0" ; skos:prefLabel ?name }'
)


def median_ms(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kg = etomkg.open()
    base = median_ms(lambda: kg.select(BASELINE), args.repeat * 4)
    print(f"baseline (one process by identifier): {base:.2f} ms")
    cases = [(f"query {q.name}", lambda q=q: kg.select(q.text())) for q in queries.all_queries()]
    cases += [
        ("query upstream, zh, 23.0.1", lambda: queries.run(kg, "upstream", release="23.0.1", lang="zh")),
        ("etomkg flows --process 1.4.5", lambda: flow_rows(kg, "26.0", "1.4.5")),
        ("diagram neighbourhood 1.4.5", lambda: diagram.neighbourhood(kg, "1.4.5")),
        ("diagram e2e order-to-payment", lambda: diagram.end_to_end(kg, "order-to-payment", lang="zh")),
    ]
    print(f"{'case':<36} {'median ms':>10} {'× baseline':>11}")
    for name, func in cases:
        ms = median_ms(func, args.repeat)
        print(f"{name:<36} {ms:>10.1f} {ms / base:>11.1f}")


if __name__ == "__main__":
    main()
