"""Copies of one text in a batch (carbon copies, duplicates): the same span of the reference is
one question, triaged with every copy's reading and decided once for all of them."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
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
from ocr.store import Document, FlagRow, Page
from ocr.triage import Triage, with_copies

KEY_CONTEXT = 20  # characters of the reference on each side that make two spans the same text


def _squash(text: str) -> str:
    return " ".join(text.split())


def copy_key(ref_text: str, detail: dict[str, Any] | None) -> str | None:
    """The key of an item's span of the reference: its text and the text around it; None for
    an item without a span (nothing of the reference to share)."""
    detail = detail or {}
    if "ref_start" not in detail or "triage" not in detail or not ref_text.strip():
        return None  # (text the OCR read where the reference has none decides nothing there)
    before = _squash(str(detail.get("ref_before", "")))[-KEY_CONTEXT:]
    after = _squash(str(detail.get("ref_after", "")))[:KEY_CONTEXT]
    if len(before) + len(after) < KEY_CONTEXT:  # too little context to call two texts one
        return None
    blob = "\x1f".join((before, _squash(ref_text), after))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:40]


def link_copies(session: Session, doc: Document) -> int:
    """Key the document's items by their span of the reference; where another document (its
    latest run) has the same span, judge both again with each other's reading (agreeing copies
    speak for a reference error, differing ones against). Returns how many items have copies."""
    rows = [f for p in doc.pages for f in p.flags]
    for row in rows:
        row.copy_key = copy_key(row.ref_text, row.detail)
    keyed = {r.copy_key: r for r in rows if r.copy_key}
    if not keyed:
        return 0
    others = defaultdict(list)
    for other in copies_of(session, list(keyed), exclude=doc):
        others[other.copy_key].append(other)
    for key, mine in keyed.items():
        group = [mine, *others.get(key, [])]
        if len(group) > 1:
            for row in group:
                rejudge(row, [r for r in group if r is not row])
    return sum(1 for key in keyed if key in others)


def copies_of(session: Session, keys: Sequence[str], *, exclude: Document) -> list[FlagRow]:
    """Items of other documents (their latest runs) with one of these keys."""
    stmt = (select(FlagRow).join(Page, FlagRow.page_id == Page.id)
            .join(Document, Page.document_id == Document.id)
            .where(FlagRow.copy_key.in_(list(keys)), Document.id != exclude.id,
                   Document.name != exclude.name, Document.superseded_by.is_(None)))
    return list(session.scalars(stmt))


def _agree(a: FlagRow, b: FlagRow) -> bool:
    return _squash(a.ocr_text) == _squash(b.ocr_text)


def rejudge(row: FlagRow, copies: Iterable[FlagRow]) -> None:
    """Judge an item's disagreement again knowing its copies' readings."""
    detail = dict(row.detail or {})
    if row.type != "disagreement" or "triage" not in detail:
        return
    found = list(copies)
    vote = 1 if any(_agree(row, c) for c in found) else -1 if found else 0
    triage = with_copies(Triage.from_json(detail["triage"]), vote)
    detail["triage"] = triage.as_json()
    reason = disagreement_reason(row.ocr_text, row.ref_text, row.confidence, triage)
    reasons = list(detail.get("reasons") or [])
    own = Reason(REFERENCE_ERROR if triage.reference_error else OCR_ERROR, reason,
                 disagreement_severity(triage, row.confidence))
    detail["reasons"] = [own.as_json(), *reasons[1:]]
    row.detail = detail
    row.category, row.kind, row.reason = category_of(triage), own.kind, reason
    row.severity = max([own.severity, *(float(r.get("severity", 0)) for r in reasons[1:])])
