"""The questions users ask, shipped as documented SPARQL files (``*.rq`` in this folder).

Each file starts with a header of comment lines::

    # title: Upstream of a process
    # title@zh: 流程的上游
    # description: …
    # description@zh: …
    # param: process | identifier | 1.4.5 | The process whose suppliers are listed.

A parameter is written ``$name`` in the query and replaced by a SPARQL string
literal (the default, or the value given) before the query runs, so the text
that runs is the text a person can read, copy into YASGUI and run anywhere:
every query names its release, so it also works on the union of all releases.

>>> import etomkg
>>> from etomkg import queries
>>> [q.name for q in queries.all_queries()][:3]
['cross-domain-flows', 'cross-layer-flows', 'downstream']
>>> rows = queries.run(etomkg.store.open_cached(), "e2e-steps", flow="trouble-to-resolve-proactive", release="25.5")
>>> [(r["step"], r["processId"]) for r in rows]
[('1', '1.5.7'), ('2', '1.5.8'), ('3', '1.4.6'), ('4', '1.3.7')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import EtomkgError
from ..iris import RELEASES

_HERE = Path(__file__).resolve().parent
_HEADER = re.compile(r"^#\s*([a-z]+(?:@[a-z]+)?):\s*(.*)$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")

#: What each kind of parameter accepts, as (pattern, what to write).
PARAMETER_KINDS: dict[str, tuple[re.Pattern, str]] = {
    "identifier": (re.compile(r"^1(\.\d+)*$"), "a process identifier such as 1.4.5"),
    "release": (re.compile("^(" + "|".join(re.escape(r) for r in RELEASES) + ")$"), "one of " + ", ".join(RELEASES)),
    "lang": (re.compile(r"^(en|zh)$"), "en or zh"),
    "key": (re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$"), "a lower-case key such as service-order"),
    "component": (re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"), "an ODA component identifier such as TMFC005"),
    "api": (re.compile(r"^TMF\d{3}[A-Z]?$"), "an Open API identifier such as TMF640"),
}


class QueryError(EtomkgError, ValueError):
    """An unknown query, an unknown parameter or a parameter value of the wrong shape."""


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # a key of PARAMETER_KINDS
    default: str
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """One shipped query: its documentation, its parameters and its text."""

    name: str
    title: str
    title_zh: str
    description: str
    description_zh: str
    parameters: tuple[Parameter, ...]
    template: str  # the file as shipped, parameters still written $name

    def values(self, **params: str | None) -> dict[str, str]:
        """Parameter values: the given ones (checked) over the defaults."""
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join(unknown)}; "
                f"its parameters are: {', '.join(known) or 'none'}"
            )
        values = {}
        for name, param in known.items():
            value = params.get(name)
            value = param.default if value is None else str(value).strip()
            pattern, expected = PARAMETER_KINDS[param.kind]
            if not pattern.match(value):
                raise QueryError(f"parameter {name} of query {self.name!r}: {value!r} is not {expected}")
            values[name] = value
        return values

    def text(self, **params: str | None) -> str:
        """The runnable SPARQL text: every ``$name`` replaced by its value as a string literal."""
        values = self.values(**params)
        header, body = _split(self.template)
        return header + _PARAM_USE.sub(lambda m: _literal(values[m.group(1)]), body)


def _split(text: str) -> tuple[str, str]:
    """The header (the leading comment lines) and the query."""
    lines = text.splitlines(keepends=True)
    n = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[:n]), "".join(lines[n:])


def _literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not line.startswith("#"):
            break
        if not match:
            continue
        key, value = match.groups()
        if key == "param":
            name, kind, default, description = (part.strip() for part in value.split("|"))
            if kind not in PARAMETER_KINDS:
                raise QueryError(f"{path.name}: parameter {name} has unknown kind {kind!r}")
            params.append(Parameter(name, kind, default, description))
        else:
            fields[key] = value.strip()
    used = set(_PARAM_USE.findall(_split(text)[1]))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(f"{path.name}: parameters used {sorted(used)} but declared {sorted(declared)}")
    return NamedQuery(
        name=path.stem,
        title=fields["title"],
        title_zh=fields["title@zh"],
        description=fields["description"],
        description_zh=fields["description@zh"],
        parameters=tuple(params),
        template=text,
    )


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, NamedQuery]:
    return {path.stem: _parse(path) for path in sorted(_HERE.glob("*.rq"))}


def names() -> list[str]:
    """Names of the shipped queries, sorted."""
    return list(_catalogue())


def all_queries() -> list[NamedQuery]:
    return list(_catalogue().values())


def load(name: str) -> NamedQuery:
    """The shipped query called ``name`` (its file name without ``.rq``)."""
    try:
        return _catalogue()[name]
    except KeyError:
        raise QueryError(f"no query named {name!r}; the shipped queries are: {', '.join(names())}") from None


def catalogue(lang: str = "en") -> list[dict[str, str]]:
    """``[{name, title, description, text}]`` with the default parameters filled in: for example pages and YASGUI tabs.

    >>> entry = catalogue("zh")[0]
    >>> entry["name"], entry["title"]
    ('cross-domain-flows', '跨域的数据流')
    """
    return [
        {
            "name": q.name,
            "title": q.title_zh if lang == "zh" else q.title,
            "description": q.description_zh if lang == "zh" else q.description,
            "text": q.text(),
        }
        for q in all_queries()
    ]


def run(kg, name: str, **params: str | None) -> list[dict[str, str]]:
    """Run a shipped SELECT query on ``kg`` and return its rows (dicts of plain strings)."""
    return kg.select(load(name).text(**params))


__all__ = ["NamedQuery", "Parameter", "QueryError", "all_queries", "catalogue", "load", "names", "run"]
