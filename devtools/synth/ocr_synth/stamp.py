"""Rubber stamps: framed lines of lettering in saturated ink, pressed unevenly at a slight angle."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr_synth.fonts import stamp_font
from ocr_synth.ink import InkPatch
from ocr_synth.noise import fine_field, gaussian_blur, smooth_field
from ocr_synth.regions import rect_corners, rotation_matrix, transform_points
from ocr_synth.style import RGB, VIOLET_STAMP


@dataclass(frozen=True)
class Stamp:
    """A rectangular stamp; an empty line leaves a blank field (for a handwritten entry)."""

    lines: tuple[str, ...]
    left: int
    top: int
    width: int
    height: int
    angle_deg: float | None = None  # None: a random 1-4 degrees either way
    rgb: RGB = VIOLET_STAMP
    font: str = "ptsans-bold"
    font_px: int = 42
    rules_after: tuple[int, ...] = ()  # draw a horizontal rule under these line indices

    @property
    def text(self) -> str:
        """The stamp's lettering, one line per text line, blank fields left out."""
        return "\n".join(line for line in self.lines if line.strip())


def _fitted_font(stamp: Stamp, draw: ImageDraw.ImageDraw, inner_px: int) -> ImageFont.FreeTypeFont:
    """The stamp font, shrunk until the widest line fits between the frame's inner edges."""
    size = stamp.font_px
    while True:
        font = stamp_font(stamp.font, size_px=size)
        widest = max((draw.textlength(line, font=font) for line in stamp.lines), default=0)
        if widest <= inner_px or size <= 12:
            return font
        size -= 2


def _letter_stamp(stamp: Stamp) -> np.ndarray:
    """The clean stamp face: double frame, centred lines, rules; float32 opacity."""
    canvas = Image.new("L", (stamp.width, stamp.height), 0)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, stamp.width - 1, stamp.height - 1), outline=255, width=7)
    draw.rectangle((12, 12, stamp.width - 13, stamp.height - 13), outline=255, width=2)
    font = _fitted_font(stamp, draw, stamp.width - 60)
    pitch = (stamp.height - 40) / max(len(stamp.lines), 1)
    for index, line in enumerate(stamp.lines):
        centre_row = 20 + (index + 0.5) * pitch
        draw.text((stamp.width / 2, centre_row), line, font=font, fill=255, anchor="mm")
        if index in stamp.rules_after:
            rule_row = round(20 + (index + 1) * pitch)
            draw.line((12, rule_row, stamp.width - 13, rule_row), fill=255, width=3)
    return np.asarray(canvas, dtype=np.float32) / 255.0


def _press(face: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """Rubber on paper: ink bleeds to ragged edges, the press tilts, ink is patchy, pores dry."""
    rows, cols = face.shape
    spread = gaussian_blur(face, 1.2)
    ragged = (fine_field(rng, rows=rows, cols=cols, sigma_px=1.0) - 0.5) * 0.6
    shape = np.clip((spread + ragged * np.clip(spread * 3, 0, 1) - 0.35) / 0.2, 0.0, 1.0)
    blots = smooth_field(rng, rows=rows, cols=cols, scale_px=min(rows, cols) / 4)
    patchy = np.clip(0.45 + 0.8 * blots, 0.0, 1.0)
    direction = rng.uniform(0.0, 2 * np.pi)
    ramp_r, ramp_c = np.mgrid[0:rows, 0:cols].astype(np.float32)
    ramp = np.cos(direction) * ramp_c / cols + np.sin(direction) * ramp_r / rows
    tilt = 1.0 - 0.3 * (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    pores = np.clip((fine_field(rng, rows=rows, cols=cols, sigma_px=1.5) - 0.15) * 4, 0.15, 1.0)
    pressed = shape * patchy * tilt * pores * rng.uniform(0.9, 1.0)
    return np.clip(gaussian_blur(pressed, 0.6), 0.0, 1.0).astype(np.float32)


def render_stamp(stamp: Stamp, *, rng: np.random.Generator) -> InkPatch:
    """Press ``stamp`` onto the page, rotated about its centre (which stays where the spec says)."""
    angle = stamp.angle_deg
    if angle is None:
        angle = float(rng.uniform(1.0, 4.0) * rng.choice((-1.0, 1.0)))
    ink = _press(_letter_stamp(stamp), rng=rng)
    rows, cols = ink.shape
    frame = rect_corners(left=0, top=0, right=cols, bottom=rows)
    matrix = rotation_matrix(centre_xy=(cols / 2, rows / 2), angle_deg=angle)
    turned = transform_points(frame, matrix)
    shift = np.floor(turned.min(axis=0)) - 2
    matrix[:, 2] -= shift
    size = np.ceil(turned.max(axis=0) - shift).astype(int) + 2
    patch = cv2.warpAffine(
        ink,
        matrix,
        (int(size[0]), int(size[1])),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    left, top = stamp.left + int(shift[0]), stamp.top + int(shift[1])
    corners = transform_points(frame, matrix) + (left, top)
    return InkPatch(patch, top, left, corners)
