"""The results database (SQLAlchemy; SQLite by default): runs, documents, pages, flags, failures."""

from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    create_engine,
    delete,
    event,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from ocr.exceptions import DatabaseNotFoundError
from ocr.fsutil import pid_alive
from ocr.tables import (
    Base,
    Document,
    Failure,
    FlagRow,
    HeldLease,
    Page,
    Run,
    ScanClaim,
    _now,
)

SCHEMA_LOCK = 0x0C5_0001  # PostgreSQL advisory lock keys of this package
DOCUMENT_LOCKS = 0x0C5  # (namespace, hashtext(document name)) pairs
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite connection waits for another's write lock


def _alive(host: str, pid: int) -> bool:
    """Is the claiming process still running? (Knowable on one host only; elsewhere assume so.)"""
    if host != socket.gethostname():
        return True
    return pid != 0 and pid_alive(pid)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        # busy_timeout makes two writers wait; WAL lets the review app read while a batch writes.
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _switch_to_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()


def _switch_to_wal(cur: sqlite3.Cursor) -> None:
    """WAL mode (stored in the file, set by the first connection). Several processes switching
    a new file at once get "database is locked" at once: SQLite does not wait for that lock
    (busy_timeout is not consulted), so it is retried here for as long as busy_timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL, None for other databases."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _missing_columns(conn: Connection) -> list[Column[Any]]:
    """Columns added since the database was created (all nullable), of the tables it has."""
    found = inspect(conn)
    missing: list[Column[Any]] = []
    for table in Base.metadata.sorted_tables:
        if found.has_table(table.name):
            have = {c["name"] for c in found.get_columns(table.name)}
            missing += [c for c in table.columns if c.name not in have and c.nullable]
    return missing


def _add_missing_columns(conn: Connection) -> None:
    for column in _missing_columns(conn):
        kind = column.type.compile(conn.dialect)
        conn.execute(text(f'ALTER TABLE {column.table.name} ADD COLUMN "{column.name}" {kind}'))


def _schema_current(engine: Engine) -> bool:
    """Every table and column is there (the usual case): a plain read, no lock taken."""
    with engine.connect() as conn:
        found = inspect(conn)
        tables = all(found.has_table(t.name) for t in Base.metadata.sorted_tables)
        return tables and not _missing_columns(conn)


@contextlib.contextmanager
def _schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the database's write lock from before it looks at the schema
    until its tables are created and upgraded: processes opening a new database at once take
    turns, and each later one finds the tables (else "table runs already exists"). SQLite:
    BEGIN IMMEDIATE, its own lock, on this connection (a lock on the file from outside it was
    dropped with the process's SQLite locks when closed); PostgreSQL: a transaction-scoped
    advisory lock (its DDL is transactional)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        yield conn
        conn.commit()


def _create_schema(engine: Engine) -> None:
    """The tables, created or upgraded under the schema lock (checkfirst sees earlier ones)."""
    if _schema_current(engine):
        return
    with _schema_transaction(engine) as conn:
        Base.metadata.create_all(conn, checkfirst=True)
        _add_missing_columns(conn)


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
        _create_schema(self.engine)
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

    def hold_lease(self, lease_id: str, *, resource: str) -> None:
        """Record that this process holds ``lease_id`` on ``resource`` (see HeldLease)."""
        with self.sessions.begin() as s:
            s.merge(HeldLease(lease_id=lease_id, resource=resource))

    def drop_lease(self, lease_id: str) -> bool:
        """Forget the lease; False if it was gone already (another process took it)."""
        with self.sessions.begin() as s:
            gone = s.execute(delete(HeldLease).where(HeldLease.lease_id == lease_id))
            return bool(gone.rowcount)  # type: ignore[attr-defined]

    def leases(self, resource: str) -> list[HeldLease]:
        """The leases recorded on ``resource``, oldest first."""
        with self.sessions() as s:
            query = select(HeldLease).where(HeldLease.resource == resource)
            return list(s.scalars(query.order_by(HeldLease.acquired_at)))

    def dead_leases(self, resource: str) -> list[HeldLease]:
        """The leases on ``resource`` whose process is dead (on this host: others are assumed
        alive, and their leases expire on their own)."""
        return [lease for lease in self.leases(resource) if not _alive(lease.host, lease.pid)]

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
