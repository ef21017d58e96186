"""Strict CER per degradation level of `ocr run` outputs of `ocr synth` pages, two runs side by
side (issue 15, ocr.detect.foreign: a run before and after the step).

Run: .venv/bin/python -m bench.foreign_synth PAGES BEFORE AFTER
(PAGES: the `ocr synth` folder, with its <name>.gt.txt; BEFORE, AFTER: `ocr run --out` folders.)
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bench.bench_scores import score_page


def level_of(name: str) -> str:
    return name.split("-")[2] if name.count("-") >= 2 else "?"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=Path)
    parser.add_argument("runs", type=Path, nargs=2)
    args = parser.parse_args(argv)
    errors: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    print("| page | before | after |\n|---|---:|---:|")
    for truth in sorted(args.pages.glob("*.gt.txt")):
        name = truth.name.removesuffix(".gt.txt")
        ref = truth.read_text(encoding="utf-8")
        scores = []
        for run in args.runs:
            text = run / name / f"{name}.txt"
            got = text.read_text(encoding="utf-8") if text.is_file() else ""
            scores.append(score_page(name, ref, got).strict)
        row = errors[level_of(name)]
        row[0] += scores[0].char_errors
        row[1] += scores[1].char_errors
        row[2] += scores[0].char_total
        print(f"| {name} | {scores[0].cer:.2%} | {scores[1].cer:.2%} |")
    print("\n| level | chars | before | after |\n|---|---:|---:|---:|")
    for level, (before, after, chars) in sorted(errors.items()):
        print(f"| {level} | {chars} | {before / chars:.2%} | {after / chars:.2%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
