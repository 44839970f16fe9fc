"""Measure the lineage of the bundled content: links per basis per release pair, rename links between
dissimilar names, same-name processes left unlinked, and the issue-12 examples.

    .venv/bin/python tools/lineage_audit.py
"""

from __future__ import annotations

from collections import Counter, defaultdict
from difflib import SequenceMatcher

from etomkg.content.sources import load_content

EXAMPLES = [  # (older release, older id, newer release, newer id, should be linked?)
    ("23.5", "1.3.10.4", "24.0", "1.3.10.4", False),
    ("23.5", "1.3.11", "24.0", "1.3.10.4", True),
    ("23.0.1", "1.7.2.1", "23.5", "1.7.2.1", False),
    ("23.0.1", "1.7.2.2", "23.5", "1.7.2.2", False),
    ("23.0.1", "1.7.11.1", "23.5", "1.7.11.1", False),
    ("23.0.1", "1.7.11.2", "23.5", "1.7.11.2", False),
    ("25.0", "1.1.19", "25.5", "1.3.4.5", True),
    ("25.0", "1.1.7", "25.5", "1.12.7", True),
    ("25.0", "1.1.8", "25.5", "1.12.8", True),
    ("25.0", "1.1.8.1", "25.5", "1.12.8.1", True),
    ("25.0", "1.1.5.2", "25.5", "1.12.5.2", True),
    ("25.0", "1.1.8.2.1", "25.5", "1.12.8.6", True),
    ("23.5", "1.7.14.1.3", "24.0", "1.7.21", True),
]


def main() -> None:
    content = load_content()
    procs = {(p.release, p.identifier): p for p in content.processes}
    per_pair: dict[tuple[str, str], Counter] = defaultdict(Counter)
    linked_old, linked_new = set(), set()
    pairs = set()
    for link in content.links:
        per_pair[(link.older_release, link.newer_release)][getattr(link, "kind", link.basis)] += 1
        linked_old.add((link.older_release, link.older_id))
        linked_new.add((link.newer_release, link.newer_id))
        pairs.add((link.older_release, link.older_id, link.newer_release, link.newer_id))
    print("links per kind per release pair")
    for pair, counts in per_pair.items():
        print(" ", " → ".join(pair), dict(sorted(counts.items())), sum(counts.values()))
    renamed = [link for link in content.links if link.basis == "renamed"]
    dissimilar = []
    for link in renamed:
        a, b = procs[(link.older_release, link.older_id)].name, procs[(link.newer_release, link.newer_id)].name
        ratio = SequenceMatcher(None, a.lower(), b.lower()).ratio()
        if ratio < 0.5:
            dissimilar.append((round(ratio, 2), link.older_release, link.older_id, a, b))
    print(f"renamed links: {len(renamed)}, dissimilar names (<0.5): {len(dissimilar)}")
    for row in sorted(dissimilar):
        print("   ", row)
    releases = [r for r in content.releases if r != "classic"]
    total = 0
    for older, newer in zip(releases, releases[1:], strict=False):
        new_by_name = defaultdict(list)
        for (r, i), p in procs.items():
            if r == newer and (r, i) not in linked_new:
                new_by_name[p.name].append(i)
        same = [
            (i, new_by_name[p.name])
            for (r, i), p in procs.items()
            if r == older and (r, i) not in linked_old and p.name in new_by_name
        ]
        total += len(same)
        print(f"  unlinked same-name {older} → {newer}: {len(same)}")
    print(f"unlinked same-name total: {total}")
    print("examples")
    for older, old_id, newer, new_id, want in EXAMPLES:
        have = (older, old_id, newer, new_id) in pairs
        print(f"  {'ok ' if have == want else 'BAD'} {older} {old_id} → {newer} {new_id}: linked={have}, want={want}")


if __name__ == "__main__":
    main()
