"""A pathological page is read once: past the CPU budget no other reading is tried."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocr.geometry import PageGeometry
from ocr.readings import OcrCall, ReadingInput, read_page


def _page(path: Path) -> Path:
    image = np.full((400, 900), 255, np.uint8)
    cv2.putText(image, "Budget test line", (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    cv2.imwrite(str(path), image)
    return path


def _choose(tmp_path: Path, budget: float) -> tuple[int, str]:
    image = _page(tmp_path / "page.png")
    geometry = PageGeometry.identity(400, 900)
    sources = [
        ReadingInput("original", image, geometry, 300),
        ReadingInput("processed", image, geometry, 300),
    ]
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv"), False)
    # 5000 blobs of ink for a line of text: the first reading is doubtful
    choice = read_page(
        sources, tmp_path / "p001", call, ink_blobs=5000, paper_share=1.0, budget=budget
    )
    return choice.record.tesseract_calls, choice.record.doubt


def test_a_doubtful_page_gets_one_more_reading_within_the_budget(tmp_path: Path) -> None:
    calls, why = _choose(tmp_path, 1e9)
    assert calls == 2
    assert "no other reading" not in why


def test_past_the_budget_the_first_reading_is_the_only_one(tmp_path: Path) -> None:
    calls, why = _choose(tmp_path, 0.0)
    assert calls == 1
    assert "characters read for 5000 text blobs" in why
    assert "no other reading: the first took" in why
    assert (tmp_path / "p001.tsv").is_file()
