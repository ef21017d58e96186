"""Review tables on the results database: one row per reviewer decision, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ocr.store import Base, _now


class Decision(Base):
    """What a reviewer decided about one flag, with the text before and after.

    No foreign key to ``flags``: a resumed batch replaces a document's flags, and a decision must
    outlive them, so it carries the run, document and page it was made on. A rerun of the
    document copies each standing decision to the same region of the new run (``carried_from``).
    """

    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flag_id: Mapped[int] = mapped_column(Integer, index=True)
    run_id: Mapped[str] = mapped_column(String(32), index=True)
    document: Mapped[str] = mapped_column(String(255))
    page_number: Mapped[int] = mapped_column(Integer)
    reviewer: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(32))
    before_text: Mapped[str] = mapped_column(Text, default="")
    after_text: Mapped[str] = mapped_column(Text, default="")
    status_before: Mapped[str] = mapped_column(String(20))
    status_after: Mapped[str] = mapped_column(String(20))
    flag_version: Mapped[int] = mapped_column(Integer)  # the flag's version this decision produced
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A rerun of the document carried this decision over to its new flag (the copy's id), or
    # this decision is such a copy (the original's id).
    superseded_by: Mapped[int | None] = mapped_column(Integer)
    carried_from: Mapped[int | None] = mapped_column(Integer)
    # The decision on another copy of the same text (ocr.review.copies) that this one repeats.
    copy_of: Mapped[int | None] = mapped_column(Integer, index=True)


class ExportedFile(Base):
    """A file export wrote, with its content's sha256: export replaces only files it wrote
    itself and nobody changed since (never another scan's reference, never a person's edit)."""

    __tablename__ = "export_files"
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int | None] = mapped_column(Integer)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
