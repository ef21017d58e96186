"""Degradation levels (clean, light, medium, heavy) and scan variants as render styles."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ocr_synth.fonts import available_typewriter_fonts
from ocr_synth.style import RenderStyle, carbon_copy

Variant = Literal["colour", "grey", "bilevel"]
LEVELS = ("clean", "light", "medium", "heavy")
VARIANTS: tuple[Variant, ...] = ("colour", "grey", "bilevel")
Span = tuple[float, float]


@dataclass(frozen=True)
class Level:
    """Ranges a level draws its style from (each a (low, high) pair), and damage odds."""

    ink_density: Span
    strike_sd: Span
    baseline_jitter_px: Span
    typebar_offset_px: Span
    ribbon_wear: Span
    ink_grain: Span
    ink_spread_px: Span
    edge_roughness: Span
    heavy_strike_p: Span
    show_through: Span
    skew_deg: Span
    blur_sigma: Span
    sensor_noise: Span
    speckles: Span
    jpeg_quality: Span
    illumination: Span
    bilevel_threshold: Span
    worn_glyph_p: float
    carbon_p: float
    fold_p: float
    holes_p: float


LEVEL_TABLE: dict[str, Level] = {
    "clean": Level(
        (0.86, 0.95),
        (0.04, 0.07),
        (0.4, 0.8),
        (0.3, 0.7),
        (0.05, 0.15),
        (0.15, 0.3),
        (0.6, 0.9),
        (0.15, 0.3),
        (0.0, 0.02),
        (0.0, 0.02),
        (0.0, 0.4),
        (0.5, 0.7),
        (1.0, 2.0),
        (10, 50),
        (88, 95),
        (0.0, 0.0),
        (0.72, 0.76),
        0.0,
        0.0,
        0.0,
        0.1,
    ),
    "light": Level(
        (0.8, 0.92),
        (0.07, 0.11),
        (0.8, 1.3),
        (0.6, 1.3),
        (0.15, 0.3),
        (0.3, 0.45),
        (0.8, 1.1),
        (0.3, 0.45),
        (0.02, 0.05),
        (0.02, 0.05),
        (0.3, 1.2),
        (0.7, 1.0),
        (2.0, 3.5),
        (100, 300),
        (75, 90),
        (0.0, 0.1),
        (0.68, 0.74),
        0.03,
        0.15,
        0.3,
        0.3,
    ),
    "medium": Level(
        (0.7, 0.85),
        (0.1, 0.15),
        (1.2, 1.8),
        (1.2, 2.0),
        (0.25, 0.4),
        (0.4, 0.55),
        (1.0, 1.35),
        (0.4, 0.55),
        (0.05, 0.1),
        (0.04, 0.08),
        (0.8, 2.0),
        (0.9, 1.25),
        (3.0, 5.0),
        (300, 700),
        (60, 78),
        (0.1, 0.25),
        (0.63, 0.7),
        0.08,
        0.35,
        0.5,
        0.5,
    ),
    "heavy": Level(
        (0.58, 0.75),
        (0.13, 0.19),
        (1.6, 2.3),
        (1.6, 2.5),
        (0.35, 0.5),
        (0.5, 0.62),
        (1.25, 1.7),
        (0.5, 0.62),
        (0.08, 0.14),
        (0.06, 0.11),
        (1.5, 3.0),
        (1.15, 1.6),
        (5.0, 8.0),
        (700, 1500),
        (40, 62),
        (0.2, 0.38),
        (0.59, 0.66),
        0.15,
        0.55,
        0.7,
        0.6,
    ),
}


def _draw(rng: np.random.Generator, span: Span) -> float:
    return float(rng.uniform(*span)) if span[1] > span[0] else float(span[0])


def level_style(
    level: str, *, variant: Variant, rng: np.random.Generator, fonts: Sequence[str] = ()
) -> RenderStyle:
    """A style for one page of ``level`` (300 dpi), scanned as ``variant``, in one of ``fonts``
    (default: every installed typewriter face)."""
    if level not in LEVEL_TABLE:
        raise ValueError(f"unknown degradation level {level!r}; choose from {', '.join(LEVELS)}")
    table = LEVEL_TABLE[level]
    fonts = tuple(fonts) or available_typewriter_fonts(extra=True)
    font = fonts[int(rng.integers(len(fonts)))]
    weight_px = int(rng.integers(0, 2))  # drawn before the knobs below: a seed's pages stay put
    # RenderStyle's float knobs drawn from the level's ranges (checked by the dataclass)
    drawn: dict[str, Any] = {
        name: _draw(rng, getattr(table, name))
        for name in (
            "ink_density",
            "strike_sd",
            "baseline_jitter_px",
            "typebar_offset_px",
            "ribbon_wear",
            "ink_grain",
            "ink_spread_px",
            "edge_roughness",
            "heavy_strike_p",
            "show_through",
            "blur_sigma",
            "sensor_noise",
            "illumination",
            "bilevel_threshold",
        )
    }
    style = RenderStyle(
        font=font,
        weight_px=weight_px,
        **drawn,
        skew_deg=table.skew_deg,
        speckles=int(_draw(rng, table.speckles)),
        jpeg_quality=int(_draw(rng, table.jpeg_quality)),
        worn_glyph_p=table.worn_glyph_p,
        folds=int(rng.random() < table.fold_p) + int(level == "heavy" and rng.random() < 0.3),
        punch_holes=2 if rng.random() < table.holes_p else 0,
    )
    if rng.random() < table.carbon_p:
        carbon = carbon_copy(style)
        style = dataclasses.replace(
            carbon,
            ink_density=min(carbon.ink_density, style.ink_density),
            blur_sigma=max(carbon.blur_sigma, style.blur_sigma),
        )
    return _as_variant(style, variant)


def _as_variant(style: RenderStyle, variant: Variant) -> RenderStyle:
    """Colour as rendered; grey; or bilevel (grey, thresholded, lossless: no JPEG blocking)."""
    if variant == "grey":
        return dataclasses.replace(style, grayscale=True)
    if variant == "bilevel":
        return dataclasses.replace(style, bilevel=True, jpeg_quality=95)
    return style


def scale_style(style: RenderStyle, *, dpi: int) -> RenderStyle:
    """The same look at another resolution: page size and every length in pixels scaled."""
    factor = dpi / style.dpi
    if factor == 1:
        return style
    return dataclasses.replace(
        style,
        dpi=dpi,
        page_rows=round(style.page_rows * factor),
        page_cols=round(style.page_cols * factor),
        pitch_px=round(style.pitch_px * factor),
        weight_px=round(style.weight_px * factor),
        baseline_jitter_px=style.baseline_jitter_px * factor,
        pitch_jitter_px=style.pitch_jitter_px * factor,
        typebar_offset_px=style.typebar_offset_px * factor,
        ink_spread_px=style.ink_spread_px * factor,
        blur_sigma=style.blur_sigma * factor,
    )
