"""How long the BPMN export of every end-to-end flow of a release takes, against the Turtle export of it.

    .venv/bin/python benchmarks/bpmn.py [--release 26.0] [--repeat 3]

Prints the best of ``--repeat`` runs (library calls on an open graph) of: every end-to-end flow of the
release as BPMN, the neighbourhood of every process that has flows, and — the baseline, measured in the
same run — the Turtle export of the same release. The machine is shared: read the ratios. Budget: every
end-to-end flow of a release in <= 2 s.
"""

from __future__ import annotations

import argparse
import time

import etomkg
from etomkg import queries
from etomkg.bpmn import export_bpmn
from etomkg.diagram.data import release_flows
from etomkg.formats import rdf_format_for
from etomkg.outputs.export import select_lines, serialize_lines

BUDGET_SECONDS = 2.0


def best_of(repeat: int, work) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=etomkg.LATEST_RELEASE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kg = etomkg.open()
    keys = [row["key"] for row in queries.run(kg, "e2e-flows", release=args.release)]
    processes = sorted({p for f in release_flows(kg, args.release).flows for p in (f.producer, f.consumer)})

    def turtle() -> None:
        serialize_lines(select_lines(kg, release=args.release), rdf_format_for("turtle"))

    def flows() -> None:
        for key in keys:
            export_bpmn(kg, release=args.release, flow=key)

    def neighbourhoods() -> None:
        for process in processes:
            export_bpmn(kg, release=args.release, process=process)

    baseline = best_of(args.repeat, turtle)
    every_flow = best_of(args.repeat, flows)
    every_process = best_of(args.repeat, neighbourhoods)
    print(f"release {args.release}: {len(keys)} end-to-end flows, {len(processes)} processes with flows")
    print(f"{'export':44} {'seconds':>8} {'× Turtle':>9}")
    print(f"{'Turtle export of the release (baseline)':44} {baseline:8.3f} {1.0:9.2f}")
    print(f"{'BPMN, every end-to-end flow':44} {every_flow:8.3f} {every_flow / baseline:9.2f}")
    print(f"{'BPMN, every process neighbourhood':44} {every_process:8.3f} {every_process / baseline:9.2f}")
    verdict = "met" if every_flow <= BUDGET_SECONDS else "MISSED"
    print(f"budget: every end-to-end flow in <= {BUDGET_SECONDS:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
