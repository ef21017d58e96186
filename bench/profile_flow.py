"""Where the flow loses against `ocr run`: each batch engine run once on the same pages (after one
warm-up run each), with its wall time, the batch's stage seconds (summed over pages and
documents, from the batch summary) and the CPU seconds of every process of this process tree
by role (this process: the flow's orchestration and the documents' finishing; the Prefect
server; page workers and their tesseract runs; Dask's nannies and workers), sampled with psutil.

Run: .venv/bin/python -m bench.profile_flow [--pages 12] [--workers 2]
[--engines pool,threads,threads-in-thread,dask] [--before REF (engine threads-before: the flow
on threads as flows/batch.py was at REF)] (threads-in-thread: the flow on threads with its
pages' work in the task threads, as before page workers)."""

from __future__ import annotations

import argparse
import os
import sys
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
    """CPU seconds of this process and of every process under it while the block runs, by role:
    each process's own CPU; what its finished children used (tesseract) only where none of
    its children is sampled itself (a fork server's or a nanny's workers count as themselves);
    and this process's finished children's (stock tesseract, tesseract run from a task thread)
    less the sampled processes it reaped (a fork server with its workers). Sampled every
    0.25 s: a process's last fraction of a sample before it ends is missed."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.procs: dict[int, tuple[str, int, float, float]] = {}  # role, ppid, own, children
        self.first: dict[int, tuple[float, float]] = {}  # when first seen (0 if born since)
        self.started = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        for p in self.me.children(recursive=True):
            try:
                with p.oneshot():
                    t, ppid = p.cpu_times(), p.ppid()
                    role = self.procs[p.pid][0] if p.pid in self.procs else _role(p)
            except psutil.Error:
                continue
            if role == "tesseract (live)":
                continue  # counted by its parent when reaped
            own, kids = t.user + t.system, t.children_user + t.children_system
            if p.pid not in self.first:
                self.first[p.pid] = (own, kids) if not self.started else (0.0, 0.0)
            self.procs[p.pid] = (role, ppid, own, kids)

    def _loop(self) -> None:
        while not self.stop.wait(0.25):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self._sample()
        self.started = True
        self.mine = self.me.cpu_times()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        mine = self.me.cpu_times()
        alive = {p.pid for p in self.me.children(recursive=True)}
        parents = {ppid for _, ppid, _, _ in self.procs.values()}
        delta: dict[str, float] = defaultdict(float)
        counted: dict[int, float] = {}
        for pid, (role, _, own, kids) in self.procs.items():
            own0, kids0 = self.first[pid]
            counted[pid] = own - own0 + (0.0 if pid in parents else kids - kids0)
            delta[role] += counted[pid]

        def subtree(pid: int) -> float:  # all a sampled process and those under it used
            below = [c for c, (_, ppid, _, _) in self.procs.items() if ppid == pid]
            return counted[pid] + sum(subtree(c) for c in below)

        reaped = sum(
            subtree(pid)
            for pid, (_, ppid, _, _) in self.procs.items()
            if ppid == self.me.pid and pid not in alive
        )
        kids = mine.children_user + mine.children_system
        kids -= self.mine.children_user + self.mine.children_system
        delta["this process"] = mine.user + mine.system - self.mine.user - self.mine.system
        delta["this process's finished children (tesseract)"] = max(0.0, kids - reaped)
        self.delta = dict(delta)


def flow_engines(
    scans: Path, work: Path, workers: int, address: str | None
) -> dict[str, Callable[[str], Any]]:
    """The engines compared, each run on ``scans`` into ``work / NAME`` and returning the batch
    summary (``ocr run``'s as the flow's): the process pool, the flow on threads (its pages in
    page workers, or in its task threads), the flow of flows/batch.py at --before (the module
    bench.bench_dask._before_module loaded) and the flow on the Dask cluster at ``address``."""
    from flows.batch import run_flow
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    def cfg(name: str) -> Any:
        return load_settings(None, output_dir=work / name, workers=workers)

    return {
        "pool": lambda n: run_batch([scans], gt_dir=None, settings=cfg(n)).summary.as_json(),  # type: ignore[union-attr]
        "threads": lambda n: run_flow([str(scans)], ground_truth=None, settings=cfg(n)),
        "threads-in-thread": lambda n: run_flow(
            [str(scans)], ground_truth=None, settings=cfg(n), page_processes=False
        ),
        "threads-before": lambda n: sys.modules["flows_batch_before"].run_flow(
            [str(scans)], ground_truth=None, settings=cfg(n)
        ),
        "dask": lambda n: run_flow(
            [str(scans)],
            ground_truth=None,
            settings=cfg(n),
            task_runner="dask",
            dask_address=address,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="pool,threads,threads-in-thread,dask")
    parser.add_argument(
        "--before", metavar="REF", help="engine threads-before: flows/batch.py at this git ref"
    )
    args = parser.parse_args()
    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    work = Path(tempfile.mkdtemp(prefix="profile-flow-"))
    scans = _pages(args.pages, work)
    if args.before:
        from bench.bench_dask import _before_module

        _before_module(args.before, work)
    with (
        prefect_test_harness(),
        LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        engines = flow_engines(scans, work, args.workers, cluster.scheduler_address)
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
