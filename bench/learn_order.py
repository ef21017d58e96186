"""The row-by-row order of tabular pages (ocr/order.py) tried on a bench_real run's kept outputs:
each page's words (its p001.tsv) scored as read and re-ordered by each rule of a small grid,
on the real pages of one part of the split (the tuning part to choose the rule).

    .venv/bin/python -m bench.bench_real --split tuning --keep /tmp/keep --out /tmp/r.md
    .venv/bin/python -m bench.learn_order /tmp/keep --split tuning
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from pathlib import Path

from bench.bench_scores import score_page
from bench.common import real_pages
from ocr.order import OrderRule, layout, table_order
from ocr.tesseract import read_words, words_to_text


def kept_tsv(keep: Path, name: str, engine: str = "ocr-run") -> Path | None:
    """The page's TSV in the kept folders of ``engine`` ("ocr-run", or "ocr-run-@main" for the
    baseline's: read before this step)."""
    for folder in sorted(keep.glob(f"{engine}-[0-9]*")):
        for tsv in folder.glob(f"*/{name}/p001.tsv"):
            return tsv
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keep", type=Path)
    parser.add_argument("--split", choices=("tuning", "held_out", "all"), default="tuning")
    parser.add_argument("--baselines", type=float, nargs="+", default=[0.5])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.3])
    parser.add_argument("--min-lines", type=int, nargs="+", default=[6])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.2])
    parser.add_argument("--min-rows", type=int, nargs="+", default=[2])
    parser.add_argument("--engine", default="ocr-run", help='or "ocr-run-@main"')
    parser.add_argument("--pages", action="store_true", help="print every page's figures")
    args = parser.parse_args(argv)
    pages = []
    for page in real_pages():
        if args.split not in (page.split, "all"):
            continue
        tsv = kept_tsv(args.keep, page.name, args.engine)
        if tsv is not None:
            pages.append((page, tuple(read_words(tsv))))
    total = sum(score_page(p.name, p.truth, "x").strict.char_total for p, _ in pages)
    base = {
        p.name: score_page(p.name, p.truth, words_to_text(w).text + "\n").strict.char_errors
        for p, w in pages
    }
    print(f"{len(pages)} pages, {total} reference characters, {sum(base.values())} errors as read")
    grid = itertools.product(
        args.baselines, args.shares, args.min_lines, args.widths, args.min_rows
    )
    for b, s, n, width, rows in grid:
        rule = OrderRule(baseline=b, min_share=s, min_lines=n, max_width=width, min_rows=rows)
        errors, changed, worse = 0, [], []
        for page, words in pages:
            order = table_order(words, rule)
            if order is None:
                errors += base[page.name]
                continue
            text = words_to_text(order.words).text + "\n"
            e = score_page(page.name, page.truth, text).strict.char_errors
            errors += e
            changed.append(f"{page.name.split('__')[-1]} {base[page.name]}->{e}")
            if e > base[page.name]:
                worse.append(page.name)
        gain = errors - sum(base.values())
        print(
            f"baseline {b} share {s} lines {n} width {width} rows {rows}: {errors} errors "
            f"({gain:+d})"
            f", {len(changed)} pages changed, {len(worse)} worse: {'; '.join(changed)}"
        )
    if args.pages:
        for page, words in pages:
            seen = layout(words)
            if seen is not None:
                print(
                    f"{page.name}: {len(seen.text)} lines of text, {seen.shared_lines} beside, "
                    f"share {seen.share:.2f}, median width {seen.width:.2f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
