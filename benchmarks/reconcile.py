"""How well and how fast ``/reconcile`` matches: precision and recall of the top candidate on queries made
from the graph's own variation, and the time of a 100-query batch.

    .venv/bin/python benchmarks/reconcile.py [--release 26.0] [--repeat 5]

Quality: every query of ``etomkg.reconcile.evaluation.variation_queries`` (renamed processes, classic
names, Chinese, typos, abbreviations, styled names, shortened names, unrelated entries), the top candidate
counted as an answer when it scores at least 60; also ``match: true`` alone. Goal: precision >= 0.95 at
recall >= 0.9.

Speed: one batch of 100 of those queries POSTed as OpenRefine does (form field ``queries``) to the real
Flask app, best of ``--repeat``, against a baseline measured in the same run: the same 100 texts through
the site search (``SearchIndex.search``), the cheapest look-up the project has. Budget: <= 1 s a batch.
"""

from __future__ import annotations

import argparse
import json
import time
from urllib.parse import urlencode

import etomkg
from etomkg.reconcile.evaluation import ANSWER_THRESHOLD, evaluate, variation_queries
from etomkg.reconcile.matcher import Matcher
from etomkg.search import SearchIndex

BUDGET_SECONDS = 1.0
GOAL_PRECISION, GOAL_RECALL = 0.95, 0.9


def best_of(repeat: int, work) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    kg = etomkg.open()
    started = time.perf_counter()
    Matcher.of(kg).index(args.release)
    SearchIndex.of(kg)
    print(f"indexes built in {time.perf_counter() - started:.2f} s (once per worker)")

    cases = variation_queries(kg, args.release)
    scores = evaluate(kg, cases, args.release)
    print(
        f"\n{scores.total} queries ({scores.positives} with an eTOM answer); answer = top candidate scoring "
        f">= {ANSWER_THRESHOLD:g}"
    )
    print(f"{'kind':<20} {'queries':>7} {'answered':>8} {'right':>6}")
    for kind, (total, answered, right) in scores.by_kind.items():
        print(f"{kind:<20} {total:>7} {answered:>8} {right:>6}")
    verdict = "meets" if scores.precision >= GOAL_PRECISION and scores.recall >= GOAL_RECALL else "MISSES"
    print(
        f"\ntop candidate: precision {scores.precision:.3f}, recall {scores.recall:.3f} ({verdict} the goal "
        f"{GOAL_PRECISION} at {GOAL_RECALL})"
    )
    print(f"match: true  : precision {scores.match_precision:.3f}, recall {scores.match_recall:.3f}")
    for case, got in scores.misses:
        print(f"  miss [{case.kind}] {case.query!r}: expected {case.expected}, got {got}")

    from etomkg_server import create_app

    client = create_app({"KG": kg, "WARM_SEARCH": False}).test_client()
    batch = {
        f"q{i}": {"query": case.query, "type": "ProcessElement", "type_strict": "should"}
        for i, case in enumerate(cases[:: max(1, len(cases) // 100)][:100])
    }
    body = urlencode({"queries": json.dumps(batch)})
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}

    def post() -> None:
        response = client.post("/reconcile", data=body, headers=headers)
        assert response.status_code == 200 and len(response.get_json()) == len(batch)

    index = SearchIndex.of(kg)
    texts = [query["query"] for query in batch.values()]
    baseline = best_of(args.repeat, lambda: [index.search(text, limit=5) for text in texts])
    seconds = best_of(args.repeat, post)
    print(
        f"\nbatch of {len(batch)} queries: {seconds * 1000:.0f} ms (budget {BUDGET_SECONDS * 1000:.0f} ms: "
        f"{'within' if seconds <= BUDGET_SECONDS else 'OVER'}); baseline, the same texts through the site search: "
        f"{baseline * 1000:.0f} ms; ratio {seconds / baseline:.2f}x"
    )


if __name__ == "__main__":
    main()
