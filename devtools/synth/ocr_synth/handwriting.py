"""Handwritten numbers drawn as pen strokes (jittered splines of varying width), not with a font."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr_synth.ink import InkPatch
from ocr_synth.noise import gaussian_blur, smooth_field
from ocr_synth.regions import rect_corners
from ocr_synth.style import BLUE_INK, RGB

Stroke = tuple[tuple[float, float], ...]

# Control points of each character in a box 1 high (y down), as a Russian clerk writes them.
STROKES: dict[str, tuple[Stroke, ...]] = {
    "0": (
        (
            (0.32, 0.0),
            (0.08, 0.15),
            (0.02, 0.5),
            (0.12, 0.88),
            (0.32, 1.0),
            (0.52, 0.85),
            (0.58, 0.5),
            (0.5, 0.12),
            (0.3, 0.0),
            (0.2, 0.06),
        ),
    ),
    "1": (((0.04, 0.32), (0.36, 0.0), (0.33, 0.5), (0.3, 1.0)),),
    "2": (
        (
            (0.04, 0.22),
            (0.18, 0.03),
            (0.4, 0.0),
            (0.55, 0.15),
            (0.5, 0.4),
            (0.25, 0.7),
            (0.02, 0.98),
            (0.3, 0.95),
            (0.62, 0.97),
        ),
    ),
    "3": (
        (
            (0.05, 0.12),
            (0.25, 0.0),
            (0.5, 0.06),
            (0.52, 0.25),
            (0.3, 0.44),
            (0.22, 0.46),
            (0.45, 0.52),
            (0.58, 0.72),
            (0.48, 0.93),
            (0.25, 1.0),
            (0.02, 0.9),
        ),
    ),
    "4": (
        ((0.38, 0.0), (0.15, 0.45), (0.02, 0.68), (0.4, 0.66), (0.62, 0.64)),
        ((0.5, 0.3), (0.46, 0.65), (0.42, 1.0)),
    ),
    "5": (
        (
            (0.15, 0.0),
            (0.08, 0.45),
            (0.32, 0.38),
            (0.55, 0.52),
            (0.57, 0.78),
            (0.42, 0.97),
            (0.2, 1.0),
            (0.02, 0.88),
        ),
        ((0.15, 0.02), (0.4, 0.0), (0.6, -0.02)),
    ),
    "6": (
        (
            (0.5, 0.02),
            (0.25, 0.15),
            (0.06, 0.5),
            (0.08, 0.85),
            (0.3, 1.0),
            (0.52, 0.88),
            (0.55, 0.65),
            (0.35, 0.5),
            (0.15, 0.58),
            (0.07, 0.72),
        ),
    ),
    "7": (((0.02, 0.08), (0.3, 0.02), (0.6, 0.0), (0.4, 0.45), (0.22, 1.0)),),
    "8": (
        (
            (0.5, 0.12),
            (0.3, 0.0),
            (0.08, 0.12),
            (0.12, 0.35),
            (0.3, 0.48),
            (0.52, 0.62),
            (0.55, 0.88),
            (0.3, 1.0),
            (0.05, 0.88),
            (0.08, 0.65),
            (0.3, 0.48),
            (0.48, 0.35),
            (0.52, 0.15),
        ),
    ),
    "9": (
        (
            (0.52, 0.2),
            (0.35, 0.02),
            (0.12, 0.05),
            (0.05, 0.3),
            (0.2, 0.48),
            (0.45, 0.4),
            (0.55, 0.2),
            (0.52, 0.55),
            (0.42, 0.8),
            (0.3, 1.0),
        ),
    ),
    "-": (((0.05, 0.55), (0.45, 0.53)),),
    "/": (((0.55, 0.0), (0.05, 1.0)),),
    ".": (((0.1, 0.94), (0.14, 0.97)),),
}
ADVANCE: dict[str, float] = {"1": 0.42, "-": 0.5, "/": 0.6, ".": 0.25}
DEFAULT_ADVANCE = 0.62


@dataclass(frozen=True)
class Handwriting:
    """Characters written by hand in a box whose top-left is (left, top) and ``height`` tall."""

    text: str
    left: int
    top: int
    height: int = 90
    rgb: RGB = BLUE_INK
    pen_px: float = 5.0
    slant: float | None = None  # shear of upright strokes; None: random 0.1-0.3


def catmull_rom(points: np.ndarray, *, samples: int = 16) -> np.ndarray:
    """A smooth curve through ``points`` ((n, 2) x, y), sampled ``samples`` times per span."""
    padded = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[:, None]
    spans = []
    for p0, p1, p2, p3 in zip(padded, padded[1:], padded[2:], padded[3:], strict=False):
        spans.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    spans.append(points[-1:])
    return np.vstack(spans)


def _resample(curve: np.ndarray, *, step_px: float) -> np.ndarray:
    """Points along ``curve`` every ``step_px`` of arc length (so pen dabs overlap smoothly)."""
    seg = np.hypot(*np.diff(curve, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    count = max(2, int(arc[-1] / step_px) + 1)
    where = np.linspace(0.0, arc[-1], count)
    return np.column_stack([np.interp(where, arc, curve[:, 0]), np.interp(where, arc, curve[:, 1])])


def _pen_widths(count: int, *, pen_px: float, rng: np.random.Generator) -> np.ndarray:
    """Stroke width along a stroke: pressure swells mid-stroke and tapers at lift-off."""
    s = np.linspace(0.0, 1.0, count)
    swell = 0.75 + 0.25 * np.sin(np.pi * s) + rng.normal(0.0, 0.04)
    taper = np.minimum(1.0, 0.45 + np.minimum(s, 1.0 - s * rng.uniform(0.8, 1.0)) * 6.0)
    return pen_px * swell * taper


def _char_strokes(
    char: str, *, origin: tuple[float, float], height: float, slant: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """The pen paths of one character in page pixels, jittered like a hand (never twice alike)."""
    if char not in STROKES:
        raise ValueError(f"no handwriting strokes for {char!r}; supported: {''.join(STROKES)}")
    scale = height * rng.uniform(0.9, 1.08)
    paths = []
    for stroke in STROKES[char]:
        unit = np.asarray(stroke, dtype=np.float64) + rng.normal(0.0, 0.025, (len(stroke), 2))
        unit[:, 0] += slant * (1.0 - unit[:, 1])
        paths.append(unit * scale + origin)
    return paths


def _draw_path(
    canvas: np.ndarray, path: np.ndarray, *, pen_px: float, rng: np.random.Generator
) -> None:
    """Dab round pen marks of varying radius along a smoothed path (anti-aliased, subpixel)."""
    dots = _resample(catmull_rom(path), step_px=0.6)
    widths = _pen_widths(len(dots), pen_px=pen_px, rng=rng)
    fixed = 16  # cv2 shift=4: coordinates in 1/16 px
    for (x, y), width in zip(dots, widths, strict=True):
        cv2.circle(
            canvas,
            (round(x * fixed), round(y * fixed)),
            max(1, round(width / 2 * fixed)),
            255,
            thickness=-1,
            lineType=cv2.LINE_AA,
            shift=4,
        )


def render_handwriting(hand: Handwriting, *, rng: np.random.Generator) -> InkPatch:
    """Write ``hand.text`` with a pen; the patch's corners bound the ink exactly."""
    if not hand.text.strip():
        raise ValueError("handwriting needs at least one visible character")
    slant = hand.slant if hand.slant is not None else float(rng.uniform(0.1, 0.3))
    margin = round(hand.height * 0.6 + hand.pen_px)
    width = round(hand.height * (DEFAULT_ADVANCE + 0.1) * len(hand.text)) + 2 * margin
    canvas = np.zeros((hand.height + 2 * margin, width), dtype=np.uint8)
    pen_x = float(margin)
    for char in hand.text:
        if not char.isspace():
            for path in _char_strokes(
                char,
                origin=(pen_x, margin + rng.normal(0.0, 2.0)),
                height=hand.height,
                slant=slant,
                rng=rng,
            ):
                _draw_path(canvas, path, pen_px=hand.pen_px, rng=rng)
        pen_x += hand.height * (ADVANCE.get(char, DEFAULT_ADVANCE) + rng.uniform(0.0, 0.12))
    flow = 0.7 + 0.3 * smooth_field(
        rng, rows=canvas.shape[0], cols=canvas.shape[1], scale_px=hand.height / 2
    )
    alpha = gaussian_blur(canvas.astype(np.float32) / 255.0 * flow * rng.uniform(0.85, 0.95), 0.5)
    rows, cols = np.nonzero(alpha > 0.05)
    top, left = hand.top - margin, hand.left - margin
    corners = rect_corners(
        left=left + cols.min(),
        top=top + rows.min(),
        right=left + cols.max() + 1,
        bottom=top + rows.max() + 1,
    )
    return InkPatch(alpha, top, left, corners)
