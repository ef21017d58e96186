"""The detectors' fast paths give the very pixels and regions of the plain computations."""

from __future__ import annotations

import importlib

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


def _plain_in_text_lines(stats: np.ndarray, shape: tuple[int, int], glyph: np.ndarray, metrics):  # type: ignore[no-untyped-def]
    """The typed-line test by a box filter over a page of centres (what the pairs replace)."""
    page_rows, page_cols = shape
    centres = np.zeros(shape, dtype=np.float32)
    rows = np.clip(stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] // 2, 0, page_rows - 1)
    cols = np.clip(stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] // 2, 0, page_cols - 1)
    centres[rows[glyph], cols[glyph]] = 1.0
    window = (2 * round(6 * metrics.char_cols) + 1, 2 * round(metrics.glyph_rows / 3) + 1)
    counts = cv2.boxFilter(centres, -1, window, normalize=False, borderType=cv2.BORDER_CONSTANT)
    return glyph & (counts[rows, cols] >= 5)


def _typing(rng: np.random.Generator) -> np.ndarray:
    """A page of random typing-like specks and blots: lines of letters, some touching."""
    rows, cols = (int(v) for v in rng.integers(60, 700, size=2))
    mask = np.zeros((rows, cols), dtype=np.uint8)
    pitch = int(rng.integers(8, 40))
    for top in range(int(rng.integers(0, 20)), rows, pitch):
        for left in range(int(rng.integers(0, 10)), cols, int(rng.integers(3, 14))):
            if rng.random() < 0.7:
                h, w = (int(v) for v in rng.integers(1, 14, size=2))
                mask[top : top + h, left : left + w] = 1
    noise = rng.random((rows, cols)) < rng.uniform(0.0, 0.02)
    return mask | noise.astype(np.uint8)


@pytest.mark.parametrize("pair_limit", [1_000_000, 0])
def test_typed_lines_equal_the_box_filter(pair_limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # (ocr.detect exports a function named handwriting: the module is imported by name)
    hw = importlib.import_module("ocr.detect.handwriting")
    from ocr.detect.ink import TextMetrics, components

    monkeypatch.setattr(hw, "PAIR_LIMIT", pair_limit)  # 0: the integral image every time
    rng = np.random.default_rng(11)
    for _ in range(40):
        comps = components(_typing(rng))
        metrics = TextMetrics(float(rng.uniform(4, 40)), float(rng.uniform(2, 30)), 1.0)
        glyph = rng.random(len(comps.stats)) < 0.8
        glyph[0] = False
        expected = _plain_in_text_lines(comps.stats, comps.labels.shape, glyph, metrics)
        assert np.array_equal(hw._in_text_lines(comps, glyph, metrics=metrics), expected)


def _plain_pieces(ink: np.ndarray, words, metrics):  # type: ignore[no-untyped-def]
    """ink_pieces' masks by a look-up per mask over the whole page (what the kinds replace)."""
    from ocr.detect.handwriting import (
        GLYPH_MAX_COLS,
        GLYPH_MAX_ROWS,
        SPECK_PX,
        TALL,
        TOUCHING_PAIR_COLS,
        touching_chain,
    )
    from ocr.detect.ink import Blob, components, good_words, word_mask

    comps = components(ink)
    stats = comps.stats
    glyph = (stats[:, cv2.CC_STAT_HEIGHT] <= GLYPH_MAX_ROWS * metrics.glyph_rows) & (
        stats[:, cv2.CC_STAT_WIDTH] <= GLYPH_MAX_COLS * metrics.char_cols
    )
    glyph[0] = False
    typed = _plain_in_text_lines(stats, ink.shape, glyph, metrics)
    inside = word_mask(ink.shape, good_words(words), pad=metrics.px(6))
    share = np.bincount(comps.labels[inside > 0], minlength=len(stats)) / np.maximum(
        stats[:, cv2.CC_STAT_AREA], 1
    )
    smudged = (share >= 0.9) & (stats[:, cv2.CC_STAT_HEIGHT] <= TALL * metrics.glyph_rows)
    typed |= (glyph & (share >= 0.6)) | smudged
    typed[0] = False
    dust = stats[:, cv2.CC_STAT_AREA] < metrics.px(SPECK_PX) * metrics.scale
    dust[0] = False
    # touching glyphs of two or three lines: each other piece judged whole against the typing
    typed_px = typed[comps.labels].astype(np.uint8)
    pairs = np.zeros_like(typed)
    others = np.flatnonzero(~typed & ~dust)
    for label in others[others > 0]:
        if stats[label, cv2.CC_STAT_WIDTH] > TOUCHING_PAIR_COLS * metrics.char_cols:
            continue
        rows, cols = np.nonzero(comps.labels == label)
        top, left = int(rows.min()), int(cols.min())
        mask = np.zeros((int(rows.max()) - top + 1, int(cols.max()) - left + 1), np.uint8)
        mask[rows - top, cols - left] = 1
        pairs[label] = touching_chain(Blob(mask, top, left), typed_px, metrics=metrics)
    typed |= pairs
    return typed[comps.labels].astype(np.uint8), (dust & ~typed)[comps.labels].astype(np.uint8)


def _words_on(ink: np.ndarray, rng: np.random.Generator) -> list:  # type: ignore[type-arg]
    from ocr.tesseract import Word

    words = []
    for k in range(int(rng.integers(0, 40))):
        top, left = int(rng.integers(0, ink.shape[0])), int(rng.integers(0, ink.shape[1]))
        box = Box(left, top, int(rng.integers(1, 200)), int(rng.integers(1, 40)))
        words.append(Word(1, 1, 1, k, box, float(rng.uniform(0, 99)), f"слово{k}"))
    return words


def _no_pen_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every confident word vouches for its ink (the pen test is tested in test_detect.py)."""
    from ocr.detect.vouching import PenModel

    hw = importlib.import_module("ocr.detect.handwriting")
    monkeypatch.setattr(hw, "pen_model", lambda: PenModel((0.0,), 0.0, 2.0))


def test_ink_pieces_equal_the_plain_look_ups(monkeypatch: pytest.MonkeyPatch) -> None:
    # (ocr.detect exports a function named handwriting: the module is imported by name)
    hw = importlib.import_module("ocr.detect.handwriting")
    from ocr.detect import ink as ink_module
    from ocr.detect.ink import TextMetrics

    monkeypatch.setattr(ink_module, "LOOK_UP_PIXELS", 5000)  # many bands, a short last one
    _no_pen_words(monkeypatch)
    rng = np.random.default_rng(5)
    for _ in range(30):
        ink = _typing(rng)
        metrics = TextMetrics(float(rng.uniform(4, 40)), float(rng.uniform(2, 30)), 1.0)
        words = _words_on(ink, rng)
        pieces = hw.ink_pieces(ink, words, metrics=metrics)
        typed, dust = _plain_pieces(ink, words, metrics)
        assert np.array_equal(pieces.typed, typed) and np.array_equal(pieces.dust, dust)
        assert np.array_equal(pieces.rest(), ink & (1 - typed) & (1 - dust))
        assert np.array_equal(pieces.without_dust(), ink & (1 - dust))
        assert pieces.typed.dtype == pieces.dust.dtype == np.uint8


@pytest.mark.skipif(not EHRI.is_dir(), reason=f"real pages not found at {EHRI}")
def test_ink_pieces_equal_the_plain_look_ups_on_a_real_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ocr.detect.handwriting import ink_pieces
    from ocr.detect.ink import text_metrics

    _no_pen_words(monkeypatch)

    gray = cv2.imread(str(EHRI / "EHRI-DR-19390125-US_01.jpg"), cv2.IMREAD_GRAYSCALE)
    ink = ink_mask(binarize(gray))
    words = _words_on(ink, np.random.default_rng(2))
    metrics = text_metrics(words)
    pieces = ink_pieces(ink, words, metrics=metrics)
    typed, dust = _plain_pieces(ink, words, metrics)
    assert typed.any() and dust.any()
    assert np.array_equal(pieces.typed, typed) and np.array_equal(pieces.dust, dust)


def test_full_blocks_equal_the_sampled_erosion() -> None:
    from ocr.detect.ink import RUN_POOL, _full_blocks

    rng = np.random.default_rng(23)
    for _ in range(200):
        rows, cols = (int(v) for v in rng.integers(1, 90, size=2))
        mask = (rng.random((rows, cols)) < rng.uniform(0.5, 1.0)).astype(np.uint8)
        mask *= np.uint8(rng.choice([1, 255]))
        for across in (True, False):
            pool = (1, RUN_POOL) if across else (RUN_POOL, 1)
            eroded = cv2.erode(mask, np.ones(pool, np.uint8), anchor=(0, 0))
            plain = eroded[:, ::RUN_POOL] if across else eroded[::RUN_POOL, :]
            assert np.array_equal(_full_blocks(mask, across=across), plain != 0)


def test_blobs_equal_the_kron_upsampling() -> None:
    from ocr.detect.ink import CLUSTER_SHRINK, blobs, components

    rng = np.random.default_rng(29)
    for _ in range(20):
        mask = _typing(rng)
        step = int(rng.integers(2, 30))
        f = CLUSTER_SHRINK
        small = max_pool(mask, f)
        side = max(1, round(step / f))
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
        comps = components(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel))
        found = blobs(mask, rows=step, cols=step)
        plain = []
        for label in range(1, len(comps) + 1):
            left, top, width, height, _ = (int(v) for v in comps.stats[label])
            member = np.kron(
                comps.labels[top : top + height, left : left + width] == label,
                np.ones((f, f), dtype=bool),
            )
            crop = mask[top * f : (top + height) * f, left * f : (left + width) * f]
            crop = crop & member[: crop.shape[0], : crop.shape[1]]
            if crop.any():
                plain.append(crop)
        assert len(found) == len(plain)
        for blob, crop in zip(found, plain, strict=True):
            r, c = np.nonzero(crop)
            assert np.array_equal(blob.mask, crop[r.min() : r.max() + 1, c.min() : c.max() + 1])


def _plain_candidates(pieces: np.ndarray, *, min_side: int, max_side: int) -> list:  # type: ignore[type-arg]
    """shape_candidates' closings and labels over the whole page (what the ink's box replaces)."""
    from ocr.detect import stamps
    from ocr.detect.ink import components

    out: dict = {}  # type: ignore[type-arg]
    for close in (
        stamps._close_round(stamps.BRIDGE_PX),
        stamps._close_round(stamps.WIDE_BRIDGE_PX),
        stamps._close_along_lines(stamps.LINE_GAP_PX),
    ):
        comps = components(close(pieces))
        for label in range(1, len(comps) + 1):
            left, top, cols, rows, _ = (int(v) for v in comps.stats[label])
            if min(cols, rows) >= min_side and max(cols, rows) <= max_side:
                out.setdefault((left, top, cols, rows), stamps._candidate(comps, label, pieces))
    return list(out.values())


def _frames(rng: np.random.Generator) -> np.ndarray:
    """A half-resolution page of frames, dashed frames, rings, strokes and specks."""
    rows, cols = (int(v) for v in rng.integers(200, 1400, size=2))
    page = (rng.random((rows, cols)) < 0.002).astype(np.uint8)
    x0, y0 = int(rng.integers(-50, cols // 2)), int(rng.integers(-50, rows // 2))
    x1, y1 = int(rng.integers(x0 + 1, cols)), int(rng.integers(y0 + 1, rows))  # the ink's area
    for _ in range(int(rng.integers(0, 10))):
        x, y = int(rng.integers(x0, x1)), int(rng.integers(y0, y1))
        w, h = (int(v) for v in rng.integers(20, 400, size=2))
        shape = rng.integers(0, 3)
        if shape == 0:
            cv2.rectangle(page, (x, y), (x + w, y + h), 1, int(rng.integers(1, 4)))
        elif shape == 1:
            cv2.ellipse(page, ((x, y), (w, h), float(rng.uniform(0, 90))), 1, 2)
        else:
            cv2.line(page, (x, y), (x + w, y + int(rng.integers(-30, 30))), 1, 2)
    return page


def test_shape_candidates_equal_the_whole_page_closings(monkeypatch: pytest.MonkeyPatch) -> None:
    from ocr.detect import stamps
    from ocr.detect.ink import TextMetrics

    rng = np.random.default_rng(31)
    metrics = TextMetrics(36.0, 30.0, 1.0)
    min_side = metrics.px(stamps.MIN_FRAME_SIDE) // stamps.SHAPE_SHRINK
    max_side = metrics.px(stamps.MAX_STAMP_SIDE) // stamps.SHAPE_SHRINK
    seen = inside = 0
    for _ in range(80):
        small = _frames(rng)
        found, pieces = stamps.shape_candidates(small, metrics=metrics)
        plain = _plain_candidates(pieces, min_side=min_side, max_side=max_side)
        assert [(c.left, c.top, c.cols, c.rows) for c in found] == [
            (c.left, c.top, c.cols, c.rows) for c in plain
        ]
        for a, b in zip(found, plain, strict=True):
            assert np.array_equal(a.points, b.points) and a.points.dtype == b.points.dtype
        seen += len(found)
        window = stamps._ink_window(pieces, margin=stamps.CLOSE_MARGIN)
        inside += window is not None and window[0] > 0 and window[2] > 0
    assert seen > 50 and inside > 10  # candidates to compare, in windows off the page's corner


def test_max_pool_equals_the_sampled_dilation() -> None:
    rng = np.random.default_rng(37)
    for _ in range(200):
        rows, cols = (int(v) for v in rng.integers(1, 70, size=2))
        mask = (rng.random((rows, cols)) < rng.uniform(0.0, 0.3)).astype(np.uint8)
        mask *= rng.integers(1, 256, size=mask.shape, dtype=np.uint8)  # any values: the maximum
        for factor in (2, 3, 4, 8):
            grown = cv2.dilate(
                mask,
                np.ones((factor, factor), np.uint8),
                anchor=(0, 0),
                borderType=cv2.BORDER_CONSTANT,
                borderValue=0,
            )
            pooled = max_pool(mask, factor)
            assert np.array_equal(pooled, grown[::factor, ::factor])
            assert pooled.dtype == np.uint8 and pooled.flags.c_contiguous


def test_gray_test_equals_the_plain_count() -> None:
    from ocr.detect.stage import _has_gray

    rng = np.random.default_rng(41)
    for _ in range(100):
        shape = tuple(int(v) for v in rng.integers(1, 50, size=2))
        image = rng.choice(np.array([0, 255], np.uint8), size=shape)
        if rng.random() < 0.5:
            image[tuple(int(rng.integers(0, n)) for n in shape)] = rng.integers(1, 255)
        for im in (image, image.astype(np.float32), np.dstack([image] * 3)):
            assert _has_gray(im) == bool(np.count_nonzero((im > 0) & (im < 255)))
