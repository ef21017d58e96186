"""Tesseract's own doubts as evidence: each character's confidence and the other characters its
LSTM considered there (``lstm_choice_mode=2``), turned into edit costs for one word.

A letter tesseract read at 99.4% or more is almost never wrong; one read under 98% is wrong one
time in three. And where it is wrong, the right letter is often among its alternatives
(``т`` with ``г`` and ``л``; ``Э`` with ``О``). So on each position of a word the dictionary
walk (``ocr.correct.candidates``) prices an edit by that position's confidence, and reads an
offered alternative at a cost measured from how often such alternatives were the truth.

The figures below were counted on the typed-only pages of the `ocr synth` tuning sets (seeds 7
and 8, pages under 0.4 CER; bench/bench_correct.py), on the letters of OCR words as long as their
true words: 33,747 letters, 898 of them misread.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Nats added to an edit of a letter read at a confidence of at least CONF_STEPS[k] (and below the
# next step): -ln(its share of misreadings / 5.3%, their share on medium and heavy pages), rounded.
# Measured shares misread: under 95: 46%; 95-97: 25%; 97-98: 20%; 98-98.8: 14%; 98.8-99.1: 2.8%;
# 99.1-99.4: 0.7%; 99.4 and over: 0.06% (tesseract's confidences stop at 99.57).
CONF_STEPS = (0.0, 95.0, 97.0, 98.0, 98.8, 99.1, 99.4)
EDIT_SHIFT = (-2.2, -1.5, -1.3, -1.0, 0.6, 2.0, 3.5)
# -ln(share of offered alternatives that were the truth), by the letter's confidence band (rows,
# as above) and the alternative's own confidence (columns: 0, under 30, 30 and over). A letter read
# at 99.1 or over offers none worth reading (6 of 36,327 were right).
ALT_STEPS = (0.0, 1e-9, 30.0)
ALT_COST: tuple[tuple[float | None, ...], ...] = (
    (5.0, 2.8, 2.1),
    (3.8, 3.1, 2.4),
    (3.8, 3.1, 2.4),
    (3.9, 2.5, 2.6),
    (4.8, 3.1, 5.0),
    (None, None, None),
    (None, None, None),
)


@dataclass(frozen=True)
class CharChoice:
    """What tesseract said of one character: its confidence (0-100) and the other characters it
    considered there, each with its confidence."""

    conf: float
    alternatives: tuple[tuple[str, float], ...] = ()


# Per character offset of a text, tesseract's word of that character said this.
Choices = Mapping[int, CharChoice]


@dataclass(frozen=True)
class PositionCosts:
    """Per letter of one word: nats added to editing it, and the letters it may be read as."""

    shift: tuple[float, ...]
    alternatives: tuple[tuple[tuple[str, float], ...], ...]

    def insert_shift(self, i: int) -> float:
        """The shift of inserting a letter before position ``i``: that of its neighbours."""
        near = self.shift[max(i - 1, 0):i + 1]
        return sum(near) / len(near) if near else 0.0

    def __add__(self, other: PositionCosts) -> PositionCosts:
        """The costs of two pieces read as one word (``произ водственный``)."""
        return PositionCosts(self.shift + other.shift, self.alternatives + other.alternatives)

    def span_shift(self, i: int, length: int) -> float:
        """The shift of reading positions ``i .. i+length-1`` as something else."""
        part = self.shift[i:i + length]
        return sum(part) / len(part) if part else 0.0


def _band(steps: Sequence[float], value: float) -> int:
    return max(bisect.bisect_right(steps, value) - 1, 0)


def edit_shift(conf: float) -> float:
    """Nats added to an edit of a letter read at confidence ``conf``."""
    return EDIT_SHIFT[_band(CONF_STEPS, conf)]


def alternative_cost(conf: float, alt_conf: float) -> float | None:
    """The cost of reading a letter (confidence ``conf``) as an alternative tesseract offered at
    ``alt_conf``; None when such alternatives are not worth reading."""
    return ALT_COST[_band(CONF_STEPS, conf)][_band(ALT_STEPS, alt_conf)]


def position_costs(choices: Choices, start: int, word: str) -> PositionCosts | None:
    """The costs for ``word`` standing at offset ``start`` of the text; None when tesseract said
    nothing of some letter of it (a word the text got from elsewhere)."""
    shift: list[float] = []
    alts: list[tuple[tuple[str, float], ...]] = []
    for i, char in enumerate(word):
        said = choices.get(start + i)
        if said is None:
            return None
        shift.append(edit_shift(said.conf) if char.isalpha() else 0.0)
        offered: dict[str, float] = {}
        for alt, alt_conf in said.alternatives:
            letter = alt.lower()
            cost = alternative_cost(said.conf, alt_conf)
            if cost is None or not letter.isalpha() or letter == char.lower():
                continue
            offered[letter] = min(cost, offered.get(letter, cost))
        alts.append(tuple(sorted(offered.items())))
    if not any(shift) and not any(alts):
        return None
    return PositionCosts(tuple(shift), tuple(alts))


def text_choices(spans: Sequence[tuple[int, int]], words: Sequence[str],
                 records: Sequence[Sequence[tuple[str, float, Sequence[tuple[str, float]]]]]
                 ) -> dict[int, CharChoice]:
    """Choices by offset of a text whose ``words`` stand at ``spans``, from tesseract's records of
    the same words (``ocr.tesseract.hocr_choices``: (character, confidence, alternatives)). A
    word whose record spells something else is left out; so are all when the counts differ."""
    if len(records) != len(words):
        return {}
    out: dict[int, CharChoice] = {}
    for (start, _), word, chars in zip(spans, words, records, strict=True):
        if "".join(c for c, _, _ in chars) != word:
            continue
        for i, (_, conf, alts) in enumerate(chars):
            out[start + i] = CharChoice(conf, tuple((a, float(c)) for a, c in alts))
    return out
