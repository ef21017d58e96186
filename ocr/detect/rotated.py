"""Words read from ink whose letters run across the page, not along it (issue 15): a RECEIVED
stamp or a box stamp printed turned 90 degrees, a file number written up the margin. Tesseract
reads such ink as rows of short garbage ("cane a", "eat _", "ope ne ~", "CS", "Oo", "§"), on
lines of their own or at the ends of typed lines ("38 he Honorable", "... March . ve"); the junk
model (ocr.detect.junk) judges each word alone and the stamp steps need a stamp found by colour
or outline, so much of it stayed in the body text.

The step looks at the ink, not at the words' spelling, and calls no tesseract. The page's ink
with the words that are surely text painted out (a legible word of LONG_WORD letters or more,
whatever its confidence; or ocr.detect.junk's "typing", or a word with a digit, read with a
confidence of SURE_CONF or more) is joined into blobs (a dilation of a typed height; a
blob wider or taller than half the page, ink joined along a frame or a rule, is none). A blob
that holds a word that is not surely text is a candidate. Its letter-sized pieces of ink
(connected components whose longer side is LETTER_LOW to LETTER_HIGH typed heights, their
shorter one LETTER_THIN at least: no rule, dash or pen stroke) tell which way its letters
stand: a typed or printed letter is taller than wide (median width over height about 0.6 to
0.9 on typed pages), a letter turned 90 degrees is wider than tall. A candidate is text turned
across the page when it has at least ``min_letters`` such pieces and their median width over
height is at least ``min_aspect``. Its words that are not surely text then leave the body's
outputs, as junk does (TSV, hOCR, ALTO, text), but a word within BESIDE typed heights of a
surely-text word of its row (a typed "he" of "The Honorable" under a stamp's edge, a typed
"Jewish" read "Fewish").

``min_aspect`` and ``min_letters`` are learned, not typed in (``bench/learn_rotated.py``: from
the tuning pages, the loosest figures from which no tuning page reads worse, made stricter by a
margin), and stored in ``ocr/data/rotated.json`` with their provenance. What left is kept in the
page's "rotated" processing step (report.json): each word with its box, and each blob with its
box and figures, so nothing read is lost."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ocr.detect.junk import _core, _typing, lexicon
from ocr.detect.specks import drop_words, typed_height, word_row
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

RULE_FILE = Path(__file__).resolve().parents[1] / "data" / "rotated.json"
STEP_ID = "rotated"
SURE_CONF = 60.0  # a typing word read with at least this confidence is surely text
LONG_WORD = 4  # letters of a legible word that is surely text, whatever its confidence
BESIDE = 1.5  # typed heights between a word and a surely-text word of its row: it stays
JOIN_HEIGHTS = 1.0  # the dilation that joins a blob's letters, in typed heights
MIN_BLOB_HEIGHTS = 1.5  # a blob's longer side, in typed heights, at least
MAX_BLOB_SHARE = 0.5  # a blob's width and height, as shares of the page's, at most
LETTER_LOW, LETTER_HIGH = 0.25, 2.0  # a letter-sized piece's longer side, in typed heights
LETTER_THIN = 0.15  # its shorter side at least (no rule, dash or pen stroke), in typed heights
LETTER_AREA = 8  # pixels of a letter-sized piece at least
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class RotatedRule:
    """A candidate blob is turned text when it has at least ``min_letters`` letter-sized pieces
    whose median width over height is at least ``min_aspect`` (None: the step is off), and it
    runs the way its letters are turned: at least as tall as wide (:meth:`turned_blob`)."""

    min_aspect: float | None
    min_letters: int = 5
    source: str = ""

    def turned(self, aspect: float, letters: int) -> bool:
        return (
            self.min_aspect is not None
            and letters >= self.min_letters
            and aspect >= self.min_aspect
        )

    def turned_blob(self, blob: Blob) -> bool:
        """Text turned 90 degrees runs up or down the page: its lines, and so its blob, stand
        at least as tall as wide. A blob of letter pieces wider than tall that lies across the
        page is typing whose letters ran together (a heavy or bold face, garbled), not turned
        text; it stays (helper A's held-out French page and a medium synthetic page of the
        throughput set, session 20: both such blobs held typed words; the EHRI stamps and
        margin numbers the step is for all stand taller than wide)."""
        return blob.box.height >= blob.box.width and self.turned(blob.aspect, blob.letters)

    def as_json(self) -> dict[str, object]:
        return {
            "min_aspect": self.min_aspect,
            "min_letters": self.min_letters,
            "source": self.source,
        }


@cache
def rotated_rule(path: Path = RULE_FILE) -> RotatedRule:
    """The shipped rule (``ocr/data/rotated.json``), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    low = data.get("min_aspect")
    return RotatedRule(
        None if low is None else float(low),
        int(data.get("min_letters", 5)),
        str(data.get("source", "")),
    )


@dataclass(frozen=True)
class Blob:
    """A candidate: its box (OCR frame), the indices of its words that are not surely text, the
    number of its letter-sized pieces and their median width over height (0 without any)."""

    box: Box
    words: tuple[int, ...]
    letters: int
    aspect: float


def _protected(word: Word, knows: bool | None) -> bool:
    """A legible word of LONG_WORD letters or more (the lexicon knows it): text read as it
    lies, whatever its confidence (a typed "Washington." beside a stamp's ink); text turned
    across the page reads as short garbage."""
    return knows is True and _core(word.text) >= LONG_WORD


def surely_text(
    words: Sequence[Word], knows: Sequence[bool | None], zipfs: Sequence[float]
) -> list[bool]:
    """Whether each word is surely text read as it lies: a legible word of LONG_WORD letters or
    more, or ocr.detect.junk's "typing" or a word with a digit (a page number "- 2 -") read with a
    confidence of SURE_CONF or more (``knows``, ``zipfs``: ocr.detect.junk.lexicon's)."""
    return [
        _protected(w, k)
        or (w.conf >= SURE_CONF and (_typing(w, k, z, False) or bool(_NUMBER.search(w.text))))
        for w, k, z in zip(words, knows, zipfs, strict=True)
    ]


@dataclass(frozen=True)
class PageText:
    """What a page's words say of its typing: the typed word height
    (ocr.detect.specks.typed_height), whether the lexicon knows each word and its Zipf
    frequency (ocr.detect.junk.lexicon), and whether each word is surely text."""

    height: float
    knows: list[bool | None]
    zipfs: list[float]
    sure: list[bool]


def page_text(words: Sequence[Word], languages: str) -> PageText | None:
    """The page's PageText; None on a page without a typed word height, in a language without
    a lexicon, or where no word is legible (the rotated and foreign steps judge nothing there)."""
    height = typed_height(words) if words else None
    if height is None:
        return None
    knows, zipfs = lexicon(words, languages)
    if all(k is None or k is False for k in knows):  # no lexicon, or nothing legible
        return None
    return PageText(height, knows, zipfs, surely_text(words, knows, zipfs))


def ink_mask(image: np.ndarray) -> np.ndarray:
    """The page's ink (255) by Otsu's threshold of its grey."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if gray.dtype != np.uint8:
        gray = np.clip(gray, 0, 255).astype(np.uint8)
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def letter_shape(ink: np.ndarray, box: Box, height: float) -> tuple[int, float]:
    """The number of letter-sized pieces of ink in ``box`` and their median width over height."""
    crop = np.ascontiguousarray(ink[box.top : box.bottom, box.left : box.right])
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(crop, connectivity=8)
    sides = stats[1:count, 2:4].astype(float)
    areas = stats[1:count, 4]
    longer = sides.max(axis=1) if len(sides) else np.zeros(0)
    shorter = sides.min(axis=1) if len(sides) else np.zeros(0)
    ok = (
        (shorter >= LETTER_THIN * height)
        & (longer >= LETTER_LOW * height)
        & (longer <= LETTER_HIGH * height)
        & (areas >= LETTER_AREA)
    )
    if not ok.any():
        return 0, 0.0
    return int(ok.sum()), float(np.median(sides[ok, 0] / sides[ok, 1]))


def find_blobs(
    words: Sequence[Word], image: np.ndarray, languages: str
) -> tuple[list[Blob], list[bool]]:
    """The candidate blobs, and whether each word is surely text (all False, no blob, on a page
    without a typed word height or in a language without a lexicon)."""
    text = page_text(words, languages)
    if text is None:
        return [], [False] * len(words)
    height, sure = text.height, text.sure
    ink = ink_mask(image)
    for w, s in zip(words, sure, strict=True):
        if s:
            b = w.box
            ink[max(0, b.top - 2) : b.bottom + 2, max(0, b.left - 2) : b.right + 2] = 0
    size = max(3, round(JOIN_HEIGHTS * height))
    joined = cv2.dilate(ink, np.ones((size, size), np.uint8))
    count, _labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    found: list[Blob] = []
    for label in range(1, count):
        left, top, width, tall, _area = (int(v) for v in stats[label])
        if max(width, tall) < MIN_BLOB_HEIGHTS * height:
            continue
        if width > MAX_BLOB_SHARE * ink.shape[1] or tall > MAX_BLOB_SHARE * ink.shape[0]:
            continue  # a frame, a ruled line, ink joined across the page: no stamp
        box = Box(left, top, width, tall)
        inside = tuple(i for i, w in enumerate(words) if not sure[i] and w.box.centre_within(box))
        if inside:
            found.append(Blob(box, inside, *letter_shape(ink, box, height)))
    return found, sure


def leaving(
    words: Sequence[Word], blob: Blob, sure: Sequence[bool], height: float | None = None
) -> list[int]:
    """The blob's words that leave the body: its words that are not surely text, but a word
    beside a surely-text word of its row (within BESIDE typed heights: a typed "Jewish" read
    "Fewish" under a stamp's edge, "he" of "The Honorable"). ``height``: the page's typed
    height (ocr.detect.specks.typed_height; measured here when not given)."""
    height = height or typed_height(words) or 1.0
    return [i for i in blob.words if not beside_text(words, sure, words[i], height)]


def beside_text(words: Sequence[Word], sure: Sequence[bool], word: Word, height: float) -> bool:
    """Whether a surely-text word of ``word``'s row lies within BESIDE typed heights of it."""
    row = word.box.top + word.box.height / 2
    for w, s in zip(words, sure, strict=True):
        if not s or abs(w.box.top + w.box.height / 2 - row) > height / 2:
            continue
        gap = max(w.box.left - word.box.right, word.box.left - w.box.right)
        if gap <= BESIDE * height:
            return True
    return False


def rotated_indices(
    words: Sequence[Word], image: np.ndarray, languages: str, rule: RotatedRule | None = None
) -> tuple[list[int], list[Blob]]:
    """Indices of the words read from text turned across the page, and the blobs they lie in."""
    rule = rule or rotated_rule()
    if rule.min_aspect is None:
        return [], []
    blobs, sure = find_blobs(words, image, languages)
    turned = [b for b in blobs if rule.turned_blob(b)]
    height = typed_height(words) if turned else None
    drop = sorted({i for b in turned for i in leaving(words, b, sure, height)})
    return drop, turned


def drop_rotated(
    words: Sequence[Word],
    image: np.ndarray,
    outputs: dict[str, Path],
    languages: str,
    rule: RotatedRule | None = None,
) -> list[ProcessingStep]:
    """Drop the words read from text turned across the page from the page's outputs; the step
    (each word with its box, each blob with its box and figures) as provenance when any was."""
    rule = rule or rotated_rule()
    drop, turned = rotated_indices(words, image, languages, rule)
    if not drop:
        return []
    drop_words(words, outputs, drop)
    return [
        ProcessingStep(
            id=STEP_ID,
            category="ocr",
            description="words read from text turned across the page dropped (a stamp printed "
            "turned 90 degrees, a number written up the margin: ink whose letter-sized pieces "
            "are wider than tall, by a learned rule)",
            settings={
                "rule": rule.as_json(),
                "words": [[i, *word_row(words[i])] for i in drop],
                "blobs": [
                    {"box": b.box.as_list(), "letters": b.letters, "aspect": round(b.aspect, 3)}
                    for b in turned
                ],
            },
        )
    ]
