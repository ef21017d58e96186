"""The review app's pages: queue, item, decide, undo, document, export, and page images."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from ocr.flag import kind_label
from ocr.flag_records import StoredDetail
from ocr.review.decisions import (
    ACTIONS,
    STATUSES,
    QueueFilter,
    check_filter,
    counts,
    decide,
    get_flag,
    has_reference,
    item_kinds,
    kind_of,
    last_decision,
    next_flag,
    ocr_reading,
    queue,
    queue_size,
    suggestion,
    undo_last,
)
from ocr.review.document import load_page, ocr_context, reference_context, review_document
from ocr.review.errors import InvalidDecisionError, NotFoundError
from ocr.review.export import export_corrections, score_reviewed
from ocr.review.models import Decision
from ocr.review.security import (
    IMAGE_TYPES,
    REPORT_HEADERS,
    REPORT_TYPES,
    file_url,
    safe_file,
)
from ocr.store import Document, FlagRow, Run, Store

router = APIRouter()
REVIEWER_COOKIE = "ocr_reviewer"
MAX_TEXT = 10_000
PAGE_SIZE = 200


MAX_ID = 2**63 - 1  # the database's integers; larger ids name nothing (and cannot be bound)
Id = Annotated[int, PathParam(ge=0, le=MAX_ID)]


def queue_filter(
    run: str | None = None,
    document: str | None = None,
    flag_type: Annotated[str | None, Query(alias="type")] = None,
    status: str | None = None,
) -> QueueFilter:
    """The queue filter from query parameters; blank form fields mean 'any'."""
    doc_id = None
    if document:
        if not (document.isascii() and document.isdigit()) or int(document) > MAX_ID:
            raise InvalidDecisionError(f"document must be a document number, not {document!r}")
        doc_id = int(document)
    return QueueFilter(
        run=run or None, document=doc_id, type=flag_type or None, status=status or "todo"
    )


Filter = Annotated[QueueFilter, Depends(queue_filter)]


def _store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def _qs(f: QueueFilter, **extra: Any) -> str:
    params = {**f.query_string(), **{k: v for k, v in extra.items() if v is not None}}
    return f"?{urlencode(params)}" if params else ""


def _reviewer(request: Request) -> str:
    return unquote(request.cookies.get(REVIEWER_COOKIE, ""))


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"csrf": request.state.csrf, "reviewer": _reviewer(request), "actions": ACTIONS}
    return request.app.state.templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status
    )


def _redirect(url: str, *, reviewer: str | None = None) -> Response:
    response = RedirectResponse(url, status_code=303)
    if reviewer:  # remembered for a year; quoted, since names are Cyrillic and cookies are ASCII
        response.set_cookie(
            REVIEWER_COOKIE, quote(reviewer), max_age=365 * 86400, httponly=True, samesite="strict"
        )
    return response


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/queue")
def queue_page(
    request: Request,
    f: Filter,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    flow_run: str | None = None,
) -> Response:
    """Flagged regions, most severe first, with filters and counts (?run=<id> links a batch run)."""
    with _store(request).session() as s:
        if flow_run:  # a Prefect flow run's artifact may know only its own id
            run_id = s.scalar(select(Run.id).where(Run.flow_run_id == flow_run))
            if run_id is None:
                raise NotFoundError(f"no batch run belongs to flow run {flow_run}")
            return RedirectResponse(f"/queue{_qs(QueueFilter(run=run_id, type=f.type))}", 303)
        check_filter(s, f)
        runs = list(s.scalars(select(Run).order_by(Run.started_at.desc())))
        docs_stmt = select(Document).order_by(Document.name, Document.created_at)
        if f.run:
            docs_stmt = docs_stmt.where(Document.run_id == f.run)
        else:
            docs_stmt = docs_stmt.where(Document.superseded_by.is_(None))
        context = {
            "f": f,
            "qs": _qs(f),
            "items": queue(s, f, limit=PAGE_SIZE, offset=offset),
            "total": queue_size(s, f),
            "offset": offset,
            "page_size": PAGE_SIZE,
            "counts": counts(s, f),
            "runs": runs,
            "documents": list(s.scalars(docs_stmt)),
            "types": item_kinds(s, f),
            "statuses": STATUSES,
            "kind_of": kind_of,
            "kind_label": kind_label,
            "reasons_of": reasons_of,
            "ink_of": ink_of,
            "next_id": next_flag(s, f),
            "has_reference": has_reference,
            "more_qs": _qs(f, offset=offset + PAGE_SIZE),
        }
        return _render(request, "queue.html", context)


def _item_context(request: Request, s: Session, flag_id: int, f: QueueFilter) -> dict[str, Any]:
    flag = get_flag(s, flag_id)
    page, root = flag.page, request.app.state.output_dir
    ocr_page = load_page(page)
    history = list(
        s.scalars(
            select(Decision)
            .where(Decision.flag_id == flag.id)
            .order_by(Decision.created_at.desc(), Decision.id.desc())
        )
    )
    reviewer = _reviewer(request)
    read = ocr_reading(flag)
    return {
        "flag": flag,
        "page": page,
        "document": page.document,
        "f": f,
        "qs": _qs(f),
        "crop_url": file_url(root, flag.crop_path),
        "view_url": file_url(root, (page.outputs or {}).get("view")),
        "ocr": ocr_context(ocr_page.text if ocr_page else None, flag),
        "ref": reference_context(s, flag),
        "has_reference": has_reference(flag),
        "ref_note": reference_note(flag),
        "kind": kind_label(kind_of(flag)),
        "reasons": reasons_of(flag),
        "colour": StoredDetail.from_json(flag.detail).colour,
        "suggestion": suggestion(flag),
        "copies": copies_count(s, flag),
        "history": history,
        "counts": counts(s, f),
        "next_id": next_flag(s, f, exclude=flag.id),
        "undo": last_decision(s, reviewer=reviewer) if reviewer else None,
        # "Edit" starts from the suggestion, else from what the OCR read.
        "prefill_edit": suggestion(flag)
        if suggestion(flag) is not None
        else (read or flag.ref_text),
        "prefill_graphic": " ".join((flag.ref_text or read).split()),
    }


def ink_of(flag: FlagRow) -> str:
    """The ink colour of a stamp's or a pen's item ("" for others)."""
    return StoredDetail.from_json(flag.detail).colour


def reasons_of(flag: FlagRow) -> list[dict[str, Any]]:
    """The item's reasons as stored (one per signal merged into it)."""
    stored = StoredDetail.from_json(flag.detail).reasons
    return [dict(r) for r in stored] or [
        {"kind": kind_of(flag), "label": kind_label(kind_of(flag)), "text": flag.reason}
    ]


def reference_note(flag: FlagRow) -> str:
    """Why an item without a span of the reference has none, in the reviewer's words."""
    if flag.page.document.reference_path is None:
        return (
            "This document has no reference transcription: a decision corrects the OCR's "
            "text (the corrected PAGE-XML) only."
        )
    kind = kind_of(flag)
    if kind in ("stamp", "signature", "handwriting", "unrecognised_ink"):
        return (
            f"The reference does not transcribe this {kind_label(kind)} (its text was not "
            "found there); a decision marks it in the corrected PAGE-XML."
        )
    return (
        "The reference agrees with what the OCR read here; a decision corrects the OCR's "
        "text (the corrected PAGE-XML) only."
    )


def copies_count(s: Session, flag: FlagRow) -> int:
    """How many other documents have this item's span of the reference (carbon copies)."""
    if not flag.copy_key:
        return 0
    from ocr.review.copies import copies_of

    return len(copies_of(s, [flag.copy_key], exclude=flag.page.document))


@router.get("/flags/{flag_id}")
def item_page(request: Request, flag_id: Id, f: Filter) -> Response:
    """One flagged region: crop, page view, OCR and reference text, and the decision buttons."""
    with _store(request).session() as s:
        check_filter(s, f)
        return _render(request, "item.html", _item_context(request, s, flag_id, f))


@router.post("/flags/{flag_id}/decide")
def decide_item(
    request: Request,
    flag_id: Id,
    f: Filter,
    version: Annotated[int, Form(ge=0, le=MAX_ID)],
    action: Annotated[str, Form(max_length=32)],
    reviewer: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str | None, Form(max_length=MAX_TEXT)] = None,
) -> Response:
    """Store a decision (409 if someone saved the item first), then load the next item."""
    store = _store(request)
    with store.sessions.begin() as s:
        check_filter(s, f)
        decision = decide(
            s, flag_id=flag_id, version=version, action=action, reviewer=reviewer, text=text
        )
    with store.session() as s:
        nxt = next_flag(s, f, exclude=flag_id)
    url = f"/flags/{nxt}{_qs(f)}" if nxt is not None else f"/queue{_qs(f, finished=1)}"
    return _redirect(url, reviewer=decision.reviewer)


@router.post("/undo")
def undo(
    request: Request, f: Filter, reviewer: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Undo the reviewer's last decision and go back to that item."""
    with _store(request).sessions.begin() as s:
        decision = undo_last(s, reviewer=reviewer or _reviewer(request))
        flag_id, name = decision.flag_id, decision.reviewer
        exists = s.get(FlagRow, flag_id) is not None  # a resumed run may have replaced it
    return _redirect(f"/flags/{flag_id}{_qs(f)}" if exists else f"/queue{_qs(f)}", reviewer=name)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: Id) -> Response:
    """A document's review: CER before and after, and every decision's effect."""
    with _store(request).session() as s:
        reviewed = review_document(s, document_id)
        context = {
            "reviewed": reviewed,
            "doc": reviewed.document,
            "score": score_reviewed(reviewed),
            "counts": counts(s, QueueFilter(document=document_id)),
            "f": QueueFilter(document=document_id),
        }
        return _render(request, "document.html", context)


@router.post("/export")
def export(request: Request, f: Filter) -> Response:
    """Write corrected references, PAGE-XML and changelogs for the filtered run or document."""
    with _store(request).session() as s:
        check_filter(s, f)
    results = export_corrections(
        _store(request), run_id=f.run, document_ids=[f.document] if f.document is not None else None
    )
    return _render(request, "export.html", {"results": results, "f": f, "qs": _qs(f)})


@router.get("/files/{path:path}")
def image(request: Request, path: str) -> Response:
    """A page or crop image; only files under the output folder are served."""
    found = safe_file(request.app.state.output_dir, path)
    return FileResponse(found, media_type=IMAGE_TYPES[found.suffix.lower()])


@router.get("/reports/{path:path}")
def report(request: Request, path: str) -> Response:
    """A document's report.html (and the crops and page images it links), or the batch's
    index.html, from the output folder: what the Prefect artifacts link to."""
    found = safe_file(request.app.state.output_dir, path, types=REPORT_TYPES)
    return FileResponse(
        found, media_type=REPORT_TYPES[found.suffix.lower()], headers=REPORT_HEADERS
    )
