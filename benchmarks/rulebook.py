"""How fast the one rule book checks an extension of 1,000 processes, through both commands, against a baseline
measured in the same run.

    .venv/bin/python benchmarks/rulebook.py [--processes 1000] [--mappings 200] [--repeat 3]

Figures (wall-clock seconds, best of --repeat, each a fresh process as a user or CI runs it):

* ``etomkg validate FILE --release 25.5 --format json`` and ``etomkg import extension FILE --check
  --release 25.5 --json``, on the same extension written as CSV and as Turtle (target: <= 5 s each);
* baseline: the SHACL shapes and OWL checks alone on the extension's canonical triples (what ``etomkg
  validate FILE`` did before it read files the way an import does), also in a fresh process.

Read the ratios: the machine is shared and the seconds move with its load; CPU seconds (the process and its
pySHACL workers) move less.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from etomkg.content.synthetic import write_extension_csv  # noqa: E402
from etomkg.validation.inputs import check_file  # noqa: E402

ETOMKG = str(Path(sys.executable).parent / "etomkg")
TARGET = 5.0


def best(command: list[str], repeat: int, codes=(0,)) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds (the process and its workers) of ``repeat`` runs."""
    fastest, least = float("inf"), float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        fastest = min(fastest, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        least = min(least, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in codes:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return fastest, least


def write_turtle(csv_path: Path, path: Path) -> Path:
    """The same extension in Turtle, as the README writes it (identifiers, names, parents; nothing derived)."""
    import csv

    iri = "https://acme.example/etom/"
    release = "https://w3id.org/etomkg/release/25.5/process/"
    with csv_path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    own = {r["id"] for r in rows if r["kind"] == "process"}
    lines = ["@prefix etom: <https://w3id.org/etomkg/ontology#> .", "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .", ""]  # fmt: skip

    def ref(identifier: str) -> str:
        return f"<{iri}p{identifier}>" if identifier in own else f"<{release}{identifier}>"

    classes = {"process": "ProcessElement", "application": "Application", "system": "SystemElement",
               "organisation-unit": "OrganisationUnit"}  # fmt: skip
    for row in rows:
        subject = f"<{iri}{'p' if row['kind'] == 'process' else ''}{row['id']}>"
        props = [f"a etom:{classes[row['kind']]}", f'skos:notation "{row["id"]}"',
                 f'skos:prefLabel "{row["name"]}"@en , "{row["name_zh"]}"@zh']  # fmt: skip
        if row["parent"]:
            props.append(f"etom:parent {ref(row['parent'])}")
        if row["maps_to"]:
            props.append("etom:mapsTo " + " , ".join(ref(t) for t in row["maps_to"].split()))
        lines.append(subject + " " + " ;\n    ".join(props) + " .")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=1000)
    parser.add_argument("--mappings", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="etomkg-rulebook-") as folder:
        csv_file = write_extension_csv(Path(folder) / "acme.csv", options.processes, options.mappings)
        ttl_file = write_turtle(csv_file, Path(folder) / "acme.ttl")
        checked = check_file(csv_file, release="25.5")
        assert checked.report.conforms(), checked.report.render_text(5)
        canonical = Path(folder) / "canonical.nt"
        quads = ox.parse(checked.data, format=ox.RdfFormat.N_QUADS)
        canonical.write_bytes(ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                           format=ox.RdfFormat.N_TRIPLES))  # fmt: skip
        print(f"extension: {options.processes} processes, {options.mappings} mapped elements "
              f"({checked.staged.elements} elements, {len(checked.data.splitlines()):,} canonical triples)")  # fmt: skip
        baseline_code = (f"from etomkg.validation import validate; "
                         f"validate('25.5', [{str(canonical)!r}], scope='files')")  # fmt: skip
        baseline, baseline_cpu = best([sys.executable, "-c", baseline_code], options.repeat)
        print(f"{'baseline: shapes + OWL checks on the canonical triples':54} {baseline:6.2f} s   1.00x"
              f"   cpu {baseline_cpu:5.2f} s   1.00x")  # fmt: skip
        worst = 0.0
        for label, path in (("CSV", csv_file), ("Turtle", ttl_file)):
            for command, args in (
                ("etomkg validate", ["validate", str(path), "--release", "25.5", "--format", "json", "-o", os.devnull]),
                ("etomkg import extension --check", ["import", "extension", str(path), "--check", "--release",
                                                     "25.5", "--json"]),
            ):  # fmt: skip
                seconds, cpu = best([ETOMKG, *args], options.repeat)
                worst = max(worst, seconds)
                print(f"{command + ' ' + label:54} {seconds:6.2f} s   {seconds / baseline:.2f}x"
                      f"   cpu {cpu:5.2f} s   {cpu / baseline_cpu:.2f}x   (target <= {TARGET:.0f} s)")  # fmt: skip
        print(f"slowest: {worst:.2f} s — {'within' if worst <= TARGET else 'OVER'} the {TARGET:.0f} s target")


if __name__ == "__main__":
    main()
