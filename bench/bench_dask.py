"""Pages per minute (and per day) on this machine, side by side in one run: stock tesseract, `ocr
run` (process pool), the Prefect flow on threads and on a local Dask cluster, same pages, same
number of workers, engines alternated in rounds so that the machine's load falls on all of them.

Run: .venv/bin/python -m bench.bench_dask [--pages 12] [--rounds 2] [--workers 2] [--out FILE]
[--before REF]; without --out, writes bench/results_dask.md and its section of bench/results.md.
--before REF also runs the flow as flows/batch.py was at git REF (same ocr/), on both runners."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import ROOT, md_table

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

STOCK = "stock tesseract"
POOL = "ocr run (process pool)"
THREADS = "ocr flow, threads"
DASK = "ocr flow, Dask LocalCluster"
ENGINES = (STOCK, POOL, THREADS, DASK)
BEFORE = " (before: flows/batch.py at {ref})"


def _before_module(ref: str, work: Path) -> None:
    """flows/batch.py at git ref as the module flows_batch_before (importable by Dask workers
    too, through PYTHONPATH)."""
    folder = work / "before"
    folder.mkdir()
    text = subprocess.run(
        ["git", "show", f"{ref}:flows/batch.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = folder / "flows_batch_before.py"
    module.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("flows_batch_before", module)
    assert spec is not None and spec.loader is not None
    sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sys.modules[spec.name])
    sys.path.insert(0, str(folder))  # a spawned Dask worker starts with this sys.path
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(folder), str(ROOT), os.environ.get("PYTHONPATH")])
    )


def _pages(n: int, work: Path) -> Path:
    scans = work / "scans"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "ocr"),
            "synth",
            "--out",
            str(scans),
            "--pages",
            str(n),
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    for gt in scans.glob("*.gt.txt"):
        gt.unlink()
    for extra in scans.glob("*.json"):
        extra.unlink()
    return scans


def _stock(scans: Path, workers: int) -> None:
    """`tesseract IMG - -l rus`, one single-threaded process per worker."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(img: Path) -> None:
        subprocess.run(
            ["tesseract", str(img), "-", "-l", "rus"], check=True, capture_output=True, env=env
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, sorted(scans.iterdir())))


def _engines(
    scans: Path,
    work: Path,
    workers: int,
    dask_address: str,
    before: str | None,
    before_address: str | None = None,
) -> dict[str, Callable[[int], None]]:
    import importlib

    from flows.batch import run_flow
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    def settings(name: str, i: int):  # noqa: ANN202 - a fresh output folder per run
        return load_settings(None, output_dir=work / f"{name}-{i}", workers=workers)

    old = {}
    if before:
        old_flow = importlib.import_module("flows_batch_before").run_flow
        old = {
            THREADS + BEFORE.format(ref=before): lambda i: old_flow(
                [str(scans)], ground_truth=None, settings=settings("threads_before", i)
            ),
            DASK + BEFORE.format(ref=before): lambda i: old_flow(
                [str(scans)],
                ground_truth=None,
                settings=settings("dask_before", i),
                task_runner="dask",
                dask_address=before_address or dask_address,
            ),
        }
    return old | {
        STOCK: lambda i: _stock(scans, workers),
        POOL: lambda i: run_batch([scans], gt_dir=None, settings=settings("pool", i)),
        THREADS: lambda i: run_flow(
            [str(scans)], ground_truth=None, settings=settings("threads", i)
        ),
        DASK: lambda i: run_flow(
            [str(scans)],
            ground_truth=None,
            settings=settings("dask", i),
            task_runner="dask",
            dask_address=dask_address,
        ),
    }


def _check(work: Path, pages: int) -> None:
    """Every run of the batch engines OCRed every page (a failed run is not a fast one)."""
    for out in work.glob("*-*"):
        done = list(out.glob("*/p*.ocr.json"))
        if out.is_dir() and len(done) != pages:
            raise SystemExit(f"{out.name}: {len(done)} of {pages} pages done")


def _warm_workers() -> None:
    """In a Dask worker: the modules a page task runs imported and the word lists loaded, as the
    first page would (so that no engine pays the cluster's start)."""
    import importlib

    from ocr.quality import dictionary_languages
    from ocr.worker_warm import warm

    for name in ("flows.batch", "flows_batch_before", "ocr.pipeline"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # no --before
    warm(dictionary_languages("rus"))


def measure(
    scans: Path, work: Path, *, rounds: int, workers: int, before: str | None
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall seconds and CPU seconds per engine per round; each round starts with the next
    engine. CPU: every process of this process tree while the engine runs (bench.profile_flow's
    sampler: this process, its tesseract runs, page workers, Dask's workers, the Prefect server),
    a figure the other jobs on the machine change less than the wall time."""
    from distributed import LocalCluster
    from prefect.testing.utilities import prefect_test_harness

    from bench.profile_flow import CpuSampler

    walls: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    if before:
        _before_module(before, work)  # before the cluster starts: its workers import it

    def cluster() -> LocalCluster:
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )

    # The flow before has a cluster of its own: a worker process keeps what a task set in it.
    with (
        prefect_test_harness(),
        cluster() as now,
        cluster() if before else contextlib.nullcontext(now) as then,
    ):
        from distributed import Client

        for each in (now, then) if then is not now else (now,):
            with Client(each) as client:  # the workers warmed once, before any engine runs
                client.run(_warm_workers)
        engines = _engines(
            scans, work, workers, now.scheduler_address, before, then.scheduler_address
        )
        names = tuple(engines)
        for i in range(rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                with CpuSampler() as cpu:
                    start = time.perf_counter()
                    engines[name](i)
                    walls[name].append(time.perf_counter() - start)
                cpus[name].append(sum(cpu.delta.values()))
                print(
                    f"round {i + 1}: {name}: {walls[name][-1]:.1f} s, CPU {cpus[name][-1]:.1f} s",
                    flush=True,
                )
    return walls, cpus


def table(
    walls: dict[str, list[float]],
    *,
    pages: int,
    workers: int,
    cpus: dict[str, list[float]] | None = None,
) -> list[str]:
    """pages/min from the summed wall time of all rounds; ratios to the process pool and stock;
    CPU seconds per page (all rounds) when measured."""
    ppm = {name: pages * len(w) * 60.0 / sum(w) for name, w in walls.items()}
    header = (
        f"runner ({workers} workers)",
        "wall s per round",
        "pages/min",
        "pages/day",
        "× process pool",
        "× stock tesseract",
        *(("CPU s per page",) if cpus else ()),
    )
    rows = [
        (
            name,
            ", ".join(f"{w:.1f}" for w in walls[name]),
            f"{ppm[name]:.1f}",
            f"{ppm[name] * 1440:,.0f}",
            f"{ppm[name] / ppm[POOL]:.2f}",
            f"{ppm[name] / ppm[STOCK]:.2f}",
            *((f"{sum(cpus[name]) / (pages * len(cpus[name])):.2f}",) if cpus else ()),
        )
        for name in walls
    ]
    return md_table(header, rows, align="llrrrr" + ("r" if cpus else ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the table here only")
    parser.add_argument("--before", metavar="REF", help="also the flow at this git ref")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-dask-"))
    scans = _pages(args.pages, work)
    n = len(list(scans.iterdir()))
    walls, cpus = measure(scans, work, rounds=args.rounds, workers=args.workers, before=args.before)
    _check(work, n)
    load = f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    lines = [
        "# Process pool vs Dask",
        "",
        f"Reproduce: `.venv/bin/python -m bench.bench_dask --pages {args.pages} --rounds "
        f"{args.rounds} --workers {args.workers}"
        + (f" --before {args.before}" if args.before else "")
        + f"` ({n} synthetic pages from `ocr synth --seed 7`, no references, fresh output "
        f"folders, {os.cpu_count()} cores; the engines alternate in rounds within one "
        f"run; 1-minute load average {load}: other jobs share the machine). "
        "Pages/day = pages/min × 1440. CPU s per page: the CPU of every process of the "
        "benchmark's tree while the engine ran (itself, tesseract, page and Dask workers, the "
        "Prefect server), over pages × rounds: other jobs change it less than the wall time.",
        "",
        *table(walls, pages=n, workers=args.workers, cpus=cpus),
    ]
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        (ROOT / "bench" / "results_dask.md").write_text(text, encoding="utf-8")
        _into_results(text)
    print(text)
    shutil.rmtree(work, ignore_errors=True)


def _into_results(text: str) -> None:
    """Replace (or add) this section in bench/results.md."""
    results = ROOT / "bench" / "results.md"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    head = old.split("\n## Process pool vs Dask")[0].rstrip("\n")
    section = text.replace(
        "# Process pool vs Dask", "## Process pool vs Dask (bench/bench_dask.py)", 1
    )
    results.write_text(f"{head}\n\n{section}" if head else section, encoding="utf-8")


if __name__ == "__main__":
    main()
