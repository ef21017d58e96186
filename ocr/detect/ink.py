"""Ink masks, connected components and typed-text metrics shared by the image detectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.records import Box
from ocr.tesseract import Word

# A 10-12 pt typewriter face at 300 dpi: word boxes about 36 px high, pica pitch 30 px.
DEFAULT_GLYPH_ROWS = 36.0
DEFAULT_CHAR_COLS = 30.0
# Tesseract reports -1 for non-word rows and below ~50 for guesses; 60 is the pipeline's default.
GOOD_WORD_CONF = 60.0


@dataclass(frozen=True)
class TextMetrics:
    """Typical typed-text sizes on one page, in pixels: word height and character advance."""

    glyph_rows: float
    char_cols: float
    scale: float  # dpi / 300: every size tuned at 300 dpi is multiplied by it

    def px(self, size_at_300dpi: float) -> int:
        """A size given at 300 dpi, at this page's resolution (at least 1 px)."""
        return max(1, round(size_at_300dpi * self.scale))


def ink_mask(ocr_image: np.ndarray) -> np.ndarray:
    """uint8 mask, 1 where the binarized OCR image has ink (dark), 0 on paper."""
    gray = ocr_image if ocr_image.ndim == 2 else cv2.cvtColor(ocr_image, cv2.COLOR_BGR2GRAY)
    return (gray < 128).astype(np.uint8)


def good_words(words: Sequence[Word], *, min_conf: float = GOOD_WORD_CONF) -> list[Word]:
    """Words tesseract is reasonably sure of (and that have a real box)."""
    return [w for w in words if w.conf >= min_conf and w.box.width > 0 and w.box.height > 0]


def text_metrics(words: Sequence[Word], *, dpi: int = 300) -> TextMetrics:
    """Median word height and letter advance of confident words, else 300-dpi typewriter sizes."""
    scale = dpi / 300.0
    sure = [w for w in good_words(words) if len(w.text) >= 3 and any(c.isalnum() for c in w.text)]
    if len(sure) < 5:
        return TextMetrics(DEFAULT_GLYPH_ROWS * scale, DEFAULT_CHAR_COLS * scale, scale)
    rows = float(np.median([w.box.height for w in sure]))
    cols = float(np.median([w.box.width / len(w.text) for w in sure]))
    return TextMetrics(rows, cols, scale)


def word_mask(shape: tuple[int, int], words: Sequence[Word], *, pad: int) -> np.ndarray:
    """uint8 mask, 1 inside each word's box grown by ``pad`` pixels."""
    mask = np.zeros(shape, dtype=np.uint8)
    rows, cols = shape
    for w in words:
        b = w.box
        mask[
            max(b.top - pad, 0) : min(b.bottom + pad, rows),
            max(b.left - pad, 0) : min(b.right + pad, cols),
        ] = 1
    return mask


@dataclass(frozen=True)
class Components:
    """Connected components of a mask: the label image and per-label box and pixel count."""

    labels: np.ndarray
    stats: np.ndarray  # rows of (left, top, width, height, area), label 0 is the background

    def box(self, label: int) -> Box:
        left, top, width, height, _ = (int(v) for v in self.stats[label])
        return Box(left, top, width, height)

    def __len__(self) -> int:
        return len(self.stats) - 1


def components(mask: np.ndarray) -> Components:
    """8-connected components of a uint8 mask."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return Components(labels, stats)


LOOK_UP_PIXELS = 1 << 20


def look_up(table: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``table[labels]``, a band of rows at a time: numpy widens the labels to 64 bits first, and
    a page-sized temporary of them costs more in fresh memory than the look-up itself."""
    out = np.empty(labels.shape, dtype=table.dtype)
    step = max(1, LOOK_UP_PIXELS // max(1, labels.shape[1]))
    for start in range(0, labels.shape[0], step):
        np.take(table, labels[start : start + step], out=out[start : start + step])
    return out


def drop_small(mask: np.ndarray, *, min_area: int) -> np.ndarray:
    """The mask without components of fewer than ``min_area`` pixels (specks, dust)."""
    comps = components(mask)
    keep = comps.stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[comps.labels].astype(np.uint8)


@dataclass(frozen=True, eq=False)
class Blob:
    """A cluster of ink: its mask cropped to its box, the box's place, its ink colour (or "")."""

    mask: np.ndarray
    top: int
    left: int
    colour: str = ""

    @property
    def rows(self) -> int:
        return int(self.mask.shape[0])

    @property
    def cols(self) -> int:
        return int(self.mask.shape[1])

    @property
    def box(self) -> Box:
        return Box(self.left, self.top, self.cols, self.rows)


CLUSTER_SHRINK = 4


def blobs(mask: np.ndarray, *, rows: int, cols: int) -> list[Blob]:
    """Clusters of the mask's ink: pieces closer than ``rows`` x ``cols`` pixels join.

    The closing and labelling run on a quarter-resolution max-pool (sixteen times fewer pixels;
    gaps are measured to 4 px), each cluster's ink is then cut from the full-resolution mask.
    """
    f = CLUSTER_SHRINK
    small = max_pool(mask, f)
    kernel = cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(1, round(cols / f)), max(1, round(rows / f)))
    )
    comps = components(cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel))
    out = []
    for label in range(1, len(comps) + 1):
        left, top, width, height, _ = (int(v) for v in comps.stats[label])
        member = comps.labels[top : top + height, left : left + width] == label
        member = member.repeat(f, axis=0).repeat(f, axis=1)  # np.kron by an f x f block
        crop = mask[top * f : (top + height) * f, left * f : (left + width) * f]
        crop = crop & member[: crop.shape[0], : crop.shape[1]]
        found = np.nonzero(crop)
        if found[0].size == 0:
            continue
        r0, r1, c0, c1 = found[0].min(), found[0].max() + 1, found[1].min(), found[1].max() + 1
        out.append(
            Blob(
                np.ascontiguousarray(crop[r0:r1, c0:c1]).astype(np.uint8),
                top * f + int(r0),
                left * f + int(c0),
            )
        )
    return out


def stroke_widths(ink: np.ndarray) -> np.ndarray:
    """Stroke widths (2 x distance to paper) sampled on the ridge of each stroke."""
    padded = cv2.copyMakeBorder(ink, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    ridge = (dist >= cv2.dilate(dist, np.ones((3, 3), np.uint8))) & (ink > 0)
    return 2.0 * dist[ridge]


def max_pool(mask: np.ndarray, factor: int) -> np.ndarray:
    """A mask shrunk by ``factor``: a pixel is set if any in its block is (thin strokes survive).

    The maximum over each block (a last short block over its pixels on the page), taken over
    the ``factor`` interleaved columns, then rows: the same values as a dilation anchored at the
    block's corner sampled every ``factor`` pixels, with no pass over the whole page's
    dilation."""
    across = np.array(mask[:, ::factor])  # a copy: the maxima are taken into it
    for k in range(1, factor):
        part = mask[:, k::factor]
        np.maximum(across[:, : part.shape[1]], part, out=across[:, : part.shape[1]])
    out = np.array(across[::factor])
    for k in range(1, factor):
        part = across[k::factor]
        np.maximum(out[: part.shape[0]], part, out=out[: part.shape[0]])
    return out


def strip_rules(mask: np.ndarray, *, min_length: int, max_thickness: int = 10) -> np.ndarray:
    """The mask without straight, thin horizontal or vertical runs: at least ``min_length`` long
    and under ``max_thickness`` thick (typed underlines, ruled lines, scan edges), which would
    otherwise join the glyphs they touch. Solid blots, however long, stay.

    The openings run only on the bands of rows (columns) that can hold such a run (see
    :func:`_run_bands`), with the page's own borders, and the runs are grown and cleared band by
    band: the result is pixel for pixel that of the openings over the whole page, in a fraction
    of the time on a page of typing."""
    out = np.bitwise_and(mask, np.uint8(1))
    for across in (True, False):
        for start, stop, thin in _thin_runs(mask, min_length, max_thickness, across=across):
            _clear_grown(out, thin, start, stop, across=across)
    return out


def _clear_grown(out: np.ndarray, thin: np.ndarray, start: int, stop: int, *, across: bool) -> None:
    """Clear in ``out`` the runs ``thin`` of the band [start, stop) of rows (``across``) or
    columns grown by a pixel, so their anti-aliased edges go too. Outside its bands a direction
    has no runs: the band with a row (column) of paper either side grows as the whole page does
    (bands lie further apart; the page's edge counts as paper for a dilation)."""
    limit = out.shape[0] if across else out.shape[1]
    low, high = max(start - 1, 0), min(stop + 1, limit)
    edges = (start - low, high - stop)
    padded = np.pad(thin, (edges, (0, 0)) if across else ((0, 0), edges))
    grown = cv2.dilate(padded, np.ones((3, 3), np.uint8))
    view = out[low:high] if across else out[:, low:high]
    view &= 1 - grown


def _thin_runs(
    mask: np.ndarray, length: int, thick: int, *, across: bool
) -> list[tuple[int, int, np.ndarray]]:
    """(start, stop, pixels) for each band of rows (``across``) or columns: the pixels of runs
    along them at least ``length`` long that no ``length`` x ``thick`` block of them covers: an
    opening by the run, less its opening by the block (OpenCV's border: the page's outside
    counts as ink for erosions, as paper for dilations). Rows (columns) of each band plus
    ``thick`` on both sides hold every pixel that the openings of a band's runs read, and the
    bands are that far apart or merged."""
    line = (length, 1) if across else (1, length)
    block = (length, thick) if across else (thick, length)
    found = []
    for start, stop in _run_bands(mask, length, pad=thick, across=across):
        part = np.ascontiguousarray(mask[start:stop] if across else mask[:, start:stop])
        runs = np.asarray(
            cv2.morphologyEx(part, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, line)),
            dtype=np.uint8,
        )
        solid = np.asarray(
            cv2.morphologyEx(
                runs, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, block)
            ),
            dtype=np.uint8,
        )
        found.append((start, stop, np.bitwise_and(runs, 1 - solid)))
    return found


RUN_POOL = 8  # px: the block of the quick test for long runs


def _run_bands(mask: np.ndarray, length: int, *, pad: int, across: bool) -> list[tuple[int, int]]:
    """(start, stop) bands of rows (``across``) or columns, ``pad`` wide around each row (column)
    that may hold a run of ink ``length`` long, merged where they touch.

    An erosion by ``length`` keeps a pixel only if the page inside its window is all ink, at
    least min(length - a, a + 1) pixels (a = length // 2, the window's anchor; the rest may lie
    off the page). Such a run fills at least that many, less two, whole aligned blocks of
    RUN_POOL pixels: rows whose block-wise minimum has no run of that many are left out."""
    lines, span = mask.shape if across else mask.shape[::-1]
    half = length // 2
    shortest = min(length - half, half + 1)
    blocks = shortest // RUN_POOL - 2
    if blocks < 1 or span <= length:
        return [(0, lines)] if lines else []
    pooled = _full_blocks(mask, across=across)
    kernel = np.ones((1, blocks) if across else (blocks, 1), np.uint8)
    found = cv2.erode(pooled, kernel).any(axis=1 if across else 0)
    bands: list[tuple[int, int]] = []
    for line in np.flatnonzero(found):
        start, stop = max(0, int(line) - pad), min(lines, int(line) + 1 + pad)
        if bands and start <= bands[-1][1] + pad:
            bands[-1] = (bands[-1][0], stop)
        else:
            bands.append((start, stop))
    return bands


BLOCK_WORD = np.dtype(f"u{RUN_POOL}")  # a block of RUN_POOL bytes read as one unsigned word
BLOCK_OF_ONES = int.from_bytes(bytes([1] * RUN_POOL), "little")  # the same either byte order


def _full_blocks(mask: np.ndarray, *, across: bool) -> np.ndarray:
    """uint8, 1 where the aligned block of RUN_POOL pixels along rows (``across``) or columns is
    all ink, a last short block counting only its pixels on the page: an erosion by the block
    anchored at its first pixel, sampled every RUN_POOL pixels, without eroding the whole page
    (rows are read RUN_POOL bytes at a time as one word; columns are ANDed row by row)."""
    inked = (mask != 0).view(np.uint8)
    if not across:
        out = np.ascontiguousarray(inked[::RUN_POOL])
        for k in range(1, RUN_POOL):
            part = inked[k::RUN_POOL]
            out[: part.shape[0]] &= part
        return out
    whole = inked.shape[1] // RUN_POOL * RUN_POOL
    out = np.empty((inked.shape[0], -(-inked.shape[1] // RUN_POOL)), dtype=np.uint8)
    out[:, : whole // RUN_POOL] = inked[:, :whole].view(BLOCK_WORD) == BLOCK_OF_ONES
    if whole < inked.shape[1]:
        out[:, -1] = inked[:, whole:].all(axis=1)
    return out
