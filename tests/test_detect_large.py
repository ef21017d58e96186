"""A very large scan of more than 300 dpi is detected on a copy shrunk to 300 dpi, its regions
in the scan's own pixels (bounded time and memory on huge scans)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import cv2
import numpy as np
import pytest

from ocr.detect import iou
from ocr.detect import stage as regions_stage
from ocr.detect.page import ALL_DETECTORS
from ocr.records import Box
from tests.test_detect import synthetic_page

SCALE = 2.0  # an A4 page at 600 dpi


def _big(box: Box) -> Box:
    return Box(
        round(box.left * SCALE),
        round(box.top * SCALE),
        round(box.width * SCALE),
        round(box.height * SCALE),
    )


def test_a_high_resolution_scan_is_detected_shrunk_and_answered_in_its_pixels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = synthetic_page(1)
    rows, cols = page.image.shape[:2]
    view = cv2.resize(page.image, (round(cols * SCALE), round(rows * SCALE)))
    gray = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY)
    ocr_img = np.where(gray < 160, 0, 255).astype(np.uint8)
    words = [replace(w, box=_big(w.box)) for w in page.words]
    assert ocr_img.size > regions_stage.DETECT_SHRINK_PIXELS
    seen: list[tuple[int, ...]] = []
    detect = regions_stage.detect_page

    def spy(view: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        seen.append(view.shape)
        return detect(view, *args, **kwargs)

    monkeypatch.setattr(regions_stage, "detect_page", spy)
    found = regions_stage.detect_regions_in_frame(
        view,
        ocr_img,
        words,
        dpi=round(300 * SCALE),
        languages="rus",
        min_word_conf=60.0,
        detectors=ALL_DETECTORS,
        read_stamps=False,
        timeout=60.0,
    )
    assert seen and abs(seen[0][0] - rows) <= 1 and abs(seen[0][1] - cols) <= 1
    stamps = [r for r in found if r.type == "stamp"]
    truths = [_big(t.box) for t in page.truth if t.type == "stamp"]
    assert len(truths) == 2
    for truth in truths:
        assert max(iou(truth, r.box) for r in stamps) >= 0.5
    for region in found:
        assert region.box.right <= view.shape[1] + 2 and region.box.bottom <= view.shape[0] + 2
