"""Learn which letter read alone before a number is a typewriter's mark (ocr/marks.py) on the
tuning side: the correction split's fit pages (bench/correct_split.py), read by the pipeline,
with their truth; the calibration pages check what was learned. No sealed set is read.

Each single letter the OCR text has standing alone before a number on its line is aligned with
the truth's token before the same number (when the truth has exactly one). A pair (letter read,
token meant) is kept when the letter was aligned at least MIN_SEEN times on the fit pages, the
token meant is no letter (a mark), and it was that token at least MIN_SHARE of the time. The
check applies the pairs to the calibration pages' text with the shipped step (ocr.marks) and
counts character errors and pages made worse.

Run: .venv/bin/python -m bench.learn_marks [--write]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from bench.bench_correct import char_errors
from bench.correct_data import OcrPage, ensure_pages, set_folder
from bench.correct_split import CALIBRATE_SETS, FIT_SETS
from ocr.geometry import Box
from ocr.marks import RULE_FILE, mark_swaps
from ocr.tesseract import Word

LANGUAGE = "rus"  # the correction split's pages are Russian
MIN_SEEN = 5
MIN_SHARE = 0.95
_BEFORE = re.compile(r"(?<!\S)(\S)[ \t]+(\d[\d/.\-]*)")


def aligned(page: OcrPage) -> list[tuple[str, str]]:
    """(letter read, the truth's token before the same number) for each letter the OCR text
    has alone before a number, where the truth has that number once after a token."""
    pairs = []
    for m in _BEFORE.finditer(page.text):
        read, number = m.group(1), m.group(2)
        if not read.isalpha():
            continue
        found = re.findall(r"(\S+)[ \t]+" + re.escape(number) + r"(?!\d)", page.truth)
        if len(found) == 1:
            pairs.append((read, found[0]))
    return pairs


def learn(pages: Sequence[OcrPage]) -> tuple[dict[str, str], dict[str, Counter[str]]]:
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for page in pages:
        for read, meant in aligned(page):
            seen[read][meant] += 1
    kept = {}
    for read, counts in seen.items():
        meant, n = counts.most_common(1)[0]
        total = sum(counts.values())
        if total >= MIN_SEEN and n / total >= MIN_SHARE and not any(c.isalpha() for c in meant):
            kept[read] = meant
    return kept, seen


def applied(text: str, marks: Mapping[str, str]) -> tuple[str, int]:
    """The text with ``marks`` put back by the shipped step (ocr.marks.mark_swaps), each line of
    the text a line of words, and how many words it changed."""
    spans = list(re.finditer(r"\S+", text))
    words, line = [], 0
    for i, m in enumerate(spans):
        line += text.count("\n", spans[i - 1].end() if i else 0, m.start())
        words.append(Word(1, 1, line, i, Box(0, 0, 0, 0), 0.0, m.group()))
    swaps = mark_swaps(words, LANGUAGE, {LANGUAGE: marks})
    for swap in sorted(swaps, key=lambda s: s.index, reverse=True):
        m = spans[swap.index]
        text = text[: m.start()] + swap.after + text[m.end() :]
    return text, len(swaps)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write ocr/data/marks.json")
    parser.add_argument("--read-only", action="store_true", help="the sets already read only")
    args = parser.parse_args(argv)

    def pages_of(sets: Sequence) -> list[OcrPage]:
        usable = [s for s in sets if not args.read_only or (set_folder(s) / "ocr.json").is_file()]
        return [p for spec in usable for p in ensure_pages(spec)]

    fit, check = pages_of(FIT_SETS), pages_of(CALIBRATE_SETS)
    marks, seen = learn(fit)
    for read, counts in sorted(seen.items(), key=lambda kv: -sum(kv[1].values())):
        flag = "kept" if read in marks else ""
        print(f"{read!r}: {dict(counts.most_common(4))} {flag}")
    before = after = worse = better = changed = 0
    for page in check:
        b = char_errors(page.truth, page.text)[0]
        text, n = applied(page.text, marks)
        a = char_errors(page.truth, text)[0] if n else b
        before, after, changed = before + b, after + a, changed + n
        worse, better = worse + (a > b), better + (a < b)
    print(
        f"fit pages {len(fit)}; kept {marks}; calibration pages {len(check)}: character errors "
        f"{before} -> {after}, words changed {changed}, pages better {better}, worse {worse}"
    )
    if args.write:
        rows = [
            {
                "read": read,
                "meant": meant,
                "seen": sum(seen[read].values()),
                "as_meant": seen[read][meant],
            }
            for read, meant in sorted(marks.items())
        ]
        data = {
            "source": "bench/learn_marks.py on the correction split's fit pages "
            f"({len(fit)} pages); checked on its calibration pages: character errors "
            f"{before} -> {after}, pages worse {worse}",
            "before_number": {LANGUAGE: rows},
        }
        RULE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
