"""Logistic models of the unknown true word's mass and of how often a best reading is right."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ocr.correct.lexicon import DATA

CALIBRATION_TABLE = DATA / "calibration_ru.tsv"
HEADER = "model\tfeature\tweight"
BIAS = "bias"


@dataclass(frozen=True)
class Logistic:
    """P(yes | features) = 1 / (1 + exp(-(bias + sum weight * feature))); a feature missing
    from the input counts as 0."""

    weights: Mapping[str, float]

    def logit(self, features: Mapping[str, float]) -> float:
        return self.weights.get(BIAS, 0.0) + sum(
            w * features.get(name, 0.0) for name, w in self.weights.items() if name != BIAS
        )

    def prob(self, features: Mapping[str, float]) -> float:
        return sigmoid(self.logit(features))


@dataclass(frozen=True)
class Calibration:
    """``other``: P(the truth is outside the readings | a chunk's evidence); ``right``: P(the
    best reading is right | its posterior and the page's noise). An empty model is neutral:
    ``other`` gives no mass (its bias is -inf), ``right`` returns the posterior itself."""

    other: Logistic | None = None
    right: Logistic | None = None

    def other_mass(self, features: Mapping[str, float]) -> float:
        return self.other.prob(features) if self.other is not None else 0.0

    def right_prob(self, posterior: float, features: Mapping[str, float]) -> float:
        """``features`` hold the posterior's own (ocr.correct.features.with_posterior)."""
        return posterior if self.right is None else self.right.prob(features)


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def logit(p: float, *, eps: float = 1e-6) -> float:
    """ln(p / (1 - p)), clipped to ``eps`` from 0 and 1."""
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def write_calibration(
    path: Path, models: Mapping[str, Mapping[str, float]], provenance: Sequence[str]
) -> None:
    """The models' weights as a TSV with ``#`` provenance lines."""
    lines = [f"# {p}" for p in provenance] + [HEADER]
    lines += [f"{m}\t{f}\t{w:.6g}" for m, ws in models.items() for f, w in ws.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_calibration(path: Path) -> Calibration:
    """The models written by :func:`write_calibration`; a missing file is a neutral model."""
    if not path.is_file():
        return Calibration()
    models: dict[str, dict[str, float]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line == HEADER:
            continue
        model, feature, weight = line.split("\t")
        models.setdefault(model, {})[feature] = float(weight)
    return Calibration(*(Logistic(models[m]) if m in models else None for m in ("other", "right")))


@cache
def load_calibration(path: Path = CALIBRATION_TABLE) -> Calibration:
    """The shipped models (``ocr/data/calibration_ru.tsv``), read once per process."""
    return read_calibration(path)
