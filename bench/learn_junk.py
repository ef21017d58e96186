"""Junk words read from ink that is not text (issue 15): fit ocr.detect.junk's model of P(junk)
and its threshold on tuning pages, and write ocr/data/junk.json with its provenance.

Pages: the review set of seed 2101 (bench.bench_review's tuning seed: ``ocr synth`` pages clean
to heavy, stamped, signed, annotated by hand; exact ground truth) and the real pages of the
tuning part of bench/real_split.json, as ``ocr run`` read them (run
``bench.bench_real --split tuning --keep FOLDER`` first and pass FOLDER with ``--real``).

Labels (bench.learn_specks.word_labels: letter-level alignment of the page's words with its
exact text): a word with no true counterpart is junk (1), a word with a letter of the truth or
read where the truth has ink is text (0). Words that are never junk (ocr.detect.junk.never_junk:
legible words the lexicon knows but rare short ones, words of more than three letters or digits
outside a detected stamp, handwriting or signature, numbers, words without a confidence) are no
samples: what is labelled are fragments, rare short words and, inside marks, longer words. On
the real pages the words on a transcribed typed line are labelled so; words on a handwritten
line are no samples. Words off every transcribed line are off the reference: on EHRI (whose
references leave letterheads, stamps, seals and pencil marks out) they are junk when they are no
legible word; on typescript-fr they are text (0): looked at on the tuning catalogue pages
(2013004387-1962-cata), they are typed ditto marks that the reference leaves out, and typing
must stay whatever a reference transcribes. A word of three letters or digits or more with no
true counterpart that looks legible (:func:`legible_looking`: one case or a capital first
letter, a vowel, letters only: "RECEIVED", "Kantardjieff") is no sample either way: it may be
text that the reference leaves out. The regions each page's run found (its regions.json) give
the words in a mark. The dropped words of the real pages are listed for a look.

The model is a logistic regression (L2, fitted by Newton's method on standardised features).
The threshold is the lowest probability from which on (at it and every higher one), on every
tuning page, the page's strict CER
(the pipeline's text less the dropped words, against its reference) is no worse by more than
MAX_WORSE, and no real word of a clean synthetic page is dropped; MARGIN is added to it.

``--cross`` also checks the method out of sample: two folds of the pages (seeded), the model
and threshold fitted on one and applied to the other.

Run: .venv/bin/python -m bench.learn_junk --real FOLDER [--work DIR] [--write] [--cross]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bench.bench_review import WORK
from bench.bench_scores import score_page
from bench.common import ROOT, real_pages
from bench.learn_specks import REAL, SPURIOUS, word_labels
from ocr.detect.junk import (
    FEATURES,
    MAX_ALNUM,
    MODEL_FILE,
    VOWELS,
    JunkModel,
    fragments_near,
    junk_features,
    junk_model,
    lexicon,
    marked_boxes,
    marked_words,
    never_junk,
)
from ocr.detect.specks import dropped_words, restored, typed_height
from ocr.detect.stage import load_regions
from ocr.detect.stampwords import STEP_ID as STAMP_STEP
from ocr.quality import dictionary_languages
from ocr.records import Box
from ocr.score import normalise
from ocr.tesseract import Word, read_words, words_to_text

TUNE = ("review-2101-48",)
MAX_WORSE = 0.002  # strict CER: no tuning page worse by more than 0.2 points
MARGIN = 0.05  # added to the lowest threshold that holds
CLUSTER_SIZES = (2, 3, 4, 5)  # fragments around a word that make a cluster, tried in turn
L2 = 1.0
ON_LINE, OFF_LINE, HANDWRITTEN = "on", "off", "hand"


@dataclass
class Page:
    """One tuning page: its words (as the pipeline read them, before junk was dropped), its
    reference, language, kind ("clean" / "synthetic" / "typescript-fr" / "ehri"), and for
    each word its label, where it lies (on a transcribed line or not) and its features."""

    name: str
    kind: str
    languages: str
    words: list[Word]
    truth: str
    labels: list[str]
    where: list[str]
    features: list[list[float] | None]  # None: never junk
    near: list[int] = field(default_factory=list)  # fragments around each word
    near_in_marks: list[int] = field(default_factory=list)  # ... once marks make no typing
    shipped: set[int] = field(default_factory=set)  # what the shipped model drops
    base: float | None = None  # the CER with nothing dropped
    shipped_cer: float | None = None  # the CER with what the shipped model drops

    def cer(self, drop: set[int]) -> float:
        if not drop:
            if self.base is None:
                self.base = self._cer(drop)
            return self.base
        return self._cer(drop)

    def shipped_reads(self) -> float:
        """The CER with what the shipped model drops (:func:`shipped_model`)."""
        if self.shipped_cer is None:
            self.shipped_cer = self.cer(self.shipped)
        return self.shipped_cer

    def _cer(self, drop: set[int]) -> float:
        text = words_to_text([w for i, w in enumerate(self.words) if i not in drop]).text
        return score_page(self.name, self.truth, text).strict.cer


def _words(tsv: Path) -> list[Word]:
    """The words of a page's TSV with the junk (and a stamp's own words, ocr.detect.stampwords)
    a previous run dropped put back."""
    manifest = tsv.with_name(tsv.name.replace(".tsv", ".ocr.json"))
    steps = json.loads(manifest.read_text())["processing_steps"] if manifest.is_file() else []
    junk = [w for s in steps if s["id"] == "junk" for w in dropped_words(s["settings"])]
    stamp = [w for s in steps if s["id"] == STAMP_STEP for w in dropped_words(s["settings"])]
    return restored(restored(read_words(tsv), stamp), junk)  # in the order they were dropped


def _marks(tsv: Path) -> list[Box]:
    """The boxes of the stamps, handwriting and signatures the run found on the page (its
    regions.json beside the TSV, in the same pixels as the TSV's boxes)."""
    path = tsv.with_name(tsv.name.replace(".tsv", ".regions.json"))
    return marked_boxes(load_regions(path)) if path.is_file() else []


def _page(
    name: str,
    kind: str,
    languages: str,
    words: list[Word],
    truth: str,
    where: list[str],
    marks: Sequence[Box],
):
    height = typed_height(words)
    langs = dictionary_languages(languages)
    if height is None or not langs:
        return None
    feats = junk_features(words, languages, height, marks)
    knows, zipfs = lexicon(words, languages)
    marked = marked_words(words, marks)
    features: list[list[float] | None] = [
        None if never_junk(w, k, z, m) else f
        for w, k, z, m, f in zip(words, knows, zipfs, marked, feats, strict=True)
    ]
    truth = normalise(truth)
    labels = word_labels(words, truth)
    near = fragments_near(words, languages)
    in_marks = fragments_near(words, languages, marks)
    page = Page(name, kind, languages, words, truth, labels, where, features, near, in_marks)
    shipped = shipped_model()
    if shipped is not None:
        page.shipped = dropped_by(page, scores([page], shipped)[0], shipped)
    return page


def shipped_model() -> JunkModel | None:
    """The shipped model (ocr/data/junk.json) as main reads with it: its mark threshold left
    out (what this learner adds); None when it was fitted on other features."""
    try:
        return replace(junk_model(), mark_threshold=1.01)
    except ValueError:
        return None


def synthetic_pages(folders: Sequence[str], work: Path) -> list[Page]:
    out = []
    for name in folders:
        folder = work / name
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        clean = {
            it["name"]
            for it in manifest["items"]
            if it["level"] == "clean" and not it["stamped"] and not it["copy_of"]
        }
        for tsv in sorted((folder / "out").glob("*/p001.tsv")):
            document = tsv.parent.name
            words = _words(tsv)
            truth = (folder / "truth" / f"{document}.txt").read_text(encoding="utf-8")
            kind = "clean" if document in clean else "synthetic"
            where = [ON_LINE] * len(words)
            page = _page(f"{name}/{document}", kind, "rus", words, truth, where, _marks(tsv))
            if page is not None:
                out.append(page)
    return out


def _inside(word: Word, box: Box, grow: float) -> bool:
    col, row = word.box.left + word.box.width / 2, word.box.top + word.box.height / 2
    pad_x, pad_y = grow * box.height, grow * box.height / 2
    return (
        box.left - pad_x <= col <= box.right + pad_x
        and box.top - pad_y <= row <= box.bottom + pad_y
    )


def real_tuning_pages(keep: Path, part: str = "tuning") -> list[Page]:
    """The real pages of the split's ``part`` as the pipeline read them in a
    ``bench.bench_real --keep`` folder; where each word lies as bench.bench_real scores it."""
    out = []
    for rp in (p for p in real_pages() if p.split == part):
        tsvs = sorted(keep.glob(f"ocr-run-*/{rp.language}/{rp.name}/p001.tsv"))
        if not tsvs:
            continue
        words = _words(tsvs[0])
        typed = [Box(*b) for b in rp.typed_boxes]
        hand = [Box(*b) for b in rp.untyped_boxes]
        grow = 1.0 if rp.corpus == "ehri" else 0.0
        where = [
            HANDWRITTEN
            if any(_inside(w, b, 0.0) for b in hand)
            else ON_LINE
            if any(_inside(w, b, grow) for b in typed)
            else OFF_LINE
            for w in words
        ]
        marks = _marks(tsvs[0])
        page = _page(f"real/{rp.name}", rp.corpus, rp.language, words, rp.truth, where, marks)
        if page is not None:
            out.append(page)
    return out


def legible_looking(text: str) -> bool:
    """A word of more than two letters or digits that looks like a word the reference may have
    left out (a stamp's or letterhead's wording, a name): letters only (marks around them
    aside), one case or a capital first letter, a vowel. Such a word off the reference is no
    sample either way: it may be legible text."""
    core = text.strip(".,;:!?()[]{}\"'«»-–—/")
    if len(core) <= MAX_ALNUM or not core.isalpha():
        return False
    cased = core[1:]
    return (cased.isupper() or cased.islower()) and any(c.lower() in VOWELS for c in core)


def label(page: Page, i: int) -> float | None:
    """A candidate's label: 1.0 junk, 0.0 text, None no sample (a handwritten line; a longer
    word off the reference that looks legible)."""
    where, text = page.where[i], page.words[i].text
    if where == HANDWRITTEN:
        return None
    junk = (where == OFF_LINE and page.kind == "ehri") or (
        page.labels[i] == SPURIOUS and where == ON_LINE
    )
    if junk and sum(c.isalnum() for c in text) > MAX_ALNUM and legible_looking(text):
        return None
    return 1.0 if junk else 0.0


def training_set(pages: Sequence[Page]) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for p in pages:
        for i, f in enumerate(p.features):
            y = None if f is None else label(p, i)
            if f is None or y is None:
                continue
            xs.append(f)
            ys.append(y)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[list[float], float]:
    """Weights and bias (on the raw features) of an L2 logistic regression."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[:-1] / scale
    bias = float(w[-1] - (w[:-1] * mean / scale).sum())
    return [float(v) for v in weights], bias


def scores(pages: Sequence[Page], model: JunkModel) -> list[list[float | None]]:
    return [[None if f is None else model.probability(f) for f in p.features] for p in pages]


def dropped_by(page: Page, probs: Sequence[float | None], model: JunkModel) -> set[int]:
    """The words of ``page`` the model drops (its threshold, or its cluster threshold for a word
    among fragments)."""
    near = page.near or [0] * len(probs)
    in_marks = page.near_in_marks or near
    return {
        i
        for i, (v, n, m) in enumerate(zip(probs, near, in_marks, strict=True))
        if v is not None and v >= model.threshold_for(n, m)
    }


def evaluate(
    pages: Sequence[Page], probs: Sequence[Sequence[float | None]], model: JunkModel
) -> dict[str, object]:
    """With ``model``'s thresholds: the worst page's CER change, real words dropped on clean
    pages, the errors removed per kind of page (and in all), and the words dropped by label."""
    worst, worst_page, clean_real, removed = 0.0, "", 0, 0.0
    worst_shipped, worst_shipped_page, worst_either = 0.0, "", 0.0
    by_kind: dict[str, list[float]] = {}
    dropped: dict[str, int] = {}
    for p, ps in zip(pages, probs, strict=True):
        drop = dropped_by(p, ps, model)
        before, after = p.cer(set()), p.cer(drop)
        if after - before > worst:
            worst, worst_page = after - before, p.name
        if after - p.shipped_reads() > worst_shipped:
            worst_shipped, worst_shipped_page = after - p.shipped_reads(), p.name
        worst_either = max(worst_either, after - max(before, p.shipped_reads()))
        chars = len(p.truth)
        removed += (before - after) * chars
        acc = by_kind.setdefault(p.kind, [0.0, 0.0, 0.0])
        acc[0] += before * chars
        acc[1] += after * chars
        acc[2] += chars
        for i in drop:
            key = f"{p.labels[i]}/{p.where[i]}" + ("/fr" if p.kind == "typescript-fr" else "")
            dropped[key] = dropped.get(key, 0) + 1
            if p.kind == "clean" and p.labels[i] == REAL:
                clean_real += 1
    return {
        "worst": worst,
        "worst_page": worst_page,
        "worst_shipped": worst_shipped,
        "worst_shipped_page": worst_shipped_page,
        "worst_either": worst_either,
        "clean_real": clean_real,
        "cer": {k: (v[0] / v[2], v[1] / v[2]) for k, v in by_kind.items()},
        "dropped": dropped,
        "removed": removed,
    }


def _holds(e: dict[str, object], anchored: bool = False) -> bool:
    """No tuning page worse by more than MAX_WORSE than with nothing dropped, no real word of a
    clean page dropped. ``anchored``: no page worse by more than MAX_WORSE than with what the
    shipped model drops either, and than with nothing dropped unless the shipped model reads
    it no better (the learner's copy of a page may read otherwise than the run's)."""
    worst, shipped, clean = e["worst"], e["worst_shipped"], e["clean_real"]
    either = e["worst_either"]
    assert isinstance(worst, float) and isinstance(shipped, float) and isinstance(clean, int)
    assert isinstance(either, float)
    if anchored:
        return shipped <= MAX_WORSE and either <= MAX_WORSE and clean == 0
    return worst <= MAX_WORSE and clean == 0


def _lowest(results: Sequence[tuple[float, bool]]) -> float | None:
    """The lowest threshold from which every higher one holds too (None: not even the
    highest)."""
    lowest = None
    for t, ok in reversed(results):
        if not ok:
            break
        lowest = t
    return lowest


def choose_threshold(pages: Sequence[Page], model: JunkModel) -> tuple[float, list[str]]:
    probs = scores(pages, model)
    lines: list[str] = []
    results: list[tuple[float, bool]] = []
    for t in [round(0.30 + 0.02 * k, 2) for k in range(35)]:
        e = evaluate(pages, probs, replace(model, threshold=t, cluster_size=0))
        ok = _holds(e)
        gains = _gains(e)
        lines.append(
            f"t={t:.2f} {'ok ' if ok else 'BAD'} worst {e['worst']:+.4f} ({e['worst_page']}) "
            f"clean real dropped {e['clean_real']}; {gains}; dropped {e['dropped']}"
        )
        results.append((t, ok))
    lowest = _lowest(results)
    if lowest is None:
        return 1.01, lines
    return round(min(lowest + MARGIN, 0.99), 2), lines


def choose_cluster(pages: Sequence[Page], model: JunkModel) -> tuple[int, float, list[str]]:
    """The cluster threshold (for a word with at least K fragments around it) and K: for each
    K of CLUSTER_SIZES, the lowest threshold under the model's from which every higher one
    holds (as the threshold's rule), plus MARGIN; of those, the K that removes the most errors
    on the tuning pages. (0, 1.01): none lower than the threshold holds."""
    probs = scores(pages, model)
    lines: list[str] = []
    best: tuple[float, int, float] = (0.0, 0, 1.01)
    base = evaluate(pages, probs, replace(model, cluster_size=0))["removed"]
    assert isinstance(base, float)
    grid = [round(0.10 + 0.02 * k, 2) for k in range(45)]
    for size in CLUSTER_SIZES:
        results = []
        for t in (t for t in grid if t < model.threshold):
            e = evaluate(pages, probs, replace(model, cluster_size=size, cluster_threshold=t))
            ok = _holds(e)
            results.append((t, ok))
            lines.append(
                f"cluster {size} t={t:.2f} {'ok ' if ok else 'BAD'} worst {e['worst']:+.4f} "
                f"({e['worst_page']}) clean real dropped {e['clean_real']}; {_gains(e)}"
            )
        lowest = _lowest(results)
        if lowest is None:
            continue
        t = round(lowest + MARGIN, 2)
        if t >= model.threshold:
            continue
        e = evaluate(pages, probs, replace(model, cluster_size=size, cluster_threshold=t))
        removed = e["removed"]
        assert isinstance(removed, float)
        lines.append(
            f"cluster {size}: threshold {t} (lowest that holds {lowest}); errors removed "
            f"{removed:.0f} characters against {base:.0f} without it; {_gains(e)}"
        )
        if removed > best[0] + 0.5:
            best = (removed, size, t)
    if best[1] == 0 or best[0] <= base:
        return 0, 1.01, lines
    return best[1], best[2], lines


def choose_mark(
    pages: Sequence[Page], model: JunkModel, anchored: bool = False
) -> tuple[float, list[str]]:
    """The mark threshold: for a word among at least the model's cluster_size fragments once the
    words inside stamps, handwriting and signatures make no line typing (Page.near_in_marks),
    the lowest threshold under the model's from which every higher one holds (``anchored``:
    against the shipped model's reading of every page too), plus MARGIN. 1.01: none lower
    than the model's holds, or the model has no cluster size."""
    lines: list[str] = []
    if not model.cluster_size:
        return 1.01, lines
    probs = scores(pages, model)
    results = []
    for t in (round(0.10 + 0.02 * k, 2) for k in range(45)):
        if t >= model.threshold:
            break
        e = evaluate(pages, probs, replace(model, mark_threshold=t))
        ok = _holds(e, anchored)
        results.append((t, ok))
        lines.append(
            f"mark t={t:.2f} {'ok ' if ok else 'BAD'} worst {e['worst']:+.4f} ({e['worst_page']}),"
            f" against the shipped model {e['worst_shipped']:+.4f} ({e['worst_shipped_page']}),"
            f" clean real dropped {e['clean_real']}; removed {e['removed']:.0f}; {_gains(e)}"
        )
    lowest = _lowest(results)
    if lowest is None or lowest + MARGIN >= model.threshold:
        return 1.01, lines
    return round(lowest + MARGIN, 2), lines


def _gains(e: dict[str, object]) -> str:
    """Strict CER by kind of page, before -> after the model drops its junk."""
    cer = e["cer"]
    assert isinstance(cer, dict)
    return ", ".join(f"{n} {b:.2%}->{a:.2%}" for n, (b, a) in sorted(cer.items()))


def fit_model(pages: Sequence[Page]) -> tuple[JunkModel, list[str]]:
    """The model, its threshold and its cluster threshold, fitted and chosen on ``pages``."""
    x, y = training_set(pages)
    weights, bias = fit_logistic(x, y)
    threshold, lines = choose_threshold(pages, JunkModel(tuple(weights), bias, 1.0))
    model = JunkModel(tuple(weights), bias, threshold)
    size, cluster, more = choose_cluster(pages, model)
    model = replace(model, cluster_size=size, cluster_threshold=cluster)
    mark, last = choose_mark(pages, model)
    return replace(model, mark_threshold=mark), lines + more + last


def refit_mark(pages: Sequence[Page]) -> tuple[JunkModel, list[str]]:
    """The shipped model kept (weights, threshold, cluster size and threshold); only its mark
    threshold chosen on ``pages``, no page worse than with the shipped model
    (:func:`choose_mark`, anchored). It drops what the shipped model drops and more."""
    shipped = shipped_model()
    if shipped is None:
        raise SystemExit("the shipped model was fitted on other features: refit it whole")
    mark, lines = choose_mark(pages, shipped, anchored=True)
    return replace(shipped, mark_threshold=mark), lines


def cross_check(pages: Sequence[Page], seed: int = 3, mark_only: bool = False) -> list[str]:
    """Two folds of the pages: the model and its threshold fitted on one, applied to the other
    (the worst page's CER change, real words dropped on clean pages, CER by kind)."""
    import random

    order = list(range(len(pages)))
    random.Random(seed).shuffle(order)
    lines = []
    for k in (0, 1):
        fold = set(order[k::2])
        train = [p for i, p in enumerate(pages) if i in fold]
        test = [p for i, p in enumerate(pages) if i not in fold]
        model, _ = refit_mark(train) if mark_only else fit_model(train)
        probs = scores(test, model)
        e = evaluate(test, probs, model)
        gains = _gains(e)
        lines.append(
            f"fold {k}: threshold {model.threshold}, {model.cluster_threshold} among "
            f"{model.cluster_size} fragments, {model.mark_threshold} in marks; on the other "
            f"fold worst {e['worst']:+.4f} ({e['worst_page']}), against the shipped model "
            f"{e['worst_shipped']:+.4f} ({e['worst_shipped_page']}), clean real dropped "
            f"{e['clean_real']}; {gains}"
        )
        for p, ps in zip(test, probs, strict=True):
            if p.name in (e["worst_page"], e["worst_shipped_page"]):
                drop = sorted(dropped_by(p, ps, model))
                shown = " ".join(
                    f"{p.words[i].text}[{p.labels[i][0]}:{p.where[i]}:{ps[i]:.2f}:{p.near[i]}]"
                    for i in drop
                )
                lines.append(f"  dropped there: {shown[:800]}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, help="a bench.bench_real --keep folder (tuning)")
    parser.add_argument("--work", type=Path, default=WORK, help="where the review sets are")
    parser.add_argument("--tune", default=",".join(TUNE), help="review sets to fit on")
    parser.add_argument("--no-ehri", action="store_true", help="leave the EHRI pages out")
    parser.add_argument("--write", action="store_true", help="write ocr/data/junk.json")
    parser.add_argument("--cross", action="store_true", help="check out of sample (two folds)")
    parser.add_argument(
        "--mark-only",
        action="store_true",
        help="keep the shipped model; choose only its mark threshold, no tuning page worse "
        "than with the shipped model (refit_mark)",
    )
    args = parser.parse_args(argv)
    tune = args.tune.split(",")
    pages = synthetic_pages(tune, args.work)
    if args.real:
        pages += [
            p for p in real_tuning_pages(args.real) if not (args.no_ehri and p.kind == "ehri")
        ]
    x, y = training_set(pages)
    print(f"{len(pages)} pages, {len(y)} candidate words, {int(y.sum())} junk")
    model, lines = refit_mark(pages) if args.mark_only else fit_model(pages)
    print(
        "weights: "
        + ", ".join(f"{n} {w:+.3f}" for n, w in zip(FEATURES, model.weights, strict=True))
    )
    print(f"bias {model.bias:+.3f}")
    print("\n".join(lines))
    print(
        f"threshold {model.threshold}; cluster threshold {model.cluster_threshold} for a word "
        f"with at least {model.cluster_size} fragments around it; mark threshold "
        f"{model.mark_threshold} for one among them once marks make no typing"
    )
    probs = scores(pages, model)
    for p, ps in zip(pages, probs, strict=True):
        drop = sorted(dropped_by(p, ps, model))
        if drop and p.kind in ("ehri", "typescript-fr", "clean"):
            shown = " ".join(f"{p.words[i].text}[{p.labels[i][0]}:{p.where[i]}]" for i in drop)
            print(f"  {p.name}: {p.cer(set()):.2%} -> {p.cer(set(drop)):.2%}: {shown[:600]}")
    if args.cross:
        print("\n".join(cross_check(pages, mark_only=args.mark_only)))
    if args.write:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        real = ", ".join(sorted({p.kind for p in pages} & {"ehri", "typescript-fr"}))
        source = (
            f"bench/learn_junk.py at {commit} on {', '.join(tune)} and the real tuning pages "
            f"(bench/real_split.json; {real}): {len(pages)} pages, {len(y)} candidate words, "
            f"{int(y.sum())} junk"
            + ("; --mark-only: the mark threshold, the rest kept" if args.mark_only else "")
        )
        model = replace(model, source=source)
        MODEL_FILE.write_text(json.dumps(model.as_json(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
