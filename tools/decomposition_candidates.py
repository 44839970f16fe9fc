"""Find candidate interaction statements in TM Forum's 24.0 decomposition texts.

A candidate is a (section, named process) pair: a process section of one of the three texts whose
sentences name another process of release 24.0 (by identifier or by name) next to a word of hand-off
("input", "trigger", "notif", "request", "provide", "conjunction", "interact", "receive", "send", ...).
The candidates are the starting point of ``decomposition-statements.csv``, which is edited by hand:
every row there is read and classified. Run from the repository root:

    python tools/decomposition_candidates.py > /tmp/candidates.tsv
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT.parent / "shared" / "etom-reference" / "decompositions"
DOCUMENTS = {
    "product": "GB921_Product_Process_Decompositions_v24.0.txt",
    "service": "GB921_Service_Process_Decompositions_v24.0.txt",
    "resource": "GB921_Resource_Process_Decompositions_v24.0.txt",
}
CUES = re.compile(
    r"input|trigger|notif|request|provid|conjunction|interact|receiv|send|sent|pass|hand|feed|inform|"
    r"initiat|report|deliver|forward|escalat|invok|result|engag|coordinat|support|interfac|use[sd]? ",
    re.I,
)
_IDENTIFIER = re.compile(r"Process Identifier:\s*(1(?:\.\d+)+)")
_NOISE = re.compile(
    r"©\s*TM Forum|^\s*GB921 \w+ Process Decompositions|Hierarchy Level:|Brief Description:|"
    r"Extended Description:|^\s*Explanatory:|^\s*Mandatory:|^\s*Optional:|^\s*Interactions:"
)


def sections(path: Path) -> dict[str, tuple[str, str]]:
    """identifier -> (section name, section text joined on one line); the last section of a repeated id wins."""
    lines = path.read_text(encoding="utf-8").splitlines()
    heads = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _IDENTIFIER.search(line))]
    result: dict[str, tuple[str, str]] = {}
    for n, (i, identifier) in enumerate(heads):
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        name = lines[j].strip()
        if n + 1 < len(heads):  # stop above the next section's name line
            end = heads[n + 1][0] - 1
            while end > i and not lines[end].strip():
                end -= 1
        else:
            end = len(lines)
        body = [line for line in lines[i + 1 : end] if not _NOISE.search(line)]
        result[identifier] = (name, re.sub(r"\s+", " ", " ".join(body)).strip())
    return result


def aliases() -> dict[str, str]:
    """Names the texts use for processes that 24.0 names differently (lower case) -> 24.0 identifier."""
    path = ROOT / "etomkg" / "data" / "content" / "flows" / "decomposition-aliases.csv"
    with path.open(encoding="utf-8") as handle:
        return {r["name"].lower(): r["id_24_0"] for r in csv.DictReader(handle)}


def names_24() -> dict[str, str]:
    with (ROOT / "etomkg" / "data" / "reference" / "processes.csv").open(encoding="utf-8") as handle:
        return {r["id"]: r["name"] for r in csv.DictReader(handle) if r["release"] == "24.0"}


def main() -> None:
    names = names_24()
    pairs = [(n.lower(), i) for i, n in names.items() if len(n) > 8] + list(aliases().items())
    by_name = sorted(pairs, key=lambda x: -len(x[0]))
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    for document, file in DOCUMENTS.items():
        for identifier, (_, text) in sections(TEXTS / file).items():
            for sentence in re.split(r"(?<=[.;:])\s+", text):
                low = sentence.lower()
                found: dict[str, str] = {}
                for m in re.finditer(r"\b1(?:\.\d+){1,5}\b", sentence):
                    if m.group(0) in names:
                        found.setdefault(m.group(0), m.group(0))
                taken = low
                for name, other in by_name:
                    if name in taken and re.search(r"\b" + re.escape(name) + r"\b", taken):
                        found.setdefault(other, name)
                        taken = re.sub(r"\b" + re.escape(name) + r"\b", " ", taken)
                for other, named_as in found.items():
                    if other == identifier or identifier.startswith(other + ".") or other.startswith(identifier + "."):
                        continue
                    cue = "cue" if CUES.search(sentence) else "-"
                    out.writerow([document, identifier, other, named_as, cue, sentence[:300]])


if __name__ == "__main__":
    main()
