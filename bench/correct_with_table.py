"""Every change the correction makes on some tuning sets with a given calibration table, and
each level's totals (round 18k: a table against another at the same code).

Run: .venv/bin/python -m bench.correct_with_table TABLE DEV_WIDE,DEV_WIDE_2,NAMES_CHECK
(set names as in bench/correct_split.py; no sealed set may be given).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    table, names = Path(args[0]), args[1].split(",")
    if any(n.startswith("SEALED") for n in names):
        raise SystemExit("a sealed set is read by bench.bench_correct --sealed only")
    import ocr.correct.calibration as cal
    import ocr.correct.engine as engine

    loader = cache(lambda path=table: cal.read_calibration(table))
    cal.load_calibration = loader  # type: ignore[assignment]
    engine.load_calibration = loader  # type: ignore[assignment]
    import bench.correct_split as split
    from bench.bench_correct import run_pages, wrong_share
    from bench.correct_data import ensure_pages
    from ocr.correct import CorrectionSettings

    for name in names:
        spec = getattr(split, name)
        tallies = run_pages(ensure_pages(spec), CorrectionSettings())
        for level in ("clean", "light", "medium", "heavy"):
            t = tallies[level]
            print(
                f"## {spec.name} {level}: {t.reduction:+.1%}, {t.changes} changes, "
                f"{dict(t.verdicts)}, wrong {wrong_share(t):.1%}",
                flush=True,
            )
            for line in t.log:
                print(f"{spec.name} {level} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
