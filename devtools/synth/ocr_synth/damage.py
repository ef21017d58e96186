"""Damage to the sheet and the scan: uneven light, folds, punch holes and bilevel thresholding."""

from __future__ import annotations

import math

import cv2
import numpy as np

from ocr_synth.noise import smooth_field
from ocr_synth.regions import RegionType
from ocr_synth.style import RenderStyle

Outline = tuple[RegionType, np.ndarray, str]  # region type, (n, 2) x, y points, text


def damage_sheet(
    sheet: np.ndarray, style: RenderStyle, *, rng: np.random.Generator
) -> list[Outline]:
    """Fold the sheet, punch it for filing, and light it unevenly, in place; return the outlines
    of the folds and holes (in unrotated page pixels)."""
    outlines: list[Outline] = []
    for _ in range(style.folds):
        outlines.append(("fold", fold_line(sheet, rng=rng), ""))
    if style.punch_holes:
        outlines.extend(
            ("punch_hole", corners, "")
            for corners in punch_holes(sheet, count=style.punch_holes, dpi=style.dpi, rng=rng)
        )
    if style.illumination > 0:
        illuminate(sheet, strength=style.illumination, rng=rng)
    return outlines


def illuminate(sheet: np.ndarray, *, strength: float, rng: np.random.Generator) -> None:
    """Darken the sheet towards one side and its corners (a lamp off-centre, a curled page)."""
    rows, cols = sheet.shape[:2]
    rr, cc = np.mgrid[0:rows, 0:cols].astype(np.float32)
    direction = rng.uniform(0.0, 2 * math.pi)
    ramp = math.cos(direction) * (cc / cols - 0.5) + math.sin(direction) * (rr / rows - 0.5)
    vignette = ((cc / cols - 0.5) ** 2 + (rr / rows - 0.5) ** 2) * 2.0
    wobble = smooth_field(rng, rows=rows, cols=cols, scale_px=max(rows, cols) / 3)
    shade = 1.0 - strength * np.clip(0.55 * (ramp + 0.5) + 0.3 * vignette + 0.15 * wobble, 0, 1)
    sheet *= shade[..., None] if sheet.ndim == 3 else shade


def fold_line(sheet: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
    """A crease across the sheet (mostly horizontal, as letters are folded in three): a dirty
    line with a lit and a shaded side. Returns the band's corners."""
    rows, cols = sheet.shape[:2]
    horizontal = rng.random() < 0.75
    length, across = (cols, rows) if horizontal else (rows, cols)
    start = rng.uniform(0.25, 0.75) * across
    end = start + rng.normal(0.0, across * 0.01)
    width = rng.uniform(6.0, 16.0)
    coords = np.arange(length, dtype=np.float32)
    centre = start + (end - start) * coords / length  # where the crease crosses each row/col
    grid = np.arange(across, dtype=np.float32)[:, None] - centre[None, :]
    relief = np.exp(-((grid / width) ** 2)) * np.sign(grid)  # lit one side, shaded the other
    dirt = np.exp(-((grid / 1.6) ** 2)) * rng.uniform(0.08, 0.2)
    shade = (1.0 - rng.uniform(0.03, 0.08) * relief - dirt).astype(np.float32)
    if not horizontal:
        shade = shade.T
    sheet *= shade[..., None] if sheet.ndim == 3 else shade
    half = 2 * width  # the relief fades out within two widths of the crease
    if horizontal:
        return np.array(
            [[0, start - half], [cols, end - half], [cols, end + half], [0, start + half]],
            dtype=float,
        )
    return np.array(
        [[start - half, 0], [start + half, 0], [end + half, rows], [end - half, rows]], dtype=float
    )


def punch_holes(
    sheet: np.ndarray, *, count: int, dpi: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Filing holes near the left edge (6 mm across, 80 mm apart, 12 mm in), through which the
    scanner lid shows dark; each hole's outline as a 24-gon."""
    rows = sheet.shape[0]
    mm = dpi / 25.4
    radius = 3.0 * mm * rng.uniform(0.95, 1.05)
    centre_x = 12.0 * mm + rng.normal(0.0, mm)
    lid = rng.uniform(0.12, 0.35)  # a dark lid; the rim shows a shadow
    spacing = 80.0 * mm
    first = rows / 2 - spacing * (count - 1) / 2 + rng.normal(0.0, 2 * mm)
    outlines = []
    for index in range(count):
        centre_y = first + index * spacing
        _hole(sheet, centre_x=centre_x, centre_y=centre_y, radius=radius, lid=lid)
        angles = np.linspace(0.0, 2 * math.pi, 24, endpoint=False)
        reach = (radius + 3.0) / math.cos(math.pi / 24)
        outlines.append(
            np.column_stack([centre_x + reach * np.cos(angles), centre_y + reach * np.sin(angles)])
        )
    return outlines


def _hole(
    sheet: np.ndarray, *, centre_x: float, centre_y: float, radius: float, lid: float
) -> None:
    """Replace a soft-edged disc of the sheet by the lid's tone, in place (a window, not a page)."""
    r0, c0 = max(int(centre_y - radius) - 8, 0), max(int(centre_x - radius) - 8, 0)
    r1 = min(int(centre_y + radius) + 9, sheet.shape[0])
    c1 = min(int(centre_x + radius) + 9, sheet.shape[1])
    mask = np.zeros((r1 - r0, c1 - c0), dtype=np.float32)
    cv2.circle(
        mask,
        (round((centre_x - c0) * 16), round((centre_y - r0) * 16)),
        round(radius * 16),
        1.0,
        thickness=-1,
        lineType=cv2.LINE_AA,
        shift=4,
    )
    mask = cv2.GaussianBlur(mask, (0, 0), 1.2)
    inside = mask[..., None] if sheet.ndim == 3 else mask
    window = sheet[r0:r1, c0:c1]
    window[:] = window * (1.0 - inside) + lid * inside


def binarise(image: np.ndarray, *, threshold: float) -> np.ndarray:
    """A bilevel scan: grey, then black wherever darker than ``threshold`` of the paper's
    brightness (the scanner's fixed cut: faint strokes break, bold ones fill)."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    paper = float(np.percentile(grey[::8, ::8], 90))
    cut = paper * threshold
    return np.where(grey < cut, 0, 255).astype(np.uint8)
