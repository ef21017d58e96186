"""The page frame (ocr.frame): beds, bands and facing pages go; paper, even darkened, stays."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.frame import find_page_frame
from ocr.records import Box
from tests.conftest import RESOURCES

pytestmark = pytest.mark.unit
FR = RESOURCES / "typescript-fr"


def _typed(rows: int, cols: int, *, paper: int = 235, seed: int = 0) -> np.ndarray:
    """A sheet of paper with lines of letter-sized dark marks."""
    rng = np.random.default_rng(seed)
    sheet = np.full((rows, cols), paper, np.uint8)
    for top in range(rows // 8, rows - rows // 8, 40):
        for left in range(cols // 8, cols - cols // 8, 18):
            if rng.random() < 0.8:
                sheet[top : top + 22, left : left + 11] = 40
    sheet = sheet + rng.normal(0, 3, sheet.shape)
    return np.clip(sheet, 0, 255).astype(np.uint8)


def test_a_plain_page_is_not_cropped() -> None:
    frame = find_page_frame(_typed(1400, 1000))
    assert not frame.cropped and frame.box == Box(0, 0, 1000, 1400)


def test_a_dark_scanner_bed_is_cut_off() -> None:
    page = _typed(1400, 1000)
    bed = np.full((1600, 1180), 30, np.uint8)
    bed[90:1490, 70:1070] = page
    frame = find_page_frame(bed)
    box = frame.box
    assert abs(box.left - 70) <= 8 and abs(box.top - 90) <= 8
    assert abs(box.right - 1070) <= 8 and abs(box.bottom - 1490) <= 8
    assert {e.kind for e in frame.edges} == {"band"}


def test_a_facing_page_beyond_the_gutter_is_cut_off() -> None:
    page = _typed(1400, 1000, seed=1)
    facing = (_typed(1400, 1000, seed=2)[:, -180:] * 0.85).astype(np.uint8)
    x = np.linspace(-1, 1, 30)
    gutter = np.tile(
        (235 * (1 - 0.6 * (0.5 + 0.5 * np.cos(np.pi * x)))).astype(np.uint8), (1400, 1)
    )
    scan = np.hstack([facing, gutter, page])
    frame = find_page_frame(scan)
    assert [e.side for e in frame.edges] == ["left"]
    assert 180 <= frame.box.left <= 215 and frame.box.right == scan.shape[1]


def test_a_ruled_line_and_a_two_page_spread_are_kept() -> None:
    page = _typed(1400, 1000)
    page[:, 240:242] = 60  # a margin rule down the whole sheet: paper on both sides
    assert not find_page_frame(page).cropped
    left, right = _typed(1400, 900, seed=3), _typed(1400, 900, seed=4)
    gutter = np.full((1400, 40), 90, np.uint8)
    spread = find_page_frame(np.hstack([left, gutter, right]))
    assert spread.box.left == 0 and spread.box.width == 1840  # the centre is the fold: no cut


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("12148-btv1b53097347b__27_02656_default", "left"),  # the book's gutter at the left
        ("12148-btv1b52502601r__11_da54b_default", "right"),  # a binder on a grey board
    ],
)
def test_real_pages_lose_what_is_not_their_paper(name: str, side: str) -> None:
    from ocr_synth.alto import read_alto_lines

    image = cv2.imread(str(FR / f"{name}.jpg"))
    frame = find_page_frame(image)
    assert side in {e.side for e in frame.edges}
    b = frame.box
    for line in read_alto_lines(FR / f"{name}.xml"):  # every transcribed line stays whole
        box = line.box
        assert b.left <= box.left and box.right <= b.right + 2, line.text
        assert b.top <= box.top and box.bottom <= b.bottom + 2, line.text


def _lit_from_above(page: np.ndarray, *, depth: float) -> np.ndarray:
    """The page lit by a lamp beyond its top left: darker by up to ``depth`` towards that
    corner, slowly (the synthetic set's uneven light)."""
    rows, cols = page.shape
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    shade = 1.0 - depth * np.clip(1.0 - 0.7 * rr / rows - 0.3 * cc / cols, 0, 1) ** 1.5
    return np.clip(page * shade, 0, 255).astype(np.uint8)


def _marked_top(rows: int, cols: int) -> np.ndarray:
    """A typed sheet with a stamp and a handwritten number in its top margin."""
    page = _typed(rows, cols, seed=5)
    cv2.rectangle(page, (400, 30), (620, 110), 60, 4)  # a stamp's frame
    cv2.putText(page, "1807", (780, 90), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0, 50, 3)
    return page


@pytest.mark.parametrize("depth", [0.3, 0.4, 0.5])
def test_ink_under_a_darkened_top_edge_stays_in_the_frame(depth: float) -> None:
    frame = find_page_frame(_lit_from_above(_marked_top(1400, 1000), depth=depth))
    assert frame.box.top <= 25 and frame.box.left <= 10, frame  # the stamp and number kept


@pytest.mark.parametrize("seed", range(6))
def test_the_synthetic_sets_uneven_light_is_no_band(seed: int) -> None:
    from ocr_synth.damage import illuminate

    sheet = _marked_top(1400, 1000).astype(np.float32)
    illuminate(sheet, strength=0.5, rng=np.random.default_rng(seed))  # its heaviest level
    frame = find_page_frame(np.clip(sheet, 0, 255).astype(np.uint8))
    assert not frame.cropped, frame


def test_a_scanner_bed_beyond_darkened_paper_is_still_cut_off() -> None:
    page = _lit_from_above(_marked_top(1400, 1000), depth=0.25)
    bed = np.full((1600, 1180), 30, np.uint8)
    bed[90:1490, 70:1070] = page
    box = find_page_frame(bed).box
    assert abs(box.left - 70) <= 8 and abs(box.top - 90) <= 8
    assert abs(box.right - 1070) <= 8 and abs(box.bottom - 1490) <= 8
