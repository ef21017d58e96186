"""The one batch driver on real pages and a real database: document identity, reruns that
supersede, runs killed by SIGKILL, empty references."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ocr.batch import run_batch
from ocr.review.decisions import QueueFilter, decide, queue, queue_size
from ocr.review.models import Decision
from ocr.store import Document, FlagRow, Store
from tests.conftest import GOOD_TEXT, ROOT, needs_tesseract, render_text_page

pytestmark = [pytest.mark.integration, needs_tesseract]

OTHER_TEXT = (
    "Фишер сообщил также о попытке корейских друзей\n"
    "распространить помощь ГДР не только на работы,\n"
    "связанные с восстановлением Хамкына, но и на\n"
    "химические заводы Хыннама и Понгуна.\n"
)


def _settings(out: Path, **kw: object):
    from ocr.settings import load_settings

    return load_settings(None, output_dir=out, workers=1, dpi=150, **kw)


def test_two_scans_of_one_name_in_two_folders_stay_two_documents(tmp_path: Path) -> None:
    scans, gt = tmp_path / "scans", tmp_path / "gt"
    for folder, text in (("d1", GOOD_TEXT), ("d2", OTHER_TEXT)):
        (scans / folder).mkdir(parents=True)
        (gt / folder).mkdir(parents=True)
        render_text_page(scans / folder / "x.png", text)
        (gt / folder / "x.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run_batch([scans], gt_dir=gt, settings=_settings(out))
    docs = {d.scan.document: d for d in result.documents}
    assert set(docs) == {"d1/x", "d2/x"} and not result.failures
    for name, text in (("d1/x", GOOD_TEXT), ("d2/x", OTHER_TEXT)):
        doc = docs[name]
        assert (
            doc.reference is not None
            and doc.reference.path == (gt / name).with_suffix(".txt").resolve()
        )
        assert doc.score is not None and doc.score.cer < 0.05, (name, doc.score)
        assert doc.text_path.parent == out / name
        assert text.split()[0] in doc.text_path.read_text(encoding="utf-8")
    db = sqlite3.connect(out / "ocr.db")
    rows = db.execute(
        "select d.name, d.source_path, p.outputs from documents d "
        "join pages p on p.document_id = d.id order by d.name"
    ).fetchall()
    assert [(name, Path(src).parent.name) for name, src, _ in rows] == [
        ("d1/x", "d1"),
        ("d2/x", "d2"),
    ]
    assert [json.loads(o)["tsv"] for _, _, o in rows] == [
        str(out / "d1/x/p001.tsv"),
        str(out / "d2/x/p001.tsv"),
    ]


@pytest.fixture(scope="module")
def reran(tmp_path_factory: pytest.TempPathFactory):
    """Two scans run, a decision taken, then the same batch run again on the same output."""
    root = tmp_path_factory.mktemp("rerun")
    scans, gt, out = root / "scans", root / "gt", root / "out"
    scans.mkdir()
    gt.mkdir()
    for name, text in (("memo-1", GOOD_TEXT), ("memo-2", OTHER_TEXT)):
        render_text_page(scans / f"{name}.png", text)
        reference = text.replace("Петров", "Метров")  # the archive's error
        (gt / f"{name}.txt").write_text(reference, encoding="utf-8")
    first = run_batch([scans], gt_dir=gt, settings=_settings(out))
    store = Store(f"sqlite:///{out / 'ocr.db'}")
    with store.sessions.begin() as s:
        before = queue_size(s, QueueFilter())
        petrov = next(f for f in queue(s, QueueFilter()) if f.ocr_text == "Петров")
        decision = decide(s, flag_id=petrov.id, version=1, action="accept_ocr", reviewer="Анна")
        decided = (petrov.id, decision.id)
    second = run_batch([scans], gt_dir=gt, settings=_settings(out))
    return store, first, second, before, decided


def test_a_rerun_supersedes_and_never_duplicates_the_queue(reran) -> None:
    store, first, second, before, _ = reran
    with store.session() as s:
        assert queue_size(s, QueueFilter()) == before - 1  # the decided flag stays decided
        latest = s.scalars(select(Document).where(Document.superseded_by.is_(None))).all()
        assert sorted(d.run_id for d in latest) == [second.run_id] * 2
        everything = queue_size(s, QueueFilter(run=first.run_id, status="all"))
        assert everything > 0  # the earlier run is still there when asked for by name


def test_a_decision_carries_over_to_the_same_region_of_the_rerun(reran) -> None:
    store, _, second, _, (old_flag, old_decision) = reran
    with store.session() as s:
        carried = s.scalar(select(Decision).where(Decision.carried_from == old_decision))
        assert carried is not None and carried.after_text == "Петров"
        flag = s.get_one(FlagRow, carried.flag_id)
        assert flag.id != old_flag and flag.status == "done" and flag.ocr_text == "Петров"
        assert flag.page.document.run_id == second.run_id
        assert s.get_one(Decision, old_decision).superseded_by == carried.id


def _ocr(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "ocr"), *args]


def test_a_killed_ocr_run_is_marked_crashed_by_the_next_start(tmp_path: Path) -> None:
    scans, gt, out = tmp_path / "scans", tmp_path / "gt", tmp_path / "out"
    scans.mkdir()
    gt.mkdir()
    for i in range(4):
        render_text_page(scans / f"memo-{i + 1}.png", GOOD_TEXT + f"Страница {i + 1}.\n")
    cmd = _ocr("run", str(scans), "--out", str(out), "--dpi", "150", "--workers", "1")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and not stored:
        time.sleep(0.3)
        try:
            stored = (
                sqlite3.connect(out / "ocr.db")
                .execute("select count(*) from documents")
                .fetchone()[0]
            )
        except sqlite3.OperationalError:  # not created yet
            pass
    os.killpg(proc.pid, signal.SIGKILL)  # `ocr run` and its worker processes, at once
    proc.wait()
    assert stored, "the kill should land after the first document is stored"
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "marked crashed" in again.stderr
    db = sqlite3.connect(out / "ocr.db")
    assert [s for (s,) in db.execute("select status from runs order by started_at")] == [
        "crashed",
        "completed",
    ]
    (latest,) = db.execute("select count(*) from documents where superseded_by is null").fetchone()
    assert latest == 4


@pytest.mark.parametrize(
    "content",
    [b"", b"\xef\xbb\xbf", b"  \n\n\t \r\n"],
    ids=["zero bytes", "BOM only", "whitespace only"],
)
def test_an_empty_reference_is_a_warning_not_a_crash(tmp_path: Path, content: bytes) -> None:
    scans, gt, out = tmp_path / "scans", tmp_path / "gt", tmp_path / "out"
    scans.mkdir()
    gt.mkdir()
    render_text_page(scans / "memo.png")
    render_text_page(scans / "other.png", OTHER_TEXT)
    (gt / "memo.txt").write_bytes(content)
    (gt / "other.txt").write_text(OTHER_TEXT, encoding="utf-8")
    result = run_batch([scans], gt_dir=gt, settings=_settings(out))
    docs = {d.scan.document: d for d in result.documents}
    assert result.status == "completed" and docs["memo"].score is None
    assert "EmptyReferenceWarning" in [getattr(w, "kind", w) for w in docs["memo"].warnings]
    assert docs["other"].score is not None and result.summary["cer"] == docs["other"].score.cer
    report = (out / "memo" / "report.json").read_text(encoding="utf-8")
    assert "Infinity" not in report and "NaN" not in report
    db = sqlite3.connect(out / "ocr.db")
    status, summary = db.execute("select status, summary from runs").fetchone()
    assert status == "completed" and "Infinity" not in summary
    assert any(w["kind"] == "EmptyReferenceWarning" for w in json.loads(summary)["warnings"])


def test_page_workers_leave_no_process_behind_and_their_cpu_counts() -> None:
    """The page workers (ocr.batch.worker_pool, forked from a fork server that imported their
    modules once) are waited for with the pool: the fork server is stopped when the last pool
    closes, and the workers' CPU counts among the driver's children's, as spawned workers' did
    (the throughput benchmark's CPU figures are the process tree's)."""
    import resource
    from multiprocessing import forkserver

    from ocr.batch import worker_pool

    def children_cpu() -> float:
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    start = children_cpu()
    numbers = range(5_000_000)
    with worker_pool(2) as pool:
        assert list(pool.map(sum, [numbers] * 4)) == [sum(numbers)] * 4
    assert getattr(forkserver._forkserver, "_forkserver_pid", None) is None
    assert children_cpu() - start >= 0.2  # four sums of five million numbers, ~0.1 s each


def test_page_workers_start_with_their_pages_word_lists() -> None:
    """A pool for Russian pages: its workers, forked from the fork server, have wordfreq's
    Russian word list already loaded (ocr.worker_warm), not on their first page."""
    from ocr.batch import worker_pool

    lists = "__import__('wordfreq').get_frequency_dict.cache_info().currsize"
    with worker_pool(1, {"rus"}) as pool:
        assert pool.submit(eval, lists).result() == 1
    with worker_pool(1) as pool:  # no languages: none loaded
        assert pool.submit(eval, lists).result() == 0
