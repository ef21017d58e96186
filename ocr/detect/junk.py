"""Junk words read from ink that is not text (issue 15): punctuation and letter fragments that
tesseract reads from stamps, seals, pencil marks and a letterhead's crest ("— ©", "ne yw",
"4 ~ c 0)"). They are dropped from the page's outputs as specks are (ocr.detect.specks: TSV,
hOCR, ALTO, text, the characters' choices) and kept, with the model's probability, in the
page's "junk" processing step.

The model is learned, not typed in: ``bench/learn_junk.py`` fits a logistic model of P(junk) on
pages with exact ground truth (a word with no true counterpart that is no legible word) and
chooses the threshold so that no tuning page reads worse and no real word of a clean page is
dropped; it writes ``ocr/data/junk.json`` with its provenance.

Features (:data:`FEATURES`): the word's confidence, its chance of being read right
(ocr.quality), its make-up (letters, digits, marks), its length, its box height against the
page's typed word height (ocr.detect.specks.typed_height), and its line's context (the line's
mean chance of being right, its share of words the lexicon knows, its share of junk-looking
words, its share of words that are surely text, its word count).

Some words are never junk, whatever the model says: a word the lexicon knows (legible text that
a reference may leave out, "RECEIVED", a letterhead, stays), a word of three letters or digits
or more (a name, a garbled typed word: it may be text, and the model must never drop garbled
real typing), a number of two digits or more (dates, file numbers), a word without a
confidence; and nothing is dropped on a page without a typed word height (too few sure words to
judge by) or in a language without a lexicon. What is left for the model are fragments: marks
and one or two letters or digits."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ocr.detect.specks import drop_words, typed_height, word_row
from ocr.quality import dictionary_languages, lexicon_knows, word_probabilities
from ocr.records import ProcessingStep
from ocr.tesseract import Word

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "junk.json"
MAX_ALNUM = 2  # letters or digits a fragment has at most; a longer word is never junk
FEATURES = (
    "confidence",
    "p_right",
    "letters",
    "digits",
    "marks",
    "length",
    "log_height",
    "line_p_right",
    "line_known",
    "line_junky",
    "line_text",
    "line_words",
)


@dataclass(frozen=True)
class JunkModel:
    """Logistic model of P(junk | features) and the probability over which a word is junk."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    source: str = ""

    def probability(self, features: Sequence[float]) -> float:
        z = self.bias + sum(w * f for w, f in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 5) for w in self.weights],
            "bias": round(self.bias, 5),
            "threshold": self.threshold,
            "source": self.source,
        }


@cache
def junk_model(path: Path = MODEL_FILE) -> JunkModel:
    """The shipped model (``ocr/data/junk.json``), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{path} was fitted on other features: {data['features']}")
    return JunkModel(
        tuple(float(w) for w in data["weights"]),
        float(data["bias"]),
        float(data["threshold"]),
        str(data.get("source", "")),
    )


def _makeup(text: str) -> tuple[float, float, float]:
    size = max(1, len(text))
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    return letters / size, digits / size, (size - letters - digits) / size


def _junk_looking(text: str, knows: bool | None) -> bool:
    """A word that looks like a fragment: no word the lexicon knows, at most two letters or
    digits (a mark, "ne", "0)")."""
    return knows is not True and sum(c.isalnum() for c in text) <= MAX_ALNUM


def _text_like(word: Word, knows: bool | None) -> bool:
    """A word that is surely text: one the model never judges, read with a confidence (a
    line with a number or a word beside a mark is typing: a ditto mark of a typed table)."""
    return word.conf >= 0 and never_junk(word, knows)


def never_junk(word: Word, knows: bool | None) -> bool:
    """Words the model never judges: legible words (the lexicon knows them), words of
    MAX_ALNUM + 1 letters or digits or more, numbers of two digits or more, words without a
    confidence."""
    alnum = sum(c.isalnum() for c in word.text)
    digits = "".join(c if c.isdigit() else " " for c in word.text).split()
    return (
        knows is True or alnum > MAX_ALNUM or any(len(run) >= 2 for run in digits) or word.conf < 0
    )


def junk_features(words: Sequence[Word], languages: str, height: float) -> list[list[float]]:
    """Each word's features (see FEATURES), in the words' order; ``height`` is the page's typed
    word height."""
    return _features(words, languages, height, _knows(words, languages))


def _knows(words: Sequence[Word], languages: str) -> list[bool | None]:
    """Whether the lexicon of ``languages`` knows each word (None: not word-like)."""
    langs = dictionary_languages(languages)
    return [lexicon_knows(w.text, langs) for w in words]


def _features(
    words: Sequence[Word], languages: str, height: float, knows: Sequence[bool | None]
) -> list[list[float]]:
    p_right = word_probabilities(words, languages)
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        lines[w.line_key].append(i)
    context: dict[tuple[int, int, int], tuple[float, float, float, float, float]] = {}
    for key, members in lines.items():
        judged = [knows[i] for i in members if knows[i] is not None]
        context[key] = (
            sum(p_right[i] for i in members) / len(members),
            sum(bool(k) for k in judged) / len(judged) if judged else 0.0,
            sum(_junk_looking(words[i].text, knows[i]) for i in members) / len(members),
            sum(_text_like(words[i], knows[i]) for i in members) / len(members),
            math.log(len(members)),
        )
    out = []
    for i, w in enumerate(words):
        letters, digits, marks = _makeup(w.text)
        rel = max(w.box.height, 1) / height
        out.append(
            [
                max(0.0, w.conf) / 100.0,
                p_right[i],
                letters,
                digits,
                marks,
                min(len(w.text), 10) / 10.0,
                max(-3.0, min(3.0, math.log(rel))),
                *context[w.line_key],
            ]
        )
    return out


def junk_scores(
    words: Sequence[Word], languages: str, model: JunkModel | None = None
) -> list[float | None]:
    """Each word's P(junk), or None for a word that is never junk (see :func:`never_junk`);
    all None on a page without a typed word height or in a language without a lexicon."""
    height = typed_height(words)
    langs = dictionary_languages(languages)
    if height is None or not langs:
        return [None] * len(words)
    model = model or junk_model()
    knows = _knows(words, languages)
    features = _features(words, languages, height, knows)
    return [
        None if never_junk(w, k) else model.probability(f)
        for w, k, f in zip(words, knows, features, strict=True)
    ]


def _over(scores: Sequence[float | None], threshold: float) -> list[int]:
    """Indices of the scores at or over ``threshold`` (None: never junk)."""
    return [i for i, p in enumerate(scores) if p is not None and p >= threshold]


def junk_indices(
    words: Sequence[Word], languages: str, model: JunkModel | None = None
) -> list[int]:
    """Indices (in the TSV's reading order) of the words that are junk."""
    model = model or junk_model()
    return _over(junk_scores(words, languages, model), model.threshold)


def drop_junk(
    words: Sequence[Word],
    outputs: dict[str, Path],
    languages: str,
    model: JunkModel | None = None,
) -> list[ProcessingStep]:
    """Drop the page's junk words from its outputs; the step (with each dropped word and its
    P(junk), so that what was read is not lost) as provenance when any was dropped."""
    model = model or junk_model()
    scores = junk_scores(words, languages, model)
    drop = _over(scores, model.threshold)
    if not drop:
        return []
    drop_words(words, outputs, drop)
    return [
        ProcessingStep(
            id="junk",
            category="ocr",
            description="words read from ink that is not text dropped (stamps, seals, pencil "
            "marks: fragments the lexicon does not know, judged by a learned model)",
            settings={
                "model": {"threshold": model.threshold, "source": model.source},
                "words": [[i, *word_row(words[i])] for i in drop],
                "p_junk": [round(scores[i] or 0.0, 3) for i in drop],
            },
        )
    ]
