"""Copies of one text in a batch (carbon copies, duplicates): the same span of the reference is
one question, triaged with every copy's reading and decided once for all of them."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.flag import (
    OCR_ERROR,
    REFERENCE_ERROR,
    Reason,
    category_of,
    disagreement_reason,
    disagreement_severity,
)
from ocr.flag_records import StoredDetail
from ocr.tables import Document, FlagRow, Page
from ocr.triage import Triage, with_copies

KEY_CONTEXT = 20  # characters of the reference on each side that make two spans the same text


def _squash(text: str) -> str:
    return " ".join(text.split())


def copy_key(ref_text: str, detail: dict[str, Any] | None) -> str | None:
    """The key of an item's span of the reference: its text and the text around it; None for
    an item without a span (nothing of the reference to share)."""
    stored = StoredDetail.from_json(detail)
    if stored.ref_start is None or stored.triage is None or not ref_text.strip():
        return None  # (text the OCR read where the reference has none decides nothing there)
    before = _squash(stored.ref_before)[-KEY_CONTEXT:]
    after = _squash(stored.ref_after)[:KEY_CONTEXT]
    if len(before) + len(after) < KEY_CONTEXT:  # too little context to call two texts one
        return None
    blob = "\x1f".join((before, _squash(ref_text), after))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def link_copies(session: Session, doc: Document) -> int:
    """Key the document's items by their span of the reference. Another document (its latest
    run) with items of the same keys is a copy of the same text (a carbon copy, a duplicate):
    each item is judged again with the copies' readings of its span, an item of theirs where
    the copy read the reference's text (no item there) included. Returns how many of the
    document's items have a copy."""
    rows = [f for p in doc.pages for f in p.flags]
    for row in rows:
        row.copy_key = copy_key(row.ref_text, row.detail)
    keyed = {r.copy_key: r for r in rows if r.copy_key}
    if not keyed:
        return 0
    others: dict[str, list[FlagRow]] = defaultdict(list)
    for other in copies_of(session, list(keyed), exclude=doc):
        others[other.copy_key or ""].append(other)
    copies = {o.page.document.id: o.page.document for group in others.values() for o in group}
    texts = {d.id: _reference(d) for d in (doc, *copies.values())}
    for key, mine in keyed.items():
        readings: list[str | None] = [o.ocr_text for o in others.get(key, [])]
        readings += [
            None for d in copies.values() if key not in _keys(d) and _holds(texts[d.id], mine)
        ]  # that copy read the reference's text
        rejudge(mine, readings)
        for other in others.get(key, []):
            rejudge(other, [mine.ocr_text])
    for copy in copies.values():  # its items this document read as the reference has them
        for row in (f for p in copy.pages for f in p.flags):
            if row.copy_key and row.copy_key not in keyed and _holds(texts[doc.id], row):
                rejudge(row, [None])
    return sum(1 for key in keyed if key in others)


def _keys(document: Document) -> set[str]:
    return {f.copy_key for p in document.pages for f in p.flags if f.copy_key}


def _reference(document: Document) -> str:
    """The document's reference, blanks squashed ("" when it cannot be read)."""
    from ocr.textio import read_reference

    if not document.reference_path:
        return ""
    try:
        return _squash(read_reference(Path(document.reference_path)).text)
    except Exception:  # noqa: BLE001 - a copy's unreadable reference is no evidence
        return ""


def _holds(text: str, row: FlagRow) -> bool:
    """Whether a reference holds the item's span with the text around it."""
    detail = StoredDetail.from_json(row.detail)
    before = _squash(detail.ref_before)[-KEY_CONTEXT:]
    after = _squash(detail.ref_after)[:KEY_CONTEXT]
    needle = " ".join(part for part in (before, _squash(row.ref_text), after) if part)
    return bool(text) and needle in text


def copies_of(session: Session, keys: Sequence[str], *, exclude: Document) -> list[FlagRow]:
    """Items of other documents (their latest runs) with one of these keys."""
    stmt = (
        select(FlagRow)
        .join(Page, FlagRow.page_id == Page.id)
        .join(Document, Page.document_id == Document.id)
        .where(
            FlagRow.copy_key.in_(list(keys)),
            Document.id != exclude.id,
            Document.name != exclude.name,
            Document.superseded_by.is_(None),
        )
    )
    return list(session.scalars(stmt))


def _vote(row: FlagRow, readings: Iterable[str | None]) -> int:
    """+1 when a copy reads the span as this item's OCR does, else -1 when a copy reads it
    otherwise (another misreading, or the reference's text: None), 0 without copies."""
    found = list(readings)
    mine = _squash(row.ocr_text)
    if any(r is not None and _squash(r) == mine for r in found):
        return 1
    return -1 if found else 0


def rejudge(row: FlagRow, readings: Iterable[str | None]) -> None:
    """Judge an item's disagreement again with what copies of its text read there (the
    strongest vote so far stands: one copy that agrees outweighs one that does not)."""
    stored = StoredDetail.from_json(row.detail)
    if row.type != "disagreement" or stored.triage is None:
        return
    before = Triage.from_json(stored.triage)
    vote = _vote(row, readings)
    if vote == 0 or before.evidence.copies == 1 or (vote == -1 and before.evidence.copies):
        return
    triage = with_copies(before, vote)
    reason = disagreement_reason(row.ocr_text, row.ref_text, row.confidence, triage)
    reasons = list(stored.reasons)
    own = Reason(
        REFERENCE_ERROR if triage.reference_error else OCR_ERROR,
        reason,
        disagreement_severity(triage, row.confidence),
    )
    row.detail = {
        **(row.detail or {}),
        "triage": triage.as_json(),
        "reasons": [own.as_json(), *reasons[1:]],
    }
    row.category, row.kind, row.reason = category_of(triage), own.kind, reason
    row.severity = max([own.severity, *(float(r.get("severity", 0)) for r in reasons[1:])])
