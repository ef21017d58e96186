"""Round 18i, continued: every change on the tuning side whose written first letter's case
differs from the case OCR read, or from the truth's, counted by where the word stands (page or
block start, after a sentence's end, a colon or a quote, first on a line inside a sentence,
inside a line) and by
whether the written case is the truth's. Shipped model and settings, choices and boxes, at the
shipped threshold; the calibration pages (in sample for the posterior) and, with ``--dev``,
bench.correct_split's DEV_WIDE (a whole set held out)."""

from __future__ import annotations

import argparse
from collections import Counter

from bench.bench_correct import evidence, judged_changes
from bench.correct_data import OcrPage, ensure_pages
from bench.correct_split import CALIBRATE_SETS, DEV_WIDE, FIT_SETS
from ocr.correct import Correction, CorrectionSettings
from ocr.correct.engine import all_suggestions, choose, make_page, rewrite
from ocr.correct.lexicon import default_lexicon
from ocr.correct.tokens import chunks


def position(text: str, start: int) -> str:
    """Where the word at ``start`` stands."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i < 0:
        return "page start"
    if text[i] in "\n\f":
        j = i - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] in "\n\f":
            return "block start"
        return "line start after .!?" if text[j] in ".!?" else "line start inside"
    if text[i] in ".!?":
        return "after .!?"
    if text[i] == ":":
        return "after :"
    if text[i] in "\"«„“”'(":
        return "after a quote"
    return "inside"


def first_letter(text: str) -> str:
    return next((c for c in text if c.isalpha()), "")


def case_of(c: str) -> str:
    return "" if not c else ("upper" if c.isupper() else "lower")


def count(pages: list[OcrPage], settings: CorrectionSettings, show: bool = False) -> Counter:
    out: Counter = Counter()
    for p in pages:
        choices, layout = evidence(p)
        found, skipped = all_suggestions(
            make_page(p.text, settings=settings, choices=choices, layout=layout)
        )
        text, changes = rewrite(p.text, choose(found, settings.threshold))
        result = Correction(p.text, text, tuple(changes), settings.threshold)
        for change, (verdict, before, after, truth) in zip(
            changes, judged_changes(p.truth, result), strict=True
        ):
            o, r, t = (case_of(first_letter(x)) for x in (before, after, truth))
            if not r or not t or (o == r and r == t):
                continue
            move = "kept" if o == r else ("raised" if r == "upper" else "lowered")
            where = position(p.text, change.start)
            out[(p.level, move, where, "case right" if r == t else "case wrong", verdict)] += 1
            if show and (verdict != "right" or move == "lowered"):
                said = choices.get(change.start)
                conf = f"{said.conf:.0f}" if said is not None else "-"
                print(
                    f"{p.level} {move} {where} {verdict} conf={conf} score={change.score:.3f}"
                    f" {before!r} -> {after!r} truth {truth!r}",
                    flush=True,
                )
    return out


def truth_capitals(specs: list) -> Counter:
    """(where, capital) over the truths' words that are no name nor capitalised form and no
    sentence start, each distinct page truth once: inside a line, after a colon or an opening
    quote, first on a line."""
    lexicon = default_lexicon()
    out: Counter = Counter()
    seen: set[str] = set()
    for p in (p for s in specs for p in ensure_pages(s)):
        if p.truth in seen:
            continue
        seen.add(p.truth)
        found = chunks(p.truth)
        for prev, c in zip([None, *found], found, strict=False):
            if c.sentence_start or c.letters <= 1 or not c.text.isalpha() or c.text.isupper():
                continue
            if lexicon.capitalised(c.text):
                continue
            where = "line start" if prev is None or prev.line != c.line else "inside"
            before = p.truth[: c.start].rstrip(" \t")[-1:]
            if before == ":":
                where += ", after :"
            elif before and before in '"«„“(':
                where += ", after a quote"
            out[(where, c.text[:1].isupper())] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dev", action="store_true")
    parser.add_argument("--show", action="store_true", help="print each case change not right")
    parser.add_argument(
        "--truths", action="store_true", help="capitals by position in the fit sets' truths"
    )
    args = parser.parse_args(argv)
    if args.truths:
        got = truth_capitals(list(FIT_SETS))
        print("| where (no name, no sentence start) | capital | small | share |")
        print("|---|---|---|---|")
        for where in sorted({w for w, _ in got}):
            yes, no = got[(where, True)], got[(where, False)]
            print(f"| {where} | {yes} | {no} | {yes / (yes + no):.3f} |")
        return 0
    settings = CorrectionSettings()
    specs = [DEV_WIDE] if args.dev else list(CALIBRATE_SETS)
    pages = [p for s in specs for p in ensure_pages(s)]
    got = count(pages, settings, show=args.show)
    print("| level | written case vs OCR's | position | case vs truth | verdict | changes |")
    print("|---|---|---|---|---|---|")
    for key, n in sorted(got.items()):
        print(f"| {' | '.join(key)} | {n} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
