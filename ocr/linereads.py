"""Lines in doubt read again, one by one: a line where tesseract was unsure of a word is cut
from the page as loaded, binarised on its own (Otsu over the line's pixels, so paper texture,
tint and a faded ribbon no longer reach the recogniser) and read as a single line, at full size
and at the rule's smaller scales (short number lines, page numbers and dates, often read right
only at a smaller size). Every such line of a page, at every scale, is read in one tesseract
run (a list file of the crops). A reading of a line replaces the first reading's only where it
settles the doubt and the ground-truth-free estimate (ocr.quality) prefers it or it is far
surer; a sure reading of the first's own text confirms it (RereadRule); ocr.readings applies
it."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from typing import Literal, NamedTuple

import cv2
import numpy as np

from ocr.imaging import png_list_file
from ocr.records import Box
from ocr.tesseract import OcrOutput, Word, read_page_words, run_ocr

LINES = "lines"  # the reading of the doubtful lines, each read alone
LINE_PSM = 7  # tesseract: the image is a single text line
MAX_LINES = 40  # a page with more doubtful lines than this is doubtful as a whole (ocr.readings)
PAD = 0.5  # the crop reaches this share of the line's height above, below and to each side
TALL = 2.5  # a line box over this many times its tallest word runs askew: its crop cuts others


@dataclass(frozen=True)
class LineFigures:
    """What the rule compares of one reading of a line."""

    net_rate: float  # characters likely right less those likely wrong, per character
    min_confidence: float
    chars: int
    letters: int = 0  # of the characters: letters (none: a page number, a date in figures)

    @classmethod
    def of(cls, words: Sequence[Word], probabilities: Sequence[float]) -> LineFigures:
        chars = sum(len(w.text) for w in words)
        net = sum(len(w.text) * (2.0 * p - 1.0) for w, p in zip(words, probabilities, strict=True))
        least = min((max(w.conf, 0.0) for w in words), default=0.0)
        letters = sum(c.isalpha() for w in words for c in w.text)
        return cls(net / chars if chars else 0.0, least, chars, letters)

    @property
    def net(self) -> float:
        """Characters likely right less those likely wrong."""
        return self.net_rate * self.chars


@dataclass(frozen=True)
class LineReading:
    """One reading of a doubtful line alone: the scale its crop was read at, its words (in the
    page's pixels) and their figures."""

    scale: float
    words: tuple[Word, ...]
    figures: LineFigures


class Verdict(NamedTuple):
    """What the rule makes of a doubtful line: the reading taken (an index into the readings
    given, -1: none) and why; with ``confirms`` the first reading's words stay, sure now."""

    taken: int
    reason: str
    confirms: bool = False


@dataclass(frozen=True)
class RereadRule:
    """When a line read again replaces the first reading's (bench/learn_linereads.py chose the
    values on the tuning pages; ocr/data/reading_quality.json keeps them with provenance): the
    new reading must have no word under ``min_confidence`` (it settles tesseract's doubt) and a
    net rate (ocr.readings.summarise, from ocr.quality) at least ``net_gain`` over the first's,
    or (with ``conf_gain``), for a reading without letters, a least confidence that much over
    the first's least confidence (a page number "-5-" read surely, that the estimate trusts
    less than a word like "не"; a reading with letters is the estimate's to judge: tesseract
    reads a line alone as surely when it misreads a word).
    The line is read at each of ``scales``; a reading at a smaller scale counts only when
    another reading of the line has its text, if ``agree`` says so: "any" (the first or another
    scale's), "full" (the first or the full-size crop's), "" (no agreement needed). With
    ``same_text``, a reading of the first's text (spaces aside) with no word under
    ``min_confidence`` that does not replace it confirms it: the first's words stay, their
    confidence raised to the reading's (the text is the same, read surely)."""

    min_confidence: float
    net_gain: float
    provenance: str = ""
    scales: tuple[float, ...] = (1.0,)
    agree: Literal["", "any", "full"] = ""
    same_text: bool = False
    conf_gain: float | None = None

    def decide(
        self, first: Sequence[Word], before: LineFigures, readings: Sequence[LineReading]
    ) -> Verdict:
        """Which of ``readings`` (the line read alone at each scale) replaces the first
        reading's line (``first``, its figures ``before``): the one of highest net rate among
        those the rule takes; else the surest that confirms it. Words read again off the first
        reading's line (a neighbour's, caught in the crop's margin) make a reading no reading
        of this line."""
        box = Box.union_all([w.box for w in first])
        mine = [r for r in readings if r.scale in self.scales and r.words and on_line(box, r.words)]
        best, why = -1, ""
        for reading in mine:
            reason = self.replaces(before, reading.figures)
            if not reason or not self.agreed(reading, first, mine):
                continue
            if best < 0 or reading.figures.net_rate > readings[best].figures.net_rate:
                best, why = readings.index(reading), f"{reason} (scale {reading.scale:g})"
        if best >= 0:
            return Verdict(best, why)
        sure = [r for r in mine if self.confirms(first, r)]
        if not sure:
            return Verdict(-1, "")
        top = max(sure, key=lambda r: r.figures.min_confidence)
        return Verdict(
            readings.index(top), f"{self.confirms(first, top)} (scale {top.scale:g})", True
        )

    def agreed(
        self, reading: LineReading, first: Sequence[Word], readings: Sequence[LineReading]
    ) -> bool:
        """Does another reading of the line back ``reading`` as ``agree`` asks?"""
        if not self.agree or reading.scale == 1.0:
            return True
        others = [r for r in readings if r is not reading]
        if self.agree == "full":
            others = [r for r in others if r.scale == 1.0]
        texts = {squeezed(first), *(squeezed(r.words) for r in others)}
        return squeezed(reading.words) in texts

    def confirms(self, first: Sequence[Word], reading: LineReading) -> str:
        """Why ``reading``, the first reading's text (spaces aside) read again surely, confirms
        it when ``same_text`` allows it (the words stay; the doubt is settled); "" if not."""
        again = reading.figures
        if not self.same_text or not again.chars or again.min_confidence < self.min_confidence:
            return ""
        if squeezed(reading.words) != squeezed(first):
            return ""
        return f"read alone: the same text, least confidence {again.min_confidence:.0f}"

    def replaces(self, first: LineFigures, again: LineFigures) -> str:
        """Why a reading with figures ``again`` replaces one with ``first`` ("" if not)."""
        if not again.chars or again.min_confidence < self.min_confidence:
            return ""
        sure = f"least confidence {again.min_confidence:.0f} >= {self.min_confidence:.0f}"
        if again.net_rate >= first.net_rate + self.net_gain:
            return (
                f"read alone: {sure}, net rate {again.net_rate:.2f} >= "
                f"{first.net_rate:.2f} + {self.net_gain:.2f}"
            )
        if (
            self.conf_gain is not None
            and not again.letters
            and again.min_confidence >= first.min_confidence + self.conf_gain
        ):
            return f"read alone: {sure} and over the first's {first.min_confidence:.0f} + " + (
                f"{self.conf_gain:.0f}"
            )
        return ""


def squeezed(words: Sequence[Word]) -> str:
    """The words' text without spaces (readings that differ only in spacing agree)."""
    return "".join(w.text for w in words)


def on_line(line: Box, words: Sequence[Word]) -> bool:
    """Does every word's vertical centre lie within the line's box?"""
    return all(line.top <= w.box.top + w.box.height / 2 <= line.bottom for w in words)


@dataclass(frozen=True)
class LineCrop:
    """Where one line's crop lies on the page as loaded."""

    left: int
    top: int
    width: int
    height: int


def doubtful_lines(words: Sequence[Word], *, below: float) -> list[tuple[int, ...]]:
    """The word indexes of each line (in reading order) holding a word read with confidence
    under ``below``, except lines running so askew that their box is several times as high as
    their tallest word."""
    out = []
    for _, run in groupby(range(len(words)), key=lambda i: words[i].line_key):
        line = tuple(run)
        if not any(0 <= words[i].conf < below for i in line):
            continue
        box = Box.union_all([words[i].box for i in line])
        word_height = max(words[i].box.height for i in line)  # a dash's box is a few px high
        if box.height <= TALL * max(word_height, 1):
            out.append(line)
    return out


def line_crops(lines: Sequence[Sequence[Word]], rows: int, cols: int) -> list[LineCrop]:
    """Each line's box widened by PAD of its height, inside the page."""
    crops = []
    for line in lines:
        box = Box.union_all([w.box for w in line])
        pad = max(4, round(PAD * box.height))
        left, top = max(box.left - pad, 0), max(box.top - pad, 0)
        right, bottom = min(box.right + pad, cols), min(box.bottom + pad, rows)
        crops.append(LineCrop(left, top, right - left, bottom - top))
    return crops


def binarised(grey: np.ndarray, crop: LineCrop, *, scale: float = 1.0) -> np.ndarray:
    """The crop's pixels, black ink on white by Otsu's threshold over the crop alone, then
    shrunk to ``scale`` by area averaging (smooth edges, no lost strokes)."""
    part = grey[crop.top : crop.top + crop.height, crop.left : crop.left + crop.width]
    _, out = cv2.threshold(part, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if scale == 1.0:
        return out
    size = (max(1, round(out.shape[1] * scale)), max(1, round(out.shape[0] * scale)))
    return cv2.resize(out, size, interpolation=cv2.INTER_AREA)


def read_lines(
    grey: np.ndarray,
    crops: Sequence[LineCrop],
    out_stem: Path,
    *,
    languages: str,
    oem: int,
    dpi: int | None,
    timeout: float,
    choices: bool,
    scales: Sequence[float] = (1.0,),
) -> tuple[OcrOutput, tuple[Word, ...]]:
    """Read the crops, each at every one of ``scales``, in one tesseract run; the words in the
    page's pixels, the words of crop ``k`` at ``scales[v]`` in block ``k + 1``, paragraph
    ``v + 1``. The run's outputs (tsv, its choices when asked) stay at ``out_stem``.* with the
    words' boxes in the crops' own pixels (the caller deletes them)."""
    with tempfile.TemporaryDirectory(prefix=f".lines-{out_stem.name}-", dir=out_stem.parent) as t:
        images = [binarised(grey, crop, scale=scale) for crop in crops for scale in scales]
        listed = png_list_file(Path(t), images, name="lines", what="a line's crop")
        output = run_ocr(
            listed,
            out_stem,
            languages=languages,
            psm=LINE_PSM,
            oem=oem,
            dpi=dpi,
            timeout=timeout,
            formats=("tsv",),
            choices=choices,
        )
    return output, tuple(_page_words(output.tsv, crops, scales))


def crop_words(words: Sequence[Word]) -> dict[tuple[int, int], list[int]]:
    """The indexes of the words read from each crop at each scale, keyed (k, v): crop k at
    scales[v] (as :func:`read_lines` places them, in block k + 1, paragraph v + 1)."""
    out: dict[tuple[int, int], list[int]] = {}
    for j, word in enumerate(words):
        out.setdefault((word.block - 1, word.par - 1), []).append(j)
    return out


def _page_words(tsv: Path, crops: Sequence[LineCrop], scales: Sequence[float]) -> list[Word]:
    """The TSV's words, each page of the list file (one crop at one scale) moved to its place
    on the page, the words of crop k at scales[v] in block k + 1, paragraph v + 1."""
    words = []
    for page, word in read_page_words(tsv):
        k, v = divmod(page - 1, len(scales))
        crop, scale = crops[k], scales[v]
        box = Box(
            crop.left + round(word.box.left / scale),
            crop.top + round(word.box.top / scale),
            round(word.box.width / scale),
            round(word.box.height / scale),
        )
        words.append(replace(word, block=k + 1, par=v + 1, box=box))
    return words
