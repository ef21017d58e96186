"""Is a confidently read word's ink typing or a pen's? Its strokes against the page's typing."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ocr.detect.ink import Components, TextMetrics, stroke_widths
from ocr.records import Box
from ocr.tesseract import Word

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "pen_words.json"
PAD = 6  # px at 300 dpi around a word's box: its ink (as the vouching in ocr.detect.handwriting)
VOUCH_SHARE = 0.6  # share of a piece inside confident words' boxes to be theirs
MIN_PIECE_PX = 20  # at 300 dpi: smaller pieces are specks, not strokes
WIDTH_SAMPLE = 200  # typed glyphs whose strokes give the page's typed stroke width
MIN_RIDGE = 10  # ridge pixels a width needs to be measured (else the word is left to the OCR)


@dataclass(frozen=True)
class WordInk:
    """A confident word's own ink against the page's typing, in typed word heights H: the
    height its pieces stand (``height``: their lower median, so that one typed letter glued to
    a comma or to a stamp's ring does not make a short word tall), the tallest of the pieces
    only its reading makes typing (``loose``: no lined-up typing), the share of its ink in
    lined-up typing (``lined``), and its median stroke width over the typed glyphs'
    (``width``)."""

    height: float
    loose: float
    lined: float
    width: float

    def vector(self) -> np.ndarray:
        """The model's input: the log of the lower of the two heights. A pen's number stands
        tall in both; a typed word may in one (a letter glued to a comma of the line above as
        its loose piece). The lined-up share and the width are reported, not weighed: fitted
        with them, the model took words apart from lined-up typing, or bold and blotted typed
        words (two to four times the page's typical stroke width on the real tuning pages), for
        a pen's."""
        return np.array([np.log(max(min(self.height, self.loose), 1e-3))])


@dataclass(frozen=True)
class PenModel:
    """A logistic model of P(pen | a word's ink figures), with the threshold over which a word
    no longer vouches for its ink (ocr/data/pen_words.json, made by bench/learn_vouching.py)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, ink: WordInk) -> float:
        z = float(np.dot(self.weights, ink.vector()) + self.bias)
        return float(1.0 / (1.0 + np.exp(-z)))

    def as_json(self) -> dict[str, object]:
        return {
            "features": ["log min(height, loose)"],
            "weights": [round(w, 4) for w in self.weights],
            "bias": round(self.bias, 4),
            "threshold": self.threshold,
        }


@cache
def pen_model(path: Path = MODEL_FILE) -> PenModel:
    """The model shipped in ocr/data/pen_words.json."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return PenModel(tuple(data["weights"]), float(data["bias"]), float(data["threshold"]))


@dataclass(frozen=True)
class PenWord:
    """A confidently read word whose ink the model takes for a pen's (a written number)."""

    box: Box
    text: str
    probability: float
    ink: WordInk

    def reason(self) -> str:
        return (
            f'read as "{self.text}" but written by pen: strokes {self.ink.height:.1f}x the typed '
            f"line height, {self.ink.width:.1f}x the typed stroke width"
        )


def typed_width(comps: Components, lined: np.ndarray) -> float:
    """Median stroke width of the page's lined-up typed glyphs (0 without enough of them),
    measured on up to WIDTH_SAMPLE of them spread over the page (each in its own box)."""
    labels = np.flatnonzero(lined)
    if labels.size > WIDTH_SAMPLE:
        labels = labels[np.linspace(0, labels.size - 1, WIDTH_SAMPLE).round().astype(int)]
    widths = [_piece_widths(comps, int(label)) for label in labels]
    joined = np.concatenate(widths) if widths else np.empty(0)
    return float(np.median(joined)) if joined.size >= MIN_RIDGE else 0.0


def _piece_widths(comps: Components, label: int) -> np.ndarray:
    left, top, width, height, _ = (int(v) for v in comps.stats[label])
    crop = comps.labels[top : top + height, left : left + width] == label
    return stroke_widths(crop.view(np.uint8))


def word_pieces(
    comps: Components,
    words: Sequence[Word],
    candidate: np.ndarray,
    *,
    metrics: TextMetrics,
    loose: np.ndarray | None = None,
) -> list[tuple[Word, np.ndarray]]:
    """Each word with the labels of its own ``candidate`` pieces (lying wholly in its box grown
    by PAD: not a stamp's frame or a stroke that crosses it); words without any are left out,
    and so are those holding none of the ``loose`` pieces (per label) if given."""
    pad = metrics.px(PAD)
    rows, cols = comps.labels.shape
    some = np.flatnonzero(candidate if loose is None else loose)
    out = []
    for w in words:
        b = w.box
        if not _within(comps.stats[some], b, pad=pad).any():
            continue
        crop = comps.labels[
            max(b.top - pad, 0) : min(b.bottom + pad, rows),
            max(b.left - pad, 0) : min(b.right + pad, cols),
        ]
        labels = np.unique(crop)
        labels = labels[candidate[labels] & _within(comps.stats[labels], b, pad=pad)]
        if labels.size:
            out.append((w, labels))
    return out


def _within(stats: np.ndarray, box: Box, *, pad: int) -> np.ndarray:
    """Per piece (rows of ``stats``): does its box lie inside ``box`` grown by ``pad``?"""
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    bottom = top + stats[:, cv2.CC_STAT_HEIGHT]
    return (
        (left >= box.left - pad)
        & (top >= box.top - pad)
        & (right <= box.right + pad)
        & (bottom <= box.bottom + pad)
    )


def word_ink(
    comps: Components,
    labels: np.ndarray,
    *,
    loose: np.ndarray,
    lined: np.ndarray,
    metrics: TextMetrics,
    typed_px: float,
) -> WordInk | None:
    """The figures of one word's pieces (``labels``; per label, ``loose``: is the piece typing
    only by the word's reading, ``lined``: is it lined-up typing); None: too little ink."""
    stats = comps.stats[labels]
    big = stats[:, cv2.CC_STAT_AREA] >= metrics.px(MIN_PIECE_PX) * metrics.scale
    stats, own_loose, own_lined = stats[big], loose[labels][big], lined[labels][big]
    if not own_loose.any() or typed_px <= 0:
        return None
    left, top = int(stats[:, 0].min()), int(stats[:, 1].min())
    right = int((stats[:, 0] + stats[:, 2]).max())
    bottom = int((stats[:, 1] + stats[:, 3]).max())
    mask = np.isin(comps.labels[top:bottom, left:right], labels).view(np.uint8)
    widths = stroke_widths(mask)
    if widths.size < MIN_RIDGE:
        return None
    heights = stats[:, cv2.CC_STAT_HEIGHT] / metrics.glyph_rows
    return WordInk(
        height=float(np.sort(heights)[(len(heights) - 1) // 2]),
        loose=float(heights[own_loose].max()),
        lined=float(stats[own_lined, cv2.CC_STAT_AREA].sum() / stats[:, cv2.CC_STAT_AREA].sum()),
        width=float(np.median(widths)) / typed_px,
    )
