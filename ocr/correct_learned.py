"""What the project has taught post-OCR correction: the words of its reference transcriptions and
of the reviewers' decisions, and the letter confusions measured by scoring and by review.

- Words: every reference file in the ground-truth folder, and the texts reviewers decided.
- Confusions: the letters OCR read for others in the scored Russian documents of the results
  database (each report's most frequent confusions; they can only make a reading cheaper, since
  the letters read right are not counted there), then the (OCR reading, decided text) pairs of
  the review decisions, whose measured rates replace the table's.

Built again only when a source changes (reference files by name, size and mtime; decisions and
reports by content), so a batch reads it once and a later document of the same batch can already
use what an earlier one's scoring or review taught.
"""

from __future__ import annotations

import json
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
    scored_confusions: int


_CACHE: dict[tuple[Any, ...], Learned] = {}


def learned(gt_dir: Path | None, database_url: str | None) -> Learned:
    """The project's words and confusions from ``gt_dir``'s references and the review decisions
    in ``database_url``; unchanged sources give the same object."""
    files = sorted(gt_dir.glob("*.txt")) if gt_dir is not None and gt_dir.is_dir() else []
    pairs = review_pairs(database_url)
    scored = scored_confusions(database_url)
    key = (tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files), tuple(pairs),
           tuple(sorted(scored.items())))
    found = _CACHE.get(key)
    if found is None:  # documents may finish in threads: build, then swap in one step
        found = _build(files, pairs, scored)
        _CACHE.clear()
        _CACHE[key] = found
    return found


def _build(files: list[Path], pairs: list[tuple[str, str]],
           scored: Counter[tuple[str, str]]) -> Learned:
    from ocr.correct import (
        Lexicon,
        confusions_from_counts,
        counts_from_pairs,
        learn_from_corrections,
        learn_from_references,
        load_confusions,
    )
    from ocr.correct.confusions import cheaper_of
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
    table = load_confusions()
    if scored:  # errors only (no count of letters read right): they may only make readings cheaper
        table = cheaper_of(table, confusions_from_counts(scored))
    if any(ref != ocr for ref, ocr in letters):  # reviewed words: measured rates replace the table's
        table = confusions_from_counts(letters, base=table)
    return Learned(Lexicon(learned=words), table, len(texts), len(pairs), sum(scored.values()))


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


def scored_confusions(database_url: str | None) -> Counter[tuple[str, str]]:
    """{(typed, read): count} of one letter read for another, from the scoring of the Russian
    documents with a reference in ``database_url`` (the latest report of each source file; a
    report keeps its document's most frequent confusions)."""
    if not database_url or not _database_exists(database_url):
        return Counter()
    from sqlalchemy import create_engine, select
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    from ocr.store import Document

    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            latest = {d.source_sha256: d.outputs.get("report") for d in session.scalars(
                select(Document).where(Document.reference_path.is_not(None),
                                       Document.languages.contains("rus"))
                .order_by(Document.created_at, Document.id))}
    except SQLAlchemyError as e:
        log.info("correction: no scored documents read from the database (%s)", e)
        return Counter()
    finally:
        engine.dispose()
    counts: Counter[tuple[str, str]] = Counter()
    for report in filter(None, latest.values()):
        try:
            rows = json.loads(Path(report).read_text(encoding="utf-8"))["scoring"]["confusions"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a report moved or written by another version: nothing to learn from it
        for row in rows:
            ref, ocr = str(row.get("reference", "")), str(row.get("ocr", ""))
            ref, ocr = ref.lower(), ocr.lower()
            if len(ref) == len(ocr) == 1 and ref.isalpha() and ocr.isalpha() and ref != ocr:
                counts[(ref, ocr)] += int(row.get("count", 0))
    return counts


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
