"""Seeded random fields for ink and paper texture, made at low resolution and upsampled (fast)."""

from __future__ import annotations

import cv2
import numpy as np


def smooth_field(rng: np.random.Generator, *, rows: int, cols: int, scale_px: float) -> np.ndarray:
    """A float32 field in [0, 1] whose features are about ``scale_px`` pixels across."""
    small_rows = max(2, round(rows / scale_px) + 2)
    small_cols = max(2, round(cols / scale_px) + 2)
    small = rng.random((small_rows, small_cols), dtype=np.float32)
    field = cv2.resize(small, (cols, rows), interpolation=cv2.INTER_CUBIC)
    return normalise(field)


def fine_field(rng: np.random.Generator, *, rows: int, cols: int, sigma_px: float) -> np.ndarray:
    """Per-pixel noise blurred by ``sigma_px``, float32 in [0, 1]."""
    field = rng.random((rows, cols), dtype=np.float32)
    return normalise(gaussian_blur(field, sigma_px))


def normalise(field: np.ndarray) -> np.ndarray:
    """Stretch a float field to float32 [0, 1] (a constant field becomes all 0)."""
    out = np.empty(field.shape, dtype=np.float32)
    cv2.normalize(field.astype(np.float32, copy=False), out, 0.0, 1.0, cv2.NORM_MINMAX)
    return out


def scaled(field: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """``scale * field + offset`` in one OpenCV pass (numpy makes page-sized temporaries)."""
    return cv2.addWeighted(field, scale, field, 0.0, offset)


def clip_unit(field: np.ndarray) -> np.ndarray:
    """Clip a float field to [0, 1] in place and return it."""
    return np.clip(field, 0.0, 1.0, out=field)


def gaussian_blur(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian blur that is a no-op for a zero sigma."""
    return cv2.GaussianBlur(image, (0, 0), sigma_px) if sigma_px > 0 else image
