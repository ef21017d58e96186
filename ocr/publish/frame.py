"""Where a word box lands on a published page: affine maps from box pixels to PDF user space."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Affine:
    """x' = a*x + c*y + e, y' = b*x + d*y + f (PDF's [a b c d e f] order)."""

    a: float = 1.0
    b: float = 0.0
    c: float = 0.0
    d: float = 1.0
    e: float = 0.0
    f: float = 0.0

    def apply(self, x: float, y: float) -> Point:
        return self.a * x + self.c * y + self.e, self.b * x + self.d * y + self.f

    def then(self, other: Affine) -> Affine:
        """This map followed by ``other``."""
        return Affine(
            other.a * self.a + other.c * self.b,
            other.b * self.a + other.d * self.b,
            other.a * self.c + other.c * self.d,
            other.b * self.c + other.d * self.d,
            other.a * self.e + other.c * self.f + other.e,
            other.b * self.e + other.d * self.f + other.f,
        )

    def inverse(self) -> Affine:
        det = self.a * self.d - self.b * self.c
        if abs(det) < 1e-12:
            raise ValueError("the map is not invertible")
        a, b, c, d = self.d / det, -self.b / det, -self.c / det, self.a / det
        return Affine(a, b, c, d, -(a * self.e + c * self.f), -(b * self.e + d * self.f))

    def as_list(self) -> list[float]:
        return [self.a, self.b, self.c, self.d, self.e, self.f]

    @staticmethod
    def from_points(src: Sequence[Point], dst: Sequence[Point]) -> Affine:
        """The map taking three source points (not on one line) to three destination points."""
        (x0, y0), (x1, y1), (x2, y2) = src
        to_src = Affine(x1 - x0, y1 - y0, x2 - x0, y2 - y0, x0, y0)  # unit frame -> src
        (u0, v0), (u1, v1), (u2, v2) = dst
        to_dst = Affine(u1 - u0, v1 - v0, u2 - u0, v2 - v0, u0, v0)
        return to_src.inverse().then(to_dst)


def pixels_to_user(*, dpi: float, height_points: float) -> Affine:
    """Pixels of an image file shown whole on a page (rows down) to PDF points (y up)."""
    scale = 72.0 / dpi
    return Affine(scale, 0.0, 0.0, -scale, 0.0, height_points)


def rendered_to_user(media_box: Sequence[float], rotate: int, *, dpi: float) -> Affine:
    """Pixels of a PDF page as pdftoppm renders it (its media box, turned by /Rotate) to the
    page's default user space."""
    x0, y0, x1, y1 = media_box
    s = 72.0 / dpi
    corners = {  # where the rendering's top-left, +x pixel and +y pixel land in user space
        0: ((x0, y1), (x0 + s, y1), (x0, y1 - s)),
        90: ((x0, y0), (x0, y0 + s), (x0 + s, y0)),
        180: ((x1, y0), (x1 - s, y0), (x1, y0 + s)),
        270: ((x1, y1), (x1, y1 - s), (x1 - s, y1)),
    }[rotate % 360]
    return Affine.from_points(((0, 0), (1, 0), (0, 1)), corners)


def rendered_size(media_box: Sequence[float], rotate: int, *, dpi: float) -> tuple[int, int]:
    """(rows, cols) of a PDF page rendered at ``dpi`` (its media box, turned by /Rotate)."""
    width = abs(media_box[2] - media_box[0]) * dpi / 72.0
    height = abs(media_box[3] - media_box[1]) * dpi / 72.0
    if rotate % 180:
        width, height = height, width
    return math.ceil(height - 1e-6), math.ceil(width - 1e-6)


def rotation(degrees: float, *, rows: int, cols: int, out_rows: int, out_cols: int) -> Affine:
    """The pixel map of ocr.preprocess.rotate: counter-clockwise by ``degrees`` about the
    centre, onto a canvas of out_rows x out_cols with the page centred."""
    angle = math.radians(degrees)
    alpha, beta = math.cos(angle), math.sin(angle)
    cx, cy = cols / 2, rows / 2
    return Affine(
        alpha,
        -beta,
        beta,
        alpha,
        (1 - alpha) * cx - beta * cy + (out_cols - cols) / 2,
        beta * cx + (1 - alpha) * cy + (out_rows - rows) / 2,
    )
