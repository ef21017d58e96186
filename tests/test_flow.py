"""The Prefect flow against a real local Prefect server: task names, artifacts, cache, failures,
retries, the scheduled deployment, kill-and-resume, concurrent runs and Dask."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import GOOD_TEXT, INVALID, ROOT, needs_tesseract, render_text_page

pytestmark = [pytest.mark.integration, needs_tesseract]


def _inbox(root: Path, n: int = 2) -> tuple[Path, Path]:
    scans, gt = root / "scans", root / "gt"
    scans.mkdir(parents=True)
    gt.mkdir()
    for i in range(n):
        text = GOOD_TEXT + f"Страница номер {i + 1}.\n"
        render_text_page(scans / f"memo-{i + 1}.png", text)
        (gt / f"memo-{i + 1}.txt").write_text(text, encoding="utf-8")
    return scans, gt


@pytest.fixture(scope="module")
def flow_run(prefect_server: str, tmp_path_factory: pytest.TempPathFactory):
    from flows.batch import run_flow
    from ocr.settings import load_settings

    root = tmp_path_factory.mktemp("flow")
    scans, gt = _inbox(root)
    (gt / "memo-2.txt").unlink()  # no reference: OCR without scoring
    shutil.copy(INVALID / "encrypted.pdf", scans / "locked.pdf")
    shutil.copy(INVALID / "blank.png", scans / "blank.png")
    settings = load_settings(None, output_dir=root / "out", workers=2, dpi=150)
    summary = run_flow(
        [str(scans)], ground_truth=str(gt), settings=settings, review_url="http://127.0.0.1:8000"
    )
    return summary, settings, scans, gt


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _flow_run(summary: dict, settings) -> object:
    db = sqlite3.connect(settings.output_dir / "ocr.db")
    (flow_run_id,) = db.execute(
        "select flow_run_id from runs where id=?", (summary["run_id"],)
    ).fetchone()
    with _client() as client:
        return client.read_flow_run(flow_run_id)


def _task_runs(client, fr) -> list:  # noqa: ANN001 - a Prefect client and flow run
    """Every task run of the flow run."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[fr.id])))


def test_flow_summary_scores_and_quarantines(flow_run) -> None:
    summary, settings, _, _ = flow_run
    docs = {d["document"]: d for d in summary["documents"]}
    assert set(docs) == {"memo-1", "memo-2", "blank"}
    assert docs["memo-1"]["cer"] is not None and docs["memo-1"]["cer"] < 0.03
    assert docs["memo-2"]["cer"] is None
    kinds = {(f["document"], f["kind"]) for f in summary["failures"]}
    assert kinds == {("locked", "EncryptedPdfError"), ("blank", "BlankPageError")}
    assert (settings.output_dir / "memo-1" / "p001.alto.xml").is_file()


def test_run_state_names_tasks_and_artifacts(flow_run) -> None:
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
    )

    summary, settings, _, _ = flow_run
    fr = _flow_run(summary, settings)
    assert fr.state.is_completed() and fr.state.name == "Completed with failures"
    with _client() as client:
        runs = _task_runs(client, fr)
        names = {t.name for t in runs}
        assert {
            "preprocess, ocr, detect page 1 of memo-1",
            "preprocess, ocr, detect page 1 of memo-2",
            "score, flag, correct, publish, report memo-1",
        } <= names
        page_tasks = [t for t in runs if t.name.endswith("page 1 of memo-1")]
        assert len(page_tasks) == 1  # one task per page, not one per stage
        assert any("doc:memo-1" in t.tags and "stage:ocr" in t.tags for t in runs)
        arts = {
            a.key: a
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[fr.id]))
            )
        }
    assert {
        "ocr-batch-summary",
        "ocr-batch-documents",
        "ocr-failed-pages",
        "ocr-batch-progress",
        "ocr-quality-trend",
        "ocr-review-queue",
    } <= set(arts)
    assert "memo-1" in arts["ocr-batch-summary"].data and "CER" in arts["ocr-batch-summary"].data
    assert "EncryptedPdfError" in str(arts["ocr-failed-pages"].data)
    assert float(arts["ocr-batch-progress"].data) == 100.0
    assert summary["run_id"] in arts["ocr-review-queue"].data
    assert "Quality across runs" in arts["ocr-quality-trend"].data


def _all_log_messages(client, log_filter, *, until, wait: float = 90.0) -> list[str]:  # noqa: ANN001
    """Every message of the flow run's log, page by page (the API returns at most its default
    limit at once); read again for up to ``wait`` seconds until ``until`` holds, as the logs
    reach the API in batches."""
    import time

    deadline = time.monotonic() + wait
    while True:
        messages: list[str] = []
        while page := client.read_logs(log_filter=log_filter, offset=len(messages), limit=200):
            messages += [log.message for log in page]
        if until(messages) or time.monotonic() > deadline:
            return messages
        time.sleep(1.0)


def test_tasks_are_named_and_tagged_reports_linked_and_cer_logged(flow_run) -> None:
    """Issue 20: no task named like "plan-f57"; every document task has its doc: tag; the
    report links are clickable links to report.html (through the review app); each document's
    CER is a line of the flow's log."""
    import re

    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    summary, settings, scans, _ = flow_run
    fr = _flow_run(summary, settings)
    with _client() as client:
        runs = _task_runs(client, fr)
        arts = {
            a.key: a
            for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[fr.id]))
            )
        }
        messages = _all_log_messages(
            client,
            LogFilter(flow_run_id=LogFilterFlowRunId(any_=[fr.id])),
            until=lambda ms: (
                any(m.startswith("memo-1: CER ") for m in ms)
                and any(m.startswith("memo-2: ") for m in ms)
            ),
        )
    names = {t.name for t in runs}
    assert not [n for n in names if re.fullmatch(r"[a-z ]+-[0-9a-f]{3}", n)], names
    assert f"load {scans.name}" in names
    finish = [t for t in runs if t.name.startswith("score, flag, correct, publish, report")]
    assert finish and all(
        f"doc:{t.name.removeprefix('score, flag, correct, publish, report ')}" in t.tags
        for t in finish
    )
    summary_md = arts["ocr-batch-summary"].data
    assert "[report.html](http://127.0.0.1:8000/reports/memo-1/report.html)" in summary_md
    assert "`report.json`" not in summary_md
    assert any(m.startswith("memo-1: CER ") and "report.html" in m for m in messages), messages
    assert any(m.startswith("memo-2: no reference") for m in messages)


def _document(task_run) -> str | None:  # noqa: ANN001 - a Prefect TaskRun
    return next((t.removeprefix("doc:") for t in task_run.tags if t.startswith("doc:")), None)


def _graph(summary: dict, settings) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    """The flow run's task graph: each task's upstream task names, and the edges that cross
    from one document's task to another's."""

    fr = _flow_run(summary, settings)
    with _client() as client:
        runs = _task_runs(client, fr)
    by_id = {t.id: t for t in runs}
    edges = [
        (by_id[i.id], t)
        for t in runs
        for inputs in t.task_inputs.values()
        for i in inputs
        if getattr(i, "input_type", None) == "task_run"
    ]
    upstream: dict[str, set[str]] = {t.name: set() for t in runs}
    for up, t in edges:
        upstream[t.name].add(up.name)
    return upstream, [(u.name, t.name) for u, t in edges if _document(u) != _document(t)]


def test_each_document_waits_for_its_own_pages_only(flow_run) -> None:
    """No edge from one document's task to another's (Prefect links task inputs by object
    identity, so shared constants once tied the document task of B to a page of A), and each
    document's scoring waits for its own pages, failed ones included."""
    summary, settings, _, _ = flow_run
    upstream, crossed = _graph(summary, settings)
    assert crossed == []
    assert upstream["score, flag, correct, publish, report memo-1"] == {
        "preprocess, ocr, detect page 1 of memo-1"
    }
    assert upstream["score, flag, correct, publish, report memo-2"] == {
        "preprocess, ocr, detect page 1 of memo-2"
    }
    assert upstream["score, flag, correct, publish, report blank"] == {
        "preprocess, ocr, detect page 1 of blank"
    }  # failed, still waited


def _spy_tesseract(folder: Path, monkeypatch: pytest.MonkeyPatch, poison: str = "") -> Path:
    """A `tesseract` first on PATH, so that page worker processes run it too: it logs each call
    (its parent process's id and its arguments) and runs the real one, unless ``poison`` (shell
    code run first) fails or kills it. Returns the log."""
    real = shutil.which("tesseract")
    assert real is not None
    bin_, log = folder / "bin", folder / "tesseract.log"
    bin_.mkdir()
    script = bin_ / "tesseract"
    script.write_text(f'#!/bin/sh\necho "$PPID $*" >> {log}\n{poison}\nexec {real} "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_}{os.pathsep}{os.environ['PATH']}")
    return log


def _page_calls(log: Path, out: Path) -> dict[str, list[int]]:
    """Each document's tesseract calls on its pages (not --version): the callers' process ids."""
    calls: dict[str, list[int]] = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        ppid, _, args = line.partition(" ")
        if f"{out}/" in args:
            doc = args.split(f"{out}/", 1)[1].split("/", 1)[0]
            calls.setdefault(doc, []).append(int(ppid))
    return calls


def test_rerun_is_served_from_cache_without_tesseract(flow_run, monkeypatch, tmp_path) -> None:
    from flows.batch import run_flow

    summary, settings, scans, gt = flow_run
    log = _spy_tesseract(tmp_path, monkeypatch)
    start = time.perf_counter()
    again = run_flow([str(scans)], ground_truth=str(gt), settings=settings)
    elapsed = time.perf_counter() - start
    assert log.exists()  # the spy runs (tesseract --version, --list-langs)
    assert _page_calls(log, settings.output_dir) == {} and again["cached_pages"] == 2
    # Documents finish in the order their pages do (as with the process pool), so by name:
    assert {d["document"]: d["cer"] for d in again["documents"]} == {
        d["document"]: d["cer"] for d in summary["documents"]
    }
    print(f"fully cached rerun: {elapsed:.1f} s")


@pytest.mark.parametrize("page_processes", [True, False], ids=["page-workers", "task-threads"])
def test_deterministic_errors_fail_alone_and_transient_ones_are_retried(
    prefect_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page_processes: bool
) -> None:
    """On threads, each page's work runs in a page worker process (tesseract's parent is not
    this process), or in the task's thread; either way a deterministic error fails its page
    at once and a crash of tesseract is retried."""
    from flows.batch import run_flow
    from ocr.settings import load_settings

    scans, gt = _inbox(tmp_path, n=3)
    out, crashed = tmp_path / "out", tmp_path / "crashed-once"
    poison = (
        'case "$*" in\n'
        f'  *{out}/memo-1/*) echo "poisoned page" >&2; exit 1;;\n'
        f"  *{out}/memo-2/*) if [ ! -e {crashed} ]; then : > {crashed}; kill -SEGV $$; fi;;\n"
        "esac"
    )
    log = _spy_tesseract(tmp_path, monkeypatch, poison)
    settings = load_settings(None, output_dir=out, workers=2, dpi=150)
    summary = run_flow(
        [str(scans)], ground_truth=str(gt), settings=settings, page_processes=page_processes
    )
    calls = _page_calls(log, out)
    assert len(calls["memo-1"]) == 1  # no retry of a deterministic error
    assert crashed.exists() and len(calls["memo-2"]) >= 2  # crashed, retried, read
    assert [(f["document"], f["kind"]) for f in summary["failures"]] == [
        ("memo-1", "OcrEngineError")
    ]
    assert {d["document"]: d["cer"] is not None for d in summary["documents"]} == {
        "memo-1": False,
        "memo-2": True,
        "memo-3": True,
    }
    callers = {pid for pids in calls.values() for pid in pids}
    assert (os.getpid() not in callers) if page_processes else (callers == {os.getpid()})


def test_deployment_has_upcoming_scheduled_runs(prefect_server: str, tmp_path: Path) -> None:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.deploy import inbox_deployment

    scans, gt = _inbox(tmp_path, n=1)
    config = tmp_path / "ocr.toml"
    config.write_text("[ocr]\nlanguages = 'rus'\n", encoding="utf-8")
    deployment = inbox_deployment(
        scans,
        ground_truth=gt,
        config=config,
        output_dir=tmp_path / "out",
        cron="0 2 * * *",
        timezone="UTC",
        name="nightly-test",
    )
    deployment_id = deployment.apply()
    deadline = time.monotonic() + 120
    with _client() as client:
        dep = client.read_deployment(deployment_id)
        assert dep.parameters["only_new"] is True and dep.schedules
        # The schedule has a time zone; the settings are the file's name, read at each run.
        assert dep.schedules[0].schedule.timezone == "UTC"
        assert dep.parameters["config"] == str(config.resolve())
        assert dep.parameters["settings"] == {"output_dir": str((tmp_path / "out").resolve())}
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
            )
            if any(r.state.is_scheduled() for r in runs):
                break
            time.sleep(2)
    assert any(r.state.is_scheduled() and r.expected_start_time.hour == 2 for r in runs)


def test_each_inbox_run_reads_the_settings_file_as_it_is_then(tmp_path: Path) -> None:
    from flows.batch import run_settings

    config = tmp_path / "ocr.toml"
    config.write_text("[ocr]\nlanguages = 'rus'\n", encoding="utf-8")
    overrides = {"output_dir": str(tmp_path / "out")}
    first = run_settings([str(tmp_path)], config=str(config), overrides=overrides)
    config.write_text("[ocr]\nlanguages = 'eng'\ndpi = 200\n", encoding="utf-8")
    later = run_settings([str(tmp_path)], config=str(config), overrides=overrides)
    assert (first.languages, first.dpi) == ("rus", 300)
    assert (later.languages, later.dpi) == ("eng", 200)
    assert later.output_dir == tmp_path / "out"


def test_the_inbox_timezone_defaults_to_this_machines() -> None:
    from zoneinfo import ZoneInfo

    from flows.deploy import inbox_deployment, local_timezone

    zone = local_timezone()
    ZoneInfo(zone)  # an IANA name, never None
    deployment = inbox_deployment(ROOT / "scans", ground_truth=None, cron="0 2 * * *")
    assert deployment.schedules[0].schedule.timezone == zone
    with pytest.raises(Exception, match="unknown time zone"):
        inbox_deployment(ROOT / "scans", ground_truth=None, cron="0 2 * * *", timezone="Mars/Base")


def _flow_cmd(scans: Path, gt: Path, out: Path) -> list[str]:
    return [
        str(Path(sys.executable).parent / "ocr"),
        "flow",
        str(scans),
        "--gt",
        str(gt),
        "--out",
        str(out),
        "--dpi",
        "150",
        "--workers",
        "2",
        "--only-new",
    ]


def _db_counts(out: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(out / "ocr.db")
    pages = db.execute(
        "select count(*), count(distinct d.source_sha256 || ':' || p.page_number) "
        "from pages p join documents d on d.id = p.document_id"
    ).fetchone()
    (done,) = db.execute("select count(*) from scan_claims where status='done'").fetchone()
    return pages[0], pages[1], done


def test_sigkill_mid_run_then_resume_processes_every_page_exactly_once(
    prefect_server: str, tmp_path: Path
) -> None:
    scans, gt = _inbox(tmp_path, n=6)
    out = tmp_path / "out"
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    proc = subprocess.Popen(
        _flow_cmd(scans, gt, out),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            if _db_counts(out)[2] >= 1:
                break
        except sqlite3.OperationalError:  # the database is not created yet
            pass
        time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)  # the flow and its tesseract children
    proc.wait()
    before = _db_counts(out)
    assert 1 <= before[2] < 6, f"the kill should land mid-run, got {before}"
    held = _held_leases(out)  # the killed run's tesseract slots, if it was reading then
    done = subprocess.run(
        _flow_cmd(scans, gt, out), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows, distinct, claims = _db_counts(out)
    assert (rows, distinct, claims) == (6, 6, 6)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tess-")]
    db = sqlite3.connect(out / "ocr.db")
    statuses = [s for (s,) in db.execute("select status from runs order by started_at")]
    assert statuses == ["crashed", "completed"]
    # The resumed run released the killed one's recorded slots at once (it waited ~5 min for
    # them); the slot accounting itself is checked by the two tests below.
    released = (done.stdout + done.stderr).count("(dead) held since")
    assert (released, _held_leases(out)) == (held, 0)
    print(
        f"kill-and-resume: {before[2]} of 6 scans done before SIGKILL, {held} tesseract "
        f"slot(s) held; after resume {rows} page rows for 6 pages"
    )


def _held_leases(out: Path) -> int:
    db = sqlite3.connect(out / "ocr.db")
    return int(db.execute("select count(*) from held_leases").fetchone()[0])


def _active_slots(limit: str) -> int:
    with _client() as client:
        return int(client.read_global_concurrency_limit_by_name(limit).active_slots)


HOLD_A_SLOT = """
import sys, time
from flows.limits import ocr_slot
with ocr_slot(sys.argv[1], limit=sys.argv[2]):
    print("held", flush=True)
    time.sleep(600)
"""


def _new_limit(tmp_path: Path) -> tuple[str, str]:
    """A one-slot concurrency limit of this test's own, and a results database."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from ocr.store import Store

    limit, url = f"ocr-test-{os.getpid()}-{time.time_ns()}", f"sqlite:///{tmp_path / 'ocr.db'}"
    with _client() as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=limit, limit=1))
    Store(url).engine.dispose()
    return limit, url


@contextlib.contextmanager
def _slot_holder(server: str, url: str, limit: str) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the limit's slot (through ocr_slot) until it is killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_SLOT, url, limit],
        cwd=ROOT,
        env={**os.environ, "PREFECT_API_URL": server},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert _active_slots(limit) == 1
        yield holder
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_processs_tesseract_slot_is_released_by_the_next_run_at_once(
    prefect_server: str, tmp_path: Path
) -> None:
    """A process killed while it holds a tesseract slot leaves the slot's lease behind, and
    Prefect frees a lease only when it expires (5 min): a resumed run's pages sat waiting for
    the slots with the machine idle. The lease is recorded in the results database while
    held, and the next run (release_dead_leases, at the start of every flow run) releases
    the dead process's at once."""
    from flows.limits import ocr_slot, release_dead_leases
    from ocr.store import Store

    limit, url = _new_limit(tmp_path)
    with _slot_holder(prefect_server, url, limit) as holder:
        pass  # killed with the slot held
    assert _active_slots(limit) == 1  # Prefect still counts the dead process's slot
    assert [lease.pid for lease in release_dead_leases(url, limit=limit)] == [holder.pid]
    assert _active_slots(limit) == 0
    with ocr_slot(url, limit=limit):
        assert release_dead_leases(url, limit=limit) == []  # a live holder's is never taken
        assert _active_slots(limit) == 1 and len(Store(url).leases(limit)) == 1
    assert _active_slots(limit) == 0 and Store(url).leases(limit) == []


def test_a_page_waiting_for_a_slot_says_who_holds_it_and_takes_a_dead_holders(
    prefect_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    """While a page waits for a slot it says so, with the holders recorded in the results
    database; when a holder dies meanwhile (a concurrent run killed), its slot is taken."""
    import contextvars
    import threading

    from flows import limits

    monkeypatch.setattr(limits, "NOTE_EVERY", 1.0)
    limit, url = _new_limit(tmp_path)
    got = threading.Event()

    def page() -> None:
        with limits.ocr_slot(url, limit=limit):
            got.set()

    with _slot_holder(prefect_server, url, limit) as holder:
        run = contextvars.copy_context().run  # the test's Prefect settings: its server
        waiting = threading.Thread(target=run, args=(page,), daemon=True)
        waiting.start()
        deadline = time.monotonic() + 60
        while "waiting" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.2)
        assert f"1 of 1 held; recorded holders: pid {holder.pid} on " in caplog.text
        assert not got.is_set()
    waiting.join(timeout=60)
    assert got.is_set(), caplog.text[-2000:]
    assert f"released a {limit} slot that process {holder.pid} on " in caplog.text


def test_two_runs_at_once_do_not_duplicate(prefect_server: str, tmp_path: Path) -> None:
    scans, gt = _inbox(tmp_path, n=4)
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    procs = [
        subprocess.Popen(
            _flow_cmd(scans, gt, out),
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1][-1500:] for r in results]
    assert _db_counts(out) == (4, 4, 4)


def test_dask_local_cluster_runs_the_flow(prefect_server: str, tmp_path: Path) -> None:
    pytest.importorskip("prefect_dask")
    from distributed import LocalCluster

    from flows.batch import run_flow
    from ocr.settings import load_settings

    scans, gt = _inbox(tmp_path, n=2)
    settings = load_settings(None, output_dir=tmp_path / "out", dpi=150)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run_flow(
            [str(scans)],
            ground_truth=str(gt),
            task_runner="dask",
            dask_address=cluster.scheduler_address,
            settings=settings,
        )
    assert summary["pages_done"] == 2 and not summary["failures"]
    assert all(d["cer"] < 0.03 for d in summary["documents"])
    upstream, crossed = _graph(summary, settings)
    assert crossed == []
    assert upstream["score, flag, correct, publish, report memo-2"] == {
        "preprocess, ocr, detect page 1 of memo-2"
    }


def test_two_scans_of_one_name_in_two_folders_through_the_flow(
    prefect_server: str, tmp_path: Path
) -> None:
    from flows.batch import run_flow
    from ocr.settings import load_settings

    scans, gt = tmp_path / "scans", tmp_path / "gt"
    for folder, extra in (("d1", "Первая папка.\n"), ("d2", "Вторая папка.\n")):
        (scans / folder).mkdir(parents=True)
        (gt / folder).mkdir(parents=True)
        render_text_page(scans / folder / "memo.png", GOOD_TEXT + extra)
        (gt / folder / "memo.txt").write_text(GOOD_TEXT + extra, encoding="utf-8")
    settings = load_settings(None, output_dir=tmp_path / "out", workers=2, dpi=150)
    summary = run_flow([str(scans)], ground_truth=str(gt), settings=settings)
    assert sorted(d["document"] for d in summary["documents"]) == ["d1/memo", "d2/memo"]
    assert not summary["failures"] and all(d["cer"] < 0.03 for d in summary["documents"])
    for folder, extra in (("d1", "Первая"), ("d2", "Вторая")):
        assert extra in (tmp_path / "out" / folder / "memo" / "memo.txt").read_text("utf-8")


def test_inbox_runs_that_find_nothing_new_keep_every_report_in_the_index(
    prefect_server: str, tmp_path: Path
) -> None:
    from flows.batch import run_flow
    from ocr.settings import load_settings

    scans, gt = _inbox(tmp_path, n=1)
    settings = load_settings(None, output_dir=tmp_path / "out", workers=2, dpi=150)
    index = tmp_path / "out" / "index.html"
    first = run_flow([str(scans)], ground_truth=str(gt), settings=settings, only_new=True)
    assert first["pages_done"] == 1 and 'href="memo-1/report.html"' in index.read_text("utf-8")
    nothing = run_flow([str(scans)], ground_truth=str(gt), settings=settings, only_new=True)
    assert nothing["pages_done"] == 0 and nothing["skipped"] == ["memo-1"]
    html = index.read_text("utf-8")
    assert 'href="memo-1/report.html"' in html and "0 page(s) done" not in html
    render_text_page(scans / "memo-2.png", GOOD_TEXT + "Новая страница.\n")
    some = run_flow([str(scans)], ground_truth=str(gt), settings=settings, only_new=True)
    assert [d["document"] for d in some["documents"]] == ["memo-2"]
    html = index.read_text("utf-8")
    assert 'href="memo-1/report.html"' in html and 'href="memo-2/report.html"' in html
