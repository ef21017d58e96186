"""What the project has taught post-OCR correction: the words of its reference transcriptions and
the reviewers' corrections, and the letter confusions those corrections show.

Read once per batch process and kept while the sources stay the same: the reference files of
the ground-truth folder (name, size, mtime) and the number of standing review decisions.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_PAIR_CHARS = 200  # longer decided spans (whole paragraphs) are not letter evidence


@dataclass(frozen=True)
class Learned:
    """The lexicon (with the learned words) and the confusion table correction uses."""

    lexicon: Any
    table: Any
    reference_files: int
    review_pairs: int


_CACHE: dict[tuple[Any, ...], Learned] = {}


def learned(gt_dir: Path | None, database_url: str | None) -> Learned:
    """The project's words and confusions from ``gt_dir``'s references and the review decisions
    in ``database_url``; unchanged sources give the same object."""
    files = sorted(gt_dir.glob("*.txt")) if gt_dir is not None and gt_dir.is_dir() else []
    pairs = review_pairs(database_url)
    key = (tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files), tuple(pairs))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _build(files, pairs)
    return _CACHE[key]


def _build(files: list[Path], pairs: list[tuple[str, str]]) -> Learned:
    from ocr.correct import (
        Lexicon,
        confusions_from_counts,
        counts_from_pairs,
        learn_from_corrections,
        learn_from_references,
        load_confusions,
    )
    from ocr.textio import read_reference

    texts = []
    for path in files:
        try:
            texts.append(read_reference(path).text)
        except Exception as e:  # noqa: BLE001 - a bad reference is reported when its document runs
            log.info("correction: %s left out of the learned words (%s)", path, e)
    words = learn_from_references(texts).merge(learn_from_corrections(pairs))
    letters = Counter({(ref, ocr): n for (ref, ocr), n in counts_from_pairs(pairs).items()
                       if ref.isalpha() and (ocr.isalpha() or not ocr) and " " not in ref + ocr})
    table = (confusions_from_counts(letters, base=load_confusions())
             if any(ref != ocr for ref, ocr in letters) else load_confusions())
    return Learned(Lexicon(learned=words), table, len(texts), len(pairs))


def review_pairs(database_url: str | None) -> list[tuple[str, str]]:
    """(OCR reading, reviewer's text) of every standing decision that changed or confirmed a
    reading: for a suggested correction the word OCR read, else the flag's OCR text."""
    if not database_url or not _database_exists(database_url):
        return []
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from ocr.review.decisions import ILLEGIBLE
    from ocr.review.models import Decision
    from ocr.store import FlagRow

    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            latest: dict[int, Decision] = {}
            for d in session.scalars(select(Decision).where(Decision.undone.is_(False))
                                     .order_by(Decision.created_at, Decision.id)):
                latest[d.flag_id] = d
            flags = {f.id: f for f in session.scalars(
                select(FlagRow).where(FlagRow.id.in_(list(latest))))} if latest else {}
            return sorted(_pairs(latest.values(), flags, illegible=ILLEGIBLE))
    except SQLAlchemyError as e:  # no review tables yet, or a database that cannot be read now
        log.info("correction: no reviewers' corrections read from the database (%s)", e)
        return []
    finally:
        engine.dispose()


def _pairs(decisions: Iterable[Any], flags: dict[int, Any], *,
           illegible: str) -> Iterable[tuple[str, str]]:
    for d in decisions:
        flag = flags.get(d.flag_id)
        if (flag is None or d.action == "skip" or not d.after_text
                or illegible in d.after_text):
            continue  # the flag went with a resumed batch: its OCR reading is not known
        read = (flag.detail or {}).get("original", "") if flag.type == "correction" else flag.ocr_text
        if read and len(read) <= MAX_PAIR_CHARS and len(d.after_text) <= MAX_PAIR_CHARS:
            yield read, d.after_text


def _database_exists(url: str) -> bool:
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).is_file()
