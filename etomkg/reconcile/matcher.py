"""Match a person's process names to eTOM processes, the way a person would (Flask-free; the reconciliation
service and anyone else call it).

What matches, best first:

* the identifier itself (``1.4.5``);
* the exact name, in English or Chinese, ignoring case, spaces (NBSP too), punctuation and ``&``/``and``;
* a name the process had in another release (found along the graph's version links) or its classic eTOM
  counterpart's name: it finds the process of the release asked for, flagged with where the name comes from;
* an abbreviation of a name (``SM&O``, ``CRM``, ``S/PRM``) and abbreviated words (``Mgmt``, ``Ops``);
* shared words, weighted by how rare they are, with typos forgiven (one edit per word) and Chinese
  compared by character pairs.

``match`` is true only when the best candidate is certain (identifier, exact name, or an exact old name,
abbreviation or a near-perfect fuzzy match) and no other candidate comes close.

For example::

    matcher = Matcher.of(etomkg.open())
    best = matcher.match("Service Managment & Operations")[0]
    best.identifier, best.release, best.how   # -> ('1.1.2', 'classic', 'words (typos forgiven)')
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from ..catalog import Catalog, Element
from ..diagram.text import is_wide
from ..iris import ETOM, release_sort_key
from ..store import KnowledgeGraph

#: Words people abbreviate in process names, and what they stand for.
WORD_ABBREVIATIONS = {
    "mgmt": "management",
    "mgt": "management",
    "mngt": "management",
    "mgnt": "management",
    "ops": "operations",
    "op": "operations",
    "svc": "service",
    "svcs": "services",
    "srv": "service",
    "cust": "customer",
    "dev": "development",
    "devt": "development",
    "prod": "product",
    "info": "information",
    "admin": "administration",
    "mktg": "marketing",
    "mkt": "market",
    "res": "resource",
    "rsrc": "resource",
    "req": "request",
    "reqs": "requirements",
    "config": "configuration",
    "cfg": "configuration",
    "perf": "performance",
    "qos": "qos",
    "sla": "sla",
    "mgr": "management",
    "bp": "business partner",
}
STOP_WORDS = frozenset({"and", "of", "the", "for", "to", "with", "a", "an", "in", "on", "process", "processes"})
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{0,3}(?:[&/+][A-Z][A-Za-z]{0,3})*$|^[A-Z]{2,6}$")
_IDENTIFIER = re.compile(r"^\d+(?:\.\d+)*$")
_SPLIT = re.compile(r"[^\w]+|_", re.UNICODE)

# Scores of the kinds of evidence (0-100).
EXACT_ID, EXACT_NAME, OTHER_NAME, ABBREVIATION = 100.0, 100.0, 96.0, 90.0
OLD_PENALTY, TYPO_PENALTY, CLASSIC_ONLY_PENALTY = 0.92, 0.9, 0.85
CERTAIN, FUZZY_CERTAIN, GAP = 90.0, 86.0, 12.0


def normalize(text: str) -> str:
    """Case-folded NFKC text, ``&`` as ``and``, punctuation and any spaces as one space.

    >>> normalize("Service\u00a0Management &  Operations.")
    'service management and operations'
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    return " ".join(token for token in _SPLIT.split(text) if token)


def _latin_and_cjk(text: str) -> tuple[list[str], str]:
    """Words of normalised text, and its Chinese characters run together."""
    words, cjk = [], []
    for token in text.split():
        latin = ""
        for char in token:
            if is_wide(char):
                cjk.append(char)
                if latin:
                    words.append(latin)
                    latin = ""
            else:
                latin += char
        if latin:
            words.append(latin)
    return words, "".join(cjk)


def _expand(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        out.extend(WORD_ABBREVIATIONS.get(word, word).split())
    return out


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


def acronym(name: str) -> str:
    """Initials of a name's significant words: ``Service Management & Operations`` → ``smo``.

    >>> acronym("Supplier/Partner Relationship Management")
    'sprm'
    """
    words = [w for w in _SPLIT.split(unicodedata.normalize("NFKC", name)) if w and w.casefold() not in STOP_WORDS]
    return "".join(w[0] for w in words).casefold()


def styled_acronym(name: str) -> str:
    """Initials keeping ``&`` and ``/`` as people write them: ``SM&O``, ``S/PRM``.

    >>> styled_acronym("Service Management & Operations"), styled_acronym("Supplier/Partner Relationship Management")
    ('SM&O', 'S/PRM')
    """
    out = ""
    for token in re.findall(r"[^\W\d_]+|[&/]", unicodedata.normalize("NFKC", name)):
        if token in "&/":
            out += token
        elif token.casefold() not in STOP_WORDS:
            out += token[0].upper()
    return out


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Variant:
    """One name of an entity, as the matcher compares it."""

    entity: int
    text: str  # as written
    lang: str
    kind: str  # "name", "old name", "classic name"
    source: str  # the release the name comes from
    words: tuple[str, ...]
    cjk: str


@dataclass
class Entity:
    """A process of the release being matched against (or a classic process with no current counterpart)."""

    element: Element
    classic_only: bool = False
    variants: list[int] = field(default_factory=list)

    @property
    def release(self) -> str:
        return self.element.release

    @property
    def identifier(self) -> str:
        return self.element.identifier


@dataclass
class Candidate:
    identifier: str
    release: str
    level: int
    labels: dict[str, str]
    score: float
    how: str  # what matched: identifier, name, old name, abbreviation, words …
    matched_name: str  # the name that matched (another release's, for an old name)
    matched_release: str  # where that name comes from (the first release found)
    matched_releases: tuple[str, ...] = ()  # every release with that name
    classic_only: bool = False
    typos: bool = False
    match: bool = False

    @property
    def flagged(self) -> bool:
        """Found through a name of another release (or of classic eTOM): a person should glance at it."""
        return self.matched_release != self.release


class ReleaseIndex:
    """Every name variant of one release's processes, with inverted indexes over words and character pairs."""

    def __init__(self, kg: KnowledgeGraph, release: str, versions: dict[str, list[str]]) -> None:
        catalog = Catalog.of(kg)
        tables = {name: catalog.release(name) for name in catalog.releases}  # read once, looked up often
        table = tables[release]
        self.release = release
        self.entities: list[Entity] = []
        self.variants: list[Variant] = []
        self.by_id: dict[str, int] = {}
        self.sources: list[list[str]] = []  # per variant: every release the name is found in
        process_prefix = kg.iris.base + "/release/"
        seen_counterparts: set[str] = set()

        def add(entity: int, text: str, lang: str, kind: str, source: str) -> None:
            words, cjk = _latin_and_cjk(normalize(text))
            variant = Variant(entity, text, lang, kind, source, tuple(_expand(words)), cjk)
            key = (variant.words, variant.cjk)
            for known in self.entities[entity].variants:
                if (self.variants[known].words, self.variants[known].cjk) == key:
                    if source not in self.sources[known]:
                        self.sources[known].append(source)  # the same name again (most releases keep it)
                    return
            self.entities[entity].variants.append(len(self.variants))
            self.sources.append([source])
            self.variants.append(variant)

        for element in table:
            position = len(self.entities)
            self.entities.append(Entity(element))
            self.by_id[element.identifier] = position
            for lang, text in sorted(element.labels.items()):
                add(position, text, lang, "name", release)
        # Names of other releases: along the version links, newest first; then classic counterparts.
        for position, entity in enumerate(list(self.entities)):
            iri = kg.iris.process(release, entity.identifier)
            for other in versions.get(iri, []):
                other_release, _, other_id = other[len(process_prefix) :].partition("/process/")
                if other_release == release or other_release not in tables:
                    continue
                old = tables[other_release].get(other_id)
                if old is not None:
                    for lang, text in sorted(old.labels.items()):
                        add(position, text, lang, "old name", other_release)
            counterpart = entity.element.counterpart
            if counterpart and release != "classic" and "classic" in tables:
                classic = tables["classic"].get(counterpart)
                if classic is not None:
                    seen_counterparts.add(counterpart)
                    for lang, text in sorted(classic.labels.items()):
                        add(position, text, lang, "classic name", "classic")
        # Classic processes no current one descends from (the L0 areas, the L1 horizontals such as SM&O).
        if release != "classic" and "classic" in tables:
            for element in tables["classic"]:
                if element.identifier not in seen_counterparts:
                    position = len(self.entities)
                    self.entities.append(Entity(element, classic_only=True))
                    for lang, text in sorted(element.labels.items()):
                        add(position, text, lang, "name", "classic")
        self._index()

    def _index(self) -> None:
        self.exact: dict[tuple[tuple[str, ...], str], set[int]] = defaultdict(set)
        self.words: dict[str, set[int]] = defaultdict(set)
        self.grams: dict[str, set[int]] = defaultdict(set)
        self.acronyms: dict[str, set[int]] = defaultdict(set)
        for position, variant in enumerate(self.variants):
            self.exact[(variant.words, variant.cjk)].add(position)
            for word in set(variant.words):
                self.words[word].add(position)
            for gram in _bigrams(variant.cjk) if variant.cjk else ():
                self.grams[gram].add(position)
            if variant.lang == "en" and (
                self.entities[variant.entity].element.level <= 2 or variant.kind == "classic name"
            ):
                letters = acronym(variant.text)
                if len(letters) >= 2:
                    self.acronyms[letters].add(position)
        total = max(len(self.variants), 1)
        self.idf = {word: math.log(1 + total / len(postings)) for word, postings in self.words.items()}
        self.gram_idf = {gram: math.log(1 + total / len(postings)) for gram, postings in self.grams.items()}
        self.weight = [
            sum(self.idf[w] for w in set(v.words) if w not in STOP_WORDS)
            + sum(self.gram_idf[g] for g in (_bigrams(v.cjk) if v.cjk else ()))
            for v in self.variants
        ]
        self.typo_index: dict[str, set[str]] = defaultdict(set)
        for word in self.words:
            if len(word) >= 4 and word.isalpha():
                for deleted in _deletes(word):
                    self.typo_index[deleted].add(word)

    def corrections(self, word: str) -> set[str]:
        """Known words one edit away (insertion, deletion, substitution, adjacent swap) from an unknown word."""
        if len(word) < 4 or not word.isalpha():
            return set()
        found = set(self.typo_index.get(word, ()))  # the query lacks a letter
        for deleted in _deletes(word):
            if deleted in self.words:
                found.add(deleted)  # the query has an extra letter
            found |= self.typo_index.get(deleted, set())  # substitution or swap
        return found


def _version_map(kg: KnowledgeGraph) -> dict[str, list[str]]:
    """IRI of a process → IRIs of its versions in every other release (along the version links both ways)."""
    links: dict[str, set[str]] = defaultdict(set)
    for row in kg.select(f"SELECT ?new ?old WHERE {{ ?new <{ETOM}previousVersion> ?old }}"):
        links[row["new"]].add(row["old"])
        links[row["old"]].add(row["new"])
    components: dict[str, list[str]] = {}
    for start in links:
        if start in components:
            continue
        # Every version reachable along the links, either way: one process through the releases (where
        # TM Forum split or merged processes, the versions of all of them, which makes their names ambiguous,
        # as they are).
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            for nxt in links[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        ordered = sorted(seen)
        for node in seen:
            components[node] = ordered
    return components


class Matcher:
    """Matches text to the processes of any release; one index per release, built on first use."""

    _instances: weakref.WeakKeyDictionary[KnowledgeGraph, Matcher] = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.default_release = kg.default_release
        self._versions: dict[str, list[str]] | None = None
        self._indexes: dict[str, ReleaseIndex] = {}
        self._build_lock = threading.Lock()
        self._generation = kg.generation

    @classmethod
    def of(cls, kg: KnowledgeGraph) -> Matcher:
        with cls._lock:
            matcher = cls._instances.get(kg)
            if matcher is None:
                matcher = cls._instances[kg] = cls(kg)
            return matcher

    def index(self, release: str | None = None) -> ReleaseIndex:
        release = release or self.default_release
        with self._build_lock:
            if self.kg.generation != self._generation:  # a store folder after an import: names may have changed
                self._indexes, self._versions, self._generation = {}, None, self.kg.generation
            if release not in self._indexes:
                self.kg.check_release(release)
                if self._versions is None:
                    self._versions = _version_map(self.kg)
                self._indexes[release] = ReleaseIndex(self.kg, release, self._versions)
            return self._indexes[release]

    def match(
        self, text: str, *, release: str | None = None, level: int | None = None, limit: int = 5
    ) -> list[Candidate]:
        """Candidates for ``text``, best first, at most ``limit``; ``match`` set on the best one when certain."""
        index = self.index(release)
        raw = " ".join(unicodedata.normalize("NFKC", text).split())[:300]
        scores: dict[int, tuple[float, int, str, bool]] = {}  # entity -> (score, variant, how, typos)

        def offer(variant_position: int, score: float, how: str, typos: bool = False) -> None:
            variant = index.variants[variant_position]
            entity = index.entities[variant.entity]
            if level is not None and entity.element.level != level:
                return
            if variant.kind != "name":
                score *= OLD_PENALTY if score < OTHER_NAME else 1
            if entity.classic_only:  # below a current process with the same evidence
                score *= CLASSIC_ONLY_PENALTY if how.startswith("words") else 0.95 if how == "name" else 0.97
            best = scores.get(variant.entity)
            if best is None or score > best[0]:
                scores[variant.entity] = (score, variant_position, how, typos)

        # 1. the identifier
        if _IDENTIFIER.match(raw) and raw in index.by_id:
            entity = index.by_id[raw]
            offer(index.entities[entity].variants[0], EXACT_ID, "identifier")
        normal = normalize(raw)
        words, cjk = _latin_and_cjk(normal)
        words = _expand(words)
        # 2. the exact name (this release's, another release's, classic)
        for position in index.exact.get((tuple(words), cjk), ()):
            variant = index.variants[position]
            exact = EXACT_NAME if variant.kind == "name" else OTHER_NAME
            offer(position, exact, variant.kind if variant.kind != "name" else "name")
        # 3. an abbreviation of the whole name
        if _ACRONYM.match(raw.replace(" ", "")) and not scores:
            letters = "".join(ch for ch in raw if ch.isalpha()).casefold()
            written = raw.replace(" ", "").casefold()
            for position in index.acronyms.get(letters, ()):
                # "SM&O" fits "Service Management & Operations" better than "Service Mediation Operations"
                shape = styled_acronym(index.variants[position].text).casefold() == written
                offer(position, ABBREVIATION + (4 if shape else 0), "abbreviation")
        # 4. words and character pairs in common
        if not any(s[0] >= EXACT_NAME for s in scores.values()):
            self._fuzzy(index, words, cjk, offer)
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], index.entities[item[0]].element.sort_key))
        candidates = []
        for entity_position, (score, variant_position, how, typos) in ranked[:limit]:
            entity = index.entities[entity_position]
            variant = index.variants[variant_position]
            candidates.append(
                Candidate(
                    identifier=entity.identifier,
                    release=entity.release,
                    level=entity.element.level,
                    labels=dict(entity.element.labels),
                    score=round(score, 1),
                    how=how,
                    matched_name=variant.text,
                    matched_release=variant.source,
                    matched_releases=tuple(sorted(index.sources[variant_position], key=release_sort_key)),
                    classic_only=entity.classic_only,
                    typos=typos,
                )
            )
        if candidates:
            top = candidates[0]
            others = [
                item[1][0]
                for item in ranked[1:]
                # a classic process whose name a current one still bears is that process's past, not a rival
                if not (index.entities[item[0]].classic_only and top.how in ("identifier", "name"))
            ]
            runner_up = others[0] if others else 0.0
            threshold = FUZZY_CERTAIN if top.how.startswith("words") else CERTAIN
            top.match = top.score >= threshold and top.score - runner_up >= GAP
        return candidates

    @staticmethod
    def _fuzzy(index: ReleaseIndex, words: list[str], cjk: str, offer) -> None:
        weights: dict[str, float] = {}
        typos = False
        accumulated: dict[int, float] = defaultdict(float)
        for word in dict.fromkeys(words):
            if word in STOP_WORDS:
                continue
            if word in index.words:
                weights[word] = index.idf[word]
                for position in index.words[word]:
                    accumulated[position] += index.idf[word]
                continue
            fixes = index.corrections(word)
            if not fixes:
                weights[word] = math.log(1 + len(index.variants))  # an unknown word counts against every name
                continue
            typos = True
            weights[word] = max(index.idf[f] for f in fixes)
            for fix in fixes:
                for position in index.words[fix]:
                    accumulated[position] += index.idf[fix] * TYPO_PENALTY
        grams = _bigrams(cjk) if cjk else set()
        for gram in grams:
            idf = index.gram_idf.get(gram)
            weights[gram] = idf if idf is not None else math.log(1 + len(index.variants))
            for position in index.grams.get(gram, ()):
                accumulated[position] += idf
        query_weight = sum(weights.values())
        if not accumulated or query_weight == 0:
            return
        # Dice coefficient of weighted terms: shared weight against both sides' whole weight.
        best = sorted(accumulated.items(), key=lambda item: -item[1])[:200]
        for position, shared in best:
            similarity = 2 * shared / (query_weight + index.weight[position])
            how = "words (typos forgiven)" if typos else "words"
            offer(position, 100 * min(similarity, 0.94), how, typos)
