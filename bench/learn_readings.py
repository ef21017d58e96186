"""Learn the reading-quality model (ocr/data/reading_quality.json) from the tuning pages only,
and print how the choice between readings would do on them.

Run from the project root:
  .venv/bin/python -m bench.learn_readings [--work DIR] [--synth DIR] [--write]

Pages: the tuning part of the sealed real split (bench/real_split.json) and a synthetic set
made with another seed than the benchmark's (``ocr synth --out DIR --pages 32 --seed 7``).
Each page is read by tesseract as the pipeline would read it: the page as loaded (what stock
tesseract sees) and the pipeline's processed page. A word counts as right when the page's
reference holds it (as a multiset of whitespace-separated tokens). The model is a logistic
regression of that on each word's features (ocr.quality.FEATURES), fitted by Newton's method
with a small ridge; one model uses the language's word list, one does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_scores import score_page
from bench.common import ROOT, real_pages

MODEL = ROOT / "ocr" / "data" / "reading_quality.json"
VARIANTS = ("original", "processed")
RIDGE = 1e-2


@dataclass(frozen=True)
class TuningPage:
    """A page to learn from: its image, language, reference text and group (for hold-outs)."""

    name: str
    image: Path
    language: str
    truth: str
    group: str


def tuning_pages(synth: Path | None) -> list[TuningPage]:
    pages = [
        TuningPage(p.name, p.image, p.language, p.truth, p.group)
        for p in real_pages()
        if p.split == "tuning"
    ]
    if synth is not None and (synth / "manifest.json").is_file():
        manifest = json.loads((synth / "manifest.json").read_text(encoding="utf-8"))
        pages += [
            TuningPage(
                i["name"],
                synth / i["image"],
                "rus",
                (synth / i["gt"]).read_text(encoding="utf-8"),
                f"synth-{i['level']}",
            )
            for i in manifest["items"]
        ]
    return pages


def prepare(page: TuningPage, folder: Path) -> tuple[Path, int]:
    """The pipeline's processed page image (written once) and the page's dpi."""
    from ocr.geometry import PageGeometry
    from ocr.load import inspect_scan, load_page
    from ocr.preprocess import preprocess
    from ocr.stages.preprocess import find_colour_stamps

    image, meta = folder / "processed.png", folder / "meta.json"
    if image.is_file() and meta.is_file():
        return image, int(json.loads(meta.read_text())["dpi"])
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    scan = inspect_scan(page.image, dpi=300, max_pixels=400_000_000)
    loaded = load_page(scan, 1, dpi=300, max_pixels=400_000_000)
    pre = preprocess(
        loaded.image, binarize_output=False, page_frame=True, find_stamps=find_colour_stamps
    )
    cv2.imwrite(str(image), pre.ocr_image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    rows, cols = loaded.image.shape[:2]
    geometry = pre.geometry or PageGeometry.identity(rows, cols)
    meta.write_text(json.dumps({"dpi": loaded.dpi, "geometry": geometry.as_json()}))
    return image, loaded.dpi


def read_all(pages: Sequence[TuningPage], work: Path) -> None:
    """tesseract TSV+txt of every page and variant (kept in ``work``; existing ones reused)."""
    jobs = []
    for page in pages:
        folder = work / page.name
        processed, dpi = prepare(page, folder)
        jobs.append((page, page.image, folder / "original", ()))
        jobs.append((page, processed, folder / "processed", ("--dpi", str(dpi))))
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(job: tuple[TuningPage, Path, Path, tuple[str, ...]]) -> None:
        page, image, base, args = job
        if not base.with_suffix(".tsv").is_file():
            subprocess.run(
                ["tesseract", str(image), str(base), "-l", page.language, *args, "txt", "tsv"],
                capture_output=True,
                env=env,
                check=False,
            )

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(one, jobs))


def labelled_words(
    page: TuningPage, base: Path, *, dictionary: bool
) -> tuple[list[list[float]], list[int], list[int]]:
    """Features, right/wrong labels and lengths of a reading's words."""
    from ocr.quality import dictionary_languages, word_features
    from ocr.tesseract import read_words

    langs = dictionary_languages(page.language) if dictionary else ()
    bag = Counter(page.truth.split())
    features, labels, lengths = [], [], []
    for word in read_words(base.with_suffix(".tsv")):
        right = bag[word.text] > 0
        bag[word.text] -= right
        features.append(word_features(word.text, word.conf, langs))
        labels.append(int(right))
        lengths.append(len(word.text))
    return features, labels, lengths


def fit(features: np.ndarray, labels: np.ndarray, *, iterations: int = 40) -> np.ndarray:
    """Ridge logistic regression by Newton's method; the last weight is the bias."""
    x = np.hstack([features, np.ones((len(features), 1))])
    w = np.zeros(x.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - labels) + RIDGE * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + RIDGE * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def dataset(
    pages: Sequence[TuningPage], work: Path, *, dictionary: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, groups = [], [], []
    for page in pages:
        for variant in VARIANTS:
            f, y, _ = labelled_words(page, work / page.name / variant, dictionary=dictionary)
            xs += f
            ys += y
            groups += [page.group] * len(y)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float), np.asarray(groups)


def write_model(
    weights: dict[str, np.ndarray],
    pages: Sequence[TuningPage],
    words: int,
    choice: dict[str, float],
) -> None:
    from ocr.quality import FEATURES

    groups = sorted({p.group for p in pages})
    models = {
        name: {"weights": [round(float(v), 4) for v in w[:-1]], "bias": round(float(w[-1]), 4)}
        for name, w in weights.items()
    }
    choice_note = (
        "chosen from the grid printed by python -m bench.learn_readings --grid on the same "
        "tuning pages: no page worse than stock by more than a point on any kind of "
        "page, then the fewest errors on the real pages, then on the synthetic ones, "
        "then the fewest readings; see bench/results_real.md"
    )
    data = {
        "features": list(FEATURES),
        "models": models,
        "provenance": (
            f"bench/learn_readings.py on {time.strftime('%Y-%m-%d')}: {words} "
            f"words of {len(pages)} tuning pages ({', '.join(groups)}), readings "
            f"{', '.join(VARIANTS)}; right = in the page's reference tokens"
        ),
        "choice": {**choice, "provenance": choice_note},
    }
    MODEL.write_text(dump_model(data), encoding="utf-8")


def dump_model(data: dict[str, Any]) -> str:
    """The model file's text: one line per word model and one for the choice rules."""
    models = data["models"]
    lines = ["{", f' "features": {json.dumps(data["features"])},', ' "models": {']
    lines += [
        f'  "{name}": {json.dumps(m)}{"," if i < len(models) - 1 else ""}'
        for i, (name, m) in enumerate(models.items())
    ]
    lines += [
        " },",
        f' "provenance": {json.dumps(data["provenance"])},',
        f' "choice": {json.dumps(data["choice"], ensure_ascii=False)}',
        "}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/learn-readings"))
    parser.add_argument("--synth", type=Path, help="a synthetic tuning set (not the bench's)")
    parser.add_argument("--write", action="store_true", help=f"write {MODEL.relative_to(ROOT)}")
    parser.add_argument("--grid", action="store_true", help="print the choice rules' grid")
    parser.add_argument(
        "--lines",
        action="store_true",
        help="print the grid of the choice per group of lines, and with --write keep its best "
        "rules (the word model and the page rules as the model file has them)",
    )
    parser.add_argument("--doubt-rate", type=float, default=0.6)
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--few-chars", type=float, default=0.25)
    parser.add_argument("--frame-share", type=float, default=0.85)
    parser.add_argument("--min-chars", type=int, default=50)
    parser.add_argument("--wrong-weight", type=float, default=0.5)
    parser.add_argument("--missing-weight", type=float, default=1.0)
    args = parser.parse_args(argv)
    pages = tuning_pages(args.synth)
    read_all(pages, args.work)
    if args.lines:
        from bench.learn_lines import learn_lines

        return learn_lines(pages, args.work, write=args.write)
    weights = {}
    for name, dictionary in (("with_dictionary", True), ("without_dictionary", False)):
        x, y, _ = dataset(pages, args.work, dictionary=dictionary)
        weights[name] = fit(x, y)
        print(f"{name}: {len(y)} words, {y.mean():.1%} right, weights {np.round(weights[name], 3)}")
    choice = {
        "doubt_rate": args.doubt_rate,
        "margin": args.margin,
        "few_chars": args.few_chars,
        "frame_share": args.frame_share,
        "min_chars": args.min_chars,
        "wrong_weight": args.wrong_weight,
        "missing_weight": args.missing_weight,
    }
    if args.write:
        write_model(weights, pages, len(y), choice)
        print(f"written {MODEL.relative_to(ROOT)}")
    report_choices(pages, args.work)
    if args.grid:
        print_grid(pages, args.work, choice)
    return 0


def report_choices(pages: Sequence[TuningPage], work: Path) -> None:
    """Per page: both readings' net estimate and true CER (strict, whole page)."""
    for (name, variant), r in sorted(readouts(pages, work).items()):
        print(
            f"{name[:42]:42} {variant:9} net {r.summary.net:7.0f} rate "
            f"{r.summary.net_rate:5.2f} chars {r.summary.chars:5} blobs {r.ink_blobs:5} "
            f"cer {r.errors / max(1, r.total):6.1%}"
        )


def print_grid(pages: Sequence[TuningPage], work: Path, base: dict[str, float]) -> None:
    """The choice on the tuning pages for each doubt rate, margin and weight of a likely wrong
    and of a missing letter (errors over stock's, pages worse / better by a point, readings per
    page), per kind of page; the other rules as ``base``."""
    from ocr.readings import ChoiceRules

    reads = readouts(pages, work)
    for wrong, missing in ((1.0, 0.0), (1.0, 1.0), (0.5, 0.5), (0.5, 1.0), (0.25, 1.0)):
        for doubt in (0.5, 0.6, 0.7):
            for margin in (0.02, 0.05):
                rules = ChoiceRules(
                    doubt,
                    base["few_chars"],
                    base["frame_share"],
                    margin,
                    int(base["min_chars"]),
                    "grid",
                    wrong,
                    missing,
                )
                table = simulate(pages, reads, rules=rules)
                print(
                    f"wrong {wrong:.2f} missing {missing:.2f} doubt {doubt:.2f} "
                    f"margin {margin:.2f}  "
                    + "  ".join(
                        f"{kind}: {r[0]:.3f} worse {r[1]} better {r[2]} readings {r[3]:.2f}"
                        for kind, r in sorted(table.items())
                    )
                )


@dataclass(frozen=True)
class Readout:
    """One reading of a page as the choice sees it (ocr.readings.ReadingSummary), the page's
    letter-sized blobs of ink, and the reading's true score."""

    summary: Any
    ink_blobs: int
    errors: int
    total: int


def ink_blobs(page: TuningPage, folder: Path) -> int:
    """The page's letter-sized blobs as prepare measures them (ocr.preprocess.frame_page),
    kept in the page's meta.json."""
    meta = folder / "meta.json"
    data = json.loads(meta.read_text()) if meta.is_file() else {}
    if "ink_blobs" not in data:
        from ocr.load import inspect_scan, load_page
        from ocr.preprocess import frame_page

        scan = inspect_scan(page.image, dpi=300, max_pixels=400_000_000)
        image = load_page(scan, 1, dpi=300, max_pixels=400_000_000).image
        data["ink_blobs"] = frame_page(image, page_frame=True).ink_blobs
        meta.write_text(json.dumps(data))
    return int(data["ink_blobs"])


def readouts(pages: Sequence[TuningPage], work: Path) -> dict[tuple[str, str], Readout]:
    from ocr.readings import summarise
    from ocr.tesseract import read_words

    out = {}
    for page in pages:
        blobs = ink_blobs(page, work / page.name)
        for variant in VARIANTS:
            base = work / page.name / variant
            words = read_words(base.with_suffix(".tsv"))
            summary = summarise(variant, words, languages=page.language, psm=3, seconds=0.0)
            score = score_page(
                page.name, page.truth, base.with_suffix(".txt").read_text(encoding="utf-8")
            ).strict
            out[(page.name, variant)] = Readout(summary, blobs, score.char_errors, score.char_total)
    return out


def simulate(
    pages: Sequence[TuningPage], reads: dict[tuple[str, str], Readout], *, rules: Any
) -> dict[str, tuple[float, int, int, float]]:
    """Per kind of page (French, EHRI, synthetic): errors vs stock's, pages worse and better by
    more than a point, readings per page, choosing as ocr.readings.read_page does with
    ``rules`` (its doubt and better; the page's paper share is not part of it)."""
    from ocr.readings import better, doubt

    table: dict[str, list[tuple[int, int, int, int]]] = {}
    for page in pages:
        first, second = reads[(page.name, "original")], reads[(page.name, "processed")]
        doubtful = bool(
            doubt(first.summary, ink_blobs=first.ink_blobs, paper_share=1.0, rules=rules)
        )
        switch = doubtful and bool(
            better(first.summary, second.summary, ink_blobs=first.ink_blobs, rules=rules)
        )
        kept = second if switch else first
        kind = (
            "synth"
            if page.group.startswith("synth")
            else "ehri"
            if page.name.startswith("EHRI")
            else "fr"
        )
        table.setdefault(kind, []).append(
            (kept.errors, first.errors, first.total, 1 + int(doubtful))
        )
    out = {}
    for kind, rows in table.items():
        worse = sum(e > s + 0.01 * t for e, s, t, _ in rows)
        gained = sum(e < s - 0.01 * t for e, s, t, _ in rows)
        out[kind] = (
            sum(r[0] for r in rows) / max(1, sum(r[1] for r in rows)),
            worse,
            gained,
            sum(r[3] for r in rows) / len(rows),
        )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
