"""The Russian lexicon: pymorphy3's dictionary, wordfreq frequencies and the project's learned words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ocr.correct.tokens import tokenize
from ocr.exceptions import MissingDependencyError

# Zipf value (log10 per billion words) given to dictionary words that wordfreq does not list.
FLOOR_ZIPF = 1.0
# Zipf value of words learned from the project's references and reviewers' corrections.
LEARNED_ZIPF = 5.0
# wordfreq tokens at least this frequent count as words even when the dictionary lacks them.
COMMON_ZIPF = 3.0
RUSSIAN_LOWER = "абвгдежзийклмнопрстуфхцчшщъыьэюя"  # ё is walked with е
_SEPARATOR = b"\x01"  # dawg_python's payload separator: a key is complete when it can follow


class LexiconNotInstalledError(MissingDependencyError):
    message = ("post-OCR correction needs pymorphy3, pymorphy3-dicts-ru and wordfreq: "
               "pip install pymorphy3 pymorphy3-dicts-ru wordfreq (make setup installs them)")


@dataclass(frozen=True)
class WordList:
    """Words learned by the project: lower-case counts, forms as written, reviewers' fixes."""

    counts: Mapping[str, int] = field(default_factory=dict)
    forms: frozenset[str] = frozenset()
    replacements: Mapping[str, str] = field(default_factory=dict)

    def merge(self, other: WordList) -> WordList:
        """Both lists in one; ``other``'s replacements win."""
        return WordList(dict(Counter(self.counts) + Counter(other.counts)), self.forms | other.forms,
                        {**self.replacements, **other.replacements})


def learn_from_references(texts: Iterable[str]) -> WordList:
    """Every word of the reference transcriptions, as written and lower-cased."""
    counts: Counter[str] = Counter()
    forms: set[str] = set()
    for text in texts:
        for token in tokenize(text):
            if any(c.isalpha() for c in token.text):
                counts[token.text.lower()] += 1
                forms.add(token.text)
    return WordList(dict(counts), frozenset(forms))


def learn_from_corrections(pairs: Iterable[tuple[str, str]]) -> WordList:
    """Reviewers' (wrong, right) pairs: the right words join the list, wrong -> right is remembered."""
    pairs = list(pairs)
    learned = learn_from_references(right for _, right in pairs)
    replacements = {wrong: right for wrong, right in pairs if wrong != right and wrong.strip()}
    return WordList(learned.counts, learned.forms, replacements)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    try:
        import pymorphy3
    except ImportError as e:
        raise LexiconNotInstalledError() from e
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1)
def _zipf_function() -> Any:
    try:
        from wordfreq import zipf_frequency
    except ImportError as e:
        raise LexiconNotInstalledError() from e
    return zipf_frequency


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Word membership, prefix walks over the dictionary and frequencies, with memo tables."""

    learned: WordList = field(default_factory=WordList)
    morph: Any = field(default_factory=_analyzer, repr=False)
    # Memo tables: the record stays frozen in what it answers, only its caches fill.
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        prefixes = {w[:i] for w in self.learned.counts for i in range(len(w) + 1)}
        self._memo["learned_prefixes"] = prefixes
        self._memo["dawg"] = self.morph.dictionary.words.dct

    # -- dictionary walk ---------------------------------------------------------------------

    def root(self) -> tuple[int, ...]:
        """The dictionary node of the empty prefix."""
        return (self._memo["dawg"].ROOT,)

    def step(self, nodes: tuple[int, ...], char: str) -> tuple[int, ...]:
        """Nodes after reading ``char`` (е also walks ё); empty when no word goes on so."""
        steps = self._memo.setdefault("steps", {})
        key = (nodes, char)
        if key not in steps:
            steps[key] = self._step(nodes, char)
        return steps[key]  # type: ignore[no-any-return]

    def _step(self, nodes: tuple[int, ...], char: str) -> tuple[int, ...]:
        dawg = self._memo["dawg"]
        out = []
        for label in ("е", "ё") if char == "е" else (char,):
            data = label.encode("utf-8")
            for node in nodes:
                nxt = dawg.follow_bytes(data, node)
                if nxt is not None:
                    out.append(nxt)
        return tuple(out)

    def children(self, nodes: tuple[int, ...]) -> tuple[tuple[str, tuple[int, ...]], ...]:
        """(letter, nodes) for every Russian letter some dictionary word continues with."""
        kids = self._memo.setdefault("children", {})
        if nodes not in kids:
            steps = ((c, self.step(nodes, c)) for c in RUSSIAN_LOWER)
            kids[nodes] = tuple((c, n) for c, n in steps if n)
        return kids[nodes]  # type: ignore[no-any-return]

    def complete(self, nodes: tuple[int, ...]) -> bool:
        """Whether a dictionary word ends at one of ``nodes``."""
        dawg = self._memo["dawg"]
        return any(dawg.follow_bytes(_SEPARATOR, node) is not None for node in nodes)

    def memo(self, name: str) -> dict[Any, Any]:
        """A named memo table living as long as this lexicon (search results, for one)."""
        return self._memo.setdefault("memo:" + name, {})

    def is_learned_prefix(self, prefix: str) -> bool:
        """Whether a learned word starts with ``prefix`` (lower case)."""
        return prefix in self._memo["learned_prefixes"]

    # -- membership and frequency ------------------------------------------------------------

    def in_dictionary(self, word: str) -> bool:
        """pymorphy3 knows the lower-case ``word`` (е may stand for ё)."""
        key = "d:" + word
        if key not in self._memo:
            self._memo[key] = bool(word) and self.morph.word_is_known(word)
        return bool(self._memo[key])

    def is_word(self, word: str) -> bool:
        """Dictionary, learned or common word; hyphenated compounds count when all parts do."""
        low = word.lower()
        if self.in_dictionary(low) or low in self.learned.counts or self.zipf(low) >= COMMON_ZIPF:
            return True
        parts = low.split("-")
        return len(parts) > 1 and all(p and self.is_word(p) for p in parts)

    def zipf(self, word: str) -> float:
        """wordfreq's Zipf frequency of the lower-case ``word`` (0 when unlisted)."""
        key = "z:" + word
        if key not in self._memo:
            self._memo[key] = _zipf_function()(word, "ru") if word else 0.0
        return float(self._memo[key])

    def prior_zipf(self, word: str) -> float:
        """The Zipf value ranking uses: learned words rank high, known unlisted ones at the floor."""
        low = word.lower()
        z = max(self.zipf(low), FLOOR_ZIPF if self.in_dictionary(low) else 0.0)
        return max(z, LEARNED_ZIPF) if low in self.learned.counts else z


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon with no learned words, loaded once per process."""
    return Lexicon()
