"""Stamps: coloured ink grouped by hue; on grey or bilevel scans, round, oval and framed shapes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.detect.ink import (
    Blob,
    Components,
    TextMetrics,
    components,
    look_up,
    max_pool,
    strip_rules,
)
from ocr.detect.regions import (
    STAMP,
    ColourFigures,
    FrameFigures,
    Region,
    RingFigures,
    overlap,
    points_polygon,
)
from ocr.imaging import hue_of_pixels as hue_of_pixels
from ocr.records import Box

# OpenCV hue (0..180) bands of stamp and pen inks. Paper, foxing and grey ink seen through
# yellowed paper (11..38) never reach the colour mask, see ocr.preprocess.colour_ink_mask.
# Violet stamp pads sit at 125-160 (a synthetic violet measures 133), blue pens and blue
# stamps at 90-124 (a blue ballpoint measures 115): the split at 124 keeps a blue number
# written into a violet stamp apart from it.
HUE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("red", 0, 11),
    ("green", 38, 90),
    ("blue", 90, 124),
    ("violet", 124, 160),
    ("red", 160, 181),
)
# Sizes at 300 dpi. Coloured ink is sparse on a page, so a wide closing (0.15 in) safely joins a
# stamp's letters, rules and frame; a stamp is at least 0.4 in on its short side (a pen-written
# number is smaller) and carries lettering (many separate pieces), a pen stroke few.
COLOUR_CLOSE = 45
MIN_STAMP_SIDE = 120
MIN_STAMP_PIECES = 6
MIN_COLOUR_INK = 300
GROUP_SHRINK = 4
# Shapes are searched at half resolution: frame sides at least 80 px (0.27 in) long, stamps
# between 0.27 and 4 inches across.
SHAPE_SHRINK = 2
MIN_FRAME_SIDE = 80
MAX_STAMP_SIDE = 1200
FRAME_SIDE_COVER = 0.6
BRIDGE_PX = 7  # half-resolution pixels
WIDE_BRIDGE_PX = 17
LINE_GAP_PX = 41  # half-resolution pixels: a side of a worn frame may miss 0.27 in
# A piece of touching typed letters: as tall as a typed word (x-height to descender), ink over
# much of its box, and much of that ink in letters' upright stems.
WORD_ROWS_MIN = 0.5
WORD_ROWS_MAX = 1.6
WORD_FILL = 0.3
WORD_MAX_ASPECT = 15.0  # a word of 15 touching letters; a frame's side is longer for its height
WORD_STEMS = 0.2
MAX_FRAME_FILL = 0.35  # ink share inside: a frame holds lettering; a seal or a blot is solid
MIN_RING_AXIS = 150  # 0.5 in: smaller loops are handwritten digits and letters, not stamps
# A ring: inked along at least 60% of the fitted ellipse, at least 25 points more than just
# outside it (typed text around a chance circle is inked both on and off it), not too flat.
ELLIPSE_COVER = 0.6
RING_CONTRAST = 0.25
MIN_AXIS_RATIO = 0.35
MAX_HOUGH = 40


@dataclass(frozen=True, eq=False)
class ColourGroup(Blob):
    """A cluster of same-coloured ink (a :class:`Blob` with its colour) and its piece count."""

    pieces: int = 0

    @property
    def ink(self) -> int:
        return int(self.mask.sum())


def colour_layers(bgr: np.ndarray, colour_mask: np.ndarray) -> dict[str, np.ndarray]:
    """The colour mask split by hue band into one uint8 mask per ink colour present."""
    rows, cols = np.nonzero(colour_mask)
    layers: dict[str, np.ndarray] = {}
    if rows.size == 0 or bgr.ndim != 3:
        return layers
    hue = hue_of_pixels(bgr, rows, cols)
    for name, low, high in HUE_BANDS:
        sel = (hue >= low) & (hue < high)
        if np.count_nonzero(sel) == 0:
            continue
        layer = layers.setdefault(name, np.zeros(colour_mask.shape, dtype=np.uint8))
        layer[rows[sel], cols[sel]] = 1
    return layers


def colour_groups(
    bgr: np.ndarray,
    colour_mask: np.ndarray | None,
    *,
    metrics: TextMetrics,
    layers: dict[str, np.ndarray] | None = None,
) -> list[ColourGroup]:
    """Same-coloured ink grouped by a wide closing into clusters (stamps, pen marks).

    The closing runs on a quarter-resolution copy (a max-pool keeps every thin stroke): a 45 px
    kernel over a whole page at full resolution would cost most of the time budget.
    """
    groups: list[ColourGroup] = []
    close = max(3, metrics.px(COLOUR_CLOSE) // GROUP_SHRINK)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close, close))
    min_ink = metrics.px(MIN_COLOUR_INK) * metrics.scale
    if layers is None:
        assert colour_mask is not None, "a colour mask or its layers"
        layers = colour_layers(bgr, colour_mask)
    for colour, layer in layers.items():
        closed = cv2.morphologyEx(max_pool(layer, GROUP_SHRINK), cv2.MORPH_CLOSE, kernel)
        # Outer outlines only: lettering inside a stamp's frame belongs to the stamp.
        contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            left, top, cols, rows = cv2.boundingRect(contour)
            inside = np.zeros((rows, cols), dtype=np.uint8)
            cv2.drawContours(inside, [contour], -1, 1, thickness=-1, offset=(-left, -top))
            inside = np.kron(inside, np.ones((GROUP_SHRINK, GROUP_SHRINK), dtype=np.uint8))
            ink = layer[
                top * GROUP_SHRINK : (top + rows) * GROUP_SHRINK,
                left * GROUP_SHRINK : (left + cols) * GROUP_SHRINK,
            ]
            ink = ink & inside[: ink.shape[0], : ink.shape[1]]
            if ink.sum() >= min_ink:
                groups.append(
                    _tight_group(
                        colour, ink, top * GROUP_SHRINK, left * GROUP_SHRINK, metrics=metrics
                    )
                )
    return groups


def _tight_group(
    colour: str, ink: np.ndarray, top: int, left: int, *, metrics: TextMetrics
) -> ColourGroup:
    """The group cropped to its ink, with its pieces counted."""
    rows, cols = np.nonzero(ink)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    crop = np.ascontiguousarray(ink[r0:r1, c0:c1]).astype(np.uint8)
    return ColourGroup(
        crop,
        top + int(r0),
        left + int(c0),
        colour,
        pieces=_count_pieces(crop, min_area=metrics.px(12)),
    )


def _count_pieces(ink: np.ndarray, *, min_area: int) -> int:
    stats = components(ink).stats
    return int(np.count_nonzero(stats[1:, cv2.CC_STAT_AREA] >= min_area))


def is_stamp_group(group: ColourGroup, *, metrics: TextMetrics) -> bool:
    """A coloured stamp is large (0.4 in on its short side) and lettered (many pieces)."""
    return (
        min(group.rows, group.cols) >= metrics.px(MIN_STAMP_SIDE)
        and group.pieces >= MIN_STAMP_PIECES
    )


def colour_stamps(
    bgr: np.ndarray,
    colour_mask: np.ndarray | None,
    *,
    metrics: TextMetrics,
    layers: dict[str, np.ndarray] | None = None,
) -> tuple[list[Region], list[ColourGroup]]:
    """Stamps in coloured ink, and the coloured groups that are not stamps (pen marks).

    The colour mask (``ocr.preprocess.colour_ink_mask``: saturated, non-paper hues after white
    balance, so yellowed paper and grey ink never enter it) is split by hue (or pass its ``layers``
    from :func:`colour_layers`, when the caller has them already), closed and grouped.
    """
    stamps: list[Region] = []
    others: list[ColourGroup] = []
    for group in colour_groups(bgr, colour_mask, metrics=metrics, layers=layers):
        if not is_stamp_group(group, metrics=metrics):
            others.append(group)
            continue
        rows, cols = np.nonzero(group.mask)
        box, polygon = points_polygon(np.column_stack([cols + group.left, rows + group.top]))
        stamps.append(
            Region(
                STAMP,
                box,
                polygon,
                score=0.9,
                colour=group.colour,
                source="colour",
                reason=(
                    f"{group.colour} stamp: {group.ink} px of {group.colour} ink in "
                    f"{group.pieces} pieces over {box.width}x{box.height} px"
                ),
                detail=ColourFigures(group.ink, group.pieces),
            )
        )
    return stamps, others


# --- stamps by shape (grey and bilevel scans) --------------------------------------------------


def _shrink(ink: np.ndarray) -> np.ndarray:
    """Half-resolution ink: a pixel is ink if any pixel of its 2x2 block is (a max-pool)."""
    return max_pool(ink, SHAPE_SHRINK)


def long_ink(small: np.ndarray, *, min_length: int, word_rows: float | None = None) -> np.ndarray:
    """Ink pieces at least ``min_length`` long on some side: frames, rings, rules, cursive strokes.

    Typed glyphs (and most typed words, whose letters do not touch) drop out, so a stamp's outline
    stands alone even where the stamp lies over typed lines. With ``word_rows`` (the typed word
    height in the same pixels) a word whose letters touch (italic, bold or ink-spread typing)
    drops out too (see :func:`typed_word_pieces`).
    """
    comps = components(small)
    stats = comps.stats
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = extent >= min_length
    if word_rows is not None:
        keep &= ~typed_word_pieces(small, comps, word_rows=word_rows, among=keep)
    keep[0] = False
    return look_up(keep.view(np.uint8), comps.labels)


def typed_word_pieces(
    small: np.ndarray, comps: Components, *, word_rows: float, among: np.ndarray
) -> np.ndarray:
    """Which of the pieces ``among`` are typed words of touching letters: wider than tall but
    at most WORD_MAX_ASPECT times, WORD_ROWS_MIN to WORD_ROWS_MAX typed word heights tall, ink
    over WORD_FILL of the box, and WORD_STEMS of that ink in upright strokes half a word high
    (letters' stems). A frame's side is a rule: no stems, however thick or tilted; a frame's
    corner is mostly paper."""
    stats = comps.stats
    width = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    height = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    shaped = (
        among
        & (width > height)
        & (width <= WORD_MAX_ASPECT * height)
        & (height >= WORD_ROWS_MIN * word_rows)
        & (height <= WORD_ROWS_MAX * word_rows)
        & (area >= WORD_FILL * width * height)
    )
    if not shaped[1:].any():
        return shaped
    stem = max(3, round(0.5 * word_rows) + 1)
    upright = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((stem, 1), np.uint8))
    stems = np.bincount(comps.labels[upright > 0], minlength=len(stats)).astype(np.float64)
    return shaped & (stems >= WORD_STEMS * area)


@dataclass(frozen=True)
class ShapeCandidate:
    """A group of long ink pieces (half resolution): its pixels as (x, y) points and its box."""

    points: np.ndarray
    left: int
    top: int
    cols: int
    rows: int


def shape_candidates(
    small: np.ndarray, *, metrics: TextMetrics
) -> tuple[list[ShapeCandidate], np.ndarray]:
    """Stamp-sized groups of long ink pieces in half-resolution ink, and the long-ink mask.

    Pieces are grouped twice, across small gaps (BRIDGE_PX) and across the wider gaps of a worn,
    dashed frame (WIDE_BRIDGE_PX); a group found both ways is kept once.
    """
    min_side = metrics.px(MIN_FRAME_SIDE) // SHAPE_SHRINK
    max_side = metrics.px(MAX_STAMP_SIDE) // SHAPE_SHRINK
    # Rules longer than any stamp (folds, margins, page edges) would tie frames to each other.
    small = strip_rules(small, min_length=max_side, max_thickness=6)
    pieces = long_ink(
        small,
        min_length=max(3 * min_side // 4, 8),
        word_rows=metrics.glyph_rows / SHAPE_SHRINK,
    )
    out: dict[tuple[int, int, int, int], ShapeCandidate] = {}
    window = _ink_window(pieces, margin=CLOSE_MARGIN)
    if window is None:
        return [], pieces  # no long ink: no closing joins anything
    top0, bottom0, left0, right0 = window
    crop = np.ascontiguousarray(pieces[top0:bottom0, left0:right0])
    for close in (
        _close_round(BRIDGE_PX),
        _close_round(WIDE_BRIDGE_PX),
        _close_along_lines(LINE_GAP_PX),
    ):
        comps = components(close(crop))
        for label in range(1, len(comps) + 1):
            left, top, cols, rows, _ = (int(v) for v in comps.stats[label])
            if min(cols, rows) >= min_side and max(cols, rows) <= max_side:
                out.setdefault(
                    (left + left0, top + top0, cols, rows),
                    _candidate(comps, label, crop, offset=(left0, top0)),
                )
    return list(out.values()), pieces


# The closings of shape_candidates run on the long ink's bounding box grown by this much (twice
# the longest kernel: a closing reaches no further from the ink), so they and the labels in
# the box are those of the whole page. The box starts on even rows and columns: the labelling
# scans 2 x 2 blocks, and numbers the pieces in the same order as on the whole page.
CLOSE_MARGIN = 2 * max(BRIDGE_PX, WIDE_BRIDGE_PX, LINE_GAP_PX) + 2


def _ink_window(mask: np.ndarray, *, margin: int) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the mask's ink box grown by ``margin`` (top and left
    rounded down to even) and cut to the page, or None for a mask without ink."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return (
        max(0, int(rows[0]) - margin) // 2 * 2,
        min(mask.shape[0], int(rows[-1]) + 1 + margin),
        max(0, int(cols[0]) - margin) // 2 * 2,
        min(mask.shape[1], int(cols[-1]) + 1 + margin),
    )


def _close_round(bridge: int) -> Callable[[np.ndarray], np.ndarray]:
    """A closing across gaps up to ``bridge`` in every direction."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (bridge, bridge))
    return lambda pieces: np.asarray(
        cv2.morphologyEx(pieces, cv2.MORPH_CLOSE, kernel), dtype=np.uint8
    )


def _close_along_lines(gap: int) -> Callable[[np.ndarray], np.ndarray]:
    """A closing across gaps up to ``gap`` along rows and along columns only: the sides of a worn
    frame broken into dashes line up, and join without bridging to anything beside them."""
    across_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1))
    down_kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap))

    def close(pieces: np.ndarray) -> np.ndarray:
        across = cv2.morphologyEx(pieces, cv2.MORPH_CLOSE, across_kernel)
        down = cv2.morphologyEx(pieces, cv2.MORPH_CLOSE, down_kernel)
        return np.bitwise_or(np.asarray(across, dtype=np.uint8), np.asarray(down, dtype=np.uint8))

    return close


def _candidate(
    comps: Components, label: int, pieces: np.ndarray, *, offset: tuple[int, int] = (0, 0)
) -> ShapeCandidate:
    """The label's long ink as a candidate; ``offset``: (left, top) of ``pieces`` on the page."""
    left, top, cols, rows, _ = (int(v) for v in comps.stats[label])
    crop = (comps.labels[top : top + rows, left : left + cols] == label) & (
        pieces[top : top + rows, left : left + cols] > 0
    )
    r, c = np.nonzero(crop)
    left, top = left + offset[0], top + offset[1]
    return ShapeCandidate(
        np.column_stack([c + left, r + top]).astype(np.float32), left, top, cols, rows
    )


def _sample(mask: np.ndarray, pts: np.ndarray) -> float:
    """Share of (x, y) points that fall on the mask (points off the page count as paper)."""
    pts = np.round(pts).astype(int)
    inside = (
        (pts[:, 0] >= 0)
        & (pts[:, 1] >= 0)
        & (pts[:, 0] < mask.shape[1])
        & (pts[:, 1] < mask.shape[0])
    )
    hits = np.zeros(len(pts), dtype=bool)
    hits[inside] = mask[pts[inside, 1], pts[inside, 0]] > 0
    return float(hits.mean()) if len(pts) else 0.0


def _rotate_points(points: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """(u, v): the points turned by -``degrees`` about the origin (a line at that tilt levels)."""
    theta = np.radians(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    return points[:, 0] * cos + points[:, 1] * sin, -points[:, 0] * sin + points[:, 1] * cos


class _Profiles:
    """The sharpness of a point set's row and column profiles at any tilt (see
    :func:`frame_tilt`): the sum of squared counts of points per row and per column after
    :func:`_rotate_points`. The coordinates are widened to float64 once (the products are those
    of :func:`_rotate_points`, value for value) and the counts squared and summed as integers
    (exact, as the float sums of these integers are)."""

    def __init__(self, points: np.ndarray) -> None:
        self.x = points[:, 0].astype(np.float64)
        self.y = points[:, 1].astype(np.float64)
        self.u = np.empty_like(self.x)
        self.v = np.empty_like(self.x)

    def peaks(self, degrees: float) -> float:
        theta = np.radians(degrees)
        cos, sin = np.cos(theta), np.sin(theta)
        u, v = self.u, self.v
        np.multiply(self.x, cos, out=u)
        u += self.y * sin  # x cos + y sin
        np.multiply(self.y, cos, out=v)
        v -= self.x * sin  # -x sin + y cos: the same sum, exactly
        return float(self._squares(v) + self._squares(u))

    @staticmethod
    def _squares(values: np.ndarray) -> int:
        values -= values.min()
        counts = np.bincount(values.astype(np.intp))
        return int(np.dot(counts, counts))


def frame_tilt(points: np.ndarray) -> float:
    """The tilt (-45..45 degrees) at which the points' rows and columns pile up most sharply:
    a frame's sides become single rows and columns. Coarse 1-degree search, then 0.25."""
    profiles = _Profiles(points)
    coarse = max(np.arange(-45.0, 45.0, 1.0), key=profiles.peaks)
    return float(max(np.arange(coarse - 0.75, coarse + 0.8, 0.25), key=profiles.peaks))


def _upright(cand: ShapeCandidate) -> tuple[np.ndarray, tuple[float, float], float]:
    """The candidate's pixels turned level (see :func:`frame_tilt`) onto a small grid."""
    angle = frame_tilt(cand.points)
    u, v = _rotate_points(cand.points, angle)
    origin = (float(u.min()), float(v.min()))
    grid = np.zeros((int(v.max() - origin[1]) + 1, int(u.max() - origin[0]) + 1), dtype=np.uint8)
    grid[(v - origin[1]).astype(int), (u - origin[0]).astype(int)] = 1
    return grid, origin, angle


def _outer_lines(profile: np.ndarray, band: int) -> tuple[int, int]:
    """The outermost well-inked line in the first and in the last ``band`` entries of a profile
    (of a double frame, the outer line: the polygon must enclose the whole stamp)."""
    head, tail = profile[:band], profile[-band:]
    first = int(np.flatnonzero(head >= 0.6 * head.max())[0])
    last = len(profile) - band + int(np.flatnonzero(tail >= 0.6 * tail.max())[-1])
    return first, last


def _frame(
    cand: ShapeCandidate, *, min_side: int, near_ink: np.ndarray | None = None
) -> Region | None:
    """A rectangle with at least three inked sides, each found as the best-covered row or column
    in the outer fifth of the upright candidate (so a stray tail does not shift the frame).

    ``near_ink`` (all half-resolution ink, dilated a little) also measures each side: a worn side
    in short dashes is missing from the candidate's long pieces but still drawn on the page."""
    raw, (u0, v0), angle = _upright(cand)
    grid = cv2.dilate(raw, np.ones((3, 3), np.uint8))  # a side may wobble by a pixel
    rows, cols = grid.shape
    band_r, band_c = max(3, rows // 5), max(3, cols // 5)
    top, bottom = _outer_lines(grid.sum(axis=1), band_r)
    left, right = _outer_lines(grid.sum(axis=0), band_c)
    if min(bottom - top, right - left) < min_side:
        return None
    covers = [
        grid[top, left : right + 1].mean(),
        grid[top : bottom + 1, right].mean(),
        grid[bottom, left : right + 1].mean(),
        grid[top : bottom + 1, left].mean(),
    ]
    theta = np.radians(angle)
    cos, sin = np.cos(theta), np.sin(theta)
    if near_ink is not None and sum(c >= FRAME_SIDE_COVER for c in covers) == 2:

        def on_page(us: np.ndarray, vs: np.ndarray) -> float:
            uu, vv = us + u0, vs + v0
            return _sample(near_ink, np.column_stack([uu * cos - vv * sin, uu * sin + vv * cos]))

        across, down = (
            np.arange(left, right + 1, dtype=np.float64),
            np.arange(top, bottom + 1, dtype=np.float64),
        )
        drawn = [
            on_page(across, np.full_like(across, top)),
            on_page(np.full_like(down, right), down),
            on_page(across, np.full_like(across, bottom)),
            on_page(np.full_like(down, left), down),
        ]
        covers = [max(a, b) for a, b in zip(covers, drawn, strict=True)]
    sides = int(sum(c >= FRAME_SIDE_COVER for c in covers))
    inner = raw[top + 3 : bottom - 2, left + 3 : right - 2]
    if sides < 3 or (inner.size and inner.mean() > MAX_FRAME_FILL):
        return None
    u = np.array([left, right, right, left], dtype=np.float64) + u0
    v = np.array([top, top, bottom, bottom], dtype=np.float64) + v0
    corners = np.column_stack([u * cos - v * sin, u * sin + v * cos])  # turned back
    box, polygon = points_polygon(corners * SHAPE_SHRINK)
    return Region(
        STAMP,
        box,
        polygon,
        score=float(0.55 + 0.1 * sides),
        source="rectangle",
        reason=f"rectangular stamp frame {box.width}x{box.height} px, {sides} of 4 sides drawn",
        detail=FrameFigures(sides),
    )


def _ellipse_points(ellipse: tuple, *, scale: float = 1.0, step: int = 3) -> np.ndarray:
    (cx, cy), (major, minor), angle = ellipse
    axes = (max(1, round(major * scale / 2)), max(1, round(minor * scale / 2)))
    return np.asarray(
        cv2.ellipse2Poly((round(cx), round(cy)), axes, round(angle), 0, 360, step), dtype=np.float64
    )


def _ring(
    ellipse: tuple, near: np.ndarray, small: np.ndarray, *, min_side: int, max_side: int
) -> Region | None:
    """An ellipse whose outline is mostly inked while just outside it and deep inside it are not."""
    (_, _), (major, minor), _ = ellipse
    if not (min_side <= min(major, minor) and max(major, minor) <= max_side):
        return None
    if min(major, minor) < MIN_AXIS_RATIO * max(major, minor):
        return None
    cover = _sample(near, _ellipse_points(ellipse))
    outside = _sample(small, _ellipse_points(ellipse, scale=1.15))
    centre = _sample(small, _ellipse_points(ellipse, scale=0.4))
    if cover < ELLIPSE_COVER or cover - outside < RING_CONTRAST or centre > 0.6:
        return None
    pts = _ellipse_points(ellipse, step=10) * SHAPE_SHRINK
    left, top = np.floor(pts.min(axis=0)).astype(int)
    right, bottom = np.ceil(pts.max(axis=0)).astype(int) + 1
    box = Box(int(left), int(top), int(right - left), int(bottom - top))
    polygon = tuple((round(float(x)), round(float(y))) for x, y in pts)
    shape = "round" if min(major, minor) > 0.85 * max(major, minor) else "oval"
    return Region(
        STAMP,
        box,
        polygon,
        score=float(min(0.95, 0.35 + 0.6 * cover)),
        source="ellipse",
        reason=f"{shape} stamp {box.width}x{box.height} px, its ring {cover:.0%} drawn",
        detail=RingFigures(round(cover, 3), shape),
    )


def _fit_ellipse(cand: ShapeCandidate) -> tuple | None:
    """An ellipse fitted to the candidate's hull, then refitted to the points near it (typed
    letters touching a ring pull the hull outwards; the refits shed them)."""
    if len(cand.points) < 20:
        return None
    hull = cv2.convexHull(cand.points)
    if len(hull) < 5:
        return None
    return _refine_ellipse(cv2.fitEllipse(hull), cand.points)


def _refine_ellipse(
    ellipse: tuple, points: np.ndarray, *, rounds: int = 4, band: float = 0.08
) -> tuple:
    """Refit to the points within ``band`` (relative radius) of the ellipse, a few times."""
    for _ in range(rounds):
        (cx, cy), (major, minor), angle = ellipse
        if min(major, minor) < 2:
            return ellipse
        theta = np.radians(angle)
        dx, dy = points[:, 0] - cx, points[:, 1] - cy
        u = (dx * np.cos(theta) + dy * np.sin(theta)) / (major / 2)
        v = (-dx * np.sin(theta) + dy * np.cos(theta)) / (minor / 2)
        near = np.abs(np.hypot(u, v) - 1.0) < band
        if np.count_nonzero(near) < 20:
            return ellipse
        ellipse = cv2.fitEllipse(points[near])
    return ellipse


def _hough_circles(pieces: np.ndarray, *, min_side: int, max_side: int) -> list[tuple]:
    """Circles in the long ink at quarter resolution: rings worn into separate arcs."""
    quarter = cv2.resize(
        pieces * 255, (pieces.shape[1] // 2, pieces.shape[0] // 2), interpolation=cv2.INTER_AREA
    )
    blurred = cv2.GaussianBlur(quarter, (5, 5), 1.5)
    circles = cv2.HoughCircles(
        blurred,
        cv2.HOUGH_GRADIENT,
        dp=1,
        minDist=max(min_side // 2, 10),
        param1=100,
        param2=30,
        minRadius=max(min_side // 4, 5),
        maxRadius=max_side // 4,
    )
    if circles is None:
        return []
    return [((2 * x, 2 * y), (4 * r, 4 * r), 0.0) for x, y, r in circles[0][:MAX_HOUGH]]


def shape_stamps(ink: np.ndarray, *, metrics: TextMetrics, dashed: bool = True) -> list[Region]:
    """Stamps on grey or bilevel scans by their outline: rectangular frames, round and oval rings.

    Works on long ink pieces only (see :func:`long_ink`); each stamp-sized group is tested as a
    frame (minimum-area rectangle with three or four inked sides) and as a ring (ellipse fitted to
    its hull, inked along the outline but not just outside it); Hough circles add rings worn into
    arcs. With ``dashed`` (pages without coloured ink: there a coloured stamp is found by its
    colour), :func:`dashed_frames` adds frames with one whole side and the rest in dashes.
    Overlapping finds are left for :func:`ocr.detect.regions.merge_overlapping`.
    """
    small = _shrink(ink)
    candidates, pieces = shape_candidates(small, metrics=metrics)
    near = cv2.dilate(pieces, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    near_all = cv2.dilate(small, np.ones((3, 3), np.uint8))
    min_side = metrics.px(MIN_FRAME_SIDE) // SHAPE_SHRINK
    min_axis = metrics.px(MIN_RING_AXIS) // SHAPE_SHRINK
    max_side = metrics.px(MAX_STAMP_SIDE) // SHAPE_SHRINK
    found: list[Region] = []
    for cand in candidates:
        frame = _frame(cand, min_side=min_side, near_ink=near_all)
        ellipse = _fit_ellipse(cand)
        ring = (
            _ring(ellipse, near, small, min_side=min_axis, max_side=max_side) if ellipse else None
        )
        found.extend(r for r in (ring or frame,) if r is not None)
    for circle in _hough_circles(pieces, min_side=min_axis, max_side=max_side):
        ring = _ring(circle, near, small, min_side=min_axis, max_side=max_side)
        if ring is not None:
            found.append(ring)
    return found + (dashed_frames(small, pieces, metrics=metrics) if dashed else [])


# --- worn frames (found first as pen strokes) -----------------------------------------------------

# A worn or dashed frame falls apart into pieces too short to trace as a rectangle, and the
# stamp's letters then pass for strokes. Seen from the pen mark's box, a frame still shows: its
# short sides nearly whole (a column near each side inked over most of the height) and its long
# sides at least in dashes. Handwriting touches its box's sides at a few points only.
WORN_SIDE_COVER = 0.6  # the worse of the left and right sides
WORN_TOP_COVER = 0.28  # the worse of the top and bottom sides
WORN_BAND = 0.15  # of the box: where a side is looked for
WORN_WOBBLE = 5  # px: dilation that closes a side's pinholes and follows its wobble


def frame_cover(ink: np.ndarray, box: Box) -> tuple[float, float]:
    """(worse of top and bottom, worse of left and right): the best-inked row or column near each
    side, as a share of the box's width or height."""
    pad = WORN_WOBBLE + 1
    crop = ink[max(box.top - pad, 0) : box.bottom + pad, max(box.left - pad, 0) : box.right + pad]
    if crop.size == 0:
        return 0.0, 0.0
    crop = cv2.dilate(crop, np.ones((WORN_WOBBLE, WORN_WOBBLE), np.uint8))
    rows, cols = crop.mean(axis=1), crop.mean(axis=0)
    band_r, band_c = max(3, int(WORN_BAND * len(rows))), max(3, int(WORN_BAND * len(cols)))
    return (
        float(min(rows[:band_r].max(), rows[-band_r:].max())),
        float(min(cols[:band_c].max(), cols[-band_c:].max())),
    )


def is_worn_frame(ink: np.ndarray, region: Region, *, metrics: TextMetrics) -> bool:
    """Is this black-ink pen find a stamp whose worn frame did not trace? (:func:`frame_cover`)"""
    if (
        region.colour
        or region.in_stamp
        or min(region.box.width, region.box.height) < metrics.px(MIN_STAMP_SIDE)
    ):
        return False
    across, down = frame_cover(ink, region.box)
    return down >= WORN_SIDE_COVER and across >= WORN_TOP_COVER


def as_worn_stamp(region: Region) -> Region:
    """The region re-typed as a stamp, saying why."""
    return Region(
        STAMP,
        region.box,
        region.polygon,
        score=0.6,
        source="worn-frame",
        reason=f"stamp with a worn frame {region.box.width}x{region.box.height} px: its sides "
        "show at the edges of ink that is not typing",
        detail=region.detail,
    )


# --- dashed frames (bilevel scans: a stamp's thin frame falls apart into dashes) ------------------

# On a bilevel scan a light stamp's frame survives as one or two whole sides and dashes for the
# rest: too little long ink for shape_candidates to trace a rectangle, and its pieces pass for
# pen strokes. Seen from a whole straight side (the seed), the opposite side is a column of the
# page's ink drawn over most of the seed's length, with paper just inside it (the stamp's
# lettering keeps clear of its frame; a typed block's left edge is followed by its letters),
# and the two other sides are rows drawn at least in dashes between the two columns.
DASHED_SIDE_COVER = 0.5  # the opposite side: share of the seed's length inked
DASHED_EDGE_COVER = 0.3  # the two joining sides: share of their length inked (dashes)
DASHED_INSIDE = 0.15  # ink share of the strip just inside each side
DASHED_STRIP = (5, 11)  # half-resolution px: the strip inside a side, from and to
DASHED_SLACK = 6  # half-resolution px: how far a joining side may lie beyond the seed's ends
SEED_THICKNESS = 6  # half-resolution px: a seed side is a thin straight line
DASHED_RULE_COVER = 0.9  # a table's column rule is drawn whole (a column of lettering is not)
SEED_FILL = 0.75  # of its length drawn in long ink (a worn side has gaps; typed columns more)
# Framed stamps on the tuning pages (seed 2101) are 0.24 to 1.0 times as tall as wide; a pair of
# rules (a margin line and a column of typed letters) found as a frame is far taller or flatter.
DASHED_MIN_ASPECT = 0.2
DASHED_MAX_ASPECT = 1.5


def _straight_seeds(pieces: np.ndarray, *, min_length: int) -> list[tuple[int, int, int, int]]:
    """Upright straight thin runs of long ink (dashes up to LINE_GAP_PX apart joined) at least
    ``min_length`` long: (x0, x1, y0, y1), x1 and y1 past the end."""
    joined = cv2.morphologyEx(
        pieces, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, LINE_GAP_PX))
    )
    upright = cv2.morphologyEx(
        joined, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_length))
    )
    stats = components(np.asarray(upright, dtype=np.uint8)).stats
    return [
        (int(x), int(x + w), int(y), int(y + h))
        for x, y, w, h, _ in stats[1:]
        if w <= SEED_THICKNESS
        and h >= min_length
        and pieces[y : y + h, x : x + w].any(axis=1).mean() >= SEED_FILL
    ]


def _dashed_frames_upright(
    pieces: np.ndarray, near: np.ndarray, *, min_side: int, max_side: int
) -> list[tuple[int, int, int, int]]:
    """Frames (left, top, right, bottom) seeded by upright sides (see the notes above)."""
    cols = near.shape[1]
    found = []
    lo_in, hi_in = DASHED_STRIP
    for x0, x1, y0, y1 in _straight_seeds(pieces, min_length=min_side):
        if y1 - y0 > max_side:
            continue
        column_cover = near[y0:y1].mean(axis=0)
        for step in (1, -1):
            if step > 0:
                start, stop = x1 + min_side, x1 + max_side
            else:
                start, stop = x0 - max_side, x0 - min_side
            start, stop = max(start, 0), min(stop, cols)
            if stop <= start:
                continue
            far = start + int(np.argmax(column_cover[start:stop]))
            if column_cover[far] < DASHED_SIDE_COVER:
                continue
            left, right = (x0, far) if step > 0 else (far, x1 - 1)
            inside_left = near[y0:y1, left + lo_in : left + hi_in].mean()
            inside_right = near[y0:y1, right - hi_in + 1 : right - lo_in + 1].mean()
            if max(inside_left, inside_right) > DASHED_INSIDE:
                continue
            top = _joining_side(near, left, right, y0 - LINE_GAP_PX, y0 + hi_in)
            bottom = _joining_side(near, left, right, y1 - hi_in, y1 + LINE_GAP_PX)
            if top is None or bottom is None or not min_side <= bottom - top <= max_side:
                continue
            inner = near[top + hi_in : bottom - hi_in + 1, left + hi_in : right - hi_in + 1]
            if inner.size == 0 or inner.mean() > MAX_FRAME_FILL:
                continue
            # A ruled table: its rules run on past the corners.
            if _runs_on(near, top, left, right) or _runs_on(near, bottom, left, right):
                continue
            found.append((left, top, right, bottom))
    return found


def _runs_on(near: np.ndarray, row: int, left: int, right: int) -> bool:
    """Does the row's line carry on past either corner (a table's rule, not a stamp's side)?"""
    lo_in, hi_in = DASHED_STRIP
    band = near[max(row - 1, 0) : row + 2]
    before = band[:, max(left - hi_in, 0) : max(left - lo_in, 0)]
    after = band[:, right + lo_in : right + hi_in]
    return any(
        part.size and part.max(axis=0).mean() >= DASHED_SIDE_COVER for part in (before, after)
    )


def _joining_side(near: np.ndarray, left: int, right: int, first: int, last: int) -> int | None:
    """The best-inked row from ``first`` to ``last`` between two columns, if drawn in dashes."""
    first, last = max(first, 0), min(last, near.shape[0] - 1)
    if last < first:
        return None
    cover = near[first : last + 1, left : right + 1].mean(axis=1)
    best = int(np.argmax(cover))
    return first + best if cover[best] >= DASHED_EDGE_COVER else None


def _ruled_across(near: np.ndarray, frame: tuple[int, int, int, int]) -> bool:
    """Does an upright rule cross the frame's inside from top to bottom (a table's column rule;
    a stamp's inner rules, if any, run across it under a heading)?"""
    left, top, right, bottom = frame
    lo_in, hi_in = DASHED_STRIP
    inner = near[top + hi_in : bottom - hi_in + 1, left + hi_in : right - hi_in + 1]
    return bool(inner.size) and float(inner.mean(axis=0).max()) >= DASHED_RULE_COVER


def _outermost(frames: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The frames not lying inside a larger one (a stroke of the lettering paired with a side
    finds part of the stamp), largest first; of two near copies the first."""
    kept: list[tuple[int, int, int, int]] = []
    for f in sorted(frames, key=lambda f: (-(f[2] - f[0]) * (f[3] - f[1]), f)):
        box = Box(f[0], f[1], f[2] - f[0] + 1, f[3] - f[1] + 1)
        if not any(
            overlap(box, Box(k[0], k[1], k[2] - k[0] + 1, k[3] - k[1] + 1)) > 0.9 for k in kept
        ):
            kept.append(f)
    return kept


def dashed_frames(small: np.ndarray, pieces: np.ndarray, *, metrics: TextMetrics) -> list[Region]:
    """Rectangular stamp frames of which one side is whole and the others in dashes, seeded by
    upright and by level sides (half-resolution ``small`` ink and its long ``pieces``)."""
    min_side = metrics.px(MIN_FRAME_SIDE) // SHAPE_SHRINK
    max_side = metrics.px(MAX_STAMP_SIDE) // SHAPE_SHRINK
    near = cv2.dilate(small, np.ones((3, 3), np.uint8)).astype(np.float32)
    frames = {f for f in _dashed_frames_upright(pieces, near, min_side=min_side, max_side=max_side)}
    frames |= {
        (top, left, bottom, right)
        for left, top, right, bottom in _dashed_frames_upright(
            np.ascontiguousarray(pieces.T),
            np.ascontiguousarray(near.T),
            min_side=min_side,
            max_side=max_side,
        )
    }
    shaped = [
        f
        for f in frames
        if DASHED_MIN_ASPECT <= (f[3] - f[1]) / max(f[2] - f[0], 1) <= DASHED_MAX_ASPECT
        and not _ruled_across(near, f)
    ]
    found = []
    for left, top, right, bottom in _outermost(shaped):
        corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], float)
        box, polygon = points_polygon(corners * SHAPE_SHRINK)
        found.append(
            Region(
                STAMP,
                box,
                polygon,
                score=0.6,
                source="dashed-frame",
                reason=f"rectangular stamp frame {box.width}x{box.height} px, one side whole "
                "and the others drawn in dashes",
                detail=FrameFigures(4),
            )
        )
    return found
