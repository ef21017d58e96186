"""The typed text's own ink colour (ocr.inkcolour) and stamp ink told apart from it: coloured
ink is removed only inside stamps and never in the text's colour."""

from __future__ import annotations

import numpy as np
import pytest

from ocr import preprocess as pp
from ocr.inkcolour import InkColour, circular_median, stamp_ink, text_ink_colour
from ocr.stages.preprocess import find_colour_stamps
from tests.test_preprocess import (
    BLUE,
    VIOLET,
    YELLOWED_PAPER,
    ink,
    jpeg,
    preprocess,
    stamp_alpha,
    text_alpha,
    to_uint8,
    transmit,
)

pytestmark = pytest.mark.unit
SHAPE = (1100, 1500)
FADED_BROWN = (70, 100, 140)  # BGR


def _page(
    text_bgr: tuple[int, int, int],
    *,
    stamp_bgr: tuple[int, int, int] | None = None,
    opacity: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text, stamp = text_alpha(SHAPE, top=80, pitch=90), stamp_alpha(SHAPE)
    page = np.ones((*SHAPE, 3), np.float32) * np.asarray(YELLOWED_PAPER, np.float32)
    page = transmit(page, text, text_bgr, opacity=opacity)
    if stamp_bgr is not None:
        page = transmit(page, stamp, stamp_bgr, opacity=0.75)
    return jpeg(to_uint8(page, noise=3)), text >= 0.5, stamp >= 0.5


@pytest.mark.parametrize(("ink_bgr", "name"), [(VIOLET, "violet"), (BLUE, "blue")])
def test_a_coloured_ribbon_is_measured_on_the_letters(
    ink_bgr: tuple[int, int, int], name: str
) -> None:
    page, _, _ = _page(ink_bgr)
    measured = text_ink_colour(page)
    assert measured.name == name and measured.chromatic and measured.letters > 100


def test_black_typing_is_black_and_gray_scans_have_no_colour() -> None:
    page, _, _ = _page((25, 25, 25))
    # JPEG's coarse chroma tints thin black strokes with the paper's yellow: at most "brown",
    # the paper's own band, which stamp removal never touches.
    assert text_ink_colour(page).name in ("black", "brown")
    assert text_ink_colour(pp.to_gray(page)) == InkColour("black", None, 0.0, 0)


def test_a_violet_typescript_under_a_violet_stamp_keeps_every_letter() -> None:
    page, text, stamp = _page(VIOLET, stamp_bgr=VIOLET)
    found = stamp_ink(page, text_ink_colour(page), find_stamps=find_colour_stamps)
    assert not found.mask[text].any()
    result = preprocess(page, deskew=False)
    assert ink(result.ocr_image)[text].mean() > 0.9


def test_a_blue_stamp_on_violet_typing_goes_and_the_typing_stays() -> None:
    page, text, stamp = _page(VIOLET, stamp_bgr=BLUE)
    found = stamp_ink(page, text_ink_colour(page), find_stamps=find_colour_stamps)
    assert len(found.stamps) == 1 and found.mask[stamp & ~text].mean() > 0.9
    assert found.mask[text & ~stamp].mean() < 0.01


def test_faded_brown_letters_on_yellowed_paper_are_never_stamp_ink() -> None:
    page, text, _ = _page(FADED_BROWN, opacity=0.55)
    framing = pp.frame_page(page, page_frame=True)
    assert not framing.blank and framing.ink_blobs > 100  # faded letters are ink: read them
    result = preprocess(page, deskew=False)
    assert not result.colour_ink_mask.any()
    assert ink(result.ocr_image)[text].mean() > 0.8


def test_red_hues_wrap_around() -> None:
    assert circular_median(np.array([178.0, 179.0, 1.0, 2.0, 3.0])) == pytest.approx(1.0)
    assert circular_median(np.array([120.0, 125.0, 130.0])) == pytest.approx(125.0)
