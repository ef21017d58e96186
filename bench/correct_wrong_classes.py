"""Round 18j: which applied changes (at the shipped threshold, medium and heavy pages) are not
right, by three properties read from the page without its truth, on the calibration sets and
on dev-wide + dev-wide-2 (tuning side only; no sealed set is read):

- ``--by ending``: the best reading only rewrites the word's last one or two letters, and
  another reading weighed is another ending of the same stem (``повторног``: ``повторное`` or
  ``повторной``);
- ``--by width``: the reading's length against its word box's width in character widths
  (typewriter letters are all one width);
- ``--by gap``: the narrower of the blanks between the word's box and its neighbours', in
  character widths (a word space is about one).

"Not right" is the best reading differing from the aligned truth word (partial changes too).
The counts of results_correct.md's round 18j were made at commit 0fca6bd (the calibration
before round 18j's refit). Run: .venv/bin/python -m bench.correct_wrong_classes --by gap
"""

from __future__ import annotations

import argparse
import re
import statistics
from collections import Counter

from bench.bench_correct import evidence
from bench.correct_data import OcrPage, ensure_pages
from bench.correct_reread import aligned_truth, core
from bench.correct_split import CALIBRATE_SETS, DEV_WIDE, DEV_WIDE_2
from ocr.correct import CorrectionSettings, Suggestion, suggest


def _rival(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return False
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 3 and max(len(a), len(b)) - n <= 2


def _bucket(by: str, page: OcrPage, s: Suggestion, i: int, spans: list, lay, pitch: float) -> str:
    best = s.best
    assert best is not None
    if by == "ending":
        rival = any(_rival(core(best.text), core(o.text)) for o in s.candidates[1:])
        end = _rival(core(best.text), core(s.original))
        return f"{'rival' if rival else '-'} {'end-edit' if end else '-'}"
    if by == "width":
        d = len(best.text) - page.boxes[i][2] / pitch
        return "<-2" if d < -2 else "-2..-1" if d < -0.75 else "~0" if d <= 0.75 else ">+1"
    a, e = spans[i]
    gaps = [g for g in (lay.gaps.get(a - 1), lay.gaps.get(e)) if g is not None]
    if not gaps:
        return "none"
    g = min(gaps)
    return "<0.3" if g < 0.3 else "<0.6" if g < 0.6 else "<0.9" if g < 0.9 else ">=0.9"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--by", choices=("ending", "width", "gap"), default="gap")
    args = parser.parse_args(argv)
    settings = CorrectionSettings()
    for group, specs in (("calibrate", CALIBRATE_SETS), ("dev", (DEV_WIDE, DEV_WIDE_2))):
        counts: Counter[tuple[str, str, str]] = Counter()
        for spec in specs:
            for page in ensure_pages(spec):
                if page.level not in ("medium", "heavy"):
                    continue
                choices, layout = evidence(page)
                words = page.text.split()
                spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.text)]
                sized = [b[2] / len(w) for w, b in zip(words, page.boxes, strict=False)]
                pitch = statistics.median(
                    [x for x, w in zip(sized, words, strict=False) if len(w) >= 4 and w.isalpha()]
                    or [1.0]
                )
                truth = aligned_truth(page)
                for s in suggest(page.text, settings=settings, choices=choices, layout=layout):
                    if s.best is None or s.best.score < settings.threshold:
                        continue
                    if args.by == "gap" and " " in s.original:
                        continue  # a join's own blank is what it mends
                    idx = [k for k, (a, b) in enumerate(spans) if a < s.end and s.start < b]
                    if len(idx) != 1:
                        continue
                    i = idx[0]
                    if args.by == "ending" and i not in truth:
                        continue  # judged against an aligned truth word only
                    right = i in truth and core(truth[i]) == core(s.best.text)
                    key = _bucket(args.by, page, s, i, spans, layout, pitch)
                    counts[(page.level, key, "right" if right else "not right")] += 1
        for key in sorted(counts):
            print(group, *key, counts[key], sep=" | ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
