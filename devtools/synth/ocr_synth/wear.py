"""Worn typefaces: a typewriter's chipped or ink-clogged letters print one flaw every strike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from ocr_synth.layout import TypedLine

WearKind = Literal["chip", "clog"]


@dataclass(frozen=True)
class Wear:
    """One typeface's flaw: a chip (a bite out of the face, at fractions of the glyph box) or a
    clog (dried ink filling the counters of е, о, а)."""

    kind: WearKind
    row: float = 0.5
    col: float = 0.5
    radius: float = 0.25
    depth: float = 0.9

    def apply(self, alpha: np.ndarray) -> np.ndarray:
        """The glyph's ink with this flaw (a new float32 array of the same shape)."""
        if self.kind == "clog":
            return _clogged(alpha)
        rows, cols = alpha.shape
        rr, cc = np.ogrid[:rows, :cols]
        scale = max(self.radius * max(rows, cols), 1.0)
        dist = np.hypot((rr - self.row * rows) / scale, (cc - self.col * cols) / scale)
        # Full bite inside the radius, fading over a further half radius: a worn, not cut, edge.
        bite = np.clip((1.5 - dist) / 0.5, 0.0, 1.0).astype(np.float32)
        return (alpha * (1.0 - self.depth * bite)).astype(np.float32)


def _clogged(alpha: np.ndarray) -> np.ndarray:
    """Close the glyph so small counters fill; the filling prints a little lighter than strokes."""
    size = max(3, round(min(alpha.shape) / 5) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    closed = cv2.morphologyEx(alpha, cv2.MORPH_CLOSE, kernel)
    return np.maximum(alpha, closed * np.float32(0.8)).astype(np.float32)


def typeface_wear(
    lines: Sequence[TypedLine], *, share: float, rng: np.random.Generator
) -> dict[str, Wear]:
    """This machine's flawed typefaces: about ``share`` of the characters typed, chosen by seed."""
    chars = sorted({ch for line in lines for ch in line.text if not ch.isspace()})
    wear: dict[str, Wear] = {}
    for char in chars:
        if rng.random() >= share:
            continue
        if char in "аеоасбдрАОЕ" and rng.random() < 0.5:
            wear[char] = Wear("clog")
        else:
            row, col = rng.uniform(0.1, 0.9, size=2)
            wear[char] = Wear(
                "chip",
                float(row),
                float(col),
                float(rng.uniform(0.15, 0.3)),
                float(rng.uniform(0.6, 1.0)),
            )
    return wear
