"""Pages we do not have, made from the real pages: stock tesseract vs `ocr run` on changed copies
of the held-out real pages (issue 15: "never worse than stock tesseract", checked on scans the
pipeline has never seen), to bench/results_variants.md.

Each variant changes every held-out page of bench/real_split.json (typescript-fr in ``fra``,
EHRI in ``eng``) the way another archive's scanner or another copy of the document would:

- ``180dpi``: scanned at 0.6 of the resolution (area interpolation), JPEG;
- ``bilevel``: a black-and-white scan (Otsu's threshold on the gray page), PNG;
- ``skew``: placed 2 degrees askew on the scanner (edges repeated), JPEG;
- ``frame``: inside a dark scanner bed, 7 % of the page's size on every side (noisy dark gray);
- ``jpeg``: saved again as a JPEG of quality 15 (block artefacts);
- ``faded``: the ink at 55 % of its darkness on yellowed paper (a faded carbon copy).

The pages' typed text and the scoring are bench/bench_real.py's (strict CER of the whole page),
and so are the engines: stock ``tesseract IMG OUT -l LANG txt tsv`` and `ocr run` in a fresh
process with 2 workers and a fresh output folder. Nothing here is tuned: the variants were fixed
before their first run, and their figures are only reported.

Run: .venv/bin/python -m bench.real_variants [--variants 180dpi,bilevel] [--split held_out]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from bench.bench_real import WORSE, Row, is_empty, micro, run_ours, run_stock, score_rows
from bench.common import BENCH, RealPage, export_source, pct, real_pages

RESULTS = BENCH / "results_variants.md"
SEED = 1515  # the noise of the scanner bed


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def lowres(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)


def bilevel(image: np.ndarray) -> np.ndarray:
    _, out = cv2.threshold(_gray(image), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return out


def skew(image: np.ndarray) -> np.ndarray:
    rows, cols = image.shape[:2]
    turn = cv2.getRotationMatrix2D((cols / 2, rows / 2), 2.0, 1.0)
    return cv2.warpAffine(image, turn, (cols, rows), borderMode=cv2.BORDER_REPLICATE)


def frame(image: np.ndarray) -> np.ndarray:
    rows, cols = image.shape[:2]
    pad_r, pad_c = round(0.07 * rows), round(0.07 * cols)
    rng = np.random.default_rng(SEED)
    shape = (rows + 2 * pad_r, cols + 2 * pad_c, *image.shape[2:])
    bed = np.clip(rng.normal(45, 12, shape), 0, 255).astype(np.uint8)
    bed[pad_r : pad_r + rows, pad_c : pad_c + cols] = image
    return bed


def faded(image: np.ndarray) -> np.ndarray:
    colour = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    light = 255.0 - (255.0 - colour.astype(np.float32)) * 0.55
    light *= np.array([0.82, 0.95, 1.0], np.float32)  # yellowed: less blue, a little less green
    return np.clip(light, 0, 255).astype(np.uint8)


# name -> (change, file suffix, imwrite options)
VARIANTS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str, list[int]]] = {
    "180dpi": (lowres, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
    "bilevel": (bilevel, ".png", []),
    "skew": (skew, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
    "frame": (frame, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
    "jpeg": (lambda image: image, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 15]),
    "faded": (faded, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
}


def make_variant(pages: Sequence[RealPage], name: str, folder: Path) -> list[RealPage]:
    """The pages changed by variant ``name``, written to ``folder`` (same names and truth)."""
    change, suffix, options = VARIANTS[name]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for page in pages:
        image = cv2.imread(str(page.image), cv2.IMREAD_COLOR)
        path = folder / f"{page.name}{suffix}"
        cv2.imwrite(str(path), change(image), options)
        out.append(replace(page, image=path, typed_boxes=(), untyped_boxes=()))
    return out


def variant_rows(rows: Sequence[Row], texts: dict[str, dict[str, str]], variant: str) -> str:
    """One table row: micro CER of both engines, their ratio, pages worse/better by a point,
    pages the pipeline left empty where stock read text."""
    stock, ours = micro(rows, "stock tesseract"), micro(rows, "ocr run")
    worse = [r.page.name for r in rows if r.cer["ocr run"] > r.cer["stock tesseract"] + WORSE]
    better = sum(r.cer["ocr run"] < r.cer["stock tesseract"] - WORSE for r in rows)
    empty = sum(
        is_empty(texts["ocr run"].get(r.page.name, ""))
        and not is_empty(texts["stock tesseract"].get(r.page.name, ""))
        for r in rows
    )
    ratio = ours / stock if stock else float("nan")
    return (
        f"| {variant} | {len(rows)} | {pct(stock)} | {pct(ours)} | {ratio:.2f} | {len(worse)} | "
        f"{better} | {empty} |"
    )


def _worse_row(variant: str, row: Row, unchanged: dict[str, float], kept: str) -> str:
    """A page the pipeline reads worse than stock by more than a point, beside stock on the
    unchanged page (a change that makes stock read better shows there) and the reading kept."""
    stock, ours = row.cer["stock tesseract"], row.cer["ocr run"]
    if ours <= stock + WORSE:
        return ""
    points = 100 * (ours - stock)
    before = pct(unchanged[row.page.name]) if row.page.name in unchanged else ""
    return (
        f"| {variant} | {row.page.name} | {before} | {pct(stock)} | {pct(ours)} | {points:+.1f} "
        f"| {kept} |"
    )


def _page_row(variant: str, row: Row, base: str) -> str:
    cer = row.cer
    then = pct(cer[base]) if base else ""
    return (
        f"| {variant} | {row.page.name} | {pct(cer['stock tesseract'])} | {pct(cer['ocr run'])} "
        f"| {then} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--split", choices=("tuning", "held_out", "all"), default="held_out")
    parser.add_argument("--only", nargs="*", default=[], help="page names (substrings)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--baseline", help="also run `ocr run` of this git commit, with a per-page table"
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this folder and keep it (copies, texts, outputs)"
    )
    given = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(given)
    start = time.perf_counter()
    pages = [
        p
        for p in real_pages()
        if args.split in (p.split, "all") and (not args.only or any(s in p.name for s in args.only))
    ]
    table = [
        "| variant | pages | stock tesseract | ocr run | ocr run / stock | worse > 1 pt | "
        "better > 1 pt | empty where stock reads |",
        "|---|---|---|---|---|---|---|---|",
    ]
    worse_pages: list[str] = []
    per_page: list[str] = []
    with (
        contextlib.nullcontext(str(args.keep.resolve()))
        if args.keep
        else tempfile.TemporaryDirectory(prefix="bench-variants-")
    ) as tmp:
        plain = {"stock tesseract": run_stock(pages, Path(tmp) / "unchanged")}
        unchanged = {r.page.name: r.cer["stock tesseract"] for r in score_rows(pages, plain)}
        base = f"ocr run @{args.baseline}" if args.baseline else ""
        source = export_source(args.baseline, Path(tmp) / "base-src") if args.baseline else None
        for variant in args.variants.split(","):
            work = Path(tmp) / variant
            changed = make_variant(pages, variant, work / "scans")
            results = {
                "stock tesseract": run_stock(changed, work / "stock"),
                "ocr run": run_ours(changed, work / "ours", engine="ocr run"),
            }
            if source is not None:
                results[base] = run_ours(changed, work / "base", engine=base, source=source)
            rows = score_rows(changed, results)
            per_page += [_page_row(variant, r, base) for r in rows]
            texts = {e: r.texts for e, r in results.items()}
            table.append(variant_rows(rows, texts, variant))
            info = results["ocr run"].info
            worse_pages += [
                _worse_row(variant, r, unchanged, str(info.get(r.page.name, {}).get("reading", "")))
                for r in rows
            ]
            print(table[-1], flush=True)
    minutes = (time.perf_counter() - start) / 60
    lines = [
        "# Pages we do not have: changed copies of the held-out real pages",
        "",
        "Reproduce: `" + " ".join([".venv/bin/python -m bench.real_variants", *given]) + "` "
        f"({minutes:.1f} min on 2 shared cores). See the module's docstring for the variants; "
        "strict CER of the whole page text, as bench/results_real.md.",
        "",
        *table,
        "",
        "## Pages worse than stock by more than a point",
        "",
        *(
            [
                "| variant | page | stock on the unchanged page | stock tesseract | ocr run | "
                "points | reading kept |",
                "|---|---|---|---|---|---|---|",
            ]
            + [w for w in worse_pages if w]
            if any(worse_pages)
            else ["None."]
        ),
    ]
    if args.baseline:
        lines += [
            "",
            f"## Every page, beside `ocr run` at {args.baseline} (same run)",
            "",
            f"| variant | page | stock tesseract | ocr run | ocr run @{args.baseline} |",
            "|---|---|---|---|---|",
            *per_page,
        ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
