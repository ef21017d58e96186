"""Rendered-element records (typed line, stamp, handwriting) with exact boxes on the final page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ocr.records import Box

RegionType = Literal[
    "typed_line",
    "stamp",
    "handwriting",
    "signature",
    "underline",
    "margin_mark",
    "punch_hole",
    "fold",
]
Point = tuple[int, int]


@dataclass(frozen=True)
class Region:
    """One element drawn on a page: its kind, axis-aligned box, outline (x, y points) and text."""

    type: RegionType
    box: Box
    polygon: tuple[Point, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: box is [left, top, width, height], polygon a list of [x, y]."""
        return {
            "type": self.type,
            "box": self.box.as_list(),
            "polygon": [list(p) for p in self.polygon],
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Region:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["type"], Box(*data["box"]), tuple((x, y) for x, y in data["polygon"]), data["text"]
        )


def rect_corners(*, left: float, top: float, right: float, bottom: float) -> np.ndarray:
    """The corners of a rectangle as a (4, 2) array of (x, y), clockwise from the top left."""
    return np.array([[left, top], [right, top], [right, bottom], [left, bottom]], dtype=np.float64)


def rotation_matrix(*, centre_xy: tuple[float, float], angle_deg: float) -> np.ndarray:
    """A 2x3 affine matrix rotating by ``angle_deg`` (counter-clockwise on screen) about a point."""
    theta = math.radians(angle_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = centre_xy
    # Same convention as cv2.getRotationMatrix2D(centre, angle, 1.0).
    return np.array(
        [[cos, sin, (1 - cos) * cx - sin * cy], [-sin, cos, sin * cx + (1 - cos) * cy]],
        dtype=np.float64,
    )


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to an (n, 2) array of (x, y) points."""
    return points @ matrix[:, :2].T + matrix[:, 2]


def region_from_points(
    kind: RegionType, points: np.ndarray, *, text: str, page_rows: int, page_cols: int
) -> Region:
    """A region whose polygon is ``points`` rounded and whose box bounds it, clipped to the page."""
    xs = np.clip(points[:, 0], 0, page_cols)
    ys = np.clip(points[:, 1], 0, page_rows)
    left, top = math.floor(xs.min()), math.floor(ys.min())
    right, bottom = math.ceil(xs.max()), math.ceil(ys.max())
    polygon = tuple((round(float(x)), round(float(y))) for x, y in zip(xs, ys, strict=True))
    return Region(kind, Box(left, top, right - left, bottom - top), polygon, text)


def regions_to_json(regions: Sequence[Region]) -> list[dict[str, Any]]:
    """The regions as a JSON-ready list."""
    return [r.to_dict() for r in regions]
