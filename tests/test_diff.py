"""`etomkg diff`: releases against each other, and a release against a workbook file."""

from __future__ import annotations

import csv
import io
import json

import pytest

from etomkg.content.synthetic import live_rows_from_bundled, write_workbook
from etomkg.outputs.diff import release_diff


@pytest.fixture(scope="module")
def sales_move(kg):
    return release_diff(kg, "25.0", "25.5")


def test_sales_moved_into_the_new_domain_in_25_5(sales_move, kg):
    moved = {c.old_id: c for c in sales_move.of("moved")}
    for old, new, name in [
        ("1.1.2", "1.12.2", "Sales Strategy Management"),
        ("1.1.9", "1.12.9", "Selling"),
        ("1.1.13", "1.12.13", "Sales Performance Management"),
    ]:
        change = moved[old]
        assert (change.new_id, change.new_name, change.old_parent, change.new_parent) == (new, name, "1.1", "1.12")
    # their descendants were renumbered with them but did not move: their parents moved
    renumbered = {c.old_id: c for c in sales_move.of("renumbered")}
    assert renumbered["1.1.9.1"].new_id == "1.12.9.1" and "1.1.9.1" not in moved
    # the graph matched renumbered processes by name (its version links say basis "name")
    assert {c.basis for c in sales_move.of("renumbered")} == {"name"}
    added = {c.new_id for c in sales_move.of("added")}
    assert "1.12" in added  # the Sales Domain itself is new
    counts = sales_move.counts()
    old = len(kg.select("SELECT ?p WHERE { ?p a etom:ProcessElement }", release="25.0"))
    new = len(kg.select("SELECT ?p WHERE { ?p a etom:ProcessElement }", release="25.5"))
    assert sales_move.matched + counts["removed"] == old and sales_move.matched + counts["added"] == new


def test_renames_and_the_reverse_direction(kg):
    rename = release_diff(kg, "23.5", "24.0")
    renamed = {c.old_id: (c.old_name, c.new_name) for c in rename.of("renamed")}
    assert renamed["1.4.5"] == ("Service Configuration & Activation", "Service Activation Management")
    back = release_diff(kg, "25.5", "25.0")
    assert {(c.old_id, c.new_id) for c in back.of("moved")} >= {("1.12.2", "1.1.2"), ("1.12.9", "1.1.9")}


def test_markdown_csv_and_json_through_the_cli(sales_move, kg, cli, tmp_path):
    markdown = cli("diff", "25.0", "25.5").stdout
    assert markdown.startswith("# eTOM 25.0 → 25.5\n")
    assert "| Moved to another parent | 18 |" in markdown.replace(str(sales_move.counts()["moved"]), "18")
    assert "| 1.1.2 | 1.12.2 | Sales Strategy Management | 1.1 | 1.12 |" in markdown
    assert "<details><summary>" in markdown  # long sections fold in a pull request
    out = tmp_path / "changes.csv"
    cli("diff", "25.0", "25.5", "--format", "csv", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == len(sales_move.changes)
    assert {"change": "moved", "old_id": "1.1.2", "new_id": "1.12.2"}.items() <= next(
        r for r in rows if r["old_id"] == "1.1.2" and r["change"] == "moved"
    ).items()
    printed = cli("diff", "25.0", "25.5", "--format", "json", "--fail-on-changes", expect=1).stdout
    data = json.loads(printed)
    assert data["counts"] == sales_move.counts() and len(data["changes"]) == len(rows)
    assert printed == sales_move.to_json()  # the on-disk cache and the in-memory graph: the same bytes
    assert not any(release_diff(kg, "25.5", "25.5").counts().values())


def test_release_against_a_workbook(kg, cli, tmp_path):
    rows = live_rows_from_bundled("25.5")
    edited = []
    for row in rows:
        row = dict(row)
        if row["identifier"] == "1.4.5":
            row["name"] = "Service Activation and Configuration"  # renamed
        if row["identifier"] == "1.4.5.2.1":
            continue  # removed (its UID goes with it)
        if row["identifier"] == "1.3.10.4.1.1":
            row["identifier"] = "1.3.10.4.1.9"  # renumbered, same UID
        if row["identifier"] == "1.5.8" and row["vertical"] == "Assurance":
            row["vertical"] = "Billing"  # a vertical changed
        edited.append(row)
    edited.append({**rows[0], "identifier": "1.4.5.99", "name": "Brand New Step", "uid": 999999, "original": ""})
    path = write_workbook(tmp_path / "GB921_edited.xlsx", edited)
    result = release_diff(kg, "25.5", str(path))
    summary = {(c.kind, c.old_id, c.new_id) for c in result.changes}
    assert ("renamed", "1.4.5", "1.4.5") in summary
    assert ("removed", "1.4.5.2.1", None) in summary
    assert ("renumbered", "1.3.10.4.1.1", "1.3.10.4.1.9") in summary
    assert ("added", None, "1.4.5.99") in summary
    verticals = next(c for c in result.changes if c.kind == "verticals" and c.old_id == "1.5.8")
    assert verticals.detail == "- Assurance; + Billing"
    # no spurious changes: exactly those, plus children of the removed process left without their parent
    others = {s for s in summary if s[1] not in ("1.4.5", "1.4.5.2.1", "1.3.10.4.1.1", "1.5.8") and s[2] != "1.4.5.99"}
    assert all(kind == "moved" and old.startswith("1.4.5.2.1.") for kind, old, _ in others), others
    text = cli("diff", "25.5", str(path), "--format", "markdown").stdout
    assert "GB921_edited.xlsx (25.5)" in text
