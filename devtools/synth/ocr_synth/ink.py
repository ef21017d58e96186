"""Ink patches and subtractive compositing: each ink filters the light the paper reflects."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr_synth.style import RGB


@dataclass(frozen=True, eq=False)
class InkPatch:
    """An opacity patch (float32 in [0, 1]) placed at (top, left), with its outline on the page."""

    alpha: np.ndarray
    top: int
    left: int
    corners: np.ndarray  # (n, 2) x, y points before the page is rotated


def apply_ink(
    page: np.ndarray, alpha: np.ndarray, *, rgb: RGB, top: int = 0, left: int = 0
) -> None:
    """Multiply ``page`` (rows, cols, 3 float in [0, 1]) by the ink's transmission, in place."""
    rows, cols = page.shape[:2]
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + alpha.shape[0], rows), min(left + alpha.shape[1], cols)
    if r0 >= r1 or c0 >= c1:
        return
    opacity = np.ascontiguousarray(
        alpha[r0 - top : r1 - top, c0 - left : c1 - left], dtype=np.float32
    )
    # Per channel with OpenCV: a broadcast numpy product makes page-sized temporaries (slow).
    channels = [
        cv2.multiply(channel, cv2.addWeighted(opacity, value / 255.0 - 1.0, opacity, 0.0, 1.0))
        for channel, value in zip(cv2.split(page[r0:r1, c0:c1]), rgb, strict=True)
    ]
    page[r0:r1, c0:c1] = cv2.merge(channels)


def apply_patch(page: np.ndarray, patch: InkPatch, *, rgb: RGB) -> None:
    """Composite an :class:`InkPatch` onto the page."""
    apply_ink(page, patch.alpha, rgb=rgb, top=patch.top, left=patch.left)
