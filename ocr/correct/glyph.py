"""How tall a word's first letter stands, from the word boxes alone (issue #18: a capital is
lowered only when the letter's own evidence for it is weak).

tesseract's word box runs from the tallest letter's top to the lowest letter's foot. A word
whose first letter is a capital and whose other letters are small letters of x-height (no
``б``, no letter with a descender, or the same descenders) is as tall as the page's words of
that shape with a capital, if the capital is real; as tall as its small words of that shape, if
the capital is a misreading of a small letter. ``capital_height`` places the word's box height
between the two medians of its page: 0 at the small words', 1 at the capitalised words'; the
table of ``HeightRatios`` says how much likelier a small letter misread is than a real capital
at that height (counted on the fit pages), and small_first adds it to its odds."""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ocr.correct.evidence import Layout
from ocr.correct.tokens import Chunk

ASCENDERS = frozenset("бфйё")  # small letters taller than x-height (marks count)
DESCENDERS = frozenset("друфцщ")  # small letters below the line
MIN_WORDS = 3  # words of each kind a page needs for a median
MIN_LETTERS = 3
MIN_SPREAD = 0.05  # capitals and small words this close in height tell nothing


def _shape(letters: str) -> tuple[bool, bool]:
    return any(c in ASCENDERS for c in letters), any(c in DESCENDERS for c in letters)


def _kind(text: str) -> tuple[str, tuple[bool, bool]] | None:
    """("small" or "capital", the shape of its other letters) for a word of Cyrillic letters
    alone: all small, or a capital then small letters."""
    if len(text) < MIN_LETTERS or not all("а" <= c.lower() <= "я" or c in "ёЁ" for c in text):
        return None
    rest = text[1:]
    if not rest.islower():
        return None
    if text[0].islower():
        return "small", _shape(text)
    return "capital", _shape(rest)


def capital_height(chunks: Sequence[Chunk], layout: Layout, chunk: Chunk) -> float | None:
    """Where ``chunk``'s box height stands between its page's small words and its capitalised
    words of the same shape (0: the small words' median, 1: the capitalised words'); None
    where the boxes cannot say (no height, a first letter whose small form changes the shape,
    too few words of either kind, or the two kinds as tall)."""
    height = layout.heights.get(chunk.start)
    kind = _kind(chunk.text)
    if height is None or kind is None or kind[0] != "capital":
        return None
    shape = kind[1]
    if _shape(chunk.text[0].lower()) != (False, False):
        return None
    small: list[float] = []
    capital: list[float] = []
    for c in chunks:
        if c.index == chunk.index or c.start not in layout.heights:
            continue
        k = _kind(c.text)
        if k is None or k[1] != shape:
            continue
        (small if k[0] == "small" else capital).append(layout.heights[c.start])
    if len(small) < MIN_WORDS or len(capital) < MIN_WORDS:
        return None
    low, high = statistics.median(small), statistics.median(capital)
    if high - low < MIN_SPREAD:
        return None
    return (height - low) / (high - low)


HEIGHT_TABLE = Path(__file__).resolve().parent.parent / "data" / "case_height_ru.tsv"


@dataclass(frozen=True)
class HeightRatios:
    """ln P(the box's :func:`capital_height` | a small letter misread as a capital) over
    ln P(it | a real capital), by bin (``ocr/data/case_height_ru.tsv``, counted by
    ``bench.correct_case --ratios`` on the fit pages): what the letter's own height says of
    its case, added to small_first's odds. No height: no evidence (0)."""

    edges: tuple[float, ...]  # each bin's lower edge, ascending (the first is -inf)
    ratios: tuple[float, ...]

    def ratio(self, height: float | None) -> float:
        if height is None:
            return 0.0
        k = bisect.bisect_right(self.edges, height) - 1
        return self.ratios[max(k, 0)]


@lru_cache(maxsize=1)
def height_ratios(path: Path = HEIGHT_TABLE) -> HeightRatios:
    edges, ratios = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and not line.startswith("from\t"):
            low, value = line.split("\t")[:2]
            edges.append(float(low))
            ratios.append(float(value))
    return HeightRatios(tuple(edges), tuple(ratios))
