"""The page frame: where the paper is in a scan (dark bed, black bands, facing page, gutter)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.records import Box

# The search runs on a copy whose long side is this many pixels (~70 dpi for an A4 page).
FRAME_LONG_SIDE = 800
# Per row/column, this percentile of brightness is the paper's, whatever the text and
# show-through on it (they cover far less than a tenth of a row or column).
PAPER_PERCENTILE = 90
# A band this much darker than the page's paper is not paper: scanner bed, black border, gutter
# shadow, a grey board behind the page.
DARK_BAND = 0.12
# A band narrower than this share of the side is a ruled line unless it touches the border or
# the paper's tone differs on its two sides (an edge).
MIN_BAND = 0.006
# A tone step at least this large, within STEP_WIDTH pixels and lasting STEP_SPAN pixels on both
# sides, is the edge of a sheet (a facing page, stacked leaves): gradual light fall-off is not.
EDGE_STEP = 0.05
STEP_WIDTH = 3
STEP_SPAN = 10
# A dark band starts where the profile falls, within BAND_REACH pixels, this much below the paper
# just inside (INNER_SPAN pixels, STEP_WIDTH in): a slow fall-off of light (a lamp off-centre, a
# curled sheet) that crosses DARK_BAND somewhere on the paper is not a band, and the ink on that
# paper stays in the frame.
BAND_DROP = 0.08
BAND_REACH = 8
INNER_SPAN = 20
# The page is at least this share of the scan on each axis; a cut that leaves less is not
# trusted (a two-page spread keeps both pages).
MIN_PAGE_SHARE = 0.5


@dataclass(frozen=True)
class FrameEdge:
    """Where a side of the page was found: the side, the position in the scan's pixels, and what
    lay beyond it ("band": dark border or bed, "gutter": a dark band with paper beyond it,
    "edge": a sheet's edge, a tone step)."""

    side: str  # "left", "right", "top" or "bottom"
    position: int
    kind: str


@dataclass(frozen=True)
class PageFrame:
    """The page's box in the scan and the edges that bound it (none found: the whole scan)."""

    box: Box
    edges: tuple[FrameEdge, ...]

    @property
    def cropped(self) -> bool:
        return bool(self.edges)


def find_page_frame(image: np.ndarray) -> PageFrame:
    """The paper of the page in ``image`` (gray or BGR), from the brightness profiles of its
    rows and columns: each side is cut at the first dark band or sheet edge met going out from
    the page's centre; a side with neither stays at the scan's border."""
    rows, cols = image.shape[:2]
    gray = image if image.ndim == 2 else cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)
    scale = min(1.0, FRAME_LONG_SIDE / max(rows, cols))
    small = cv2.resize(
        gray,
        (max(1, round(cols * scale)), max(1, round(rows * scale))),
        interpolation=cv2.INTER_AREA,
    ).astype(np.float32)
    box = (0, small.shape[0], 0, small.shape[1])  # top, bottom, left, right
    found: dict[str, tuple[int, str]] = {}
    for _ in range(2):  # columns within the page's rows, then rows within its columns, twice
        found |= _cuts(
            np.percentile(small[box[0] : box[1], :], PAPER_PERCENTILE, axis=0), ("left", "right")
        )
        box = (box[0], box[1], *_span(found, "left", "right", small.shape[1]))
        found |= _cuts(
            np.percentile(small[:, box[2] : box[3]], PAPER_PERCENTILE, axis=1), ("top", "bottom")
        )
        box = (*_span(found, "top", "bottom", small.shape[0]), box[2], box[3])
    return _full_size(box, found, scale=scale, rows=rows, cols=cols)


def _span(found: dict[str, tuple[int, str]], low: str, high: str, size: int) -> tuple[int, int]:
    return found.get(low, (0, ""))[0], found.get(high, (size, ""))[0]


def _full_size(
    box: tuple[int, int, int, int],
    found: dict[str, tuple[int, str]],
    *,
    scale: float,
    rows: int,
    cols: int,
) -> PageFrame:
    top, bottom, left, right = (round(v / scale) for v in box)
    top, left = (
        max(0, min(top, rows - 1)) if "top" in found else 0,
        max(0, min(left, cols - 1)) if "left" in found else 0,
    )
    bottom = max(top + 1, min(bottom, rows)) if "bottom" in found else rows
    right = max(left + 1, min(right, cols)) if "right" in found else cols
    sides = {"top": top, "bottom": bottom, "left": left, "right": right}
    edges = tuple(FrameEdge(side, sides[side], kind) for side, (_, kind) in found.items())
    return PageFrame(Box(left, top, right - left, bottom - top), edges)


def _cuts(profile: np.ndarray, sides: tuple[str, str]) -> dict[str, tuple[int, str]]:
    """Where the page ends on each side of a brightness profile: {side: (cut, kind)}, the cut
    being the first position beyond the page (an exclusive end on the high side)."""
    size = profile.size
    profile = cv2.blur(profile.reshape(1, -1), (3, 1)).ravel()
    centre = size // 2
    level = float(np.median(profile[size // 4 : max(size // 4 + 1, 3 * size // 4)]))
    dark = profile < (1.0 - DARK_BAND) * level
    if dark[centre] or level <= 0:
        return {}  # the centre is not paper (a spread's gutter, a dark scan): no cut
    out: dict[str, tuple[int, str]] = {}
    for side, step in zip(sides, (-1, 1), strict=True):
        cut = _first_boundary(profile, dark, centre, step, level)
        if cut is not None:
            position, kind = cut  # the first position beyond the page
            kept = size - position - 1 if step < 0 else position
            if kept >= MIN_PAGE_SHARE * size:
                out[side] = (position + 1 if step < 0 else position, kind)
    return out


def _first_boundary(
    profile: np.ndarray, dark: np.ndarray, centre: int, step: int, level: float
) -> tuple[int, str] | None:
    """Going from ``centre`` by ``step``, the first dark band (of MIN_BAND width, or reaching the
    border) or sheet edge: (the first position beyond the page, its kind)."""
    size = profile.size
    i = centre
    while 0 <= i + step < size:
        i += step
        if dark[i]:
            end = i
            while 0 <= end + step < size and dark[end + step]:
                end += step
            start = _band_start(profile, i, end, step)
            if start is not None:
                if end in (0, size - 1):
                    return start, "band"
                width = abs(end - start) + 1
                if width >= MIN_BAND * size or _is_edge(profile, start, step, level):
                    return start, "gutter"
            i = end
        elif 0 <= i + step < size and not dark[i + step] and _is_edge(profile, i, step, level):
            return i + step, "edge"
    return None


def _band_start(profile: np.ndarray, first: int, last: int, step: int) -> int | None:
    """The first position of the dark run ``first``..``last`` (going by ``step``) where the
    profile drops BAND_DROP below the paper just inside it: where a band really begins (None:
    the run is light fading slowly, not a band)."""
    size = profile.size
    for j in range(first, last + step, step):
        inner = profile[_span_from(j - step * STEP_WIDTH, -step, INNER_SPAN, size)]
        reach = profile[_span_from(j, step, BAND_REACH, size)]
        if inner.size and reach.size and reach.min() < (1.0 - BAND_DROP) * np.median(inner):
            return j
    return None


def _span_from(start: int, step: int, length: int, size: int) -> slice:
    """``length`` positions from ``start`` going by ``step``, clipped to the profile."""
    if step > 0:
        return slice(max(0, start), max(0, min(size, start + length)))
    return slice(max(0, start - length + 1), max(0, min(size, start + 1)))


def _is_edge(profile: np.ndarray, i: int, step: int, level: float) -> bool:
    """A sharp, lasting tone step at ``i`` (paper inside, another sheet or board outside)."""
    size = profile.size
    inner_at, outer_at = i - step * STEP_WIDTH, i + step
    if not (0 <= inner_at < size and 0 <= outer_at < size):
        return False
    if abs(float(profile[inner_at]) - float(profile[outer_at])) < EDGE_STEP * level:
        return False
    inner = profile[_window(inner_at, -step, size)]
    outer = profile[_window(outer_at, step, size)]
    if inner.size < STEP_SPAN // 2 or outer.size < STEP_SPAN // 2:
        return False
    return abs(float(np.median(inner)) - float(np.median(outer))) >= EDGE_STEP * level


def _window(start: int, step: int, size: int) -> slice:
    """STEP_SPAN positions from ``start`` going by ``step`` (clipped to the profile)."""
    if step > 0:
        return slice(start, min(size, start + STEP_SPAN))
    return slice(max(0, start - STEP_SPAN + 1), start + 1)


def reading_budget(paper_share: float, *, frame_share: float, budget: float) -> float:
    """The CPU seconds of a page's first reading past which no other reading is tried
    (ocr.readings.read_page's ``budget``): ``budget``, but none for a scan that holds more than
    the page (its paper under ``frame_share`` of the scan, the share that makes the reading
    doubtful). The first reading is of the scan as loaded, and what makes it slow there is the
    scanner bed's grain around the page (thousands of specks for tesseract's layout; the
    violet typescripts of 12148-btv1b52502601r inside a dark bed took 20-21 s of CPU and read
    nothing, bench/results_variants.md "Round 19b"): the processed page is that page's paper
    alone, so reading it is what the frame crop is for, not a pathological page's second
    cost."""
    return budget if paper_share >= frame_share else math.inf
