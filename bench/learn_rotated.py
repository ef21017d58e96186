"""Words read from text turned across the page (issue 15, ocr.detect.rotated): learn the rule's
figures on the tuning pages and write ocr/data/rotated.json with its provenance.

Pages: the synthetic pages of review sets given with ``--synthetic`` (bench.bench_review's
folders of ``ocr synth`` pages with their exact ground truth, seed 2101 as bench.learn_junk and
bench.learn_stampwords take it, read by main's pipeline); the real pages of the tuning part of
bench/real_split.json as a ``bench.bench_real --split tuning --keep FOLDER`` run read them with
the step off (``min_aspect`` null): each page's final words (its p001.tsv, after specks, junk
and a stamp's own words left) and the page as loaded (p001.view.jpg; the TSV's boxes are in its
pixels). No held-out page is read.

For every ``min_letters`` in LETTERS and ``min_aspect`` on a grid, the words the rule drops leave
the page's text (its words joined, ocr.tesseract.words_to_text) and the page's strict CER is
compared with the text without the step. ``min_aspect``: the lowest figure from which on (at it
and every higher one tried) no tuning page reads worse by more than MAX_WORSE; the
``min_letters`` whose figure gains most characters over the pages (the larger on a tie), then
MARGIN added to its figure (stricter). Prints every candidate blob's figures and words, and the
grid.

Run: .venv/bin/python -m bench.learn_rotated --real FOLDER [--synthetic FOLDER] [--write]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from bench.bench_scores import score_page
from bench.common import real_pages
from ocr.detect.rotated import RULE_FILE, Blob, RotatedRule, find_blobs, leaving
from ocr.tesseract import Word, read_words, words_to_text

LETTERS = (3, 5, 8, 12, 20)
GRID = tuple(round(0.9 + 0.05 * i, 2) for i in range(43))  # 0.90 .. 3.00
MAX_WORSE = 0.0  # no tuning page reads worse at all
MARGIN = 0.1


@dataclass
class ScoredWords:
    """A page's words and reference, with the strict character errors of its text without
    some of its words (cached per set of dropped indices; ``chars``: the reference's length)."""

    name: str
    truth: str
    words: list[Word]
    errors: dict[frozenset[int], int] = field(default_factory=dict, kw_only=True)
    chars: int = field(default=0, kw_only=True)

    def errors_without(self, drop: frozenset[int]) -> int:
        if drop not in self.errors:
            kept = [w for i, w in enumerate(self.words) if i not in drop]
            score = score_page(self.name, self.truth, words_to_text(kept).text).strict
            self.errors[drop] = score.char_errors
            self.chars = score.char_total
        return self.errors[drop]


@dataclass
class Page(ScoredWords):
    blobs: list[Blob]
    leaving: list[list[int]]


def load_pages(real: Path) -> list[Page]:
    pages = []
    for rp in real_pages():
        if rp.split != "tuning":
            continue
        tsvs = sorted(real.glob(f"ocr-run-*/{rp.language}/{rp.name}/p001.tsv"))
        if not tsvs:
            print(f"# {rp.name}: no run output, left out")
            continue
        words = read_words(tsvs[0])
        image = cv2.imread(str(tsvs[0].with_name("p001.view.jpg")), cv2.IMREAD_GRAYSCALE)
        if image is None:
            print(f"# {rp.name}: no view image, left out")
            continue
        blobs, sure = find_blobs(words, image, rp.language)
        page = Page(rp.name, rp.truth, words, blobs, [leaving(words, b, sure) for b in blobs])
        page.errors_without(frozenset())
        pages.append(page)
    return pages


def synthetic_pages(folder: Path) -> list[Page]:
    """The pages of a review set of ``ocr synth`` pages (its out/ and truth/ folders, as
    bench.bench_review leaves them; Russian), read as the real ones."""
    pages = []
    for tsv in sorted(folder.glob("out/*/p001.tsv")):
        truth = folder / "truth" / f"{tsv.parent.name}.txt"
        image = cv2.imread(str(tsv.with_name("p001.view.jpg")), cv2.IMREAD_GRAYSCALE)
        if not truth.is_file() or image is None:
            continue
        words = read_words(tsv)
        blobs, sure = find_blobs(words, image, "rus")
        text = truth.read_text(encoding="utf-8")
        name = f"synth/{tsv.parent.name}"
        page = Page(name, text, words, blobs, [leaving(words, b, sure) for b in blobs])
        page.errors_without(frozenset())
        pages.append(page)
    return pages


def drops(page: Page, aspect: float, letters: int) -> frozenset[int]:
    return frozenset(
        i
        for b, gone in zip(page.blobs, page.leaving, strict=True)
        if RotatedRule(aspect, letters).turned_blob(b)
        for i in gone
    )


def evaluate(pages: Sequence[Page], aspect: float, letters: int) -> tuple[int, int, list[str]]:
    """Characters gained over the pages, the number of pages worse, and those pages."""
    gain, worse = 0, []
    for p in pages:
        delta = p.errors_without(frozenset()) - p.errors_without(drops(p, aspect, letters))
        gain += delta
        if -delta > MAX_WORSE * max(1, p.chars):
            worse.append(f"{p.name} {delta:+d}")
    return gain, len(worse), worse


def choose(pages: Sequence[Page]) -> tuple[float | None, int, list[str]]:
    lines = []
    best: tuple[int, int, float] | None = None
    for letters in LETTERS:
        rows = [(a, *evaluate(pages, a, letters)) for a in GRID]
        for a, gain, nworse, worse in rows:
            lines.append(
                f"letters {letters:>2} aspect {a:.2f}: gain {gain:+d} chars, {nworse} worse {worse}"
            )
        safe = None
        for a, _gain, nworse, _ in reversed(rows):
            if nworse:
                break
            safe = a
        if safe is None:
            continue
        gain = evaluate(pages, safe, letters)[0]
        if gain > 0 and (best is None or (gain, letters) > (best[0], best[1])):
            best = (gain, letters, safe)
    if best is None:
        return None, LETTERS[0], lines
    return round(best[2] + MARGIN, 2), best[1], lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="bench_real --keep folder")
    parser.add_argument(
        "--synthetic", type=Path, action="append", default=[], help="a review set's folder"
    )
    parser.add_argument("--write", action="store_true", help="write ocr/data/rotated.json")
    args = parser.parse_args(argv)
    pages = load_pages(args.real)
    real = len(pages)
    for folder in args.synthetic:
        pages += synthetic_pages(folder)
    for p in pages:
        for b, gone in zip(p.blobs, p.leaving, strict=True):
            if gone and b.letters >= LETTERS[0]:
                texts = [p.words[i].text for i in gone]
                print(
                    f"{p.name} {b.box.as_list()} letters {b.letters} aspect {b.aspect:.2f} {texts}"
                )
    aspect, letters, lines = choose(pages)
    print("\n".join(lines))
    total = sum(p.chars for p in pages)
    base = sum(p.errors_without(frozenset()) for p in pages)
    if aspect is not None:
        gain, nworse, worse = evaluate(pages, aspect, letters)
        for p in pages:
            delta = p.errors_without(frozenset()) - p.errors_without(drops(p, aspect, letters))
            if delta:
                print(f"  {p.name}: {delta:+d} errors fewer")
        print(
            f"chosen: min_aspect {aspect}, min_letters {letters}: {len(pages)} tuning pages, "
            f"{base} -> {base - gain} errors of {total} chars, {nworse} worse {worse}"
        )
    else:
        print("chosen: none (no figure gains without a page worse)")
    if args.write:
        rule = {
            "min_aspect": aspect,
            "min_letters": letters,
            "source": f"bench/learn_rotated.py on {real} real tuning pages "
            f"(bench/real_split.json) and {len(pages) - real} synthetic pages "
            f"({', '.join(f.name for f in args.synthetic)}), the lowest min_aspect with no page "
            f"worse plus {MARGIN}",
        }
        RULE_FILE.write_text(json.dumps(rule, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RULE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
