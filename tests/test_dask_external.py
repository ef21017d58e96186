"""The flow on an existing Dask cluster: a `dask scheduler` and two `dask worker` processes
started in another folder, given the relative paths a user types; and a scan deleted after
discovery, which fails alone with its own error."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import GOOD_TEXT, _free_port, needs_tesseract, render_text_page

pytestmark = [pytest.mark.integration, needs_tesseract]
pytest.importorskip("prefect_dask")

BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Cluster:
    address: str
    cwd: Path  # the folder the scheduler and workers run in


def _wait_for_workers(
    address: str, n: int, procs: Sequence[subprocess.Popen[bytes]], logs: Path
) -> None:
    from distributed import Client

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break
        try:
            with Client(address, timeout=5) as client:
                client.wait_for_workers(n, timeout=60)
                return
        except OSError:
            time.sleep(1)
    text = "\n".join(p.read_text(errors="replace")[-1500:] for p in sorted(logs.glob("*.log")))
    pytest.fail(f"the Dask cluster did not start:\n{text}")


@pytest.fixture(scope="module")
def cluster(prefect_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """`dask scheduler` and two single-threaded `dask worker`s, started in their own folder."""
    cwd = tmp_path_factory.mktemp("dask-cluster-cwd")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "PREFECT_API_URL": prefect_server}
    commands = [
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ]
    ]
    commands += [
        [
            str(BIN / "dask"),
            "worker",
            address,
            "--nthreads",
            "1",
            "--nworkers",
            "1",
            "--no-dashboard",
            "--name",
            f"w{i}",
        ]
        for i in range(2)
    ]
    procs = []
    for i, cmd in enumerate(commands):
        with (cwd / f"{i}.log").open("wb") as log:
            procs.append(
                subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        if i == 0:
            time.sleep(2)  # the workers retry, but a listening scheduler saves their back-off
    try:
        _wait_for_workers(address, 2, procs, cwd)
        yield Cluster(address, cwd)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def _inbox(root: Path, n: int) -> None:
    (root / "scans").mkdir(parents=True)
    (root / "gt").mkdir()
    for i in range(n):
        text = GOOD_TEXT + f"Страница номер {i + 1}.\n"
        render_text_page(root / "scans" / f"memo-{i + 1}.png", text)
        (root / "gt" / f"memo-{i + 1}.txt").write_text(text, encoding="utf-8")


def test_relative_paths_reach_workers_started_in_another_folder(
    cluster: Cluster, prefect_server: str, tmp_path: Path
) -> None:
    _inbox(tmp_path, n=3)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        [
            str(BIN / "ocr"),
            "flow",
            "scans",
            "--gt",
            "gt",
            "--out",
            "out",
            "--dpi",
            "150",
            "--task-runner",
            "dask",
            "--dask-address",
            cluster.address,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "3 pages done, 0 failed" in done.stdout
    for i in (1, 2, 3):
        report = tmp_path / "out" / f"memo-{i}" / "report.json"
        assert report.is_file(), f"no report at {report}"
    # Nothing was written relative to the workers' own folder.
    assert not (cluster.cwd / "out").exists()
    assert (tmp_path / "out" / "ocr.db").is_file()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_scan_deleted_after_discovery_fails_alone_as_missing(
    cluster: Cluster, tmp_path: Path
) -> None:
    from prefect import flow
    from prefect_dask import DaskTaskRunner

    from flows.batch import PrefectExecutor
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    _inbox(tmp_path, n=2)
    victim = tmp_path / "scans" / "memo-2.png"

    @dataclass(frozen=True)
    class DeleteAfterPlan(PrefectExecutor):
        """The batch's own executor; one scan vanishes between discovery and its page task."""

        def plan(self, sources, settings):  # noqa: ANN001, ANN202 - the Executor's signature
            planned = super().plan(sources, settings)
            victim.unlink()
            return planned

    @flow(task_runner=DaskTaskRunner(address=cluster.address))
    def batch() -> dict:
        settings = load_settings(None, output_dir=tmp_path / "out", dpi=150)
        result = run_batch(
            [tmp_path / "scans"],
            gt_dir=tmp_path / "gt",
            settings=settings,
            executor=DeleteAfterPlan(),
        )
        return dict(result.summary)

    summary = batch()
    assert summary["pages_done"] == 1
    (failure,) = summary["failures"]
    assert failure["kind"] == "MissingScanError" and failure["document"] == "memo-2"
    assert "memo-2.png" in failure["message"] and "same absolute path" in failure["message"]
    assert (tmp_path / "out" / "memo-1" / "report.json").is_file()
