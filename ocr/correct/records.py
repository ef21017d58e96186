"""Frozen records of post-OCR correction: candidates, suggestions, applied changes, results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CandidateKind = Literal["script", "edit", "split", "join", "hyphen", "learned", "case", "glued",
                        "stray", "number",
                        "title"]


@dataclass(frozen=True)
class Candidate:
    """One replacement for a span: its text, posterior score in [0, 1] and channel cost in nats."""

    text: str
    score: float
    cost: float
    kind: CandidateKind


@dataclass(frozen=True)
class Suggestion:
    """An out-of-lexicon span of the page text with ranked candidates; ``keep_score`` is P(original)."""

    start: int
    end: int
    word_index: int
    original: str
    candidates: tuple[Candidate, ...]
    keep_score: float

    @property
    def best(self) -> Candidate | None:
        """The top candidate, or None when there is none."""
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class Change:
    """One applied replacement; ``start/end`` index the original text, ``new_start/new_end`` the result."""

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
