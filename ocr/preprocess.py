"""Page preprocessing with OpenCV: grayscale, background, denoise, deskew, colour ink, binarize."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ocr.frame import DARK_BAND, EDGE_STEP, FRAME_LONG_SIDE, find_page_frame
from ocr.geometry import PageGeometry, rotation_matrix
from ocr.imaging import BACKGROUND_KERNEL as BACKGROUND_KERNEL
from ocr.imaging import HALO as HALO
from ocr.imaging import HALO_CHROMA as HALO_CHROMA
from ocr.imaging import MIN_CHROMA as MIN_CHROMA
from ocr.imaging import MIN_STAMP_LIGHTNESS as MIN_STAMP_LIGHTNESS
from ocr.imaging import PAPER_HUES as PAPER_HUES
from ocr.imaging import LastPage
from ocr.imaging import background as background
from ocr.imaging import check_image as _check_image
from ocr.imaging import colour_ink_mask as colour_ink_mask
from ocr.imaging import normalise_background as normalise_background
from ocr.imaging import paper_colour as paper_colour
from ocr.imaging import resize as _resize
from ocr.imaging import skew_ink as _skew_ink
from ocr.imaging import to_gray as to_gray
from ocr.imaging import white_balance as white_balance
from ocr.inkcolour import HUE_TOLERANCE, InkColour, StampFinder, stamp_ink, text_ink_colour
from ocr.records import Box, ProcessingStep

# A 300 dpi typed page has a few percent ink; a page number alone is ~0.01 %, dust a little less.
BLANK_INK_FRACTION = 0.0005
# Sizes in pixels at 300 dpi: the Sauvola window about two typed characters high, a speck
# smaller than a typed full stop (~25); the background's close is ocr.imaging's.
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
    find_stamps: StampFinder | None = None,
) -> Preprocessed:
    """Run every stage on one page and record each step with its settings.

    With ``binarize_output`` off, tesseract gets the deskewed, background-normalised gray page
    (coloured ink removed) and does its own thresholding; the binary is still used for ink
    measures. With ``page_frame`` the deskewed page is cropped to its paper (ocr.frame); the
    result's ``geometry`` maps its pixels back to ``image``'s. Stamp ink is removed only with
    ``find_stamps``, the stamp detector (ocr.stages.preprocess.find_colour_stamps)."""
    framing = frame_page(image, deskew=deskew, page_frame=page_frame)
    return render_frame(
        image,
        framing,
        denoise=denoise,
        remove_colour_ink=remove_colour_ink,
        binarize_output=binarize_output,
        dpi=dpi,
        find_stamps=find_stamps,
    )


def render_frame(
    image: np.ndarray,
    framing: Framing,
    *,
    denoise: bool = True,
    remove_colour_ink: bool = True,
    binarize_output: bool = True,
    dpi: int = 300,
    find_stamps: StampFinder | None = None,
) -> Preprocessed:
    """The page in its OCR frame (rotated, cropped), background-normalised, stamp ink removed
    (the stamps found by ``find_stamps``, when given), binarized and despeckled; the framing's
    steps come first in the result's."""
    steps: list[ProcessingStep] = list(framing.steps)
    view, gray, mask = _cleaned_gray(
        image, framing, remove_colour_ink=remove_colour_ink, dpi=dpi, find_stamps=find_stamps,
        steps=steps,
    )  # fmt: skip
    binary = binarize_page(gray, keep=not binarize_output)  # detection binarizes it again
    if denoise:  # the letters are counted from the same labelling (specks are no letters)
        binary, blobs = _despeckle(binary)
    else:
        blobs = text_blobs(binary)
    ink_fraction = float(np.count_nonzero(binary == 0)) / binary.size
    out = gray if not binarize_output else binary
    steps += _output_steps(denoise=denoise, binarize_output=binarize_output)
    return Preprocessed(
        out,
        view,
        mask,
        framing.skew_degrees,
        ink_fraction,
        tuple(steps),
        framing.geometry,
        blobs,
    )


def render_ocr_input(
    image: np.ndarray,
    framing: Framing,
    *,
    denoise: bool = True,
    remove_colour_ink: bool = True,
    binarize_output: bool = True,
    dpi: int = 300,
    find_stamps: StampFinder | None = None,
) -> tuple[np.ndarray, tuple[ProcessingStep, ...]]:
    """:func:`render_frame`'s OCR image and steps, and nothing else: with ``binarize_output``
    off, tesseract reads the gray page, so the binary page render_frame makes only for its ink
    measures (binarized, despeckled, its letters counted) is not made. Detection binarizes the
    gray page itself when it reads it (the same :func:`binarize_page`)."""
    if binarize_output:
        pre = render_frame(
            image, framing, denoise=denoise, remove_colour_ink=remove_colour_ink,
            binarize_output=True, dpi=dpi, find_stamps=find_stamps,
        )  # fmt: skip
        return pre.ocr_image, pre.steps
    steps: list[ProcessingStep] = list(framing.steps)
    _, gray, _ = _cleaned_gray(
        image, framing, remove_colour_ink=remove_colour_ink, dpi=dpi, find_stamps=find_stamps,
        steps=steps,
    )  # fmt: skip
    steps += _output_steps(denoise=denoise, binarize_output=False)
    return gray, tuple(steps)


def _cleaned_gray(
    image: np.ndarray,
    framing: Framing,
    *,
    remove_colour_ink: bool,
    dpi: int,
    find_stamps: StampFinder | None,
    steps: list[ProcessingStep],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The page in its frame, its gray page background-normalised with the stamp ink removed,
    and the stamp ink's pixels; the steps appended to ``steps``."""
    _check_image(image)
    if remove_colour_ink and find_stamps is None:
        raise ValueError(
            "remove_colour_ink needs find_stamps (ocr.stages.preprocess.find_colour_stamps); "
            "pass remove_colour_ink=False to keep coloured ink"
        )
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
        view,
        gray,
        framing.text_ink,
        find_stamps=find_stamps if remove_colour_ink else None,
        dpi=dpi,
        steps=steps,
    )
    return view, gray, mask


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
    return _letter_blobs(stats)


def _letter_blobs(stats: np.ndarray) -> int:
    """text_blobs of a page's blob statistics (connectedComponentsWithStats, label 0 paper)."""
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
    find_stamps: StampFinder | None,
    dpi: int,
    steps: list[ProcessingStep],
) -> np.ndarray:
    """Paint stamp ink white in ``gray`` (in place): coloured ink inside detected stamps that is
    not of the typed text's own colour (ocr.inkcolour); returns the pixels painted."""
    nothing = np.zeros(gray.shape, dtype=bool)
    if find_stamps is None or view.ndim == 2 or view.shape[2] == 1:
        return nothing
    found = stamp_ink(view, text, find_stamps=find_stamps, dpi=dpi)
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


def _output_steps(*, denoise: bool, binarize_output: bool) -> list[ProcessingStep]:
    """The steps after the cleaned gray page, in order: binarize, denoise, the gray OCR input."""
    return [
        _binarize_step(),
        *([_denoise_step()] if denoise else []),
        *([] if binarize_output else [_gray_input_step()]),
    ]


def _binarize_step() -> ProcessingStep:
    return _step(
        "binarize",
        "Sauvola local threshold with faint-ink midpoint",
        method="sauvola",
        window=SAUVOLA_WINDOW,
        k=SAUVOLA_K,
        dynamic_range=SAUVOLA_RANGE,
        faint_contrast=FAINT_CONTRAST,
    )


def _denoise_step() -> ProcessingStep:
    return _step("denoise", "remove isolated specks from the binary page", max_area=SPECK_AREA)


def _gray_input_step() -> ProcessingStep:
    return _step("ocr_input", "OCR gets the normalised gray page", binarized=False)


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


# The processed page render_frame binarized: detection binarizes the gray processed page again,
# the same pixels decoded from <stem>.ocr.png in the same worker.
_BINARIZED = LastPage()


def binarize_page(gray: np.ndarray, *, keep: bool = False) -> np.ndarray:
    """binarize(gray) with its defaults, made once per page: with ``keep`` the result is kept
    for the next call on the very same pixels (ocr.imaging.LastPage), which takes it back
    rather than binarizing again; any other call binarizes as :func:`binarize` does."""
    return _BINARIZED.get(gray, None, lambda: binarize(gray), keep=keep)


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
    return _cleaned(image, max_area=max_area, dark=dark)[0]


def _cleaned(image: np.ndarray, *, max_area: int, dark: int) -> tuple[np.ndarray, np.ndarray]:
    """denoise's page, and the statistics of the blobs it found (before the specks went)."""
    ink = (image < dark).view(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    speck = stats[:, cv2.CC_STAT_AREA] <= max_area
    speck[0] = False  # label 0 is the paper
    cleaned = image.copy()
    cleaned[speck[labels]] = 255
    return cleaned, stats


def _despeckle(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """denoise(binary) and text_blobs of the result, from one labelling: removing a speck
    (at most SPECK_AREA pixels) leaves every other blob whole, and text_blobs counts only
    blobs of more than twice that area."""
    cleaned, stats = _cleaned(binary, max_area=SPECK_AREA, dark=128)
    return cleaned, _letter_blobs(stats)
