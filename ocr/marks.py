"""A typewriter's mark that tesseract reads as a letter, put back before a number.

A face can draw a mark so that tesseract reads it as a letter: the typewriter's "№" read "Х",
"х", "М", "м", "Я" or "и" before a registry number ("Х 760", "М 45"). Each letter alone is too
rare to learn, so the letters are pooled: ``bench/learn_marks.py`` fits one model of the odds
that a single letter standing alone right before a number is the mark, on the correction
split's fit pages (synthetic, exact text; the calibration pages check it). A hierarchical
logistic model: what every letter shares (the letter's frequency as a word of its own, so that
the "в", "и", "с" of "в 1939 году" weigh against it; whether the letter opens its line; whether
the number closes it; whether the number is a day or a year with words after it, a date) plus
each letter's own effect, drawn towards 0 by a prior whose width the learner chooses on fit
pages left out in turn. A letter is put back as the mark where the model's odds reach the
table's threshold. The table (``ocr/data/marks.json``) holds the weights, the letters'
frequencies and effects; nothing about a particular letter is written here. The words changed
are recorded as a processing step.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ocr.records import ProcessingStep
from ocr.reletter import Swap
from ocr.tesseract import Word

RULE_FILE = Path(__file__).parent / "data" / "marks.json"
FEATURES = ("bias", "common", "first", "last", "date")  # a letter at a line's start or end
# A letter inside a line (neither opening it nor before the number that closes it) has its own
# model: after a cue ("от", "за", "письмо", a comma), before a registry number with its series.
INSIDE_FEATURES = ("bias", "common", "date", "cue", "comma", "slashed")
# A letter after a heading word (a word in capitals that the truth puts before the mark:
# "ПРОТОКОЛ М 29", "ПРИКАЗ М 5") has its own model too: whether the number closes the line, a
# date, and the letter's box against the number's characters ("wide": its width over the
# number's width per character, less 1; the mark is drawn wider than a letter of the face).
HEADING_FEATURES = ("bias", "common", "last", "date", "wide")
ALL_FEATURES = tuple(dict.fromkeys((*FEATURES, *INSIDE_FEATURES, *HEADING_FEATURES)))
COMMON_BASE = 6.0  # a letter's word frequency (Zipf) is fed to the model as its excess over this
_DAY_OR_YEAR = re.compile(r"(?:0?[1-9]|[12]\d|3[01]|1[89]\d\d|20\d\d)[.,]?")
_SLASHED = re.compile(r"\d+[/-]\w+")  # a registry number with its series: "45/сс", "969-р"
_EDGES = '.,;:!?()"«»'


@dataclass(frozen=True)
class MarkModel:
    """One language's model: the mark meant, the shared weights, and per letter its frequency as
    a word of its own (Zipf) and its own effect; a letter the table lacks is no candidate.
    ``inside``, when the table has it, is the model of a letter inside a line (INSIDE_FEATURES,
    its own weights and effects; ``cues`` the words a mark follows there); ``heading``, when
    the table has it, the model of a letter after a heading word (HEADING_FEATURES; its
    ``cues`` the heading words, in lower case)."""

    mark: str
    weights: Mapping[str, float]
    threshold: float
    common: Mapping[str, float]
    effect: Mapping[str, float] = field(default_factory=dict)
    cues: frozenset[str] = frozenset()
    inside: MarkModel | None = None
    heading: MarkModel | None = None

    def odds(self, letter: str, context: Mapping[str, float]) -> float:
        """The probability that ``letter`` in ``context`` (the features but bias and common) is
        the mark; 0 for a letter the table does not know."""
        if letter not in self.common:
            return 0.0
        if context.get("heading", 0.0) and self.heading is not None:
            # after a heading word: the heading model's odds, or the line's where they are higher
            # (the heading model adds evidence, it does not take back what the line's had)
            plain = self.odds(letter, {**context, "heading": 0.0})
            return max(plain, self.heading.odds(letter, {**context, "heading": 0.0, "first": 0.0}))
        within = not context.get("first", 0.0) and not context.get("last", 0.0)
        if within and self.inside is not None:
            return self.inside.odds(letter, context)
        x = {"bias": 1.0, "common": self.common[letter] - COMMON_BASE, **context}
        z = sum(self.weights.get(k, 0.0) * x.get(k, 0.0) for k in ALL_FEATURES)
        z += self.effect.get(letter, 0.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def _model(m: Mapping, mark: str, threshold: float) -> MarkModel:
    letters = m["letters"]
    inside, heading = m.get("inside"), m.get("heading")
    return MarkModel(
        mark,
        dict(m["weights"]),
        threshold,
        {k: float(v["common"]) for k, v in letters.items()},
        {k: float(v.get("effect", 0.0)) for k, v in letters.items()},
        frozenset(inside.get("cues", ())) if inside else frozenset(),
        _model({**inside, "letters": letters_of(inside, letters)}, mark, threshold)
        if inside
        else None,
        replace(
            _model({**heading, "letters": letters_of(heading, letters)}, mark, threshold),
            cues=frozenset(heading.get("cues", ())),
        )
        if heading
        else None,
    )


def letters_of(inside: Mapping, letters: Mapping) -> dict:
    """A sub-model's letters (inside a line, after a heading word): the table's frequencies
    with the sub-model's effects."""
    effects = inside.get("effects", {})
    return {k: {"common": v["common"], "effect": effects.get(k, 0.0)} for k, v in letters.items()}


@lru_cache(maxsize=4)
def load_marks(path: Path = RULE_FILE) -> Mapping[str, MarkModel]:
    """Per language, the model of a letter read alone before a number being a mark."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        language: _model(m, m["mark"], float(m["threshold"]))
        for language, m in data.get("before_number", {}).items()
    }


def cue_word(word: str) -> str:
    """A word as a cue is looked up: lower case, without the punctuation at its ends."""
    return word.strip(_EDGES).lower()


def in_capitals(word: str) -> bool:
    """A word of at least two letters, every letter a capital ("ПРОТОКОЛ", "АКТ", "СССР,";
    not an initial "М.", not "Ваше")."""
    letters = [c for c in word.strip(_EDGES) if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def wideness(letter: Word, number: Word) -> float:
    """The letter's box width over the number's width per character, less 1, within [-1, 1];
    0 without boxes."""
    chars = len(number.text)
    if letter.box.width <= 0 or number.box.width <= 0 or not chars:
        return 0.0
    return max(-1.0, min(1.0, letter.box.width * chars / number.box.width - 1.0))


def candidates(
    words: Sequence[Word],
    cues: frozenset[str] = frozenset(),
    headings: frozenset[str] = frozenset(),
) -> list[tuple[int, dict[str, float]]]:
    """The words (TSV order) that are a single letter alone right before a number on their
    line, each with its context: whether the letter opens its line, whether the number closes
    it, a date (the number a day or a year with a word after it on the line), a cue (the word
    before the letter on its line is one of ``cues``, the words a mark follows inside a line:
    "от", "за", "письмо"), a comma (that word ends with one) and a registry number with its
    series ("45/сс", "969-р"); caps, that word is in capitals (``in_capitals``), heading, a
    word in capitals that is one of ``headings`` ("ПРОТОКОЛ М 29"); wide, the letter's box
    against the number's characters (``wideness``)."""
    out = []
    for i, (word, after) in enumerate(zip(words, words[1:], strict=False)):
        if len(word.text) != 1 or not word.text.isalpha() or word.line_key != after.line_key:
            continue
        if not after.text[:1].isdigit():
            continue
        first = i == 0 or words[i - 1].line_key != word.line_key
        nxt = words[i + 2] if i + 2 < len(words) else None
        last = nxt is None or nxt.line_key != after.line_key
        worded = not last and nxt is not None and nxt.text[:1].isalpha()
        date = worded and bool(_DAY_OR_YEAR.fullmatch(after.text))
        before = "" if first else words[i - 1].text
        cue = not first and cue_word(before) in cues
        comma = not first and before.endswith(",")
        slashed = bool(_SLASHED.match(after.text))
        caps = not first and in_capitals(before)
        heading = caps and cue_word(before) in headings
        wide = wideness(word, after)
        out.append(
            (
                i,
                {
                    "first": float(first),
                    "last": float(last),
                    "date": float(date),
                    "cue": float(cue),
                    "comma": float(comma),
                    "slashed": float(slashed),
                    "caps": float(caps),
                    "heading": float(heading),
                    "wide": wide,
                },
            )
        )
    return out


def mark_swaps(
    words: Sequence[Word],
    languages: str,
    marks: Mapping[str, MarkModel] | None = None,
) -> list[Swap]:
    """The words (TSV order) that are a letter standing alone right before a number on their
    line which the language's model takes for the mark, with the mark put back; ``languages``
    as tesseract takes them ("rus+eng": the first language with a model)."""
    return [swap for swap, _ in marked(words, languages, marks)]


def marked(
    words: Sequence[Word],
    languages: str,
    marks: Mapping[str, MarkModel] | None = None,
) -> list[tuple[Swap, float]]:
    """``mark_swaps`` with each mark's probability under the model: the put-back mark's
    confidence, since tesseract never read the mark itself."""
    table = load_marks() if marks is None else marks
    model = next((table[lang] for lang in languages.split("+") if lang in table), None)
    if model is None:
        return []
    found = []
    for i, context in candidates(
        words, model.cues, model.heading.cues if model.heading else frozenset()
    ):
        p = model.odds(words[i].text, context)
        if p >= model.threshold:
            found.append((Swap(i, words[i].text, model.mark), p))
    return found


def marks_step(swaps: Sequence[Swap]) -> ProcessingStep:
    return ProcessingStep(
        id="marks",
        category="ocr",
        description=(
            "a typewriter's mark read as a letter standing alone before a number put back "
            "(model learned by bench/learn_marks.py)"
        ),
        settings={"words": [[s.before, s.after] for s in swaps]},
    )
