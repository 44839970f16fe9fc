"""``etomkg import oda``: users' own component specifications into a store, as one extension graph.

All or nothing, like ``import extension`` (the same store generations, the same registry): every file is read
and every reference checked against the store before anything is written; one problem anywhere rejects the
whole import, listing every problem with its file and line.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..content.quads import TYPE as _TYPE
from ..content.quads import QuadWriter as _Writer
from ..content.quads import etom as _e
from ..content.quads import lit as _lit
from ..errors import EXIT_FAILED, EtomkgError
from ..iris import DCTERMS, Iris
from ..progress import Progress, Silent
from .rdf import OdaIris, component_quads, function_labels
from .resolve import Resolver
from .spec import Problem, SpecError, check_references, read_spec, spec_files
from .tables import bundled_specs


class SpecsRejected(EtomkgError):
    """Component specifications with problems: nothing was imported."""

    exit_code = EXIT_FAILED

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule, p.message))
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n  {lines}")


@dataclass
class OdaImport:
    name: str
    graph: str
    components: list[str]
    references: int
    store: str
    generation: str | None
    quads: list[ox.Quad] = field(default_factory=list, repr=False)
    seconds: float = 0.0

    def render(self) -> str:
        head = f"imported {len(self.components)} ODA component(s) into {self.graph}" if self.generation else (
            f"checked {len(self.components)} ODA component(s): valid, nothing stored")  # fmt: skip
        lines = [head, f"  components  {', '.join(self.components)}", f"  eTOM references  {self.references}"]
        if self.generation:
            lines.append(f"  store: {self.store} (generation {self.generation}) in {self.seconds:.1f} s")
        return "\n".join(lines)


def graph_resolver(store: ox.Store, iris: Iris) -> Resolver:
    """A resolver over what a store holds, found through the graph: its processes and its version links."""
    from ..store import KnowledgeGraph

    kg = KnowledgeGraph(store, iris.base)
    names = {
        (r["release"], r["id"]): r["name"]
        for r in kg.select(
            "SELECT ?release ?id ?name WHERE { ?p a etom:ProcessElement ; etom:release/owl:versionInfo ?release ; "
            'skos:notation ?id ; skos:prefLabel ?name FILTER(lang(?name) = "en") }'
        )
    }
    newer = {
        (r["release"], r["old"]): r["new"]
        for r in kg.select(
            "SELECT ?release ?old ?new WHERE { ?link a etom:VersionLink ; etom:older ?o ; etom:newer ?n . "
            "?o skos:notation ?old ; etom:release/owl:versionInfo ?release . ?n skos:notation ?new }"
        )
    }
    return Resolver(names, newer, kg.releases)


def known_apis(store: ox.Store) -> set[str]:
    rows = store.query(
        "PREFIX etom: <https://w3id.org/etomkg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?id WHERE { ?v etom:versionOfApi ?a . ?a skos:notation ?id }",
        use_default_graph_as_union=True,
    )
    return {row["id"].value for row in rows}


def read_specs(path: str | Path, context) -> tuple[list, list[Problem]]:
    """Every component of a file or folder, and every problem of every file (rules with stable ids).

    ``context()`` gives the resolver and the known APIs; it is called only when every file reads, so a file
    that is not a specification is reported without opening the graph."""
    components, problems = [], []
    seen: dict[str, str] = {}
    for file in spec_files(path):
        try:
            component, found = read_spec(file)
        except SpecError as exc:
            problems.append(Problem("oda-spec-001", exc.path, exc.line, exc.detail))
            continue
        problems += found
        if component.identifier in seen:
            problems.append(Problem("oda-spec-002", str(file), component.line,
                                    f"component id {component.identifier} is also used by {seen[component.identifier]}"))  # fmt: skip
        seen[component.identifier] = str(file)
        components.append(component)
    if any(p.rule == "oda-spec-001" for p in problems):
        return components, problems
    resolver, apis = context()
    sid_domains = {abe.domain for c in bundled_specs().components for abe in c.abes}
    for component in components:
        problems += check_references(component, resolver, apis, sid_domains)
    return components, problems


def spec_quads(components: list, iris: Iris, graph: str, resolver: Resolver, apis: set[str]) -> list[ox.Quad]:
    """The users' components rendered into ``graph`` (their own IRIs under it; shared APIs, events, ABEs)."""
    w = _Writer(graph)
    source = f"{graph}/source"
    w.add(source, _TYPE, _e("Source"))
    w.add(source, DCTERMS + "title", _lit("ODA component specifications imported by a user", "en"))
    functions = function_labels(bundled_specs())
    for component in components:
        component_quads(
            w, component, iris, OdaIris(iris, graph), resolver, apis, source, functions, record_anomalies=False
        )
    return w.quads


def import_oda(
    store_dir: str | Path | None,
    path: str | Path,
    *,
    name: str | None = None,
    check_only: bool = False,
    progress: Progress | None = None,
) -> OdaImport:
    """Check the specifications of ``path`` (a YAML file or a folder of them) and store them as the extension
    graph ``{base}/extension/{name}``; with ``check_only``, check them against the store (or the bundled
    graph) and store nothing. Raises :class:`SpecsRejected` listing every problem."""
    from ..imports.extension import check_name, default_name
    from ..imports.importer import _now, ensure_store, replace_graph
    from ..storage.registry import ImportInfo, record_quads, remove_record

    progress = progress or Silent()
    started = time.perf_counter()
    path = Path(path)
    name = check_name(name or "oda-" + default_name(path))
    if check_only or store_dir is None:
        if not check_only:
            raise EtomkgError("an import needs a store: pass --store DIR (or set ETOMKG_STORE); --check only checks")
        from ..store import open as open_kg
        from ..store import open_cached

        kg = open_kg(store_dir) if store_dir else open_cached()
        components, references = _checked(path, kg.store, kg.iris, progress)
        return OdaImport(name, kg.iris.extension(name), [c.identifier for c in components], references,
                         str(store_dir or "(bundled graph)"), None, seconds=time.perf_counter() - started)  # fmt: skip
    folder = ensure_store(store_dir, progress)
    with folder.transaction() as tx:
        iris = Iris(tx.previous["base"])
        resolver, apis = graph_resolver(tx.store, iris), known_apis(tx.store)
        progress.step("reading the specifications")
        components, problems = read_specs(path, lambda: (resolver, apis))
        if problems:
            raise SpecsRejected(problems)
        graph = iris.extension(name)
        quads = spec_quads(components, iris, graph, resolver, apis)
        progress.step("writing")
        replace_graph(tx.store, graph, quads)
        remove_record(tx.store, iris, "extension", name)
        files = spec_files(path)
        digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
        info = ImportInfo(
            kind="extension",
            key=name,
            release=resolver.newest,
            graphs=[graph],
            source_file=path.name,
            sha256=digest,
            imported_at=_now(),
            triples=len(quads),
            label=f"ODA components {name} ({len(files)} file(s))",
        )
        tx.store.extend(record_quads(iris, info))
        generation = tx.path.name
    progress.done()
    return OdaImport(name, graph, [c.identifier for c in components], sum(len(c.processes) for c in components),
                     str(folder.path), generation, seconds=time.perf_counter() - started)  # fmt: skip


def _checked(path: Path, store: ox.Store, iris: Iris, progress: Progress) -> tuple[list, int]:
    progress.step("reading the specifications")
    components, problems = read_specs(path, lambda: (graph_resolver(store, iris), known_apis(store)))
    progress.done()
    if problems:
        raise SpecsRejected(problems)
    return components, sum(len(c.processes) for c in components)
