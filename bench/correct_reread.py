"""A second reading of a doubtful word's own crop as evidence (issue 18, round 18j): counted
first, on the tuning side only (calibration sets, dev-wide, dev-wide-2).

For each medium or heavy page, the words the shipped correction questions (a suggestion: its
likeliest reading is not what OCR read) and, apart, the words it leaves alone that OCR read
wrong, are cut from the page image the pipeline read (``pNNN.view.jpg``, in the word boxes'
own coordinates), transformed (``--variants``: as is, scaled, thresholded), pasted one under
the other into ONE strip image per page and variant, and read by ONE tesseract call (``rus``,
``--psm 6``, TSV); each word of that reading goes to the crop its box centre falls in.

Each questioned word is aligned one for one to its truth word (a word-level Levenshtein
alignment of the page text and the truth, as ``bench.correct_ceiling``) and counted by what the
second reading does:

- truth read as is (OCR was right): the second reading agrees with it (confirms), agrees with
  another candidate of the correction (**misleads**), or agrees with nothing;
- OCR wrong, truth among the candidates: the second reading is the truth (raises it), is
  another candidate or the word as read (misleads), or agrees with nothing;
- OCR wrong, truth not a candidate: the second reading is the truth (a new candidate), or not.

Words are compared folded (case and ё aside) without their punctuation. The wall time of each
page's tesseract call (strip building included) is recorded too.

No sealed set is read. Run:
  .venv/bin/python -m bench.correct_reread [--sets calibrate,dev] [--variants view,x2,otsu2]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from rapidfuzz.distance import Levenshtein

from bench.bench_correct import evidence
from bench.correct_data import OcrPage, ensure_pages, set_folder
from bench.correct_split import CALIBRATE_SETS, DEV_WIDE, DEV_WIDE_2
from ocr.correct import CorrectionSettings, suggest
from ocr.correct.lexicon import fold

GAP = 24  # blank rows between crops in the strip, in pixels (before scaling)


def core(word: str) -> str:
    return fold(re.sub(r"^\W+|\W+$", "", word))


def aligned_truth(page: OcrPage) -> dict[int, str]:
    """OCR word index -> its truth word, for words aligned one for one (equal or replaced)."""
    read = page.text.split()
    truth = page.truth.split()
    out: dict[int, str] = {}
    for op in Levenshtein.opcodes(read, truth):
        if op.tag == "equal" or (
            op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start
        ):
            for i in range(op.src_end - op.src_start):
                out[op.src_start + i] = truth[op.dest_start + i]
    return out


def _otsu(a: np.ndarray) -> np.ndarray:
    hist = np.bincount(a.ravel(), minlength=256).astype(float)
    total = hist.sum()
    cum = np.cumsum(hist)
    mean = np.cumsum(hist * np.arange(256))
    best, level = -1.0, 128
    for t in range(1, 255):
        w0, w1 = cum[t], total - cum[t]
        if w0 == 0 or w1 == 0:
            continue
        m0, m1 = mean[t] / w0, (mean[-1] - mean[t]) / w1
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, level = between, t
    return np.where(a > level, 255, 0).astype(np.uint8)


def variant_crop(image: Image.Image, box: Sequence[int], variant: str) -> Image.Image:
    left, top, width, height = box
    pad = max(3, height // 5)
    crop = image.crop((left - pad, top - pad, left + width + pad, top + height + pad))
    if variant == "view":
        return crop
    scale = int(variant[-1]) if variant[-1].isdigit() else 1
    if scale != 1:
        crop = crop.resize((crop.width * scale, crop.height * scale), Image.Resampling.BICUBIC)
    if variant.startswith("otsu"):
        crop = Image.fromarray(_otsu(np.asarray(crop)))
    elif variant.startswith("auto"):
        crop = ImageOps.autocontrast(crop, cutoff=1)
    return crop


def strip_read(
    image: Image.Image, boxes: Sequence[Sequence[int]], variant: str, psm: int = 6
) -> list[str]:
    """The second reading of each box: all crops in one strip, one tesseract call."""
    crops = [variant_crop(image, b, variant) for b in boxes]
    if not crops:
        return []
    gap = GAP * (int(variant[-1]) if variant[-1].isdigit() else 1)
    width = max(c.width for c in crops) + 2 * gap
    height = sum(c.height for c in crops) + gap * (len(crops) + 1)
    strip = Image.new("L", (width, height), 255)
    bands = []
    y = gap
    for c in crops:
        strip.paste(c, (gap, y))
        bands.append((y - gap // 2, y + c.height + gap // 2))
        y += c.height + gap
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "strip.png"
        strip.save(path)
        out = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", "rus", "--psm", str(psm), "tsv"],
            capture_output=True,
            text=True,
            check=True,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
        ).stdout
    words: list[list[str]] = [[] for _ in crops]
    for row in csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        mid = int(row["top"]) + int(row["height"]) / 2
        for i, (a, b) in enumerate(bands):
            if a <= mid < b:
                words[i].append(row["text"])
                break
    return [" ".join(w) for w in words]


def page_image(spec_folder: Path, page: OcrPage) -> Image.Image:
    stem = Path(page.name).stem if "." in page.name else page.name
    return Image.open(spec_folder / "pipeline" / stem / "p001.view.jpg").convert("L")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="calibrate,dev")
    parser.add_argument("--variants", default="otsu,otsu2,auto2")
    parser.add_argument("--levels", default="medium,heavy")
    parser.add_argument("--psm", type=int, default=6)
    parser.add_argument("--limit", type=int, default=0, help="pages per set (0: all)")
    args = parser.parse_args(argv)
    specs = []
    for name in args.sets.split(","):
        specs += {"calibrate": list(CALIBRATE_SETS), "dev": [DEV_WIDE, DEV_WIDE_2]}[name]
    variants = args.variants.split(",")
    levels = args.levels.split(",")
    settings = CorrectionSettings()
    tally: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    seconds: dict[str, list[float]] = defaultdict(list)
    for spec in specs:
        group = "calibrate" if spec in CALIBRATE_SETS else "dev"
        pages = [p for p in ensure_pages(spec) if p.level in levels]
        if args.limit:
            pages = pages[: args.limit]
        for page in pages:
            choices, layout = evidence(page)
            found = suggest(page.text, settings=settings, choices=choices, layout=layout)
            spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.text)]
            truth = aligned_truth(page)
            asked: dict[int, tuple[list[str], float]] = {}
            for s in found:
                idx = [i for i, (a, b) in enumerate(spans) if a < s.end and s.start < b]
                if len(idx) == 1:
                    best = s.best
                    asked[idx[0]] = (
                        [core(c.text) for c in s.candidates],
                        best.score if best is not None else 0.0,
                    )
            # words OCR read wrong that the correction leaves alone (one for one to a truth word)
            silent = [
                i
                for i, t in truth.items()
                if i not in asked and core(t) and core(page.text[slice(*spans[i])]) != core(t)
            ]
            image = page_image(set_folder(spec), page)
            for variant in variants:
                order = sorted(asked) + silent
                started = time.perf_counter()
                second = strip_read(
                    image, [page.boxes[i] for i in sorted(asked)], variant, args.psm
                )
                seconds[f"{variant} {page.level}"].append(time.perf_counter() - started)
                second += strip_read(image, [page.boxes[i] for i in silent], variant, args.psm)
                for i, again in zip(order, second, strict=True):
                    t = core(truth[i]) if i in truth else None
                    was = core(page.text[slice(*spans[i])])
                    again = core(again)
                    key = (group, page.level, variant)
                    if i not in asked:
                        tally[key]["silent wrong"] += 1
                        tally[key]["silent wrong, second = truth"] += again == t
                        continue
                    cands, score = asked[i]
                    tally[key]["questioned"] += 1
                    if t is None:
                        tally[key]["no truth word (split/join)"] += 1
                        continue
                    # what agreement could move at the threshold: the best reading's fate
                    applied = score >= settings.threshold
                    right = bool(cands) and cands[0] == t
                    agrees = bool(cands) and again == cands[0]
                    fate = (
                        f"{'right' if right else 'not right'} best "
                        f"{'applied' if applied else 'under the threshold'}, second "
                        f"{'= best' if agrees else '= as read' if again == was else '= other'}"
                    )
                    tally[key][f"decision: {fate}"] += 1
                    if was == t:
                        kind = "read right"
                        tag = (
                            "confirms"
                            if again == t
                            else "misleads"
                            if again in cands
                            else "agrees with nothing"
                        )
                    elif t in cands:
                        kind = "wrong, truth a candidate"
                        best = "best" if cands and cands[0] == t else "lower"
                        tag = (
                            f"second = truth ({best})"
                            if again == t
                            else "misleads"
                            if again in cands or again == was
                            else "agrees with nothing"
                        )
                    else:
                        kind = "wrong, truth no candidate"
                        tag = "second = truth" if again == t else "not the truth"
                    tally[key][kind] += 1
                    tally[key][f"{kind}: {tag}"] += 1
    for key in sorted(tally):
        print(f"## {' / '.join(key)}")
        for name, n in sorted(tally[key].items()):
            print(f"  {name}: {n}")
    print("## seconds per page (strip of the questioned words + one tesseract call)")
    for name, xs in sorted(seconds.items()):
        print(f"  {name}: median {np.median(xs):.3f} max {max(xs):.3f} (n={len(xs)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
