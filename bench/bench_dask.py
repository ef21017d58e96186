"""Pages per minute (and per day) on this machine: `ocr run` (process pool) vs the Prefect flow with
threads and with Dask (a LocalCluster of 1, then 2 single-threaded worker processes), same pages,
one run.

Run: .venv/bin/python bench/bench_dask.py [--pages 12]; writes bench/results_dask.md."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _pages(n: int, work: Path) -> Path:
    scans = work / "scans"
    subprocess.run([str(Path(sys.executable).parent / "ocr"), "synth", "--out", str(scans),
                    "--pages", str(n), "--seed", "7"], check=True, capture_output=True)
    for gt in scans.glob("*.gt.txt"):
        gt.unlink()
    for extra in scans.glob("*.json"):
        extra.unlink()
    return scans


def _timed(label: str, fn, pages: int) -> tuple[str, float, float]:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    return label, wall, pages * 60.0 / wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args()
    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    from flows.batch import run_flow
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    scans = _pages(args.pages, work)
    n = len(list(scans.iterdir()))

    def settings(name: str, workers: int = 2):  # noqa: ANN202
        return load_settings(None, output_dir=work / name, workers=workers)

    rows = [_timed("ocr run (process pool, 2 workers)",
                   lambda: run_batch([scans], gt_dir=None, settings=settings("pool")), n),
            _timed("ocr run (process pool, 1 worker)",
                   lambda: run_batch([scans], gt_dir=None, settings=settings("pool1", 1)), n)]
    with prefect_test_harness():
        rows.append(_timed("Prefect flow, threads (2)", lambda: run_flow(
            [str(scans)], ground_truth=None, settings=settings("threads")), n))
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                rows.append(_timed(
                    f"Prefect flow, Dask LocalCluster ({workers} worker{'s' * (workers > 1)})",
                    lambda c=cluster, w=workers: run_flow(
                        [str(scans)], ground_truth=None, settings=settings(f"dask{w}", w),
                        task_runner="dask", dask_address=c.scheduler_address), n))
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    lines = ["# Process pool vs Dask", "",
             f"Reproduce: `.venv/bin/python bench/bench_dask.py --pages {args.pages}` "
             f"({n} synthetic pages from `ocr synth --seed 7`, no references, fresh output "
             f"folders, {os.cpu_count()} cores, same run; 1-minute load average {load}: other "
             "jobs share the machine). Pages/day = pages/min × 1440.", "",
             "| runner | pages | wall s | pages/min | pages/day | × process pool (2) |",
             "|---|---:|---:|---:|---:|---:|"]
    base = rows[0][2]
    lines += [f"| {label} | {n} | {wall:.1f} | {ppm:.1f} | {ppm * 1440:,.0f} | {ppm / base:.2f} |"
              for label, wall, ppm in rows]
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results_dask.md").write_text(text, encoding="utf-8")
    _into_results(text)
    print(text)
    shutil.rmtree(work, ignore_errors=True)


def _into_results(text: str) -> None:
    """Replace (or add) this section in bench/results.md."""
    results = ROOT / "bench" / "results.md"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    head = old.split("\n## Process pool vs Dask")[0].rstrip("\n")
    section = text.replace("# Process pool vs Dask", "## Process pool vs Dask (bench/bench_dask.py)", 1)
    results.write_text(f"{head}\n\n{section}" if head else section, encoding="utf-8")


if __name__ == "__main__":
    main()
