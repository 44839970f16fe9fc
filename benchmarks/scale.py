"""Scale benchmark: an operator's extension of ~1.5 million triples, on the embedded store and on a remote one.

    .venv/bin/python benchmarks/scale.py [--triples 1500000] [--seed 7] [--repeat 31] [--location disk|memory]
    .venv/bin/python benchmarks/scale.py generate -o acme.nq [--triples N] [--seed S]

The generator writes what a large operator maps onto eTOM, in the project's vocabulary
(``etom:OperatorProcess``, ``etom:Application``, ``etom:SystemElement``, ``etom:mapsTo``), one
named graph per release (``{base}/extension/acme-ops-<release>``): its own L5, L6 and L7 processes
numbered on below the real L4s of every release (after any L5 eTOM already has there), with English
and Chinese names and a definition, and applications and systems each mapped to a handful of eTOM
and operator processes. The same seed gives the same bytes.

The benchmark then prints, for the embedded store and for a real Oxigraph server side by side:
load or push time, memory, and the latency of the documented queries (``etomkg/queries/*.rq``)
and of representative queries over the extension. The remote's own answer time is measured in the same
run by sending the very same protocol request with a minimal HTTP client (``http.client``, one
kept-alive connection, no parsing); the ratio to it is what etomkg's remote back end adds.

Targets (issue 9): push of 1.5 million triples <= 60 s; query latency through the remote back end
<= 1.5x the remote store's own answer time for the same query. This machine is shared and noisy:
read ratios measured in the same run, not absolute times.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

import etomkg
from etomkg.iris import ETOM, PREFIXES, PROV, RDF, SKOS, XSD, natural_key
from etomkg.outputs.push import push
from etomkg.storage.backends import SparqlBackend
from etomkg.store import bundled_nquads_path

ROOT = Path(__file__).resolve().parents[1]
OXIGRAPH = Path(sys.executable).parent / "oxigraph"

# --- the generator ---

_VERBS = [
    ("Validate", "校验"), ("Capture", "采集"), ("Enrich", "补全"), ("Reconcile", "核对"), ("Dispatch", "派发"),
    ("Schedule", "排程"), ("Approve", "审批"), ("Monitor", "监控"), ("Escalate", "升级"), ("Close", "关闭"),
    ("Correlate", "关联"), ("Allocate", "分配"), ("Notify", "通知"), ("Archive", "归档"), ("Assess", "评估"),
    ("Configure", "配置"), ("Test", "测试"), ("Record", "记录"), ("Rate", "批价"), ("Publish", "发布"),
]  # fmt: skip
_OBJECTS = [
    ("Order Line", "订单行"), ("Work Order", "工单"), ("Fault Ticket", "故障单"), ("Field Task", "现场任务"),
    ("Port Reservation", "端口预占"), ("SIM Profile", "SIM 配置"), ("Fibre Route", "光纤路由"),
    ("Usage Batch", "话单批次"), ("Customer Consent", "客户授权"), ("Price Plan", "资费计划"),
    ("Partner Invoice", "合作方账单"), ("Alarm Group", "告警组"), ("Capacity Forecast", "容量预测"),
    ("Number Block", "号段"), ("Service Instance", "服务实例"), ("Credit Check", "信用检查"),
    ("Installation Slot", "装机时段"), ("Network Slice", "网络切片"), ("KPI Report", "KPI 报表"),
    ("Contract Amendment", "合同变更"),
]  # fmt: skip
_QUALIFIERS = [
    ("for Enterprise Accounts", "（政企）"), ("for Consumer Mobile", "（个人移动）"), ("for Fixed Broadband", "（固网宽带）"),
    ("in the Regional Hub", "（区域中心）"), ("for Wholesale Partners", "（批发合作方）"), ("after Hours", "（非工作时间）"),
    ("for 5G Standalone", "（5G 独立组网）"), ("for IoT Devices", "（物联网设备）"), ("", ""), ("", ""),
]  # fmt: skip
_APP_KINDS = [
    ("CRM", "客户关系管理"), ("Order Manager", "订单管理"), ("Service Inventory", "服务资源库"),
    ("Activation Gateway", "开通网关"), ("Mediation", "话单采集"), ("Rating Engine", "批价引擎"),
    ("Billing", "计费"), ("Trouble Ticketing", "工单系统"), ("Fault Manager", "故障管理"),
    ("Performance Monitor", "性能监控"), ("Partner Portal", "合作方门户"), ("Data Lake", "数据湖"),
]  # fmt: skip


def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _l4s(kg: etomkg.KnowledgeGraph, release: str) -> list[tuple[str, str, str, int]]:
    """(IRI, identifier, English name, highest existing child number) of the live L4s of a release."""
    rows = kg.select(
        """SELECT ?p ?id ?name (MAX(?n) AS ?last) WHERE {
             ?p a etom:ProcessElement ; etom:level 4 ; skos:notation ?id ; skos:prefLabel ?name .
             FILTER(lang(?name) = "en") FILTER NOT EXISTS { ?p a etom:DeletedProcess }
             OPTIONAL { ?c etom:parent ?p ; skos:notation ?cid . BIND(xsd:integer(REPLACE(?cid, "^.*\\\\.", "")) AS ?n) }
           } GROUP BY ?p ?id ?name""",
        release=release,
    )
    found = [(r["p"], r["id"], r["name"], int(r.get("last", 0) or 0)) for r in rows]
    return sorted(found, key=lambda row: natural_key(row[1]))


def _domains(kg: etomkg.KnowledgeGraph, release: str) -> dict[str, str]:
    rows = kg.select("SELECT ?d ?id WHERE { ?d a etom:Domain ; skos:notation ?id }", release=release)
    return {r["id"]: r["d"] for r in rows}


class _ReleaseExtension:
    """The extension graph of one release, written as N-Quads lines."""

    def __init__(self, kg: etomkg.KnowledgeGraph, release: str, rng: random.Random) -> None:
        self.kg, self.release, self.rng = kg, release, rng
        self.name = f"acme-ops-{release.replace('.', '-')}"
        self.extension = f"{kg.iris.base}/extension/{self.name}"  # as issue 7's `etomkg import extension` names it
        self.graph = f"<{self.extension}>"
        self.release_iri = f"<{kg.iris.release(release)}>"
        self.domains = _domains(kg, release)
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} {self.graph} .\n")

    def process(self, parent_iri: str, parent_id: str, number: int, depth: int, context: str) -> tuple[str, str]:
        ident = f"{parent_id}.{number}"
        iri = f"<{self.extension}/process/{ident}>"
        verb, obj, qual = self.rng.choice(_VERBS), self.rng.choice(_OBJECTS), self.rng.choice(_QUALIFIERS)
        en = " ".join(x for x in (verb[0], obj[0], qual[0]) if x)
        zh = f"{verb[1]}{obj[1]}{qual[1]}"
        add, e = self.add, f"<{ETOM}"
        for cls in (f"{e}OperatorProcess>", f"{e}ProcessElement>", f"<{SKOS}Concept>"):
            add(iri, f"<{RDF}type>", cls)
        add(iri, f"<{SKOS}notation>", _lit(ident))
        add(iri, f"<{SKOS}prefLabel>", _lit(en, "en"))
        add(iri, f"<{SKOS}prefLabel>", _lit(zh, "zh"))
        add(iri, f"<{SKOS}definition>", _lit(f"Acme's own step of {context}: {en.lower()}.", "en"))
        add(iri, f"<{PROV}wasDerivedFrom>", self.graph)
        add(iri, f"{e}level>", f'"{depth}"^^<{XSD}integer>')
        add(iri, f"{e}hierarchyLevel>", f"<{self.kg.iris.level(depth)}>")
        add(iri, f"{e}parent>", parent_iri)
        add(iri, f"<{SKOS}broader>", parent_iri)
        add(iri, f"{e}release>", self.release_iri)
        add(iri, f"<{SKOS}inScheme>", self.release_iri)
        domain = self.domains.get(".".join(ident.split(".")[:2]))
        if domain:
            add(iri, f"{e}domain>", f"<{domain}>")
        return iri, ident

    def mapped(self, number: int, targets: list[str], extra_targets: int) -> None:
        kind, cls = ("system", "SystemElement") if number % 7 == 0 else ("application", "Application")
        key = f"{'SYS' if kind == 'system' else 'APP'}-{number:05d}"
        iri = f"<{self.extension}/{kind}/{key}>"
        label = self.rng.choice(_APP_KINDS)
        self.add(iri, f"<{RDF}type>", f"<{ETOM}{cls}>")
        self.add(iri, f"<{SKOS}notation>", _lit(key))
        self.add(iri, f"<{SKOS}prefLabel>", _lit(f"{label[0]} {number}", "en"))
        self.add(iri, f"<{SKOS}prefLabel>", _lit(f"{label[1]} {number}", "zh"))
        self.add(iri, f"<{PROV}wasDerivedFrom>", self.graph)
        for target in self.rng.sample(targets, k=min(len(targets), extra_targets + self.rng.randint(2, 6))):
            self.add(iri, f"<{ETOM}mapsTo>", f"<{target}>")


def generate(kg: etomkg.KnowledgeGraph, out, *, triples: int = 1_500_000, seed: int = 7) -> dict[str, int]:
    """Write the extension as N-Quads to the binary file ``out``; returns triples per graph."""
    rng = random.Random(seed)
    per_release = triples // len(kg.releases)
    counts: dict[str, int] = {}
    for release in kg.releases:
        ext = _ReleaseExtension(kg, release, rng)
        l4s = _l4s(kg, release)
        rng.shuffle(l4s)  # spread a partial pass over every domain
        # Processes take ~85 % of the triples, spread over every L4; applications and systems the rest.
        targets: list[str] = [p for p, *_ in l4s]
        numbered = {l4_id: last for _, l4_id, _, last in l4s}  # operator L5s number on after eTOM's own
        cursor = 0
        while len(ext.lines) < int(per_release * 0.85):
            l4_iri, l4_id, l4_name, _ = l4s[cursor % len(l4s)]
            cursor += 1
            for _ in range(rng.randint(1, 3)):
                numbered[l4_id] += 1
                p5, id5 = ext.process(f"<{l4_iri}>", l4_id, numbered[l4_id], 5, l4_name)
                targets.append(p5[1:-1])
                for n6 in range(rng.randint(0, 3)):
                    p6, id6 = ext.process(p5, id5, n6 + 1, 6, l4_name)
                    targets.append(p6[1:-1])
                    for n7 in range(rng.randint(0, 2)):
                        p7, _ = ext.process(p6, id6, n7 + 1, 7, l4_name)
                        targets.append(p7[1:-1])
        extra_targets = max(0, (per_release - len(ext.lines)) // 5000)
        number = 0
        while len(ext.lines) < per_release:
            number += 1
            ext.mapped(number, targets, extra_targets)
        out.write("".join(ext.lines).encode("utf-8"))
        counts[ext.extension] = len(ext.lines)
    return counts


# --- measuring ---

REPRESENTATIVE = {
    "lookup by identifier (25.5)": (
        'SELECT ?p ?name WHERE { ?p skos:notation "1.4.5.2" ; etom:release <{r255}> ; skos:prefLabel ?name }'
    ),
    "1.4.5 name per release": (
        'SELECT ?r ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name ; etom:release ?r '
        'FILTER(lang(?name) = "en") } ORDER BY ?r'
    ),
    "children of an L3, natural order": (
        "SELECT ?id ?name WHERE { ?c etom:parent ?p ; skos:notation ?id ; skos:prefLabel ?name . "
        '?p skos:notation "1.4.5.2" ; etom:release <{r255}> FILTER(lang(?name) = "en") } '
        "ORDER BY etom:sortKey(?id)"
    ),
    "L5-L7 per release (GROUP BY)": (
        "SELECT ?r ?level (COUNT(?p) AS ?n) WHERE { ?p a etom:OperatorProcess ; etom:release ?r ; "
        "etom:level ?level } GROUP BY ?r ?level ORDER BY ?r ?level"
    ),
    "applications in the 1.4.5 subtree (25.5)": (
        'SELECT DISTINCT ?app ?key WHERE { ?root skos:notation "1.4.5" ; etom:release <{r255}> . '
        "?p etom:parent* ?root . ?app etom:mapsTo ?p ; skos:notation ?key } ORDER BY ?key"
    ),
    "descendants of 1.4 (25.5), counted": (
        'SELECT (COUNT(?d) AS ?n) WHERE { ?root skos:notation "1.4" ; etom:release <{r255}> . ?d etom:parent+ ?root }'
    ),
}


def documented_queries(kg: etomkg.KnowledgeGraph) -> dict[str, str]:
    """The shipped, documented queries (``etomkg/queries/*.rq``, default parameters) and the representative
    queries over the extension (the shipped ones are about data flows, which the extension does not touch)."""
    found: dict[str, str] = {}
    try:
        from etomkg import queries as shipped

        found = {f"{q.name}.rq": q.text() for q in shipped.all_queries()}
    except ImportError:  # a checkout without shipped queries
        pass
    values = {"r255": kg.iris.release("25.5")}
    for name, text in REPRESENTATIVE.items():
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        found[name] = text
    return found


class DirectClient:
    """The minimal client: one kept-alive connection, the request bytes prepared once, the answer read, not parsed."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.path = parts.path or "/"
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)

    def time_ms(self, body: bytes, accept: str) -> tuple[float, int]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        start = time.perf_counter()
        self.connection.request("POST", self.path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {data[:300]!r}")
        return elapsed, len(data)


def _child(code: str) -> tuple[dict, float]:
    """Run code in a fresh interpreter; it prints a JSON object. Returns it and the child's own peak RSS (MB)."""
    measured = code + "\nimport resource as _r; print(json.dumps({'peak_kb': _r.getrusage(_r.RUSAGE_SELF).ru_maxrss}))"
    proc = subprocess.run([sys.executable, "-c", measured], capture_output=True, text=True, check=True)
    lines = proc.stdout.strip().splitlines()
    return json.loads(lines[-2]), json.loads(lines[-1])["peak_kb"] / 1024


def _rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process (Linux /proc)."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _start_oxigraph(location: str | None) -> tuple[subprocess.Popen, str]:
    import socket
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [str(OXIGRAPH), "serve", "--bind", f"127.0.0.1:{port}"]
    if location:
        args += ["--location", location]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(root + "/query?query=ASK%7B%7D", timeout=2):
                return proc, root
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("oxigraph serve did not start")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run(args: argparse.Namespace) -> None:
    bundled = etomkg.open()
    with tempfile.TemporaryDirectory(prefix="etomkg-scale-") as scratch:
        ext_path = os.path.join(scratch, "acme-ops.nq")
        started = time.perf_counter()
        with open(ext_path, "wb") as handle:
            counts = generate(bundled, handle, triples=args.triples, seed=args.seed)
        generate_s = time.perf_counter() - started
        ext_triples = sum(counts.values())
        bundled_path = str(bundled_nquads_path())
        del bundled
        print(
            f"extension: {ext_triples:,} triples in {len(counts)} graphs (generated in {generate_s:.1f} s); "
            f"with the bundled graph: {ext_triples + 395_000:,}+ quads"
        )

        # Embedded: load into an on-disk store (what --store keeps) and into memory, each in a fresh process.
        code = (
            "import json, time, pyoxigraph as ox; t=time.perf_counter(); s=ox.Store({loc}); "
            f"s.bulk_load(path={bundled_path!r}, format=ox.RdfFormat.N_QUADS); "
            f"s.bulk_load(path={ext_path!r}, format=ox.RdfFormat.N_QUADS); s.flush() if {{flush}} else None; "
            "print(json.dumps({{'s': time.perf_counter()-t, 'quads': len(s)}}))"
        )
        disk_dir = os.path.join(scratch, "embedded-store")
        disk, disk_peak = _child(code.format(loc=repr(disk_dir), flush=True))
        memory, memory_peak = _child(code.format(loc="", flush=False))

        # The store for queries and for push: in this process, in memory.
        store = ox.Store()
        store.bulk_load(path=bundled_path, format=ox.RdfFormat.N_QUADS)
        store.bulk_load(path=ext_path, format=ox.RdfFormat.N_QUADS)
        embedded = etomkg.KnowledgeGraph(store)

        location = os.path.join(scratch, "oxigraph") if args.location == "disk" else None
        server, root = _start_oxigraph(location)
        try:
            started = time.perf_counter()
            report = push(embedded, root + "/store", bulk=args.bulk, timeout=1800)
            push_s = time.perf_counter() - started
            rss, peak = _rss_mb(server.pid)
            remote = etomkg.KnowledgeGraph(SparqlBackend(root + "/query", timeout=600))
            assert len(remote) == len(embedded), (len(remote), len(embedded))
            queries = documented_queries(embedded)
            direct = DirectClient(root + "/query")
            rows = []
            for name, text in queries.items():
                form, fields = remote.backend.prepare(text, prefixes=PREFIXES, use_default_graph_as_union=True)
                accept = "application/sparql-results+json"
                body = urlencode(fields).encode()
                n = len(list(embedded.query(text)))
                assert len(list(remote.query(text))) == n, name
                emb, via, own = [], [], []
                for i in range(args.repeat):  # interleaved, in alternating order: load on the machine hits all alike
                    t0 = time.perf_counter()
                    list(embedded.query(text))
                    emb.append((time.perf_counter() - t0) * 1000)
                    if i % 2:
                        own.append(direct.time_ms(body, accept)[0])
                    t0 = time.perf_counter()
                    list(remote.query(text))
                    via.append((time.perf_counter() - t0) * 1000)
                    if not i % 2:
                        own.append(direct.time_ms(body, accept)[0])
                paired = _median([v / o for v, o in zip(via, own, strict=True)])
                rows.append((name, n, _median(emb), _median(via), _median(own), paired))
        finally:
            server.terminate()
            server.wait(timeout=30)

    total = report.triples
    print(f"\n{'':34} {'embedded':>14} {'remote (Oxigraph ' + args.location + ')':>28}")
    print(
        f"{'load / push':34} {disk['s']:>12.1f} s  {push_s:>26.1f} s   "
        f"push {total:,} triples: {total / push_s:,.0f}/s (target: 1.5 M <= 60 s -> "
        f"{1_500_000 / (total / push_s):.0f} s at this rate)"
    )
    print(f"{'  load into memory':34} {memory['s']:>12.1f} s")
    print(f"{'  push / embedded disk load':34} {'':>14} {push_s / disk['s']:>27.2f}x")
    print(
        f"{'memory (peak RSS, MB)':34} {disk_peak:>11.0f} MB  {peak:>25.0f} MB   "
        f"(embedded: loading process; remote: the Oxigraph server, {rss:.0f} MB now)"
    )
    print(f"{'  in memory':34} {memory_peak:>11.0f} MB")
    print(
        f"\n{'query (median ms of --repeat runs)':44} {'rows':>7} {'embedded':>10} {'remote':>10} "
        f"{'store own':>10} {'remote/own':>11} "
        f"{'remote/emb':>11}"
    )
    worst = 0.0
    for name, n, emb, via, own, ratio in rows:
        worst = max(worst, ratio)
        print(f"{name[:44]:44} {n:>7} {emb:>8.1f}ms {via:>8.1f}ms {own:>8.1f}ms {ratio:>10.2f}x {via / emb:>10.2f}x")
    print("(remote/own: the median of the ratios of interleaved pairs, robust to the load of a shared machine)")
    print(f"\nworst remote/own ratio {worst:.2f}x (target <= 1.5x); push {push_s:.1f} s for {total:,} triples")
    print(
        json.dumps(
            {
                "extension_triples": ext_triples,
                "pushed_triples": total,
                "push_s": round(push_s, 1),
                "embedded_disk_load_s": round(disk["s"], 1),
                "embedded_memory_load_s": round(memory["s"], 1),
                "embedded_peak_mb": round(disk_peak),
                "embedded_memory_peak_mb": round(memory_peak),
                "server_peak_mb": round(peak),
                "queries_ms": {
                    name: [round(emb, 2), round(via, 2), round(own, 2)] for name, _, emb, via, own, _ in rows
                },
                "worst_remote_over_own": round(worst, 2),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["run", "generate"], default="run")
    parser.add_argument("--triples", type=int, default=1_500_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--location", choices=["disk", "memory"], default="disk", help="where Oxigraph keeps data")
    parser.add_argument("--bulk", action="store_true", help="push with Oxigraph's bulk loader (not atomic)")
    parser.add_argument("-o", "--output", help="generate: the N-Quads file to write")
    args = parser.parse_args()
    if args.command == "generate":
        if not args.output:
            parser.error("generate needs -o FILE")
        with open(args.output, "wb") as handle:
            counts = generate(etomkg.open(), handle, triples=args.triples, seed=args.seed)
        print(f"wrote {sum(counts.values()):,} triples in {len(counts)} graphs to {args.output}")
        return
    run(args)


if __name__ == "__main__":
    main()
