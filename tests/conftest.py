"""Shared fixtures: the bundled graph, the CLI, the reference data and the conformance kit."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

import etomkg
from etomkg.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = ROOT / "etomkg" / "data" / "reference"
ETOMKG_BIN = str(Path(sys.executable).parent / "etomkg")


@pytest.fixture(scope="session")
def kg() -> etomkg.KnowledgeGraph:
    return etomkg.open()


@pytest.fixture(scope="session")
def reference_rows() -> list[dict[str, str]]:
    with (REFERENCE / "processes.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def reference_counts(reference_rows) -> Counter:
    """Distinct identifiers per (release, level) in the reference file."""
    ids = {(r["release"], int(r["level"]), r["id"]) for r in reference_rows}
    return Counter((release, level) for release, level, _ in ids)


class Cli:
    """Runs the real ``etomkg`` command in process (fast) or as a subprocess (exact)."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, expect: int | None = 0):
        result = self.runner.invoke(cli_main, list(args), input=input, catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.output, result.stderr)
        return result

    def run(
        self,
        *args: str,
        input: str | None = None,
        expect: int | None = 0,
        cwd: str | None = None,
        env: dict | None = None,
    ) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [ETOMKG_BIN, *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            timeout=600,
        )
        if expect is not None:
            assert proc.returncode == expect, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
        return proc


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (conformance kit) is not next to the repository")
    return SHARED


@pytest.fixture()
def tmp_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    yield out
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def base_store(tmp_path_factory) -> Path:
    """A persistent store holding the bundled graph, made once per session (copy it with ``store_dir``)."""
    path = tmp_path_factory.mktemp("stores") / "base"
    etomkg.open(store=path)
    return path


@pytest.fixture()
def store_dir(base_store, tmp_path) -> Path:
    """A fresh persistent store of the bundled graph for one test (a cheap RocksDB checkpoint of ``base_store``)."""
    from etomkg.persist import StoreFolder

    return StoreFolder(base_store).copy_to(tmp_path / "store").path
