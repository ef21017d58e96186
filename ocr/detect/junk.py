"""Junk words read from ink that is not text (issue 15): punctuation, letter fragments and
garbage tokens that tesseract reads from stamps, seals, pencil marks and a letterhead's crest
("— ©", "ne yw", "4 ~ c 0)", "_INaHUVyS"). They are dropped from the page's outputs as specks
are (ocr.detect.specks: TSV, hOCR, ALTO, text, the characters' choices) and kept, with the
model's probability, in the page's "junk" processing step. The step runs after region
detection: whether a word lies in a stamp, handwriting or a signature found on the page is one
of its features (the regions themselves stay as found).

The model is learned, not typed in: ``bench/learn_junk.py`` fits a logistic model of P(junk) on
pages with exact ground truth (a word with no true counterpart that is no legible word) and
chooses the threshold so that no tuning page reads worse and no real word of a clean page is
dropped; it writes ``ocr/data/junk.json`` with its provenance.

Features (:data:`FEATURES`): the word's confidence, its chance of being read right
(ocr.quality), its make-up (letters, digits, marks), its length, its box height against the
page's typed word height (ocr.detect.specks.typed_height); its shape (longer than a fragment,
letters and digits, switches between letters, digits and marks, case switches inside a run of
letters, vowels), whether the lexicon knows it and how common it is (Zipf frequency), whether it
lies in a stamp, handwriting or a signature; its line's context (the line's mean chance of
being right, its share of legible words, of fragments, of words that are surely text, its word
count, its median height against the typed height, its share of words in a mark); and its
neighbourhood, whatever lines tesseract made (:func:`_neighbourhood`: the shares of surely-text
words and of fragments among the words around it, their number, the share of surely-text words
on its row, the number of fragments around it, the page's share of fragments).

Three thresholds (all chosen by the learner): the model's threshold for every judged word, a
lower cluster threshold for a word that lies among at least ``cluster_size`` fragments on a line
without typing (:func:`fragments_near`), and a mark threshold for one among as many once the
words inside the stamps, handwriting and signatures found make no line typing unless the model
never judges them there (a stamp's garbled "PROPLAN" or "COMMUHICA", which tesseract joins into
one line with the seal's fragments around it). Noise read from a seal, a crest or a stamp comes
in such clusters, off the typed lines; what held the single threshold up were single misread
short words of typed pages ("Ro", "ев", a list's "1"), which stand alone among typing.

Some words are never junk, whatever the model says (:func:`never_junk`): a legible word (the
lexicon knows it; "RECEIVED", a letterhead stays), but a short word of at most SHORT letters only
when it is a common one (the lexicon knows nearly every pair of letters: "yw", "oe", "OM" are
judged, "of", "by", "les" are not); a word of more than SHORT letters or digits outside the
stamps, handwriting and signatures found (a name, a garbled typed word: the model must never
drop garbled real typing); a number of two digits or more (dates, file numbers); a word without
a confidence. Nothing is dropped on a page without a typed word height (too few sure words to
judge by) or in a language without a lexicon."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ocr.detect.regions import Region
from ocr.detect.specks import drop_words, typed_height, word_row
from ocr.geometry import PageGeometry
from ocr.quality import dictionary_languages, lexicon_zipf, logistic, word_probabilities
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "junk.json"
MAX_ALNUM = 2  # letters or digits a fragment has at most
SHORT = 3  # letters a short word has at most: the lexicon protects it only when it is common
COMMON_ZIPF = 5.0  # the Zipf frequency of a common word ("of", "by", "my", "les", "на")
_LETTERS = re.compile(r"[^\W\d_]+")
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
    "long",
    "alnum",
    "switches",
    "case_switches",
    "vowels",
    "unknown",
    "line_height",
    "zipf",
    "known",
    "marked",
    "line_marked",
    "near_text",
    "near_junky",
    "near_words",
    "row_text",
    "near_fragments",
    "page_junky",
)
NEAR_ROWS = 2.5  # typed heights above and below a word: its neighbourhood
NEAR_COLS = 8.0  # typed heights left and right of it
MOSTLY_FRAGMENTS = 0.5  # a page with more fragments than this share of its words: no clusters
MARK_TYPES = frozenset({"stamp", "handwriting", "signature"})  # regions of ink that is no typing
VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüÿæœáíóúаеёиоуыэюяіє")


@dataclass(frozen=True)
class JunkModel:
    """Logistic model of P(junk | features) and the probability over which a word is junk."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    source: str = ""
    cluster_threshold: float = 1.01  # for a word among at least cluster_size fragments
    cluster_size: int = 0  # 0: no cluster threshold
    mark_threshold: float = 1.01  # for one among them once a mark's words are no typing

    def probability(self, features: Sequence[float]) -> float:
        return logistic(self.bias, self.weights, features)

    def threshold_for(self, fragments_near: int, near_in_marks: int = 0) -> float:
        """The threshold for a word with ``fragments_near`` fragments around it: the cluster
        threshold (when lower) for a word in a cluster of fragments, else the threshold.
        ``near_in_marks``: its fragments around once the words inside a stamp, handwriting or
        a signature no longer make a line typing; among at least cluster_size of them, the
        mark threshold (when lower)."""
        out = self.threshold
        if self.cluster_size and fragments_near >= self.cluster_size:
            out = min(out, self.cluster_threshold)
        if self.cluster_size and near_in_marks >= self.cluster_size:
            out = min(out, self.mark_threshold)
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "features": list(FEATURES),
            "weights": [round(w, 5) for w in self.weights],
            "bias": round(self.bias, 5),
            "threshold": self.threshold,
            "cluster_size": self.cluster_size,
            "cluster_threshold": self.cluster_threshold,
            "mark_threshold": self.mark_threshold,
            "source": self.source,
        }


def fitted_json(path: Path, features: Sequence[str]) -> dict:
    """A learned rule's JSON file, checked to be fitted on ``features`` (in that order)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if list(data["features"]) != list(features):
        raise ValueError(f"{path} was fitted on other features: {data['features']}")
    return data


@cache
def junk_model(path: Path = MODEL_FILE) -> JunkModel:
    """The shipped model (``ocr/data/junk.json``), read once per process."""
    data = fitted_json(path, FEATURES)
    return JunkModel(
        tuple(float(w) for w in data["weights"]),
        float(data["bias"]),
        float(data["threshold"]),
        str(data.get("source", "")),
        float(data.get("cluster_threshold", 1.01)),
        int(data.get("cluster_size", 0)),
        float(data.get("mark_threshold", 1.01)),
    )


def _makeup(text: str) -> tuple[float, float, float]:
    size = max(1, len(text))
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    return letters / size, digits / size, (size - letters - digits) / size


def _junk_looking(word: Word, knows: bool | None, zipf: float) -> bool:
    """A word that looks like a fragment: one the model judges of at most two letters or
    digits (a mark, "yw", "0)")."""
    return (
        not never_junk(word, knows, zipf, False)
        and sum(c.isalnum() for c in word.text) <= MAX_ALNUM
    )


def _text_like(word: Word, knows: bool | None, zipf: float) -> bool:
    """A word that is surely text, read with a confidence: one the model never judges or a word
    of more than MAX_ALNUM letters or digits (a line with a number or a word beside a mark is
    typing: a ditto mark of a typed table)."""
    longer = sum(c.isalnum() for c in word.text) > MAX_ALNUM
    return word.conf >= 0 and (longer or never_junk(word, knows, zipf, False))


def _core(text: str) -> int:
    """The letters of the word's longest run of letters."""
    return max((len(run) for run in _LETTERS.findall(text)), default=0)


def _rare_short(word: Word, zipf: float) -> bool:
    """A short word (at most SHORT letters) the lexicon knows only as a rare one."""
    return zipf < COMMON_ZIPF and _core(word.text) <= SHORT


def never_junk(
    word: Word, knows: bool | None, zipf: float | None = None, marked: bool = True
) -> bool:
    """Words the model never judges: legible words (the lexicon knows them; a word of at most
    SHORT letters only when it is a common one, of Zipf frequency COMMON_ZIPF or more: the
    lexicon knows nearly every pair of letters, "yw", "oe", "ib"), a word of more than SHORT
    letters or digits outside the stamps, handwriting and signatures found (``marked``: it
    lies in one; garbled typing must never be dropped), numbers of two digits or more, words
    without a confidence. ``zipf``: the word's Zipf frequency (None: not known)."""
    digits = "".join(c if c.isdigit() else " " for c in word.text).split()
    legible = knows is True and not (zipf is not None and _rare_short(word, zipf))
    long = sum(c.isalnum() for c in word.text) > SHORT and not marked
    return legible or long or any(len(run) >= 2 for run in digits) or word.conf < 0


def word_shape(text: str) -> tuple[float, float, float, float, float]:
    """A word's shape: whether it is longer than a fragment, its letters and digits (scaled),
    its switches between letters, digits and marks (per character), its case switches inside
    the word (a capital first letter is no switch; per letter) and its share of vowels."""
    alnum = sum(c.isalnum() for c in text)
    kinds = ["a" if c.isalpha() else "d" if c.isdigit() else "m" for c in text]
    switches = sum(a != b for a, b in zip(kinds, kinds[1:], strict=False))
    letters = [c for c in text if c.isalpha()]
    case_switches = 0  # inside each run of letters, a capital first letter aside ("d'Al": none)
    for run in _LETTERS.findall(text):
        cases = [c.isupper() for c in run if c.isupper() or c.islower()]
        case_switches += sum(a != b for a, b in zip(cases[1:], cases[2:], strict=False))
    vowels = sum(c.lower() in VOWELS for c in letters)
    return (
        1.0 if alnum > MAX_ALNUM else 0.0,
        min(alnum, 15) / 15.0,
        switches / max(1, len(text) - 1),
        case_switches / max(1, len(letters) - 1),
        vowels / len(letters) if letters else 0.0,
    )


def marked_boxes(regions: Sequence[Region], geometry: PageGeometry | None = None) -> list[Box]:
    """The boxes of the detected regions of ink that is no typing (MARK_TYPES: stamps,
    handwriting, signatures), moved into the OCR frame of ``geometry`` (regions are found in the
    original page's pixels; None: the same frame)."""
    boxes = [r.box for r in regions if r.type in MARK_TYPES]
    if geometry is None or geometry.is_identity:
        return boxes
    return [geometry.box_to_frame(b) for b in boxes]


def marked_words(words: Sequence[Word], marks: Sequence[Box]) -> list[bool]:
    """Whether each word's centre lies in one of the boxes ``marks``."""
    return [_marked(w, marks) for w in words]


def _marked(word: Word, marks: Sequence[Box]) -> bool:
    col, row = word.box.left + word.box.width / 2, word.box.top + word.box.height / 2
    return any(b.left <= col <= b.right and b.top <= row <= b.bottom for b in marks)


def junk_features(
    words: Sequence[Word], languages: str, height: float, marks: Sequence[Box] = ()
) -> list[list[float]]:
    """Each word's features (see FEATURES), in the words' order; ``height`` is the page's typed
    word height, ``marks`` the boxes of stamps, handwriting and signatures (marked_boxes)."""
    return _features(words, languages, height, *lexicon(words, languages), marks)


def lexicon(words: Sequence[Word], languages: str) -> tuple[list[bool | None], list[float]]:
    """Whether the lexicon of ``languages`` knows each word (None: not word-like) and its Zipf
    frequency (0 when it is not known)."""
    langs = dictionary_languages(languages)
    zipfs = [lexicon_zipf(w.text, langs) for w in words]
    return [None if z is None else z > 0 for z in zipfs], [z or 0.0 for z in zipfs]


def _features(
    words: Sequence[Word],
    languages: str,
    height: float,
    knows: Sequence[bool | None],
    zipfs: Sequence[float],
    marks: Sequence[Box] = (),
    around: _Around | None = None,
) -> list[list[float]]:
    p_right = word_probabilities(words, languages)
    marked = marked_words(words, marks)
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        lines[w.line_key].append(i)
    context: dict[tuple[int, int, int], tuple[float, ...]] = {}
    for key, members in lines.items():
        # the share of word-like words that are legible (a rare short word is not)
        judged = [
            knows[i] is True and not _rare_short(words[i], zipfs[i])
            for i in members
            if knows[i] is not None
        ]
        tall = sorted(max(words[i].box.height, 1) for i in members)
        context[key] = (
            sum(p_right[i] for i in members) / len(members),
            sum(bool(k) for k in judged) / len(judged) if judged else 0.0,
            sum(_junk_looking(words[i], knows[i], zipfs[i]) for i in members) / len(members),
            sum(_text_like(words[i], knows[i], zipfs[i]) for i in members) / len(members),
            math.log(len(members)),
            max(-3.0, min(3.0, math.log(tall[len(tall) // 2] / height))),
            sum(marked[i] for i in members) / len(members),
        )
    near = (around or _neighbourhood(words, height, knows, zipfs)).features
    out = []
    for i, w in enumerate(words):
        letters, digits, signs = _makeup(w.text)
        rel = max(w.box.height, 1) / height
        out.append(
            [
                max(0.0, w.conf) / 100.0,
                p_right[i],
                letters,
                digits,
                signs,
                min(len(w.text), 10) / 10.0,
                max(-3.0, min(3.0, math.log(rel))),
                *context[w.line_key][:5],
                *word_shape(w.text),
                1.0 if knows[i] is False else 0.0,
                context[w.line_key][5],
                zipfs[i] / 8.0,
                1.0 if knows[i] is True else 0.0,
                1.0 if marked[i] else 0.0,
                context[w.line_key][6],
                *near[i],
            ]
        )
    return out


NEAR_CHUNK = 1024  # words compared with the whole page at a time: a page of noise's thousands of
# words cost rows of this many, not the square of their number, in memory


@dataclass(frozen=True)
class _Around:
    """Each word's neighbourhood features (:func:`_neighbourhood`) and the number of words
    that look like fragments around it (what :func:`fragments_near` counts)."""

    features: list[tuple[float, ...]]
    fragments: list[int]


def _neighbourhood(
    words: Sequence[Word],
    height: float,
    knows: Sequence[bool | None],
    zipfs: Sequence[float],
) -> _Around:
    """Each word's surroundings on the page, whatever lines tesseract made of them: among the
    other words whose centre lies within NEAR_ROWS typed heights above or below and NEAR_COLS
    left or right, the share that are surely text and the share that look like fragments, their
    number (log), the share of surely-text words among the other words of its row (centres
    within half a typed height) across the page, the number of fragments around it (log) and
    the page's share of fragments. Seal and crest noise comes in clusters away from the typing;
    a misread short word of a typed line or a list's number has typing around it."""
    n = len(words)
    if n == 0:
        return _Around([], [])
    cx = np.array([w.box.left + w.box.width / 2 for w in words], dtype=float)
    cy = np.array([w.box.top + w.box.height / 2 for w in words], dtype=float)
    text = np.array([_text_like(w, k, z) for w, k, z in zip(words, knows, zipfs, strict=True)])
    junky = np.array([_junk_looking(w, k, z) for w, k, z in zip(words, knows, zipfs, strict=True)])
    count, rows, fragments, texts, row_texts = (np.zeros(n, dtype=int) for _ in range(5))
    for start in range(0, n, NEAR_CHUNK):
        end = min(n, start + NEAR_CHUNK)
        dy = np.abs(cy[start:end, None] - cy[None, :])
        others = np.ones((end - start, n), dtype=bool)
        others[np.arange(end - start), np.arange(start, end)] = False
        near = (
            others
            & (dy <= NEAR_ROWS * height)
            & (np.abs(cx[start:end, None] - cx[None, :]) <= NEAR_COLS * height)
        )
        row = others & (dy <= height / 2)
        count[start:end], rows[start:end] = near.sum(axis=1), row.sum(axis=1)
        fragments[start:end] = (near & junky[None, :]).sum(axis=1)
        texts[start:end] = (near & text[None, :]).sum(axis=1)
        row_texts[start:end] = (row & text[None, :]).sum(axis=1)
    near_text = texts / np.maximum(count, 1)
    near_junky = fragments / np.maximum(count, 1)
    row_text = row_texts / np.maximum(rows, 1)
    page_junky = float(junky.mean())
    features: list[tuple[float, ...]] = [
        (
            float(a),
            float(b),
            math.log1p(float(c)) / 3.0,
            float(d),
            math.log1p(float(e)) / 3.0,
            page_junky,
        )
        for a, b, c, d, e in zip(near_text, near_junky, count, row_text, fragments, strict=True)
    ]
    return _Around(features, [int(f) for f in fragments])


def junk_scores(
    words: Sequence[Word],
    languages: str,
    model: JunkModel | None = None,
    marks: Sequence[Box] = (),
) -> list[float | None]:
    """Each word's P(junk), or None for a word that is never junk (see :func:`never_junk`);
    all None on a page without a typed word height or in a language without a lexicon."""
    return _judge(words, languages, model or junk_model(), marks)[0]


def _judge(
    words: Sequence[Word], languages: str, model: JunkModel, marks: Sequence[Box]
) -> tuple[list[float | None], list[int], list[int]]:
    """Each word's P(junk) (junk_scores), the number of fragments around it (fragments_near)
    and that number once a mark's words make no line typing (fragments_near with marks)."""
    height = typed_height(words)
    langs = dictionary_languages(languages)
    if height is None or not langs:
        return [None] * len(words), [0] * len(words), [0] * len(words)
    knows, zipfs = lexicon(words, languages)
    around = _neighbourhood(words, height, knows, zipfs)  # once: the features and the clusters
    features = _features(words, languages, height, knows, zipfs, marks, around)
    marked = marked_words(words, marks)
    scores = [
        None if never_junk(w, k, z, m) else model.probability(f)
        for w, k, z, m, f in zip(words, knows, zipfs, marked, features, strict=True)
    ]
    return (
        scores,
        _fragments_near(words, height, knows, zipfs, around),
        _fragments_near(words, height, knows, zipfs, around, marked),
    )


def fragments_near(words: Sequence[Word], languages: str, marks: Sequence[Box] = ()) -> list[int]:
    """For each word, the number of other words around it that look like fragments (marks and
    words of at most MAX_ALNUM letters or digits the model judges): centres within NEAR_ROWS
    typed heights above or below and NEAR_COLS left or right, whatever lines tesseract made of
    them. Noise read from a seal, a crest or a stamp comes in such clusters; a misread short
    word of a typed line, or a list's number, stands alone among typing. 0 for a word on a line
    with a surely-text word of SHORT letters or more (a typed line: its misread words are never
    judged as a cluster); all 0 on a page without a typed word height and on a page whose
    words are mostly fragments (more than MOSTLY_FRAGMENTS of them: garbled typing throughout,
    where a cluster stands out from nothing).

    ``marks`` (the boxes of stamps, handwriting and signatures found, marked_boxes): a word
    inside one makes its line typing only when the model never judges it there (a legible
    word, a number): a stamp's or a seal's garbled reading ("PROPLAN", "COMMUHICA") is no
    typing, and tesseract often joins it into one line with the seal's fragments."""
    height = typed_height(words)
    if height is None:
        return [0] * len(words)
    knows, zipfs = lexicon(words, languages)
    marked = marked_words(words, marks) if marks else None
    return _fragments_near(words, height, knows, zipfs, marked=marked)


def _typing(word: Word, knows: bool | None, zipf: float, marked: bool) -> bool:
    """A word that makes its line typing: surely text (:func:`_text_like`) with a run of SHORT
    letters or more, and, inside a stamp, handwriting or a signature (``marked``), a word the
    model never judges there."""
    if not (_text_like(word, knows, zipf) and _core(word.text) >= SHORT):
        return False
    return not marked or never_junk(word, knows, zipf, True)


def _fragments_near(
    words: Sequence[Word],
    height: float,
    knows: Sequence[bool | None],
    zipfs: Sequence[float],
    around: _Around | None = None,
    marked: Sequence[bool] | None = None,
) -> list[int]:
    fragments = sum(_junk_looking(w, k, z) for w, k, z in zip(words, knows, zipfs, strict=True))
    if fragments > MOSTLY_FRAGMENTS * len(words):
        # garbled typing throughout (a heavy page): a cluster of fragments tells nothing there
        return [0] * len(words)
    inside = marked or [False] * len(words)
    typed = {  # lines with a word that is surely text: typing, whatever lies around them
        w.line_key
        for w, k, z, m in zip(words, knows, zipfs, inside, strict=True)
        if _typing(w, k, z, m)
    }
    counts = (around or _neighbourhood(words, height, knows, zipfs)).fragments
    return [0 if w.line_key in typed else c for w, c in zip(words, counts, strict=True)]


def _over(
    scores: Sequence[float | None],
    near: Sequence[int],
    near_in_marks: Sequence[int],
    model: JunkModel,
) -> list[int]:
    """Indices of the scores at or over the model's threshold for each word (its cluster
    threshold for a word among fragments, its mark threshold for one among fragments once a
    mark's words make no typing; None: never junk)."""
    return [
        i
        for i, (p, n, m) in enumerate(zip(scores, near, near_in_marks, strict=True))
        if p is not None and p >= model.threshold_for(n, m)
    ]


def junk_indices(
    words: Sequence[Word],
    languages: str,
    model: JunkModel | None = None,
    marks: Sequence[Box] = (),
) -> list[int]:
    """Indices (in the TSV's reading order) of the words that are junk."""
    model = model or junk_model()
    return _over(*_judge(words, languages, model, marks), model)


def drop_junk(
    words: Sequence[Word],
    outputs: dict[str, Path],
    languages: str,
    model: JunkModel | None = None,
    marks: Sequence[Box] = (),
) -> list[ProcessingStep]:
    """Drop the page's junk words from its outputs; the step (with each dropped word and its
    P(junk), so that what was read is not lost) as provenance when any was dropped. ``marks``:
    the boxes of the stamps, handwriting and signatures found on the page (marked_boxes)."""
    model = model or junk_model()
    scores, near, in_marks = _judge(words, languages, model, marks)
    drop = _over(scores, near, in_marks, model)
    if not drop:
        return []
    drop_words(words, outputs, drop)
    return [
        ProcessingStep(
            id="junk",
            category="ocr",
            description="words read from ink that is not text dropped (stamps, seals, pencil "
            "marks: fragments, rare short words and, inside stamps, handwriting and signatures, "
            "garbage tokens, judged by a learned model; a lower threshold for a word among "
            "fragments on a line without typing, a stamp's garbled words being no typing)",
            settings={
                "model": {
                    "threshold": model.threshold,
                    "cluster_threshold": model.cluster_threshold,
                    "cluster_size": model.cluster_size,
                    "mark_threshold": model.mark_threshold,
                    "source": model.source,
                },
                "words": [[i, *word_row(words[i])] for i in drop],
                "p_junk": [round(scores[i] or 0.0, 3) for i in drop],
                "fragments_near": [near[i] for i in drop],
                "fragments_near_in_marks": [in_marks[i] for i in drop],
            },
        )
    ]
