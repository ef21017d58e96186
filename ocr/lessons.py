"""What the results database teaches correction: reviewers' decided readings, scored confusions."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ocr.correct.learned import Learned, learned_from
from ocr.flag_records import StoredDetail

T = TypeVar("T")

MAX_PAIR_CHARS = 200  # longer decided spans (whole paragraphs) are not letter evidence

log = logging.getLogger(__name__)


def learned(
    gt_dir: Path | None, database_url: str | None, *, before_run: str | None = None
) -> Learned:
    """What correction has been taught by ``gt_dir``'s references and by the review decisions
    and scored documents in ``database_url``; unchanged sources give the same object.

    With ``before_run`` (a run's id), only what the database held when that run started: the
    documents a batch scores and the decisions made while it runs teach the next run, not the
    batch's own later documents, so a document's suggestions never depend on which of the
    batch's documents happened to finish first."""
    return learned_from(
        gt_dir,
        pairs=review_pairs(database_url, before_run=before_run),
        scored=scored_confusions(database_url, before_run=before_run),
    )


def review_pairs(
    database_url: str | None, *, before_run: str | None = None
) -> list[tuple[str, str]]:
    """(OCR reading, reviewer's text) of every standing decision that changed or confirmed a
    reading (made before ``before_run`` started, when given): for a suggested correction the
    word OCR read, else the flag's OCR text."""
    return _read(
        database_url, partial(_review_pairs, before_run=before_run), [], "reviewers' corrections"
    )


def scored_confusions(
    database_url: str | None, *, before_run: str | None = None
) -> Counter[tuple[str, str]]:
    """{(typed, read): count} of one letter read for another, from the scoring of the Russian
    documents with a reference in ``database_url`` (the latest report of each source file,
    stored before ``before_run`` started, when given; a report keeps its document's most
    frequent confusions)."""
    counts: Counter[tuple[str, str]] = Counter()
    reports: list[str] = _read(
        database_url, partial(_report_paths, before_run=before_run), [], "scored documents"
    )
    for report in reports:
        try:
            rows = json.loads(Path(report).read_text(encoding="utf-8"))["scoring"]["confusions"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a report moved or written by another version: nothing to learn from it
        for row in rows:
            ref, ocr = str(row.get("reference", "")).lower(), str(row.get("ocr", "")).lower()
            if len(ref) == len(ocr) == 1 and ref.isalpha() and ocr.isalpha() and ref != ocr:
                counts[(ref, ocr)] += int(row.get("count", 0))
    return counts


def _read(database_url: str | None, query: Callable[[Any], T], empty: T, what: str) -> T:
    """``query(session)`` on the results database; ``empty`` when there is none yet or it cannot
    be read (no review tables before the first review, a database locked by a writer)."""
    from ocr.store import sqlite_file

    path = sqlite_file(database_url) if database_url else None
    if not database_url or path is not None and not path.is_file():
        return empty
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session

    engine = create_engine(database_url, future=True)
    try:
        with Session(engine) as session:
            return query(session)
    except SQLAlchemyError as e:
        log.info("correction: no %s read from the database (%s)", what, e)
        return empty
    finally:
        engine.dispose()


def _started(run_id: str) -> Any:
    """The SQL value of run ``run_id``'s start (compared in the database, as stored)."""
    from sqlalchemy import select

    from ocr.store import Run

    return select(Run.started_at).where(Run.id == run_id).scalar_subquery()


def _review_pairs(session: Any, *, before_run: str | None = None) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from ocr.detect.markers import ILLEGIBLE
    from ocr.review.models import Decision
    from ocr.store import FlagRow

    query = select(Decision).where(Decision.undone.is_(False))
    if before_run is not None:
        query = query.where(Decision.created_at < _started(before_run))
    latest: dict[int, Decision] = {}
    for d in session.scalars(query.order_by(Decision.created_at, Decision.id)):
        latest[d.flag_id] = d
    flags = (
        {f.id: f for f in session.scalars(select(FlagRow).where(FlagRow.id.in_(list(latest))))}
        if latest
        else {}
    )
    return sorted(_pairs(latest.values(), flags, illegible=ILLEGIBLE))


def _report_paths(session: Any, *, before_run: str | None = None) -> list[str]:
    """The report of the latest scored Russian document of each source file (stored before
    run ``before_run`` started, when given)."""
    from sqlalchemy import select

    from ocr.store import Document

    query = select(Document).where(
        Document.reference_path.is_not(None), Document.languages.contains("rus")
    )
    if before_run is not None:
        query = query.where(Document.created_at < _started(before_run))
    latest = {
        d.source_sha256: d.outputs.get("report")
        for d in session.scalars(query.order_by(Document.created_at, Document.id))
    }
    return [report for report in latest.values() if report]


def _pairs(
    decisions: Iterable[Any], flags: dict[int, Any], *, illegible: str
) -> Iterable[tuple[str, str]]:
    for d in decisions:
        flag = flags.get(d.flag_id)
        if flag is None or d.action == "skip" or not d.after_text or illegible in d.after_text:
            continue  # the flag went with a resumed batch: its OCR reading is not known
        original = StoredDetail.from_json(flag.detail).original or ""
        read = original if flag.type == "correction" else flag.ocr_text
        if read and len(read) <= MAX_PAIR_CHARS and len(d.after_text) <= MAX_PAIR_CHARS:
            yield read, d.after_text
