"""Processes that open one new SQLite results database at the same moment all get its tables."""

from __future__ import annotations

import multiprocessing as mp
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.test_postgres import PgServer, pg  # noqa: F401 - the PostgreSQL server fixture

PROCESSES = 6
ROUNDS = int(os.environ.get("OCR_RACE_ROUNDS", "8"))


def _open(url: str, barrier: Any) -> str | None:
    """Wait for the others, then open the store; the error, if any, as text."""
    from ocr.store import Store

    barrier.wait(timeout=120)
    try:
        Store(url).engine.dispose()
    except Exception as error:  # noqa: BLE001 - the error is the finding
        return f"{type(error).__name__}: {error}".splitlines()[0]
    return None


def _old_database(db: Path) -> None:
    """A database from before a nullable column existed (runs.flow_run_id): opening it adds it."""
    from sqlalchemy import create_engine

    from ocr.tables import Base

    db.parent.mkdir(parents=True)
    engine = create_engine(f"sqlite:///{db}")
    Base.metadata.create_all(engine)
    engine.dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE runs DROP COLUMN flow_run_id")


def _round(pool: Any, manager: Any, url: str) -> list[str]:
    barrier = manager.Barrier(PROCESSES)
    return [e for e in pool.starmap(_open, [(url, barrier)] * PROCESSES, chunksize=1) if e]


@pytest.mark.unit
@pytest.mark.parametrize("kind", ["new", "old"])
def test_processes_opening_one_sqlite_database_at_once_all_succeed(
    tmp_path: Path, kind: str
) -> None:
    """Six processes (their modules already imported) open the same file at a barrier, in
    several rounds: a new file (each creates the tables) or one of an older schema (each adds
    the missing column). Every open must succeed and the file must end with the whole schema."""
    context = mp.get_context("spawn")
    failures: list[str] = []
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        pool.starmap(_warm, [()] * PROCESSES, chunksize=1)
        for n in range(ROUNDS):
            db = tmp_path / f"round{n}" / "ocr.db"
            if kind == "old":
                _old_database(db)
            failures += [f"round {n}: {e}" for e in _round(pool, manager, f"sqlite:///{db}")]
            _assert_whole_schema(db)
    assert failures == [], f"{len(failures)} of {ROUNDS * PROCESSES} opens failed: {failures[:3]}"


def _assert_whole_schema(db: Path) -> None:
    from ocr.tables import Base

    with sqlite3.connect(db) as conn:
        for name, table in Base.metadata.tables.items():
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
            assert have == set(table.columns.keys()), (db, name, sorted(have))


def _warm() -> None:
    """Import the store before the rounds, so that the processes reach the barrier ready."""
    import ocr.store  # noqa: F401


@pytest.mark.integration
def test_processes_creating_one_new_postgres_database_at_once_all_succeed(
    pg: PgServer,  # noqa: F811 - the fixture
) -> None:
    """The same on PostgreSQL, where the schema lock is an advisory lock of the transaction."""
    from sqlalchemy import create_engine, inspect

    from ocr.tables import Base

    context = mp.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        pool.starmap(_warm, [()] * PROCESSES, chunksize=1)
        for n in range(3):
            url = pg.new_database()
            assert _round(pool, manager, url) == [], n
            engine = create_engine(url)
            assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
            engine.dispose()
