"""The bundled fact tables of the 35 published component specifications (``data/reference/oda/``)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..files import content_dir, reference_dir
from .model import AbeRef, ApiUse, ApiVersion, Component, EventUse, FunctionRef, OdaSpecs, ProcessRef

#: Where the tables come from (see data/reference/oda/SOURCES.md).
SOURCE_KEY = "oda"
SOURCE_TITLE = "TM Forum ODA component specifications (WebSpecDemoData, specifications/TMFC*.yaml)"
SOURCE_URL = "https://github.com/hvaughanattmforum/WebSpecDemoData/tree/d051152/specifications"
SOURCE_REPOSITORY = "https://github.com/hvaughanattmforum/WebSpecDemoData"
SOURCE_COMMIT = "d051152"
SOURCE_DATE = "2026-08-14"


def tables_dir() -> Path:
    return reference_dir() / "oda"


def labels_dir() -> Path:
    return content_dir() / "oda"


def _rows(name: str, folder: Path | None = None) -> list[tuple[int, dict[str, str]]]:
    with ((folder or tables_dir()) / name).open(encoding="utf-8", newline="") as handle:
        return list(enumerate(csv.DictReader(handle), start=2))


@lru_cache(maxsize=1)
def bundled_specs() -> OdaSpecs:
    """The 35 components of the bundled tables, in identifier order (cached per process)."""
    return read_tables(tables_dir())


def read_tables(folder: Path) -> OdaSpecs:
    components = {
        row["component"]: Component(
            row["component"],
            row["name"],
            row["version"],
            row["status"],
            row["functional_block"],
            row["publication_date"],
            line=line,
        )
        for line, row in _rows("components.csv", folder)
    }
    for line, row in _rows("component_etom.csv", folder):
        components[row["component"]].processes.append(
            ProcessRef(row["etom_id"], row["name_token"], row["cited_release"], line)
        )
    for line, row in _rows("component_apis.csv", folder):
        components[row["component"]].apis.append(
            ApiUse(
                row["function"],
                row["direction"],
                row["api"],
                row["required"] == "True",
                tuple(row["versions"].split()),
                tuple(row["resources"].split()),
                line,
            )
        )
    for line, row in _rows("component_events.csv", folder):
        components[row["component"]].events.append(
            EventUse(row["function"], row["direction"], row["name"], tuple(row["resources"].split()), line)
        )
    for line, row in _rows("component_sid.csv", folder):
        components[row["component"]].abes.append(
            AbeRef(row["sid_domain"], row["abe_token"], row["cited_release"], line)
        )
    for line, row in _rows("component_ff.csv", folder):
        components[row["component"]].functions.append(
            FunctionRef(row["function_id"], row["name_token"], row["cited_release"], line)
        )
    index = [ApiVersion(r["api_version"], r["api"], r["version"], r["name"]) for _, r in _rows("open_apis.csv", folder)]
    return OdaSpecs(sorted(components.values(), key=lambda c: c.identifier), index)


@lru_cache(maxsize=1)
def component_labels() -> dict[str, tuple[str, str]]:
    """Component id → (English name, Chinese name), our own rendering of the name tokens."""
    return {row["component"]: (row["name_en"], row["name_zh"]) for _, row in _rows("components-zh.csv", labels_dir())}


@lru_cache(maxsize=1)
def api_labels_zh() -> dict[str, str]:
    """English API name → Chinese name (our translation)."""
    return {row["name_en"]: row["name_zh"] for _, row in _rows("api-names-zh.csv", labels_dir())}


@lru_cache(maxsize=1)
def sid_labels_zh() -> dict[str, str]:
    """English name of a SID domain or ABE (as spelled out from its token) → Chinese name (our translation).

    >>> sid_labels_zh()["Product Offering Specification ABE"], sid_labels_zh()["Service Domain"]
    ('销售品规格 ABE', '业务域')
    """
    return {row["name_en"]: row["name_zh"] for _, row in _rows("sid-names-zh.csv", labels_dir())}


@lru_cache(maxsize=1)
def function_labels_zh() -> dict[str, str]:
    """English name of a Functional Framework function → Chinese name (our translation).

    >>> function_labels_zh()["Repository Entity Relations Configuration"]
    '存储库实体关系配置'
    """
    return {row["name_en"]: row["name_zh"] for _, row in _rows("function-names-zh.csv", labels_dir())}
