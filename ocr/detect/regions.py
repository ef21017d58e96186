"""The detected-region record, box geometry (IoU, containment), merging overlapping regions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from itertools import combinations
from typing import Any

import cv2
import numpy as np

from ocr.records import Box

Point = tuple[int, int]

STAMP = "stamp"
HANDWRITING = "handwriting"
SIGNATURE = "signature"
UNRECOGNISED_INK = "unrecognised_ink"
LOW_CONFIDENCE = "low_confidence"
GARBAGE = "garbage"
SHORT_LINE = "short_line"
REFERENCE_MARKER = "reference_marker"
REGION_TYPES = (
    STAMP,
    HANDWRITING,
    SIGNATURE,
    UNRECOGNISED_INK,
    LOW_CONFIDENCE,
    GARBAGE,
    SHORT_LINE,
    REFERENCE_MARKER,
)
IMAGE_TYPES = (
    STAMP,
    SIGNATURE,
    HANDWRITING,
    UNRECOGNISED_INK,
)  # also their priority, highest first
RECT_FILL = 0.9  # hull area over rotated-rectangle area above which an outline is a rectangle


# --- the figures a detector measured, one record per kind of find --------------------------------


@dataclass(frozen=True)
class ColourFigures:
    """A stamp in coloured ink: its ink pixels and pieces."""

    ink_px: int
    pieces: int


@dataclass(frozen=True)
class FrameFigures:
    """A rectangular stamp frame: how many of its four sides are drawn."""

    sides: int


@dataclass(frozen=True)
class RingFigures:
    """A round or oval stamp: the share of its ring that is drawn, and its shape."""

    ring_cover: float
    shape: str


@dataclass(frozen=True)
class StrokeFigures:
    """What tells handwriting from typing, measured on one cluster of pen strokes, dense ink or a
    worn stamp frame (ocr.detect.handwriting.stroke_features; sizes in typed-line heights H)."""

    ink_px: int
    pieces: int
    tallest: float
    longest: float
    longest_thickness: float
    stroke_cv: float
    density: float
    longest_share: float  # the longest piece's width over the cluster's
    extent: float  # the cluster's longer side
    ink: float  # ink area in H^2

    def rounded(self) -> StrokeFigures:
        """These figures with every fraction rounded to 3 places, as stored."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        fractions: dict[str, Any] = {
            k: round(v, 3) for k, v in values.items() if isinstance(v, float)
        }
        return replace(self, **fractions)


@dataclass(frozen=True)
class InStampFigures:
    """Handwriting written into a stamp: its strokes and their height over the lettering's."""

    in_stamp: bool = True  # first, as stored
    pieces: int = field(kw_only=True)
    ratio: float = field(kw_only=True)


@dataclass(frozen=True)
class InkFigures:
    """Ink that no OCR word covers: its pixels."""

    ink_px: int


@dataclass(frozen=True)
class LineFigures:
    """A line read shorter than its ink: the ink's width and the width its text needs."""

    ink_cols: int
    expected_cols: int


@dataclass(frozen=True)
class MarkerFigures:
    """A reference marker: its kind and where it sits in the reference text."""

    kind: str
    start: int
    end: int


RegionFigures = (
    ColourFigures
    | FrameFigures
    | RingFigures
    | StrokeFigures
    | InStampFigures
    | InkFigures
    | LineFigures
    | MarkerFigures
)
FIGURE_KINDS: tuple[type[RegionFigures], ...] = (
    ColourFigures,
    FrameFigures,
    RingFigures,
    StrokeFigures,
    InStampFigures,
    InkFigures,
    LineFigures,
    MarkerFigures,
)
STAMP_TEXT = "stamp_text"  # the stored key of a stamp's own text, beside its figures


def figures_json(figures: RegionFigures | None) -> dict[str, Any]:
    """The figures as stored (regions.json's ``detail``, a flag's region keys)."""
    return {} if figures is None else asdict(figures)


def figures_from_json(data: Mapping[str, Any]) -> RegionFigures | None:
    """The figures of a stored ``detail``: the kind whose fields are exactly its keys."""
    keys = set(data) - {STAMP_TEXT}
    if not keys:
        return None
    for kind in FIGURE_KINDS:
        names = {f.name for f in fields(kind)}
        if names == keys:
            return kind(**{k: data[k] for k in names})
    raise ValueError(f"unknown region figures {sorted(keys)}")


@dataclass(frozen=True)
class Region:
    """One detected region: what (``type``), where (box, polygon of (x, y) points), how sure, why.

    ``score`` is the detector's confidence in 0..1 and serves as the review severity; ``colour``
    names the ink of stamps and coloured handwriting (violet, blue, red, green, black) and is ""
    otherwise; ``source`` says which detector found it; ``text`` is the OCR text concerned (text
    flags); ``detail`` holds the measured figures behind ``reason`` (a record per kind of find);
    ``stamp_text`` is what a stamp read when stamps are read (None when they are not).
    """

    type: str
    box: Box
    polygon: tuple[Point, ...]
    score: float
    reason: str
    colour: str = ""
    source: str = ""
    text: str = ""
    detail: RegionFigures | None = None
    stamp_text: str | None = None

    @property
    def area(self) -> int:
        return self.box.width * self.box.height

    @property
    def in_stamp(self) -> bool:
        """Handwriting written into a stamp (ocr.detect.handwriting.handwriting_in_stamps)."""
        return isinstance(self.detail, InStampFigures)

    def detail_json(self) -> dict[str, Any]:
        """The figures and a read stamp's text, as stored: serialised here only."""
        out = figures_json(self.detail)
        if self.stamp_text is not None:
            out[STAMP_TEXT] = self.stamp_text
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Region:
        """A region of regions.json (see :meth:`stored`)."""
        detail = data["detail"]
        return cls(
            data["type"],
            Box(*data["box"]),
            tuple((int(x), int(y)) for x, y in data["polygon"]),
            data["score"],
            data["reason"],
            data["colour"],
            data["source"],
            data["text"],
            figures_from_json(detail),
            detail.get(STAMP_TEXT),
        )

    def stored(self) -> dict[str, Any]:
        """The region as regions.json holds it."""
        return {
            "type": self.type,
            "box": self.box.as_list(),
            "polygon": [list(p) for p in self.polygon],
            "score": self.score,
            "reason": self.reason,
            "colour": self.colour,
            "source": self.source,
            "text": self.text,
            "detail": self.detail_json(),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "box": self.box.as_list(),
            "polygon": [list(p) for p in self.polygon],
            "score": round(self.score, 4),
            "reason": self.reason,
            "colour": self.colour,
            "source": self.source,
            "text": self.text,
            **self.detail_json(),
        }


def box_polygon(box: Box) -> tuple[Point, ...]:
    return tuple(box.polygon())


def intersection(a: Box, b: Box) -> int:
    """Area shared by two boxes (0 if disjoint)."""
    cols = min(a.right, b.right) - max(a.left, b.left)
    rows = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(cols, 0) * max(rows, 0)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    shared = intersection(a, b)
    union = a.width * a.height + b.width * b.height - shared
    return shared / union if union > 0 else 0.0


def overlap(a: Box, b: Box) -> float:
    """The share of the smaller box that lies inside the other (1.0 when one contains the other)."""
    smaller = min(a.width * a.height, b.width * b.height)
    return intersection(a, b) / smaller if smaller > 0 else 0.0


def clip_box(box: Box, *, rows: int, cols: int) -> Box:
    left, top = min(max(box.left, 0), cols), min(max(box.top, 0), rows)
    right, bottom = min(max(box.right, 0), cols), min(max(box.bottom, 0), rows)
    return Box(left, top, right - left, bottom - top)


def grow_box(box: Box, margin: int) -> Box:
    return Box(box.left - margin, box.top - margin, box.width + 2 * margin, box.height + 2 * margin)


def points_polygon(points: np.ndarray) -> tuple[Box, tuple[Point, ...]]:
    """Bounding box and outline of (x, y) points: the rotated rectangle around them when they
    nearly fill it (a rectangular stamp keeps four corners, whose tilt tells how to level it),
    else their convex hull, simplified to within 2 px (a round stamp, a signature)."""
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    left, top = np.floor(pts.min(axis=0)).astype(int)
    right, bottom = np.ceil(pts.max(axis=0)).astype(int) + 1
    box = Box(int(left), int(top), int(right - left), int(bottom - top))
    rect = cv2.minAreaRect(pts)
    hull = cv2.convexHull(pts, clockwise=False)  # clockwise on screen, rows growing downwards
    rect_area = rect[1][0] * rect[1][1]
    if len(hull) < 3 or cv2.contourArea(hull) >= RECT_FILL * rect_area:
        return box, _clockwise(cv2.boxPoints(rect))
    simple = cv2.approxPolyDP(hull, 2.0, True).reshape(-1, 2)
    return box, tuple((round(float(x)), round(float(y))) for x, y in simple)


def _clockwise(corners: np.ndarray) -> tuple[Point, ...]:
    """Corners clockwise on screen (rows grow downwards), starting from the top-left-most."""
    centre = corners.mean(axis=0)
    angles = np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0])
    ordered = corners[np.argsort(angles)]
    start = int(np.argmin(ordered.sum(axis=1)))
    ordered = np.roll(ordered, -start, axis=0)
    return tuple((round(float(x)), round(float(y))) for x, y in ordered)


def fill_regions(
    shape: tuple[int, int], regions: Sequence[Region], *, margin: int = 0
) -> np.ndarray:
    """A uint8 mask (1 inside) of the regions' polygons, grown by ``margin`` pixels."""
    mask = np.zeros(shape, dtype=np.uint8)
    for region in regions:
        outline = [np.asarray(region.polygon, dtype=np.int32).reshape(-1, 1, 2)]
        cv2.fillPoly(mask, outline, 1)
        if margin > 0:  # a thick outline grows the polygon without dilating the whole page
            cv2.polylines(mask, outline, True, 1, thickness=2 * margin + 1)
    return mask


def merge_overlapping(
    regions: Sequence[Region],
    *,
    min_overlap: float = 0.5,
    types_equal: Callable[[Region, Region], bool] | None = None,
) -> list[Region]:
    """Merge same-type regions whose boxes overlap more than ``min_overlap`` (of the smaller).

    The merged region keeps the higher-scoring member's type, outline, reason and colour and takes
    the union box; repeated until nothing more merges. ``types_equal`` may widen "same type"
    (a signature and handwriting are one family).
    """
    same = types_equal or (lambda a, b: a.type == b.type)

    # Overlapping inks of different colours are different things (two stamps, a number in a stamp).
    def mergeable(a: Region, b: Region) -> bool:
        return same(a, b) and not (a.colour and b.colour and a.colour != b.colour)

    out = list(regions)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                a, b = out[i], out[j]
                if mergeable(a, b) and overlap(a.box, b.box) > min_overlap:
                    out[i] = _merge_pair(a, b)
                    del out[j]
                    merged = True
                    break
            if merged:
                break
    return out


def same_family(a: Region, b: Region) -> bool:
    """Same type, or signature and handwriting (one family: pen marks)."""
    return a.type == b.type or {a.type, b.type} <= {SIGNATURE, HANDWRITING}


def neighbours(a: Box, b: Box, *, gap: int) -> bool:
    """Side by side on one row (heights overlapping by half the smaller) and apart by at most
    ``gap`` or 0.8 of the smaller height (tall digits stand wider apart), or stacked (widths
    overlapping by 60% of the narrower) and at most ``gap`` / 2 apart."""
    rows = min(a.bottom, b.bottom) - max(a.top, b.top)
    cols = min(a.right, b.right) - max(a.left, b.left)
    if rows >= 0.5 * min(a.height, b.height):
        return -cols <= max(gap, 0.8 * min(a.height, b.height))
    if cols >= 0.6 * min(a.width, b.width):
        return -rows <= gap / 2
    return False


def merge_nearby(regions: Sequence[Region], *, gap: int) -> list[Region]:
    """Merge regions of one family (see :func:`same_family`) that are :func:`neighbours`: the
    digits of a number, the strokes of one signature; repeated until nothing more merges."""
    out = list(regions)
    merged = True
    while merged:
        merged = False
        for i, j in combinations(range(len(out)), 2):
            a, b = out[i], out[j]
            if (
                same_family(a, b)
                and not (a.colour and b.colour and a.colour != b.colour)
                and neighbours(a.box, b.box, gap=gap)
            ):
                out[i] = _merge_pair(a, b)
                del out[j]
                merged = True
                break
    return out


def _merge_pair(a: Region, b: Region) -> Region:
    # The surer find names the merged region; on a tie a signature wins (it is the larger claim).
    best, other = (
        (a, b) if (a.score, a.type == SIGNATURE) >= (b.score, b.type == SIGNATURE) else (b, a)
    )
    box = a.box.union(b.box)
    if iou(best.box, box) > 0.9:
        polygon = best.polygon
    else:  # the rotated rectangle around both outlines
        polygon = points_polygon(np.asarray(a.polygon + b.polygon, dtype=np.float32))[1]
    sources = "+".join(dict.fromkeys(s for s in (best.source, other.source) if s))
    return replace(
        best,
        box=box,
        polygon=polygon,
        source=sources,
        colour=best.colour or other.colour,
        score=max(a.score, b.score),
    )
