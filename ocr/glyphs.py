"""The page's own letter shapes: does a disputed letter look like the OCR's reading or the
reference's? Typewriter letters stand in cells of one pitch, so a confidently read word's box
splits into its letters; each letter's mean shape on the page is its prototype."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from ocr.records import Box
from ocr.tesseract import OcrText, Word

SIZE = 20  # a glyph is compared as a SIZE x SIZE image
MIN_CONF = 90.0  # words read at least this surely lend their letters to the prototypes
MAX_SAMPLES = 40  # samples averaged per letter
MIN_SAMPLES = 2  # a letter seen fewer times on the page has no prototype
INK = 0.45  # share of the cell's darkest ink that counts as the glyph's own ink


@dataclass(frozen=True, eq=False)
class GlyphBook:
    """A page's gray OCR image and the mean shape of each letter read surely on it."""

    gray: np.ndarray
    prototypes: Mapping[str, np.ndarray]

    def prototype(self, char: str) -> np.ndarray | None:
        """The letter's mean shape, else its other case's (sizes are normalised away, and a
        typewriter's capitals are mostly its small letters larger: П п, М м)."""
        for key in (char, char.lower(), char.upper()):
            if key in self.prototypes:
                return self.prototypes[key]
        return None

    def support(self, word: Word, index: int, read: str, wanted: str) -> float | None:
        """-1..1: how much more the letter at ``index`` of ``word`` looks like ``read`` than
        like ``wanted`` (None: no prototype of one of them, or no letter there)."""
        a, b = self.prototype(read), self.prototype(wanted)
        cells = letter_cells(word)
        if a is None or b is None or not 0 <= index < len(cells):
            return None
        shape = glyph(self.gray, cells[index])
        if shape is None:
            return None
        near_read, near_wanted = 1.0 - float(shape @ a), 1.0 - float(shape @ b)
        total = near_read + near_wanted
        return (near_wanted - near_read) / total if total > 1e-6 else 0.0


def letter_cells(word: Word) -> list[Box]:
    """The word's box cut into one cell per character (a typewriter's fixed pitch)."""
    n = len(word.text)
    if n == 0 or word.box.width < n:
        return []
    pitch = word.box.width / n
    return [
        Box(
            word.box.left + round(i * pitch),
            word.box.top,
            max(1, round((i + 1) * pitch) - round(i * pitch)),
            word.box.height,
        )
        for i in range(n)
    ]


def glyph(gray: np.ndarray, cell: Box) -> np.ndarray | None:
    """The cell's ink cropped to itself, SIZE x SIZE, as a zero-mean unit vector (None: blank)."""
    crop = gray[max(cell.top, 0) : cell.bottom, max(cell.left, 0) : cell.right]
    if crop.size == 0:
        return None
    ink = 255.0 - crop.astype(np.float32)
    peak = float(ink.max())
    if peak < 40.0:
        return None
    rows, cols = np.nonzero(ink >= INK * peak)
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    side = max(ink.shape)
    square = np.zeros((side, side), dtype=np.float32)
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    square[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    vec = cv2.resize(square, (SIZE, SIZE), interpolation=cv2.INTER_AREA).ravel()
    vec = vec - vec.mean()
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm > 1e-6 else None


def glyph_book(
    gray: np.ndarray, words: Sequence[Word], *, known: Callable[[str], bool]
) -> GlyphBook:
    """Prototypes from the letters of words read at MIN_CONF or better that are ``known``
    words (their letters are then right)."""
    samples: dict[str, list[np.ndarray]] = defaultdict(list)
    for word in words:
        if word.conf < MIN_CONF or not word.text.isalpha() or not known(word.text):
            continue
        for char, cell in zip(word.text, letter_cells(word), strict=True):
            if len(samples[char]) < MAX_SAMPLES and (shape := glyph(gray, cell)) is not None:
                samples[char].append(shape)
    prototypes = {}
    for char, shapes in samples.items():
        if len(shapes) >= MIN_SAMPLES:
            mean = np.mean(shapes, axis=0)
            prototypes[char] = mean / max(float(np.linalg.norm(mean)), 1e-6)
    return GlyphBook(gray, prototypes)


def image_glyph_book(
    image: np.ndarray | None, words: Sequence[Word], *, known: Callable[[str], bool]
) -> GlyphBook | None:
    """The glyph book of a page from its image, grey or colour (None if it could not be read)."""
    if image is None:
        return None
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return glyph_book(gray, words, known=known)


def shape_support(
    book: GlyphBook, ocr: OcrText, *, ocr_start: int, ocr_text: str, ref_text: str
) -> float | None:
    """-1..1 averaged over the letters the OCR read where the reference has another: +1 when
    each looks like the OCR's letter, -1 like the reference's (None: nothing to compare)."""
    scores = []
    for op in Levenshtein.opcodes(ref_text, ocr_text):
        if op.tag != "replace":
            continue
        for j in range(op.dest_start, op.dest_end):
            k = op.src_start + (j - op.dest_start)
            if k >= op.src_end:
                break
            found = _letter_at(ocr, ocr_start + j)
            if found is not None:
                value = book.support(found[0], found[1], ocr_text[j], ref_text[k])
                if value is not None:
                    scores.append(value)
    return sum(scores) / len(scores) if scores else None


def _letter_at(ocr: OcrText, offset: int) -> tuple[Word, int] | None:
    """The word holding the page text's character at ``offset`` and its index in the word."""
    for word, (start, end) in zip(ocr.words, ocr.spans, strict=True):
        if start <= offset < end:
            return word, offset - start
    return None
