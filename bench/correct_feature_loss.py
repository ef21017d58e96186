"""Log loss of the posterior's calibration with and without round 18k's features: out of fold
on the rows it is fitted on (RIGHT_SETS), and on whole sets held out of the fit (dev-wide,
dev-wide-2, names-check), the rows made with the calibration table given.

Run: .venv/bin/python -m bench.correct_feature_loss TABLE
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.correct_data import ensure_pages
from bench.correct_fit import fit_logistic, log_loss, out_of_fold, right_examples
from bench.correct_split import DEV_WIDE, DEV_WIDE_2, NAMES_CHECK, RIGHT_SETS
from bench.train_correct import RIGHT_FEATURES
from ocr.correct.calibration import Logistic, read_calibration

NEW = ("sure_edits", "letters_gain", "page_repeats")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    shipped = read_calibration(Path(args[0]))
    rows = right_examples([p for s in RIGHT_SETS for p in ensure_pages(s)], shipped)
    held = {
        s.name: right_examples(ensure_pages(s), shipped)
        for s in (DEV_WIDE, DEV_WIDE_2, NAMES_CHECK)
    }
    without = tuple(f for f in RIGHT_FEATURES if f not in NEW)
    runs = [("without", without), ("with", RIGHT_FEATURES)]
    runs += [(f"only +{n}", (*without, n)) for n in NEW]
    for label, names in runs:
        oof = out_of_fold(rows, names)
        model = Logistic(fit_logistic(rows, names))
        out = [f"{label}: oof {log_loss(oof, [r.label for r in rows]):.4f}"]
        for name, got in held.items():
            probs = [model.prob(r.features) for r in got]
            out.append(f"{name} {log_loss(probs, [r.label for r in got]):.4f}")
        print(" | ".join(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
