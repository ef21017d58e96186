"""What the lines read again cost beside the page's reading (issue 20, session 12): each page is
read as stock tesseract reads it (the pipeline's first reading), then its lines are read again
(ocr.readings.repair) with the shipped rule and with the same rule without the lexicon's
trigger, one after the other in the same process; tesseract's CPU (its processes' user + system
time) of each run, the lines read and the line crops (a line at each of its scales).

Run: .venv/bin/python -m bench.linereads_cost --seeds 2303,2505 [--pages 12]
(the clean typed pages of the fresh sets bench.review_fresh makes; no set is made here).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from bench.bench_review import WORK
from ocr.geometry import PageGeometry
from ocr.readings import (
    ORIGINAL,
    OcrCall,
    ReadingInput,
    choice_rules,
    read,
    repair,
    reread_candidates,
)
from ocr.timing import CpuMark

BELOW = 60.0  # the pipeline's default low_confidence


def _given(grey: np.ndarray) -> Callable[[Path], np.ndarray | None]:
    return lambda _: grey


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", required=True, help="comma-separated fresh seeds (made)")
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args(argv)
    shipped = choice_rules().reread
    assert shipped is not None
    rules = {
        "without the trigger": replace(shipped, unknown_letters=None),
        "without the grey crop and the repeated swap (main at 5f57d8e)": replace(
            shipped, grey_scales=(), unknown_grey_scales=(), repeat_lines=None
        ),
        "shipped": shipped,
    }
    call = OcrCall("rus", 3, 1, 300, ("tsv",), False)
    first_cpu = 0.0
    totals = {name: [0.0, 0, 0] for name in rules}  # tesseract CPU, lines, crops
    pages = 0
    for seed in (int(s) for s in args.seeds.split(",")):
        scans = sorted((WORK / f"review-fresh-{seed}-{args.pages}" / "scans").glob("*typed*"))
        for image in scans:
            grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            assert grey is not None, image
            source = ReadingInput(ORIGINAL, image, PageGeometry.identity(*grey.shape[:2]), None)
            with tempfile.TemporaryDirectory() as tmp:
                first = read(source, Path(tmp) / "page", call)
                first_cpu += first.cpu_seconds
                for name, rule in rules.items():
                    mark = CpuMark.now()
                    stem = Path(tmp) / name.replace(" ", "-") / "page"
                    stem.parent.mkdir()
                    repair(first, stem, call, below=BELOW, rule=rule, load_grey=_given(grey))
                    totals[name][0] += mark.since().tesseract
                    read_again, unknown = reread_candidates(
                        first.words, call.languages, below=BELOW, rule=rule
                    )
                    totals[name][1] += len(read_again)
                    totals[name][2] += sum(
                        len(rule.line_variants(unknown=k in unknown))
                        for k in range(len(read_again))
                    )
            pages += 1
    print(f"{pages} clean typed pages (seeds {args.seeds}); first reading: {first_cpu:.1f} s")
    print(
        "| rule | tesseract CPU of the lines' run, s | share of the first reading | lines a page "
        "| crops read a page |"
    )
    print("|---|---|---|---|---|")
    for name, (cpu, lines, crops) in totals.items():
        print(
            f"| {name} | {cpu:.2f} | {cpu / first_cpu:.1%} | {lines / pages:.2f} "
            f"| {crops / pages:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
