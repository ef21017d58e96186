"""Candidate words for an OCR token: a bounded walk of the dictionary under weighted edits."""

from __future__ import annotations

from dataclasses import dataclass

from ocr.correct.choices import PositionCosts
from ocr.correct.confusions import MIN_COST, ConfusionTable
from ocr.correct.lexicon import RUSSIAN_LOWER, Lexicon
from ocr.correct.tokens import ONE_LETTER_WORDS, is_cyrillic, is_latin

# Latin letters drawn like one Cyrillic letter in typewriter faces (other look-alikes, such as
# u for и or 3 for з, are in the confusion table: they need the dictionary's word).
LATIN_TWINS = dict(zip("aceopxykABCEHKMOPTXY", "асеорхукАВСЕНКМОРТХУ", strict=True))
TWIN_COST = 0.3  # a Latin twin among Cyrillic letters is almost surely a script slip
# Search results kept per lexicon; every page's own profile is a new table, so the memo is
# emptied when it grows past this many entries (a long batch would otherwise keep them all).
SEARCH_MEMO_MAX = 200_000


@dataclass(frozen=True)
class SearchLimits:
    """Bounds of the dictionary walk: edits and cost per word, and the price of a split.

    Once a word is found, words costing more than ``margin`` nats above it are not sought: their
    posterior could not reach any useful threshold.

    Words up to ``short_word`` letters get one edit fewer, up to ``tiny_word`` one more fewer:
    a short word is a short hop from many others.
    """

    max_edits: int = 3
    max_generic: int = 2
    short_word: int = 7
    tiny_word: int = 4
    max_cost: float = 14.0
    margin: float = 8.0
    split_cost: float = 5.0
    allow_split: bool = True


def script_fixed(word: str) -> tuple[str, int]:
    """``word`` with Latin twins among Cyrillic letters made Cyrillic, and how many were changed."""
    if not any(is_cyrillic(c) for c in word):
        return word, 0
    fixed = "".join(LATIN_TWINS.get(c, c) if is_latin(c) else c for c in word)
    return fixed, sum(1 for a, b in zip(word, fixed, strict=True) if a != b)


def whole_latin_twin(word: str) -> str | None:
    """The Cyrillic word a Latin-only token spells when every letter is a twin (Ha -> На)."""
    if word and all(c in LATIN_TWINS for c in word):
        return "".join(LATIN_TWINS[c] for c in word)
    return None


class _Walk:
    """One depth-first walk: state is (input position, output so far, dictionary nodes)."""

    def __init__(self, word: str, lexicon: Lexicon, table: ConfusionTable, limits: SearchLimits,
                 marks: PositionCosts | None = None):
        self.word, self.lex, self.table, self.limits = word, lexicon, table, limits
        self.marks = marks
        self.found: dict[str, float] = {}
        self.edits: dict[str, int] = {}
        self.bound = limits.max_cost  # lowered to best-so-far + margin as words are found
        self.seen: dict[tuple[int, str, int, bool], float] = {}
        # Short words get one edit fewer, and at most one edit outside the table.
        drop = (len(word) <= limits.short_word) + (len(word) <= limits.tiny_word)
        self.max_edits = max(limits.max_edits - drop, 1)
        self.max_generic = max(limits.max_generic - drop, 0)

    def run(self) -> dict[str, float]:
        self.visit(0, "", self.lex.root(), 0.0, 0, False, 0)
        return {w: c for w, c in self.found.items() if " " not in w or self._fair_split(w)}

    def _fair_split(self, words: str) -> bool:
        """A split may add one more edit, none when a part is a one-letter word (в сын < воын)."""
        allowed = 0 if min(len(p) for p in words.split()) == 1 else 1
        return self.edits[words] <= allowed

    def visit(self, i: int, out: str, nodes: tuple[int, ...], cost: float, edits: int,
              split: bool, generic: int) -> None:
        key = (i, out, edits * 8 + generic, split)
        if cost > self.bound or self.seen.get(key, 1e9) <= cost:
            return
        self.seen[key] = cost
        segment = out.rsplit(" ", 1)[-1]
        if i == len(self.word):
            if self._complete(nodes, segment) and cost < self.found.get(out, 1e9):
                self.found[out] = cost
                self.edits[out] = edits
                self.bound = min(self.bound, cost + self.limits.margin)
        else:
            self._go(i + 1, out, nodes, self.word[i], cost, edits, split, generic)
        if edits < self.max_edits:
            self._edits(i, out, nodes, cost, edits, split, generic)
        if (self.limits.allow_split and not split and 0 < i < len(self.word)
                and self._complete(nodes, segment) and _standalone(segment)):
            self.visit(i, out + " ", self.lex.root(), cost + self.limits.split_cost, edits, True,
                       generic)

    def _complete(self, nodes: tuple[int, ...], segment: str) -> bool:
        return bool(segment) and (self.lex.complete(nodes) or segment in self.lex.learned.counts)

    def _walk(self, out: str, nodes: tuple[int, ...], text: str) -> tuple[str, tuple[int, ...]] | None:
        """Read ``text`` from a state; None when neither the dictionary nor a learned word allows it."""
        for char in text:
            nodes = self.lex.step(nodes, char)
            out += char
            if not nodes and not self.lex.is_learned_prefix(out.rsplit(" ", 1)[-1]):
                return None
        return out, nodes

    def _go(self, i: int, out: str, nodes: tuple[int, ...], text: str, cost: float, edits: int,
            split: bool, generic: int) -> None:
        nxt = self._walk(out, nodes, text)
        if nxt is not None:
            self.visit(i, nxt[0], nxt[1], cost, edits, split, generic)

    def _edits(self, i: int, out: str, nodes: tuple[int, ...], cost: float, edits: int,
               split: bool, generic: int) -> None:
        word, table, e = self.word, self.table, edits + 1
        # One-letter readings first (the table's, then tesseract's alternatives), then longer ones.
        listed = {ref: max(c + self._shift(i, 1), MIN_COST)
                  for ref, c in table.readings(word[i:i + 1])} if i < len(word) else {}
        if self.marks is not None and i < len(word):
            for ref, c in self.marks.alternatives[i]:
                listed[ref] = min(c, listed.get(ref, c))
        for ref, c in listed.items():
            self._go(i + 1, out, nodes, ref, cost + c, e, split, generic)
        for length in range(2, table.max_ocr_len + 1):
            if i + length <= len(word):
                shift = self._shift(i, length)
                for ref, c in table.readings(word[i:i + length]):
                    self._go(i + length, out, nodes, ref, cost + max(c + shift, MIN_COST), e,
                             split, generic)
        if generic >= self.max_generic:
            return
        g = generic + 1
        kids = self._children(out, nodes)
        # A doubtful letter makes the table's readings and tesseract's alternatives cheaper, not
        # edits listed nowhere (as many words get found at a third of the cost): those only get
        # dearer on a sure letter.
        if i < len(word):
            dearer = max(self._shift(i, 1), 0.0)
            for letter, nxt in kids:
                if letter != word[i] and letter not in listed:
                    self.visit(i + 1, out + letter, nxt, cost + table.sub + dearer, e, split, g)
            self.visit(i + 1, out, nodes, cost + table.delete + dearer, e, split, g)
            if i + 1 < len(word) and word[i] != word[i + 1]:
                swap = table.transpose + max(self._shift(i, 2), 0.0)
                self._go(i + 2, out, nodes, word[i + 1] + word[i], cost + swap, e, split, g)
        ins = table.ins + (max(self.marks.insert_shift(i), 0.0) if self.marks else 0.0)
        for letter, nxt in kids:
            self.visit(i, out + letter, nxt, cost + ins, e, split, g)

    def _shift(self, i: int, length: int) -> float:
        """Nats tesseract's doubts add to reading positions ``i .. i+length-1`` as something else."""
        return self.marks.span_shift(i, length) if self.marks is not None else 0.0

    def _children(self, out: str, nodes: tuple[int, ...]) -> list[tuple[str, tuple[int, ...]]]:
        """Letters the dictionary (or a learned word) allows after ``out``."""
        kids = list(self.lex.children(nodes)) if nodes else []
        segment = out.rsplit(" ", 1)[-1]
        if self.lex.is_learned_prefix(segment):
            have = {c for c, _ in kids}
            kids += [(c, ()) for c in RUSSIAN_LOWER
                     if c not in have and self.lex.is_learned_prefix(segment + c)]
        return kids


def _standalone(segment: str) -> bool:
    """A split part must be a real word: two letters or more, or a one-letter preposition."""
    return len(segment) >= 2 or segment in ONE_LETTER_WORDS


def search(word: str, *, lexicon: Lexicon, table: ConfusionTable,
           limits: SearchLimits = SearchLimits(),
           marks: PositionCosts | None = None) -> dict[str, float]:
    """Lower-case dictionary words (or two words split by a space) near ``word``, with edit cost;
    ``marks`` prices each position by what tesseract said of it (``ocr.correct.choices``)."""
    memo = lexicon.memo("search")
    key = (word.lower(), id(table), limits, marks)
    if key not in memo or memo[key][0] is not table:  # the table is kept so its id stays its own
        if len(memo) >= SEARCH_MEMO_MAX:
            memo.clear()
        found = _Walk(word.lower(), lexicon, table, limits, marks).run()
        found.pop(word.lower(), None)
        memo[key] = (table, found)
    return dict(memo[key][1])
