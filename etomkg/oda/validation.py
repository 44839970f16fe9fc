"""A user's component specification as data for ``etomkg validate spec.yaml``: the reader's canonical form
rendered as triples (checked by the rules of ``shapes/oda.ttl`` with the rest), and where each element is
written, so that reports point at the line."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from ..iris import Iris, configured_base, slug
from .rdf import OdaIris
from .spec import Problem, SpecError, read_spec, sid_domain_problems

SPEC_SUFFIXES = (".yaml", ".yml")


@lru_cache(maxsize=1)
def _bundled() -> tuple:
    from ..content.sources import load_content
    from .resolve import Resolver
    from .tables import bundled_specs

    specs = bundled_specs()
    return Resolver.for_content(load_content()), {v.api for v in specs.api_index}


def _prefix(path: str, iris: Iris) -> str:
    return iris.extension(slug(Path(path).stem) or "spec")


def spec_problems(path: str) -> tuple[str, list[Problem]]:
    """The component's identifier (the file name's stem when it has none) and the problems of its structure
    (rules ``oda-spec-001`` … ``005``, the same as ``etomkg import oda`` finds in one file); a file that does not
    read as a component is one ``oda-spec-001`` problem where the reader stopped."""
    from .tables import bundled_specs

    try:
        component, problems = read_spec(path)
    except SpecError as exc:
        return Path(path).stem, [Problem("oda-spec-001", exc.path, exc.line, exc.detail)]
    sid_domains = {abe.domain for c in bundled_specs().components for abe in c.abes}
    return component.identifier, problems + sid_domain_problems(component, sid_domains)


def spec_triples(path: str, base: str | None = None) -> list[ox.Triple]:
    """The triples of one specification; raises ``SpecError`` (with its line) when it cannot be read or its
    structure is broken (rules oda-spec-001 … 004), since nothing sensible can be checked then."""
    from .imports import spec_quads
    from .spec import SpecError

    component, problems = read_spec(path)
    if problems:
        first = problems[0]
        listed = "; ".join(f"line {p.line}: [{p.rule}] {p.message}" for p in problems)
        raise SpecError(path, first.line, listed)
    iris = Iris(configured_base(base))
    resolver, apis = _bundled()
    quads = spec_quads([component], iris, _prefix(path, iris), resolver, apis)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def subject_lines(path: str, base: str | None = None) -> dict[str, int]:
    """IRI of each element a specification states → the line it is written on."""
    try:
        component, _ = read_spec(path)
    except Exception:  # noqa: BLE001 - a file that does not read has no lines to give
        return {}
    iris = Iris(configured_base(base))
    ids = OdaIris(iris, _prefix(path, iris))
    c = component.identifier
    lines = {ids.component(c): component.line or 1}
    for index, ref in enumerate(component.processes, start=1):
        lines[ids.reference(c, index)] = ref.line or 1
    for use in component.apis:
        lines[ids.usage(c, use.function, use.direction, use.api)] = use.line or 1
    return lines
