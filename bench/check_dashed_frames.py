"""Dashed stamp frames (issue #20) counted by direct calls of the shape detector.

Usage (from the project root):

    PYTHONPATH=. .venv/bin/python -m bench.check_dashed_frames synth DIR [DIR ...]
        `ocr synth` folders: per grey and bilevel page, the true stamps found by shape_stamps
        without dashed frames, with them, and dashed finds on no true stamp.
    PYTHONPATH=. .venv/bin/python -m bench.check_dashed_frames review bench/work/review-2101-48
        a review set after bench.bench_review: per page (colour ones too), the dashed frames on
        the image tesseract read (or its view), with the page's own text metrics, against the
        set's true stamps.
    PYTHONPATH=. .venv/bin/python -m bench.check_dashed_frames images FILE [FILE ...]
        any page images (real scans): the dashed frames found.

The pages are binarized as loaded (no deskew) and sized with the 300-dpi default text metrics
(no OCR), so the figures are the detector's own, not the pipeline's (bench.bench_review is).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

from ocr.detect.ink import TextMetrics, ink_mask, text_metrics
from ocr.detect.regions import Region, iou, overlap
from ocr.detect.stamps import _shrink, dashed_frames, shape_candidates, shape_stamps
from ocr.preprocess import binarize
from ocr.records import Box
from ocr.tesseract import read_words

METRICS = text_metrics((), dpi=300)


def _ink(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return ink_mask(binarize(image))


def _dashed(ink: np.ndarray, metrics: TextMetrics = METRICS) -> list[Region]:
    small = _shrink(ink)
    _, pieces = shape_candidates(small, metrics=metrics)
    return dashed_frames(small, pieces, metrics=metrics)


def check_synth(folders: list[Path]) -> None:
    total = before = after = false = 0
    for folder in folders:
        for scan in sorted(folder.glob("synth-*")):
            if scan.suffix not in (".png", ".jpg") or "colour" in scan.name:
                continue
            truth_file = scan.with_name(scan.stem + ".regions.json")
            regions = json.loads(truth_file.read_text("utf-8"))["pages"][0]["regions"]
            truth = [Box(*r["box"]) for r in regions if r["type"] == "stamp"]
            ink = _ink(scan)
            old = shape_stamps(ink, metrics=METRICS, dashed=False)
            dashed = _dashed(ink)
            for box in truth:
                found_before = any(iou(r.box, box) >= 0.5 for r in old)
                found_after = found_before or any(iou(r.box, box) >= 0.5 for r in dashed)
                total += 1
                before += found_before
                after += found_after
                if found_after and not found_before:
                    print("new hit", folder.name, scan.name, box)
                elif not found_after:
                    print("missed", folder.name, scan.name, box)
            for region in dashed:
                if not any(overlap(region.box, box) > 0.5 for box in truth):
                    false += 1
                    print("on no stamp", folder.name, scan.name, region.box)
    print(
        f"true stamps {total}: shape_stamps without dashed frames {before}, with {after}; "
        f"dashed finds on no true stamp {false}"
    )


def check_review(folder: Path) -> None:
    hits = false = 0
    for out in sorted((folder / "out").iterdir()):
        if not out.is_dir():
            continue
        scan = out / "p001.ocr.png"
        ink = _ink(scan if scan.exists() else out / "p001.view.jpg")
        metrics = text_metrics(read_words(out / "p001.tsv"), dpi=300)
        regions = json.loads((folder / "regions" / f"{out.name}.json").read_text("utf-8"))
        truth = [Box(*r["box"]) for r in regions if r["type"] == "stamp"]
        for region in _dashed(ink, metrics):
            best = max((iou(region.box, box) for box in truth), default=0.0)
            inside = max((overlap(region.box, box) for box in truth), default=0.0)
            hits += best >= 0.5
            false += inside <= 0.5
            print(out.name, region.box, f"IoU {best:.2f}, inside a stamp {inside:.2f}")
    print(f"dashed finds matching a true stamp {hits}; on no true stamp {false}")


def check_images(paths: list[Path]) -> None:
    for path in paths:
        print(path.name, [r.box for r in _dashed(_ink(path))])


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[0] not in ("synth", "review", "images"):
        raise SystemExit(__doc__)
    paths = [Path(a) for a in argv[1:]]
    if argv[0] == "synth":
        check_synth(paths)
    elif argv[0] == "review":
        for path in paths:
            check_review(path)
    else:
        check_images(paths)


if __name__ == "__main__":
    main(sys.argv[1:])
