"""Export eTOM to enterprise-architecture tools: the ArchiMate exchange format and Archi's CSV files.

>>> import etomkg
>>> from etomkg.archimate import export_archimate
>>> xml = export_archimate(etomkg.open(), release="25.5", root="1.4.5", max_level=3, languages="en,zh")
>>> xml.startswith(b'<?xml version=') and b'xsi:type="BusinessFunction"' in xml
True

Element type: eTOM is a functional decomposition — TM Forum itself says it
holds no process flows — and ArchiMate's *business function* is exactly
behaviour grouped by competence with no sequence, so ``BusinessFunction`` is
the default at every level. ``element_type="process"`` gives
``BusinessProcess`` for teams that model eTOM activities as processes;
every relationship used here is valid for both.
"""

from __future__ import annotations

from ..store import KnowledgeGraph
from .archicsv import csv_paths, write_archi_csv
from .collect import DEFAULT_ELEMENT_TYPE, ELEMENT_TYPES, ExportOptions, build_model, check_options
from .exchange import write_exchange
from .model import ArchiModel


def archimate_model(
    kg: KnowledgeGraph,
    *,
    release: str | None = None,
    root: str | None = None,
    max_level: int | None = None,
    languages: str | list[str] | None = None,
    element_type: str | None = None,
    views: bool = True,
    components: bool = False,
) -> ArchiModel:
    """The ArchiMate model of a release (or of the subtree under ``root``, down to ``max_level``).

    ``languages`` is a list or a comma-separated string (default: en and zh); bad options raise
    :class:`etomkg.outputs.export.ExportError` before any work is done.
    """
    options = check_options(
        kg,
        release=release,
        root=root,
        max_level=max_level,
        languages=languages,
        element_type=element_type,
        views=views,
        components=components,
    )
    return build_model(kg, options)


def export_archimate(kg: KnowledgeGraph, **options) -> bytes:
    """The exchange file (bytes) of :func:`archimate_model` with the same options."""
    return write_exchange(archimate_model(kg, **options))


def export_archi_csv(kg: KnowledgeGraph, **options) -> dict[str, bytes]:
    """Archi's three CSV files (``{"elements" | "relations" | "properties": bytes}``); views are not carried."""
    options["views"] = False
    return write_archi_csv(archimate_model(kg, **options))


__all__ = [
    "DEFAULT_ELEMENT_TYPE",
    "ELEMENT_TYPES",
    "ExportOptions",
    "archimate_model",
    "csv_paths",
    "export_archi_csv",
    "export_archimate",
    "write_archi_csv",
    "write_exchange",
]
