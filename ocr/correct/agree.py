"""Word endings from their neighbours: whether a word's grammatical form agrees with the word
beside it (an adjective with its noun in case, number and gender; a word after a preposition in
a case the preposition governs), and what that says of a reading, learned from the tuning texts'
own truths (``ocr/data/agree_ru.tsv``, counted by ``bench.train_correct --agree-only``).

The table holds counts only: for each relation, how often the true word agreed and how often
another form of the same word (the same lexeme, differing in its ending) would have; a reading
that differs from the one OCR read only in its ending is weighed by the likelihood ratio of the
two readings' agreement (:meth:`Agreement.shifts`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ocr.correct.lexicon import DATA, Lexicon, fold
from ocr.correct.tokens import Chunk, chunks

AGREE_TABLE = DATA / "agree_ru.tsv"
ADJECTIVES = frozenset({"ADJF", "PRTF"})
NOMINALS = frozenset({"NOUN", "ADJF", "PRTF", "NPRO", "NUMR"})
RELATIONS = ("prep", "num", "adj-noun", "noun-adj")
NUMBER = "<number>"  # a neighbour written in digits (``1957 года``, ``25 процентов``)
# The letters a reading's ending may differ in: a Russian inflection is at most three letters
# (``-ого``, ``-ами``), so two forms of one word share all but their last three.
ENDING = 3

# POS, case, number, gender, animacy
Parse = tuple[str | None, str | None, str | None, str | None, str | None]


def ending_pair(a: str, b: str) -> bool:
    """Two different words that differ only in their endings (folded, two letters of stem at
    least, at most ``ENDING`` letters after it on each side)."""
    if a == b or not (a.isalpha() and b.isalpha()):
        return False
    stem = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        stem += 1
    return stem >= 2 and len(a) - stem <= ENDING and len(b) - stem <= ENDING


def parses(lexicon: Lexicon, word: str) -> tuple[Parse, ...]:
    """pymorphy3's readings of the folded ``word`` (memoised in the lexicon)."""
    key = "agree-parses:" + word
    if key not in lexicon._memo:
        lexicon._memo[key] = tuple(
            (
                _str(p.tag.POS),
                _case(p.tag.case),
                _str(p.tag.number),
                _str(p.tag.gender),
                _str(p.tag.animacy),
            )
            for p in lexicon.morph.parse(word)
            if p.score > 0
        )
    found: tuple[Parse, ...] = lexicon._memo[key]
    return found


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _case(case: object) -> str | None:
    """pymorphy3's second genitive, locative and accusative count as the first."""
    key = _str(case)
    return {"gen2": "gent", "loc2": "loct", "acc2": "accs", "gen1": "gent", "loc1": "loct"}.get(
        key or "", key
    )


def preposition(lexicon: Lexicon, word: str) -> bool:
    """The likeliest reading of ``word`` is a preposition."""
    found = parses(lexicon, word)
    return bool(found) and found[0][0] == "PREP"


def _matches(adj: Parse, noun: Parse) -> bool:
    if adj[1] != noun[1] or adj[2] != noun[2]:
        return False
    if adj[4] is not None and noun[4] is not None and adj[4] != noun[4]:
        return False  # an accusative written as the genitive goes with a living noun only
    return adj[2] == "plur" or noun[3] in (None, "ms-f") or adj[3] == noun[3]


@dataclass(frozen=True)
class Context:
    """A word's neighbours as read (folded; None at a line's punctuation or with no word)."""

    left: str | None
    right: str | None


def context(found: Sequence[Chunk], index: int) -> Context:
    """The words beside chunk ``index`` with no punctuation between (a comma, a period or a
    bracket breaks the phrase)."""
    here = found[index]
    left = found[index - 1] if index > 0 else None
    right = found[index + 1] if index + 1 < len(found) else None
    return Context(
        _left(left) if left is not None and left.outer_end == left.end else None,
        fold(right.text)
        if right is not None and _plain(right) and here.outer_end == here.end
        else None,
    )


def _plain(chunk: Chunk) -> bool:
    return chunk.text.isalpha()


def _left(chunk: Chunk) -> str | None:
    if chunk.text.isdigit():
        return NUMBER
    return fold(chunk.text) if _plain(chunk) else None


def governor(lexicon: Lexicon, word: str | None) -> bool:
    """A word that governs the case of the word after it: a preposition or a number."""
    return word is not None and (word == NUMBER or preposition(lexicon, word))


def status(
    lexicon: Lexicon, word: str, near: Context, governs: dict[str, frozenset[str]]
) -> tuple[str, bool] | None:
    """The relation ``word`` stands in with its neighbours and whether it agrees: after a
    preposition of the table (or a number), a case it governs; an adjective before a noun, or a
    noun after an adjective, the same case, number and (singular) gender. None where no
    relation holds (or a neighbour is unknown)."""
    mine = [p for p in parses(lexicon, word) if p[0] in NOMINALS]
    if not mine:
        return None
    if near.left is not None and near.left in governs and governor(lexicon, near.left):
        rel = "num" if near.left == NUMBER else "prep"
        return rel, any(p[1] in governs[near.left] for p in mine)
    adjs = [p for p in mine if p[0] in ADJECTIVES]
    if adjs and near.right is not None and lexicon.known(near.right):
        nouns = [p for p in parses(lexicon, near.right) if p[0] == "NOUN"]
        if nouns:
            return "adj-noun", any(_matches(a, n) for a in adjs for n in nouns)
    nouns = [p for p in mine if p[0] == "NOUN"]
    if nouns and near.left is not None and lexicon.known(near.left):
        adjs = [p for p in parses(lexicon, near.left) if p[0] in ADJECTIVES]
        if adjs:
            return "noun-adj", any(_matches(a, n) for a in adjs for n in nouns)
    return None


@dataclass(frozen=True)
class Agreement:
    """The learned table: the cases each preposition governs, and each relation's ln
    likelihood ratio of agreeing (and of not) for a true word against another form of it."""

    governs: dict[str, frozenset[str]]
    ratio: dict[tuple[str, bool], float]

    def shifts(
        self, lexicon: Lexicon, lead: str, readings: Sequence[str], near: Context
    ) -> list[float]:
        """For each of ``readings``, the ln of how much likelier it is than ``lead`` by its
        agreement with ``near`` (0 unless the two differ only in their endings and both stand
        in the same relation)."""
        out = [0.0] * len(readings)
        pairs = [i for i, r in enumerate(readings) if ending_pair(lead, r)]
        if not (self.ratio and pairs):
            return out
        was = status(lexicon, lead, near, self.governs)
        if was is None:
            return out
        for i in pairs:
            now = status(lexicon, readings[i], near, self.governs)
            if now is not None and now[0] == was[0]:
                out[i] = self.ratio.get(now, 0.0) - self.ratio.get(was, 0.0)
        return out


# counting (bench.train_correct --agree-only): the tuning texts' truths


def other_forms(lexicon: Lexicon, word: str) -> list[str]:
    """The known forms of ``word``'s lexemes that differ from it only in their ending."""
    key = "agree-forms:" + word
    if key not in lexicon._memo:
        forms = {
            fold(f.word)
            for p in lexicon.morph.parse(word)
            if p.tag.POS in NOMINALS
            for f in p.lexeme
        }
        lexicon._memo[key] = sorted(f for f in forms if ending_pair(word, f) and lexicon.known(f))
    found: list[str] = lexicon._memo[key]
    return found


def count_government(lexicon: Lexicon, texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """(preposition, case) counts: the case of the nominal word right after each preposition
    (or number), where all its nominal readings share one case."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        found = chunks(text)
        for i in range(1, len(found)):
            left = context(found, i).left
            if left is None or not governor(lexicon, left):
                continue
            cases = {p[1] for p in parses(lexicon, fold(found[i].text)) if p[0] in NOMINALS}
            if len(cases) == 1 and None not in cases:
                counts[left, cases.pop() or ""] += 1
    return counts


def governed(counts: Counter[tuple[str, str]], *, share: float) -> dict[str, frozenset[str]]:
    """The cases each preposition takes in at least ``share`` of its counted uses."""
    totals: Counter[str] = Counter()
    for (prep, _), n in counts.items():
        totals[prep] += n
    out: dict[str, set[str]] = {}
    for (prep, case), n in counts.items():
        if n >= share * totals[prep]:
            out.setdefault(prep, set()).add(case)
    return {p: frozenset(c) for p, c in out.items()}


def count_agreement(
    lexicon: Lexicon, texts: Iterable[str], governs: dict[str, frozenset[str]]
) -> Counter[tuple[str, str, bool]]:
    """(who, relation, agrees) counts: ``truth`` for each true word in a relation, ``other``
    for each other form of it (same lexeme, another ending) in the same place."""
    counts: Counter[tuple[str, str, bool]] = Counter()
    for text in texts:
        found = chunks(text)
        for i, chunk in enumerate(found):
            word = fold(chunk.text)
            if not word.isalpha() or len(word) < 3:
                continue
            near = context(found, i)
            real = status(lexicon, word, near, governs)
            if real is None:
                continue
            counts["truth", *real] += 1
            for other in other_forms(lexicon, word):
                found_other = status(lexicon, other, near, governs)
                if found_other is not None and found_other[0] == real[0]:
                    counts["other", *found_other] += 1
    return counts


def ratios(counts: Counter[tuple[str, str, bool]]) -> dict[tuple[str, bool], float]:
    """Each relation's ln P(agrees or not | true word) / P(the same | another form), each
    share with one added to its count (Laplace)."""
    out = {}
    for rel in RELATIONS:
        t = counts["truth", rel, True] + counts["truth", rel, False]
        o = counts["other", rel, True] + counts["other", rel, False]
        if not (t and o):
            continue
        for agrees in (True, False):
            p_t = (counts["truth", rel, agrees] + 1) / (t + 2)
            p_o = (counts["other", rel, agrees] + 1) / (o + 2)
            out[rel, agrees] = math.log(p_t / p_o)
    return out


HEADER = "kind\tkey\tvalue\tcount"


def write_agreement(
    path: Path,
    government: Counter[tuple[str, str]],
    agreement: Counter[tuple[str, str, bool]],
    provenance: Sequence[str],
) -> None:
    """The counts as a TSV: ``gov`` rows (preposition, case, uses) and ``agree`` rows (who,
    relation, agrees, words)."""
    lines = [f"# {p}" for p in provenance] + [HEADER]
    lines += [f"gov\t{p}\t{c}\t{n}" for (p, c), n in sorted(government.items())]
    lines += [
        f"agree\t{who}:{rel}\t{'yes' if ok else 'no'}\t{n}"
        for (who, rel, ok), n in sorted(agreement.items())
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# A case a preposition takes in fewer of its uses than this is taken for a parsing slip (``в``
# takes the accusative in 4% of the tuning texts' uses counted, ``за`` the accusative in 27%).
GOVERNED_SHARE = 0.02


def read_agreement(path: Path) -> Agreement:
    """The table written by :func:`write_agreement`; a missing file changes nothing."""
    if not path.is_file():
        return Agreement({}, {})
    gov: Counter[tuple[str, str]] = Counter()
    agree: Counter[tuple[str, str, bool]] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line == HEADER:
            continue
        kind, key, value, n = line.split("\t")
        if kind == "gov":
            gov[key, value] += int(n)
        else:
            who, rel = key.split(":")
            agree[who, rel, value == "yes"] += int(n)
    return Agreement(governed(gov, share=GOVERNED_SHARE), ratios(agree))


@cache
def load_agreement(path: Path = AGREE_TABLE) -> Agreement:
    """The shipped table (``ocr/data/agree_ru.tsv``), read once per process."""
    return read_agreement(path)
