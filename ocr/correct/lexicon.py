"""The Russian lexicon: wordfreq's word frequencies (a real corpus), pymorphy3's forms and tags,
the data table of the period's tokens, the project's learned words, and the deletion index."""

from __future__ import annotations

import csv
import hashlib
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import regex

from ocr.correct.index import DeleteIndex, build, cache_dir, cached_index
from ocr.exceptions import MissingDependencyError

DATA = Path(__file__).resolve().parent.parent / "data"
TOKENS_TABLE = DATA / "tokens_ru.tsv"
CAPITALS_TABLE = DATA / "capitals_ru.tsv"
LETTERS_TABLE = DATA / "letters_ru.tsv"
LEXICON_TABLE = DATA / "lexicon_ru.tsv"
CAPITAL_PRIOR_TABLE = DATA / "capital_prior_ru.tsv"
_RUSSIAN = regex.compile(r"[а-я]+")
MEMO_MAX = 100_000


class LexiconNotInstalledError(MissingDependencyError):
    message = (
        "post-OCR correction needs pymorphy3, pymorphy3-dicts-ru and wordfreq: "
        "pip install pymorphy3 pymorphy3-dicts-ru wordfreq (make setup installs them)"
    )


@dataclass(frozen=True)
class TokenRow:
    """A row of the tokens table: a form, its Zipf frequency, what must follow it for that
    frequency to hold (``number``, ``capital`` or ``any``), whether a period after it ends no
    sentence, and where the row comes from."""

    form: str
    zipf: float
    after: str
    abbreviation: bool
    source: str


@dataclass(frozen=True)
class LexiconTable:
    """The rows of ``ocr/data/lexicon_ru.tsv``: letters Russian lacks (both cases), the
    grammemes of names, places and organisations, the named Zipf levels, and the parts of
    speech the capital's prior is counted by (pymorphy3 POS -> part; any other: ``other``)."""

    foreign_letters: frozenset[str]
    proper_tags: frozenset[str]
    zipf: Mapping[str, float]
    parts: Mapping[str, str] = field(default_factory=dict)


@cache
def lexicon_table(path: Path = LEXICON_TABLE) -> LexiconTable:
    """The lexicon's table (``ocr/data/lexicon_ru.tsv``), read once per process."""
    letters: set[str] = set()
    tags: set[str] = set()
    levels: dict[str, float] = {}
    parts: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            if r["kind"] == "letter":
                letters.update((r["key"], r["value"]))
            elif r["kind"] == "proper":
                tags.add(r["key"])
            elif r["kind"] == "zipf":
                levels[r["key"]] = float(r["value"])
            elif r["kind"] == "part":
                parts[r["key"]] = r["value"]
    return LexiconTable(frozenset(letters), frozenset(tags), levels, parts)


def zipf_level(name: str) -> float:
    """A named Zipf level of the lexicon's table (known, learned, floor, common, split; garbled:
    the shift of a chunk spelled as no word is)."""
    return lexicon_table().zipf[name]


def fold(word: str) -> str:
    """The lexicon's key of a word: lower case, ё written е."""
    return word.lower().replace("ё", "е")


@cache
def token_rows(path: Path = TOKENS_TABLE) -> dict[str, TokenRow]:
    """The tokens table (``ocr/data/tokens_ru.tsv``) by form."""
    rows = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            rows[r["form"]] = TokenRow(
                r["form"], float(r["zipf"]), r["after"], r["abbreviation"] == "1", r["source"]
            )
    return rows


@cache
def capital_shares(path: Path = CAPITALS_TABLE) -> dict[str, float]:
    """Words written with a capital inside a sentence, and the share of their occurrences
    inside sentences that have one (``ocr/data/capitals_ru.tsv``)."""
    out = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            out[r["word"]] = int(r["capital"]) / max(int(r["inside"]), 1)
    return out


@cache
@cache
def capital_prior_counts(
    path: Path = CAPITAL_PRIOR_TABLE,
) -> dict[tuple[str, str], tuple[int, int]]:
    """(words written with a capital, words) inside sentences by (part of speech, whether a
    neighbour has a capital), counted on text the capitals table was not counted from
    (``ocr/data/capital_prior_ru.tsv``)."""
    out = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            out[(r["part"], r["neighbour"])] = (int(r["capital"]), int(r["words"]))
    return out


def _rate(yes: int, total: int) -> float:
    """A share from counts, with half a count added (an empty cell: one half)."""
    return (yes + 0.5) / (total + 1.0)


@cache
def letter_weights(path: Path = LETTERS_TABLE) -> dict[str, int]:
    """Letter trigram and bigram weights of Russian words (``ocr/data/letters_ru.tsv``)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("gram\t"):
            gram, weight = line.split("\t")
            out[gram] = int(weight)
    return out


def russian_letters(word: str) -> float:
    """Mean ln P(letter | two before) of ``word`` under Russian words' letter trigrams: how
    Russian its letters look (misread Russian stays close, another language does not)."""
    weights = letter_weights()
    padded = f"^{fold(word)}$"
    total = 0.0
    for i in range(len(padded) - 2):
        tri, bi = weights.get(padded[i : i + 3], 0), weights.get(padded[i : i + 2], 0)
        total += math.log((tri + 0.1) / (bi + 3.4))  # 0.1 of a weight for each of 34 letters
    return total / max(len(padded) - 2, 1)


def _wordfreq_file() -> Path:
    try:
        import wordfreq
    except ImportError as e:
        raise LexiconNotInstalledError() from e
    return Path(wordfreq.__file__).parent / "data" / "large_ru.msgpack.gz"


def _source_hash() -> str:
    """What the base lexicon is made of: wordfreq's Russian list and the tokens table."""
    h = hashlib.sha256()
    for path in (_wordfreq_file(), TOKENS_TABLE):
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


def _build_words() -> tuple[list[str], np.ndarray]:
    """Every Russian word of wordfreq's list and every form of the tokens table, with Zipf."""
    from wordfreq import get_frequency_dict

    freq = get_frequency_dict("ru", "large")
    zipf = {w: math.log10(f * 1e9) for w, f in freq.items() if _RUSSIAN.fullmatch(w)}
    for row in token_rows().values():
        zipf[fold(row.form)] = max(zipf.get(fold(row.form), 0.0), row.zipf)
    words = sorted(zipf)
    return words, np.array([zipf[w] for w in words], dtype=np.float32)


@lru_cache(maxsize=1)
def base_words() -> tuple[tuple[str, ...], np.ndarray]:
    """The base word list and its Zipf values, cached on disk beside the index."""
    path = cache_dir() / f"words-{_source_hash()}.npz"
    if path.is_file():
        with np.load(path) as data:
            return tuple(str(data["words"]).split("\n")), data["zipf"]
    words, zipf = _build_words()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, words=np.array("\n".join(words)), zipf=zipf)
    tmp.replace(path)
    return tuple(words), zipf


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    try:
        import pymorphy3
    except ImportError as e:
        raise LexiconNotInstalledError() from e
    return pymorphy3.MorphAnalyzer(lang="ru")


@dataclass(frozen=True)
class WordList:
    """Words the project taught: lower-case counts, forms as written, reviewers' fixes."""

    counts: Mapping[str, int] = field(default_factory=dict)
    forms: frozenset[str] = frozenset()
    replacements: Mapping[str, str] = field(default_factory=dict)

    def merge(self, other: WordList) -> WordList:
        """Both lists in one; ``other``'s replacements win."""
        return WordList(
            dict(Counter(self.counts) + Counter(other.counts)),
            self.forms | other.forms,
            {**self.replacements, **other.replacements},
        )


def learn_from_references(texts: Iterable[str]) -> WordList:
    """Every word of the reference transcriptions, as written and folded."""
    counts: Counter[str] = Counter()
    forms: set[str] = set()
    for text in texts:
        for word in regex.findall(r"\p{L}+(?:-\p{L}+)*", text):
            counts[fold(word)] += 1
            forms.add(word)
    return WordList(dict(counts), frozenset(forms))


def learn_from_corrections(pairs: Iterable[tuple[str, str]]) -> WordList:
    """Reviewers' (read, decided) pairs: the decided words join the list, and the fix is kept."""
    pairs = list(pairs)
    learned = learn_from_references(right for _, right in pairs)
    fixes = {wrong: right for wrong, right in pairs if wrong != right and wrong.strip()}
    return WordList(learned.counts, learned.forms, fixes)


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Word frequencies, forms and tags, and candidates by deletion index; loaded once per
    process (:func:`default_lexicon`) and shared by every page."""

    words: tuple[str, ...]
    zipfs: Mapping[str, float]
    index: DeleteIndex
    learned: WordList = field(default_factory=WordList)
    learned_index: DeleteIndex | None = None
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def morph(self) -> Any:
        """pymorphy3's analyser (loaded on first use)."""
        return _analyzer()

    def with_learned(self, learned: WordList) -> Lexicon:
        """This lexicon with the project's words added (their small index built in memory)."""
        words = sorted(w for w in learned.counts if w not in self.zipfs)
        return Lexicon(self.words, self.zipfs, self.index, learned, build(words) if words else None)

    def zipf(self, word: str) -> float:
        """The Zipf frequency of ``word`` (folded); 0 when neither list knows it."""
        key = fold(word)
        z = self.zipfs.get(key, 0.0)
        if key in self.learned.counts:
            z = max(z, zipf_level("learned"))
        if z == 0.0 and self.in_dictionary(key):
            z = zipf_level("floor")
        return z

    def in_dictionary(self, word: str) -> bool:
        """pymorphy3 knows the folded ``word`` as a dictionary form (not a guess)."""
        key = "d:" + word
        if key not in self._memo:
            self._memo[key] = bool(word) and self.morph.word_is_known(word)
        return bool(self._memo[key])

    def known(self, word: str) -> bool:
        """A word pymorphy3 knows, one wordfreq lists as more than a typo's frequency, a
        learned one, or a hyphenated compound of such words."""
        key = fold(word)
        if self._known(key):
            return True
        parts = key.split("-")
        return len(parts) > 1 and all(p and self._known(p) for p in parts)

    def _known(self, key: str) -> bool:
        return (
            self.zipfs.get(key, 0.0) >= zipf_level("known")
            or key in self.learned.counts
            or key in token_rows()
            or self.in_dictionary(key)
        )

    def candidates(self, word: str, *, distance: int) -> list[str]:
        """Words within ``distance`` edits of the folded ``word``, from both indexes."""
        key = fold(word)
        memo = self._memo.setdefault("candidates", {})
        if (key, distance) not in memo:
            if len(memo) > MEMO_MAX:  # a long batch would otherwise keep every page's words
                memo.clear()
            found = self.index.lookup(key, distance=distance)
            if self.learned_index is not None:
                found += self.learned_index.lookup(key, distance=distance)
            memo[(key, distance)] = tuple(found)
        return list(memo[(key, distance)])

    def proper(self, word: str) -> bool:
        """Whether a parse of ``word`` is a name, surname, patronymic, place or organisation."""
        key = "p:" + word
        if key not in self._memo:
            self._memo[key] = any(
                lexicon_table().proper_tags & p.tag.grammemes for p in self.morph.parse(fold(word))
            )
        return bool(self._memo[key])

    def proper_likely(self, word: str) -> bool:
        """Whether pymorphy3's parses of ``word`` that are a name, surname, patronymic, place or
        organisation hold most of its probability: ``марта``, ``по`` and ``из`` have such a
        parse but are likelier a month, a preposition (:meth:`proper` says yes to any)."""
        key = "pl:" + word
        if key not in self._memo:
            tags = lexicon_table().proper_tags
            self._memo[key] = (
                sum(p.score for p in self.morph.parse(fold(word)) if tags & p.tag.grammemes) > 0.5
            )
        return bool(self._memo[key])

    def part(self, word: str) -> str:
        """The part of speech the capital's prior is counted by: of pymorphy3's likeliest
        parse, as the lexicon table maps it (``other`` for any part it does not list)."""
        key = "pos:" + fold(word)
        if key not in self._memo:
            tag = self.morph.parse(fold(word))[0].tag.POS
            self._memo[key] = lexicon_table().parts.get(str(tag), "other")
        return str(self._memo[key])

    def capital_prior(self, word: str, *, neighbour: bool) -> float:
        """ln P(a word that is no name nor capitalised form of the capitals table, read inside
        a sentence, has a capital): a sentence start whose period OCR lost, or a capital the
        text gives it inside a sentence, by its part of speech and whether a word beside it
        has a capital (``Советским Союзом``)."""
        counts = capital_prior_counts()
        lost = _rate(*counts.get(("sentence-start-lost", "-"), (0, 0)))
        yes, total = counts.get((self.part(word), "yes" if neighbour else "no"), (0, 0))
        return math.log(lost + (1 - lost) * _rate(yes, total))

    def capitalised(self, word: str) -> bool:
        """Whether ``word`` is written with a capital inside sentences: a name, place or
        organisation, a capitalised form of the capitals table, or one the project wrote so."""
        return (
            self.proper(word)
            or fold(word) in capital_shares()
            or word[:1].upper() + word[1:].lower() in self.learned.forms
        )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon with no learned words, loaded once per process."""
    words, zipf = base_words()
    index = cached_index(words, lexicon_key=_source_hash())
    return Lexicon(words, dict(zip(words, zipf.tolist(), strict=True)), index)
