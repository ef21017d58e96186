"""Page preprocessing with OpenCV: grayscale, background, denoise, deskew, colour ink, binarize."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ocr.frame import DARK_BAND, EDGE_STEP, FRAME_LONG_SIDE, find_page_frame
from ocr.geometry import PageGeometry, rotation_matrix
from ocr.inkcolour import HUE_TOLERANCE, InkColour, stamp_ink, text_ink_colour
from ocr.records import Box, ProcessingStep

# A 300 dpi typed page has a few percent ink; a page number alone is ~0.01 %, dust a little less.
BLANK_INK_FRACTION = 0.0005
# OpenCV hue units (0..180): 11..38 is orange-brown to yellow, the hues of paper, foxing and of
# grey ink seen through yellowed paper, so it is never taken for stamp ink.
PAPER_HUES = (11, 38)
# Stamp ink: chroma (0..255) of its core and of its halo, halo radius in pixels, and how much
# darker than the stamp's median a pixel may be before it is typed text overprinting the stamp.
MIN_CHROMA = 40
HALO_CHROMA = 24
HALO = 2
MIN_STAMP_LIGHTNESS = 0.7
# Sizes in pixels at 300 dpi: the close must be wider than the boldest stroke (~8 px), the
# Sauvola window about two typed characters high, a speck smaller than a typed full stop (~25).
BACKGROUND_KERNEL = 41
SPECK_AREA = 4
SAUVOLA_WINDOW = 51
SAUVOLA_K = 0.2
SAUVOLA_RANGE = 128.0
# Local ink-to-paper contrast (0..255, after normalisation) above which faint ink counts.
FAINT_CONTRAST = 40.0
# Skew search: +-range in degrees, and the long side of the shrunk page it runs on.
SKEW_RANGE = 8.0
SKEW_LONG_SIDE = 1600
# Below this the rotation would move no pixel by more than ~1 px across a page.
MIN_ROTATION = 0.02


@dataclass(frozen=True, eq=False)
class Preprocessed:
    """A page ready for OCR, with the deskewed original for review crops and the steps taken."""

    ocr_image: np.ndarray  # (rows, cols) uint8, ink 0 and paper 255, deskewed, stamps removed
    view_image: np.ndarray  # the input deskewed and cropped (colour kept), same rows and cols
    colour_ink_mask: np.ndarray  # (rows, cols) bool: stamp-coloured ink that was removed
    skew_degrees: float  # skew found and undone; positive = text turned counter-clockwise
    ink_fraction: float  # share of ink pixels in ocr_image
    steps: tuple[ProcessingStep, ...]
    geometry: PageGeometry | None = None  # the frame of ocr_image in the input's pixels
    ink_blobs: int = 0  # text-sized blobs of ink in the binarized page (about one per letter)

    @property
    def blank(self) -> bool:
        """True when the binarized page has no meaningful ink (see BLANK_INK_FRACTION)."""
        return self.ink_fraction < BLANK_INK_FRACTION


@dataclass(frozen=True)
class Framing:
    """Where the page sits in a scan, measured on a shrunk copy: the skew undone, the geometry
    of the OCR frame (rotated upright, cropped to the paper), the typed text's ink colour, the
    letter-sized blobs of ink (about one per letter) and the share of ink pixels; and the steps
    that measured them."""

    skew_degrees: float
    geometry: PageGeometry
    text_ink: InkColour
    ink_blobs: int
    ink_fraction: float
    steps: tuple[ProcessingStep, ...]

    @property
    def blank(self) -> bool:
        """True when the page has no meaningful ink (see BLANK_INK_FRACTION)."""
        return self.ink_fraction < BLANK_INK_FRACTION


def frame_page(image: np.ndarray, *, deskew: bool = True, page_frame: bool = False) -> Framing:
    """The page's framing from a copy shrunk to SKEW_LONG_SIDE pixels: cheap (no full-size
    pass), so the pipeline measures every page and preprocesses only those it reads twice."""
    _check_image(image)
    rows, cols = image.shape[:2]
    scale = min(1.0, SKEW_LONG_SIDE / max(rows, cols))
    small = _resize(image, max(1, round(rows * scale)), max(1, round(cols * scale)))
    steps: list[ProcessingStep] = []
    skew = 0.0
    if deskew:
        skew = estimate_skew(small)
        steps.append(
            _step(
                "estimate_skew",
                "projection profile of text blobs, coarse to fine",
                max_degrees=SKEW_RANGE,
                long_side=SKEW_LONG_SIDE,
                skew_degrees=skew,
            )
        )
    rotation = -skew if abs(skew) >= MIN_ROTATION else 0.0
    geometry = PageGeometry.rotated(rows, cols, rotation)
    upright = small
    if rotation:
        steps.append(
            _step(
                "rotate",
                "undo the skew on a grown canvas filled with paper colour",
                degrees=rotation,
            )
        )
        upright = rotate(small, rotation, border_value=paper_colour(small))
    if page_frame:
        geometry, upright = _frame_geometry(upright, geometry, steps=steps)
    letters, fraction = _letters(upright)  # on the page's paper only: not the bed, not a board
    text = text_ink_colour(upright)
    steps.append(
        _step(
            "measure_ink",
            "the typed text's ink colour and letter-sized blobs, on the shrunk page",
            text_ink=text.as_json(),
            ink_blobs=letters,
            ink_fraction=round(fraction, 6),
            long_side=SKEW_LONG_SIDE,
        )
    )
    return Framing(skew, geometry, text, letters, fraction, tuple(steps))


def _frame_geometry(
    upright: np.ndarray, geometry: PageGeometry, *, steps: list[ProcessingStep]
) -> tuple[PageGeometry, np.ndarray]:
    """The geometry cropped to the page's paper, found on the shrunk copy turned upright, and
    that copy cropped the same way."""
    frame = find_page_frame(upright)
    to_rows = geometry.canvas_rows / upright.shape[0]
    to_cols = geometry.canvas_cols / upright.shape[1]
    b = frame.box
    left, top = round(b.left * to_cols), round(b.top * to_rows)
    right = min(geometry.canvas_cols, round(b.right * to_cols))
    bottom = min(geometry.canvas_rows, round(b.bottom * to_rows))
    box = Box(left, top, right - left, bottom - top)
    steps.append(
        _step(
            "page_frame",
            "crop the scan to the page's paper (dark bands, bed, gutter, facing page cut off)",
            box=box.as_list(),
            edges=[[e.side, e.kind] for e in frame.edges],
            dark_band=DARK_BAND,
            edge_step=EDGE_STEP,
            long_side=FRAME_LONG_SIDE,
        )
    )
    if not frame.cropped:
        return geometry, upright
    return geometry.cropped(box), upright[b.top : b.bottom, b.left : b.right]


def _letters(small: np.ndarray) -> tuple[int, float]:
    """Letter-sized blobs of ink on the shrunk page (text-sized blobs of its Otsu ink, or of a
    binarization that keeps faded ink, whichever finds more), and the share of ink pixels of
    the latter: the page binarized as the processed page is (Sauvola with the faint-ink
    midpoint, windows halved with the scale), so faded letters count too."""
    gray = normalise_background(to_gray(small), kernel=max(9, BACKGROUND_KERNEL // 2))
    binary = binarize(gray, window=max(15, (SAUVOLA_WINDOW // 2) | 1))
    fraction = float(np.count_nonzero(binary == 0)) / binary.size
    otsu = _skew_ink(to_gray(small), long_side=max(small.shape[:2]))
    letters = cv2.connectedComponents(otsu.view(np.uint8), connectivity=8)[0] - 1
    return max(int(letters), text_blobs(binary)), fraction


def preprocess(
    image: np.ndarray,
    *,
    deskew: bool = True,
    denoise: bool = True,
    remove_colour_ink: bool = True,
    binarize_output: bool = True,
    page_frame: bool = False,
    dpi: int = 300,
) -> Preprocessed:
    """Run every stage on one page and record each step with its settings.

    With ``binarize_output`` off, tesseract gets the deskewed, background-normalised gray page
    (coloured ink removed) and does its own thresholding; the binary is still used for ink
    measures. With ``page_frame`` the deskewed page is cropped to its paper (ocr.frame); the
    result's ``geometry`` maps its pixels back to ``image``'s."""
    framing = frame_page(image, deskew=deskew, page_frame=page_frame)
    return render_frame(
        image,
        framing,
        denoise=denoise,
        remove_colour_ink=remove_colour_ink,
        binarize_output=binarize_output,
        dpi=dpi,
    )


def render_frame(
    image: np.ndarray,
    framing: Framing,
    *,
    denoise: bool = True,
    remove_colour_ink: bool = True,
    binarize_output: bool = True,
    dpi: int = 300,
) -> Preprocessed:
    """The page in its OCR frame (rotated, cropped), background-normalised, stamp ink removed,
    binarized and despeckled; the framing's steps come first in the result's."""
    _check_image(image)
    steps: list[ProcessingStep] = list(framing.steps)
    view = _to_frame(image, framing.geometry)
    gray = to_gray(view)
    steps.append(
        _step(
            "to_gray",
            "luma of BGR (gray input unchanged)",
            channels=1 if view.ndim == 2 else view.shape[2],
        )
    )
    gray = normalise_background(gray)
    steps.append(
        _step(
            "normalise_background",
            "divide by a morphological close of the paper",
            kernel=BACKGROUND_KERNEL,
            shrink=4,
        )
    )
    mask = _remove_colour_ink(
        view, gray, framing.text_ink, enabled=remove_colour_ink, dpi=dpi, steps=steps
    )
    binary = binarize(gray)
    steps.append(
        _step(
            "binarize",
            "Sauvola local threshold with faint-ink midpoint",
            method="sauvola",
            window=SAUVOLA_WINDOW,
            k=SAUVOLA_K,
            dynamic_range=SAUVOLA_RANGE,
            faint_contrast=FAINT_CONTRAST,
        )
    )
    if denoise:
        binary = _denoise(binary)
        steps.append(
            _step("denoise", "remove isolated specks from the binary page", max_area=SPECK_AREA)
        )
    ink_fraction = float(np.count_nonzero(binary == 0)) / binary.size
    out = gray if not binarize_output else binary
    if not binarize_output:
        steps.append(_step("ocr_input", "OCR gets the normalised gray page", binarized=False))
    return Preprocessed(
        out,
        view,
        mask,
        framing.skew_degrees,
        ink_fraction,
        tuple(steps),
        framing.geometry,
        text_blobs(binary),
    )


def _to_frame(image: np.ndarray, geometry: PageGeometry) -> np.ndarray:
    """The page rotated (canvas filled with its paper colour) and cropped to its OCR frame."""
    if geometry.is_identity:
        return image
    return geometry.to_frame(image, fill=paper_colour(image) if geometry.rotation else 255)


def text_blobs(binary: np.ndarray) -> int:
    """How many blobs of a binary page (ink 0) are the size of letters: larger than a speck,
    at most three typical blob heights tall and five wide (rules, frames and stamps are not)."""
    ink = (binary < 128).view(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    areas, heights = stats[1:, cv2.CC_STAT_AREA], stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    solid = areas > 2 * SPECK_AREA
    if not solid.any():
        return 0
    typical = float(np.median(heights[solid]))
    return int(np.count_nonzero(solid & (heights <= 3 * typical) & (widths <= 5 * typical)))


def _remove_colour_ink(
    view: np.ndarray,
    gray: np.ndarray,
    text: InkColour,
    *,
    enabled: bool,
    dpi: int,
    steps: list[ProcessingStep],
) -> np.ndarray:
    """Paint stamp ink white in ``gray`` (in place): coloured ink inside detected stamps that is
    not of the typed text's own colour (ocr.inkcolour); returns the pixels painted."""
    nothing = np.zeros(gray.shape, dtype=bool)
    if not enabled or view.ndim == 2 or view.shape[2] == 1:
        return nothing
    found = stamp_ink(view, text, dpi=dpi)
    pixels = int(np.count_nonzero(found.mask))
    steps.append(
        _step(
            "remove_colour_ink",
            "white out stamp ink: coloured ink inside detected "
            "stamps, never of the typed text's own colour",
            min_chroma=MIN_CHROMA,
            halo_chroma=HALO_CHROMA,
            halo=HALO,
            min_lightness=MIN_STAMP_LIGHTNESS,
            paper_hues=list(PAPER_HUES),
            text_ink=text.as_json(),
            hue_tolerance=HUE_TOLERANCE,
            stamps=[b.as_list() for b in found.stamps],
            applied=pixels > 0,
            pixels=pixels,
        )
    )
    gray[found.mask] = 255
    return found.mask


def _step(name: str, description: str, **settings: Any) -> ProcessingStep:
    return ProcessingStep(f"preprocess.{name}", "preprocessing", description, settings)


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ValueError("expected a uint8 numpy array")
    if image.ndim not in (2, 3) or image.size == 0:
        raise ValueError(
            f"expected a non-empty (rows, cols) or (rows, cols, channels) array, got {image.shape}"
        )


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale uint8 from a gray, BGR or BGRA uint8 array (gray input is returned as is)."""
    _check_image(image)
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


def _skew_ink(gray: np.ndarray, *, long_side: int) -> np.ndarray:
    """Text-sized ink blobs of a shrunk page: borders, rules, stamps and big handwriting dropped."""
    scale = min(1.0, long_side / max(gray.shape))
    rows, cols = max(1, round(gray.shape[0] * scale)), max(1, round(gray.shape[1] * scale))
    small = normalise_background(
        _resize(gray, rows, cols), kernel=max(9, round(BACKGROUND_KERNEL * scale))
    )
    if np.count_nonzero(small < 160) < 50:  # Otsu would find "ink" in the grain of a blank page
        return np.zeros(small.shape, dtype=bool)
    ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, areas = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    typical = np.median(heights[areas >= 4]) if np.any(areas >= 4) else 0
    keep = (areas >= 4) & (heights <= 3 * typical)
    return np.concatenate(([False], keep))[labels]


def _profile_score(rows: np.ndarray, cols: np.ndarray, degrees: float) -> float:
    """Sharpness of the row profile after undoing a ``degrees`` counter-clockwise skew."""
    angle = np.radians(degrees)
    # A line of text skewed counter-clockwise by angle keeps rows*cos + cols*sin constant.
    position = rows * np.cos(angle) + cols * np.sin(angle)
    profile = np.bincount(np.round(position - position.min()).astype(np.intp)).astype(np.float64)
    return float(np.sum(np.diff(profile) ** 2))


def _best_angle(rows: np.ndarray, cols: np.ndarray, angles: np.ndarray) -> float:
    scores = np.array([_profile_score(rows, cols, a) for a in angles])
    best = int(np.argmax(scores))
    if 0 < best < len(angles) - 1:  # parabola through the peak and its neighbours
        left, mid, right = scores[best - 1 : best + 2]
        denominator = left - 2 * mid + right
        if denominator < 0:
            return float(
                angles[best] + 0.5 * (left - right) / denominator * (angles[1] - angles[0])
            )
    return float(angles[best])


def estimate_skew(
    image: np.ndarray, *, max_degrees: float = SKEW_RANGE, long_side: int = SKEW_LONG_SIDE
) -> float:
    """Skew of the text lines in degrees, positive for counter-clockwise; 0.0 if there is no text.

    Projection-profile search (coarse 0.25 deg, then fine 0.02 deg) over the text-sized blobs
    of a page shrunk to ``long_side`` pixels; stamps and handwriting barely sway the profile.
    """
    ink = _skew_ink(to_gray(image), long_side=long_side)
    rows, cols = np.nonzero(ink)
    if rows.size < 200:
        return 0.0
    rows, cols = rows.astype(np.float32), cols.astype(np.float32)
    coarse = _best_angle(rows, cols, np.arange(-max_degrees, max_degrees + 1e-9, 0.25))
    fine = _best_angle(rows, cols, np.arange(coarse - 0.3, coarse + 0.3 + 1e-9, 0.02))
    return round(fine, 2)


def rotate(
    image: np.ndarray, degrees: float, *, border_value: float | tuple[float, ...]
) -> np.ndarray:
    """Rotate counter-clockwise by ``degrees`` on a canvas grown to keep the whole page."""
    rows, cols = image.shape[:2]
    matrix, out_rows, out_cols = rotation_matrix(rows, cols, degrees)
    channels = 1 if image.ndim == 2 else image.shape[2]
    fill = (border_value,) * channels if isinstance(border_value, int | float) else border_value
    return cv2.warpAffine(
        image,
        matrix,
        (out_cols, out_rows),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )


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
    return _colour_ink(
        bgr, min_chroma=min_chroma, halo_chroma=halo_chroma, halo=halo, min_lightness=min_lightness
    )[0]


def _colour_ink(
    bgr: np.ndarray,
    *,
    min_chroma: int = MIN_CHROMA,
    halo_chroma: int = HALO_CHROMA,
    halo: int = HALO,
    min_lightness: float = MIN_STAMP_LIGHTNESS,
) -> tuple[np.ndarray, np.ndarray]:
    """The stamp-ink mask, and every pixel of at least halo chroma (to judge the text's colour)."""
    _check_image(bgr)
    if bgr.ndim == 2 or bgr.shape[2] == 1:
        nothing = np.zeros(bgr.shape[:2], dtype=bool)
        return nothing, nothing
    chroma, value, colour_hue = _colour_planes(bgr)
    tinted = (chroma >= halo_chroma) & colour_hue
    # JPEG's half-resolution chroma leaves 1-2 px colour fringes along black strokes on tinted
    # paper; an opening drops them (stamp strokes are thicker, and the halo regrows thin ones).
    strong = _morph(tinted & (chroma >= min_chroma), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if not strong.any():
        return strong, tinted
    light = value >= min_lightness * float(np.median(value[strong]))
    strong &= light
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * halo + 1, 2 * halo + 1))
    return strong | (_morph(strong, cv2.MORPH_DILATE, disc) & tinted & light), tinted


def _morph(mask: np.ndarray, operation: int, kernel: np.ndarray) -> np.ndarray:
    """A morphological operation on a bool mask (viewed as 0/1 bytes, no copy)."""
    return cv2.morphologyEx(mask.view(np.uint8), operation, kernel).view(bool)


def _colour_planes(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    small = _resize(image, max(1, rows // shrink), max(1, cols // shrink))
    size = max(3, (kernel // shrink) | 1)
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    )
    # The median smooths the blocky close so the division leaves no seams.
    return _resize(cv2.medianBlur(closed, 5), rows, cols)


def normalise_background(gray: np.ndarray, *, kernel: int = BACKGROUND_KERNEL) -> np.ndarray:
    """Divide by the paper tone so paper is white (255) whatever its shade or illumination."""
    shrink = 4 if min(gray.shape) >= 16 * 4 else 1
    paper = background(gray, kernel=kernel, shrink=shrink)
    return cv2.divide(gray, paper, scale=255)


def binarize(
    gray: np.ndarray,
    *,
    method: str = "sauvola",
    window: int = SAUVOLA_WINDOW,
    k: float = SAUVOLA_K,
    dynamic_range: float = SAUVOLA_RANGE,
    faint_contrast: float = FAINT_CONTRAST,
) -> np.ndarray:
    """Ink 0, paper 255, from a background-normalised page.

    ``sauvola``: Sauvola's local threshold, raised to the midpoint of local ink and paper where
    their contrast is at least ``faint_contrast`` (0 turns that off): faint carbon ink that
    plain Sauvola (~0.8 x paper) misses is kept. ``otsu``: one global threshold, for comparison.
    """
    if method == "otsu":
        return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    if method != "sauvola":
        raise ValueError(f"unknown binarization method {method!r}")
    threshold = threshold_map(
        gray, window=window, k=k, dynamic_range=dynamic_range, faint_contrast=faint_contrast
    )
    return np.where(gray > threshold, np.uint8(255), np.uint8(0))


def threshold_map(
    gray: np.ndarray,
    *,
    window: int,
    k: float,
    dynamic_range: float,
    faint_contrast: float,
    shrink: int = 2,
) -> np.ndarray:
    """Per-pixel threshold, computed on a copy shrunk ``shrink`` times and scaled back (smooth)."""
    rows, cols = gray.shape
    small_rows, small_cols = max(1, rows // shrink), max(1, cols // shrink)
    size = max(3, (window // shrink) | 1)
    threshold = _sauvola_small(
        gray, small_rows, small_cols, size=size, k=k, dynamic_range=dynamic_range
    )
    if faint_contrast > 0:  # under dark ink the midpoint is the lower one and Sauvola rules
        small = _resize(gray, small_rows, small_cols)
        threshold = cv2.max(threshold, _midpoint(small, size=size, min_contrast=faint_contrast))
    return _resize(threshold, rows, cols)


def _sauvola_small(
    gray: np.ndarray, rows: int, cols: int, *, size: int, k: float, dynamic_range: float
) -> np.ndarray:
    """Sauvola's T = m * (1 + k * (s / R - 1)) on a (rows, cols) grid.

    g and g*g are shrunk by area averaging before the box filter, so the local mean m and
    deviation s stay those of the full-resolution page at a quarter of the cost.
    """
    values = gray.astype(np.float32)
    mean = cv2.boxFilter(
        _resize(values, rows, cols), -1, (size, size), borderType=cv2.BORDER_REFLECT
    )
    mean_sq = cv2.boxFilter(
        _resize(cv2.multiply(values, values), rows, cols),
        -1,
        (size, size),
        borderType=cv2.BORDER_REFLECT,
    )
    deviation = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
    return mean * (1.0 + k * (deviation / dynamic_range - 1.0))


def _midpoint(small: np.ndarray, *, size: int, min_contrast: float) -> np.ndarray:
    """Halfway between the local darkest ink and lightest paper; 0 where they differ too little."""
    square = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    darkest = cv2.blur(cv2.erode(small, square).astype(np.float32), (size, size))
    lightest = cv2.blur(cv2.dilate(small, square).astype(np.float32), (size, size))
    contrast = lightest - darkest
    return np.where(contrast >= min_contrast, darkest + 0.5 * contrast, 0.0).astype(np.float32)


def denoise(image: np.ndarray, *, max_area: int = SPECK_AREA, dark: int = 128) -> np.ndarray:
    """Paint isolated dark specks of at most ``max_area`` pixels paper-white.

    Works on a binary page (ink 0) or a gray one (ink below ``dark``). Unlike a median or an
    opening it never thins a stroke: only whole connected blobs that small are removed, so
    preprocess() applies it to the binary page, where the specks are exactly those Sauvola kept.
    """
    ink = (image < dark).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    speck = stats[:, cv2.CC_STAT_AREA] <= max_area
    speck[0] = False  # label 0 is the paper
    cleaned = image.copy()
    cleaned[speck[labels]] = 255
    return cleaned


_denoise = denoise  # preprocess() has a `denoise` flag that hides the function


def _resize(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    shrinking = rows * cols < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(
        image, (cols, rows), interpolation=interpolation
    )  # cv2 sizes are (cols, rows)
