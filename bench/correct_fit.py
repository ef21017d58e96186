"""Fitting correction's calibration models on tuning pages: labelled examples, logistic fits."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from bench.bench_correct import _char_map, _core_text, evidence, judged_changes
from bench.correct_data import OcrPage
from ocr.correct import Correction, CorrectionSettings
from ocr.correct.calibration import BIAS, Calibration, sigmoid
from ocr.correct.decode import features
from ocr.correct.engine import all_suggestions, foreign_lines, make_page, readings, rewrite
from ocr.correct.evidence import Layout
from ocr.correct.lexicon import fold


@dataclass(frozen=True)
class Example:
    """One labelled row: its page, its features and whether the event happened."""

    page: str
    features: dict[str, float]
    label: bool


class Truth:
    """The truth words aligned with spans of an OCR text."""

    def __init__(self, ocr: str, truth: str) -> None:
        self.truth = truth
        self.to_truth = _char_map(ocr, truth)
        self.words = [(m.start(), m.end()) for m in re.finditer(r"\S+", truth)]

    def of(self, start: int, end: int) -> str:
        """The folded core text of the truth words aligned with ``start:end``."""
        t0, t1 = self.to_truth[start], self.to_truth[end]
        if t1 <= t0:
            return ""
        return fold(
            _core_text(" ".join(self.truth[s:e] for s, e in self.words if s < t1 and t0 < e))
        )


def _read(pages: Iterable[OcrPage]) -> Iterator[tuple[OcrPage, dict, Layout | None]]:
    """Each page with its tesseract choices and boxes, then again as text alone (what a caller
    without them gives)."""
    for p in pages:
        yield p, *evidence(p)
        yield p, {}, None


def other_examples(pages: Iterable[OcrPage], calibration: Calibration) -> list[Example]:
    """Every chunk correction weighs, labelled by whether its truth is none of its readings."""
    out = []
    for p, choices, layout in _read(pages):
        page = make_page(p.text, choices=choices, layout=layout, calibration=calibration)
        skipped = foreign_lines(page)
        truth = Truth(p.text, p.truth)
        for i, chunk in enumerate(page.chunks):
            nxt = page.chunks[i + 1] if i + 1 < len(page.chunks) else None
            found = readings(page, chunk, nxt, skipped)
            if found is None or len(found) < 2:
                continue
            real = truth.of(chunk.start, chunk.end)
            outside = real not in {fold(_core_text(o.text)) for o in found}
            out.append(Example(p.name, features(page, chunk, found), outside))
    return out


def right_examples(
    pages: Iterable[OcrPage],
    calibration: Calibration,
    *,
    settings: CorrectionSettings | None = None,
) -> list[Example]:
    """Every suggestion's best reading, labelled by whether it is the truth."""
    out = []
    for p, choices, layout in _read(pages):
        page = make_page(
            p.text, choices=choices, layout=layout, calibration=calibration, settings=settings
        )
        found = [s for s in all_suggestions(page)[0] if s.best is not None and s.features]
        _, changes = rewrite(p.text, [(s, s.best) for s in found])  # each judged alone
        verdicts = judged_changes(p.truth, Correction(p.text, p.text, tuple(changes), 0.0))
        out += [
            Example(f"{p.font}/{p.name}", dict(s.features), v == "right")
            for s, (v, *_) in zip(found, verdicts, strict=True)
        ]
    return out


def fit_logistic(
    rows: Sequence[Example], names: Sequence[str], *, ridge: float = 1.0, steps: int = 50
) -> dict[str, float]:
    """Weights (``bias`` and one per name) maximising the penalised likelihood."""
    x = np.array([[1.0, *(r.features.get(n, 0.0) for n in names)] for r in rows])
    y = np.array([float(r.label) for r in rows])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 1e-6
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {BIAS: float(w[0]), **{n: float(v) for n, v in zip(names, w[1:], strict=True)}}


def predict(weights: dict[str, float], row: dict[str, float]) -> float:
    return sigmoid(
        weights[BIAS] + sum(v * row.get(k, 0.0) for k, v in weights.items() if k != BIAS)
    )


def out_of_fold(
    rows: Sequence[Example], names: Sequence[str], *, folds: int = 4, ridge: float = 1.0
) -> list[float]:
    """Each row's prediction by a model fitted without its page's fold."""
    pages = sorted({r.page for r in rows})
    fold_of = {p: i % folds for i, p in enumerate(pages)}
    preds = [0.0] * len(rows)
    for k in range(folds):
        train = [r for r in rows if fold_of[r.page] != k]
        w = fit_logistic(train, names, ridge=ridge)
        for i, r in enumerate(rows):
            if fold_of[r.page] == k:
                preds[i] = predict(w, r.features)
    return preds


def reliability(
    preds: Sequence[float],
    labels: Sequence[bool],
    edges: Sequence[float] = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 1.0001),
) -> list[str]:
    """A table: predicted probability bins, rows, mean prediction, observed rate."""
    lines = ["| predicted | rows | mean predicted | observed |", "|---|---|---|---|"]
    for lo, hi in zip(edges, edges[1:], strict=False):
        idx = [i for i, p in enumerate(preds) if lo <= p < hi]
        if not idx:
            continue
        mean = sum(preds[i] for i in idx) / len(idx)
        seen = sum(labels[i] for i in idx) / len(idx)
        lines.append(f"| {lo:.2f}-{min(hi, 1):.2f} | {len(idx)} | {mean:.3f} | {seen:.3f} |")
    return lines


def log_loss(preds: Sequence[float], labels: Sequence[bool]) -> float:
    eps = 1e-6
    return -sum(
        math.log(max(p if y else 1 - p, eps)) for p, y in zip(preds, labels, strict=True)
    ) / len(preds)


def scored(
    pages: Iterable[OcrPage], settings: CorrectionSettings | None = None
) -> tuple[list[float], list[bool]]:
    """Every suggestion's best reading on pages read with their choices and boxes: its
    (calibrated) score and whether it is right, as the benchmark judges it."""
    scores: list[float] = []
    labels: list[bool] = []
    for p in pages:
        choices, layout = evidence(p)
        page = make_page(p.text, choices=choices, layout=layout, settings=settings)
        found = [s for s in all_suggestions(page)[0] if s.best is not None]
        _, changes = rewrite(p.text, [(s, s.best) for s in found])
        verdicts = judged_changes(p.truth, Correction(p.text, p.text, tuple(changes), 0.0))
        scores += [c.score for c in changes]
        labels += [v == "right" for v, *_ in verdicts]
    return scores, labels
