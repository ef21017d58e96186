"""Render a typescript page (typing, stamps, handwriting) as a degraded scan with exact regions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ocr_synth.damage import binarise, damage_sheet
from ocr_synth.degrade import dust, paper, rotate_page, scanner, skew_angle, to_grey
from ocr_synth.fonts import available_typewriter_fonts
from ocr_synth.handwriting import Handwriting, render_handwriting
from ocr_synth.ink import apply_ink, apply_patch
from ocr_synth.layout import TypedLine
from ocr_synth.marks import Mark
from ocr_synth.regions import Region, RegionType, region_from_points, transform_points
from ocr_synth.scanbed import place_on_bed
from ocr_synth.stamp import Stamp, render_stamp
from ocr_synth.style import RenderStyle
from ocr_synth.typed import render_typed, show_through


@dataclass(frozen=True)
class PageSpec:
    """What is on the page, in unrotated page pixels; drawn in this order: typing, stamps, hand,
    then other marks (round stamps, signatures, underlines, margin ticks)."""

    lines: tuple[TypedLine, ...] = ()
    stamps: tuple[Stamp, ...] = ()
    handwriting: tuple[Handwriting, ...] = ()
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True, eq=False)
class RenderedPage:
    """A synthetic scan: (rows, cols, 3) RGB or (rows, cols) grey uint8, and where everything is."""

    image: np.ndarray
    regions: tuple[Region, ...]
    angle_deg: float
    font: str
    dpi: int
    style: RenderStyle = field(repr=False)

    @property
    def typed_text(self) -> str:
        """The typed lines' text in typing order, one line each."""
        return "\n".join(r.text for r in self.regions if r.type == "typed_line")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description of the page (everything but the pixels)."""
        rows, cols = self.image.shape[:2]
        return {
            "width": cols,
            "height": rows,
            "dpi": self.dpi,
            "angle_deg": round(self.angle_deg, 4),
            "font": self.font,
            "style": dataclasses.asdict(self.style),
            "regions": [r.to_dict() for r in self.regions],
        }


def _generator(seed: int | np.random.Generator) -> np.random.Generator:
    """A Generator from an int seed, or the caller's own Generator."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _font_name(style: RenderStyle, rng: np.random.Generator) -> str:
    """The style's typewriter font, or one chosen by the seed."""
    if style.font is not None:
        return style.font
    fonts = available_typewriter_fonts()
    return fonts[int(rng.integers(len(fonts)))]


def render_page(
    spec: PageSpec,
    *,
    seed: int | np.random.Generator,
    style: RenderStyle | None = None,
    typing_seed: int | None = None,
) -> RenderedPage:
    """Draw ``spec`` on paper, rotate the sheet, scan it; deterministic for a given seed and style.

    ``typing_seed`` (default: ``seed``) fixes the keystrokes alone: give a carbon copy its top
    copy's seed here and a seed of its own for the ink, paper and scan.
    """
    style = style or RenderStyle()
    # Children 0-5 are those of the first renderer, so old seeds still give the same pages.
    strike_rng, ink_rng, stamp_rng, hand_rng, paper_rng, scan_rng, mark_rng, damage_rng, bed_rng = (
        _generator(seed).spawn(9)
    )
    if typing_seed is not None:
        strike_rng = _generator(typing_seed).spawn(1)[0]
    font = _font_name(style, strike_rng)
    sheet = paper(style, rng=paper_rng)
    typed = render_typed(
        spec.lines, font_name=font, style=style, strike_rng=strike_rng, ink_rng=ink_rng
    )
    if style.show_through > 0:
        back = show_through(typed.alpha, opacity=style.show_through, rng=ink_rng)
        apply_ink(sheet, back, rgb=style.ink_rgb)
    apply_ink(sheet, typed.alpha, rgb=style.ink_rgb)
    outlines: list[tuple[RegionType, np.ndarray, str]] = [
        ("typed_line", corners, line.text) for line, corners in typed.outlines
    ]
    for stamp in spec.stamps:
        patch = render_stamp(stamp, rng=stamp_rng)
        apply_patch(sheet, patch, rgb=stamp.rgb)
        outlines.append(("stamp", patch.corners, stamp.text))
    for hand in spec.handwriting:
        patch = render_handwriting(hand, rng=hand_rng)
        apply_patch(sheet, patch, rgb=hand.rgb)
        outlines.append(("handwriting", patch.corners, hand.text))
    for mark in spec.marks:
        patch = mark.render(rng=mark_rng)
        apply_patch(sheet, patch, rgb=mark.rgb)
        outlines.append((mark.region_type, patch.corners, mark.text))
    outlines.extend(damage_sheet(sheet, style, rng=damage_rng))
    sheet, offset = place_on_bed(sheet, style.bed, rng=bed_rng)
    angle = skew_angle(style, rng=scan_rng)
    image, matrix = rotate_page((sheet * 255.0 + 0.5).astype(np.uint8), angle_deg=angle)
    dust(image, count=style.speckles, rng=scan_rng)
    grey = style.grayscale or style.bilevel
    image = scanner(to_grey(image) if grey else image, style, rng=scan_rng)
    if style.bilevel:
        image = binarise(image, threshold=style.bilevel_threshold)
    rows, cols = image.shape[:2]
    regions = tuple(
        region_from_points(
            kind,
            transform_points(corners + offset, matrix),
            text=text,
            page_rows=rows,
            page_cols=cols,
        )
        for kind, corners, text in outlines
    )
    return RenderedPage(image, regions, angle, font, style.dpi, style)
