"""The row-by-row order of tabular pages (ocr/order.py) tried on a bench_real run's kept outputs:
each page's words (its p001.tsv) scored as read and re-ordered by each rule of a small grid,
on the real pages of one part of the split (the tuning part to choose the rule).

    .venv/bin/python -m bench.bench_real --split tuning --keep /tmp/keep --out /tmp/r.md
    .venv/bin/python -m bench.learn_order /tmp/keep --split tuning

The guard on the row order's evidence (``min_numbered``, ``max_flow``) is learned from the words
`ocr run` gives the step on tuning pages, their changed copies and spreads made of two tuning
pages (bench/order_cases.py): every case the layout alone would read in rows (its thresholds
off) is scored as read and in rows, beside the guard's two figures:

    .venv/bin/python -m bench.order_cases --out /tmp/order_cases.jsonl
    .venv/bin/python -m bench.learn_order --cases /tmp/order_cases.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.bench_scores import score_page
from bench.common import real_pages
from ocr.order import RULE, OrderRule, flows, layout, numbered, rows_of, table_order
from ocr.records import Box
from ocr.tesseract import Word, read_words, words_to_text

# the layout's own thresholds and the guard off: every page with two lines side by side is put
# in rows
LOOSE = OrderRule(
    min_share=0.0, min_lines=2, min_rows=0, max_width=math.inf, min_numbered=0.0, max_flow=math.inf
)


def kept_tsv(keep: Path, name: str, engine: str = "ocr-run") -> Path | None:
    """The page's TSV in the kept folders of ``engine`` ("ocr-run", or "ocr-run-@main" for the
    baseline's: read before this step)."""
    for folder in sorted(keep.glob(f"{engine}-[0-9]*")):
        for tsv in folder.glob(f"*/{name}/p001.tsv"):
            return tsv
    return None


def _cer(name: str, truth: str, words: Sequence[Word]) -> float:
    score = score_page(name, truth, words_to_text(words).text + "\n").strict
    return score.char_errors / max(1, score.char_total)


def guard_cases(path: Path, rule: OrderRule = RULE) -> int:
    """Every captured case the layout alone would put in rows: its CER as read and in rows, the
    guard's figures, and what the layout rule (``rule`` without the guard) and the guarded rule
    decide; then the separation of the cases that read better in rows (by a point) from those
    that read worse."""
    unguarded = replace(rule, min_numbered=0.0, max_flow=math.inf)
    seen: set[str] = set()
    rows_better: list[tuple[float, float]] = []
    read_better: list[tuple[float, float]] = []
    fired = {"layout": 0, "guarded": 0}
    spreads = {"cases": 0, "layout": 0, "guarded": 0}
    kept_fixes, lost_fixes = [], []
    for line in path.read_text("utf-8").splitlines():
        case = json.loads(line)
        if case["case"] in seen or not case["words"]:
            continue
        seen.add(case["case"])
        words = [
            Word(w["block"], w["par"], w["line"], w["word"], Box(**w["box"]), w["conf"], w["text"])
            for w in case["words"]
        ]
        on_layout = table_order(words, unguarded) is not None
        on_guard = table_order(words, rule) is not None
        if case["kind"] == "spread":
            spreads["cases"] += 1
            spreads["layout"] += on_layout
            spreads["guarded"] += on_guard
        fired["layout"] += on_layout
        fired["guarded"] += on_guard
        loose = table_order(words, LOOSE)
        page = layout(words, rule.baseline)
        if loose is None or page is None:
            continue
        read, in_rows = (
            _cer(case["name"], case["truth"], words),
            _cer(case["name"], case["truth"], loose.words),
        )
        text_rows = rows_of(page.text, page.tolerance)
        figures = (numbered(words, text_rows), flows(words, page.text, text_rows).evidence)
        if in_rows < read - 0.01:
            rows_better.append(figures)
            if on_layout:
                (kept_fixes if on_guard else lost_fixes).append(case["case"])
        elif in_rows > read + 0.01:
            read_better.append(figures)
        print(
            f"{case['case'][:64]:64s} {100 * read:6.2f}% -> {100 * in_rows:6.2f}% in rows; "
            f"numbered {figures[0]:.2f}, flow evidence {figures[1]:+.2f}; layout "
            f"{'rows' if on_layout else 'as read'}, guarded {'rows' if on_guard else 'as read'}"
        )
    for label, group in (("better in rows", rows_better), ("better as read", read_better)):
        if group:
            print(
                f"{len(group)} cases {label}: numbered {min(g[0] for g in group):.2f}-"
                f"{max(g[0] for g in group):.2f}, flow evidence {min(g[1] for g in group):+.2f}"
                f"-{max(g[1] for g in group):+.2f}"
            )
    print(
        f"{len(seen)} cases; put in rows by the layout rule {fired['layout']}, guarded "
        f"{fired['guarded']}; spreads {spreads['cases']}: in rows by the layout rule "
        f"{spreads['layout']}, guarded {spreads['guarded']}; pages the layout rule reads better "
        f"in rows: {len(kept_fixes)} kept, {len(lost_fixes)} lost {lost_fixes}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keep", type=Path, nargs="?")
    parser.add_argument("--cases", type=Path, help="bench.order_cases's JSON lines")
    parser.add_argument("--split", choices=("tuning", "held_out", "all"), default="tuning")
    parser.add_argument("--baselines", type=float, nargs="+", default=[0.5])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.3])
    parser.add_argument("--min-lines", type=int, nargs="+", default=[6])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.2])
    parser.add_argument("--min-rows", type=int, nargs="+", default=[2])
    parser.add_argument("--engine", default="ocr-run", help='or "ocr-run-@main"')
    parser.add_argument("--pages", action="store_true", help="print every page's figures")
    args = parser.parse_args(argv)
    if args.cases is not None:
        return guard_cases(args.cases)
    if args.keep is None:
        parser.error("a kept folder or --cases")
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
