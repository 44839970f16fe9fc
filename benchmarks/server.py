"""etomkg serve against the Oxigraph server, same data, same load, same client, on loopback.

Starts ``etomkg serve`` and ``oxigraph serve`` (in memory, union default graph,
the bundled N-Quads POSTed to its /store), then drives both with the same
bounded load per query kind — lookups by identifier, descendants of an L1, a
GROUP BY over releases — with parameters varied per request (no result cache
can answer; the 84 lookup texts do repeat, so the server's per-text caches of
parsing and checks are warm, as for a client that repeats its queries), rounds interleaved so that a noisy machine hurts both alike, in two modes: a new connection per
request (SPARQLWrapper, ``requests`` without a session) and keep-alive. Prints
throughput and p50/p99 latency side by side, as ratios etomkg / Oxigraph, and
the servers' own CPU time per request (read from /proc: steadier than throughput on a shared machine),
and the start-up time and memory of etomkg's workers.

    .venv/bin/python benchmarks/server.py [--requests 2000] [--concurrency 8] [--rounds 3] [--workers 2 --threads 4]

Goal (issue 15): throughput >= 0.9x Oxigraph's and p99 <= 1.3x on every query kind, in both connection modes.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFIXES = (
    "PREFIX etom: <https://w3id.org/etomkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
)
BASE = "https://w3id.org/etomkg"
RELEASES = ["23.0.1", "23.5", "24.0", "24.5", "25.0", "25.5", "26.0"]
IDS = [f"1.{a}.{b}" for a in range(1, 8) for b in range(1, 13)]

QUERIES = {
    "lookup": lambda r: (
        PREFIXES + f'SELECT ?p ?name WHERE {{ ?p skos:notation "{r.choice(IDS)}" ; skos:prefLabel ?name }}'
    ),
    "descendants": lambda r: (
        PREFIXES
        + f"SELECT ?p ?id WHERE {{ ?p etom:parent+ <{BASE}/release/{r.choice(RELEASES)}/process/1.{r.randint(1, 7)}> ; "
        "skos:notation ?id }"
    ),
    "group-by": lambda r: (
        PREFIXES
        + f"SELECT ?release (COUNT(?p) AS ?n) WHERE {{ ?p etom:release/owl:versionInfo ?release ; etom:level {r.randint(0, 5)} }} "
        "GROUP BY ?release"
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, what: str, limit: float = 300.0, proc: subprocess.Popen | None = None) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what} exited with status {proc.returncode}")
        try:
            if check():
                return time.perf_counter() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"{what} did not come up in {limit:.0f} s")


def drive(
    port: int, path: str, kind: str, total: int, concurrency: int, seed: int, fresh: bool = False
) -> tuple[float, list[float], int]:
    """``total`` requests from ``concurrency`` clients; returns (req/s, latencies, errors).

    Each client keeps one connection alive, or with ``fresh`` opens a new one per request (as SPARQLWrapper,
    ``requests`` without a session and most scripts do); the latency then includes the connection set-up.
    """
    latencies: list[float] = []
    errors = [0]
    per_client = total // concurrency

    def client(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        for _ in range(per_client):
            body = urlencode({"query": QUERIES[kind](rng)})
            started = time.perf_counter()
            if fresh:
                connection.close()
                connection = HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request(
                "POST",
                path,
                body,
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"},
            )
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                errors[0] += 1
        latencies.extend(mine)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return per_client * concurrency / (time.perf_counter() - started), latencies, errors[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended (a replaced worker)
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000, help="per query kind, per server, per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="default: etomkg serve's own (CPU cores + 1)")
    parser.add_argument("--threads", type=int, default=None, help="default: etomkg serve's own")
    parser.add_argument("--serve-args", default="", help="more options for etomkg serve, e.g. '--server gunicorn'")
    parser.add_argument("--kinds", default=",".join(QUERIES), help="comma-separated query kinds to run")
    parser.add_argument(
        "--reference",
        action="store_true",
        help="also run the reference app (minimal Flask + pyoxigraph, gunicorn 2 sync workers)",
    )
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=PORT[/PATH]",
        help="also measure a server already listening on PORT (e.g. the same app under another runner)",
    )
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k in QUERIES]

    sys.path.insert(0, str(ROOT))
    from etomkg.store import bundled_nquads_path

    nquads = bundled_nquads_path()
    procs: list[subprocess.Popen] = []
    try:
        ours_port = free_port()
        started = time.perf_counter()
        command = [str(BIN / "etomkg"), "serve", "--port", str(ours_port), "--log-level", "warning"]
        command += ["--workers", str(args.workers)] if args.workers else []
        command += ["--threads", str(args.threads)] if args.threads else []
        ours = subprocess.Popen(
            command + args.serve_args.split(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(ours)
        first = wait_until(
            lambda: requests.get(f"http://127.0.0.1:{ours_port}/sparql", params={"query": "ASK {}"}).ok,
            "etomkg serve",
            proc=ours,
        )
        print(
            f"etomkg serve: start-up to first answered query {first:.2f} s "
            f"(wall clock, incl. process start; load average {os.getloadavg()[0]:.1f})"
        )
        wait_until(
            lambda: requests.get(f"http://127.0.0.1:{ours_port}/health").json()["answering_from"] == "memory",
            "the in-memory store",
        )
        print(f"etomkg serve: every worker answers from memory after {time.perf_counter() - started:.1f} s")

        oxi_port = free_port()
        oxigraph = shutil.which("oxigraph", path=str(BIN)) or "oxigraph"
        oxi = subprocess.Popen(
            [oxigraph, "serve", "--bind", f"127.0.0.1:{oxi_port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(oxi)
        wait_until(
            lambda: requests.get(f"http://127.0.0.1:{oxi_port}/query", params={"query": "ASK {}"}).ok, "oxigraph"
        )
        with open(nquads, "rb") as handle:
            loaded = requests.post(
                f"http://127.0.0.1:{oxi_port}/store", data=handle, headers={"Content-Type": "application/n-quads"}
            )
        loaded.raise_for_status()

        targets = {"etomkg": (ours_port, "/sparql"), "oxigraph": (oxi_port, "/query")}
        # The servers' own CPU per request (the client's is not counted): steadier than throughput on a
        # shared machine, and what bounds throughput once the cores are busy. Unknown for --also servers.
        processes = {"etomkg": lambda: [ours.pid, *children(ours.pid)], "oxigraph": lambda: [oxi.pid]}
        if args.reference:
            ref_port = free_port()
            reference = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-w",
                    "2",
                    "-k",
                    "sync",
                    "--preload",
                    "-b",
                    f"127.0.0.1:{ref_port}",
                    "--chdir",
                    str(ROOT / "benchmarks"),
                    "reference_app:app",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(reference)
            wait_until(
                lambda: requests.get(f"http://127.0.0.1:{ref_port}/sparql", params={"query": "ASK {}"}).ok,
                "the reference app",
            )
            targets["reference"] = (ref_port, "/sparql")
        for name, spec in args.also:  # servers started by hand, e.g. another runner, measured alike
            port, _, path = spec.partition("/")
            targets[name] = (int(port), "/" + (path or "sparql"))
        for port, path in targets.values():  # warm up every server
            drive(port, path, "lookup", 200, args.concurrency, seed=0)
        modes = {"new-connection": True, "keep-alive": False}
        results: dict[tuple[str, str, str], list] = {}
        for round_ in range(args.rounds):
            for mode, fresh in modes.items():
                for kind in kinds:
                    order = list(targets) if round_ % 2 == 0 else list(reversed(targets))  # interleaved
                    for name in order:
                        port, path = targets[name]
                        pids = processes[name]() if name in processes else []
                        cpu_before = cpu_seconds(pids)
                        rate, latencies, errors = drive(
                            port, path, kind, args.requests, args.concurrency, seed=round_ + 1, fresh=fresh
                        )
                        cpu = (cpu_seconds(pids) - cpu_before) / (args.requests // args.concurrency * args.concurrency)
                        entry = results.setdefault((name, mode, kind), [[], [], 0, []])
                        entry[3].append(cpu)
                        entry[0].append(rate)
                        entry[1].extend(latencies)
                        entry[2] += errors

        print(
            f"\n{args.requests} requests x {args.rounds} rounds per kind and mode, concurrency {args.concurrency}, "
            f"etomkg --workers {args.workers} --threads {args.threads} (load average {os.getloadavg()[0]:.1f})"
        )
        for name in targets:
            if name == "oxigraph":
                continue
            print(f"\n{name} / oxigraph")
            print(
                f"{'mode':15} {'query':12} {'req/s':>7} {'oxigraph':>9} {'ratio':>6} | "
                f"{'p50 ms':>13} {'ratio':>6} | {'p99 ms':>15} {'ratio':>6} | {'CPU ms/req':>13} {'ratio':>6} | errors"
            )
            for mode in modes:
                for kind in kinds:
                    e, o = results[(name, mode, kind)], results[("oxigraph", mode, kind)]
                    e_rate, o_rate = statistics.median(e[0]), statistics.median(o[0])
                    e50, o50 = percentile(e[1], 0.5) * 1000, percentile(o[1], 0.5) * 1000
                    e99, o99 = percentile(e[1], 0.99) * 1000, percentile(o[1], 0.99) * 1000
                    if name in processes:  # the median run's CPU per request, in ms
                        e_cpu, o_cpu = statistics.median(e[3]) * 1000, statistics.median(o[3]) * 1000
                        cpu = f"{e_cpu:6.3f}/{o_cpu:6.3f} {e_cpu / o_cpu:6.2f}"
                    else:
                        cpu = f"{'—':>13} {'—':>6}"
                    print(
                        f"{mode:15} {kind:12} {e_rate:7.0f} {o_rate:9.0f} {e_rate / o_rate:6.2f} | "
                        f"{e50:6.2f}/{o50:6.2f} {e50 / o50:6.2f} | {e99:7.2f}/{o99:7.2f} {e99 / o99:6.2f} | "
                        f"{cpu} | {e[2]}/{o[2]}"
                    )
        workers = children(ours.pid)
        print(
            "\netomkg worker RSS: "
            + ", ".join(f"{rss_mb(pid):.0f} MB" for pid in workers)
            + f" (master {rss_mb(ours.pid):.0f} MB); oxigraph RSS {rss_mb(oxi.pid):.0f} MB"
        )
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
