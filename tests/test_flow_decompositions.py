"""The flow layer read from TM Forum's 24.0 Product / Service / Resource decomposition texts.

``decomposition-statements.csv`` lists every place where a process section of the three texts names another
process, classified as an interaction (with the flow it supports) or not (with the reason). These tests hold
the inventory to the texts (when ``../shared`` is there), the flows to the inventory, and the graph and
``etomkg flows`` to both.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from etomkg.content.flows import flows_dir

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = {
    "product": "GB921_Product_Process_Decompositions_v24.0.txt",
    "service": "GB921_Service_Process_Decompositions_v24.0.txt",
    "resource": "GB921_Resource_Process_Decompositions_v24.0.txt",
}
TITLES = {
    "GB921 Product Process Decompositions v24.0": "product",
    "GB921 Service Process Decompositions v24.0": "service",
    "GB921 Resource Process Decompositions v24.0": "resource",
}
# The examples of L2 interactions the texts name (producer L2, consumer L2).
EXAMPLES = [
    ("1.4.18", "1.4.6"),  # service anomaly → service problem management
    ("1.2.25", "1.2.26"),  # product anomaly → product problem management
    ("1.5.21", "1.5.8"),  # resource anomaly → resource trouble management
    ("1.4.2", "1.5.2"),
    ("1.2.2", "1.4.2"),
    ("1.5.8", "1.4.7"),
    ("1.4.7", "1.5.9"),
    ("1.2.11", "1.3.3"),
    ("1.3.3", "1.2.11"),
]


def _csv(name: str) -> list[dict[str, str]]:
    with (flows_dir() / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _l2(identifier: str) -> str:
    return ".".join(identifier.split(".")[:3])


def _within(identifier: str, root: str) -> bool:
    return identifier == root or identifier.startswith(root + ".")


@pytest.fixture(scope="module")
def statements() -> list[dict[str, str]]:
    return _csv("decomposition-statements.csv")


@pytest.fixture(scope="module")
def names_24(reference_rows) -> dict[str, str]:
    return {r["id"]: r["name"] for r in reference_rows if r["release"] == "24.0"}


@pytest.fixture(scope="module")
def flows_24(cli) -> dict[str, dict]:
    """The flows of release 24.0 as `etomkg flows --details --format json` lists them, by key."""
    rows = json.loads(cli("flows", "--release", "24.0", "--details", "--format", "json").output)
    return {row["key"]: row for row in rows}


@pytest.fixture(scope="module")
def sections(shared_dir) -> dict[tuple[str, str], str]:
    """(document, process identifier) → the text of that process section, on one line, lower case."""
    result = {}
    for document, file in DOCUMENTS.items():
        lines = (shared_dir / "etom-reference" / "decompositions" / file).read_text(encoding="utf-8").splitlines()
        heads = [
            (i, m.group(1))
            for i, line in enumerate(lines)
            if (m := re.search(r"Process Identifier:\s*(1(?:\.\d+)+)", line))
        ]
        for n, (i, identifier) in enumerate(heads):
            end = heads[n + 1][0] - 1 if n + 1 < len(heads) else len(lines)
            while n + 1 < len(heads) and end > i and not lines[end].strip():
                end -= 1  # stop above the next section's name line
            result[(document, identifier)] = re.sub(r"\s+", " ", " ".join(lines[i + 1 : end])).lower()
    return result


def _coverage(statements, flows_24) -> tuple[set, set]:
    """L2 → L2 interactions the inventory records, and those a flow of the 24.0 graph carries."""
    named, covered = set(), set()
    for row in statements:
        if row["classification"] != "interaction":
            continue
        pair = (_l2(row["producer_id"]), _l2(row["consumer_id"]))
        if pair[0] == pair[1]:
            continue
        named.add(pair)
        flow = flows_24.get(row["flow"])
        if flow and (_l2(flow["producer_id"]), _l2(flow["consumer_id"])) == pair:
            covered.add(pair)
    return named, covered


def test_every_statement_is_classified_with_a_flow_or_a_reason(statements, names_24):
    flows = {f["key"]: f for f in _csv("flows.csv")}
    assert len(statements) > 300
    seen = set()
    for row in statements:
        key = (row["document"], row["section"], row["named_id"], row["producer_id"], row["consumer_id"])
        assert key not in seen, row
        seen.add(key)
        assert row["document"] in DOCUMENTS and row["section"] in names_24 and row["named_id"] in names_24, row
        # eTOM levels: 1.4 is level 1, 1.4.6 level 2, 1.4.6.4 level 3
        assert row["levels"] == f"{row['section'].count('.')}-{row['named_id'].count('.')}", row
        if row["classification"] == "interaction":
            assert not row["reason"], row
            ends = {row["producer_id"], row["consumer_id"]}
            # the flow joins the section's process (or an ancestor) and the named one (or a relative in its tree)
            assert any(_within(row["section"], e) for e in ends), row
            assert any(_within(row["named_id"], e) or _within(e, row["named_id"]) for e in ends), row
            flow = flows[row["flow"]]
            assert (_l2(flow["producer_id"]), _l2(flow["consumer_id"])) == (
                _l2(row["producer_id"]),
                _l2(row["consumer_id"]),
            )
            assert flow["inferred"] == "false" and flow["source_section"], row["flow"]
        else:
            assert row["classification"] == "not-interaction" and row["reason"] and not row["flow"], row


def test_the_l2_coverage_figure_is_recomputed_from_the_inventory(statements, flows_24):
    named, covered = _coverage(statements, flows_24)
    assert len(named) >= 70
    share = len(covered) / len(named)
    assert share >= 0.9, sorted(named - covered)
    interactions = sum(r["classification"] == "interaction" for r in statements)
    cited = {k for k, f in flows_24.items() if f["citation"]}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    figures = (
        f"{len(statements)} statements, {interactions} of them interactions, naming {len(named)} distinct "
        f"L2 → L2 interactions; {len(covered)} of them ({share:.0%}) have a flow, and {len(cited)} flows cite"
    )
    assert figures in readme, figures


def test_the_examples_run_the_way_the_texts_give(flows_24):
    for producer, consumer in EXAMPLES:
        matching = [
            f
            for f in flows_24.values()
            if _l2(f["producer_id"]) == producer and _l2(f["consumer_id"]) == consumer and f["citation"]
        ]
        assert matching, (producer, consumer)
        assert all(f["inferred"] is False for f in matching)


def test_customer_orders_no_longer_run_from_qos_management_to_order_handling(flows_24):
    wrong = [f for f in flows_24.values() if (f["producer_id"], f["consumer_id"]) == ("1.3.8", "1.3.3")]
    assert not wrong
    fixed = flows_24["order-handling-to-customer-qos"]
    assert (fixed["producer_id"], fixed["consumer_id"], fixed["inferred"]) == ("1.3.3", "1.3.8", True)


def test_every_cited_section_exists_and_names_the_other_end(sections, names_24):
    aliases: dict[str, list[str]] = {}
    for row in _csv("decomposition-aliases.csv"):
        assert names_24[row["id_24_0"]], row
        aliases.setdefault(row["id_24_0"], []).append(row["name"].lower())

    def named(text: str, identifier: str) -> bool:
        """The text names the process, one of its ancestors below L1, or one of its sub-processes."""
        for other, name in names_24.items():
            if identifier.count(".") >= 2 and (
                _within(other, identifier) or (_within(identifier, other) and other.count(".") >= 2)
            ):
                for term in [name.lower(), *aliases.get(other, [])]:
                    if re.search(r"\b" + re.escape(term) + r"\b", text):
                        return True
                if re.search(r"(?<![\d.])" + re.escape(other) + r"(?![\d])", text):
                    return True
        return False

    flows = [f for f in _csv("flows.csv") if f["source_section"]]
    assert len(flows) >= 100
    for flow in flows:
        document, section = TITLES[flow["source_document"]], flow["source_section"]
        text = sections.get((document, section))
        assert text is not None, f"{flow['key']}: no section {section} in the {document} text"
        other = flow["consumer_id"] if _within(section, flow["producer_id"]) else flow["producer_id"]
        assert named(text, other), f"{flow['key']}: section {section} does not name {other}"
    for row in _csv("decomposition-statements.csv"):
        text = sections.get((row["document"], row["section"]))
        assert text is not None and row["named_as"].lower() in text, row


def test_flows_details_show_the_citation(cli):
    out = cli("flows", "--release", "24.0", "--process", "1.4.18", "--details").output
    assert "citation" in out.splitlines()[0]
    assert "GB921 Service Process Decompositions v24.0, section 1.4.18" in out
    assert "Service Problem Management" in out
