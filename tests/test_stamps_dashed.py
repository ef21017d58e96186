"""Dashed stamp frames on bilevel scans (issue #20): one whole side, the others in dashes."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.detect.ink import TextMetrics
from ocr.detect.regions import STAMP, iou
from ocr.detect.stamps import dashed_frames, shape_candidates, shape_stamps
from ocr.records import Box

METRICS = TextMetrics(glyph_rows=33.0, char_cols=23.5, scale=1.0)


def _dashed(page: np.ndarray, start: tuple[int, int], end: tuple[int, int]) -> None:
    """A line drawn as 14 px dashes with 10 px gaps (a worn side on a bilevel scan)."""
    (x0, y0), (x1, y1) = start, end
    length = max(abs(x1 - x0), abs(y1 - y0))
    for a in range(0, length, 24):
        b = min(a + 14, length)
        cv2.line(
            page,
            (x0 + (x1 - x0) * a // length, y0 + (y1 - y0) * a // length),
            (x0 + (x1 - x0) * b // length, y0 + (y1 - y0) * b // length),
            1,
            3,
        )


def _lettering(page: np.ndarray, left: int, top: int, lines: int, *, width: int) -> None:
    """Short lines of small letters, as a stamp or a typed page carries."""
    for i in range(lines):
        cv2.putText(
            page,
            "MID SSSR 4239"[: max(3, width // 40)],
            (left, top + 70 * i),
            cv2.FONT_HERSHEY_SIMPLEX,
            1.1,
            1,
            2,
        )


def _find(ink: np.ndarray) -> list:
    small = np.asarray(cv2.resize(ink, (ink.shape[1] // 2, ink.shape[0] // 2)), dtype=np.uint8)
    small = (cv2.dilate(small, np.ones((2, 2), np.uint8)) > 0).astype(np.uint8)
    _, pieces = shape_candidates(small, metrics=METRICS)
    return dashed_frames(small, pieces, metrics=METRICS)


def _stamp_page() -> tuple[np.ndarray, Box]:
    """A page with a 740 x 320 frame: right side whole, the other three in dashes, lettering
    inside, typed lines below."""
    page = np.zeros((1400, 2400), dtype=np.uint8)
    left, top, right, bottom = 1300, 100, 2040, 420
    cv2.line(page, (right, top), (right, bottom), 1, 4)
    _dashed(page, (left, top), (right, top))
    _dashed(page, (left, bottom), (right, bottom))
    _dashed(page, (left, top), (left, bottom))
    _lettering(page, 1500, 180, 4, width=500)
    _lettering(page, 200, 700, 8, width=1800)
    return page, Box(left, top, right - left + 1, bottom - top + 1)


def test_a_dashed_frame_is_one_stamp() -> None:
    page, truth = _stamp_page()
    found = _find(page)
    assert len(found) == 1
    assert found[0].type == STAMP and found[0].source == "dashed-frame"
    assert iou(found[0].box, truth) > 0.9


def test_shape_stamps_adds_dashed_frames_only_when_asked() -> None:
    page, truth = _stamp_page()
    assert any(iou(r.box, truth) > 0.9 for r in shape_stamps(page, metrics=METRICS))
    assert not any(
        iou(r.box, truth) > 0.5 for r in shape_stamps(page, metrics=METRICS, dashed=False)
    )


def test_a_ruled_table_is_no_stamp() -> None:
    """A typed table: whole rules, the level ones running on past the column rules."""
    page = np.zeros((1400, 2400), dtype=np.uint8)
    for y in (200, 300, 400, 500):
        cv2.line(page, (100, y), (2300, y), 1, 3)
    for x in (100, 700, 1300, 1900, 2300):
        cv2.line(page, (x, 200), (x, 500), 1, 3)
    for x in (150, 750, 1350, 1950):
        _lettering(page, x, 260, 3, width=300)
    assert _find(page) == []


def test_a_frame_whose_inside_a_rule_crosses_is_no_stamp() -> None:
    page, _ = _stamp_page()
    cv2.line(page, (1670, 100), (1670, 420), 1, 3)  # a column rule: a two-cell table
    assert _find(page) == []


def test_a_margin_rule_beside_typing_is_no_stamp() -> None:
    """A long upright rule left of typed lines: the typing is no side with paper inside."""
    page = np.zeros((1400, 2400), dtype=np.uint8)
    cv2.line(page, (150, 300), (150, 900), 1, 3)
    _lettering(page, 200, 300, 9, width=1800)
    assert _find(page) == []
