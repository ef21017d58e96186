"""Words read from ink that is not the page's typing (issue 15): a registry number written large
in the margin ("874.4016/45"), a small upright RECEIVED or DIVISION OF ... stamp read as short
garbage or glued to a typed line ("38 he Honorable"), flat stamp garbage ("=r % o", "Oo").

The junk model (ocr.detect.junk) judges a word by its spelling and its neighbours; the rotated
step (ocr.detect.rotated) by the way a blob's letters stand. This step measures the word's own
ink against the ink of the page's typing, which is what tells a typewriter's letter from a
pen's, a rubber stamp's or a printed letterhead's: the height of its letter-sized pieces against
the typed letters', their stroke width against the typed strokes', the darkness of its ink
against the typed ink's, and how far the word lies outside the column of the page's typing.
It calls no tesseract.

Only words that are not surely text (ocr.detect.rotated.surely_text: a legible word of four
letters or more, a confident typing word, a confident number) are judged, and a word beside a
surely-text word of its row stays (ocr.detect.rotated's BESIDE rule: a typed word misread under
a stamp's edge). The rule's figures are learned (``bench/learn_foreign.py``) and stored in
``ocr/data/foreign.json``; what leaves is kept in the page's "foreign" processing step."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ocr.detect.junk import fitted_json, marked_words, never_junk
from ocr.detect.rotated import beside_text, ink_mask, page_text
from ocr.detect.specks import drop_words, word_row
from ocr.quality import logistic
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

RULE_FILE = Path(__file__).resolve().parents[1] / "data" / "foreign.json"
STEP_ID = "foreign"
MIN_TYPED_WORDS = 20  # surely-text words a page needs for its typing's ink to be measured
FEATURES = ("height", "stroke", "darkness", "outside", "confidence", "isolation", "pieces")


@dataclass(frozen=True)
class Typing:
    """The ink of the page's typing: its letter pieces' median height (pixels), its median
    stroke width (pixels), its ink's median grey (0 black), and the column its words fill
    (left and right edges, pixels)."""

    letter: float
    stroke: float
    grey: float
    left: float
    right: float
    height: float  # the page's typed word height (ocr.detect.specks.typed_height)


@dataclass(frozen=True)
class InkFigures:
    """A word's ink against the page's typing: log of its letter pieces' height over the
    typed letters', log of its stroke width over the typed strokes', its ink's grey minus the
    typed ink's (over 255; positive: paler), how far its centre lies outside the typed
    column (typed heights; 0 inside), tesseract's confidence (0..1), how far it lies from the
    nearest surely-text word (log of 1 + the gap between their boxes in typed heights) and its
    letter-sized pieces (log of 1 + their number)."""

    height: float
    stroke: float
    darkness: float
    outside: float
    confidence: float
    isolation: float
    pieces: float

    def vector(self) -> tuple[float, ...]:
        return astuple(self)


def _pieces(ink: np.ndarray, box: Box) -> tuple[list[float], np.ndarray]:
    """Heights of the ink pieces in ``box`` (8-connected) and the crop's ink mask."""
    crop = np.ascontiguousarray(ink[box.top : box.bottom, box.left : box.right])
    if crop.size == 0:
        return [], crop
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    heights = [float(stats[i, 3]) for i in range(1, count) if stats[i, 4] >= 4]
    return heights, crop


def _stroke(crop: np.ndarray) -> float:
    """The crop's stroke width: twice the mean distance of its ink to the paper, at the ink's
    ridge (pixels whose distance is a local maximum); 0 without ink."""
    if not crop.any():
        return 0.0
    padded = cv2.copyMakeBorder(crop, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 3)
    ridge = (dist > 0) & (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8)))
    values = dist[ridge] if ridge.any() else dist[dist > 0]
    return float(2.0 * np.median(values))


def _grey(gray: np.ndarray, crop_ink: np.ndarray, box: Box) -> float:
    values = gray[box.top : box.bottom, box.left : box.right][crop_ink > 0]
    return float(np.median(values)) if values.size else 255.0


def measure_typing(
    words: Sequence[Word], sure: Sequence[bool], gray: np.ndarray, ink: np.ndarray, height: float
) -> Typing | None:
    """The ink of the page's typing, from its surely-text words (None: too few of them);
    ``height``: the page's typed word height."""
    typed = [w for w, s in zip(words, sure, strict=True) if s]
    if len(typed) < MIN_TYPED_WORDS:
        return None
    letters: list[float] = []
    strokes, greys = [], []
    for w in typed:
        heights, crop = _pieces(ink, w.box)
        letters += heights
        if crop.any():
            strokes.append(_stroke(crop))
            greys.append(_grey(gray, crop, w.box))
    if not letters or not strokes:
        return None
    lefts = sorted(w.box.left for w in typed)
    rights = sorted(w.box.right for w in typed)
    # the typed column: the 5th and 95th percentile of the typed words' edges
    return Typing(
        float(np.median(letters)),
        float(np.median(strokes)),
        float(np.median(greys)),
        float(lefts[len(lefts) // 20]),
        float(rights[-1 - len(rights) // 20]),
        height,
    )


def _gaps(word: Word, typed: np.ndarray) -> float:
    """The gap between the word's box and the nearest of the boxes ``typed`` (rows of left,
    top, right, bottom), pixels (inf without any)."""
    if not len(typed):
        return math.inf
    b = word.box
    dx = np.maximum(0, np.maximum(typed[:, 0] - b.right, b.left - typed[:, 2]))
    dy = np.maximum(0, np.maximum(typed[:, 1] - b.bottom, b.top - typed[:, 3]))
    return float(np.sqrt(dx * dx + dy * dy).min())


def ink_figures(
    word: Word, typing: Typing, gray: np.ndarray, ink: np.ndarray, typed: np.ndarray
) -> InkFigures:
    """One word's ink against the page's typing (see InkFigures); ``typed``: the boxes of the
    surely-text words (rows of left, top, right, bottom)."""
    heights, crop = _pieces(ink, word.box)
    tall = [h for h in heights if h >= 0.25 * typing.letter] or heights
    letter = float(np.median(tall)) if tall else typing.letter
    stroke = _stroke(crop) or typing.stroke
    centre = word.box.left + word.box.width / 2
    outside = max(typing.left - centre, centre - typing.right, 0.0) / typing.height
    return InkFigures(
        max(-2.0, min(2.0, math.log(max(letter, 1.0) / typing.letter))),
        max(-2.0, min(2.0, math.log(max(stroke, 0.5) / typing.stroke))),
        (_grey(gray, crop, word.box) - typing.grey) / 255.0,
        min(outside, 20.0),
        max(0.0, word.conf) / 100.0,
        math.log1p(min(20.0, _gaps(word, typed) / typing.height)),
        math.log1p(len(tall)),
    )


def page_figures(
    words: Sequence[Word], image: np.ndarray, languages: str, marks: Sequence[Box] = ()
) -> tuple[list[InkFigures | None], list[bool], Typing | None]:
    """Each word's ink figures (None for a word never judged: surely text, or one the junk
    model never judges, ocr.detect.junk.never_junk, with ``marks`` the boxes of the stamps,
    handwriting and signatures found: a legible word, a number, a word of more than three
    letters outside them; and None for every word on a page whose typing could not be
    measured), whether each word is surely text, and the typing."""
    text = page_text(words, languages)
    if text is None:
        return [None] * len(words), [False] * len(words), None
    sure = text.sure
    marked = marked_words(words, marks)
    kept = [
        s or never_junk(w, k, z, m)
        for w, s, k, z, m in zip(words, sure, text.knows, text.zipfs, marked, strict=True)
    ]
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    ink = ink_mask(gray)
    typing = measure_typing(words, sure, gray, ink, text.height)
    if typing is None:
        return [None] * len(words), sure, None
    typed = np.array(
        [
            [w.box.left, w.box.top, w.box.right, w.box.bottom]
            for w, s in zip(words, sure, strict=True)
            if s
        ],
        dtype=float,
    )
    return (
        [
            None if k else ink_figures(w, typing, gray, ink, typed)
            for w, k in zip(words, kept, strict=True)
        ],
        sure,
        typing,
    )


@dataclass(frozen=True)
class ForeignRule:
    """Logistic score of a word's ink figures (FEATURES); a word whose score is at least
    ``threshold`` is foreign ink (None: the step is off)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float | None
    source: str = ""

    def score(self, figures: InkFigures) -> float:
        return logistic(self.bias, self.weights, figures.vector())

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 5) for w in self.weights],
            "bias": round(self.bias, 5),
            "threshold": self.threshold,
            "source": self.source,
        }


@cache
def foreign_rule(path: Path = RULE_FILE) -> ForeignRule:
    """The shipped rule (``ocr/data/foreign.json``), read once per process."""
    data = fitted_json(path, FEATURES)
    low = data.get("threshold")
    return ForeignRule(
        tuple(float(w) for w in data["weights"]),
        float(data["bias"]),
        None if low is None else float(low),
        str(data.get("source", "")),
    )


def foreign_scores(
    words: Sequence[Word],
    image: np.ndarray,
    languages: str,
    rule: ForeignRule,
    marks: Sequence[Box] = (),
) -> tuple[list[float | None], list[bool]]:
    """Each word's score (None: never judged, see :func:`page_figures`; and a word beside a
    surely-text word of its row) and whether each word is surely text."""
    figures, sure, typing = page_figures(words, image, languages, marks)
    if typing is None:
        return [None] * len(words), sure
    return [
        None if f is None or beside_text(words, sure, w, typing.height) else rule.score(f)
        for w, f in zip(words, figures, strict=True)
    ], sure


def foreign_indices(
    words: Sequence[Word],
    image: np.ndarray,
    languages: str,
    rule: ForeignRule | None = None,
    marks: Sequence[Box] = (),
) -> tuple[list[int], list[float]]:
    """Indices of the words read from foreign ink, and their scores."""
    rule = rule or foreign_rule()
    if rule.threshold is None:
        return [], []
    scores, _sure = foreign_scores(words, image, languages, rule, marks)
    drop = [i for i, s in enumerate(scores) if s is not None and s >= rule.threshold]
    return drop, [scores[i] or 0.0 for i in drop]


def drop_foreign(
    words: Sequence[Word],
    image: np.ndarray,
    outputs: dict[str, Path],
    languages: str,
    rule: ForeignRule | None = None,
    marks: Sequence[Box] = (),
) -> list[ProcessingStep]:
    """Drop the words read from ink unlike the page's typing from the page's outputs; the step
    (each word with its box and score) as provenance when any was. ``marks``: the boxes of the
    stamps, handwriting and signatures found, in the words' frame (junk.marked_boxes)."""
    rule = rule or foreign_rule()
    drop, scores = foreign_indices(words, image, languages, rule, marks)
    if not drop:
        return []
    drop_words(words, outputs, drop)
    return [
        ProcessingStep(
            id=STEP_ID,
            category="ocr",
            description="words read from ink unlike the page's typing dropped (a number written "
            "in the margin, a small stamp, a letterhead's crest: letters taller or shorter, "
            "strokes wider or thinner, ink paler than the typing's, or off its column; by a "
            "learned rule)",
            settings={
                "rule": rule.as_json(),
                "words": [[i, *word_row(words[i])] for i in drop],
                "scores": [round(s, 3) for s in scores],
            },
        )
    ]
