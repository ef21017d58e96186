"""Round rubber stamps: lettering around a double ring and a few centred lines inside."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr_synth.fonts import stamp_font
from ocr_synth.ink import InkPatch
from ocr_synth.regions import RegionType, rotation_matrix
from ocr_synth.stamp import _press
from ocr_synth.style import RGB, VIOLET_STAMP

RING_FILL = 0.93  # share of the circle the ring lettering may take; the rest is a gap or a star


@dataclass(frozen=True)
class RoundStamp:
    """A round seal ``diameter`` across with its bounding square's top-left at (left, top)."""

    ring: str
    centre: tuple[str, ...]
    left: int
    top: int
    diameter: int = 420
    rgb: RGB = VIOLET_STAMP
    font: str = "ptsans-bold"
    angle_deg: float | None = None  # None: the ring starts at a random angle

    region_type: ClassVar[RegionType] = "stamp"

    @property
    def text(self) -> str:
        """Ring lettering, then the centre lines."""
        return "\n".join([self.ring, *(line for line in self.centre if line.strip())])

    def render(self, *, rng: np.random.Generator) -> InkPatch:
        """Press the seal; the patch's corners are the turned square around the disc."""
        angle = self.angle_deg if self.angle_deg is not None else float(rng.uniform(-180, 180))
        ink = _press(_face(self), rng=rng)
        size = ink.shape[0]
        matrix = rotation_matrix(centre_xy=(size / 2, size / 2), angle_deg=angle)
        turned = cv2.warpAffine(
            ink,
            matrix,
            (size, size),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return InkPatch(turned, self.top, self.left, _disc(turned, left=self.left, top=self.top))


def _disc(ink: np.ndarray, *, left: int, top: int) -> np.ndarray:
    """A 32-gon round the inked disc (its centre and reach measured on the ink), page points."""
    rows, cols = np.nonzero(ink > 0.05)
    centre_x, centre_y = ink.shape[1] / 2, ink.shape[0] / 2
    reach = float(np.hypot(cols + 0.5 - centre_x, rows + 0.5 - centre_y).max()) + 1.0
    # A polygon inscribed in its circle cuts the rim between vertices: widen by 1/cos(pi/32).
    reach /= math.cos(math.pi / 32)
    angles = np.linspace(0.0, 2 * math.pi, 32, endpoint=False)
    return np.column_stack(
        [left + centre_x + reach * np.cos(angles), top + centre_y + reach * np.sin(angles)]
    )


def _face(stamp: RoundStamp) -> np.ndarray:
    """The clean seal face: two rings, ring lettering, centre lines; float32 opacity."""
    size = stamp.diameter
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((3, 3, size - 4, size - 4), outline=255, width=max(4, size // 70))
    inner = round(size * 0.17)
    draw.ellipse(
        (inner, inner, size - 1 - inner, size - 1 - inner), outline=255, width=max(2, size // 160)
    )
    _ring_text(canvas, stamp.ring, font_name=stamp.font, radius=size * 0.415, size=size)
    _centre_text(draw, stamp, inner=inner)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _ring_font(text: str, *, font_name: str, radius: float, size: int) -> ImageFont.FreeTypeFont:
    """The largest font (up to the ring's width) whose lettering fits around the circle."""
    px = round(size * 0.1)
    while px > 10:
        font = stamp_font(font_name, size_px=px)
        if font.getlength(text + " ") <= 2 * math.pi * radius * RING_FILL:
            return font
        px -= 2
    return stamp_font(font_name, size_px=10)


def _ring_text(canvas: Image.Image, text: str, *, font_name: str, radius: float, size: int) -> None:
    """Letter ``text`` clockwise round the ring, each glyph upright to the circle."""
    font = _ring_font(text, font_name=font_name, radius=radius, size=size)
    advances = [font.getlength(ch) for ch in text + " "]
    spread = 2 * math.pi * radius * RING_FILL / sum(advances)  # letter-space to fill the ring
    theta = -math.pi * RING_FILL  # start left of the top so the text is centred on it
    box = round(font.size * 1.6)
    for char, advance in zip(text, advances, strict=False):
        step = advance * spread / radius
        mid = theta + step / 2
        theta += step
        if char.isspace():
            continue
        glyph = Image.new("L", (box, box), 0)
        ImageDraw.Draw(glyph).text((box / 2, box / 2), char, font=font, fill=255, anchor="mm")
        turned = glyph.rotate(-math.degrees(mid), resample=Image.Resampling.BILINEAR)
        x = size / 2 + radius * math.sin(mid) - box / 2
        y = size / 2 - radius * math.cos(mid) - box / 2
        canvas.paste(turned, (round(x), round(y)), turned)


def _centre_text(draw: ImageDraw.ImageDraw, stamp: RoundStamp, *, inner: int) -> None:
    """Up to three short lines centred in the inner disc."""
    lines = [line for line in stamp.centre if line.strip()] or ["*"]
    room = stamp.diameter - 2 * inner
    px = round(room / (len(lines) + 1.5))
    font = stamp_font(stamp.font, size_px=px)
    while px > 12 and max(font.getlength(line) for line in lines) > room * 0.8:
        px -= 2
        font = stamp_font(stamp.font, size_px=px)
    centre = stamp.diameter / 2
    for index, line in enumerate(lines):
        row = centre + (index - (len(lines) - 1) / 2) * px * 1.15
        draw.text((centre, row), line, font=font, fill=255, anchor="mm")
