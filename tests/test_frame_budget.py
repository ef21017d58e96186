"""A scan that holds more than the page (a dark scanner bed around it) always gets its paper
read: the first reading's CPU budget (ocr.readings.read_page) does not stop the processed page
there, while a whole-page scan keeps the budget."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from ocr.frame import reading_budget
from ocr.geometry import PageGeometry
from ocr.readings import EXTRA_READING_BUDGET, OcrCall, ReadingInput, choice_rules, read_page


def test_a_whole_page_scan_keeps_the_budget() -> None:
    share = choice_rules().frame_share
    assert reading_budget(1.0, frame_share=share, budget=20.0) == 20.0
    assert reading_budget(share, frame_share=share, budget=20.0) == 20.0


def test_a_scan_that_holds_more_than_the_page_has_no_budget() -> None:
    share = choice_rules().frame_share
    assert math.isinf(reading_budget(share - 0.01, frame_share=share, budget=20.0))
    assert math.isinf(reading_budget(0.55, frame_share=share, budget=EXTRA_READING_BUDGET))


def _page(path: Path) -> Path:
    image = np.full((400, 900), 255, np.uint8)
    cv2.putText(image, "Budget test line", (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    cv2.imwrite(str(path), image)
    return path


def _calls(tmp_path: Path, paper_share: float) -> tuple[int, str]:
    """A doubtful page whose first reading is past a zero budget, read with the budget the
    frame gives for ``paper_share``."""
    image = _page(tmp_path / "page.png")
    geometry = PageGeometry.identity(400, 900)
    sources = [
        ReadingInput("original", image, geometry, 300),
        ReadingInput("processed", image, geometry, 300),
    ]
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv"), False)
    budget = reading_budget(paper_share, frame_share=choice_rules().frame_share, budget=0.0)
    choice = read_page(
        sources, tmp_path / "p001", call, ink_blobs=5000, paper_share=paper_share, budget=budget
    )
    return choice.record.tesseract_calls, choice.record.doubt


def test_the_framed_page_is_read_again_past_the_budget(tmp_path: Path) -> None:
    calls, why = _calls(tmp_path, 0.55)
    assert calls == 2
    assert "no other reading" not in why


def test_the_whole_scan_is_read_once_past_the_budget(tmp_path: Path) -> None:
    calls, why = _calls(tmp_path, 1.0)
    assert calls == 1
    assert "no other reading: the first took" in why
