"""Paper, page skew and scanner artefacts (dust, blur, sensor noise, JPEG) for synthetic scans."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from ocr_synth.noise import fine_field, gaussian_blur, scaled, smooth_field
from ocr_synth.regions import rotation_matrix
from ocr_synth.style import RenderStyle


def paper(style: RenderStyle, *, rng: np.random.Generator) -> np.ndarray:
    """An aged sheet: float32 (rows, cols, 3) in [0, 1] with blotchy tone and fibre texture."""
    rows, cols = style.page_rows, style.page_cols
    blotch = smooth_field(rng, rows=rows, cols=cols, scale_px=700.0)
    fibre = fine_field(rng, rows=rows, cols=cols, sigma_px=1.0)
    # shade = 1 + 2 * blotch_amount * (blotch - 0.5) + 2 * fibre_amount * (fibre - 0.5)
    a, b = 2 * style.paper_blotch, 2 * style.paper_fibre
    shade = cv2.addWeighted(blotch, a, fibre, b, 1.0 - (a + b) / 2)
    # Yellowing absorbs blue most: darker blotches are also warmer.
    yellowing = np.maximum(scaled(blotch, -style.paper_blotch, style.paper_blotch / 2), 0.0)
    channels = [
        cv2.addWeighted(shade, value / 255.0, yellowing, -warm, 0.0)
        for value, warm in zip(style.paper_rgb, (0.0, 0.3, 1.0), strict=True)
    ]
    return np.clip(cv2.merge(channels), 0.0, 1.0)


def skew_angle(style: RenderStyle, *, rng: np.random.Generator) -> float:
    """A page rotation in degrees: magnitude from ``style.skew_deg``, random sign."""
    low, high = style.skew_deg
    return float(rng.uniform(low, high) * rng.choice((-1.0, 1.0)))


def rotate_page(image: np.ndarray, *, angle_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the page centre keeping the size (edges mirror the paper); return the matrix."""
    rows, cols = image.shape[:2]
    matrix = rotation_matrix(centre_xy=((cols - 1) / 2, (rows - 1) / 2), angle_deg=angle_deg)
    turned = cv2.warpAffine(
        image, matrix, (cols, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101
    )
    return turned, matrix


def dust(image: np.ndarray, *, count: int, rng: np.random.Generator) -> None:
    """Dark specks of dust and toner on the glass, mostly tiny, in place."""
    rows, cols = image.shape[:2]
    xs = rng.integers(0, cols, count)
    ys = rng.integers(0, rows, count)
    radii = np.minimum(rng.geometric(0.7, count), 3)
    greys = rng.integers(60, 170, count)
    for x, y, radius, grey in zip(xs, ys, radii, greys, strict=True):
        colour = (int(grey),) * (3 if image.ndim == 3 else 1)
        cv2.circle(
            image, (int(x), int(y)), int(radius) - 1, colour, thickness=-1, lineType=cv2.LINE_AA
        )


def scanner(image: np.ndarray, style: RenderStyle, *, rng: np.random.Generator) -> np.ndarray:
    """Optics blur, sensor noise and a JPEG round trip, as a flatbed scanner delivers a page."""
    blurred = gaussian_blur(image, style.blur_sigma)
    rows, cols = image.shape[:2]
    grain = rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(style.sensor_noise)
    noise: np.ndarray = cv2.merge([grain, grain, grain]) if image.ndim == 3 else grain
    noisy = cv2.add(blurred, noise, dtype=cv2.CV_8U)  # saturating, and far faster than numpy
    return jpeg_round_trip(noisy, quality=style.jpeg_quality)


def jpeg_round_trip(image: np.ndarray, *, quality: int) -> np.ndarray:
    """Encode and decode as JPEG (4:2:0 chroma for colour) to get blocking and ringing."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality, subsampling=2)
    return np.asarray(
        Image.open(io.BytesIO(buffer.getvalue())).convert("RGB" if image.ndim == 3 else "L")
    )


def to_grey(image: np.ndarray) -> np.ndarray:
    """(rows, cols, 3) RGB to (rows, cols) luminance, uint8."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
