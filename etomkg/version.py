"""The version of etomkg, read from the installed metadata: pyproject.toml is its one source."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("etomkg")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"
