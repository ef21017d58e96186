"""The typed text's own ink colour, measured on its letters, and stamp ink told apart from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from ocr.imaging import (
    LastPage,
    colour_ink_mask,
    colour_planes,
    hue_of_pixels,
    resize,
    skew_ink,
    to_gray,
    white_balance,
)
from ocr.records import Box

# Letters are measured on a copy whose long side is this many pixels (about 140 dpi on A4).
LETTERS_LONG_SIDE = 1600
# Median chroma (0..255, white-balanced) of the letters' darker half above which the typing
# itself is coloured (violet or blue ribbon, faded brown); black and grey ink stay below.
CHROMATIC = 16
# The darkest share (percent) of the letters' pixels taken as their strokes' cores: paper
# texture and show-through that pass for letters are lighter than typed strokes.
CORE_PERCENTILE = 30
# OpenCV hue units (0..180) either side of the text's own hue that are taken for its ink.
HUE_TOLERANCE = 18
# Hue bands that name an ink (OpenCV units), as ocr.detect.stamps splits stamp inks; 11..38
# is the paper band: yellowed paper, foxing, and faded brown ink.
INK_NAMES = (
    ("red", 0, 11),
    ("brown", 11, 38),
    ("green", 38, 90),
    ("blue", 90, 124),
    ("violet", 124, 160),
    ("red", 160, 181),
)
# A stamp's removal reaches this many pixels beyond its outline (its halo, worn edges).
STAMP_MARGIN = 6
# "Stamps" covering more of the page than this are the typing itself in a colour the letters
# did not show (a faint ribbon): nothing is removed.
MAX_STAMP_SHARE = 0.25
PAPER_BAND = (11, 38)  # as ocr.preprocess.PAPER_HUES: never in the colour mask anyway


@dataclass(frozen=True)
class InkColour:
    """The colour of the typed text's ink: a name, its hue (None for black or grey ink), the
    median chroma of its letters and how many letters were measured."""

    name: str
    hue: float | None
    chroma: float
    letters: int

    @property
    def chromatic(self) -> bool:
        return self.hue is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hue": None if self.hue is None else round(self.hue, 1),
            "chroma": round(self.chroma, 1),
            "letters": self.letters,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InkColour:
        hue = data.get("hue")
        return cls(
            str(data["name"]),
            None if hue is None else float(hue),
            float(data["chroma"]),
            int(data["letters"]),
        )


NEUTRAL = InkColour("black", None, 0.0, 0)


def hue_name(hue: float) -> str:
    """The ink name of an OpenCV hue."""
    return next(name for name, low, high in INK_NAMES if low <= hue < high)


def text_ink_colour(bgr: np.ndarray) -> InkColour:
    """The typed text's ink colour from its letters: letter-sized blobs of a shrunk copy, the
    darkest of their pixels, their median chroma and (if coloured) their median hue."""
    if bgr.ndim != 3 or bgr.shape[2] < 3:
        return NEUTRAL
    scale = min(1.0, LETTERS_LONG_SIDE / max(bgr.shape[:2]))
    small = resize(
        np.ascontiguousarray(bgr[:, :, :3]),
        max(1, round(bgr.shape[0] * scale)),
        max(1, round(bgr.shape[1] * scale)),
    )
    letters = skew_ink(to_gray(small), long_side=LETTERS_LONG_SIDE)
    if np.count_nonzero(letters) < 200:
        return NEUTRAL
    gray = to_gray(small)
    core = letters & (gray <= np.percentile(gray[letters], CORE_PERCENTILE))  # stroke cores
    chroma, _, _ = colour_planes(small)
    hue = cv2.cvtColor(white_balance(small), cv2.COLOR_BGR2HSV)[:, :, 0]
    median_chroma = float(np.median(chroma[core]))
    count = int(cv2.connectedComponents(letters.view(np.uint8))[0]) - 1
    if median_chroma < CHROMATIC:
        return InkColour("black", None, median_chroma, count)
    tinted = core & (chroma >= CHROMATIC)
    centre = circular_median(hue[tinted].astype(np.float32))
    return InkColour(hue_name(centre), centre, median_chroma, count)


def circular_median(hues: np.ndarray) -> float:
    """A robust centre of OpenCV hues (0..180, red wraps): the median of the hues unwrapped
    around their circular mean."""
    angles = hues.astype(np.float64) * (2 * np.pi / 180.0)
    mean = np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean())) / 2.0 % 180.0
    unwrapped = (hues - mean + 90.0) % 180.0 - 90.0
    return float((mean + np.median(unwrapped)) % 180.0)


def hue_distance(hue: np.ndarray, centre: float) -> np.ndarray:
    """|hue - centre| on the 180-unit OpenCV hue circle."""
    d = np.abs(hue.astype(np.float32) - np.float32(centre))
    return np.minimum(d, 180.0 - d)


def foreign_colour_mask(bgr: np.ndarray, text: InkColour) -> np.ndarray:
    """Coloured ink (ocr.imaging.colour_ink_mask) that is not of the typed text's own colour:
    every pixel within HUE_TOLERANCE of a coloured text's hue is left out (a hue in the paper
    band needs nothing: the colour mask never holds it)."""
    mask = colour_ink_mask(bgr)
    if text.hue is not None and not PAPER_BAND[0] <= text.hue <= PAPER_BAND[1] and mask.any():
        rows, cols = np.nonzero(mask)
        own = hue_distance(hue_of_pixels(bgr, rows, cols), text.hue) <= HUE_TOLERANCE
        mask[rows[own], cols[own]] = False
    return mask


# The framed page stamp_ink masked: detection masks the same framed page again (the view
# decoded from <stem>.view.jpg) in the same worker.
_MASKED = LastPage()


def page_colour_mask(bgr: np.ndarray, text: InkColour, *, keep: bool = False) -> np.ndarray:
    """foreign_colour_mask(bgr, text), made once per page: with ``keep`` the mask is kept for
    the next call on the very same pixels and text colour (ocr.imaging.LastPage), which takes
    it back rather than masking again; any other call masks as :func:`foreign_colour_mask`
    does."""
    return _MASKED.get(bgr, text, lambda: foreign_colour_mask(bgr, text), keep=keep)


class StampOutline(Protocol):
    """What preprocessing needs of a stamp the detector found: its outline and its box."""

    @property
    def box(self) -> Box: ...

    @property
    def polygon(self) -> Sequence[tuple[int, int]]: ...

    @property
    def area(self) -> int: ...


class StampFinder(Protocol):
    """The stamp detector, handed to preprocessing by the stage that composes them: the stamps
    (large, lettered clusters of one colour) in a page's foreign coloured ink."""

    def __call__(
        self, bgr: np.ndarray, colour_mask: np.ndarray, *, dpi: int
    ) -> Sequence[StampOutline]: ...


@dataclass(frozen=True, eq=False)
class StampInk:
    """Stamp ink to remove: the pixel mask and the stamps' boxes."""

    mask: np.ndarray
    stamps: tuple[Box, ...]


def stamp_ink(
    bgr: np.ndarray, text: InkColour, *, find_stamps: StampFinder, dpi: int = 300
) -> StampInk:
    """Coloured ink inside detected stamps only, never of the text's own colour.

    The colour mask (ocr.imaging.colour_ink_mask: saturated, non-paper hues) loses every
    pixel within HUE_TOLERANCE of the text's hue; what is left is grouped into stamps by
    ``find_stamps`` (the stamp detector, injected), and only the pixels inside a stamp's
    outline (grown by STAMP_MARGIN) are stamp ink. See :func:`foreign_colour_mask`."""
    nothing = StampInk(np.zeros(bgr.shape[:2], dtype=bool), ())
    if bgr.ndim != 3 or bgr.shape[2] < 3:
        return nothing
    mask = page_colour_mask(bgr, text, keep=True)  # detection masks the page again
    if not mask.any():
        return nothing
    stamps = find_stamps(bgr, mask, dpi=dpi)
    if not stamps or sum(s.area for s in stamps) > MAX_STAMP_SHARE * mask.size:
        return nothing
    outlines = np.zeros(mask.shape, dtype=np.uint8)
    for stamp in stamps:
        cv2.fillPoly(outlines, [np.asarray(stamp.polygon, dtype=np.int32).reshape(-1, 1, 2)], 1)
    grow = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * STAMP_MARGIN + 1,) * 2)
    inside = cv2.dilate(outlines, grow) > 0
    return StampInk(mask & inside, tuple(s.box for s in stamps))
