"""binarize_page and page_colour_mask: what preprocessing made of a page is taken back by
detection on the very same pixels, never for another page."""

from __future__ import annotations

import numpy as np
import pytest

from ocr import preprocess
from ocr.preprocess import binarize, binarize_page


def _page(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    page = np.full((120, 90), 235, np.uint8)
    for _ in range(40):
        top, left = rng.integers(0, 110), rng.integers(0, 80)
        page[top : top + 6, left : left + 8] = rng.integers(0, 120)
    return page


@pytest.fixture(autouse=True)
def _clear() -> None:
    preprocess._BINARIZED.clear()


def test_same_as_binarize() -> None:
    page = _page(1)
    assert np.array_equal(binarize_page(page), binarize(page))
    assert np.array_equal(binarize_page(page, keep=True), binarize(page))


def test_kept_binary_taken_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    page = _page(2)
    made = binarize_page(page, keep=True)
    calls: list[int] = []
    monkeypatch.setattr(preprocess, "binarize", lambda g: calls.append(1) or binarize(g))
    again = binarize_page(page.copy())  # the same pixels decoded again
    assert calls == [] and np.array_equal(again, made)
    binarize_page(page.copy())  # taken back: the next call binarizes
    assert calls == [1]


def test_other_pixels_binarized(monkeypatch: pytest.MonkeyPatch) -> None:
    page, other = _page(3), _page(4)
    kept = binarize_page(page, keep=True)
    kept[:] = 7  # the caller's copy may change; the kept one may not
    other[0, 0] = 1 if other[0, 0] != 1 else 2
    assert np.array_equal(binarize_page(other), binarize(other))
    assert np.array_equal(binarize_page(page), binarize(page))


def _colour_page() -> np.ndarray:
    page = np.full((120, 90, 3), (225, 235, 240), np.uint8)
    page[20:60, 20:70] = (170, 60, 120)  # violet ink
    page[80:84, 10:80] = (30, 30, 30)  # black typing
    return page


def test_colour_mask_taken_back_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr import inkcolour
    from ocr.inkcolour import NEUTRAL, foreign_colour_mask, page_colour_mask

    inkcolour._MASKED.clear()
    page = _colour_page()
    made = page_colour_mask(page, NEUTRAL, keep=True)
    assert made.any() and np.array_equal(made, foreign_colour_mask(page, NEUTRAL))
    calls: list[int] = []
    plain = inkcolour.foreign_colour_mask
    monkeypatch.setattr(
        inkcolour, "foreign_colour_mask", lambda b, t: calls.append(1) or plain(b, t)
    )
    made[:] = False  # the caller's mask may change; the kept one may not
    assert np.array_equal(page_colour_mask(page.copy(), NEUTRAL), plain(page, NEUTRAL))
    assert calls == []
    page_colour_mask(page.copy(), NEUTRAL)  # taken back: masked again
    assert calls == [1]


def test_colour_mask_of_another_page_or_text_colour() -> None:
    from ocr import inkcolour
    from ocr.inkcolour import NEUTRAL, InkColour, foreign_colour_mask, page_colour_mask

    inkcolour._MASKED.clear()
    page = _colour_page()
    violet = InkColour("violet", 150.0, 60.0, 10)
    assert not np.array_equal(foreign_colour_mask(page, violet), foreign_colour_mask(page, NEUTRAL))
    page_colour_mask(page, NEUTRAL, keep=True)
    assert np.array_equal(page_colour_mask(page, violet), foreign_colour_mask(page, violet))
    page_colour_mask(page, NEUTRAL, keep=True)
    other = page.copy()
    other[30, 30] = (225, 235, 240)
    assert np.array_equal(page_colour_mask(other, NEUTRAL), foreign_colour_mask(other, NEUTRAL))
