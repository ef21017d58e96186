"""The Prefect artifacts' markdown from a real results database: the quality trend across runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.artifacts import RunTrendRow, trend_markdown
from ocr.store import Store

pytestmark = pytest.mark.unit


def test_trend_lists_finished_runs_with_pages_from_their_stored_json(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'ocr.db'}")
    done = store.start_run(
        source="scans", settings={"languages": "rus", "psm": 4}, versions={"tesseract": "5.3.0"}
    )
    store.finish_run(done, status="done", summary={"pages_done": 3, "cer": 0.125, "wer": None})
    failed = store.start_run(source="scans", settings={}, versions={})
    store.finish_run(failed, status="failed", summary={"run_id": failed, "error": "Boom: x"})
    rows = [RunTrendRow.from_run(run) for run in store.recent_runs(5)]
    assert [(r.status, r.pages_done, r.languages, r.psm) for r in rows] == [
        ("failed", 0, "", ""),
        ("done", 3, "rus", 4),
    ]
    lines = trend_markdown(store).splitlines()
    assert len(lines) == 5 and lines[-1].endswith("| 3 | 12.50% | – | rus | 4 | 5.3.0 | done |")
