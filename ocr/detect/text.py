"""Text-quality flags from OCR words: garbage tokens and lines read much shorter than their ink."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby

import numpy as np

from ocr.detect.ink import TextMetrics, ink_mask, text_metrics
from ocr.detect.regions import GARBAGE, SHORT_LINE, LineFigures, Region, box_polygon
from ocr.records import Box
from ocr.tesseract import Word

VOWELS = frozenset("аеёиоуыэюяaeiouyАЕЁИОУЫЭЮЯAEIOUY")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[A-Za-z]")
# Three or more punctuation marks or symbols in a row ("-.,", "|;:") are noise, except a run of
# one mark that typists repeat on purpose: leaders "....", dashes "----", underscores, asterisks.
PUNCT_RUN = re.compile(r"[^\w\s]{3,}")
REPEATED_OK = re.compile(r"^([.\-_*=])\1+$")
# Symbols a Russian typewriter does not have: a token made of nothing else is a speck or a stroke
# read as text.
ODD_SYMBOLS = frozenset("|\\~^¥¢©®™{}`¦§°¬")
LONG_WORD = 5  # letters; shorter all-consonant tokens are abbreviations (СССР, КНДР, МИД)
ABBREVIATION = 6  # all-capital tokens up to this many letters may lack vowels (ВКПБ, ЦКВКП)


def garbage_reasons(token: str) -> list[str]:
    """Why a token looks like OCR garbage rather than a word (empty: it looks fine)."""
    reasons = []
    letters = [c for c in token if c.isalpha()]
    if CYRILLIC.search(token) and LATIN.search(token):
        reasons.append("mixes Cyrillic and Latin letters")
    if len(letters) >= LONG_WORD and not any(c in VOWELS for c in letters):
        if not (token.isupper() and len(letters) <= ABBREVIATION):
            reasons.append(f"no vowel in {len(letters)} letters")
    runs = [m.group() for m in PUNCT_RUN.finditer(token) if not REPEATED_OK.match(m.group())]
    if runs:
        reasons.append(f'a run of punctuation "{runs[0]}"')
    if not any(c.isalnum() for c in token) and any(c in ODD_SYMBOLS for c in token):
        reasons.append("only stray symbols")
    return reasons


def is_garbage(token: str) -> bool:
    return bool(garbage_reasons(token))


def _union(boxes: Sequence[Box]) -> Box:
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


def garbage_flags(words: Sequence[Word]) -> list[Region]:
    """Runs of adjacent garbage tokens on one line, one region per run."""
    regions = []
    for _, line in groupby(words, key=lambda w: w.line_key):
        for bad, run in groupby(line, key=lambda w: is_garbage(w.text)):
            run_words = list(run)
            if not bad:
                continue
            reasons = sorted({r for w in run_words for r in garbage_reasons(w.text)})
            text = " ".join(w.text for w in run_words)
            box = _union([w.box for w in run_words])
            regions.append(
                Region(
                    GARBAGE,
                    box,
                    box_polygon(box),
                    score=min(0.8, 0.45 + 0.1 * len(reasons)),
                    source="words",
                    text=text,
                    reason=f'"{text}" looks like OCR garbage: {", ".join(reasons)}',
                )
            )
    return regions


# --- short lines -------------------------------------------------------------------------------

MIN_RATIO = 1.6  # ink at least this many times wider than the recognised characters need
MIN_MISSING = 6  # and at least this many characters' worth of width unaccounted for
GAP = 2.5  # character widths: a wider blank ends the line's ink (a column gap, the margin)
SPACED_SLACK = 2  # glyphs more or fewer than the characters read that still count as all read
SPACED_SHARE = 0.15  # or this share of the characters read
SPACED_GLYPH = 1.5  # character widths: the widest run of ink of letter-spaced typing
SPACED_JOIN = 0.8  # character widths: a narrower blank lies inside a letter ("П"), not between
# two letters set a space apart


def line_ink_span(ink: np.ndarray, box: Box, *, char_cols: float) -> tuple[int, int]:
    """Columns (start, end) of the ink run along a line's middle band that contains its words."""
    band_top = box.top + box.height // 4
    band = ink[band_top : max(band_top + 1, box.bottom - box.height // 4), :]
    filled = band.any(axis=0)
    gap = max(1, round(GAP * char_cols))
    # Close gaps narrower than a column gap so words and letters join into one run.
    ends = np.flatnonzero(filled)
    if ends.size == 0:
        return box.left, box.right
    starts = np.concatenate([[0], np.flatnonzero(np.diff(ends) > gap) + 1])
    stops = np.concatenate([starts[1:] - 1, [ends.size - 1]])
    left, right = box.left, box.right
    for s, e in zip(starts, stops, strict=True):
        if ends[e] + 1 >= box.left and ends[s] <= box.right:  # a run touching the words
            left, right = min(left, int(ends[s])), max(right, int(ends[e]) + 1)
    return left, right


def glyph_runs(ink: np.ndarray, box: Box, *, join: int = 0) -> np.ndarray:
    """Widths of the runs of inked columns across a line's box: about one run per typed glyph
    (letters that touch make one run); runs less than ``join`` px apart are one (the strokes of
    one letter: "И" whose faint diagonal the ink mask lost, a hollow letter's two sides)."""
    cols = np.concatenate([[False], ink[box.top : box.bottom, box.left : box.right].any(axis=0)])
    edges = np.flatnonzero(np.diff(np.concatenate([cols, [False]]).astype(np.int8)))
    starts, stops = edges[0::2], edges[1::2]
    if join > 0 and starts.size > 1:
        apart = np.concatenate([[True], starts[1:] - stops[:-1] >= join])
        starts, stops = starts[apart], np.concatenate([stops[:-1][apart[1:]], stops[-1:]])
    return stops - starts


def _glyph_band(box: Box, metrics: TextMetrics) -> Box:
    """The middle half of a typed glyph's rows from the top of a line's box: where every letter
    has ink, and the line below has none (a word box can reach into the next line's tops)."""
    rows = min(box.height, round(metrics.glyph_rows))
    return Box(box.left, box.top + rows // 4, box.width, max(1, rows // 2))


def spaced_out(runs: np.ndarray, text: str, *, char_cols: float) -> bool:
    """Is a wide line letter-spaced typing ("Х А Р А К Т Е Р") all read? Its ink holds about as
    many glyphs as the characters read (SPACED_SLACK, SPACED_SHARE) and each is no wider than a
    letter (SPACED_GLYPH): then its width is spacing, not missing text. A stamp, a pen stroke or
    an underline across a line makes runs wider than letters."""
    letters = sum(1 for c in text if not c.isspace())
    return (
        runs.size > 0
        and abs(runs.size - letters) <= max(SPACED_SLACK, SPACED_SHARE * letters)
        and float(runs.max()) <= SPACED_GLYPH * char_cols
    )


def _all_read_spaced(ink: np.ndarray, span: Box, text: str, metrics: TextMetrics) -> bool:
    """Is the line's ink letter-spaced typing all read (:func:`spaced_out`), its glyphs counted
    across the words' box, or on the glyphs' own rows with a letter's strokes taken as one glyph
    (a heading's box can reach into the next line's tops, and a faint stroke can leave a letter
    in pieces)?"""
    return spaced_out(glyph_runs(ink, span), text, char_cols=metrics.char_cols) or spaced_out(
        glyph_runs(ink, _glyph_band(span, metrics), join=round(SPACED_JOIN * metrics.char_cols)),
        text,
        char_cols=metrics.char_cols,
    )


def short_line_flags(
    words: Sequence[Word],
    ocr_image: np.ndarray,
    *,
    metrics: TextMetrics | None = None,
    min_ratio: float = MIN_RATIO,
    min_missing: int = MIN_MISSING,
) -> list[Region]:
    """Lines whose recognised text is much shorter than the ink along them suggests.

    Expected width = characters recognised (spaces included) x the page's typical character
    advance; ink width = the run of ink along the line's middle band around its words. A line is
    flagged when the ink is ``min_ratio`` times wider and ``min_missing`` characters longer,
    unless it is letter-spaced typing all read (:func:`spaced_out`).
    """
    metrics = metrics or text_metrics(words)
    ink = ink_mask(ocr_image)
    regions = []
    for _, line in groupby(words, key=lambda w: w.line_key):
        line_words = list(line)
        box = _union([w.box for w in line_words])
        if box.height > 2 * metrics.glyph_rows:  # not a typed line (stamp or scribble read as text)
            continue
        text = " ".join(w.text for w in line_words)
        expected = len(text) * metrics.char_cols
        left, right = line_ink_span(ink, box, char_cols=metrics.char_cols)
        width = right - left
        missing = (width - expected) / metrics.char_cols
        if (
            width >= min_ratio * expected
            and missing >= min_missing
            and not _all_read_spaced(ink, Box(left, box.top, width, box.height), text, metrics)
        ):
            span = Box(left, box.top, width, box.height)
            regions.append(
                Region(
                    SHORT_LINE,
                    span,
                    box_polygon(span),
                    score=min(0.8, 0.4 + 0.02 * missing),
                    source="words",
                    text=text,
                    reason=(
                        f'the OCR reads {len(text)} characters ("{text[:40]}") where the ink '
                        f"is {width} px wide, room for about {width / metrics.char_cols:.0f}"
                    ),
                    detail=LineFigures(width, round(expected)),
                )
            )
    return regions
