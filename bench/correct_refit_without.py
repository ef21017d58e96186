"""The posterior's calibration refitted as ``bench.train_correct --right-only`` does, with some
features left out, written to OUT; the shipped table is put back (round 18k: the baseline a
new feature is judged against on held-out sets, with bench.correct_with_table OUT ...).

Run: .venv/bin/python -m bench.correct_refit_without sure_edits,letters_gain,page_repeats OUT
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import bench.train_correct as train
from ocr.correct.calibration import CALIBRATION_TABLE


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    drop, out = set(args[0].split(",")), Path(args[1])
    train.RIGHT_FEATURES = tuple(f for f in train.RIGHT_FEATURES if f not in drop)
    with tempfile.TemporaryDirectory() as tmp:
        kept = Path(tmp) / "shipped.tsv"
        shutil.copy(CALIBRATION_TABLE, kept)
        try:
            print("\n".join(train.calibration(2, right_only=True)))
            shutil.copy(CALIBRATION_TABLE, out)
        finally:
            shutil.copy(kept, CALIBRATION_TABLE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
