"""The results database's tables: runs, documents, pages, flags, failures, claims and review."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(UTC)


def _id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Run(Base):
    __tablename__ = "runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_id)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")
    source: Mapped[str] = mapped_column(Text, default="")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255), default=socket.gethostname)
    pid: Mapped[int] = mapped_column(Integer, default=os.getpid)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    documents: Mapped[list[Document]] = relationship(back_populates="run")


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("run_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    page_count: Mapped[int] = mapped_column(Integer)
    languages: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    reference_path: Mapped[str | None] = mapped_column(Text)
    reference_encoding: Mapped[str | None] = mapped_column(String(32))
    cer: Mapped[float | None] = mapped_column(Float)
    wer: Mapped[float | None] = mapped_column(Float)
    char_errors: Mapped[int | None] = mapped_column(Integer)
    char_total: Mapped[int | None] = mapped_column(Integer)
    word_errors: Mapped[int | None] = mapped_column(Integer)
    word_total: Mapped[int | None] = mapped_column(Integer)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # A later run of the same document (same identity) replaces this one in the queue.
    superseded_by: Mapped[int | None] = mapped_column(Integer, index=True)
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    run: Mapped[Run] = relationship(back_populates="documents")
    pages: Mapped[list[Page]] = relationship(
        back_populates="document", cascade="all, delete-orphan"
    )


class Page(Base):
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "page_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    page_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int | None] = mapped_column(Integer)
    cols: Mapped[int | None] = mapped_column(Integer)
    dpi: Mapped[int | None] = mapped_column(Integer)
    skew_degrees: Mapped[float | None] = mapped_column(Float)
    mean_confidence: Mapped[float | None] = mapped_column(Float)
    word_count: Mapped[int | None] = mapped_column(Integer)
    cer: Mapped[float | None] = mapped_column(Float)
    wer: Mapped[float | None] = mapped_column(Float)
    char_errors: Mapped[int | None] = mapped_column(Integer)
    char_total: Mapped[int | None] = mapped_column(Integer)
    outputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    document: Mapped[Document] = relationship(back_populates="pages")
    flags: Mapped[list[FlagRow]] = relationship(back_populates="page", cascade="all, delete-orphan")


class FlagRow(Base):
    __tablename__ = "flags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    # The review item's kind (ocr.flag.KIND_LABELS); empty in databases older than items.
    kind: Mapped[str | None] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[float] = mapped_column(Float, index=True)
    left: Mapped[int] = mapped_column(Integer)
    top: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    polygon: Mapped[list[Any]] = mapped_column(default=list)
    ocr_text: Mapped[str] = mapped_column(Text, default="")
    ref_text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(Float)
    crop_path: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The same reference text in another document (a carbon copy, a duplicate) has this key.
    copy_key: Mapped[str | None] = mapped_column(String(64), index=True)
    page: Mapped[Page] = relationship(back_populates="flags")


class Failure(Base):
    __tablename__ = "failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"), index=True)
    document: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    page_number: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    exit_code: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ScanClaim(Base):
    """One row per (scan content, settings fingerprint): who processes it, and whether it is done.

    The unique key makes a scan processed exactly once per fingerprint, across killed and
    concurrent runs: a run claims a scan before work and marks it done in the same transaction
    that stores the document; a claim whose process died is taken over."""

    __tablename__ = "scan_claims"
    __table_args__ = (UniqueConstraint("sha256", "fingerprint"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="claimed")
    run_id: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    document_id: Mapped[int | None] = mapped_column(Integer)


class HeldLease(Base):
    """A lease on a shared slot outside the database (a tesseract slot of the orchestrator's
    concurrency limit) while a process holds it. The orchestrator frees a lease only when it
    expires; when its process is dead, the next run releases it at once instead of waiting."""

    __tablename__ = "held_leases"
    lease_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), index=True)
    host: Mapped[str] = mapped_column(String(255), default=socket.gethostname)
    pid: Mapped[int] = mapped_column(Integer, default=os.getpid)
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# --- the review's tables (ocr.review) ------------------------------------------------------------


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
