"""How a synthetic scan looks: typewriter, ink, paper and scanner settings as one frozen record."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ocr_synth.fonts import available_typewriter_fonts

RGB = tuple[int, int, int]

VIOLET_STAMP: RGB = (112, 48, 196)
BLUE_INK: RGB = (28, 52, 150)
DARK_INK: RGB = (40, 40, 60)
BLUE_STAMP: RGB = (40, 70, 170)
RED_STAMP: RGB = (190, 40, 50)
BLACK_STAMP: RGB = (38, 36, 40)


@dataclass(frozen=True)
class RenderStyle:
    """Every knob of the renderer; A4 at 300 dpi and a 10-cpi pica typewriter by default."""

    page_rows: int = 3508
    page_cols: int = 2480
    dpi: int = 300
    font: str | None = "freemono"  # None: chosen by the seed among installed typewriter fonts
    pitch_px: int = 30  # 10 characters per inch
    weight_px: int = 1  # extra stroke: a typebar leaves a bolder mark than a thin digital face
    ink_rgb: RGB = (24, 24, 32)
    ink_density: float = 0.82  # opacity of a full strike on fresh ribbon
    strike_sd: float = 0.13  # per character: a lighter strike prints thinner and lighter
    line_strength_sd: float = 0.04  # per line: the typist's rhythm and the ribbon drift
    half_fade: float = 0.25  # up to this much lighter top or bottom of a glyph (misaligned typebar)
    baseline_jitter_px: float = 1.3
    pitch_jitter_px: float = 0.6
    typebar_offset_px: float = 1.5  # fixed per-character misalignment of this machine
    ribbon_wear: float = 0.3  # large-scale unevenness of the ribbon
    ink_grain: float = 0.45  # porous small-scale texture inside strokes
    ink_spread_px: float = 1.0  # Gaussian sigma: ink bleeding into paper fibres
    ink_threshold: float = 0.38  # strike strength where the ink edge falls; lower prints bolder
    edge_roughness: float = 0.45  # ragged glyph outlines
    ghost_strike_p: float = 0.01  # chance of a faint doubled strike
    heavy_strike_p: float = 0.06  # chance of a bold strike with filled counters
    show_through: float = 0.06  # opacity of the mirrored typing on the back of the sheet
    paper_rgb: RGB = (236, 230, 212)
    paper_blotch: float = 0.015  # large-scale tone variation
    paper_fibre: float = 0.025  # fine texture
    skew_deg: tuple[float, float] = (0.5, 1.5)  # page rotation magnitude range, sign random
    blur_sigma: float = 1.0
    sensor_noise: float = 3.0  # grey levels
    speckles: int = 250
    jpeg_quality: int = 70
    grayscale: bool = False
    # Damage added for benchmarks (ocr_synth.damage); the defaults leave a page as it was.
    worn_glyph_p: float = 0.0  # share of this machine's typefaces chipped or worn down
    illumination: float = 0.0  # depth of uneven lighting (a lamp or a curled sheet), 0..0.5
    folds: int = 0  # creases across the sheet
    punch_holes: int = 0  # filing holes at the left edge
    bilevel: bool = False  # a black-and-white scan: grey, then one threshold
    bilevel_threshold: float = 0.7  # of the paper's brightness: darker pixels print black
    bed: str = ""  # what the scan shows around the page: "", "dark_frame" or "gutter"


def carbon_copy(style: RenderStyle) -> RenderStyle:
    """A copy through carbon paper onto onionskin: fainter, softer, grainier, more show-through."""
    return dataclasses.replace(
        style,
        ink_rgb=(40, 40, 70),
        ink_density=0.72,
        strike_sd=0.1,
        ink_spread_px=1.4,
        ink_threshold=0.36,
        edge_roughness=0.5,
        ink_grain=0.5,
        ribbon_wear=0.15,
        show_through=0.08,
        blur_sigma=1.1,
        paper_rgb=(230, 228, 218),
    )


def _paper_tone(rng: np.random.Generator) -> RGB:
    """An aged-paper tone between greyish white and yellowed."""
    red, green, blue = rng.integers((224, 218, 196), (245, 240, 228))
    return int(red), int(green), int(blue)


def sample_style(rng: np.random.Generator, *, base: RenderStyle | None = None) -> RenderStyle:
    """A random but readable style around ``base`` (for synthetic benchmarks)."""
    base = base or RenderStyle()
    fonts = available_typewriter_fonts()
    style = dataclasses.replace(
        base,
        font=fonts[int(rng.integers(len(fonts)))],
        weight_px=int(rng.integers(0, 2)),
        ink_density=float(rng.uniform(0.7, 0.95)),
        strike_sd=float(rng.uniform(0.06, 0.15)),
        baseline_jitter_px=float(rng.uniform(0.6, 1.6)),
        typebar_offset_px=float(rng.uniform(0.5, 1.8)),
        ribbon_wear=float(rng.uniform(0.1, 0.35)),
        ink_grain=float(rng.uniform(0.2, 0.5)),
        ink_spread_px=float(rng.uniform(0.6, 1.3)),
        edge_roughness=float(rng.uniform(0.2, 0.5)),
        heavy_strike_p=float(rng.uniform(0.0, 0.08)),
        show_through=float(rng.uniform(0.0, 0.08)),
        paper_rgb=_paper_tone(rng),
        blur_sigma=float(rng.uniform(0.6, 1.1)),
        sensor_noise=float(rng.uniform(1.5, 4.0)),
        speckles=int(rng.integers(50, 350)),
        jpeg_quality=int(rng.integers(65, 90)),
    )
    return carbon_copy(style) if rng.random() < 0.25 else style
