"""Where the flow loses against `ocr run`: each batch engine run once on the same pages (after one
warm-up run each), with its wall time, the batch's stage seconds (summed over pages and
documents, from the batch summary) and the CPU seconds of every process of this process tree
by role (this process: the flow's orchestration and the documents' finishing; the Prefect
server; page workers and their tesseract runs; Dask's nannies and workers), sampled with psutil.

Run: .venv/bin/python -m bench.profile_flow [--pages 12] [--workers 2]
[--engines pool,threads,threads-in-thread,dask] (threads-in-thread: the flow on threads with its
pages' work in the task threads, as before page workers)."""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench.bench_dask import _pages

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _role(p: psutil.Process) -> str:
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return "gone"
    if "uvicorn" in cmd or "prefect" in cmd and "server" in cmd:
        return "prefect server"
    if "spawn_main" in cmd or "dask" in cmd or "distributed" in cmd:
        return "dask nanny/worker (+tesseract)"  # a nanny spawns its worker
    if "forkserver" in cmd:
        return "page workers (+tesseract)"
    if p.name() == "tesseract":
        return "tesseract (live)"
    return f"other: {cmd[:60]}"


class CpuSampler:
    """Cumulative CPU (own + reaped children) of every process under this one, kept per pid."""

    def __init__(self) -> None:
        self.seen: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.me = psutil.Process()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        for p in self.me.children(recursive=True):
            try:
                t = p.cpu_times()
                total = t.user + t.system + t.children_user + t.children_system
                role = self.seen[p.pid][0] if p.pid in self.seen else _role(p)
            except psutil.Error:
                continue
            if role == "tesseract (live)":
                continue  # counted by its parent when reaped
            self.seen[p.pid] = (role, max(total, self.seen.get(p.pid, ("", 0.0))[1]))

    def _loop(self) -> None:
        while not self.stop.wait(0.25):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self.start = self.totals()
        self.mine = self.me.cpu_times()
        self.thread.start()
        return self

    def totals(self) -> dict[str, float]:
        self._sample()
        out: dict[str, float] = defaultdict(float)
        for role, cpu in self.seen.values():
            out[role] += cpu
        return dict(out)

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        end = self.totals()
        mine = self.me.cpu_times()
        self.delta = {k: end[k] - self.start.get(k, 0.0) for k in end}
        self.delta["this process"] = (mine.user + mine.system) - (self.mine.user + self.mine.system)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="pool,threads,threads-in-thread,dask")
    args = parser.parse_args()
    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    from flows.batch import run_flow
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="profile-flow-"))
    scans = _pages(args.pages, work)
    with (
        prefect_test_harness(),
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):

        def cfg(name: str) -> Any:
            return load_settings(None, output_dir=work / name, workers=args.workers)

        engines: dict[str, Callable[[str], Any]] = {
            "pool": lambda n: run_batch([scans], gt_dir=None, settings=cfg(n)).summary.as_json(),  # type: ignore[union-attr]
            "threads": lambda n: run_flow([str(scans)], ground_truth=None, settings=cfg(n)),
            "threads-in-thread": lambda n: run_flow(
                [str(scans)], ground_truth=None, settings=cfg(n), page_processes=False
            ),
            "dask": lambda n: run_flow(
                [str(scans)],
                ground_truth=None,
                settings=cfg(n),
                task_runner="dask",
                dask_address=cluster.scheduler_address,
            ),
        }
        for name in args.engines.split(","):
            engines[name](f"{name}-warm")
            with CpuSampler() as cpu:
                t0 = time.perf_counter()
                summary = engines[name](name)
                wall = time.perf_counter() - t0
            stages = summary.get("stage_seconds") or {}
            print(f"== {name}: wall {wall:.1f} s; load {os.getloadavg()[0]:.1f}")
            print("   stage seconds:", {k: round(v, 1) for k, v in stages.items()})
            print("   cpu seconds:", {k: round(v, 1) for k, v in sorted(cpu.delta.items())})
            print("   cpu total:", round(sum(cpu.delta.values()), 1), flush=True)


if __name__ == "__main__":
    main()
