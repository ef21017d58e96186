"""Learn when a page's swap of one letter for another is undone (ocr/reletter.py) on the tuning
side: the correction split's fit and calibration pages (bench/correct_split.py; the faces
include a bold one), read by the pipeline with their truth. No sealed set is read.

For each rule of the grid (least words the swap explains, least share of the unknown words
holding its letter), every page's text as the pipeline read it is relettered and scored against
its truth. The rule kept makes no page worse (character errors) and then has the fewest errors.

Run: .venv/bin/python -m bench.learn_reletter [--write]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import asdict

from bench.bench_correct import char_errors
from bench.correct_data import OcrPage, ensure_pages, set_folder
from bench.correct_split import CALIBRATE_SETS, FIT_SETS
from ocr.reletter import RULE_FILE, SwapRule, page_swaps

MIN_WORDS = (2, 3, 4, 5, 6, 8)
MIN_SHARE = (0.0, 0.1, 0.2, 0.3, 0.5)


def relettered(page: OcrPage, rule: SwapRule) -> tuple[str, list[tuple[str, str]]]:
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.text)]
    words = [page.text[a:b] for a, b in spans]
    swaps, _ = page_swaps(words, ("ru",), rule)
    text = page.text
    for s in sorted(swaps, key=lambda s: s.index, reverse=True):
        a, b = spans[s.index]
        text = text[:a] + s.after + text[b:]
    return text, [(s.before, s.after) for s in swaps]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write the rule kept")
    parser.add_argument("--read-only", action="store_true", help="the sets already read only")
    args = parser.parse_args(argv)
    sets = [
        s
        for s in (*FIT_SETS, *CALIBRATE_SETS)
        if not args.read_only or (set_folder(s) / "ocr.json").is_file()
    ]
    pages = [p for spec in sets for p in ensure_pages(spec)]
    before = [char_errors(p.truth, p.text)[0] for p in pages]
    total = sum(before)
    print(f"{len(pages)} pages, {total} character errors as read")
    rows = []
    for words, share in itertools.product(MIN_WORDS, MIN_SHARE):
        rule = SwapRule(min_words=words, min_share=share)
        errors, worse, better, changed = 0, 0, 0, 0
        for p, b in zip(pages, before, strict=True):
            text, swaps = relettered(p, rule)
            e = char_errors(p.truth, text)[0] if swaps else b
            errors += e
            worse += e > b
            better += e < b
            changed += len(swaps)
        rows.append((worse, errors, rule, better, changed))
        print(
            f"min_words {words} min_share {share}: errors {errors} ({total - errors:+d} fixed), "
            f"pages better {better}, worse {worse}, words changed {changed}",
            flush=True,
        )
    worse, errors, rule, better, changed = min(rows, key=lambda r: (r[0], r[1], -r[2].min_words))
    print(f"kept: {rule} (errors {errors}, pages worse {worse}, better {better})")
    if args.write:
        RULE_FILE.write_text(json.dumps(asdict(rule), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
