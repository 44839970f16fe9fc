"""The one atomic writer: parent folders made, all files or none, and never a temporary file left behind."""

from __future__ import annotations

import pytest

from etomkg.atomic import write_file, write_files, write_json
from etomkg.errors import EtomkgError


def test_creates_missing_parent_folders_and_replaces_whole_files(tmp_path):
    target = tmp_path / "a" / "b" / "out.ttl"
    write_file(target, b"first")
    write_file(target, b"second")
    write_json(tmp_path / "m" / "manifest.json", {"b": 1, "a": [2]}, durable=True)
    assert target.read_bytes() == b"second"
    assert (tmp_path / "m" / "manifest.json").read_text() == '{\n "a": [\n  2\n ],\n "b": 1\n}\n'
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["manifest.json", "out.ttl"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    (tmp_path / "taken").mkdir()  # a folder where a file should go: refused, and nothing of the set is written
    with pytest.raises(EtomkgError, match="is a folder"):
        write_files({tmp_path / "ok.txt": b"x", tmp_path / "taken": b"y"})
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    assert not (tmp_path / "ok.txt").exists()


def test_a_parent_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(EtomkgError, match=r"cannot write .*file/x\.svg"):
        write_file(tmp_path / "file" / "x.svg", b"<svg/>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
