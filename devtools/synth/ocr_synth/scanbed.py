"""What a scan shows around the page: a dark scanner bed, or a book's facing page and gutter."""

from __future__ import annotations

import numpy as np

BEDS = ("", "dark_frame", "gutter")
# Dark frame: the bed's grey (of white) and the margins it shows on each side (share of the side).
BED_GREY = (0.06, 0.2)
BED_MARGIN = (0.025, 0.07)
# Gutter: the facing page's share of the page width, the gutter's, and how dark its fold gets.
FACING_SHARE = (0.08, 0.22)
GUTTER_SHARE = (0.015, 0.035)
GUTTER_DEPTH = (0.35, 0.6)
FACING_LIGHT = (0.78, 0.92)


def place_on_bed(
    sheet: np.ndarray, bed: str, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The sheet (float (rows, cols, 3) in 0..1) as the scanner saw it, and where its top-left
    corner went: (dx, dy) pixels. ``bed`` "" leaves the sheet alone."""
    if bed == "":
        return sheet, np.zeros(2)
    if bed == "dark_frame":
        return dark_frame(sheet, rng=rng)
    if bed == "gutter":
        return facing_page(sheet, rng=rng)
    raise ValueError(f"unknown scan bed {bed!r}; choose from {', '.join(b for b in BEDS if b)}")


def dark_frame(sheet: np.ndarray, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The sheet on a dark, slightly uneven scanner bed showing a margin on every side."""
    rows, cols = sheet.shape[:2]
    top, bottom = (int(rows * rng.uniform(*BED_MARGIN)) for _ in range(2))
    left, right = (int(cols * rng.uniform(*BED_MARGIN)) for _ in range(2))
    grey = rng.uniform(*BED_GREY)
    canvas = np.empty((rows + top + bottom, cols + left + right, 3), dtype=sheet.dtype)
    tone = grey * (
        1 + 0.15 * rng.standard_normal((canvas.shape[0] // 64 + 1, canvas.shape[1] // 64 + 1))
    )
    canvas[:] = np.kron(tone, np.ones((64, 64)))[: canvas.shape[0], : canvas.shape[1], None]
    canvas[top : top + rows, left : left + cols] = sheet
    return np.clip(canvas, 0.0, 1.0), np.array([left, top], dtype=float)


def facing_page(sheet: np.ndarray, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """An open book: the facing page's inner strip (with its line ends) on the left, the gutter's
    shadow, then the page, darkening towards the fold."""
    rows, cols = sheet.shape[:2]
    facing_cols = int(cols * rng.uniform(*FACING_SHARE))
    gutter_cols = max(8, int(cols * rng.uniform(*GUTTER_SHARE)))
    depth = rng.uniform(*GUTTER_DEPTH)
    facing = sheet[:, cols - facing_cols :] * rng.uniform(*FACING_LIGHT)
    # The fold: darkest at its middle, a cosine back to the paper on both sides.
    x = np.linspace(-1.0, 1.0, gutter_cols)
    fold = 1.0 - (1.0 - depth) * (0.5 + 0.5 * np.cos(np.pi * x))
    paper = np.median(sheet[:, : cols // 20].reshape(-1, 3), axis=0)
    gutter = np.broadcast_to(paper * fold[None, :, None], (rows, gutter_cols, 3))
    shade = np.ones(cols)
    near = max(1, cols // 25)
    shade[:near] = 1.0 - (1.0 - depth) * 0.5 * (1 - np.linspace(0, 1, near)) ** 2
    page = sheet * shade[None, :, None]
    canvas = np.concatenate([facing, gutter, page], axis=1).astype(sheet.dtype)
    return np.clip(canvas, 0.0, 1.0), np.array([facing_cols + gutter_cols, 0], dtype=float)
