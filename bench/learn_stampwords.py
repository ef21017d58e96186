"""A stamp's own words (issue 15, ocr.detect.stampwords): learn the margin of its rule on tuning
pages and write ocr/data/stampwords.json with its provenance.

Pages: as bench.learn_junk takes them (the review set of seed 2101, ``ocr synth`` pages with
stamps over typed lines and exact ground truth that leaves the stamps' text out; the real pages
of the tuning part of bench/real_split.json as a ``bench.bench_real --split tuning --keep
FOLDER`` run read them), with the words the run took out put back, the junk the shipped junk
model drops dropped (as the pipeline does before this step), the stamps, handwriting and
signatures the run found (each page's regions.json).

The rule's one figure, ``margin`` (typed heights around the typed column's left margin within
which a stamp line stays in the body), is chosen as learn_junk chooses its thresholds: the
lowest margin from which on (at it and every higher one tried) no tuning page reads worse by
more than MAX_WORSE (strict CER, the page's text less the junk and the stamp's words, against
the text less the junk alone) and no word of a synthetic page that holds a letter of its truth
("real", bench.learn_specks.word_labels) leaves the body; MARGIN is added to it. No held-out
page is read.

Then ``agree`` (the least agreement of a stamp line's words with their stamp's own reading, see
ocr.detect.stampwords), with the margin chosen: the lowest agreement from which on no tuning page
reads worse by more than AGREE_WORSE (half of MAX_WORSE: typed text under a stamp, which the
reference holds, costs its page its word when it leaves the body, synth-027-carbon's "арслво."
0.14 points; a stamp's own wording, which the reference leaves out, costs at most what a chance
alignment of its characters gave, synth-033-carbon's stamp date "-1956" 0.07) and no real word
leaves the body, plus AGREE_MARGIN. The stamps' readings are those of the run (each stamp's
``stamp_text`` in regions.json, less the lines a run of this step added to it).

``--cross`` checks it out of sample: two folds (seeded), the margin chosen on one, applied to
the other.

Run: .venv/bin/python -m bench.learn_stampwords --real FOLDER [--work DIR] [--write] [--cross]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.bench_review import WORK
from bench.bench_scores import score_page
from bench.common import ROOT, real_pages
from bench.learn_junk import ON_LINE, TUNE, _inside, _words
from bench.learn_specks import REAL, word_labels
from ocr.detect.junk import MARK_TYPES, junk_indices, junk_model
from ocr.detect.regions import Region
from ocr.detect.stage import load_regions
from ocr.detect.stampwords import RULE_FILE, Candidates, StampRule, candidates, chosen
from ocr.records import Box
from ocr.score import normalise
from ocr.tesseract import Word, words_to_text

MAX_WORSE = 0.002  # strict CER: no tuning page worse by more than 0.2 points
MARGIN = 0.5  # typed heights added to the lowest margin that holds
GRID = tuple(round(0.25 * k, 2) for k in range(0, 25))  # 0 .. 6 typed heights
AGREE_WORSE = 0.001  # strict CER: for the agreement, no tuning page worse by more than 0.1 points
AGREE_MARGIN = 0.05
AGREE_GRID = tuple(round(0.05 * k, 2) for k in range(0, 21))  # 0 .. 1


@dataclass
class Page:
    """One tuning page: its words after the junk drop, its normalised reference, its kind, each
    word's label and where it lies, and its stamp lines (ocr.detect.stampwords.candidates)."""

    name: str
    kind: str
    words: list[Word]
    truth: str
    labels: list[str]
    where: list[str]
    found: Candidates
    base: float = 0.0

    def cer(self, drop: set[int]) -> float:
        text = words_to_text([w for i, w in enumerate(self.words) if i not in drop]).text
        return score_page(self.name, self.truth, text).strict.cer


def _page(name: str, kind: str, languages: str, tsv: Path, truth: str, where_of) -> Page | None:
    words = _words(tsv)
    path = tsv.with_name(tsv.name.replace(".tsv", ".regions.json"))
    regions = load_regions(path) if path.is_file() else []
    stamps = [r.box for r in regions if r.type == "stamp"]
    readings = [own_reading(r) for r in regions if r.type == "stamp"]
    if not stamps:
        return None
    marks = [r.box for r in regions if r.type in MARK_TYPES]
    junk = set(junk_indices(words, languages, junk_model(), marks))
    words = [w for i, w in enumerate(words) if i not in junk]
    truth = normalise(truth)
    page = Page(
        name,
        kind,
        words,
        truth,
        word_labels(words, truth),
        [where_of(w) for w in words],
        candidates(words, languages, stamps, marks, readings),
    )
    page.base = page.cer(set())
    return page


def own_reading(region: Region) -> str:
    """The stamp's own reading as the step finds it: its ``stamp_text`` less the lines a run of
    the step added (named in its reason: 'read on the page: "A / B"')."""
    text = region.stamp_text or ""
    added = re.search(r'read on the page: "(.*)"$', region.reason)
    if added and text:
        k = len(added.group(1).split(" / "))
        text = "\n".join(text.split("\n")[:-k])
    return text


def tuning_pages(work: Path, real: Path | None, tune: Sequence[str] = TUNE) -> list[Page]:
    """The stamped tuning pages (synthetic, then real)."""
    out = []
    for name in tune:
        for tsv in sorted((work / name / "out").glob("*/p001.tsv")):
            truth = (work / name / "truth" / f"{tsv.parent.name}.txt").read_text(encoding="utf-8")
            page = _page(f"{name}/{tsv.parent.name}", "synthetic", "rus", tsv, truth, _on)
            if page is not None:
                out.append(page)
    for rp in (p for p in real_pages() if p.split == "tuning" and real is not None):
        assert real is not None
        tsvs = sorted(real.glob(f"ocr-run-*/{rp.language}/{rp.name}/p001.tsv"))
        if not tsvs:
            continue
        typed = [Box(*b) for b in rp.typed_boxes]
        grow = 1.0 if rp.corpus == "ehri" else 0.0

        def where(w: Word, typed: list[Box] = typed, grow: float = grow) -> str:
            return ON_LINE if any(_inside(w, b, grow) for b in typed) else "off"

        page = _page(f"real/{rp.name}", rp.corpus, rp.language, tsvs[0], rp.truth, where)
        if page is not None:
            out.append(page)
    return out


def _on(word: Word) -> str:
    return ON_LINE


def evaluate(pages: Sequence[Page], margin: float, agree: float | None = None) -> dict[str, object]:
    """What the rule with ``margin`` (and ``agree``) does on the pages: the worst page against
    the junk alone, the real words of synthetic pages it moves, the characters of each kind
    before and after."""
    worst, worst_page, real_moved = 0.0, "", []
    chars: dict[str, tuple[float, float, int]] = {}
    for p in pages:
        drop = set(chosen(p.found, StampRule(margin, agree=agree)))
        after = p.cer(drop) if drop else p.base
        if after - p.base > worst:
            worst, worst_page = after - p.base, p.name
        if p.kind == "synthetic":
            real_moved += [p.words[i].text for i in drop if p.labels[i] == REAL]
        n = len(p.truth)
        before_errors, after_errors, total = chars.get(p.kind, (0.0, 0.0, 0))
        chars[p.kind] = (before_errors + p.base * n, after_errors + after * n, total + n)
    return {
        "margin": margin,
        "agree": agree,
        "worst": worst,
        "worst_page": worst_page,
        "real_moved": real_moved,
        "cer": {k: (b / max(1, n), a / max(1, n)) for k, (b, a, n) in chars.items()},
    }


def holds(e: dict[str, object]) -> bool:
    limit = MAX_WORSE if e.get("agree") is None else AGREE_WORSE
    return float(e["worst"]) <= limit and not e["real_moved"]  # type: ignore[arg-type]


def choose_margin(pages: Sequence[Page]) -> tuple[float | None, list[str]]:
    """The lowest margin of GRID from which every higher one holds, plus MARGIN (None: none
    holds at the top of the grid, the rule stays off), and a line per margin tried."""
    results = [evaluate(pages, m) for m in GRID]
    lines = [_line(e) for e in results]
    lowest = None
    for e in reversed(results):
        if not holds(e):
            break
        lowest = float(e["margin"])  # type: ignore[arg-type]
    return (None if lowest is None else lowest + MARGIN), lines


def choose_agree(pages: Sequence[Page], margin: float) -> tuple[float | None, list[str]]:
    """With ``margin``, the lowest agreement of AGREE_GRID from which every higher one holds
    (no page worse by more than AGREE_WORSE), plus AGREE_MARGIN (None: none holds, the rule
    moves nothing: written as above 1), and a line per agreement tried."""
    results = [evaluate(pages, margin, a) for a in AGREE_GRID]
    lines = [_line(e) for e in results]
    lowest = None
    for e in reversed(results):
        if not holds(e):
            break
        lowest = float(e["agree"])  # type: ignore[arg-type]
    return (None if lowest is None else round(lowest + AGREE_MARGIN, 2)), lines


def _line(e: dict[str, object]) -> str:
    cer = e["cer"]
    assert isinstance(cer, dict)
    kinds = ", ".join(f"{k} {b:.2%} -> {a:.2%}" for k, (b, a) in sorted(cer.items()))
    return (
        f"margin {e['margin']}, agree {e.get('agree')}: "
        f"{'holds' if holds(e) else 'fails'}; worst page "
        f"+{float(e['worst']):.2%} ({e['worst_page'] or '-'}); real words moved "  # type: ignore[arg-type]
        f"{e['real_moved']}; {kinds}"
    )


def cross_check(pages: Sequence[Page], seed: int = 3) -> list[str]:
    """Two folds: the margin chosen on one, evaluated on the other."""
    order = list(pages)
    random.Random(seed).shuffle(order)
    folds = (order[0::2], order[1::2])
    out = []
    for k, (fit, test) in enumerate((folds, folds[::-1])):
        margin, _ = choose_margin(fit)
        if margin is None:
            out.append(f"fold {k}: no margin holds on its {len(fit)} pages")
            continue
        agree, _ = choose_agree(fit, margin)
        out.append(
            f"fold {k} ({len(fit)} pages) chooses {margin}, agree {agree}; on the other: "
            + _line(evaluate(test, margin, agree))
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, help="a bench.bench_real --keep folder (tuning)")
    parser.add_argument("--work", type=Path, default=WORK, help="where the review sets are")
    parser.add_argument("--tune", default=",".join(TUNE), help="review sets to fit on")
    parser.add_argument("--write", action="store_true", help="write ocr/data/stampwords.json")
    parser.add_argument("--cross", action="store_true", help="check out of sample (two folds)")
    parser.add_argument("--show", action="store_true", help="list each page's stamp lines")
    args = parser.parse_args(argv)
    pages = tuning_pages(args.work, args.real, args.tune.split(","))
    lines_found = sum(len(p.found.lines) for p in pages)
    print(f"{len(pages)} stamped pages, {lines_found} stamp lines")
    margin, lines = choose_margin(pages)
    print("\n".join(lines))
    print(f"chosen margin: {margin}")
    agree = None
    if margin is not None:
        agree, agree_lines = choose_agree(pages, margin)
        print("\n".join(agree_lines))
        print(f"chosen agreement: {agree}")
    if args.show:
        for p in pages:
            for inside, offset, agreement in p.found.lines:
                text = " ".join(f"{p.words[i].text}[{p.labels[i][0]}:{p.where[i]}]" for i in inside)
                print(f"  {p.name} {offset:.2f} {agreement:.2f}: {text}")
    if args.cross:
        print("\n".join(cross_check(pages)))
    if args.write:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        kinds = ", ".join(sorted({p.kind for p in pages}))
        source = (
            f"bench/learn_stampwords.py at {commit} on {args.tune} and the real tuning pages "
            f"(bench/real_split.json): {len(pages)} stamped pages ({kinds}), {lines_found} "
            f"stamp lines; lowest margin that holds + {MARGIN}; lowest agreement with the "
            f"stamp's own reading from which no page reads worse by more than "
            f"{AGREE_WORSE:.1%} + {AGREE_MARGIN}"
        )
        rule = StampRule(margin, source, 1.01 if agree is None else agree)
        RULE_FILE.write_text(json.dumps(rule.as_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {RULE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
