"""Find processes by identifier or by words of their names, in English or Chinese, across releases.

The index is built once per knowledge graph (``SearchIndex.of(kg)``) from the
process tables of every release. A process whose identifier and name are the
same in several releases is one hit listing those releases, newest first.

Ranking, best first:

1. the identifier itself (``1.4.5``);
2. identifiers under it (``1.4`` finds 1.4.1, 1.4.2 …, shallower first);
3. the whole name (``billing`` finds a process named exactly "Billing");
4. names that begin with the words asked for;
5. names holding every word (English words from their start, so ``activ``
   finds "Activation"; Chinese anywhere in the name, found through an index
   of character bigrams);

and within each rank: present in a newer release first, then higher in the
hierarchy, then by identifier in natural order.

For example::

    import etomkg
    index = SearchIndex.of(etomkg.open())
    [(h.identifier, h.releases[0]) for h in index.search("1.4.5").hits[:2]]
    # -> [('1.4.5', '26.0'), ('1.4.5', '23.5')]
    hit = index.search("客户关系").hits[0]
    hit.identifier, hit.label("zh")
    # -> ('1.3.4', '客户关系管理')
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass, field

from .catalog import Catalog
from .diagram.text import is_wide
from .iris import natural_key, release_key
from .store import KnowledgeGraph

DEFAULT_LIMIT = 20
MAX_QUERY_LENGTH = 200

EXACT_ID, ID_PREFIX, EXACT_NAME, NAME_PREFIX, ALL_WORDS = range(5)
MATCH_KINDS = {
    EXACT_ID: "identifier",
    ID_PREFIX: "identifier prefix",
    EXACT_NAME: "name",
    NAME_PREFIX: "name prefix",
    ALL_WORDS: "words",
}

_IDENTIFIER = re.compile(r"^\d+(?:\.\d+)*\.?$")
_LATIN_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Case-folded NFKC text: full-width digits and letters become ASCII, ``ＱｏＳ`` finds ``QoS``."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _split(text: str) -> tuple[list[str], list[str]]:
    """Latin words, and runs of CJK characters, of normalised text."""
    words, runs, run = [], [], []
    for token in _LATIN_WORD.findall(text):
        # A token may mix scripts ("qos管理"): Latin parts are words, wide parts are runs.
        latin = ""
        for char in token:
            if is_wide(char):
                if latin:
                    words.append(latin)
                    latin = ""
                run.append(char)
            else:
                if run:
                    runs.append("".join(run))
                    run = []
                latin += char
        if latin:
            words.append(latin)
        if run:
            runs.append("".join(run))
            run = []
    return words, runs


def match_spans(label: str, query: str) -> list[tuple[int, int]]:
    """Where the query's words occur in ``label`` (start, end), for highlighting; merged and in order.

    >>> match_spans("Service Activation Management", "activ serv")
    [(0, 4), (8, 13)]
    >>> match_spans("业务激活管理", "激活")
    [(2, 4)]
    """
    folded = unicodedata.normalize("NFKC", label).casefold()
    if len(folded) != len(label):  # normalisation changed the length: positions would not line up
        return []
    words, runs = _split(normalize(query))
    spans: list[tuple[int, int]] = []
    for word in words:
        for match in re.finditer(r"(?<![^\W_])" + re.escape(word), folded):
            spans.append((match.start(), match.end()))
    for run in runs:
        start = folded.find(run)
        while start >= 0:
            spans.append((start, start + len(run)))
            start = folded.find(run, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass
class Hit:
    """One process (an identifier with one name) and the releases it has that identifier and name in."""

    identifier: str
    level: int
    labels: dict[str, str]
    releases: list[str]  # newest first
    kind: int = ALL_WORDS

    def label(self, lang: str = "en") -> str:
        return self.labels.get(lang) or self.labels.get("en") or self.identifier

    @property
    def release(self) -> str:
        """The newest release that has it: where a link should go."""
        return self.releases[0]

    @property
    def match(self) -> str:
        return MATCH_KINDS[self.kind]

    def as_dict(self) -> dict:
        return {
            "identifier": self.identifier,
            "level": self.level,
            "name": {lang: name for lang, name in sorted(self.labels.items()) if lang},
            "release": self.release,
            "releases": list(self.releases),
            "match": self.match,
        }


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    total: int  # hits before the limit
    release: str | None = None

    def as_dict(self) -> dict:
        return {
            "query": self.query,
            "release": self.release,
            "total": self.total,
            "hits": [hit.as_dict() for hit in self.hits],
        }


@dataclass
class _Entry:
    identifier: str
    level: int
    labels: dict[str, str]
    releases: list[str] = field(default_factory=list)
    folded: dict[str, str] = field(default_factory=dict)  # normalised labels
    words: set[str] = field(default_factory=set)


class SearchIndex:
    """Inverted indexes over every release's processes: identifiers, English words, Chinese bigrams."""

    _instances: weakref.WeakKeyDictionary[KnowledgeGraph, SearchIndex] = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, catalog: Catalog) -> None:
        self.releases = list(catalog.releases)
        entries: dict[tuple[str, str], _Entry] = {}
        for release in sorted(self.releases, key=release_key, reverse=True):  # newest first
            for element in catalog.release(release):
                key = (element.identifier, element.labels.get("en", ""))
                entry = entries.get(key)
                if entry is None:
                    entry = entries[key] = _Entry(element.identifier, element.level, dict(element.labels))
                entry.releases.append(release)
        self.entries: list[_Entry] = sorted(
            entries.values(), key=lambda e: (-release_key(e.releases[0]), e.level, natural_key(e.identifier))
        )
        self.by_id: dict[str, list[int]] = {}
        self.words: dict[str, set[int]] = {}
        self.chars: dict[str, set[int]] = {}
        self.bigrams: dict[str, set[int]] = {}
        for position, entry in enumerate(self.entries):
            self.by_id.setdefault(entry.identifier, []).append(position)
            for lang, label in entry.labels.items():
                folded = normalize(label)
                entry.folded[lang] = folded
                words, runs = _split(folded)
                entry.words.update(words)
                for word in words:
                    self.words.setdefault(word, set()).add(position)
                for run in runs:
                    for char in run:
                        self.chars.setdefault(char, set()).add(position)
                    for gram in _bigrams(run):
                        self.bigrams.setdefault(gram, set()).add(position)
        self.sorted_ids = sorted(self.by_id)
        self.sorted_words = sorted(self.words)

    @classmethod
    def of(cls, kg: KnowledgeGraph) -> SearchIndex:
        """The index of ``kg``, built on first use and shared afterwards."""
        with cls._lock:
            index = cls._instances.get(kg)
            if index is None:
                index = cls._instances[kg] = cls(Catalog.of(kg))
            return index

    def __len__(self) -> int:
        return len(self.entries)

    # -- lookups --------------------------------------------------------------------------------------------

    def _ids_with_prefix(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.sorted_ids, prefix)
        found = []
        for identifier in self.sorted_ids[start:]:
            if not identifier.startswith(prefix):
                break
            found.append(identifier)
        return found

    def _word_postings(self, word: str) -> set[int]:
        """Entries with a word that starts with ``word``."""
        start = bisect.bisect_left(self.sorted_words, word)
        found: set[int] = set()
        for candidate in self.sorted_words[start:]:
            if not candidate.startswith(word):
                break
            found |= self.words[candidate]
        return found

    def _run_postings(self, run: str) -> set[int]:
        """Entries whose names contain the CJK run (bigram candidates, then checked as a substring)."""
        if len(run) == 1:
            return set(self.chars.get(run, ()))
        grams = sorted(_bigrams(run), key=lambda g: len(self.bigrams.get(g, ())))
        candidates = set(self.bigrams.get(grams[0], ()))
        for gram in grams[1:]:
            candidates &= self.bigrams.get(gram, set())
            if not candidates:
                break
        return {p for p in candidates if any(run in folded for folded in self.entries[p].folded.values())}

    # -- search ---------------------------------------------------------------------------------------------

    def search(self, query: str, *, release: str | None = None, limit: int = DEFAULT_LIMIT) -> SearchResult:
        """Hits for ``query``, best first (see the module documentation for the ranking)."""
        text = normalize(query)[:MAX_QUERY_LENGTH]
        kinds: dict[int, int] = {}
        if _IDENTIFIER.match(text):
            identifier = text.rstrip(".")
            for position in self.by_id.get(identifier, []):
                kinds[position] = EXACT_ID
            for other in self._ids_with_prefix(identifier + "."):
                for position in self.by_id[other]:
                    kinds.setdefault(position, ID_PREFIX)
        words, runs = _split(text)
        if words or runs:
            postings: set[int] | None = None
            for term_postings in [self._word_postings(w) for w in words] + [self._run_postings(r) for r in runs]:
                postings = term_postings if postings is None else postings & term_postings
                if not postings:
                    break
            phrase = " ".join(text.split())
            for position in postings or ():
                folded = self.entries[position].folded.values()
                if any(name == phrase for name in folded):
                    kind = EXACT_NAME
                elif any(name.startswith(phrase) for name in folded):
                    kind = NAME_PREFIX
                else:
                    kind = ALL_WORDS
                kinds[position] = min(kind, kinds.get(position, kind))
        ranked = sorted(kinds.items(), key=lambda item: (item[1], item[0]))  # entries are pre-sorted by recency
        hits: list[Hit] = []
        total = 0
        for position, kind in ranked:
            entry = self.entries[position]
            releases = entry.releases
            if release is not None:
                if release not in releases:
                    continue
                releases = [release]
            total += 1
            if len(hits) < limit:
                hits.append(Hit(entry.identifier, entry.level, dict(entry.labels), list(releases), kind))
        return SearchResult(query=query, hits=hits, total=total, release=release)

    def suggest(self, query: str, *, release: str | None = None, limit: int = 8) -> SearchResult:
        """As-you-type suggestions: the same ranking, fewer hits."""
        return self.search(query, release=release, limit=limit)
