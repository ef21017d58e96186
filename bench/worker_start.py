"""CPU of starting `ocr run`'s page workers: two workers and their first word look-up (a Russian
word's Zipf frequency, as a page's first reading makes), the children's rusage, started as
before round s17b (spawned, as ocr.batch did up to 5dd03fb) and as ocr.batch starts them now
(forked from a fork server that imported their modules and loaded the word list once).

Run: PYTHONPATH=. .venv/bin/python -m bench.worker_start [--rounds 3]"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

TASK = "__import__('ocr.quality').quality.lexicon_zipf('документ', ('ru',))"
JOBS = 8


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def start(how: str) -> float:
    """Children's CPU seconds of a 2-worker pool started ``how`` ("spawn" or "forkserver")
    running JOBS first look-ups."""
    import ocr.batch as batch

    before = _children_cpu()
    if how == "spawn":
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(2, mp_context=ctx, initializer=batch.keep_freed_memory) as pool:
            [f.result() for f in [pool.submit(eval, TASK) for _ in range(JOBS)]]
    else:
        with batch.worker_pool(2, {"rus"}) as pool:
            [f.result() for f in [pool.submit(eval, TASK) for _ in range(JOBS)]]
    return _children_cpu() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", choices=("spawn", "forkserver"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(start(args.one))
        return
    figures: dict[str, list[float]] = {"spawn": [], "forkserver": []}
    for _ in range(args.rounds):  # alternating, each in a fresh process: nothing loaded before
        for how, found in figures.items():
            out = subprocess.run(
                [sys.executable, "-m", "bench.worker_start", "--one", how],
                capture_output=True,
                text=True,
                check=True,
            )
            found.append(float(out.stdout.strip().splitlines()[-1]))
    for how, found in figures.items():
        shown = ", ".join(f"{f:.2f}" for f in found)
        print(f"{how}: children's CPU {shown} s (mean {sum(found) / len(found):.2f})")


if __name__ == "__main__":
    main()
