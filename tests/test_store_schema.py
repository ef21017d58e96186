"""Processes that start on one new results database at once all get its tables (the flow's two
runs at once met "table runs already exists" under load)."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PROCESSES = 6


def _open(url: str, barrier: object) -> str | None:
    from ocr.store import Store

    barrier.wait()  # type: ignore[attr-defined]
    try:
        Store(url)
    except Exception as error:  # the error is the finding
        return repr(error)
    return None


def test_processes_creating_one_new_sqlite_database_at_once_all_succeed(tmp_path: Path) -> None:
    context = mp.get_context("spawn")
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'round{round_}' / 'ocr.db'}"
        with context.Manager() as manager:
            barrier = manager.Barrier(PROCESSES)
            with context.Pool(PROCESSES) as pool:
                errors = [e for e in pool.starmap(_open, [(url, barrier)] * PROCESSES) if e]
        assert errors == [], errors[0]
