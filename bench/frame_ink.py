"""Ink the page frame leaves out: synthetic truth regions not wholly inside the OCR frame."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import cv2

from bench.bench_review import TUNE_SEED, review_set
from ocr.preprocess import frame_page

# Region kinds that carry ink a reader needs (folds, holes and underlines do not count).
INK_TYPES = ("typed_line", "stamp", "handwriting", "signature")
# Pixels a region may stick out of the frame before it counts as cut.
SLACK = 3


@dataclass(frozen=True)
class CutRegion:
    """A truth region reaching beyond the page's OCR frame, by how many pixels at most."""

    page: str
    kind: str
    text: str
    beyond: int


def cut_regions(scan: Path, regions: Path) -> list[CutRegion]:
    """The ink regions of ``scan`` (its ``ocr synth`` region file) that its frame cuts."""
    image = cv2.imread(str(scan), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"cannot read {scan}: remake the review set")
    geometry = frame_page(image, page_frame=True).geometry
    rows, cols = geometry.frame_size
    out = []
    for region in json.loads(regions.read_text(encoding="utf-8")):
        if region["type"] not in INK_TYPES:
            continue
        points = geometry.points_to_frame([tuple(p) for p in region["polygon"]])
        xs, ys = [x for x, _ in points], [y for _, y in points]
        beyond = max(-min(xs), -min(ys), max(xs) - cols, max(ys) - rows)
        if beyond > SLACK:
            text = region.get("text", "")[:20]
            out.append(CutRegion(scan.stem, region["type"], text, round(beyond)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=48, help="pages of the tuning review set")
    args = parser.parse_args()
    folder = review_set(TUNE_SEED, args.pages)
    cut: list[CutRegion] = []
    for scan in sorted((folder / "scans").glob("*.jpg")):
        cut += cut_regions(scan, folder / "regions" / f"{scan.stem}.json")
    for c in cut:
        print(f"{c.page}\t{c.kind}\t{c.text!r}\t{c.beyond} px beyond the frame")
    print(f"{len(cut)} ink region(s) cut by the page frame (seed {TUNE_SEED}, {args.pages} pages)")


if __name__ == "__main__":
    main()
