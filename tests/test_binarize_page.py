"""binarize_page: the binary of the page render_frame made is taken back by detection, never
another page's."""

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
    preprocess._last_binarized = None


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
