"""Frozen records of post-OCR correction: candidates, suggestions, applied changes, results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

CandidateKind = Literal["edit", "split", "join", "delete", "case", "learned", "hyphen"]


@dataclass(frozen=True)
class Candidate:
    """One reading of a span: its text, posterior in [0, 1] and channel cost in nats."""

    text: str
    score: float
    cost: float
    kind: CandidateKind


@dataclass(frozen=True)
class Suggestion:
    """A span of the text with its readings ranked by posterior; ``keep_score`` is the
    posterior of the text as read."""

    start: int
    end: int
    word_index: int
    original: str
    candidates: tuple[Candidate, ...]
    keep_score: float
    # What the best reading's score was calibrated from (ocr.correct.features), for audit and
    # for fitting the calibration; not part of the suggestion's identity.
    features: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def best(self) -> Candidate | None:
        """The top candidate, or None when there is none."""
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class Change:
    """One applied replacement; ``start/end`` index the original text, ``new_start/new_end``
    the result; ``score`` is its posterior."""

    start: int
    end: int
    new_start: int
    new_end: int
    word_index: int
    original: str
    replacement: str
    score: float
    kind: CandidateKind


@dataclass(frozen=True)
class Correction:
    """The corrected text, the text it came from and every change made, in text order."""

    original: str
    text: str
    changes: tuple[Change, ...]
    threshold: float
    skipped_lines: tuple[int, ...] = ()
