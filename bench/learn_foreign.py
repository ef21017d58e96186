"""Words read from ink unlike the page's typing (issue 15, ocr.detect.foreign): count where the
strict CER's inserted characters come from, learn the rule and write ocr/data/foreign.json.

Pages: the real pages of the tuning part of bench/real_split.json as a ``bench.bench_real
--split tuning --keep FOLDER`` run read them (each page's final words, p001.tsv, after every
step that drops words; the page as loaded, p001.view.jpg, in whose pixels the TSV's boxes lie;
its regions, p001.regions.json), and with ``--synthetic`` the pages of ``ocr run`` outputs of
``ocr synth`` pages (their exact ground truth beside the scans). No held-out page is read.

Census (``--census``): each page's words are aligned with the reference's words (an edit
script over the word lists); a word with no counterpart is inserted, and its characters (and a
space) are what it costs the strict CER. Inserted words are counted by the kind of their ink:
surely text (ocr.detect.rotated.surely_text; typed text the reference leaves out, as EHRI's
letterheads and addresses), in a detected stamp / handwriting / signature region, in the
margin (off the typed column), taller or shorter letters than the typing's, other, and never
judged (a legible word, a number, a longer word outside the marks: ocr.detect.junk.never_junk;
or a page whose typing could not be measured).

Fit: a logistic model of P(foreign | ink figures) on the judged words (not surely text, not
beside a surely-text word): label 1 for an inserted word, 0 for a word that has its counterpart.
Threshold: the lowest on a grid from which on (at it and every higher one) no tuning page reads
worse (strict character errors with the words over it dropped against without), then MARGIN
added (stricter).

Run: .venv/bin/python -m bench.learn_foreign --real FOLDER [--synthetic FOLDER] [--census]
[--write]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from bench.bench_real import _inside
from bench.common import RealPage, real_pages
from bench.learn_rotated import ScoredWords
from ocr.detect.foreign import (
    FEATURES,
    RULE_FILE,
    ForeignRule,
    InkFigures,
    page_figures,
)
from ocr.detect.rotated import beside_text
from ocr.records import Box
from ocr.tesseract import Word, read_words

GRID = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))  # 0.30 .. 0.99
MARGIN = 0.05
MAX_WORSE = 1  # character errors a tuning page may gain: one (a garbage word standing for a
# real mark, "“ES SRE" for a page's bottom mark, costs its page one character when it leaves)


@dataclass
class Page(ScoredWords):
    figures: list[InkFigures | None]
    judged: list[bool]
    inserted: list[bool]
    kinds: list[str]
    labels: list[float | None]


def inserted_words(words: Sequence[Word], truth: str) -> list[bool]:
    """Whether each word has no counterpart in the reference (word-level edit script)."""
    ours = [w.text for w in words]
    ref = truth.split()
    out = [False] * len(ours)
    for op in Levenshtein.editops(ours, ref):
        if op.tag == "delete":
            out[op.src_pos] = True
    return out


def _region_boxes(path: Path) -> list[tuple[int, int, int, int]]:
    if not path.is_file():
        return []
    boxes = []
    for r in json.loads(path.read_text(encoding="utf-8")):
        if r.get("type") in ("stamp", "handwriting", "signature"):
            b = r["box"]
            boxes.append((int(b[0]), int(b[1]), int(b[2]), int(b[3])))
    return boxes


def kind_of(
    word: Word, sure: bool, figures: InkFigures | None, marks: Sequence[tuple[int, ...]]
) -> str:
    if sure:
        return "surely text"
    cx, cy = word.box.left + word.box.width / 2, word.box.top + word.box.height / 2
    if any(x <= cx <= x + w and y <= cy <= y + h for x, y, w, h in marks):
        return "in a stamp/handwriting region"
    if figures is None:
        return "never judged"
    if figures.outside > 0:
        return "margin"
    if abs(figures.height) > 0.4:
        return "letters unlike typing"
    return "other"


def labels_of(
    words: Sequence[Word], inserted: Sequence[bool], untranscribed: Sequence[bool]
) -> list[float | None]:
    """1 for an inserted word on ink the reference leaves out, 0 for a word with its
    counterpart on a transcribed line, None otherwise (a misread or a line order's cost)."""
    return [
        1.0 if ins and off else 0.0 if not ins and not off else None
        for ins, off in zip(inserted, untranscribed, strict=True)
    ]


def untranscribed_of(page: RealPage, words: Sequence[Word]) -> list[bool]:
    """Whether each word's centre lies on ink the reference leaves out (as bench.bench_real's
    score without untranscribed ink judges it)."""
    out = []
    for w in words:
        x, y = w.box.left + w.box.width / 2, w.box.top + w.box.height / 2
        if page.corpus == "ehri":
            out.append(not any(_inside(x, y, b, 1.0) for b in page.typed_boxes))
        else:
            out.append(any(_inside(x, y, b, 0.0) for b in page.untyped_boxes))
    return out


def make_page(
    name: str, truth: str, tsv: Path, language: str, real: RealPage | None = None
) -> Page | None:
    words = read_words(tsv)
    image = cv2.imread(str(tsv.with_name("p001.view.jpg")), cv2.IMREAD_GRAYSCALE)
    if image is None or not words:
        return None
    marks = _region_boxes(tsv.with_name("p001.regions.json"))
    figures, sure, typing = page_figures(words, image, language, [Box(*b) for b in marks])
    judged = [
        f is not None and typing is not None and not beside_text(words, sure, w, typing.height)
        for w, f in zip(words, figures, strict=True)
    ]
    kinds = [kind_of(w, s, f, marks) for w, s, f in zip(words, sure, figures, strict=True)]
    inserted = inserted_words(words, truth)
    off = untranscribed_of(real, words) if real is not None else inserted
    page = Page(
        name, truth, words, figures, judged, inserted, kinds, labels_of(words, inserted, off)
    )
    page.errors_without(frozenset())
    return page


def load_real(real: Path) -> list[Page]:
    pages = []
    for rp in real_pages():
        if rp.split != "tuning":
            continue
        tsvs = sorted(real.glob(f"ocr-run-*/{rp.language}/{rp.name}/p001.tsv"))
        page = make_page(rp.name, rp.truth, tsvs[0], rp.language, rp) if tsvs else None
        if page is None:
            print(f"# {rp.name}: no run output, left out")
            continue
        pages.append(page)
    return pages


def load_synthetic(folder: Path, truths: Path) -> list[Page]:
    """``ocr run`` outputs in ``folder`` of the ``ocr synth`` pages in ``truths`` (Russian)."""
    pages = []
    for tsv in sorted(folder.glob("*/p001.tsv")):
        truth = truths / f"{tsv.parent.name}.gt.txt"
        if not truth.is_file():
            continue
        page = make_page(f"synth/{tsv.parent.name}", truth.read_text("utf-8"), tsv, "rus")
        if page is not None:
            pages.append(page)
    return pages


def census(pages: Sequence[Page]) -> list[str]:
    lines = ["| page | ref. chars | errors | inserted chars | " + " | ".join(KINDS) + " |"]
    lines.append("|---|---:|---:|---:|" + "---:|" * len(KINDS))
    totals: Counter[str] = Counter()
    for p in pages:
        by: Counter[str] = Counter()
        for w, ins, k in zip(p.words, p.inserted, p.kinds, strict=True):
            if ins:
                by[k] += len(w.text) + 1
        totals.update(by)
        totals["errors"] += p.errors_without(frozenset())
        totals["chars"] += p.chars
        lines.append(
            f"| {p.name[:40]} | {p.chars} | {p.errors_without(frozenset())} | "
            f"{sum(by.values())} | " + " | ".join(str(by[k]) for k in KINDS) + " |"
        )
    lines.append(
        f"| all | {totals['chars']} | {totals['errors']} | "
        f"{sum(totals[k] for k in KINDS)} | " + " | ".join(str(totals[k]) for k in KINDS) + " |"
    )
    return lines


KINDS = (
    "surely text",
    "in a stamp/handwriting region",
    "margin",
    "letters unlike typing",
    "other",
    "never judged",
)


def fit(pages: Sequence[Page], steps: int = 3000, rate: float = 0.5) -> tuple[np.ndarray, float]:
    """Logistic regression (gradient descent, balanced classes, small L2) on the judged words."""
    rows, labels = [], []
    for p in pages:
        for f, j, label in zip(p.figures, p.judged, p.labels, strict=True):
            if j and f is not None and label is not None:
                rows.append(f.vector())
                labels.append(label)
    x = np.array(rows, dtype=float)
    y = np.array(labels, dtype=float)
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    weight = np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * neg))
    w = np.zeros(x.shape[1])
    b = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * weight
        w -= rate * (x.T @ g / len(y) + 1e-3 * w)
        b -= rate * float(g.mean())
    print(f"fit on {len(y)} judged words ({int(y.sum())} inserted): w {np.round(w, 3)} b {b:.3f}")
    return w, b


def drops(page: Page, rule: ForeignRule) -> frozenset[int]:
    assert rule.threshold is not None
    return frozenset(
        i
        for i, (f, j) in enumerate(zip(page.figures, page.judged, strict=True))
        if j and f is not None and rule.score(f) >= rule.threshold
    )


def evaluate(pages: Sequence[Page], rule: ForeignRule) -> tuple[int, list[str]]:
    gain, worse = 0, []
    for p in pages:
        delta = p.errors_without(frozenset()) - p.errors_without(drops(p, rule))
        gain += delta
        if -delta > MAX_WORSE:
            worse.append(f"{p.name} {delta:+d}")
    return gain, worse


def choose(pages: Sequence[Page], w: np.ndarray, b: float) -> tuple[float | None, list[str]]:
    lines, rows = [], []
    for t in GRID:
        gain, worse = evaluate(pages, ForeignRule(tuple(w), b, t))
        rows.append((t, gain, worse))
        lines.append(f"threshold {t:.2f}: gain {gain:+d} chars, {len(worse)} worse {worse}")
    safe = None
    for t, _gain, worse in reversed(rows):
        if worse:
            break
        safe = t
    if safe is None or evaluate(pages, ForeignRule(tuple(w), b, safe))[0] <= 0:
        return None, lines
    return min(0.99, round(safe + MARGIN, 2)), lines


def show(pages: Sequence[Page], rule: ForeignRule | None) -> None:
    for p in pages:
        for i, (w, f, j, ins) in enumerate(
            zip(p.words, p.figures, p.judged, p.inserted, strict=True)
        ):
            if f is None or not j:
                continue
            score = rule.score(f) if rule is not None else 0.0
            label = p.labels[i]
            mark = ("INS" if ins else "ref") + ("?" if label is None else "")
            print(
                f"{p.name[:30]:30} {i:4d} {mark} {score:.2f} h {f.height:+.2f} s {f.stroke:+.2f} "
                f"d {f.darkness:+.2f} o {f.outside:4.1f} c {f.confidence:.2f} "
                f"i {f.isolation:.2f} n {f.pieces:.1f} {p.kinds[i][:12]:12} "
                f"{w.text!r}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True, help="bench_real --keep folder")
    parser.add_argument(
        "--synthetic",
        nargs=2,
        type=Path,
        action="append",
        default=[],
        metavar=("OUT", "PAGES"),
        help="an `ocr run` output folder and the `ocr synth` folder it read",
    )
    parser.add_argument("--census", action="store_true", help="print the inserted-ink census")
    parser.add_argument("--show", action="store_true", help="print every judged word")
    parser.add_argument("--write", action="store_true", help="write ocr/data/foreign.json")
    args = parser.parse_args(argv)
    pages = load_real(args.real)
    real = len(pages)
    for out, truths in args.synthetic:
        pages += load_synthetic(out, truths)
    if args.census:
        print("\n".join(census(pages)))
    w, b = fit(pages)
    threshold, lines = choose(pages, w, b)
    print("\n".join(lines))
    rule = ForeignRule(tuple(float(v) for v in w), b, threshold)
    if args.show:
        show(pages, rule)
    base = sum(p.errors_without(frozenset()) for p in pages)
    total = sum(p.chars for p in pages)
    if threshold is not None:
        gain, worse = evaluate(pages, rule)
        for p in pages:
            gone = drops(p, rule)
            delta = p.errors_without(frozenset()) - p.errors_without(gone)
            if gone:
                texts = [p.words[i].text for i in sorted(gone)]
                print(f"  {p.name}: {delta:+d} errors fewer, drops {texts}")
        print(
            f"chosen: threshold {threshold}: {len(pages)} tuning pages, {base} -> {base - gain} "
            f"errors of {total} chars, {len(worse)} worse {worse}"
        )
    else:
        print("chosen: none (no threshold gains without a page worse)")
    if args.write:
        data = rule.as_json()
        data["features"] = list(FEATURES)
        data["source"] = (
            f"bench/learn_foreign.py on {real} real tuning pages (bench/real_split.json) and "
            f"{len(pages) - real} synthetic pages "
            f"({', '.join(str(t.name) for _, t in args.synthetic)}); the lowest threshold from "
            f"which on no page reads worse by more than {MAX_WORSE} character, plus {MARGIN}"
        )
        RULE_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RULE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
