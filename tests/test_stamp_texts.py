"""A page's stamps read in one tesseract run (a list file of their crops): each stamp gets the
text it gets read alone, in its region's place, with a single tesseract process."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.detect.regions import Region
from ocr.exceptions import OcrError
from ocr.records import Box
from tests.conftest import needs_tesseract

STAMPS = (
    (("RECEIVED", "12 MAY 1939"), (200, 300)),
    (("CONSULATE", "GENERAL"), (1300, 350)),
    (("FILED", "No 4471"), (700, 1500)),
)


def _page() -> tuple[np.ndarray, list[Region]]:
    """A white page with three boxed stamps of two lines each, some typing, and one region
    that is not a stamp."""
    page = np.full((2200, 2000, 3), 250, np.uint8)
    regions = []
    for lines, (left, top) in STAMPS:
        width, height = 600, 260
        cv2.rectangle(page, (left, top), (left + width, top + height), (0, 0, 0), 5)
        for i, line in enumerate(lines):
            at = (left + 40, top + 100 + 100 * i)
            cv2.putText(page, line, at, cv2.FONT_HERSHEY_SIMPLEX, 2.0, (0, 0, 0), 5)
        corners = ((left, top), (left + width, top), (left + width, top + height))
        regions.append(
            Region(
                "stamp",
                Box(left, top, width + 1, height + 1),
                (*corners, (left, top + height)),
                0.9,
                "a stamp",
            )
        )
    cv2.putText(page, "typed text here", (200, 1000), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (0, 0, 0), 3)
    hand = Region("handwriting", Box(200, 950, 500, 80), ((200, 950),), 0.5, "a pen")
    return page, [regions[0], hand, regions[1], regions[2]]


@pytest.mark.integration
@needs_tesseract
def test_a_pages_stamps_read_in_one_run_read_as_each_alone(monkeypatch) -> None:
    import ocr.detect.stamp_text as stamp_text

    page, regions = _page()
    stamps = [r for r in regions if r.type == "stamp"]
    alone = [stamp_text.read_stamp_text(page, r, languages="eng") for r in stamps]
    calls = []
    run = stamp_text.run_ocr

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return run(*args, **kwargs)

    monkeypatch.setattr(stamp_text, "run_ocr", counted)
    together = stamp_text.read_stamp_texts(page, stamps, languages="eng")
    assert together == alone and len(calls) == 1
    for text, (lines, _) in zip(together, STAMPS, strict=True):
        assert lines[0] in text, text  # each text is its own stamp's, in order
    found = stamp_text.with_stamp_texts(page, regions, languages="eng", dpi=300, timeout=60)
    assert [r.type for r in found] == [r.type for r in regions] and found[1] == regions[1]
    assert [r.stamp_text for r in found if r.type == "stamp"] == alone
    assert f'it reads "{alone[0].splitlines()[0]}' in found[0].reason
    assert len(calls) == 2 and stamp_text.read_stamp_texts(page, [], languages="eng") == []


@pytest.mark.integration
@needs_tesseract
def test_a_failed_joint_run_falls_back_to_reading_each_stamp(monkeypatch) -> None:
    import ocr.detect.stamp_text as stamp_text

    page, regions = _page()

    def broken(*_: object, **__: object) -> list[str]:
        raise OcrError("tesseract failed")

    monkeypatch.setattr(stamp_text, "read_stamp_texts", broken)
    found = stamp_text.with_stamp_texts(page, regions, languages="eng", dpi=300, timeout=60)
    texts = [r.stamp_text or "" for r in found if r.type == "stamp"]
    assert all(lines[0] in t for t, (lines, _) in zip(texts, STAMPS, strict=True)), texts
    assert found[1].stamp_text is None


@pytest.mark.integration
@needs_tesseract
def test_a_page_with_two_stamps_pays_one_tesseract_run_for_their_texts(tmp_path) -> None:
    """Through the pipeline: a page with a violet and a blue stamp counts one stamp run in its
    tesseract calls, and both stamps' regions carry their texts."""
    from ocr.detect.stage import load_regions
    from ocr.pipeline import process_page
    from ocr.results import RecognisedPage
    from ocr.settings import load_settings
    from ocr.stages.load import plan_batch
    from tests.test_detect import synthetic_page

    scans = tmp_path / "scans"
    scans.mkdir()
    cv2.imwrite(str(scans / "stamped.png"), synthetic_page(1).image)
    settings = load_settings(None, output_dir=tmp_path / "out", workers=1)
    jobs, _, _ = plan_batch([scans], settings=settings)
    page = process_page(jobs[0], settings)
    assert isinstance(page, RecognisedPage)
    stamps = [r for r in load_regions(page.ocr.outputs["regions"]) if r.type == "stamp"]
    assert len(stamps) >= 2 and all(r.stamp_text is not None for r in stamps)
    assert any(r.stamp_text for r in stamps)  # tesseract made out some of their lettering
    assert page.stamp_reads == 1
    assert page.tesseract_calls == page.choice.tesseract_calls + 1  # type: ignore[union-attr]
    assert page.cpu is not None and page.cpu.tesseract > 0 and page.cpu.python > 0
