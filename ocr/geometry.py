"""Page geometry: how the OCR frame (page rotated upright, then cropped) maps to the original."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ocr.records import Box


def rotation_matrix(rows: int, cols: int, degrees: float) -> tuple[np.ndarray, int, int]:
    """The affine matrix rotating a (rows, cols) image counter-clockwise by ``degrees`` about its
    centre onto a canvas grown to hold all of it, and that canvas's rows and cols."""
    matrix = cv2.getRotationMatrix2D((cols / 2, rows / 2), degrees, 1.0)  # centre as (x, y)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    out_rows = int(np.ceil(rows * cos + cols * sin - 1e-6))
    out_cols = int(np.ceil(cols * cos + rows * sin - 1e-6))
    matrix[0, 2] += (out_cols - cols) / 2
    matrix[1, 2] += (out_rows - rows) / 2
    return matrix, out_rows, out_cols


@dataclass(frozen=True)
class PageGeometry:
    """The original page (``rows`` x ``cols``, as ocr.load gives it) was rotated by ``rotation``
    degrees counter-clockwise (0: not rotated) onto a (``canvas_rows``, ``canvas_cols``) canvas,
    then cropped to ``crop`` (in canvas pixels): that crop is the OCR frame, whose pixel (x, y)
    is canvas pixel (crop.left + x, crop.top + y)."""

    rows: int
    cols: int
    rotation: float
    canvas_rows: int
    canvas_cols: int
    crop: Box

    @classmethod
    def identity(cls, rows: int, cols: int) -> PageGeometry:
        """The OCR frame is the original page."""
        return cls(rows, cols, 0.0, rows, cols, Box(0, 0, cols, rows))

    @classmethod
    def rotated(cls, rows: int, cols: int, rotation: float) -> PageGeometry:
        """The page rotated (canvas grown as by :func:`rotation_matrix`), not cropped."""
        if rotation == 0.0:
            return cls.identity(rows, cols)
        _, canvas_rows, canvas_cols = rotation_matrix(rows, cols, rotation)
        return cls(
            rows, cols, rotation, canvas_rows, canvas_cols, Box(0, 0, canvas_cols, canvas_rows)
        )

    def cropped(self, box: Box) -> PageGeometry:
        """This geometry with its frame further cropped to ``box`` (in frame pixels)."""
        crop = Box(self.crop.left + box.left, self.crop.top + box.top, box.width, box.height)
        return PageGeometry(
            self.rows, self.cols, self.rotation, self.canvas_rows, self.canvas_cols, crop
        )

    @property
    def is_identity(self) -> bool:
        return self.rotation == 0.0 and self.crop == Box(0, 0, self.cols, self.rows)

    @property
    def frame_size(self) -> tuple[int, int]:
        """(rows, cols) of the OCR frame."""
        return self.crop.height, self.crop.width

    def _inverse(self) -> np.ndarray:
        if self.rotation == 0.0:
            return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        matrix, _, _ = rotation_matrix(self.rows, self.cols, self.rotation)
        return cv2.invertAffineTransform(matrix)

    def points_to_original(
        self, points: Iterable[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        """OCR-frame points (x, y) in the original page's pixels."""
        xy = np.asarray(list(points), dtype=np.float64).reshape(-1, 2)
        xy = xy + np.array([self.crop.left, self.crop.top], dtype=np.float64)
        inverse = self._inverse()
        out = xy @ inverse[:, :2].T + inverse[:, 2]
        return [(float(x), float(y)) for x, y in out]

    def points_to_frame(self, points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        """Points (x, y) of the original page in the OCR frame's pixels."""
        xy = np.asarray(list(points), dtype=np.float64).reshape(-1, 2)
        if self.rotation != 0.0:
            matrix, _, _ = rotation_matrix(self.rows, self.cols, self.rotation)
            xy = xy @ matrix[:, :2].T + matrix[:, 2]
        xy = xy - np.array([self.crop.left, self.crop.top], dtype=np.float64)
        return [(float(x), float(y)) for x, y in xy]

    def box_to_frame(self, box: Box) -> Box:
        """An original-page box as the smallest OCR-frame box holding its corners (clipped)."""
        if self.is_identity:
            return box
        corners = self.points_to_frame(box.polygon())
        rows, cols = self.frame_size
        return _bounding(corners, rows=rows, cols=cols)

    def box_to_original(self, box: Box) -> Box:
        """An OCR-frame box as the smallest original-page box holding its four corners, clipped
        to the page (a box outside the page keeps at least one pixel at its border)."""
        if self.is_identity:
            return box
        return _bounding(self.points_to_original(box.polygon()), rows=self.rows, cols=self.cols)

    def to_frame(self, image: np.ndarray, *, fill: float | tuple[float, ...] = 255) -> np.ndarray:
        """The original page image (rows, cols[, channels]) in the OCR frame: rotated, cropped."""
        if image.shape[:2] != (self.rows, self.cols):
            raise ValueError(
                f"image of {image.shape[:2]} is not this page's {(self.rows, self.cols)}"
            )
        if self.rotation != 0.0:
            matrix, _, _ = rotation_matrix(self.rows, self.cols, self.rotation)
            channels = 1 if image.ndim == 2 else image.shape[2]
            border = (fill,) * channels if isinstance(fill, int | float) else fill
            image = cv2.warpAffine(
                image,
                matrix,
                (self.canvas_cols, self.canvas_rows),
                flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_CONSTANT,
                borderValue=border,
            )
        c = self.crop
        return np.ascontiguousarray(image[c.top : c.bottom, c.left : c.right])

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "cols": self.cols,
            "rotation": self.rotation,
            "canvas": [self.canvas_rows, self.canvas_cols],
            "crop": self.crop.as_list(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageGeometry:
        canvas_rows, canvas_cols = data["canvas"]
        return cls(
            int(data["rows"]),
            int(data["cols"]),
            float(data["rotation"]),
            int(canvas_rows),
            int(canvas_cols),
            Box(*data["crop"]),
        )


def _bounding(points: list[tuple[float, float]], *, rows: int, cols: int) -> Box:
    """The smallest pixel box holding the points, clipped to (rows, cols): a box outside keeps
    at least one pixel at the border."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    left = min(max(int(np.floor(min(xs) + 1e-6)), 0), cols - 1)
    top = min(max(int(np.floor(min(ys) + 1e-6)), 0), rows - 1)
    right = max(min(int(np.ceil(max(xs) - 1e-6)), cols), left + 1)
    bottom = max(min(int(np.ceil(max(ys) - 1e-6)), rows), top + 1)
    return Box(left, top, right - left, bottom - top)
