"""The detectors' fast paths give the very pixels and regions of the plain computations."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.detect.ink import ink_mask, max_pool, strip_rules
from ocr.detect.page import resolve
from ocr.detect.regions import Region, box_polygon, merge_overlapping, same_family
from ocr.detect.stamps import frame_tilt
from ocr.preprocess import binarize
from ocr.records import Box
from tests.conftest import EHRI


def _plain_strip_rules(mask: np.ndarray, *, min_length: int, max_thickness: int) -> np.ndarray:
    """strip_rules as four openings over the whole page (what the banded version replaces)."""

    def thin_runs(length: tuple[int, int], thick: tuple[int, int]) -> np.ndarray:
        line = cv2.getStructuringElement(cv2.MORPH_RECT, length)
        runs = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_OPEN, line), dtype=np.uint8)
        block = cv2.getStructuringElement(cv2.MORPH_RECT, thick)
        solid = np.asarray(cv2.morphologyEx(runs, cv2.MORPH_OPEN, block), dtype=np.uint8)
        return np.bitwise_and(runs, 1 - solid)

    rules = thin_runs((min_length, 1), (min_length, max_thickness)) | thin_runs(
        (1, min_length), (max_thickness, min_length)
    )
    return mask & (1 - cv2.dilate(rules, np.ones((3, 3), np.uint8)))


def _random_mask(rng: np.random.Generator) -> np.ndarray:
    rows, cols = (int(v) for v in rng.integers(5, 400, size=2))
    mask = (rng.random((rows, cols)) < rng.uniform(0.0, 0.3)).astype(np.uint8)
    for _ in range(int(rng.integers(0, 12))):  # rules and blots, many at the borders
        r, c = int(rng.integers(0, rows)), int(rng.integers(0, cols))
        thick, reach = int(rng.integers(1, 15)), int(rng.integers(0, 300))
        if rng.random() < 0.5:
            mask[r : r + thick, max(0, c - reach) : c + int(rng.integers(0, 300))] = 1
        else:
            mask[max(0, r - reach) : r + int(rng.integers(0, 300)), c : c + thick] = 1
    return mask


def test_strip_rules_equals_the_openings_on_random_masks() -> None:
    rng = np.random.default_rng(19)
    for _ in range(300):
        mask = _random_mask(rng)
        length, thick = int(rng.integers(2, 200)), int(rng.integers(1, 15))
        fast = strip_rules(mask, min_length=length, max_thickness=thick)
        assert np.array_equal(
            fast, _plain_strip_rules(mask, min_length=length, max_thickness=thick)
        ), (mask.shape, length, thick)


@pytest.mark.skipif(not EHRI.is_dir(), reason=f"real pages not found at {EHRI}")
def test_strip_rules_equals_the_openings_on_a_real_page() -> None:
    gray = cv2.imread(str(EHRI / "EHRI-DR-19390125-US_01.jpg"), cv2.IMREAD_GRAYSCALE)
    ink = ink_mask(binarize(gray))
    # the sizes the detectors use: handwriting, unrecognised ink, shape stamps at half size
    for mask, length, thick in ((ink, 144, 11), (ink, 108, 11), (max_pool(ink, 2), 600, 6)):
        expected = _plain_strip_rules(mask, min_length=length, max_thickness=thick)
        assert np.array_equal(strip_rules(mask, min_length=length, max_thickness=thick), expected)


def _region(kind: str, box: Box, score: float, colour: str = "") -> Region:
    return Region(kind, box, box_polygon(box), score, f"{kind} for the test", colour, "test")


def _plain_resolve(regions: list[Region], *, min_overlap: float = 0.5) -> list[Region]:
    """resolve() merging every family with merge_overlapping (what the fast path replaces)."""
    from ocr.detect.page import _inside, _own_find, _rank

    ordered = sorted(regions, key=lambda r: (_rank(r), -r.score))
    kept: list[Region] = []
    for region in ordered:
        pens = {"signature", "handwriting"}
        family = pens if region.type in pens else {region.type}
        same = [r for r in kept if r.type in family]
        if any(
            _inside(region, r) > min_overlap and not _own_find(region, r)
            for r in kept
            if r.type not in family
        ):
            continue
        kept = [r for r in kept if r not in same] + merge_overlapping(
            [*same, region], min_overlap=min_overlap, types_equal=same_family
        )
    return sorted(kept, key=lambda r: (_rank(r), -r.score, r.box.top, r.box.left))


def test_resolve_equals_the_plain_merge() -> None:
    rng = np.random.default_rng(7)
    kinds = ("stamp", "signature", "handwriting", "unrecognised_ink")
    for _ in range(200):
        regions = [
            _region(
                str(rng.choice(kinds)),
                Box(
                    *(int(v) for v in rng.integers(0, 300, 2)),
                    *(int(v) for v in rng.integers(5, 120, 2)),
                ),
                float(rng.choice([0.5, 0.6, 0.9])),
                str(rng.choice(["", "", "blue", "violet"])),
            )
            for _ in range(int(rng.integers(0, 25)))
        ]
        regions += regions[: int(rng.integers(0, 3))]  # the same find twice
        assert resolve(regions) == _plain_resolve(regions)


def _plain_tilt(points: np.ndarray) -> float:
    """frame_tilt with float sums of float counts at each angle (what the fast path replaces)."""

    def peaks(degrees: float) -> float:
        theta = np.radians(degrees)
        cos, sin = np.cos(theta), np.sin(theta)
        u = points[:, 0] * cos + points[:, 1] * sin
        v = -points[:, 0] * sin + points[:, 1] * cos
        across = np.bincount((v - v.min()).astype(np.intp)).astype(np.float64)
        down = np.bincount((u - u.min()).astype(np.intp)).astype(np.float64)
        return float(np.sum(across**2) + np.sum(down**2))

    coarse = max(np.arange(-45.0, 45.0, 1.0), key=peaks)
    return float(max(np.arange(coarse - 0.75, coarse + 0.8, 0.25), key=peaks))


def test_frame_tilt_equals_the_plain_search() -> None:
    rng = np.random.default_rng(3)
    for k in range(60):
        n = int(rng.integers(5, 5000))
        if k % 2:  # a tilted frame's outline
            cols, rows = (float(v) for v in rng.integers(20, 400, 2))
            turn = np.radians(rng.uniform(-12, 12))
            side, at = rng.integers(0, 4, n), rng.random(n)
            x = np.where(side < 2, at * cols, np.where(side == 2, 0, cols))
            y = np.where(side < 2, np.where(side == 0, 0, rows), at * rows)
            x, y = x * np.cos(turn) - y * np.sin(turn) + 300, x * np.sin(turn) + y * np.cos(turn)
            points = np.round(np.column_stack([x, y + 300])).astype(np.float32)
        else:
            points = rng.integers(0, 1400, (n, 2)).astype(np.float32)
        assert frame_tilt(points) == _plain_tilt(points)
