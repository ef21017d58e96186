"""Unrecognised ink: ink of the OCR image that no OCR word accounts for, grouped into regions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocr.detect.ink import GOOD_WORD_CONF, Blob, TextMetrics, blobs, strip_rules, word_mask
from ocr.detect.regions import UNRECOGNISED_INK, InkFigures, Region, points_polygon
from ocr.tesseract import Word

# Sizes at 300 dpi or in units of the typed word height H. Word boxes are grown by a quarter of
# H (tesseract's boxes are tight; ink bleeds past them); a region needs 400 px of ink (a
# handwritten digit, three typed letters) and a side of at least H.
WORD_PAD = 0.25
GROUP = 0.8
MIN_INK_PX = 400
MIN_SIDE = 1.0
RULE_THICKNESS = 0.3  # H: thinner straight pieces are rules and underlines, not unread text
RULE_LENGTH = 3.0  # H: straight runs at least this long are rules


def covered_by_words(
    shape: tuple[int, int],
    words: Sequence[Word],
    *,
    metrics: TextMetrics,
    min_conf: float = GOOD_WORD_CONF,
) -> np.ndarray:
    """uint8 mask of the boxes of words of good confidence, grown by a quarter line height."""
    sure = [w for w in words if w.conf >= min_conf and w.box.width > 0 and w.box.height > 0]
    return word_mask(shape, sure, pad=round(WORD_PAD * metrics.glyph_rows))


def read_ink(
    ink: np.ndarray,
    words: Sequence[Word],
    *,
    metrics: TextMetrics,
    min_conf: float = GOOD_WORD_CONF,
    typed: np.ndarray | None = None,
) -> np.ndarray:
    """uint8 mask of the ink the OCR accounts for: all ink under words of good confidence, and,
    given the ``typed`` glyph mask, typed glyphs under words of low confidence (the pipeline flags
    those words as low-confidence already; a stamp or a scribble read as a garbage word of low
    confidence stays unaccounted for)."""
    read = ink & covered_by_words(ink.shape, words, metrics=metrics, min_conf=min_conf)
    if typed is not None:
        unsure = [
            w for w in words if 0 <= w.conf < min_conf and w.box.width > 0 and w.box.height > 0
        ]
        read |= typed & word_mask(ink.shape, unsure, pad=round(WORD_PAD * metrics.glyph_rows))
    return read


def _is_rule(blob: Blob, *, metrics: TextMetrics) -> bool:
    """A straight thin cluster: a typed underline, a ruled line, a page-edge shadow."""
    thin = min(blob.rows, blob.cols) < RULE_THICKNESS * metrics.glyph_rows
    return thin and max(blob.rows, blob.cols) >= 1.5 * metrics.glyph_rows


def unrecognised_ink(
    ink: np.ndarray,
    words: Sequence[Word],
    *,
    metrics: TextMetrics,
    exclude: np.ndarray | None = None,
    min_conf: float = GOOD_WORD_CONF,
    typed: np.ndarray | None = None,
) -> list[Region]:
    """Ink the OCR does not account for (see :func:`read_ink`) minus ``exclude`` (stamps and
    handwriting found already), without rules, grouped into regions of at least ``MIN_INK_PX``
    ink and H a side.

    Dust should be gone from ``ink`` already (``detect_page`` passes the ink without it); a
    cluster of specks under ``MIN_INK_PX`` is dropped in any case.
    """
    rest = ink & (1 - read_ink(ink, words, metrics=metrics, min_conf=min_conf, typed=typed))
    if exclude is not None:
        rest &= 1 - exclude
    rest = strip_rules(
        rest,
        min_length=round(RULE_LENGTH * metrics.glyph_rows),
        max_thickness=max(2, round(RULE_THICKNESS * metrics.glyph_rows)),
    )
    step = round(GROUP * metrics.glyph_rows)
    min_ink = metrics.px(MIN_INK_PX) * metrics.scale
    regions = []
    for blob in blobs(rest, rows=step, cols=step):
        amount = int(blob.mask.sum())
        if (
            amount < min_ink
            or max(blob.rows, blob.cols) < MIN_SIDE * metrics.glyph_rows
            or _is_rule(blob, metrics=metrics)
        ):
            continue
        r, c = np.nonzero(blob.mask)
        box, polygon = points_polygon(np.column_stack([c + blob.left, r + blob.top]))
        score = min(0.8, 0.3 + 0.25 * amount / metrics.glyph_rows**2)  # full at 2 H^2 of ink
        regions.append(
            Region(
                UNRECOGNISED_INK,
                box,
                polygon,
                score=score,
                source="ink",
                reason=f"{amount} px of ink that no OCR word covers ({box.width}x{box.height} px)",
                detail=InkFigures(amount),
            )
        )
    return regions
