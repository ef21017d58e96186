"""What flags and stamp removal do to accuracy (issue 5's measurements):

A. synthetic stamped pages: CER of the typed lines under stamps, with and without stamp-ink removal;
B. real EHRI pages: page CER with and without the words inside image flags (stamps, handwriting,
   signatures, unrecognised ink), against the ALTO text that transcribes typed lines only.

Run: .venv/bin/python -m bench.bench_flag_effects [--pages 12]
(writes bench/results_flag_effects.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rapidfuzz import fuzz

from bench.common import EHRI, ROOT, run_pipeline

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
DATA = ROOT / "bench" / "data"
IMAGE_FLAGS = ("stamp", "handwriting", "signature", "unrecognised_ink")


def _overlap(a: list[int], b: list[int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def lines_under_stamps(regions_json: Path) -> list[str]:
    """Texts of typed lines that a stamp marked as overlapping the typing covers."""
    page = json.loads(regions_json.read_text(encoding="utf-8"))["pages"][0]
    stamps = [
        r["box"] for r in page["regions"] if r["type"] == "stamp" and r.get("overlaps_typing")
    ]
    return [
        r["text"]
        for r in page["regions"]
        if r["type"] == "typed_line"
        and r["text"].strip()
        and any(_overlap(r["box"], s) for s in stamps)
    ]


def line_errors(line: str, ocr_text: str) -> tuple[int, int]:
    """Errors of one reference line against its best-matching stretch of the OCR text."""
    from ocr.score import character_error_rate

    flat = " ".join(ocr_text.split())
    hit = fuzz.partial_ratio_alignment(line, flat)
    found = flat[hit.dest_start : hit.dest_end] if hit else ""
    return round(character_error_rate(line, found) * len(line)), len(line)


def part_a(pages: int, work: Path) -> list[str]:
    if not (DATA / "manifest.json").exists():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "ocr"),
                "synth",
                "--out",
                str(DATA),
                "--pages",
                "64",
                "--seed",
                "1955",
            ],
            check=True,
        )
    chosen = [
        p for p in sorted(DATA.glob("*-colour-stamped.regions.json")) if lines_under_stamps(p)
    ][:pages]
    scans = [p.with_name(p.name.replace(".regions.json", ".jpg")) for p in chosen]
    rows = ["| stamp ink | pages | lines under stamps | their CER |", "|---|---:|---:|---:|"]
    for removal in (True, False):
        out = work / f"removal-{removal}"
        run_pipeline(scans, out, workers=2, remove_colour_ink=removal)
        errors = total = count = 0
        for regions, scan in zip(chosen, scans, strict=True):
            text = (out / scan.stem / f"{scan.stem}.txt").read_text(encoding="utf-8")
            for line in lines_under_stamps(regions):
                e, n = line_errors(line, text)
                errors, total, count = errors + e, total + n, count + 1
        rows.append(
            f"| {'removed' if removal else 'kept'} | {len(scans)} | {count} | "
            f"{errors / max(total, 1):.2%} ({errors}/{total}) |"
        )
    return rows


def part_b(work: Path) -> list[str]:
    from ocr.detect.stage import load_regions
    from ocr.score import normalise, score_text
    from ocr.tesseract import read_words, words_to_text
    from ocr_synth import alto_text

    out = work / "ehri"
    scans = sorted(EHRI.glob("*.jpg"))
    run_pipeline(scans, out, workers=2, languages="eng")
    rows = [
        "| page | CER, all OCR text | CER, words in image flags left out | words left out |",
        "|---|---:|---:|---:|",
    ]
    for scan in scans:
        ref = normalise(alto_text(scan.with_suffix(".xml")))
        words = read_words(out / scan.stem / "p001.tsv")
        boxes = [
            r.box
            for r in load_regions(out / scan.stem / "p001.regions.json")
            if r.type in IMAGE_FLAGS
        ]
        kept = [
            w
            for w in words
            if not any(
                b.left <= w.box.left + w.box.width / 2 <= b.right
                and b.top <= w.box.top + w.box.height / 2 <= b.bottom
                for b in boxes
            )
        ]
        before = score_text(ref, normalise(words_to_text(words).text)).cer
        after = score_text(ref, normalise(words_to_text(kept).text)).cer
        rows.append(f"| {scan.stem} | {before:.2%} | {after:.2%} | {len(words) - len(kept)} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=12)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-flags-"))
    text = "\n".join(
        [
            "# Flags and stamp removal: effect on accuracy",
            "",
            f"Reproduce: `.venv/bin/python -m bench.bench_flag_effects --pages {args.pages}`.",
            "",
            "## Typed lines under stamps, with and without stamp-ink removal "
            "(synthetic colour pages)",
            "",
            "Lines whose box a stamp overlapping the typing covers (exact boxes from the "
            "generator); each line is scored against its best-matching stretch of the page's OCR.",
            "",
            *part_a(args.pages, work),
            "",
            "## Real EHRI pages: CER with and without the words inside image flags",
            "",
            "The ALTO ground truth transcribes typed lines only, so text read from stamps, "
            "handwriting and letterheads counts as insertions.",
            "",
            *part_b(work),
            "",
        ]
    )
    (ROOT / "bench" / "results_flag_effects.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
