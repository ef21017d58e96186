"""``bench_correct --calibrate`` with some of the posterior calibration's features left out of
its fit (round 18j: the baseline a new feature is judged against, at the same code and rows).

Run: .venv/bin/python -m bench.correct_without width_short,close_neighbour
"""

from __future__ import annotations

import sys

import bench.train_correct as train


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    drop = set(args[0].split(",")) if args else set()
    train.RIGHT_FEATURES = tuple(f for f in train.RIGHT_FEATURES if f not in drop)
    from bench.bench_correct import main as bench_main

    return bench_main(["--calibrate"])


if __name__ == "__main__":
    raise SystemExit(main())
