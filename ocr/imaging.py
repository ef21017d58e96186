"""Image primitives that preprocessing and the detectors share: gray, resize, paper tone and
colour, white balance, the colour-ink mask and the hue of pixels."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

import cv2
import numpy as np

from ocr.exceptions import OcrError

# OpenCV hue units (0..180): 11..38 is orange-brown to yellow, the hues of paper, foxing and of
# grey ink seen through yellowed paper, so it is never taken for stamp ink.
PAPER_HUES = (11, 38)
# Stamp ink: chroma (0..255) of its core and of its halo, halo radius in pixels, and how much
# darker than the stamp's median a pixel may be before it is typed text overprinting the stamp.
MIN_CHROMA = 40
HALO_CHROMA = 24
HALO = 2
MIN_STAMP_LIGHTNESS = 0.7
# The background's close must be wider than the boldest stroke (~8 px at 300 dpi).
BACKGROUND_KERNEL = 41


def check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy array")
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(
            f"expected a non-empty (rows, cols) or (rows, cols, channels) array, got {image.shape}"
        )


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale uint8 from a gray, BGR or BGRA uint8 array (gray input is returned as is)."""
    check_image(image)
    if image.ndim == 2:
        return image
    channels = image.shape[2]
    if channels == 1:
        return image[:, :, 0]
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    raise ValueError(f"cannot convert {channels} channels to gray")


def skew_ink(gray: np.ndarray, *, long_side: int) -> np.ndarray:
    """Text-sized ink blobs of a shrunk page: borders, rules, stamps and big handwriting dropped."""
    scale = min(1.0, long_side / max(gray.shape))
    rows, cols = max(1, round(gray.shape[0] * scale)), max(1, round(gray.shape[1] * scale))
    small = normalise_background(
        resize(gray, rows, cols), kernel=max(9, round(BACKGROUND_KERNEL * scale))
    )
    if np.count_nonzero(small < 160) < 50:  # Otsu would find "ink" in the grain of a blank page
        return np.zeros(small.shape, dtype=bool)
    ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, areas = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    typical = np.median(heights[areas >= 4]) if np.any(areas >= 4) else 0
    keep = (areas >= 4) & (heights <= 3 * typical)
    return np.concatenate(([False], keep))[labels]


def paper_colour(image: np.ndarray) -> tuple[float, ...]:
    """Per-channel median of the brighter half of a sparse pixel sample: the paper, not the ink."""
    step = max(1, int(np.sqrt(image.shape[0] * image.shape[1] / 250_000)))
    sample = image[::step, ::step]
    gray = to_gray(sample)
    bright = gray >= np.median(gray)
    values = sample[bright] if sample.ndim == 3 else sample[bright][:, None]
    return tuple(float(v) for v in np.median(values, axis=0))


def white_balance(bgr: np.ndarray) -> np.ndarray:
    """Scale each channel so the paper is neutral white: grey ink over any paper stays grey."""
    paper = np.maximum(np.asarray(paper_colour(bgr)), 1.0)
    levels = np.arange(256, dtype=np.float32)[:, None] * (255.0 / paper)[None, :]
    lut = np.clip(levels, 0, 255).astype(np.uint8).reshape(256, 1, 3)
    return cv2.LUT(bgr, lut)


def colour_ink_mask(
    bgr: np.ndarray,
    *,
    min_chroma: int = MIN_CHROMA,
    halo_chroma: int = HALO_CHROMA,
    halo: int = HALO,
    min_lightness: float = MIN_STAMP_LIGHTNESS,
) -> np.ndarray:
    """Pixels of saturated, non-paper-hued ink (violet, blue, red, green stamps), with halos.

    Chroma (max - min of the white-balanced BGR) is low for black and grey ink, so typed text
    is not masked; the hues of yellowed paper and foxing are never taken. Where typed text
    overprints a stamp it darkens the stamp's own colour channel (the HSV value): pixels darker
    than ``min_lightness`` times the stamp's median value are left to the text. Halo pixels
    next to strong stamp ink need only ``halo_chroma``.
    """
    return colour_ink(
        bgr, min_chroma=min_chroma, halo_chroma=halo_chroma, halo=halo, min_lightness=min_lightness
    )[0]


def colour_ink(
    bgr: np.ndarray,
    *,
    min_chroma: int = MIN_CHROMA,
    halo_chroma: int = HALO_CHROMA,
    halo: int = HALO,
    min_lightness: float = MIN_STAMP_LIGHTNESS,
) -> tuple[np.ndarray, np.ndarray]:
    """The stamp-ink mask, and every pixel of at least halo chroma (to judge the text's colour)."""
    check_image(bgr)
    if bgr.ndim == 2 or bgr.shape[2] == 1:
        nothing = np.zeros(bgr.shape[:2], dtype=bool)
        return nothing, nothing
    chroma, value, colour_hue = colour_planes(bgr)
    tinted = (chroma >= halo_chroma) & colour_hue
    # JPEG's half-resolution chroma leaves 1-2 px colour fringes along black strokes on tinted
    # paper; an opening drops them (stamp strokes are thicker, and the halo regrows thin ones).
    strong = morph(tinted & (chroma >= min_chroma), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if not strong.any():
        return strong, tinted
    light = value >= min_lightness * float(np.median(value[strong]))
    strong &= light
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * halo + 1, 2 * halo + 1))
    return strong | (morph(strong, cv2.MORPH_DILATE, disc) & tinted & light), tinted


def morph(mask: np.ndarray, operation: int, kernel: np.ndarray) -> np.ndarray:
    """A morphological operation on a bool mask (viewed as 0/1 bytes, no copy)."""
    return cv2.morphologyEx(mask.view(np.uint8), operation, kernel).view(bool)


def colour_planes(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chroma, HSV value and a not-paper-hue mask of the white-balanced page."""
    hsv = cv2.cvtColor(white_balance(np.ascontiguousarray(bgr[:, :, :3])), cv2.COLOR_BGR2HSV)
    hue, saturation, value = cv2.split(hsv)
    chroma = cv2.multiply(saturation, value, scale=1.0 / 255)  # = max - min of B, G, R
    return chroma, value, (hue < PAPER_HUES[0]) | (hue > PAPER_HUES[1])


def background(
    image: np.ndarray, *, kernel: int = BACKGROUND_KERNEL, shrink: int = 4
) -> np.ndarray:
    """Paper tone under the ink: a morphological close wider than any stroke, on a shrunk copy."""
    rows, cols = image.shape[:2]
    small = resize(image, max(1, rows // shrink), max(1, cols // shrink))
    size = max(3, (kernel // shrink) | 1)
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    )
    # The median smooths the blocky close so the division leaves no seams.
    return resize(cv2.medianBlur(closed, 5), rows, cols)


def normalise_background(gray: np.ndarray, *, kernel: int = BACKGROUND_KERNEL) -> np.ndarray:
    """Divide by the paper tone so paper is white (255) whatever its shade or illumination."""
    shrink = 4 if min(gray.shape) >= 16 * 4 else 1
    paper = background(gray, kernel=kernel, shrink=shrink)
    return cv2.divide(gray, paper, scale=255)


def resize(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    shrinking = rows * cols < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(
        image, (cols, rows), interpolation=interpolation
    )  # cv2 sizes are (cols, rows)


def hue_of_pixels(bgr: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """OpenCV hue (0..180) of the given pixels after white-balancing on the paper colour."""
    paper = np.maximum(np.asarray(paper_colour(bgr)), 1.0)
    pixels = bgr[rows, cols, :3].astype(np.float32) * (255.0 / paper)[None, :]
    pixels = np.clip(pixels, 0, 255).astype(np.uint8).reshape(-1, 1, 3)
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2HSV)[:, 0, 0]


# PNG for the gray images tesseract reads next (the processed page, line and stamp crops):
# fastest zlib level, run-length matching and no row filter. The same pixels as OpenCV's level 1
# with its filters chosen per row, at half its encoding CPU, a faster decoding and a file no
# larger on a cleaned page; a colour page without filters would take twice the room, so it
# keeps level 1, and so does a raw scan (a third more room: ocr.stages.preprocess writes the
# page as loaded at level 1); bench/png_same.py.
FAST_PNG: tuple[int, ...] = (
    cv2.IMWRITE_PNG_COMPRESSION,
    1,
    cv2.IMWRITE_PNG_STRATEGY,
    cv2.IMWRITE_PNG_STRATEGY_RLE,
    *(
        (cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE)
        if hasattr(cv2, "IMWRITE_PNG_FILTER")  # OpenCV 4.11 on
        else ()
    ),
)
COLOUR_PNG: tuple[int, ...] = (cv2.IMWRITE_PNG_COMPRESSION, 1)


def png_params(image: np.ndarray) -> list[int]:
    """How an image tesseract reads next is written as PNG: FAST_PNG when it is gray."""
    gray = image.ndim == 2 or image.shape[2] == 1
    return list(FAST_PNG if gray else COLOUR_PNG)


def write_png(path: Path, image: np.ndarray) -> bool:
    """The image as a PNG file (False when it cannot be encoded), as :func:`png_params` says."""
    ok, data = cv2.imencode(".png", image, png_params(image))
    if ok:
        path.write_bytes(data.tobytes())
    return bool(ok)


def png_list_file(folder: Path, images: Sequence[np.ndarray], *, name: str, what: str) -> Path:
    """The images as the PNG pages of one list file, ``folder/<name>.txt``, which tesseract
    reads in one run, one image after another; OcrError naming ``what`` when one cannot be
    encoded."""
    paths = [folder / f"{name}-{k:03d}.png" for k in range(len(images))]
    for path, image in zip(paths, images, strict=True):
        if not write_png(path, image):
            raise OcrError(f"cannot encode {what}", path=path)
    listed = folder / f"{name}.txt"
    listed.write_text("".join(f"{p}\n" for p in paths), encoding="utf-8")
    return listed


class LastPage:
    """One result of a costly step on a page's pixels, kept for the next call on the very same
    pixels (compared in full) and ``key``, which takes it back once. A worker process meets a
    page's pixels twice: preprocessing makes them, detection decodes the file preprocessing
    wrote; any other call makes its result as it would without this."""

    def __init__(self) -> None:
        self._last: tuple[np.ndarray, Hashable, np.ndarray] | None = None

    def get(
        self, image: np.ndarray, key: Hashable, make: Callable[[], np.ndarray], *, keep: bool
    ) -> np.ndarray:
        """``make()`` for ``image``, or the result kept for it; with ``keep`` (copies of) the
        image and the result are kept for the next call."""
        last = self._last
        if (
            last is not None
            and last[1] == key
            and last[0].shape == image.shape
            and last[0].dtype == image.dtype
            and np.array_equal(last[0], image)
        ):
            self._last = None
            result = last[2]
        else:
            result = make()
        if keep:
            self._last = (image.copy(), key, result.copy())
        return result

    def clear(self) -> None:
        self._last = None
