"""Scoring for the benchmark: strict and archival CER/WER per page, micro-averaged per group."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from ocr.score import TextScore, normalise, score_text

try:  # the archival folding profile (ocr/folding.py) is a teammate's; strict works without it
    from ocr.folding import ARCHIVAL, fold
except ImportError:  # pragma: no cover - depends on the checkout
    ARCHIVAL = None
    fold = None  # type: ignore[assignment]

PROFILES = ("strict", "archival") if ARCHIVAL is not None else ("strict",)


@dataclass(frozen=True)
class PageScore:
    """One page of one engine: strict and (if available) archival scores."""

    name: str
    strict: TextScore
    archival: TextScore | None


def score_page(name: str, reference: str, ocr_text: str) -> PageScore:
    """dinglehopper-exact strict scores of normalised texts; archival after folding both."""
    strict = score_text(normalise(reference), normalise(ocr_text))
    archival = None
    if ARCHIVAL is not None and fold is not None:
        archival = score_text(fold(reference, ARCHIVAL), fold(ocr_text, ARCHIVAL))
    return PageScore(name, strict, archival)


@dataclass(frozen=True)
class Rates:
    """Micro-averaged rates of a group of pages (errors over characters, words over words)."""

    pages: int
    chars: int
    cer: float
    wer: float
    cer_archival: float | None
    wer_archival: float | None


def _micro(scores: list[TextScore]) -> tuple[float, float]:
    chars = sum(s.char_total for s in scores)
    words = sum(s.word_total for s in scores)
    cer = sum(s.char_errors for s in scores) / chars if chars else float("nan")
    wer = sum(s.word_errors for s in scores) / words if words else float("nan")
    return cer, wer


def rates(pages: Iterable[PageScore]) -> Rates:
    """Micro-averages of ``pages`` (each page weighs by its length, as dinglehopper sums)."""
    pages = list(pages)
    cer, wer = _micro([p.strict for p in pages])
    folded = [p.archival for p in pages if p.archival is not None]
    cer_a, wer_a = _micro(folded) if folded and len(folded) == len(pages) else (None, None)
    return Rates(len(pages), sum(p.strict.char_total for p in pages), cer, wer, cer_a, wer_a)


def grouped(scores: Mapping[str, PageScore], key: Callable[[str], str]) -> dict[str, Rates]:
    """Rates per group of page names."""
    groups: dict[str, list[PageScore]] = {}
    for name, score in scores.items():
        groups.setdefault(key(name), []).append(score)
    return {group: rates(items) for group, items in groups.items()}
