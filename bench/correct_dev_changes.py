"""Every change the shipped correction makes on the wider tuning sets (dev-wide, dev-wide-2),
and on the held-out names pages (NAMES_CHECK, round 18k), with its verdict, and each level's
totals (round 18j): the tuning side's stand-in for a sealed set's change log. No sealed set is
read.

Run: .venv/bin/python -m bench.correct_dev_changes > dev_changes.txt
"""

from __future__ import annotations

from bench.bench_correct import run_pages, wrong_share
from bench.correct_data import ensure_pages
from bench.correct_split import DEV_WIDE, DEV_WIDE_2, NAMES_CHECK
from ocr.correct import CorrectionSettings


def main() -> int:
    settings = CorrectionSettings()
    for spec in (DEV_WIDE, DEV_WIDE_2, NAMES_CHECK):
        tallies = run_pages(ensure_pages(spec), settings)
        for level in ("clean", "light", "medium", "heavy"):
            t = tallies[level]
            print(
                f"## {spec.name} {level}: {t.reduction:+.1%}, {t.changes} changes, "
                f"{dict(t.verdicts)}, wrong {wrong_share(t):.1%}"
            )
            for line in t.log:
                print(f"{spec.name} {level} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
