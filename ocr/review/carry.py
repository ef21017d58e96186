"""Reruns supersede: a document's standing decisions move to the same region of its new run."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.tables import Decision, Document, FlagRow

SAME_REGION = 0.5  # intersection over union of two boxes that mark one region


def _iou(a: FlagRow, b: FlagRow) -> float:
    cols = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    rows = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if cols <= 0 or rows <= 0:
        return 0.0
    inter = cols * rows
    return inter / (a.width * a.height + b.width * b.height - inter)


def _same_text(a: FlagRow, b: FlagRow) -> bool:
    return (a.type, a.ocr_text, a.ref_text) == (b.type, b.ocr_text, b.ref_text)


def matching_flag(old: FlagRow, candidates: Sequence[FlagRow]) -> FlagRow | None:
    """Of the new flags of the old one's page, the one of the same kind and text whose box
    overlaps the old one's most (at least SAME_REGION)."""
    best, best_iou = None, SAME_REGION
    for flag in candidates:
        if _same_text(old, flag):
            iou = _iou(old, flag)
            if iou >= best_iou:
                best, best_iou = flag, iou
    return best


def _standing(session: Session, flags: Sequence[FlagRow]) -> dict[int, Decision]:
    ids = [f.id for f in flags if f.status != "open"]
    if not ids:
        return {}
    rows = session.scalars(
        select(Decision)
        .where(
            Decision.flag_id.in_(ids), Decision.undone.is_(False), Decision.superseded_by.is_(None)
        )
        .order_by(Decision.created_at, Decision.id)
    )
    return {d.flag_id: d for d in rows}


def carry_decisions(session: Session, older: Sequence[Document], doc: Document) -> int:
    """Copy each standing decision of the older runs' flags to the new document's flag of the
    same page, kind, text and region (the newest decision wins); returns how many moved."""
    new_pages = {p.page_number: list(p.flags) for p in doc.pages}
    taken: set[int] = set()
    moved = 0
    for old_doc in sorted(older, key=lambda d: d.created_at, reverse=True):
        flags = [f for p in old_doc.pages for f in p.flags]
        for flag_id, decision in _standing(session, flags).items():
            old = session.get_one(FlagRow, flag_id)
            page = old.page.page_number
            free = [f for f in new_pages.get(page, []) if f.id not in taken]
            new = matching_flag(old, free)
            if new is None:
                continue
            _copy(session, decision, old, new, doc)
            taken.add(new.id)
            moved += 1
    return moved


def _copy(session: Session, decision: Decision, old: FlagRow, new: FlagRow, doc: Document) -> None:
    new.status, new.version = old.status, 2
    copy = Decision(
        flag_id=new.id,
        run_id=doc.run_id,
        document=doc.name,
        page_number=decision.page_number,
        reviewer=decision.reviewer,
        action=decision.action,
        before_text=decision.before_text,
        after_text=decision.after_text,
        status_before="open",
        status_after=decision.status_after,
        flag_version=2,
        created_at=decision.created_at,
        carried_from=decision.id,
    )
    session.add(copy)
    session.flush()
    decision.superseded_by = copy.id


def latest_documents(session: Session) -> list[Document]:
    """Each document's latest run (the ones no rerun has superseded), by name."""
    return list(
        session.scalars(
            select(Document).where(Document.superseded_by.is_(None)).order_by(Document.name)
        )
    )
