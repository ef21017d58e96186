"""What the project has taught post-OCR correction: the words of its reference transcriptions and
of the reviewers' decisions, and the letter confusions measured by scoring and by review.

- Words: every reference file in the ground-truth folder, and the texts reviewers decided.
- Channel counts: the (OCR reading, decided text) pairs of the review decisions, aligned and
  counted like the shipped tuning pages (ocr.correct.train), and the letters OCR read for others
  in the scored Russian documents of the results database (each report's most frequent
  confusions: errors only, so they can only make a reading likelier).

Built again only when a source changes (reference files by name, size and mtime; decisions and
reports by content), so a batch reads it once and a later document of the same batch can already
use what an earlier one's scoring or review taught.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ocr.correct.channel import Channel, load_channel, with_counts
from ocr.correct.lexicon import (
    Lexicon,
    default_lexicon,
    learn_from_corrections,
    learn_from_references,
)
from ocr.correct.settings import CorrectionSettings
from ocr.correct.train import Row, count_edits

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Learned:
    """The lexicon (with the learned words) and the channel correction uses."""

    lexicon: Lexicon
    channel: Channel
    reference_files: int
    review_pairs: int
    scored_confusions: int


_CACHE: dict[tuple[Any, ...], Learned] = {}


def learned_from(
    gt_dir: Path | None, *, pairs: list[tuple[str, str]], scored: Counter[tuple[str, str]]
) -> Learned:
    """The project's words and confusions from ``gt_dir``'s references, the reviewers' (reading,
    decided text) ``pairs`` and the ``scored`` letter confusions (ocr.lessons reads both from the
    results database); unchanged sources give the same object."""
    files = sorted(gt_dir.glob("*.txt")) if gt_dir is not None and gt_dir.is_dir() else []
    key = (
        tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files),
        tuple(pairs),
        tuple(sorted(scored.items())),
    )
    found = _CACHE.get(key)
    if found is None:  # documents may finish in threads: build, then swap in one step
        found = _build(files, pairs, scored)
        _CACHE.clear()
        _CACHE[key] = found
    return found


def _build(
    files: list[Path], pairs: list[tuple[str, str]], scored: Counter[tuple[str, str]]
) -> Learned:
    from ocr.textio import read_reference

    texts = []
    for path in files:
        try:
            texts.append(read_reference(path).text)
        except Exception as e:  # noqa: BLE001 - a bad reference is reported when its document runs
            log.info("correction: %s left out of the learned words (%s)", path, e)
    words = learn_from_references(texts).merge(learn_from_corrections(pairs))
    counts: Counter[Row] = Counter()
    for read, decided in pairs:
        count_edits(decided, read, counts)
    # Reviewed readings are this project's own channel: weighed as a page's own counts are.
    weight = CorrectionSettings().profile_weight
    counts = Counter({k: round(v * weight) for k, v in counts.items()})
    counts.update({("edit", ref, ocr): n for (ref, ocr), n in scored.items()})
    return Learned(
        default_lexicon().with_learned(words),
        with_counts(load_channel(), counts),
        len(texts),
        len(pairs),
        sum(scored.values()),
    )
