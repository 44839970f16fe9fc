"""Consistency with owlready2 + HermiT (Java), on the ontology with one release's assertions at a time.

HermiT on all ~400,000 triples at once takes minutes; so each release is reasoned on separately, with the
framework graph, the extension files, and the types and data values of the elements of other releases it
points to (one hop). What this proves:

* *Sound*: every chunk is a subset of the whole graph, so an inconsistency found is an inconsistency.
* *Complete for graphs that pass the shapes*: the ontology has no nominals, so distant assertions interact
  only along property assertions. Across a release boundary those are lineage links (etom:previousVersion,
  etom:classicCounterpart …), whose consequences at the far end are typing by domain and range and clashes
  with that element's own types and data values, all of which the chunk holds. Chains of merges through
  functional properties (etom:parent, etom:release, etom:level …) would need two values of one functional
  property, which the shapes already report as violations.

Annotations (labels, definitions, notes) carry no logical meaning and are left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pyoxigraph as ox

from ..files import ontology_dir
from ..iris import OWL, RDF, Iris, configured_base
from ..store import bundled_nquads_path
from .dataset import Dataset, _bundled_ntriples
from .owl import CONSISTENCY_RULE, SATISFIABLE_RULE, OwlFinding

_SCRIPT = """
import sys, owlready2
world = owlready2.World()
world.get_ontology("file://" + sys.argv[1]).load()
try:
    owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
except owlready2.OwlReadyInconsistentOntologyError:
    print("INCONSISTENT")
    sys.exit(0)
print("CONSISTENT")
for cls in world.inconsistent_classes():
    print("UNSATISFIABLE", cls.iri)
"""


def java_problem() -> str | None:
    """Why HermiT cannot run here, or None when a Java runtime is found."""
    import owlready2

    if shutil.which(getattr(owlready2, "JAVA_EXE", "java") or "java") or shutil.which("java"):
        return None
    return ("HermiT needs a Java runtime and none was found (install one, e.g. `apt-get install "
            "default-jre-headless` or `bash tools/system-deps.sh`); the consistency check did not run, every other "
            "check did")  # fmt: skip


def ontology_ntriples() -> bytes:
    triples = [
        t for path in sorted(ontology_dir().glob("*.ttl")) for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
    ]
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


def logical_assertions(chunk: ox.Store, ontology: ox.Store) -> bytes:
    """Class assertions with declared classes and assertions of declared object and datatype properties."""
    declared = {
        row["t"].value: row["k"].value
        for row in ontology.query(
            f"SELECT ?t ?k WHERE {{ ?t a ?k VALUES ?k {{ <{OWL}Class> <{OWL}ObjectProperty> <{OWL}DatatypeProperty> }} }}"
        )
    }
    classes = {t for t, k in declared.items() if k == OWL + "Class"}
    properties = {t for t, k in declared.items() if k != OWL + "Class"}
    keep = [
        q
        for q in chunk.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if q.predicate.value in properties
        or (q.predicate.value == RDF + "type" and isinstance(q.object, ox.NamedNode) and q.object.value in classes)
    ]
    return ox.serialize(keep, format=ox.RdfFormat.N_TRIPLES) if keep else b""


def release_chunk(dataset: Dataset, release: str, base: str | None = None) -> ox.Store:
    iris = Iris(configured_base(base))
    graphs = (iris.framework_graph, iris.graph(release))
    if dataset.graph_data is not None:  # data from a knowledge graph (a remote store), not the bundled file
        data = dataset.graph_data(graphs)
    else:
        data, _ = _bundled_ntriples(str(bundled_nquads_path(base)), graphs)
    chunk = ox.Store()
    chunk.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    for user_file in dataset.user_files:
        chunk.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in user_file.statements)
    subjects = {q.subject for q in chunk.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    foreign = {
        q.object
        for q in chunk.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if isinstance(q.object, ox.NamedNode) and q.object not in subjects and q.predicate.value != RDF + "type"
    }
    for node in sorted(foreign, key=str):  # one hop into other releases: their types and data values
        chunk.bulk_extend(
            q
            for q in dataset.store.quads_for_pattern(node, None, None, ox.DefaultGraph())
            if isinstance(q.object, ox.Literal) or q.predicate.value == RDF + "type"
        )
    return chunk


def run_hermit(ntriples: bytes, timeout: int = 900) -> tuple[bool, list[str]]:
    """(consistent, unsatisfiable classes) by HermiT through owlready2, in a child process (owlready2 keeps
    global state, and a child can be stopped by a time-out)."""
    with tempfile.TemporaryDirectory(prefix="etomkg-hermit-") as folder:
        path = os.path.join(folder, "input.nt")
        with open(path, "wb") as handle:
            handle.write(ntriples)
        done = subprocess.run([sys.executable, "-c", _SCRIPT, path], capture_output=True, text=True, timeout=timeout)
    lines = done.stdout.splitlines()
    if "INCONSISTENT" in lines:
        return False, []
    if "CONSISTENT" not in lines:
        raise RuntimeError(f"HermiT did not run: {(done.stderr or done.stdout).strip()[-2000:]}")
    return True, sorted(line.split(" ", 1)[1] for line in lines if line.startswith("UNSATISFIABLE "))


def check_consistency(dataset: Dataset, releases: list[str], base: str | None = None) -> list[OwlFinding]:
    ontology_data = ontology_ntriples()
    ontology = ox.Store()
    ontology.bulk_load(ontology_data, format=ox.RdfFormat.N_TRIPLES)
    findings: list[OwlFinding] = []
    unsatisfiable: set[str] = set()
    iris = Iris(configured_base(base))
    for release in releases:
        abox = logical_assertions(release_chunk(dataset, release, base), ontology)
        consistent, unsat = run_hermit(ontology_data + abox)
        unsatisfiable.update(unsat)
        if not consistent:
            findings.append(OwlFinding(CONSISTENCY_RULE, iris.release(release), {
                "en": f"HermiT finds the ontology with the assertions of release {release}"
                      f"{' and your files' if dataset.user_files else ''} inconsistent.",
                "zh": f"HermiT 判定本体与 {release} 版{'及你的文件' if dataset.user_files else ''}的断言不一致。",
            }))  # fmt: skip
    for cls in sorted(unsatisfiable):
        findings.append(OwlFinding(SATISFIABLE_RULE, cls, {
            "en": f"HermiT finds the class {cls} unsatisfiable: it can have no instance.",
            "zh": f"HermiT 判定类 {cls} 不可满足：它不可能有任何实例。",
        }))  # fmt: skip
    return findings
