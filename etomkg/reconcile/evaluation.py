"""A test set for the matcher, made from the graph's own variation, and its precision and recall.

The queries are what an operator's process list holds: names as written with other case, spaces and
punctuation; names of earlier releases (renamed processes, found along the version links); classic eTOM
names; Chinese names; typos; abbreviations (``SM&O``, ``Mgmt``); identifiers; and names that are no eTOM
process at all. Every expected answer is read from the graph, so the set follows the data. The choice is
deterministic (every n-th item of a sorted list).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ..catalog import Catalog
from ..store import KnowledgeGraph
from .matcher import Matcher, normalize, styled_acronym

#: A top candidate scoring below this is not an answer (the operating point of the benchmark).
ANSWER_THRESHOLD = 60.0

#: Entries of an operator's list that are no eTOM process (an answer to them is wrong).
UNRELATED = (
    "Coffee machine maintenance",
    "Office cleaning schedule",
    "Employee canteen menu planning",
    "Company car fleet fuel cards",
    "Christmas party organisation",
    "Parking space allocation",
    "Printer toner replacement",
    "员工食堂菜单",
    "Team building offsite",
    "Website cookie banner design",
)


@dataclass(frozen=True)
class Case:
    query: str
    expected: str | None  # "release/identifier", or None: nothing should be answered
    kind: str


def _every(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]


def _typo(name: str, n: int) -> str | None:
    words = name.split()
    longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
    word = words[longest]
    if len(word) < 6 or not word.isalpha():
        return None
    middle = len(word) // 2
    variants = [
        word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :],  # swapped letters
        word[:middle] + word[middle + 1 :],  # a letter left out
        word[:middle] + word[middle] + word[middle:],  # a letter doubled
        word[:middle] + ("e" if word[middle] != "e" else "a") + word[middle + 1 :],  # a wrong letter
    ]
    words[longest] = variants[n % 4]
    return " ".join(words)


def _styled(name: str, n: int) -> str:
    styles = [
        lambda s: s.upper(),
        lambda s: s.lower().replace(" ", "\u00a0"),
        lambda s: s.replace("&", "and") if "&" in s else s.replace(" and ", " & "),
        lambda s: "  " + s.replace(" ", "  ") + ".",
        lambda s: s.replace(" ", "-", 1) + ";",
    ]
    return styles[n % len(styles)](name)


def variation_queries(kg: KnowledgeGraph, release: str | None = None) -> list[Case]:
    """At least 200 realistic queries with their expected answers in ``release`` (default: the newest)."""
    release = release or kg.default_release
    catalog = Catalog.of(kg)
    table = catalog.release(release)
    elements = [e for e in table if e.level >= 2]
    current_names = {normalize(e.labels["en"]) for e in table if "en" in e.labels}
    current_by_name = {normalize(e.labels["en"]): e for e in table if "en" in e.labels}
    classic = catalog.release("classic") if "classic" in catalog.releases else None
    cases: list[Case] = []

    def ref(identifier: str, where: str = release) -> str:
        return f"{where}/{identifier}"

    for element in _every([e for e in table if e.level == 2], 10):
        cases.append(Case(element.identifier, ref(element.identifier), "identifier"))
    for n, element in enumerate(_every([e for e in elements if e.level <= 4], 30)):
        cases.append(Case(_styled(element.labels["en"], n), ref(element.identifier), "styled name"))
    # Renamed processes: a name of an earlier release, which no process of this release bears.
    rows = kg.select(
        f"""SELECT DISTINCT ?id ?old WHERE {{
          ?current etom:release <{kg.iris.release(release)}> ; skos:notation ?id ; etom:previousVersion+ ?version .
          ?version skos:prefLabel ?old FILTER(lang(?old) = "en") }}"""
    )
    leads_to: dict[str, set[str]] = {}
    for row in rows:
        if normalize(row["old"]) not in current_names:
            leads_to.setdefault(row["old"], set()).add(row["id"])
    renamed = sorted((old, ids.pop()) for old, ids in leads_to.items() if len(ids) == 1)
    for old, identifier in _every(renamed, 60):
        cases.append(Case(old, ref(identifier), "old name"))
    # Classic eTOM names of current processes.
    if classic is not None:
        classic_names = {}
        for element in elements:
            counterpart = classic.get(element.counterpart) if element.counterpart else None
            if counterpart is not None and "en" in counterpart.labels:
                name = counterpart.labels["en"]
                if normalize(name) not in current_names:
                    classic_names.setdefault(name, set()).add(element.identifier)
        unique = sorted((name, ids.pop()) for name, ids in classic_names.items() if len(ids) == 1)
        for name, identifier in _every(unique, 40):
            cases.append(Case(name, ref(identifier), "classic name"))
        # Abbreviations of the classic areas and horizontals (SM&O, RM&O, S/PRM …).
        for element in classic:
            if element.level <= 1 and "en" in element.labels:
                name = element.labels["en"]
                letters = styled_acronym(name)
                if len(letters.replace("&", "").replace("/", "")) < 2:
                    continue
                # The current process of that name, else the one descending from it, else the classic one.
                same = current_by_name.get(normalize(name))
                heirs = [e for e in table if e.counterpart == element.identifier]
                if same is not None:
                    expected = ref(same.identifier)
                elif len(heirs) == 1:
                    expected = ref(heirs[0].identifier)
                else:
                    expected = ref(element.identifier, "classic")
                cases.append(Case(letters, expected, "abbreviation"))
    # Abbreviated words.
    with_management = [e for e in elements if e.level <= 3 and " Management" in e.labels.get("en", "")]
    for element in _every(with_management, 20):
        short = element.labels["en"].replace("Management", "Mgmt").replace("Operations", "Ops")
        cases.append(Case(short, ref(element.identifier), "abbreviated words"))
    # Chinese names, as written and with stray spaces.
    chinese = [e for e in elements if "zh" in e.labels and e.level <= 3]
    for n, element in enumerate(_every(chinese, 40)):
        name = element.labels["zh"]
        query = name if n % 2 == 0 else name[:2] + " " + name[2:]
        cases.append(Case(query, ref(element.identifier), "Chinese name"))
    # Typos.
    typos = []
    for element in [e for e in elements if e.level in (2, 3)]:
        typo = _typo(element.labels["en"], len(typos))
        if typo is not None and normalize(typo) not in current_names:
            typos.append((typo, element.identifier))
    for typo, identifier in _every(typos, 40):
        cases.append(Case(typo, ref(identifier), "typo"))
    # Names as people shorten them: without the trailing "Management" (only where no process bears the result).
    shortened = [
        (e.labels["en"][: -len(" Management")], e.identifier)
        for e in elements
        if e.level == 2 and e.labels.get("en", "").endswith(" Management")
    ]
    shortened = [(text, identifier) for text, identifier in shortened if normalize(text) not in current_names]
    for text, identifier in _every(shortened, 20):
        cases.append(Case(text, ref(identifier), "shortened name"))
    for text in UNRELATED:
        cases.append(Case(text, None, "unrelated"))
    return cases


@dataclass
class Scores:
    total: int
    positives: int
    answered: int
    correct: int
    matched: int  # match: true
    matched_correct: int
    seconds: float
    by_kind: dict[str, tuple[int, int, int]]  # kind -> (cases, answered, correct)
    misses: list[tuple[Case, str | None]]

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.positives if self.positives else 1.0

    @property
    def match_precision(self) -> float:
        return self.matched_correct / self.matched if self.matched else 1.0

    @property
    def match_recall(self) -> float:
        return self.matched_correct / self.positives if self.positives else 1.0


def evaluate(kg: KnowledgeGraph, cases: list[Case], release: str | None = None) -> Scores:
    """Precision and recall of the top candidate (answered: scoring at least ANSWER_THRESHOLD) and of
    ``match: true``."""
    matcher = Matcher.of(kg)
    matcher.index(release)
    by_kind: dict[str, list[int]] = {}
    answered = correct = matched = matched_correct = 0
    misses = []
    started = time.perf_counter()
    for case in cases:
        candidates = matcher.match(case.query, release=release, limit=3)
        top = candidates[0] if candidates and candidates[0].score >= ANSWER_THRESHOLD else None
        got = f"{top.release}/{top.identifier}" if top else None
        counts = by_kind.setdefault(case.kind, [0, 0, 0])
        counts[0] += 1
        if top is not None:
            answered += 1
            counts[1] += 1
            if got == case.expected:
                correct += 1
                counts[2] += 1
            if top.match:
                matched += 1
                matched_correct += got == case.expected
        elif case.expected is None:
            counts[2] += 1
        if got != case.expected:
            misses.append((case, got))
    seconds = time.perf_counter() - started
    return Scores(
        total=len(cases),
        positives=sum(1 for c in cases if c.expected is not None),
        answered=answered,
        correct=correct,
        matched=matched,
        matched_correct=matched_correct,
        seconds=seconds,
        by_kind={k: tuple(v) for k, v in by_kind.items()},
        misses=misses,
    )
