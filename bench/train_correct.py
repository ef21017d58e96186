"""Estimate post-OCR correction's tables from the tuning side of the split (bench/correct_split.py):
the channel's counts, capitals and letters from the fit pages and texts, then the calibration
models (the unknown truth's mass on the fit pages, the posterior's calibration on the
calibration pages)."""

from __future__ import annotations

import argparse
import re
import subprocess
from collections import Counter
from pathlib import Path

from bench.common import ROOT
from bench.correct_data import ensure_pages, line_ocr
from bench.correct_fit import (
    fit_logistic,
    log_loss,
    other_examples,
    out_of_fold,
    reliability,
    right_examples,
)
from bench.correct_split import CALIBRATE_SETS, FIT_SETS, KOMI_TUNING, TUNING_SOURCES
from ocr.correct.calibration import (
    CALIBRATION_TABLE,
    Calibration,
    Logistic,
    load_calibration,
    write_calibration,
)
from ocr.correct.channel import load_channel
from ocr.correct.evidence import text_choices, text_layout
from ocr.correct.features import KINDS, POSTERIOR_KNOTS, SHAPES
from ocr.correct.lexicon import CAPITALS_TABLE, LETTERS_TABLE, default_lexicon, fold
from ocr.correct.tokens import chunks
from ocr.correct.train import Row, Sample, count_sample, write_counts
from ocr_synth.texts import corpus_documents

CHANNEL = ROOT / "ocr" / "data" / "channel_ru.tsv"


def page_sample(page) -> Sample:
    """A pipeline page as an aligned sample with its choices and layout."""
    words = list(re.finditer(r"\S+", page.text))
    spans = [(m.start(), m.end()) for m in words]
    return Sample(
        page.text,
        page.truth,
        text_choices(spans, [m.group() for m in words], page.choices),
        text_layout(page.text, spans, page.boxes),
    )


def capitals(path: Path) -> int:
    """Words the tuning texts write with a capital inside sentences more often than not."""
    inside: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for doc in corpus_documents():
        if doc.source not in TUNING_SOURCES:
            continue
        for para in doc.paragraphs:
            for c in chunks(para):
                if c.sentence_start or not c.text.isalpha() or c.letters < 2 or c.text.isupper():
                    continue
                inside[fold(c.text)] += 1
                capital[fold(c.text)] += c.text[:1].isupper()
    rows = sorted(w for w in inside if capital[w] >= 1)
    lines = [
        "# Words the tuning texts (bench/correct_split.py TUNING_SOURCES) write with a",
        "# capital inside a sentence at least once: capitalised forms of the corpus, whose",
        "# capital correction never lowers (ocr.correct.lexicon.Lexicon.capitalised).",
        f"# Made by bench/train_correct.py at {_commit()}.",
        "word\tcapital\tinside",
    ]
    lines += [f"{w}\t{capital[w]}\t{inside[w]}" for w in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(rows)


def letters(path: Path) -> int:
    """Letter trigram and bigram weights of Russian words (wordfreq's, Zipf 2.5 and over,
    weighted by frequency): what a Russian word's letters look like, for the language gate."""
    from ocr.correct.lexicon import base_words

    tri: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    words, zipfs = base_words()
    for word, z in zip(words, zipfs.tolist(), strict=True):
        if z < 2.5:
            continue
        weight = 10 ** (z - 2.5)
        padded = f"^{word}$"
        for i in range(len(padded) - 2):
            tri[padded[i : i + 3]] += weight
            bi[padded[i : i + 2]] += weight
    lines = [
        "# Letter trigrams and bigrams of Russian words, weighted by frequency: wordfreq",
        "# 3.x large_ru list, words of Zipf 2.5 and over (weight 10^(zipf-2.5)); ^ and $",
        f"# mark a word's start and end. Made by bench/train_correct.py at {_commit()}.",
        "gram\tweight",
    ]
    lines += [f"{g}\t{round(w)}" for g, w in sorted({**tri, **bi}.items()) if round(w) > 0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


OTHER_FEATURES = (
    "page_unknown",
    "page_doubted",
    "no_choices",
    "line_unknown",
    "letters",
    "known",
    "chunk_doubted",
    "marks",
    "nearest",
    "readings",
    *(f"shape_{s}" for s in SHAPES),
)
RIGHT_FEATURES = (
    "posterior",
    "page_unknown",
    "page_doubted",
    "no_choices",
    "line_unknown",
    "letters",
    "known",
    "chunk_doubted",
    "marks",
    "edits",
    "nearest",
    "read_zipf",
    "best_zipf",
    "cost",
    "cost_sq",
    "short",
    "edits_share",
    "unknown_sq",
    "post_x_unknown",
    "post_x_doubted",
    "post_x_short",
    *(f"post_over_{k}" for k in POSTERIOR_KNOTS),
    *(f"shape_{s}" for s in SHAPES),
    *(f"kind_{k}" for k in KINDS),
)


def calibration(jobs: int, rounds: int = 2, *, right_only: bool = False) -> list[str]:
    """Fit the unknown truth's mass on the fit pages (or keep the shipped one when
    ``right_only``), then the posterior's calibration on the calibration pages (``rounds``
    times: the page's own channel adapts to calibrated picks); write both to
    ocr/data/calibration_ru.tsv; return the out-of-fold reliability tables."""
    load_channel.cache_clear()
    if right_only:
        shipped = load_calibration().other
        other = dict(shipped.weights) if shipped is not None else {}
    else:
        fit_pages = [p for spec in FIT_SETS for p in ensure_pages(spec, workers=jobs)]
        other = fit_logistic(other_examples(fit_pages, Calibration()), OTHER_FEATURES)
    cal_pages = [p for spec in CALIBRATE_SETS for p in ensure_pages(spec, workers=jobs)]
    right: dict[str, float] | None = None
    for _ in range(rounds):
        model = Calibration(Logistic(other), Logistic(right) if right else None)
        rows = right_examples(cal_pages, model)
        right = fit_logistic(rows, RIGHT_FEATURES)
    oof = out_of_fold(rows, RIGHT_FEATURES)
    labels = [r.label for r in rows]
    sets = ", ".join(f"'{s.name}' (seed {s.seed})" for s in CALIBRATE_SETS)
    write_calibration(
        CALIBRATION_TABLE,
        {"other": other, "right": right},
        [
            "Calibration of post-OCR correction's posterior (ocr/correct/calibration.py): two",
            "logistic models. 'other': P(the true word is none of the readings weighed) from a",
            "chunk's features (ocr/correct/features.py), fitted on the fit pages of the channel"
            + (f" ({_other_origin()}, kept)." if right_only else "."),
            "'right': P(the best reading is right) from its posterior and its features, fitted on",
            f"the calibration pages: {sets}.",
            f"Made by bench/train_correct.py{' --right-only' if right_only else ''} at "
            f"{_commit()} (bench/correct_split.py).",
        ],
    )
    load_calibration.cache_clear()
    return [
        f"{len(rows)} suggestions, {sum(labels)} right; log loss out of fold "
        f"{log_loss(oof, labels):.3f}",
        *reliability(oof, labels),
    ]


def _other_origin() -> str:
    """Where the shipped table's 'other' model was made: the origin its header keeps, else its
    'Made by' line."""
    lines = CALIBRATION_TABLE.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.endswith(", kept)."):
            return line.rpartition(" (")[2].removesuffix(", kept).")
    for line in lines:
        if line.startswith("# Made by"):
            return line.removeprefix("# ").rstrip(".").split(" (")[0].replace("Made by", "made by")
    return "made before"


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return f"commit {done.stdout.strip() or 'unknown'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--right-only",
        action="store_true",
        help="refit the posterior's calibration only (channel, tables and 'other' as shipped)",
    )
    args = parser.parse_args(argv)
    if args.right_only:
        print("\n".join(calibration(args.jobs, right_only=True)))
        return 0
    print("capitals:", capitals(CAPITALS_TABLE))
    print("letters:", letters(LETTERS_TABLE))
    lexicon = default_lexicon()
    counts: Counter[Row] = Counter()
    pages = [p for spec in FIT_SETS for p in ensure_pages(spec, workers=args.jobs)]
    for page in pages:
        count_sample(page_sample(page), lexicon, counts)
    images = sorted(KOMI_TUNING.glob("*.tif"))
    texts = line_ocr(images, language="rus", psm=7)
    for image, text in zip(images, texts, strict=True):
        truth = image.with_name(image.name.removesuffix(".tif") + ".gt.txt")
        count_sample(
            Sample(text.strip(), truth.read_text(encoding="utf-8").strip()), lexicon, counts
        )
    sets = ", ".join(f"'{s.name}' (seed {s.seed}, {s.pages} pages, {s.dpi} dpi)" for s in FIT_SETS)
    write_counts(
        CHANNEL,
        counts,
        [
            "Counts the noisy channel of ocr.correct is estimated from (ocr/correct/channel.py).",
            f"Made by bench/train_correct.py at {_commit()} from the tuning side of the split in",
            f"bench/correct_split.py: sets {sets}",
            "(typed-only ocr_synth pages read by the pipeline, with tesseract's choices and word",
            f"boxes) and {len(images)} real Komi print lines of shared/realdata "
            f"({KOMI_TUNING.name}, tesseract rus --psm 7; Public Domain Mark 1.0).",
            "Tables: char (truth units), edit (truth unit read as OCR unit), case, conf, alt, gap,",
            "mark, speck, page, oov, after, capital (see ocr/correct/train.py).",
        ],
    )
    print(f"{len(pages)} pages, {len(images)} Komi lines, {sum(counts.values())} counts")
    print("\n".join(calibration(args.jobs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
