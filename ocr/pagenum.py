"""A page number misread in the margin, read again as a page number.

Typed Soviet documents number their pages "- 3 -", centred in the top margin. Tesseract reads
that short line badly at times ("-4а-", "-Б-", "те"). A line that sits alone, short and
centred, as the first or the last line of the page, whose reading is not a page number, is read
again: its crop, one small tesseract call (psm 7) allowed only digits and "-". The new reading
is kept when it is a page number and tesseract's confidence in it reaches the table's threshold
and beats the first reading's. The geometry bounds and the threshold are learned by
``bench/learn_pagenum.py`` on dev and fit pages (``ocr/data/pagenum.json``); nothing here fixes
them. A heading or a line of text is no candidate (too long, not centred or not alone) and,
read as digits, gives no page number with confidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import numpy as np

from ocr.casing import tsv_word_rows
from ocr.fsutil import atomic_write_text
from ocr.geometry import Box
from ocr.records import ProcessingStep
from ocr.reletter import Swap
from ocr.tesseract import Word

RULE_FILE = Path(__file__).parent / "data" / "pagenum.json"
PAGE_NUMBER = re.compile(r"[-–—]\s*\d{1,3}\s*[-–—]")
WHITELIST = "0123456789"


@dataclass(frozen=True)
class PageNumberRule:
    """When a margin line is read again as a page number (learned; ocr/data/pagenum.json):
    the line's width at most ``max_width`` of its height, its centre at most ``max_offset`` of
    the text's width from the text's centre, a gap to the next line at least ``min_gap`` of its
    height; the new reading kept at ``min_conf`` or more."""

    max_width: float = 0.0
    max_offset: float = 0.0
    min_gap: float = 0.0
    min_conf: float = 101.0
    on: bool = False


@lru_cache(maxsize=4)
def load_rule(path: Path = RULE_FILE) -> PageNumberRule:
    if not path.is_file():
        return PageNumberRule()
    data = json.loads(path.read_text(encoding="utf-8"))
    return PageNumberRule(
        max_width=float(data["max_width"]),
        max_offset=float(data["max_offset"]),
        min_gap=float(data["min_gap"]),
        min_conf=float(data["min_conf"]),
        on=bool(data.get("on", True)),
    )


@dataclass(frozen=True)
class MarginLine:
    """A line alone in the top or bottom margin: its words' indexes (TSV order), its box, and
    its shape: width over height, centre's offset over the text's width, gap over height."""

    indexes: tuple[int, ...]
    box: Box
    width: float
    offset: float
    gap: float

    def text(self, words: Sequence[Word]) -> str:
        return " ".join(words[i].text for i in self.indexes)


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.fullmatch(text.strip()))


def margin_lines(words: Sequence[Word]) -> list[MarginLine]:
    """The page's first and last line (by height on the page) with their shape, when the page
    has at least three lines."""
    indexed = list(enumerate(words))
    lines = [[i for i, _ in group] for _, group in groupby(indexed, key=lambda iw: iw[1].line_key)]
    boxes = [Box.union_all([words[i].box for i in line]) for line in lines]
    if len(lines) < 3:
        return []
    left = min(b.left for b in boxes)
    right = max(b.left + b.width for b in boxes)
    centre, span = (left + right) / 2, max(right - left, 1)
    order = sorted(range(len(lines)), key=lambda k: boxes[k].top)
    out = []
    for k, nxt in ((order[0], order[1]), (order[-1], order[-2])):
        box, other = boxes[k], boxes[nxt]
        height = max(box.height, 1)
        if k == order[0]:
            gap = other.top - (box.top + box.height)
        else:
            gap = box.top - (other.top + other.height)
        out.append(
            MarginLine(
                tuple(lines[k]),
                box,
                box.width / height,
                abs(box.left + box.width / 2 - centre) / span,
                gap / height,
            )
        )
    return out


def candidate_lines(words: Sequence[Word], rule: PageNumberRule) -> list[MarginLine]:
    """Margin lines short, centred and alone enough (the rule's bounds) to be a page number."""
    return [
        m
        for m in margin_lines(words)
        if m.width <= rule.max_width and m.offset <= rule.max_offset and m.gap >= rule.min_gap
    ]


def grown(box: Box) -> tuple[int, int, int, int]:
    """The line's box grown by half its height up and down and twice its height left and right
    (a dash tesseract left out of the line's box is taken in): left, top, right, bottom."""
    height = max(box.height, 1)
    return (
        box.left - 2 * height,
        box.top - height // 2,
        box.left + box.width + 2 * height,
        box.top + box.height + height // 2,
    )


def crop(grey: np.ndarray, box: Box) -> tuple[np.ndarray, int]:
    """The line's :func:`grown` box within the image, and the line's height."""
    left, top, right, bottom = grown(box)
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, grey.shape[0]), min(right, grey.shape[1])
    return grey[top:bottom, left:right], max(box.height, 1)


def dashed_digits(image: np.ndarray) -> np.ndarray | None:
    """The part of a margin line's crop between a dash on its left and one on its right (its ink
    thresholded, black on white), when its ink is that: a flat piece at mid height of the rest
    on either end and one to three pieces as tall as digits between them; None otherwise (a
    heading, a word, a stamp's ink)."""
    import cv2

    if image.size == 0 or image.shape[0] < 8:
        return None
    _, ink = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    least = max(8, image.shape[0] ** 2 // 400)  # specks of dust are no piece
    pieces = sorted(
        tuple(int(v) for v in stats[i][:4]) for i in range(1, count) if stats[i][4] >= least
    )
    if not 3 <= len(pieces) <= 5:
        return None
    left, *digits, right = pieces
    tall = max(h for _, _, _, h in digits)
    top = min(y for _, y, _, _ in digits)
    if any(h < 0.5 * tall for _, _, _, h in digits):
        return None
    for _, y, w, h in (left, right):
        middle = y + h / 2
        if w < 1.5 * h or h > 0.35 * tall or not top + 0.25 * tall <= middle <= top + 0.75 * tall:
            return None
    start, end = left[0] + left[2], right[0]
    if end - start < 4:
        return None
    pad = tall // 2  # black ink on white, as tesseract reads best
    return cv2.copyMakeBorder(
        255 - ink[:, start:end], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255
    )


def read_as_number(image: np.ndarray, *, timeout: float = 10.0) -> tuple[str, float]:
    """A margin line's crop read as a page number: the digits between its dashes read as one
    line of digits (one tesseract call, psm 7, digits only), "-N-" and tesseract's mean
    confidence; ("", -1) when the crop is no dash, digits, dash, or nothing is read."""
    middle = dashed_digits(image)
    if middle is None:
        return "", -1.0
    return read_digits(middle, timeout=timeout)


def read_digits(middle: np.ndarray, *, timeout: float = 10.0) -> tuple[str, float]:
    """The digits between a page number's dashes (``dashed_digits``) read in one tesseract
    call: "-N-" and the mean confidence, or ("", -1) when no number of at most three digits is
    read or tesseract does not answer in ``timeout`` seconds (the line is left as read)."""
    import pytesseract

    from ocr.tesseract import logged_call

    try:
        with logged_call("page number", None):
            data = pytesseract.image_to_data(
                middle,
                lang="eng",
                config=f"--psm 7 --oem 1 -c tessedit_char_whitelist={WHITELIST}",
                output_type=pytesseract.Output.DICT,
                timeout=timeout,
            )
    except RuntimeError:  # pytesseract's timeout: the page goes on with its first reading
        return "", -1.0
    found = [
        (t.strip(), float(c))
        for t, c in zip(data["text"], data["conf"], strict=True)
        if t.strip() and float(c) >= 0
    ]
    digits = "".join(t for t, _ in found)
    if not found or not digits.isdigit() or len(digits) > 3:
        return "", -1.0
    return f"-{digits}-", sum(c for _, c in found) / len(found)


@dataclass(frozen=True)
class NumberFix:
    """A margin line read again as a page number: its words and their readings, the new text
    ("-3-") and its confidence."""

    indexes: tuple[int, ...]
    before: tuple[str, ...]
    after: str
    conf: float
    box: Box = Box(0, 0, 0, 0)  # the line's box as first read

    @property
    def parts(self) -> tuple[str, ...]:
        """The new text spread over the line's words, as many as tesseract read (the page's
        other records, its characters' choices, stay aligned with them): one word "-3-" (as
        tesseract reads a page number it reads right), two "-", "3-", three "-", "3", "-"."""
        number = self.after.strip("-")
        return {1: (self.after,), 2: ("-", f"{number}-"), 3: ("-", number, "-")}[len(self.indexes)]


MAX_WORDS = 3  # a line read as more words than "-", "3", "-" is left as read


@dataclass(frozen=True)
class PageNumbers:
    """What the step found on a page: the fixes, and how many tesseract calls it made (a crop
    whose shape is no dash, digits, dash costs none), counted in the page's calls."""

    fixes: tuple[NumberFix, ...] = ()
    reads: int = 0


def page_number_fixes(
    words: Sequence[Word],
    grey: np.ndarray | Callable[[], np.ndarray | None] | None,
    rule: PageNumberRule | None = None,
) -> PageNumbers:
    """The margin lines whose reading is not a page number but whose crop, read again as
    digits and "-", is one, confidently (the rule's threshold, and above the first reading's
    lowest word confidence). ``grey`` is the page's image in the words' pixels, or a function
    that decodes it (called only when a line is to be read again)."""
    rule = load_rule() if rule is None else rule
    if not rule.on or grey is None:
        return PageNumbers()
    lines = [
        m
        for m in candidate_lines(words, rule)
        if len(m.indexes) <= MAX_WORDS and not is_page_number(m.text(words))
    ]
    image = grey() if lines and callable(grey) else grey
    if not lines or not isinstance(image, np.ndarray):
        return PageNumbers()
    out = []
    reads = 0
    for line in lines:
        middle = dashed_digits(crop(image, line.box)[0])
        if middle is None:
            continue
        reads += 1
        text, conf = read_digits(middle)
        first = min(words[i].conf for i in line.indexes)
        if is_page_number(text) and conf >= rule.min_conf and conf > first:
            before = tuple(words[i].text for i in line.indexes)
            out.append(NumberFix(line.indexes, before, text.replace(" ", ""), conf, line.box))
    return PageNumbers(tuple(out), reads)


def read_again(box: Box, fixes: Sequence[NumberFix], *, min_conf: float) -> bool:
    """Does most of ``box`` (ink no word covered with confidence, ocr.detect's unrecognised
    ink) lie where a line was read again as a page number with ``min_conf`` or more (the
    line's box grown as its crop is)? That ink is read now."""
    area = max(box.width * box.height, 1)
    for fix in fixes:
        if fix.conf < min_conf:
            continue
        left, top, right, bottom = grown(fix.box)
        w = min(box.left + box.width, right) - max(box.left, left)
        t = min(box.top + box.height, bottom) - max(box.top, top)
        if w > 0 and t > 0 and w * t >= 0.5 * area:
            return True
    return False


def number_swaps(fixes: Sequence[NumberFix]) -> list[Swap]:
    """Each fix as word swaps (ocr.casing.apply_recase), its words taking its parts."""
    return [
        Swap(i, before, after)
        for fix in fixes
        for i, before, after in zip(fix.indexes, fix.before, fix.parts, strict=True)
        if after != before
    ]


def set_confidences(tsv: Path, fixes: Sequence[NumberFix]) -> None:
    """Each word of a fix takes the new reading's confidence in the TSV."""
    set_word_confidences(tsv, {i: fix.conf for fix in fixes for i in fix.indexes})


def set_word_confidences(tsv: Path, confs: Mapping[int, float]) -> None:
    """The TSV's words by index (TSV order) take these confidences (0-100)."""
    if not confs:
        return
    lines = tsv.read_text(encoding="utf-8").split("\n")
    for n, index, cols in tsv_word_rows(lines):
        if index in confs:
            cols[10] = f"{confs[index]:.6f}"
            lines[n] = "\t".join(cols)
    atomic_write_text(tsv, "\n".join(lines))


def pagenum_step(fixes: Sequence[NumberFix]) -> ProcessingStep:
    return ProcessingStep(
        id="page_number",
        category="ocr",
        description=(
            "a page number misread in the margin read again as digits and '-' "
            "(rule learned by bench/learn_pagenum.py)"
        ),
        settings={"lines": [[" ".join(f.before), f.after, round(f.conf, 1)] for f in fixes]},
    )
