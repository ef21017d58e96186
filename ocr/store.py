"""The results database (SQLAlchemy; SQLite by default): runs, documents, pages, flags, failures."""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from ocr.exceptions import DatabaseNotFoundError
from ocr.fsutil import pid_alive

SCHEMA_LOCK = 0x0C5_0001  # PostgreSQL advisory lock keys of this package
DOCUMENT_LOCKS = 0x0C5  # (namespace, hashtext(document name)) pairs


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


def _alive(host: str, pid: int) -> bool:
    """Is the claiming process still running? (Knowable on one host only; elsewhere assume so.)"""
    if host != socket.gethostname():
        return True
    return pid != 0 and pid_alive(pid)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # WAL lets the review app read while a batch writes; busy_timeout makes two writers wait.
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for other databases."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _add_missing_columns(engine: Engine) -> None:
    """Columns added since a database was created (all nullable) are added to it."""
    found = inspect(engine)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if not found.has_table(table.name):
                continue
            have = {c["name"] for c in found.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have and column.nullable:
                    kind = column.type.compile(engine.dialect)
                    conn.execute(
                        text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                    )


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, processes starting on an empty database create its tables one at a time
    (concurrent CREATE TABLEs of the same name collide); SQLite locks the file itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})


def _document_lock(session: Session, name: str) -> None:
    """On PostgreSQL, two batches storing the same document take turns until commit, so the
    later one sees the earlier and supersedes it (SQLite has one writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
            {"space": DOCUMENT_LOCKS, "name": name},
        )


def _finite(value: Any) -> Any:
    """JSON-safe: a non-finite float (an infinite CER) becomes the string JSON reports use."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class Store:
    """A handle on the results database; every write is one transaction."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        path = sqlite_file(url)
        if path is not None and not create and not path.is_file():
            raise DatabaseNotFoundError(
                f"there is no results database at {path}; run `ocr run` (or `ocr flow`) first, "
                "or point --db / --out at the one it wrote"
            )
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            _sqlite_pragmas(self.engine)
        from ocr.review import models  # noqa: F401 - the review's tables live in the same file

        with _schema_lock(self.engine):
            Base.metadata.create_all(self.engine)
            _add_missing_columns(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def start_run(
        self,
        *,
        source: str,
        settings: dict[str, Any],
        versions: dict[str, Any],
        flow_run_id: str | None = None,
    ) -> str:
        with self.sessions.begin() as s:
            run = Run(source=source, settings=settings, versions=versions, flow_run_id=flow_run_id)
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: str, *, status: str, summary: dict[str, Any]) -> None:
        with self.sessions.begin() as s:
            run = s.get_one(Run, run_id)
            run.status, run.finished_at = status, _now()
            run.summary = json.loads(json.dumps(_finite(summary), default=str, allow_nan=False))

    def add_failure(self, run_id: str, **fields: Any) -> None:
        with self.sessions.begin() as s:
            s.add(Failure(run_id=run_id, **fields))

    def claim(
        self, run_id: str, *, sha256: str, fingerprint: str, document: str, source_path: str
    ) -> bool:
        """Claim a scan for this run; False if it is done or a live run holds it."""
        me = {
            "run_id": run_id,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "claimed_at": _now(),
            "status": "claimed",
        }
        try:
            with self.sessions.begin() as s:
                s.add(
                    ScanClaim(
                        sha256=sha256,
                        fingerprint=fingerprint,
                        document=document,
                        source_path=source_path,
                        **me,
                    )
                )
            return True
        except IntegrityError:
            pass
        with self.sessions.begin() as s:
            row = s.scalar(
                select(ScanClaim).where(
                    ScanClaim.sha256 == sha256, ScanClaim.fingerprint == fingerprint
                )
            )
            if row is None or row.status == "done" or row.run_id == run_id:
                return row is not None and row.status != "done"
            if row.status == "claimed" and _alive(row.host, row.pid):
                return False
            # Take over a dead run's (or a failed) claim, only if nobody else took it meanwhile.
            taken = s.execute(
                update(ScanClaim)
                .where(
                    ScanClaim.id == row.id,
                    ScanClaim.run_id == row.run_id,
                    ScanClaim.status == row.status,
                )
                .values(document=document, source_path=source_path, **me)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    def release(self, run_id: str, *, sha256: str, fingerprint: str, status: str) -> None:
        """Mark a claim failed (a bad file: retried only when the file or settings change)."""
        with self.sessions.begin() as s:
            s.execute(
                update(ScanClaim)
                .where(
                    ScanClaim.sha256 == sha256,
                    ScanClaim.fingerprint == fingerprint,
                    ScanClaim.run_id == run_id,
                )
                .values(status=status, finished_at=_now())
            )

    def done_claims(self, fingerprint: str) -> set[str]:
        """sha256 of the scans already processed under this fingerprint."""
        with self.sessions() as s:
            return set(
                s.scalars(
                    select(ScanClaim.sha256).where(
                        ScanClaim.fingerprint == fingerprint,
                        ScanClaim.status.in_(("done", "failed")),
                    )
                )
            )

    def mark_dead_runs(self) -> int:
        """Runs left 'running' by a killed process become 'crashed'."""
        with self.sessions.begin() as s:
            rows = s.scalars(select(Run).where(Run.status == "running")).all()
            dead = [r for r in rows if not _alive(r.host, r.pid)]
            for r in dead:
                r.status, r.finished_at = "crashed", _now()
            return len(dead)

    def recent_runs(self, limit: int = 20) -> list[Run]:
        """The last finished runs, newest first (for the trend artifact)."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(Run)
                    .where(Run.finished_at.is_not(None))
                    .order_by(Run.finished_at.desc())
                    .limit(limit)
                )
            )

    def add_document(
        self,
        run_id: str,
        document: dict[str, Any],
        pages: list[dict[str, Any]],
        flags: dict[int, list[dict[str, Any]]],
        claim: tuple[str, str] | None = None,
    ) -> int:
        """Document, its pages and their flags in one transaction (all or nothing); with
        ``claim`` = (sha256, fingerprint), the scan's claim is marked done in the same one."""
        with self.sessions.begin() as s:
            _document_lock(s, document["name"])
            old = s.scalar(
                select(Document).where(Document.run_id == run_id, Document.name == document["name"])
            )
            if old is not None:  # a resumed run replaces, never duplicates
                s.delete(old)
                s.flush()
            doc = Document(run_id=run_id, **document)
            for page in pages:
                row = Page(**page)
                row.flags = [FlagRow(**f) for f in flags.get(page["page_number"], [])]
                doc.pages.append(row)
            s.add(doc)
            s.flush()
            supersede(s, doc)
            link_copies(s, doc)
            if claim is not None:
                s.execute(
                    update(ScanClaim)
                    .where(
                        ScanClaim.sha256 == claim[0],
                        ScanClaim.fingerprint == claim[1],
                        ScanClaim.run_id == run_id,
                    )
                    .values(status="done", finished_at=_now(), document_id=doc.id)
                )
            return doc.id

    def session(self) -> Session:
        return self.sessions()


def link_copies(session: Session, doc: Document) -> None:
    """The document's items that share a span of the reference with another document's (a
    carbon copy): triaged again with both readings (ocr.review.copies)."""
    from ocr.review.copies import link_copies as link  # the review's rules, this transaction

    link(session, doc)


def supersede(session: Session, doc: Document) -> None:
    """The document's earlier runs leave the queue; their decisions carry over to its flags."""
    older = list(
        session.scalars(
            select(Document).where(
                Document.name == doc.name, Document.id != doc.id, Document.superseded_by.is_(None)
            )
        )
    )
    for old in older:
        old.superseded_by, old.superseded_at = doc.id, _now()
    if older:
        from ocr.review.carry import carry_decisions  # the review's table, this transaction

        session.flush()
        carry_decisions(session, older, doc)
