"""Typed text as typebars leave it: fixed pitch, per-strike ink and baseline jitter, worn ribbon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from ocr_synth.fonts import typewriter_font
from ocr_synth.layout import TypedLine
from ocr_synth.noise import clip_unit, fine_field, gaussian_blur, scaled, smooth_field
from ocr_synth.regions import rect_corners
from ocr_synth.style import RenderStyle
from ocr_synth.wear import Wear, typeface_wear

EDGE_SOFTNESS = 0.09  # half-width of the strike-strength band over which an ink edge fades


@dataclass(frozen=True)
class Glyph:
    """A character's ink (float32 opacity) and the offset of its top-left from the pen position."""

    alpha: np.ndarray
    dx: int
    dy: int


@dataclass(frozen=True)
class TypedInk:
    """The typed-ink opacity layer of a page and each line's ink outline (pre-rotation corners)."""

    alpha: np.ndarray
    outlines: tuple[tuple[TypedLine, np.ndarray], ...]


@lru_cache(maxsize=4096)
def glyph(font_name: str, *, pitch_px: int, weight_px: int, char: str) -> Glyph | None:
    """The cropped ink of ``char`` at baseline origin, or None for a character that leaves none."""
    font = typewriter_font(font_name, pitch_px=pitch_px)
    left, top, right, bottom = map(int, font.getbbox(char, anchor="ls", stroke_width=weight_px))
    pad = 2 + weight_px
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text(
        (pad - left, pad - top),
        char,
        font=font,
        fill=255,
        anchor="ls",
        stroke_width=weight_px,
        stroke_fill=255,
    )
    ink = np.asarray(canvas, dtype=np.float32) / 255.0
    rows, cols = np.nonzero(ink > 0.02)
    if rows.size == 0:
        return None
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    return Glyph(crop.copy(), int(cols.min()) + left - pad, int(rows.min()) + top - pad)


def typebar_offsets(
    lines: Sequence[TypedLine], *, rng: np.random.Generator, sd_px: float
) -> dict[str, tuple[float, float]]:
    """This machine's fixed (dx, dy) misalignment per character: worn typebars strike off line."""
    chars = sorted({ch for line in lines for ch in line.text if not ch.isspace()})
    shifts = rng.normal(0.0, sd_px, size=(len(chars), 2))
    return {ch: (float(dx), float(dy)) for ch, (dx, dy) in zip(chars, shifts, strict=True)}


def _paste_max(layer: np.ndarray, ink: np.ndarray, *, top: int, left: int) -> None:
    """Put ``ink`` on ``layer`` at (top, left) keeping the darker value, clipped to the layer."""
    rows, cols = layer.shape
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + ink.shape[0], rows), min(left + ink.shape[1], cols)
    if r0 >= r1 or c0 >= c1:
        return
    patch = ink[r0 - top : r1 - top, c0 - left : c1 - left]
    np.maximum(layer[r0:r1, c0:c1], patch, out=layer[r0:r1, c0:c1])


def _fade(rng: np.random.Generator, rows: int, amount: float) -> np.ndarray:
    """A vertical ramp: a typebar hitting off-square prints one half of the glyph lighter."""
    light = 1.0 - rng.uniform(0.0, amount)
    ends = (1.0, light) if rng.random() < 0.5 else (light, 1.0)
    return np.linspace(ends[0], ends[1], rows, dtype=np.float32)[:, None]


def _strike_line(
    layer: np.ndarray,
    line: TypedLine,
    *,
    font_name: str,
    style: RenderStyle,
    offsets: dict[str, tuple[float, float]],
    rng: np.random.Generator,
    wear: dict[str, Wear] | None = None,
) -> np.ndarray | None:
    """Type one line onto ``layer``; return its ink corners, or None if it left no ink."""
    line_strength = 1.0 + rng.normal(0.0, style.line_strength_sd)
    bounds = [np.inf, np.inf, -np.inf, -np.inf]
    for index, char in enumerate(line.text):
        # A hard strike or clogged type prints bolder, filling the counters of е, а, о.
        heavy = int(rng.random() < style.heavy_strike_p)
        shape = glyph(
            font_name, pitch_px=style.pitch_px, weight_px=style.weight_px + heavy, char=char
        )
        if shape is None:
            continue
        shift_x, shift_y = offsets[char]
        left = (
            round(
                line.left
                + index * style.pitch_px
                + shift_x
                + rng.normal(0.0, style.pitch_jitter_px)
            )
            + shape.dx
        )
        top = round(line.baseline + shift_y + rng.normal(0.0, style.baseline_jitter_px)) + shape.dy
        strength = min(max(line_strength + rng.normal(0.0, style.strike_sd), 0.45), 1.1)
        ink = shape.alpha * strength * _fade(rng, shape.alpha.shape[0], style.half_fade)
        if wear and char in wear:
            ink = wear[char].apply(ink)
        _paste_max(layer, ink, top=top, left=left)
        if rng.random() < style.ghost_strike_p:
            _paste_max(layer, ink * 0.45, top=top + int(rng.integers(-2, 3)), left=left + 2)
        bounds = [
            min(bounds[0], left),
            min(bounds[1], top),
            max(bounds[2], left + ink.shape[1]),
            max(bounds[3], top + ink.shape[0]),
        ]
    if not np.isfinite(bounds[0]):
        return None
    return rect_corners(left=bounds[0], top=bounds[1], right=bounds[2], bottom=bounds[3])


def _ink(layer: np.ndarray, *, style: RenderStyle, rng: np.random.Generator) -> np.ndarray:
    """Strike strengths to ink: spread into fibres with ragged edges, worn ribbon, porous grain."""
    rows, cols = layer.shape
    spread = gaussian_blur(layer, style.ink_spread_px)
    near_ink = clip_unit(scaled(spread, 3.0, 0.0))
    ragged = scaled(
        fine_field(rng, rows=rows, cols=cols, sigma_px=0.8),
        style.edge_roughness,
        -style.edge_roughness / 2,
    )
    # A steep ramp round the threshold: weak strikes print thinner as well as lighter.
    ramp = 1.0 / (2 * EDGE_SOFTNESS)
    shaped = clip_unit(
        cv2.addWeighted(
            spread, ramp, cv2.multiply(ragged, near_ink), ramp, 0.5 - style.ink_threshold * ramp
        )
    )
    ribbon = scaled(
        smooth_field(rng, rows=rows, cols=cols, scale_px=180.0), -style.ribbon_wear, 1.0
    )
    # Pores: the brightest third of the grain field lightens the stroke by up to ink_grain.
    grain = clip_unit(scaled(fine_field(rng, rows=rows, cols=cols, sigma_px=1.2), 3.0, -1.05))
    pores = scaled(grain, -style.ink_grain, 1.0)
    return cv2.multiply(cv2.multiply(shaped, ribbon), pores, scale=style.ink_density)


def render_typed(
    lines: Sequence[TypedLine],
    *,
    font_name: str,
    style: RenderStyle,
    strike_rng: np.random.Generator,
    ink_rng: np.random.Generator,
) -> TypedInk:
    """Strike every line on a page-sized opacity layer and record each line's ink outline.

    ``strike_rng`` drives where and how hard each key lands, ``ink_rng`` the ribbon and paper
    texture: a carbon copy shares the first with its top copy and differs in the second.
    """
    layer = np.zeros((style.page_rows, style.page_cols), dtype=np.float32)
    offsets = typebar_offsets(lines, rng=strike_rng, sd_px=style.typebar_offset_px)
    # Drawn only when asked for, so that pages rendered before wear existed stay the same.
    wear = (
        typeface_wear(lines, share=style.worn_glyph_p, rng=strike_rng)
        if style.worn_glyph_p > 0
        else {}
    )
    outlines = []
    for line in lines:
        corners = _strike_line(
            layer,
            line,
            font_name=font_name,
            style=style,
            offsets=offsets,
            rng=strike_rng,
            wear=wear,
        )
        if corners is not None:
            outlines.append((line, corners))
    return TypedInk(_ink(layer, style=style, rng=ink_rng), tuple(outlines))


def show_through(alpha: np.ndarray, *, opacity: float, rng: np.random.Generator) -> np.ndarray:
    """Typing on the back of thin paper seen through it: mirrored, shifted, blurred and faint."""
    rows, cols = alpha.shape
    shift = np.array([[1, 0, rng.uniform(-60, 60)], [0, 1, rng.uniform(20, 60)]], dtype=np.float32)
    back = cv2.warpAffine(cv2.flip(alpha, 1), shift, (cols, rows), flags=cv2.INTER_NEAREST)
    return cv2.GaussianBlur(back, (0, 0), 2.5) * np.float32(opacity)
