"""The review queue and decisions: what each action means, decide and undo under a version check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from ocr.detect.markers import ILLEGIBLE
from ocr.flag import (
    KIND_LABELS,
    OCR_ERROR,
    POSSIBLE_REFERENCE_ERROR,
    REFERENCE_ERROR,
    kind_label,
)
from ocr.flag_records import StoredDetail
from ocr.review.errors import InvalidDecisionError, NotFoundError, StaleItemError
from ocr.review.models import Decision
from ocr.store import Document, FlagRow, Page, Run, _now

GRAPHIC_ACTIONS = ("stamp", "signature", "handwriting")
STATUSES = ("todo", "open", "skipped", "done", "all")
S = TypeVar("S", bound=Select)  # type: ignore[type-arg]  # any row shape


@dataclass(frozen=True)
class Action:
    """One decision a reviewer can take, with its keyboard shortcut."""

    name: str
    label: str
    key: str
    takes_text: bool
    help: str


ACTIONS: tuple[Action, ...] = (
    Action("accept_ocr", "Accept OCR", "a", False, "the OCR reading is right"),
    Action(
        "accept_suggestion",
        "Accept suggestion",
        "c",
        False,
        "put the suggested correction in place of the OCR's reading",
    ),
    Action("keep_reference", "Keep reference", "r", False, "the reference transcription is right"),
    Action("edit", "Edit text", "e", True, "type the right text, then Enter"),
    Action("illegible", "Illegible", "i", False, f"cannot be read: {ILLEGIBLE}"),
    Action("stamp", "Stamp", "s", True, "a stamp: type its text, then Enter"),
    Action(
        "signature", "Signature", "g", True, "a signature: type the name if legible, then Enter"
    ),
    Action("handwriting", "Handwriting", "h", True, "handwriting: type it, then Enter"),
    Action("not_a_problem", "Not a problem", "n", False, "nothing to correct here"),
    Action("skip", "Skip", "k", False, "decide later; the item goes to the end of the queue"),
)
ACTION_BY_NAME = {a.name: a for a in ACTIONS}


@dataclass(frozen=True)
class QueueFilter:
    """Which flags the queue shows; every field is optional except the status (default: to do).
    Without a run or document, each document's latest run only."""

    run: str | None = None
    document: int | None = None
    type: str | None = None
    status: str = "todo"

    def query_string(self) -> dict[str, Any]:
        """The filter as URL query parameters (for links that keep the reviewer's queue)."""
        pairs = {
            "run": self.run,
            "document": self.document,
            "type": self.type,
            "status": self.status if self.status != "todo" else None,
        }
        return {k: v for k, v in pairs.items() if v not in (None, "")}


def has_reference(flag: FlagRow) -> bool:
    """Whether the flag has a reference side (a span of the reference that a decision replaces)."""
    has_span = StoredDetail.from_json(flag.detail).ref_start is not None
    return flag.type == "disagreement" or bool(flag.ref_text) or has_span


def suggested_correction(flag: FlagRow) -> bool:
    """Whether the flag is a suggested correction stored before review items: its ``ocr_text``
    is the suggestion and the detail's ``original`` the OCR's reading. (An item keeps the OCR's
    reading in ``ocr_text`` and the suggestion in the detail's ``suggestion``.)"""
    detail = StoredDetail.from_json(flag.detail)
    return flag.type == "correction" and detail.original is not None and detail.suggestion is None


def ocr_reading(flag: FlagRow) -> str:
    """What the OCR read in the item (an old suggestion's own reading, not its suggestion)."""
    if suggested_correction(flag):
        return (StoredDetail.from_json(flag.detail).original or "").strip()
    return flag.ocr_text


def suggestion(flag: FlagRow) -> str | None:
    """The correction suggested for the item's OCR reading ("" to delete a stray mark), if any."""
    stored = StoredDetail.from_json(flag.detail).suggestion
    if stored is not None:
        return stored
    return flag.ocr_text if suggested_correction(flag) else None


def kind_of(flag: FlagRow) -> str:
    """The item's kind (ocr.flag.KIND_LABELS), also for rows stored before items had one."""
    if flag.kind:
        return flag.kind
    if flag.type == "disagreement":
        return REFERENCE_ERROR if flag.category == POSSIBLE_REFERENCE_ERROR else OCR_ERROR
    return flag.type


def before_text(flag: FlagRow) -> str:
    """The text a decision replaces: the reference span if there is one, else the OCR reading
    (for a suggested correction, the OCR's own reading, not the suggestion)."""
    if has_reference(flag):
        return flag.ref_text
    return ocr_reading(flag)


def after_text(flag: FlagRow, action: str, text: str | None) -> str:
    """The decided text of the region for an action (what replaces the reference span)."""
    if action not in ACTION_BY_NAME:
        raise InvalidDecisionError(
            f"unknown action {action!r}; use one of " + ", ".join(ACTION_BY_NAME)
        )
    if action == "keep_reference" and not has_reference(flag):
        raise InvalidDecisionError(
            "this item has no reference text to keep; accept the OCR or edit the text instead"
        )
    suggested = suggestion(flag)
    if action == "accept_suggestion" and suggested is None:
        raise InvalidDecisionError(
            "this item has no suggested correction; accept the OCR or edit the text instead"
        )
    if ACTION_BY_NAME[action].takes_text:
        if text is None:
            raise InvalidDecisionError(f"the action {action!r} needs the text field")
        return _clean_text(text)
    return {
        "accept_ocr": ocr_reading(flag),
        "keep_reference": flag.ref_text,
        "accept_suggestion": suggested or "",
        "illegible": ILLEGIBLE,
    }.get(action, before_text(flag))


def _clean_text(text: str) -> str:
    """A typed text as stored: line breaks kept (as LF), blanks at the ends of lines dropped."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def differs(before: str, after: str) -> bool:
    """Whether a decision changes the text; line breaks and spacing alone do not count."""
    return before.split() != after.split()


def clean_reviewer(name: str | None) -> str:
    """A reviewer name as stored: stripped, one line, 1..120 characters."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidDecisionError("enter your name in the reviewer field first")
    if len(name) > 120:
        raise InvalidDecisionError("the reviewer name is longer than 120 characters")
    return name


def get_flag(session: Session, flag_id: int) -> FlagRow:
    """The flag, or NotFoundError."""
    flag = session.get(FlagRow, flag_id)
    if flag is None:
        raise NotFoundError(f"there is no flagged item {flag_id}")
    return flag


def _check_version(flag: FlagRow, version: int) -> None:
    if flag.version != version:
        raise StaleItemError(
            f"item {flag.id} was saved by someone else after you opened it "
            f"(your version {version}, now {flag.version}); nothing was "
            "overwritten — reload it to see their decision"
        )


def _bump(session: Session, flag_id: int, version: int, status: str) -> None:
    """Compare-and-set on (id, version): the database decides who saved first."""
    result = session.execute(
        update(FlagRow)
        .where(FlagRow.id == flag_id, FlagRow.version == version)
        .values(status=status, version=version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleItemError(
            f"item {flag_id} was saved by someone else a moment ago; "
            "nothing was overwritten — reload it to see their decision"
        )


def decide(
    session: Session,
    *,
    flag_id: int,
    version: int,
    action: str,
    reviewer: str,
    text: str | None = None,
) -> Decision:
    """Record a decision and close the flag, unless someone saved it since ``version`` (409)."""
    flag = get_flag(session, flag_id)
    reviewer = clean_reviewer(reviewer)
    after = after_text(flag, action, text)
    _check_version(flag, version)
    status = "skipped" if action == "skip" else "done"
    page = flag.page
    decision = Decision(
        flag_id=flag.id,
        run_id=page.document.run_id,
        document=page.document.name,
        page_number=page.page_number,
        reviewer=reviewer,
        action=action,
        before_text=before_text(flag),
        after_text=after,
        status_before=flag.status,
        status_after=status,
        flag_version=version + 1,
    )
    _bump(session, flag.id, version, status)
    session.add(decision)
    session.flush()
    if action != "skip":
        decide_copies(session, flag, decision)
    return decision


def decide_copies(session: Session, flag: FlagRow, decision: Decision) -> int:
    """The same span of the reference in other documents (carbon copies, duplicates: the same
    copy key) is decided the same way, where nobody decided it yet; returns how many."""
    if not flag.copy_key:
        return 0
    from ocr.review.copies import copies_of

    decided = 0
    for other in copies_of(session, [flag.copy_key], exclude=flag.page.document):
        if other.status != "open":
            continue
        page = other.page
        copy = Decision(
            flag_id=other.id,
            run_id=page.document.run_id,
            document=page.document.name,
            page_number=page.page_number,
            reviewer=decision.reviewer,
            action=decision.action,
            before_text=before_text(other),
            after_text=decision.after_text,
            status_before=other.status,
            status_after=decision.status_after,
            flag_version=other.version + 1,
            copy_of=decision.id,
        )
        _bump(session, other.id, other.version, decision.status_after)
        session.add(copy)
        decided += 1
    session.flush()
    return decided


def last_decision(session: Session, *, reviewer: str) -> Decision | None:
    """The reviewer's latest decision that is not undone."""
    return session.scalar(
        select(Decision)
        .where(
            Decision.reviewer == reviewer,
            Decision.undone.is_(False),
            Decision.superseded_by.is_(None),
            Decision.copy_of.is_(None),
        )
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .limit(1)
    )


def undo_last(session: Session, *, reviewer: str) -> Decision:
    """Undo the reviewer's last decision: the flag gets its former status (409 if changed since)."""
    reviewer = clean_reviewer(reviewer)
    decision = last_decision(session, reviewer=reviewer)
    if decision is None:
        raise NotFoundError(f"{reviewer} has no decision to undo")
    flag = session.get(FlagRow, decision.flag_id)
    if flag is not None:  # the flag may have been replaced by a resumed run: undo the record only
        if flag.version != decision.flag_version:
            raise StaleItemError(
                f"item {flag.id} was changed by someone else after your decision; "
                "it was not undone — open it to see the current state"
            )
        _bump(session, flag.id, decision.flag_version, decision.status_before)
    decision.undone, decision.undone_at = True, _now()
    for copy in session.scalars(
        select(Decision).where(Decision.copy_of == decision.id, Decision.undone.is_(False))
    ):
        other = session.get(FlagRow, copy.flag_id)
        if other is not None and other.version == copy.flag_version:  # nobody changed it since
            _bump(session, other.id, copy.flag_version, copy.status_before)
            copy.undone, copy.undone_at = True, _now()
    session.flush()
    return decision


def latest_decisions(session: Session, flag_ids: list[int]) -> dict[int, Decision]:
    """The latest standing (not undone) decision of each flag."""
    if not flag_ids:
        return {}
    rows = session.scalars(
        select(Decision)
        .where(Decision.flag_id.in_(flag_ids), Decision.undone.is_(False))
        .order_by(Decision.created_at, Decision.id)
    )
    return {d.flag_id: d for d in rows}  # later rows overwrite earlier ones


# --- the queue --------------------------------------------------------------------------------


def _filtered(stmt: S, f: QueueFilter, *, with_status: bool = True) -> S:
    stmt = stmt.join(Page, FlagRow.page_id == Page.id).join(
        Document, Page.document_id == Document.id
    )
    if f.run:
        stmt = stmt.where(Document.run_id == f.run)
    if f.document is not None:
        stmt = stmt.where(Document.id == f.document)
    if not f.run and f.document is None:  # each document's latest run: reruns never duplicate
        stmt = stmt.where(Document.superseded_by.is_(None))
    if f.type:
        stmt = stmt.where(item_kind() == f.type)
    if with_status and f.status == "todo":
        stmt = stmt.where(FlagRow.status.in_(("open", "skipped")))
    elif with_status and f.status != "all":
        stmt = stmt.where(FlagRow.status == f.status)
    return stmt


def _ranked(stmt: S) -> S:
    # Open items first, skipped ones after them; then the most severe first, in reading order.
    return stmt.order_by(
        case((FlagRow.status == "skipped", 1), else_=0),
        FlagRow.severity.desc(),
        Document.name,
        Page.page_number,
        FlagRow.top,
        FlagRow.left,
        FlagRow.id,
    )


def check_filter(session: Session, f: QueueFilter) -> None:
    """Unknown run or document ids are a 404, an unknown status a 422."""
    if f.status not in STATUSES:
        raise InvalidDecisionError(f"unknown status {f.status!r}; use one of {', '.join(STATUSES)}")
    if f.run and session.get(Run, f.run) is None:
        raise NotFoundError(f"there is no batch run {f.run}")
    if f.document is not None and session.get(Document, f.document) is None:
        raise NotFoundError(f"there is no document {f.document}")


def queue(session: Session, f: QueueFilter, *, limit: int = 500, offset: int = 0) -> list[FlagRow]:
    """Flags matching the filter, most urgent first."""
    stmt = (
        _ranked(_filtered(select(FlagRow), f))
        .limit(limit)
        .offset(offset)
        .options(selectinload(FlagRow.page).selectinload(Page.document))
    )
    return list(session.scalars(stmt))


def queue_size(session: Session, f: QueueFilter) -> int:
    return int(session.scalar(_filtered(select(func.count(FlagRow.id)), f)) or 0)


def counts(session: Session, f: QueueFilter) -> dict[str, int]:
    """Flags per status (open, skipped, done) under the filter's run/document/type."""
    stmt = _filtered(select(FlagRow.status, func.count(FlagRow.id)), f, with_status=False)
    found = {status: n for status, n in session.execute(stmt.group_by(FlagRow.status))}
    return {s: int(found.get(s, 0)) for s in ("open", "skipped", "done")}


def next_flag(session: Session, f: QueueFilter, *, exclude: int | None = None) -> int | None:
    """The next item to review under the filter (its run/document/type; open, then skipped)."""
    todo = QueueFilter(run=f.run, document=f.document, type=f.type, status="todo")
    stmt = _ranked(_filtered(select(FlagRow.id), todo))
    if exclude is not None:
        stmt = stmt.where(FlagRow.id != exclude)
    return session.scalar(stmt.limit(1))


def item_kind() -> Any:
    """The item's kind as SQL (see kind_of): the stored kind, else one from type and category."""
    return func.coalesce(
        FlagRow.kind,
        case(
            (FlagRow.type != "disagreement", FlagRow.type),
            (FlagRow.category == POSSIBLE_REFERENCE_ERROR, REFERENCE_ERROR),
            else_=OCR_ERROR,
        ),
    )


@dataclass(frozen=True)
class KindCount:
    """One kind of item in the queue's filter: its key, its name and how many are to do."""

    kind: str
    label: str
    todo: int


def item_kinds(session: Session, f: QueueFilter) -> list[KindCount]:
    """Every kind of item under the filter's run and document, with how many are to do, in
    the order of ocr.flag.KIND_LABELS (each kind, even one with none to do, can be listed)."""
    scope = QueueFilter(run=f.run, document=f.document, status="todo")
    kind = item_kind().label("item_kind")  # grouped by its label: PostgreSQL takes two copies
    stmt = _filtered(select(kind, func.count(FlagRow.id)), scope).group_by(kind)  # as unequal
    todo = {kind: int(n) for kind, n in session.execute(stmt)}
    present = set(session.scalars(select(item_kind()).distinct()))
    order = [k for k in KIND_LABELS if k in present | set(todo)]
    order += sorted(present - set(order))
    return [KindCount(k, kind_label(k), todo.get(k, 0)) for k in order]
