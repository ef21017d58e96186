"""Specks of dust read as marks (issue 20): fit the size and confidence under which an OCR word is
dust, on tuning pages with exact ground truth, for ocr.detect.specks.

Labels: each OCR word of a page is aligned with the page's exact text letter by letter
(Levenshtein on the whole page). A word none of whose letters matches the truth and against which
the truth has nothing but blanks has no true counterpart (spurious); a word with a matching
letter, or read where the truth has ink (a misreading), is real and must be kept. A real ".",
"," or "-" is small too: the fitted limits keep every real word of the tuning pages.

Features: the longer side of the word's box in the page's typed word heights H
(ocr.detect.specks.typed_height) and tesseract's confidence. The rule is a box: conf < C and
side < S H. The box catching most spurious words with no real word inside is chosen, then each
limit is put halfway to the nearest real word outside it (the widest margin).

The words are those tesseract read: words a previous run dropped as specks are put back from the
page's "specks" processing step (``<page>.ocr.json``), so the learner sees the same words
whichever code made the outputs.

Run: .venv/bin/python -m bench.learn_specks [--write] [--check] [--items SET,...]
Sets are the review set (seed 2101, 48 pages; bench.bench_review's tuning seed) and fresh clean
sets made with bench.review_fresh; make them first (``bench.review_fresh --seeds 4201,...``).
``--write`` writes ocr/data/specks.json; ``--check`` scores the shipped model on the check sets;
``--items`` lists every review item of the sets' clean typed pages (kind, text, box, confidence,
whether it covers a real OCR error) with a summary.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from bench.bench_review import REGION_TYPES, WORK, load_items
from bench.common import ROOT
from ocr.detect.specks import (
    GLYPHS,
    MARKS,
    MODEL_FILE,
    SpeckLimits,
    SpeckModel,
    dropped_words,
    restored,
    speck_class,
    typed_height,
)
from ocr.records import Box
from ocr.score import normalise
from ocr.tesseract import Word, read_words, words_to_text

TUNE = ("review-2101-48", "review-fresh-4201-12", "review-fresh-4202-12", "review-fresh-4203-12")
CHECK = ("review-fresh-4204-12", "review-fresh-4205-12", "review-fresh-4206-12")
SPURIOUS, REAL, MISREAD = "spurious", "real", "misread"
LIMIT = 0.5  # H: words any larger are no candidates (a speck is smaller than a typed letter)


@dataclass(frozen=True)
class Sample:
    """One OCR word: its page, text, longer side in H, confidence, and its label: "spurious"
    (no true counterpart), "real" (a letter of it is the truth's) or "misread" (read where the
    truth has other ink)."""

    page: str
    text: str
    size: float
    conf: float
    label: str

    @property
    def spurious(self) -> bool:
        return self.label == SPURIOUS

    @property
    def real(self) -> bool:
        return self.label == REAL


def page_words(folder: Path) -> list[tuple[str, list[Word], str, list[Box]]]:
    """(page name, the words tesseract read, the exact text, the page's stamp, signature and
    handwriting boxes) of every page of a set."""
    _, pages = load_items(folder / "noref.db")
    out = []
    for page in pages:
        tsv = Path(page.outputs["tsv"])
        manifest = json.loads(tsv.with_name(tsv.name.replace(".tsv", ".ocr.json")).read_text())
        dropped = [
            w
            for step in manifest.get("processing_steps", [])
            if step["id"] == "specks"
            for w in dropped_words(step["settings"])
        ]
        words = restored(read_words(tsv), dropped)
        truth = (folder / "truth" / f"{page.document}.txt").read_text(encoding="utf-8")
        regions = json.loads((folder / "regions" / f"{page.document}.json").read_text("utf-8"))
        marks = [Box(*r["box"]) for r in regions if r["type"] in REGION_TYPES]
        out.append((f"{folder.name}/{page.document}", words, normalise(truth), marks))
    return out


def _inside(word: Word, boxes: Sequence[Box], pad: int = 12) -> bool:
    col, row = word.box.left + word.box.width / 2, word.box.top + word.box.height / 2
    return any(
        b.left - pad <= col <= b.right + pad and b.top - pad <= row <= b.bottom + pad for b in boxes
    )


def word_labels(words: Sequence[Word], truth: str) -> list[str]:
    """Each word's label: "real" when a letter of it matches the truth within a run of at
    least IN_CONTEXT matching characters (a lone "." matching by chance amid a misread line
    is no evidence), "misread" when none does but the truth has ink aligned against it (or
    such a chance match), else "spurious"."""
    ocr = words_to_text(words)
    matched = [False] * len(ocr.text)
    facing = [False] * len(ocr.text)  # the truth has ink aligned against this character
    for op in Levenshtein.opcodes(truth, ocr.text):
        n = op.dest_end - op.dest_start
        if op.tag == "equal" and n >= IN_CONTEXT:
            matched[op.dest_start : op.dest_end] = [True] * n
        elif op.tag == "equal" or truth[op.src_start : op.src_end].strip():
            facing[op.dest_start : op.dest_end] = [True] * n
    return [
        REAL if any(matched[s:e]) else MISREAD if any(facing[s:e]) else SPURIOUS
        for s, e in ocr.spans
    ]


def samples(folders: Sequence[str]) -> list[Sample]:
    out = []
    for name in folders:
        folder = WORK / name
        if not (folder / "noref.db").is_file():
            raise SystemExit(f"{folder} has no run yet: make it with bench.review_fresh first")
        for page, words, truth, marks in page_words(folder):
            height = typed_height(words)
            if height is None:
                continue
            for w, label in zip(words, word_labels(words, truth), strict=True):
                size = max(w.box.width, w.box.height) / height
                candidate = size < LIMIT and w.conf >= 0 and speck_class(w.text) is not None
                if candidate and not _inside(w, marks):
                    out.append(Sample(page, w.text, size, w.conf, label))
    return out


IN_CONTEXT = 3  # characters of an aligned run that make a match evidence
SIZE_MARGIN = 1.25  # a real word's side over the box's, at the least, or else
CONF_MARGIN = 20.0  # its confidence over the limit, at the least
# Confidence points the limit rises by for each e-fold a word is smaller than the size limit.
SLOPES = (0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0, 80.0, 120.0, 160.0)


def real_samples(part: str = "tuning") -> list[Sample]:
    """Words of the real pages of the split's ``part`` (French typescripts, EHRI reports) as
    stock tesseract reads them (``tesseract IMAGE OUT -l LANG tsv``, the pipeline's first
    reading; cached under bench/work/specks-real), labelled against their ALTO typed text. Only
    words inside a transcribed typed line count: the references leave letterheads, stamps and
    handwriting out, so what is read there has no counterpart without being dust."""
    from bench.common import real_pages, stock_tesseract

    cache = WORK / "specks-real"
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for page in (p for p in real_pages() if p.split == part):
        tsv = cache / f"{page.name}.tsv"
        if not tsv.is_file():
            base = tsv.with_suffix("")
            stock_tesseract(page.image, base, language=page.language, formats=["tsv"])
        words = read_words(tsv)
        height = typed_height(words)
        if height is None:
            continue
        typed = [Box(*b) for b in page.typed_boxes]
        untyped = [Box(*b) for b in page.untyped_boxes]
        labels = word_labels(words, normalise(page.truth))
        for w, label in zip(words, labels, strict=True):
            size = max(w.box.width, w.box.height) / height
            candidate = size < LIMIT and w.conf >= 0 and speck_class(w.text) is not None
            if not candidate or not _inside(w, typed, pad=0):
                continue
            if not _inside(w, untyped):
                out.append(Sample(f"real/{page.name}", w.text, size, w.conf, label))
    return out


def fit(data: Sequence[Sample]) -> tuple[SpeckLimits, int]:
    """For each slope k, the box over (side, conf + k ln side) catching most spurious words
    that stays clear of every real word: each real word is at least SIZE_MARGIN times the box's
    side or CONF_MARGIN points over its confidence limit (a real mark is never to be dropped,
    so the box keeps a margin from the tuning pages' own real marks). The slope catching most
    wins (the least of them on a tie); the limits are put halfway into the margins."""
    spur = [s for s in data if s.spurious]
    real = [s for s in data if s.real]
    best: tuple[int, float, float, float, float] | None = None  # (caught, -k, -area, u, z)
    for k in SLOPES:
        su = [(s.size, s.conf + k * math.log(s.size)) for s in spur]
        ru = [(r.size, r.conf + k * math.log(r.size)) for r in real]
        for _, u in su:
            for z, _ in su:
                if any(rz < SIZE_MARGIN * z and rv < u + CONF_MARGIN for rz, rv in ru):
                    continue
                caught = sum(sz <= z and sv <= u for sz, sv in su)
                key = (caught, -k, -z * (u + 200.0), u, z)
                if best is None or key > best:
                    best = key
    if best is None:  # nothing to catch: limits that hold for no word
        return SpeckLimits(0.0, 0.0, 0.0), 0
    caught, neg_k, _, u, z = best
    k = -neg_k
    size = z * math.sqrt(SIZE_MARGIN)
    conf = u + CONF_MARGIN / 2 - k * math.log(size)  # the limit at the size limit
    return SpeckLimits(round(size, 3), round(conf, 1), k), caught


def _hit(model: SpeckModel, s: Sample) -> bool:
    limits = model.limits(s.text)
    return limits is not None and limits.holds(s.size, s.conf)


def report(data: Sequence[Sample], model: SpeckModel, label: str) -> list[str]:
    spur = [s for s in data if s.spurious]
    real = [s for s in data if s.real]
    misread = [s for s in data if s.label == MISREAD]
    hit_spur = [s for s in spur if _hit(model, s)]
    hit_real = [s for s in real if _hit(model, s)]
    hit_misread = [s for s in misread if _hit(model, s)]
    lines = [
        f"{label}: {len(data)} words under {LIMIT} H ({len(spur)} spurious, {len(real)} real, "
        f"{len(misread)} misread); the model drops {len(hit_spur)} spurious, {len(hit_real)} "
        f"real and {len(hit_misread)} misread",
    ]

    def row(what: str, s: Sample) -> str:
        return f"  {what}: {s.page} {s.text!r} {s.size:.2f} H conf {s.conf:.0f}"

    def nearness(s: Sample) -> float:
        limits = model.limits(s.text)
        if limits is None or limits.size <= 0:
            return float("inf")
        return max(s.size / limits.size, s.conf / max(limits.conf_limit(s.size), 1e-6))

    lines += [row("real dropped", s) for s in hit_real]
    lines += [row("misread dropped", s) for s in hit_misread]
    lines += [row("nearest real", s) for s in sorted(real, key=nearness)[:8]]
    missed = sorted((s for s in spur if s not in hit_spur), key=lambda s: s.size)
    lines += [row("spurious kept", s) for s in missed[:12]]
    return lines


def item_rows(folder: Path) -> list[tuple[str, str, str, str, float | None, bool]]:
    """Every review item on the set's clean typed pages (no reference): (page, kind, text,
    box size, confidence, whether some real OCR error lies inside it, as bench.bench_review
    counts coverage: an error's word box centre within the item's box grown by 6 px)."""
    import sqlite3

    from bench.bench_review import _centre_covered, ocr_error_boxes

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    typed = {
        it["name"]
        for it in manifest["items"]
        if it["level"] == "clean" and not it["stamped"] and not it["copy_of"]
    }
    items, pages = load_items(folder / "noref.db")
    with sqlite3.connect(folder / "noref.db") as db:
        confs = {
            (name, *box): conf
            for name, conf, *box in db.execute(
                "select d.name, f.confidence, f.left, f.top, f.width, f.height from flags f "
                "join pages p on f.page_id = p.id join documents d on p.document_id = d.id "
                "where d.superseded_by is null"
            )
        }
    rows = []
    for page in sorted((p for p in pages if p.document in typed), key=lambda p: p.document):
        truth = (folder / "truth" / f"{page.document}.txt").read_text(encoding="utf-8")
        errors = ocr_error_boxes(page, truth)
        for i in (i for i in items if i.document == page.document):
            conf = confs.get((i.document, i.box.left, i.box.top, i.box.width, i.box.height))
            covers = any(_centre_covered(e, [i]) for e in errors)
            size = f"{i.box.width}x{i.box.height}"
            rows.append((page.document, i.kind, i.ocr_text, size, conf, covers))
    return rows


def items_table(folders: Sequence[str]) -> list[str]:
    from collections import Counter

    lines = ["| set | page | kind | OCR text | box | confidence | covers a real OCR error |"]
    lines.append("|---|---|---|---|---|---:|---|")
    summary: Counter[tuple[str, bool]] = Counter()
    per_page: dict[str, int] = {}
    for name in folders:
        folder = WORK / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        for it in manifest["items"]:
            if it["level"] == "clean" and not it["stamped"] and not it["copy_of"]:
                per_page[f"{name}/{it['name']}"] = 0
        for page, kind, text, size, conf, covers in item_rows(folder):
            per_page[f"{name}/{page}"] += 1
            summary[(kind, covers)] += 1
            c = "" if conf is None else f"{conf:.0f}"
            lines.append(f"| {name} | {page} | {kind} | {text!r} | {size} | {c} | {covers} |")
    counts = sorted(per_page.values())
    lines += [
        "",
        f"{len(counts)} clean typed pages, {sum(counts)} items; items per page {counts}; "
        f"pages over 2: {sum(c > 2 for c in counts)}",
        "by kind (covers a real OCR error / covers none): "
        + ", ".join(
            f"{k} {summary[(k, True)]}/{summary[(k, False)]}"
            for k in sorted({k for k, _ in summary})
        ),
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", default=",".join(TUNE), help="sets under bench/work to fit on")
    parser.add_argument("--check", action="store_true", help="score the shipped model instead")
    parser.add_argument("--sets", default=",".join(CHECK), help="sets --check scores")
    parser.add_argument("--write", action="store_true", help="write ocr/data/specks.json")
    parser.add_argument("--items", help="list the items of these sets' clean typed pages instead")
    parser.add_argument("--no-real", action="store_true", help="synthetic sets only")
    parser.add_argument("--work", type=Path, default=WORK, help="where the sets are")
    args = parser.parse_args(argv)
    WORK = args.work
    if args.items:
        print("\n".join(items_table(args.items.split(","))))
        return 0
    if args.check:
        from ocr.detect.specks import speck_model

        model = speck_model()
        print("\n".join(report(samples(args.sets.split(",")), model, "check")))
        return 0
    tune = args.tune.split(",")
    data = samples(tune) + ([] if args.no_real else real_samples())
    fitted = {}
    for kind in (MARKS, GLYPHS):
        limits, caught = fit([s for s in data if speck_class(s.text) == kind])
        fitted[kind] = limits
        print(
            f"{kind}: side < {limits.size} H and confidence < {limits.conf} + {limits.slope} "
            f"ln({limits.size} H / side) ({caught} caught)"
        )
    model = SpeckModel(fitted[MARKS], fitted[GLYPHS])
    print("\n".join(report(data, model, "tuning")))
    if args.write:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        real = "" if args.no_real else " and the real tuning pages (bench/real_split.json)"
        source = (
            f"bench/learn_specks.py at {commit} on {', '.join(tune)}{real} "
            f"({len(data)} words under {LIMIT} H, {sum(s.spurious for s in data)} spurious)"
        )
        model = SpeckModel(model.marks, model.glyphs, source)
        MODEL_FILE.write_text(json.dumps(model.as_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
