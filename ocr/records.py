"""Small frozen records passed between stages (paths and figures, never big arrays)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ProcessingStep:
    """One step applied to a page, with the settings that produced it (as kraken records them)."""

    id: str
    category: str
    description: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in page pixels: rows are y (top..bottom), cols are x (left..right)."""

    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def union(self, other: Box) -> Box:
        left, top = min(self.left, other.left), min(self.top, other.top)
        right, bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        return Box(left, top, right - left, bottom - top)

    @staticmethod
    def union_all(boxes: Iterable[Box]) -> Box:
        """The smallest box holding every given box (at least one)."""
        it = iter(boxes)
        out = next(it)
        for box in it:
            out = out.union(box)
        return out

    def centre_within(self, outer: Box) -> bool:
        """Does this box's centre lie inside ``outer`` (edges included)?"""
        col, row = self.left + self.width / 2, self.top + self.height / 2
        return outer.left <= col <= outer.right and outer.top <= row <= outer.bottom

    def as_list(self) -> list[int]:
        return [self.left, self.top, self.width, self.height]

    def polygon(self) -> list[tuple[int, int]]:
        """Corner points (x, y) clockwise from the top left."""
        return [
            (self.left, self.top),
            (self.right, self.top),
            (self.right, self.bottom),
            (self.left, self.bottom),
        ]
