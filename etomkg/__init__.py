"""etomkg: TM Forum's eTOM (GB921) as a validated, queryable, exportable knowledge graph.

>>> import etomkg
>>> kg = etomkg.open()
>>> kg.select('SELECT ?name WHERE { ?p skos:notation "1.4.5" ; skos:prefLabel ?name '
...           'FILTER(lang(?name) = "en") }', release="23.0.1")
[{'name': 'Service Configuration & Activation'}]
>>> sorted(["1.3.10", "1.3.2"], key=etomkg.natural_key)
['1.3.2', '1.3.10']
"""

from __future__ import annotations

from .iris import LATEST_RELEASE, RELEASES, natural_key
from .store import KnowledgeGraph, UnknownReleaseError, open
from .version import __version__

__all__ = ["KnowledgeGraph", "UnknownReleaseError", "open", "natural_key", "RELEASES", "LATEST_RELEASE", "__version__"]
