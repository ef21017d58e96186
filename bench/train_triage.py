"""Fit the triage model (ocr/data/triage.json) on the tuning set of the review benchmark only.

Each disagreement item of the tuning set's run with its injected reference is one example: its
evidence (ocr.triage.Evidence, copies included) and whether its span of the reference holds an
injected error. A logistic regression (L2, Newton steps) on the examples where some evidence
supports the OCR's reading (the others are never called reference errors) gives the weights; the
threshold is the one with the best F1 on all the examples. The held-out set is never read here.

Run: .venv/bin/python -m bench.train_triage [--pages 48] (after bench/bench_review.py made the
tuning set's run).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from bench.bench_review import TUNE_SEED, _overlaps, load_items, review_set
from ocr.triage import FEATURES, MODEL_FILE, Evidence

L2 = 1.0  # ridge on the weights (not the bias): keeps them finite when a feature separates


def examples(pages: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and whether some evidence supports the OCR's reading
    (ocr.triage.Evidence.support: without it no verdict is a reference error) of the tuning
    set's disagreement items."""
    folder = review_set(TUNE_SEED, pages)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    injections = {it["name"]: it["injections"] for it in manifest["items"]}
    items, _ = load_items(folder / "ref.db")
    rows, labels, supported = [], [], []
    for item in items:
        triage = item.detail.triage
        if not triage:
            continue
        evidence = Evidence.from_json(triage["evidence"])
        rows.append(evidence.vector())
        labels.append(any(_overlaps(item, j) for j in injections.get(item.document, [])))
        supported.append(evidence.support() > 0.0)
    return (
        np.asarray(rows, dtype=float),
        np.asarray(labels, dtype=float),
        np.asarray(supported, dtype=bool),
    )


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method; returns [bias, *weights]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    ridge = np.eye(len(w)) * l2
    ridge[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -40, 40)))
        grad = xb.T @ (p - y) + ridge @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def best_threshold(p: np.ndarray, y: np.ndarray, supported: np.ndarray) -> tuple[float, float]:
    """The threshold of the best F1 on these examples (the unsupported never called), and
    that F1."""
    best = (0.5, -1.0)
    for t in np.arange(0.05, 0.96, 0.01):
        called = (p >= t) & supported
        tp = float((called & (y == 1)).sum())
        f1 = 2 * tp / max(called.sum() + y.sum(), 1)
        if f1 > best[1]:
            best = (round(float(t), 2), f1)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=48)
    args = parser.parse_args(argv)
    x, y, supported = examples(args.pages)
    w = fit(x[supported], y[supported])  # the model decides only where evidence supports
    p = 1.0 / (1.0 + np.exp(-(w[0] + x @ w[1:])))
    threshold, f1 = best_threshold(p, y, supported)
    source = (
        f"logistic regression fitted by bench/train_triage.py on the tuning set of "
        f"bench/bench_review.py (seed {TUNE_SEED}, {args.pages} pages, {len(y)} "
        f"disagreements, {int(y.sum())} injected, {int(supported.sum())} with evidence for the "
        f"OCR's reading), {datetime.now(UTC):%Y-%m-%d}"
    )
    data = {
        "features": list(FEATURES),
        "weights": [round(float(v), 4) for v in w],
        "threshold": threshold,
        "source": source,
    }
    MODEL_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, ensure_ascii=False, indent=2))
    print(f"tuning F1 at the threshold: {f1:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
