"""Where the bundled Turtle sources and content data live.

In a wheel the ``ontology/`` and ``shapes/`` folders are installed inside the
package (``etomkg/ontology``, ``etomkg/shapes``); in a source checkout they sit
beside it. Both layouts resolve here, so nothing else needs to know.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_HERE / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"etomkg: bundled folder {name!r} not found next to {_HERE}; reinstall the package")


def ontology_dir() -> Path:
    return _find("ontology")


def shapes_dir() -> Path:
    return _find("shapes")


def data_dir() -> Path:
    return _HERE / "data"


def reference_dir() -> Path:
    return data_dir() / "reference"


def content_dir() -> Path:
    return data_dir() / "content"


def source_files() -> list[Path]:
    """Every file the bundled graph is built from, in a stable order (for cache keys and manifests)."""
    files = sorted(ontology_dir().glob("*.ttl"))
    for folder in (reference_dir(), content_dir()):
        files += sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".csv", ".ttl", ".md"))
    return files
