"""A word's first letter in the case its height shows. Many letters differ between cases only
in size (П п, С с, О о, К к; c o s v in Latin), and tesseract, without a line to measure
against, often gets their case wrong ("пхеньян" for the "Пхеньян" alone on its line). A
typewriter's letters stand in cells of one pitch, so the first cell's ink height against the
x-height of the word's other small letters says which case the page has."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Protocol, TypeVar

import cv2
import numpy as np
from lxml import etree

from ocr.fsutil import atomic_write_text
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

# Letters whose capital is their small letter drawn larger (no ascender, no descender).
SAME_SHAPE = frozenset("вгжзиклмнопстхчшъыьэюяcosvwxz")
# Small letters that stand exactly on the x-height: the word's own measure.
X_HEIGHT = frozenset("авгежзиклмнопстхчшъыьэюяacemnorsuvwxz")
# Capitals without ascender or descender marks: their height is the face's capital height.
CAPITALS = frozenset("АБВГЕЖЗИКЛМНОПРСТУФХЧШЪЫЬЭЮЯABCDEFGHIKLMNOPRSTUVWXYZ")
# Typewriter capitals stand 1.25 to 1.45 x-heights tall; a page whose letters measure closer
# than MIN_CAPITAL_RATIO does not tell the cases apart by height. A small first letter is
# raised when its height is past the midpoint between the page's x-height and capital height
# (RAISE); a capital is lowered only when it is far nearer the x-height (LOWER).
MIN_CAPITAL_RATIO = 1.2
RAISE, LOWER = 0.5, 0.3
SURE = 80.0  # words read at least this surely lend their letters to the page's proportions
MIN_SAMPLES = 8  # letters of each kind needed
MAX_SAMPLES = 200
SPREAD = 0.2  # of the x-height: how far one small letter's height may stray from the others'
MIN_MEASURES = 2  # x-height letters needed in the rest of the word
MIN_X_HEIGHT = 6  # pixels; smaller print is too coarse to measure

T = TypeVar("T")


class WordEdit(Protocol):
    """A word of the page's outputs rewritten: its index among the page's words (TSV order),
    its text as read and its new text (a recased first letter, ocr.reletter's swapped letter)."""

    @property
    def index(self) -> int: ...
    @property
    def before(self) -> str: ...
    @property
    def after(self) -> str: ...


@dataclass(frozen=True)
class Recase:
    """One word's first letter put in the case its height shows."""

    index: int  # the word's position among the page's words (TSV order)
    before: str
    after: str
    ratio: float  # the first letter's ink height over the word's x-height


def recase_words(gray: np.ndarray, words: Sequence[Word]) -> list[Recase]:
    """The words whose first letter's case the image contradicts. A capital read is evidence
    too (a name, a sentence's start), so it is lowered only when the letter measures well
    below the midpoint between the page's two heights."""
    capital = page_capital_ratio(gray, words)
    if capital is None or capital < MIN_CAPITAL_RATIO:
        return []  # the page's capitals are not told from its small letters by height
    raise_at, lower_at = 1.0 + RAISE * (capital - 1.0), 1.0 + LOWER * (capital - 1.0)
    tallest = capital + RAISE * (capital - 1.0)  # beyond: a blot or two letters, not a capital
    shortest = 1.0 - RAISE * (capital - 1.0)  # below: a broken letter or a speck, not a letter
    changes = []
    for index, word in enumerate(words):
        ratio = first_letter_ratio(gray, word)
        if ratio is None:
            continue
        first = word.text[0]
        if first.islower() and raise_at <= ratio <= tallest:
            after = first.upper() + word.text[1:]
        elif first.isupper() and shortest <= ratio <= lower_at:
            after = first.lower() + word.text[1:]
        else:
            continue
        changes.append(Recase(index, word.text, after, round(ratio, 3)))
    return changes


def page_capital_ratio(gray: np.ndarray, words: Sequence[Word]) -> float | None:
    """The page's capital height over its x-height, from the letters of surely read words;
    a typewriter face's own proportion (None: too few letters measured)."""
    capitals: list[int] = []
    smalls: list[int] = []
    for word in words:
        if word.conf < SURE or len(word.text) < 2 or not word.text.isalpha():
            continue
        if len(capitals) >= MAX_SAMPLES and len(smalls) >= MAX_SAMPLES:
            break
        letters = letter_extents(gray, word.box, len(word.text))
        for char, (top, bottom) in zip(word.text, letters or (), strict=False):
            if char in CAPITALS:
                capitals.append(bottom - top + 1)
            elif char in X_HEIGHT:
                smalls.append(bottom - top + 1)
    if len(capitals) < MIN_SAMPLES or len(smalls) < MIN_SAMPLES:
        return None
    return median(capitals) / median(smalls)


def first_letter_ratio(gray: np.ndarray, word: Word) -> float | None:
    """The first letter's ink height over the x-height of the word's other small letters
    (medians of their ink tops and bottoms); None when the word is not a same-shape letter
    followed by small letters, or when its ink does not split into one piece per letter. A
    typewriter's type bars strike some letters higher or lower than the line, and lines run
    askew, so heights are compared, not positions."""
    text = word.text
    if len(text) < MIN_MEASURES + 1 or text[0].lower() not in SAME_SHAPE:
        return None
    rest = text[1:]
    if not rest.isalpha() or rest != rest.lower():
        return None
    letters = letter_extents(gray, word.box, len(text))
    if letters is None:
        return None
    heights = [bottom - top + 1 for top, bottom in letters]
    others = [h for char, h in zip(rest, heights[1:], strict=True) if char in X_HEIGHT]
    if len(others) < MIN_MEASURES:
        return None
    x_height = median(others)
    if x_height < MIN_X_HEIGHT or any(abs(h - x_height) > SPREAD * x_height for h in others):
        return None  # the small letters disagree: the ink did not split into its letters
    return heights[0] / x_height


def letter_extents(gray: np.ndarray, box: Box, letters: int) -> list[tuple[int, int]] | None:
    """(top, bottom) rows of each of the box's ``letters`` letters, left to right: the ink's
    connected pieces that reach into the box, pieces above one another (a dot, a breve) joined;
    None unless the ink splits into that many. Ink is darker than Otsu's threshold over the
    word's own paper and ink or, where ink spread joins letters, a threshold nearer its darkest
    ink."""
    pad = box.height // 3
    top, left = max(box.top - pad, 0), max(box.left - 2, 0)
    crop = gray[top : box.bottom + pad, left : box.right + 2]
    if crop.size == 0:
        return None
    otsu, _ = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    darkest = min(float(np.percentile(crop, 2)), otsu)
    for step in (0.0, 0.25, 0.5):  # from Otsu's threshold towards the darkest ink
        threshold = otsu - step * (otsu - darkest)
        found = _pieces(crop < threshold, box, top)
        if len(found) == letters:
            return found
    return None


def _pieces(ink: np.ndarray, box: Box, top: int) -> list[tuple[int, int]]:
    """The letters' (top, bottom) rows; empty when some ink reaches well outside the word's box
    (a neighbouring line's descender or a stamp touching a letter would change its height)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    speck = max(4, (box.height * box.height) // 200)
    slack = max(2, box.height // 10)
    pieces = []
    for x, y, w, h, area in stats[1:count]:
        y0, y1 = top + int(y), top + int(y + h) - 1
        if area < speck or not box.top <= (y0 + y1) / 2 <= box.bottom:
            continue  # a speck, or ink of the lines above and below
        if y0 < box.top - slack or y1 > box.bottom + slack:
            return []
        pieces.append((int(x), int(x + w), y0, y1))
    letters: list[list[int]] = []
    for x0, x1, y0, y1 in sorted(pieces):
        last = letters[-1] if letters else None
        overlap = min(x1, last[1]) - max(x0, last[0]) if last else 0
        if last is not None and overlap > 0.5 * min(x1 - x0, last[1] - last[0]):
            last[:] = [min(x0, last[0]), max(x1, last[1]), min(y0, last[2]), max(y1, last[3])]
        else:
            letters.append([x0, x1, y0, y1])
    return [(y0, y1) for _, _, y0, y1 in letters]


# --- the page's outputs rewritten with the recased words -----------------------------------


def recase_outputs(
    gray: np.ndarray, words: Sequence[Word], outputs: Mapping[str, Path]
) -> list[ProcessingStep]:
    """Recase the words of the page read from the image ``gray`` (decoded once by the caller;
    the words' boxes in its pixels) in the page's outputs; the step as provenance when a word
    changed."""
    changes = recase_words(gray, words)
    if not changes:
        return []
    apply_recase(outputs, changes)
    return [
        ProcessingStep(
            id="recase",
            category="ocr",
            description="first letters put in the case their height on the page shows",
            settings={"words": [[c.before, c.after, c.ratio] for c in changes]},
        )
    ]


def apply_recase(outputs: Mapping[str, Path], changes: Sequence[WordEdit]) -> None:
    """Rewrite the TSV, hOCR, ALTO and text outputs (whichever exist) with the edited words.
    Each file's words are walked in reading order; a file whose words do not line up with the
    TSV's is left as tesseract wrote it."""
    if not changes:
        return
    by_index = {c.index: c for c in changes}
    for kind, rewrite in _REWRITERS.items():
        if (path := outputs.get(kind)) is None:
            continue
        text = rewrite(path.read_text(encoding="utf-8"), by_index)
        if text is not None:
            atomic_write_text(path, text)


def tsv_word_rows(lines: Sequence[str]) -> Iterator[tuple[int, int, list[str]]]:
    """The word rows of tesseract's TSV (``lines``: the file split at newlines): each row's line
    number, its word's index (the words' order everywhere in the project: a level-5 row with
    text) and its columns."""
    index = 0
    for n, line in enumerate(lines):
        cols = line.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        yield n, index, cols
        index += 1


def _recase_tsv(text: str, changes: Mapping[int, WordEdit]) -> str:
    lines = text.split("\n")
    for n, index, cols in tsv_word_rows(lines):
        change = changes.get(index)
        if change is not None and cols[11].strip() == change.before:
            cols[11] = cols[11].replace(change.before, change.after, 1)
            lines[n] = "\t".join(cols)
    return "\n".join(lines)


_HOCR_WORD = re.compile(r"""(class=['"]ocrx_word['"][^>]*>)([^<]*)(</span>)""")


def _recase_hocr(text: str, changes: Mapping[int, WordEdit]) -> str | None:
    words = [m for m in _HOCR_WORD.finditer(text) if m.group(2).strip()]
    edits = _aligned(words, lambda m: html.unescape(m.group(2)).strip(), changes)
    if edits is None:
        return None
    for match, change in reversed(edits):
        start, end = match.span(2)
        text = text[:start] + html.escape(change.after, quote=False) + text[end:]
    return text


def _recase_alto(text: str, changes: Mapping[int, WordEdit]) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(text.encode("utf-8"), parser)
    strings = [n for n in root.iter() if etree.QName(n).localname == "String" and n.get("CONTENT")]
    edits = _aligned(strings, lambda n: (n.get("CONTENT") or "").strip(), changes)
    if edits is None:
        return None
    for node, change in edits:
        node.set("CONTENT", change.after)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


_TOKEN = re.compile(r"\S+")


def _recase_tokens(text: str, changes: Mapping[int, WordEdit]) -> str | None:
    tokens = list(_TOKEN.finditer(text))
    edits = _aligned(tokens, lambda m: m.group(0), changes)
    if edits is None:
        return None
    for match, change in reversed(edits):
        text = text[: match.start()] + change.after + text[match.end() :]
    return text


# Each output's rewriter: the new text, or None to leave the file as tesseract wrote it.
_REWRITERS: dict[str, Callable[[str, Mapping[int, WordEdit]], str | None]] = {
    "tsv": _recase_tsv,
    "hocr": _recase_hocr,
    "alto": _recase_alto,
    "txt": _recase_tokens,
}


def _aligned(
    items: Sequence[T], text_of: Callable[[T], str], changes: Mapping[int, WordEdit]
) -> list[tuple[T, WordEdit]] | None:
    """(item, change) for each change whose word is at its index among ``items``, or None if
    any is not (the file's words are not the TSV's)."""
    edits = []
    for index, change in sorted(changes.items()):
        if index >= len(items) or text_of(items[index]) != change.before:
            return None
        edits.append((items[index], change))
    return edits
