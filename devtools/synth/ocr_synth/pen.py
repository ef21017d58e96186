"""Pen marks drawn stroke by stroke: cursive signatures, underlines and marginal ticks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from ocr_synth.handwriting import _draw_path
from ocr_synth.ink import InkPatch
from ocr_synth.noise import gaussian_blur, smooth_field
from ocr_synth.regions import RegionType, rect_corners
from ocr_synth.style import BLUE_INK, RGB


def stroke_patch(
    paths: Sequence[np.ndarray], *, pen_px: float, rng: np.random.Generator
) -> InkPatch:
    """Draw pen paths ((n, 2) x, y page points) as one ink patch whose corners bound the ink."""
    points = np.vstack(paths)
    margin = int(np.ceil(pen_px * 2)) + 4
    left, top = np.floor(points.min(axis=0)).astype(int) - margin
    right, bottom = np.ceil(points.max(axis=0)).astype(int) + margin
    canvas = np.zeros((int(bottom - top), int(right - left)), dtype=np.uint8)
    for path in paths:
        _draw_path(canvas, path - (left, top), pen_px=pen_px, rng=rng)
    rows, cols = canvas.shape
    flow = 0.7 + 0.3 * smooth_field(rng, rows=rows, cols=cols, scale_px=max(rows, cols) / 4)
    alpha = gaussian_blur(canvas.astype(np.float32) / 255.0 * flow * rng.uniform(0.8, 0.95), 0.5)
    ink_rows, ink_cols = np.nonzero(alpha > 0.05)
    corners = rect_corners(
        left=left + ink_cols.min(),
        top=top + ink_rows.min(),
        right=left + ink_cols.max() + 1,
        bottom=top + ink_rows.max() + 1,
    )
    return InkPatch(alpha.astype(np.float32), int(top), int(left), corners)


@dataclass(frozen=True)
class Signature:
    """A cursive scribble: a looped capital, a run of loops that shrinks, often a flourish."""

    left: int
    top: int
    width: int = 380
    height: int = 110
    rgb: RGB = BLUE_INK
    pen_px: float = 4.0

    region_type: ClassVar[RegionType] = "signature"
    text: ClassVar[str] = ""

    def render(self, *, rng: np.random.Generator) -> InkPatch:
        """Write the signature inside (about) its box."""
        paths = [_capital(self, rng), _loops(self, rng)]
        if rng.random() < 0.7:
            paths.append(_flourish(self, rng))
        return stroke_patch(paths, pen_px=self.pen_px, rng=rng)


def _capital(sig: Signature, rng: np.random.Generator) -> np.ndarray:
    """The initial: a tall loop leaning right, written down then up."""
    h, w = sig.height, sig.height * rng.uniform(0.45, 0.7)
    x0, base = sig.left + w * 0.3, sig.top + h * 0.85
    t = np.linspace(0.0, 2 * np.pi * rng.uniform(0.9, 1.2), 9)
    xs = x0 + w * 0.45 * np.sin(t) + w * 0.25 * t / np.pi
    ys = base - h * 0.45 * (1 - np.cos(t)) * rng.uniform(0.9, 1.1)
    return np.column_stack([xs, ys]) + rng.normal(0.0, h * 0.03, (len(t), 2))


def _loops(sig: Signature, rng: np.random.Generator) -> np.ndarray:
    """Joined small letters as a trochoid: loops where the backward swing beats the advance."""
    count = int(rng.integers(4, 9))
    start = sig.left + sig.height * 0.6
    span = sig.width - sig.height * 0.6
    t = np.linspace(0.0, 2 * np.pi * count, count * 6 + 1)
    amp = sig.height * rng.uniform(0.18, 0.32) * np.linspace(1.0, rng.uniform(0.4, 0.9), t.size)
    swing = span / count * rng.uniform(0.2, 0.45)
    xs = start + span * t / t[-1] - swing * np.cos(t)
    ys = sig.top + sig.height * 0.7 - amp * (1 - np.cos(t)) + rng.normal(0.0, 2.0, t.size)
    return np.column_stack([xs, ys])


def _flourish(sig: Signature, rng: np.random.Generator) -> np.ndarray:
    """A long stroke back under the name, rising at its end."""
    y = sig.top + sig.height * rng.uniform(0.85, 1.0)
    xs = np.array(
        [
            sig.left + sig.width,
            sig.left + sig.width * 0.6,
            sig.left + sig.width * 0.2,
            sig.left + sig.width * 0.05,
        ]
    )
    ys = np.array([y - sig.height * 0.2, y, y + sig.height * 0.05, y - sig.height * 0.1])
    return np.column_stack([xs, ys]) + rng.normal(0.0, 3.0, (4, 2))


@dataclass(frozen=True)
class Underline:
    """A reader's pen or pencil line under typed words, from x ``left`` to ``right`` at ``row``."""

    left: int
    right: int
    row: int
    rgb: RGB = BLUE_INK
    pen_px: float = 3.0
    double: bool = False

    region_type: ClassVar[RegionType] = "underline"
    text: ClassVar[str] = ""

    def render(self, *, rng: np.random.Generator) -> InkPatch:
        """One or two slightly wavy, slightly sloping strokes."""
        paths = [self._stroke(self.row, rng)]
        if self.double:
            paths.append(self._stroke(self.row + round(self.pen_px * 3), rng))
        return stroke_patch(paths, pen_px=self.pen_px, rng=rng)

    def _stroke(self, row: int, rng: np.random.Generator) -> np.ndarray:
        xs = np.linspace(self.left, self.right, 6) + rng.normal(0.0, 3.0, 6)
        slope = rng.normal(0.0, 0.012) * (xs - self.left)
        return np.column_stack([xs, row + slope + rng.normal(0.0, 1.5, 6)])


MarkShape = Literal["tick", "bar", "cross"]


@dataclass(frozen=True)
class MarginMark:
    """A reader's mark in the margin: a tick, a vertical bar beside lines, or a cross."""

    left: int
    top: int
    height: int = 80
    shape: MarkShape = "tick"
    rgb: RGB = BLUE_INK
    pen_px: float = 3.5

    region_type: ClassVar[RegionType] = "margin_mark"
    text: ClassVar[str] = ""

    def render(self, *, rng: np.random.Generator) -> InkPatch:
        """The mark's strokes, jittered like a hand."""
        h, x, y = self.height, self.left, self.top
        if self.shape == "bar":
            paths = [np.array([[x, y], [x + 2, y + h * 0.5], [x - 1, y + h]], dtype=float)]
        elif self.shape == "cross":
            paths = [
                np.array([[x, y], [x + h * 0.6, y + h * 0.6]], dtype=float),
                np.array([[x + h * 0.6, y], [x, y + h * 0.6]], dtype=float),
            ]
        else:
            paths = [
                np.array(
                    [
                        [x, y + h * 0.5],
                        [x + h * 0.2, y + h * 0.8],
                        [x + h * 0.35, y + h],
                        [x + h * 0.6, y + h * 0.3],
                        [x + h * 0.8, y],
                    ],
                    dtype=float,
                )
            ]
        jittered = [p + rng.normal(0.0, h * 0.02, p.shape) for p in paths]
        return stroke_patch(jittered, pen_px=self.pen_px, rng=rng)
