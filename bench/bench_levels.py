"""Synthetic pages of some degradation levels of the bench set: raw tesseract vs `ocr run` (vs a
baseline commit's `ocr run`), page by page, strict CER as bench/results.md scores it.

Run from the project root:
  .venv/bin/python -m bench.bench_levels [--levels heavy,medium] [--baseline REV] [--data DIR]
  [--ocrmypdf]

The set is the benchmark's (``ocr synth --pages 64 --seed 1955``; bench.run_bench makes the same
files), of which the first 48 pages are benchmarked there; the same pages are taken here. Raw
tesseract is ``tesseract IMG - -l rus``; every `ocr run` runs in a fresh process with 2 workers
and a fresh output folder (bench.bench_real.run_pipeline_process).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.bench_engines import run_ocrmypdf, run_tesseract
from bench.bench_real import EngineResult, run_pipeline_process
from bench.bench_scores import score_page
from bench.common import export_source
from bench.run_bench import DATA, ensure_set, load_pages

BENCHMARKED = 48


def run(
    levels: Sequence[str], *, data: Path, baseline: str | None, work: Path, ocrmypdf: bool = False
) -> tuple[list, dict[str, dict[str, str]], dict[str, EngineResult]]:
    """The chosen pages and every engine's text of each, and our `ocr run`'s provenance."""
    manifest = ensure_set(data, pages=64, seed=1955, workers=2)
    pages = [p for p in load_pages(data, manifest)[:BENCHMARKED] if p.level in levels]
    images = {p.name: p.image for p in pages}
    texts = {"raw tesseract": run_tesseract(images, engine="raw tesseract").texts}
    runs = {
        "ocr run": run_pipeline_process(images, work / "ours", engine="ocr run", language="rus")
    }
    if baseline:
        source = export_source(baseline, work / "baseline-src")
        name = f"ocr run @{baseline}"
        runs[name] = run_pipeline_process(
            images, work / "base", engine=name, language="rus", source=source
        )
    texts |= {engine: r.texts for engine, r in runs.items()}
    if ocrmypdf:
        (work / "ocrmypdf").mkdir(parents=True, exist_ok=True)
        texts["OCRmyPDF"] = run_ocrmypdf(images, work=work / "ocrmypdf").texts
    return pages, texts, runs


def table(pages: Sequence, texts: dict[str, dict[str, str]], runs: dict[str, EngineResult]) -> None:
    """Per page and per level: strict CER of each engine, the reading kept, tesseract calls."""
    engines = list(texts)
    print("| page | " + " | ".join(engines) + " | reading kept | tesseract calls |")
    print("|---" * (len(engines) + 3) + "|")
    totals: dict[tuple[str, str], list[int]] = {}
    for page in pages:
        cells = []
        for engine in engines:
            score = score_page(page.name, page.truth, texts[engine].get(page.name, "")).strict
            row = totals.setdefault((page.level, engine), [0, 0])
            row[0] += score.char_errors
            row[1] += score.char_total
            cells.append(f"{score.cer:.2%}")
        info = runs["ocr run"].info.get(page.name, {})
        print(
            f"| {page.name} | " + " | ".join(cells) + f" | {info.get('reading', '')} | "
            f"{info.get('tesseract_calls', '')} |"
        )
    print("\n| level | " + " | ".join(engines) + " | ocr run / raw |")
    print("|---" * (len(engines) + 2) + "|")
    for level in dict.fromkeys(p.level for p in pages):
        cer = {e: totals[(level, e)][0] / max(1, totals[(level, e)][1]) for e in engines}
        ratio = cer["ocr run"] / cer["raw tesseract"]
        print(f"| {level} | " + " | ".join(f"{cer[e]:.2%}" for e in engines) + f" | {ratio:.2f} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="heavy,medium")
    parser.add_argument("--baseline", help="also run `ocr run` of this git commit")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--keep", type=Path, help="keep every engine's outputs in this folder")
    parser.add_argument("--ocrmypdf", action="store_true", help="also OCRmyPDF --deskew --clean")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-levels-") as tmp:
        work = args.keep or Path(tmp)
        pages, texts, runs = run(
            args.levels.split(","),
            data=args.data,
            baseline=args.baseline,
            work=work,
            ocrmypdf=args.ocrmypdf,
        )
        table(pages, texts, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
