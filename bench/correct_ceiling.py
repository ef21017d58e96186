"""How much of a page's character errors any word-level corrector could remove, and where the
shipped correction loses the rest (issue 18), on the tuning side's calibration pages only.

The ceiling: every OCR word aligned one for one to a truth word (a word-level Levenshtein
alignment of the two texts) that is at most two edits from it (case aside) is replaced by the
truth word, with the page's blanks and line breaks kept; "known" counts only truth words the
correction's lexicon knows (what a corrector drawing its candidates from the lexicon could
write). The losses: each such word of the ceiling, by what `ocr.correct.suggest` makes of it
(its truth the best reading at or over the threshold, under it, among the other readings, not a
reading; no suggestion for the word at all, whether the word as read is itself a known word).

No sealed set is read. Run: .venv/bin/python -m bench.correct_ceiling [--levels medium,heavy]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from bench.bench_correct import char_errors, evidence
from bench.correct_data import OcrPage, ensure_pages
from bench.correct_split import CALIBRATE_SETS, DEV_WIDE, DEV_WIDE_2
from ocr.correct import CorrectionSettings, Lexicon, Suggestion, apply, default_lexicon, suggest
from ocr.correct.lexicon import fold

MAX_EDITS = 2
OUTCOMES = (
    "best, applied",
    "best, under the threshold",
    "among the other readings",
    "not a reading",
    "no suggestion, read as a known word",
    "no suggestion, read as an unknown word",
)


def _core(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word)


def fixable(page: OcrPage, lexicon: Lexicon | None) -> list[tuple[int, int, str]]:
    """(start, end, truth word) of each OCR word a word-level corrector could set right: one
    for one against a truth word at most MAX_EDITS edits away, case aside (a truth word the
    lexicon knows, when ``lexicon`` is given)."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", page.text)]
    read = [page.text[a:b] for a, b in spans]
    truth = page.truth.split()
    out = []
    for op in Levenshtein.opcodes(read, truth):
        if op.tag != "replace" or op.src_end - op.src_start != op.dest_end - op.dest_start:
            continue
        for i in range(op.src_end - op.src_start):
            was, right = _core(read[op.src_start + i]), _core(truth[op.dest_start + i])
            if not right or was == right or (lexicon is not None and not lexicon.known(right)):
                continue
            if Levenshtein.distance(fold(was), fold(right)) <= MAX_EDITS:
                a, b = spans[op.src_start + i]
                out.append((a, b, truth[op.dest_start + i]))
    return out


def replaced(text: str, fixes: Sequence[tuple[int, int, str]]) -> str:
    """``text`` with each span replaced by its word, blanks and line breaks kept."""
    parts, last = [], 0
    for a, b, word in sorted(fixes):
        parts += [text[last:a], word]
        last = b
    return "".join(parts) + text[last:]


def outcome(
    page: OcrPage, span: tuple[int, int, str], found: Sequence[Suggestion], lexicon: Lexicon
) -> str:
    a, b, word = span
    hit = [s for s in found if s.start < b and a < s.end]
    if not hit:
        known = lexicon.known(_core(page.text[a:b]))
        return OUTCOMES[4] if known else OUTCOMES[5]
    readings = [_core(c.text) for c in hit[0].candidates]
    right = _core(word)
    if readings and readings[0] == right:
        best = hit[0].best
        assert best is not None
        return OUTCOMES[0] if best.score >= CorrectionSettings().threshold else OUTCOMES[1]
    return OUTCOMES[2] if right in readings else OUTCOMES[3]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--levels", default="medium,heavy")
    parser.add_argument(
        "--dev", action="store_true", help="dev-wide and dev-wide-2 instead (round 18i, continued)"
    )
    args = parser.parse_args(argv)
    levels = args.levels.split(",")
    lexicon, settings = default_lexicon(), CorrectionSettings()
    errors: dict[str, Counter[str]] = defaultdict(Counter)
    words: dict[str, Counter[str]] = defaultdict(Counter)
    for spec in (DEV_WIDE, DEV_WIDE_2) if args.dev else CALIBRATE_SETS:
        for page in ensure_pages(spec):
            if page.level not in levels:
                continue
            choices, layout = evidence(page)
            tally = errors[page.level]
            tally["chars"] += char_errors(page.truth, page.text)[1]
            tally["read"] += char_errors(page.truth, page.text)[0]
            every, known = fixable(page, None), fixable(page, lexicon)
            tally["ceiling"] += char_errors(page.truth, replaced(page.text, every))[0]
            tally["ceiling known"] += char_errors(page.truth, replaced(page.text, known))[0]
            result = apply(page.text, settings=settings, choices=choices, layout=layout)
            tally["corrected"] += char_errors(page.truth, result.text)[0]
            found = suggest(page.text, settings=settings, choices=choices, layout=layout)
            for span in known:
                words[page.level][outcome(page, span, found, lexicon)] += 1
    print(
        "| level | chars | errors as read | shipped correction "
        "| ceiling, known truth words | ceiling, any truth word |"
    )
    print("|---|---|---|---|---|---|")
    for level in levels:
        t = errors[level]
        cut = {k: 1 - t[k] / max(t["read"], 1) for k in ("corrected", "ceiling known", "ceiling")}
        print(
            f"| {level} | {t['chars']} | {t['read']} | {cut['corrected']:+.1%} "
            f"| {cut['ceiling known']:+.1%} | {cut['ceiling']:+.1%} |"
        )
    print()
    head = "| what suggest makes of a word of the ceiling (known truth) | "
    print(head + " | ".join(levels) + " |")
    print("|---|" + "---|" * len(levels))
    for name in OUTCOMES:
        print(f"| {name} | " + " | ".join(str(words[lv][name]) for lv in levels) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
