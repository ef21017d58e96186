"""Which confidently read words are typing? The pen model of ocr.detect.vouching, fitted on the
tuning pages: review set seed 2101 (labelled by the synthetic pages' region records) and the
tuning part of the real pages (labelled by their ALTO typed and handwritten lines).

Run: .venv/bin/python -m bench.learn_vouching [--record] [--write] [--held-out]

``--record`` runs the batch in process over the review set's scans once, keeping each page's
detection inputs (in the OCR frame, with the page geometry) under bench/work/vouching-<seed>;
the real pages' words are tesseract's, one call a page, kept in bench/work/vouching-real.
Every confident word with loose pieces is printed per label with how many the model calls a
pen's; ``--write`` writes the fitted model to ocr/data/pen_words.json. ``--held-out`` lists the
shipped model's pen words on the held-out real pages (a check: it chooses nothing)."""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.bench_review import review_set
from bench.common import ROOT
from ocr.detect.handwriting import GLYPH_MAX_COLS, GLYPH_MAX_ROWS, TALL, _in_text_lines
from ocr.detect.ink import components, good_words, ink_mask, text_metrics, word_mask
from ocr.detect.stage import _has_gray
from ocr.detect.vouching import (
    MODEL_FILE,
    PAD,
    VOUCH_SHARE,
    PenModel,
    WordInk,
    pen_model,
    typed_width,
    word_ink,
    word_pieces,
)
from ocr.preprocess import binarize
from ocr.records import Box
from ocr.tesseract import Word

WORK = ROOT / "bench" / "work"


def record(seed: int, pages: int) -> Path:
    """Run the batch in process over the set's scans, keeping each detection's inputs."""
    import ocr.detect.stage as stage
    import ocr.stages.ocr as stages_ocr
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    folder = review_set(seed, pages)
    keep = WORK / f"vouching-{seed}"
    shutil.rmtree(keep, ignore_errors=True)
    (keep / "inputs").mkdir(parents=True)
    outer, inner = stages_ocr.detect_regions, stage.detect_regions_in_frame
    current: dict[str, Any] = {}

    def outer_keep(view_path: Path, reading: Any, words: Any, **options: Any) -> Any:
        current["geometry"] = options.get("geometry")
        current["name"] = Path(view_path).parent.name
        return outer(view_path, reading, words, **options)

    def inner_keep(view: Any, ocr_img: Any, words: Any, **options: Any) -> Any:
        geometry = current.get("geometry")
        record = (current.get("name"), view, ocr_img, list(words), options, geometry)
        with (keep / "inputs" / f"{len(list(keep.glob('inputs/*')))}.pkl").open("wb") as fh:
            pickle.dump(record, fh)
        return inner(view, ocr_img, words, **options)

    stages_ocr.detect_regions = outer_keep  # type: ignore[assignment]
    stage.detect_regions_in_frame = inner_keep  # type: ignore[assignment]
    settings = load_settings(
        None, output_dir=keep / "out", workers=1, languages="rus", languages_by_pattern={}
    )
    try:
        run_batch([folder / "scans"], gt_dir=None, settings=settings)
    finally:
        stages_ocr.detect_regions, stage.detect_regions_in_frame = outer, inner  # type: ignore
    return keep


@dataclass(frozen=True)
class Example:
    """One unit's figures: a confident word's loose ink or a pen region's, with its label."""

    page: str
    unit: str  # "word" or "region"
    label: str  # the region record's type the unit lies in ("typed_line", "handwriting", ...)
    text: str
    ink: WordInk

    @property
    def pen(self) -> bool:
        return self.label in PEN_TYPES


PEN_TYPES = ("handwriting", "signature", "pen_ink")


def truth_boxes(folder: Path, name: str, geometry: Any) -> list[tuple[str, Box]]:
    """The page's region records in the OCR frame, the non-typed ones first."""
    records = json.loads((folder / "regions" / f"{name}.json").read_text(encoding="utf-8"))
    out = []
    for r in records:
        box = Box(*r["box"])
        if geometry is not None and not geometry.is_identity:
            box = geometry.box_to_frame(box)
        out.append((r["type"], box))
    return sorted(out, key=lambda kb: kb[0] == "typed_line")


def _label(box: Box, truth: Sequence[tuple[str, Box]]) -> str:
    cx, cy = box.left + box.width / 2, box.top + box.height / 2
    for kind, t in truth:
        if t.left <= cx <= t.right and t.top <= cy <= t.bottom:
            return kind
    return "none"


def page_examples(path: Path, folder: Path) -> list[Example]:
    """Every confident word with loose pieces, and every pen region's ink, on one review page."""
    with path.open("rb") as fh:
        name, _, ocr_img, words, options, geometry = pickle.load(fh)  # noqa: S301 - our own
    if _has_gray(ocr_img):
        ocr_img = binarize(ocr_img)
    truth = truth_boxes(folder, name, geometry)
    return ink_examples(name, ink_mask(ocr_img), words, truth, min_conf=options["min_word_conf"])


def real_examples(split: str = "tuning") -> list[Example]:
    """Every confident word with loose pieces on the tuning part of the real pages (tesseract's
    words of the page as scanned, one call a page, kept in bench/work/vouching-real), labelled
    by the page's ALTO lines: typed lines, and handwritten ones."""
    import pytesseract

    from bench.common import real_pages

    keep = WORK / "vouching-real"
    keep.mkdir(parents=True, exist_ok=True)
    out = []
    for page in (p for p in real_pages() if p.split == split):
        gray = cv2.imread(str(page.image), cv2.IMREAD_GRAYSCALE)
        cached = keep / f"{page.name}.pkl"
        if not cached.is_file():
            data = pytesseract.image_to_data(
                gray, lang=page.language, output_type=pytesseract.Output.DICT
            )
            cached.write_bytes(pickle.dumps(_words_of(data)))
        words = pickle.loads(cached.read_bytes())  # noqa: S301 - our own
        truth = [("handwriting", Box(*b)) for b in page.untyped_boxes]
        truth += [("typed_line", Box(*b)) for b in page.typed_boxes]
        out += ink_examples(page.name, ink_mask(binarize(gray)), words, truth, min_conf=60.0)
    return out


def _words_of(data: dict[str, list]) -> list[Word]:
    return [
        Word(
            data["block_num"][i],
            data["par_num"][i],
            data["line_num"][i],
            data["word_num"][i],
            Box(data["left"][i], data["top"][i], data["width"][i], data["height"][i]),
            float(data["conf"][i]),
            data["text"][i],
        )
        for i in range(len(data["text"]))
        if str(data["text"][i]).strip()
    ]


def ink_examples(
    name: str,
    ink: np.ndarray,
    words: Sequence[Word],
    truth: Sequence[tuple[str, Box]],
    *,
    min_conf: float,
) -> list[Example]:
    """The figures of each confident word with loose pieces and of each pen region's ink."""
    metrics = text_metrics(words)
    comps = components(ink)
    stats = comps.stats
    glyph = (stats[:, 3] <= GLYPH_MAX_ROWS * metrics.glyph_rows) & (
        stats[:, 2] <= GLYPH_MAX_COLS * metrics.char_cols
    )
    glyph[0] = False
    lined = _in_text_lines(comps, glyph, metrics=metrics)
    sure = good_words(words, min_conf=min_conf)
    inside = word_mask(ink.shape, sure, pad=metrics.px(PAD))
    share = np.bincount(comps.labels[inside > 0], minlength=len(stats)) / np.maximum(stats[:, 4], 1)
    candidate = share >= VOUCH_SHARE
    candidate[0] = False
    # The words tested in ink_pieces: those vouching for pieces that are not lined-up typing.
    smudged = (share >= 0.9) & (stats[:, 3] <= TALL * metrics.glyph_rows)
    loose = ((glyph & candidate) | smudged) & ~lined
    loose[0] = False
    width = typed_width(comps, lined)
    out = []
    pen_area = np.zeros(ink.shape, dtype=bool)
    stamp_area = np.zeros(ink.shape, dtype=bool)
    for kind, box in truth:
        area = pen_area if kind in PEN_TYPES else stamp_area if kind == "stamp" else None
        if area is not None:
            area[box.top : box.bottom, box.left : box.right] = True
    for word, labels in word_pieces(comps, sure, candidate, metrics=metrics, loose=loose):
        figures = word_ink(comps, labels, loose=loose, lined=lined, metrics=metrics, typed_px=width)
        if figures is None:
            continue
        # The ink decides: a signature's stroke through a typed word is a pen's.
        pixels = np.isin(comps.labels, labels)
        label = _label(word.box, truth)
        if pen_area[pixels].mean() >= 0.5 and label not in PEN_TYPES:
            label = "pen_ink"
        elif stamp_area[pixels].mean() >= 0.5 and label == "typed_line":
            label = "stamp_ink"  # typing glued to a stamp's frame: the stamp's search sees it
        out.append(Example(name, "word", label, word.text, figures))
    region_share = np.zeros(len(stats))
    for kind, box in truth:
        if kind not in PEN_TYPES:
            continue
        crop = comps.labels[box.top : box.bottom, box.left : box.right]
        region_share[:] = np.bincount(crop.ravel(), minlength=len(stats)) / np.maximum(
            stats[:, 4], 1
        )
        labels = np.flatnonzero(region_share >= VOUCH_SHARE)
        figures = word_ink(
            comps,
            labels[labels > 0],
            loose=np.ones(len(stats), bool),
            lined=lined,
            metrics=metrics,
            typed_px=width,
        )
        if figures is not None:
            out.append(Example(name, "region", kind, "", figures))
    return out


def fit(
    examples: Sequence[Example], *, l2: float = 0.1, steps: int = 3000
) -> tuple[np.ndarray, float]:
    """Logistic regression, both classes weighted alike (pens are few), by gradient descent."""
    x = np.array([e.ink.vector() for e in examples])
    y = np.array([e.pen for e in examples], dtype=float)
    weight = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = weight * (p - y)
        w -= 2.0 * (x.T @ g + l2 * w / len(y))
        b -= 2.0 * float(g.sum())
    return w, b


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2101)
    parser.add_argument("--pages", type=int, default=48)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--write", action="store_true", help="write ocr/data/pen_words.json")
    parser.add_argument(
        "--held-out", action="store_true", help="only list the held-out real pages' pen words"
    )
    args = parser.parse_args(argv)
    if args.held_out:
        return held_out_check()
    keep = record(args.seed, args.pages) if args.record else WORK / f"vouching-{args.seed}"
    folder = review_set(args.seed, args.pages)
    examples = [e for p in sorted(keep.glob("inputs/*.pkl")) for e in page_examples(p, folder)]
    examples += [replace(e, unit="real") for e in real_examples()]
    # Words only (a pen region's ink, scattered specks and all, is not what a word reads), the
    # real pages' words outside their ALTO lines too (margins, stamps: not a pen's by the ALTO).
    known = [
        e
        for e in examples
        if e.unit != "region"
        and (e.pen or e.label in ("typed_line", "none") and e.unit == "real")
        or e.label == "typed_line"
    ]
    w, b = fit(known)
    model = PenModel(tuple(float(v) for v in w), b, 0.5)
    model = PenModel(model.weights, model.bias, choose_threshold(known, model))
    if args.write:
        MODEL_FILE.write_text(json.dumps(model.as_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    print("fitted now:")
    report(examples, model)
    print(f"shipped ({MODEL_FILE.name}):")
    report(examples, pen_model(MODEL_FILE))
    return 0


def held_out_check() -> int:
    """The shipped model on the held-out real pages (a check, never a choice): its pen words."""
    model = pen_model(MODEL_FILE)
    examples = real_examples("held_out")
    pens = [e for e in examples if model.probability(e.ink) >= model.threshold]
    print(
        f"held-out real pages: {len(examples)} confident words with loose pieces, pen: {len(pens)}"
    )
    for e in pens:
        print(f"  {e.page} {e.text!r} ({e.label}) {e.ink}")
    return 0


def choose_threshold(examples: Sequence[Example], model: PenModel) -> float:
    """Halfway (in log-odds) between the most pen-like word that is not a pen's and the median
    pen word above it: no typed word of the tuning pages withdrawn, with a margin (real typing
    stands taller than the synthetic pages' on pages we do not have)."""
    typed = max(model.probability(e.ink) for e in examples if not e.pen)
    pens = [model.probability(e.ink) for e in examples if e.pen and e.unit != "region"]
    above = sorted(p for p in pens if p > typed) or [min(0.999, typed + 0.01)]
    low, high = (np.log(p / (1 - p)) for p in (typed, above[len(above) // 2]))
    return round(float(1 / (1 + np.exp(-(low + high) / 2))), 4)


def report(examples: Sequence[Example], model: PenModel) -> None:
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for e in examples:
        groups[(e.unit, e.label)].append(e)
    print(f"model: {model.as_json()}")
    for (unit, label), group in sorted(groups.items()):
        probs = np.array([model.probability(e.ink) for e in group])
        tall = np.array([min(e.ink.height, e.ink.loose) for e in group])
        width = np.array([e.ink.width for e in group])
        over = int((probs >= model.threshold).sum())
        print(
            f"{unit:6} {label:12} n={len(group):4} pen {over:4}  P(pen) max {probs.max():.3f} "
            f"median {np.median(probs):.3f} min {probs.min():.3f}; "
            f"min(height, loose) {tall.min():.2f}-{tall.max():.2f}; "
            f"width {width.min():.2f}-{width.max():.2f}"
        )
    for e in sorted(examples, key=lambda e: -model.probability(e.ink)):
        if e.unit == "word" and e.label == "typed_line":
            print(f"  most pen-like typed word: {model.probability(e.ink):.3f} {e}")
            break


if __name__ == "__main__":
    raise SystemExit(main())
