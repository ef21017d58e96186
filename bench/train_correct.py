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
from bench.correct_split import (
    CALIBRATE_SETS,
    DEV_WIDE,
    FIT_SETS,
    KOMI_TUNING,
    RIGHT_SETS,
    TUNING_SOURCES,
)
from ocr.correct.agree import (
    AGREE_TABLE,
    GOVERNED_SHARE,
    count_agreement,
    count_government,
    governed,
    load_agreement,
    ratios,
    write_agreement,
)
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
from ocr.correct.lexicon import (
    CAPITAL_PRIOR_TABLE,
    CAPITALS_TABLE,
    LETTERS_TABLE,
    Lexicon,
    capital_prior_counts,
    default_lexicon,
    fold,
)
from ocr.correct.tokens import Chunk, chunks
from ocr.correct.train import (
    Row,
    Sample,
    _offsets,
    capital_beside,
    count_first,
    count_sample,
    read_counts,
    write_counts,
)
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


def _inside(para: str) -> list[tuple[Chunk, bool]]:
    """The words of a paragraph inside sentences (no sentence start, two letters or more, not
    all capitals), each with whether a word beside it in its sentence has a capital."""
    found = chunks(para)
    return [
        (c, capital_beside(found, i))
        for i, c in enumerate(found)
        if not c.sentence_start and c.text.isalpha() and c.letters >= 2 and not c.text.isupper()
    ]


def _capitalised_forms(exclude: str | None = None) -> set[str]:
    """The folded words the tuning texts (all but the source ``exclude``) write with a capital
    inside a sentence."""
    return {
        fold(c.text)
        for doc in corpus_documents()
        if doc.source in TUNING_SOURCES and doc.source != exclude
        for para in doc.paragraphs
        for c, _ in _inside(para)
        if c.text[:1].isupper()
    }


CapitalCounts = Counter[tuple[str, str, bool]]


def text_capitals(lexicon: Lexicon) -> CapitalCounts:
    """How often a word that is no name and no capitalised form is written with a capital
    inside a sentence, by part of speech and capitalised neighbour: each tuning source counted
    against the capitalised forms of the other sources (as a page of an unseen text meets the
    capitals table), not its own (where the table would explain every capital away)."""
    counts: CapitalCounts = Counter()
    for source in TUNING_SOURCES:
        forms = _capitalised_forms(exclude=source)
        for doc in (d for d in corpus_documents() if d.source == source):
            for para in doc.paragraphs:
                for c, beside in _inside(para):
                    if lexicon.proper(c.text) or fold(c.text) in forms:
                        continue
                    key = (lexicon.part(c.text), "yes" if beside else "no")
                    counts[(*key, c.text[:1].isupper())] += 1
    return counts


def lost_starts(pages: list) -> CapitalCounts:
    """How often a word OCR read inside a sentence (not first on its line) starts a sentence
    in the truth (the period before it lost or misread): words aligned one to one."""
    counts: CapitalCounts = Counter()
    for page in pages:
        to_truth = _offsets(page.text, page.truth)
        truth = chunks(page.truth)
        found = chunks(page.text)
        for i, c in enumerate(found):
            if c.sentence_start or not c.text.isalpha() or c.letters < 2:
                continue
            if i == 0 or found[i - 1].line != c.line:
                continue
            t0, t1 = to_truth[c.start], to_truth[c.end]
            hit = [w for w in truth if w.start < t1 and t0 < w.end]
            if len(hit) == 1:
                counts[("sentence-start-lost", "-", hit[0].sentence_start)] += 1
    return counts


def capital_prior(path: Path, counts: CapitalCounts, pages: str) -> int:
    """Write the capital's prior table (``ocr/data/capital_prior_ru.tsv``)."""
    keys = sorted({(a, b) for a, b, _ in counts})
    lines = [
        "# The capital's prior of ocr.correct.engine.small_first. Rows by part of speech",
        "# (ocr/data/lexicon_ru.tsv, kind part) and whether a word beside it in its sentence",
        "# has a capital: words written with a capital inside a sentence that are no name",
        "# (pymorphy3) and no capitalised form of the capitals table, each tuning text",
        "# (bench/correct_split.py TUNING_SOURCES) counted against the capitalised forms of the",
        "# other texts only, as a page of an unseen text meets the table. Row",
        "# sentence-start-lost: words OCR read inside a sentence, aligned one to one, that",
        f"# start a sentence in the truth, counted on the pages of {pages}.",
        f"# Made by bench/train_correct.py --capital-prior-only at {_commit()}.",
        "part\tneighbour\tcapital\twords",
    ]
    lines += [
        f"{a}\t{b}\t{counts[(a, b, True)]}\t{counts[(a, b, True)] + counts[(a, b, False)]}"
        for a, b in keys
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capital_prior_counts.cache_clear()
    return len(keys)


def _capital_prior(jobs: int) -> int:
    sets = CALIBRATE_SETS
    pages = [p for spec in sets for p in ensure_pages(spec, workers=jobs)]
    named = ", ".join(f"'{s.name}'" for s in sets)
    counts = text_capitals(default_lexicon()) + lost_starts(pages)
    return capital_prior(CAPITAL_PRIOR_TABLE, counts, named)


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
    "glued",
    "edits",
    "nearest",
    "read_zipf",
    "best_zipf",
    "cost",
    "cost_sq",
    "short",
    "edits_share",
    "unknown_sq",
    "width_short",
    "close_neighbour",
    "sure_edits",
    "letters_gain",
    "page_repeats",
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
    cal_pages = [p for spec in RIGHT_SETS for p in ensure_pages(spec, workers=jobs)]
    right: dict[str, float] | None = None
    for _ in range(rounds):
        model = Calibration(Logistic(other), Logistic(right) if right else None)
        rows = right_examples(cal_pages, model)
        right = fit_logistic(rows, RIGHT_FEATURES)
    oof = out_of_fold(rows, RIGHT_FEATURES)
    labels = [r.label for r in rows]
    sets = ", ".join(f"'{s.name}' (seed {s.seed})" for s in RIGHT_SETS)
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


def _komi_samples() -> list[Sample]:
    images = sorted(KOMI_TUNING.glob("*.tif"))
    texts = line_ocr(images, language="rus", psm=7)
    return [
        Sample(
            text.strip(),
            image.with_name(image.name.removesuffix(".tif") + ".gt.txt")
            .read_text(encoding="utf-8")
            .strip(),
        )
        for image, text in zip(images, texts, strict=True)
    ]


def first_only(jobs: int) -> int:
    """Recount the channel's ``first`` table (a word's first letter's case) from the same fit
    pages and Komi lines, the other tables as shipped; a provenance line says so."""
    counts = Counter({row: n for row, n in read_counts(CHANNEL).items() if row[0] != "first"})
    first: Counter[Row] = Counter()
    pages = [p for spec in FIT_SETS for p in ensure_pages(spec, workers=jobs)]
    for page in pages:
        count_first(page_sample(page), first)
    for sample in _komi_samples():
        count_first(sample, first)
    counts.update(first)
    head = [
        line[2:]
        for line in CHANNEL.read_text(encoding="utf-8").splitlines()
        if line.startswith("# ") and "table 'first' recounted" not in line
    ]
    note = f"The table 'first' recounted by bench/train_correct.py --first-only at {_commit()}."
    write_counts(CHANNEL, counts, [*head, note])
    return sum(first.values())


def add_dev_counts(jobs: int) -> int:
    """Add DEV_WIDE's counts (every table, as the fit pages are counted) to the shipped
    channel's: the channel of a wider tuning side, the fit pages' counts as shipped (round 18i,
    continued); a provenance line says so."""
    counts = Counter(read_counts(CHANNEL))
    added: Counter[Row] = Counter()
    lexicon = default_lexicon()
    for page in ensure_pages(DEV_WIDE, workers=jobs):
        count_sample(page_sample(page), lexicon, added)
    counts.update(added)
    head = [
        line[2:] for line in CHANNEL.read_text(encoding="utf-8").splitlines() if line[:2] == "# "
    ]
    note = (
        f"Counts of '{DEV_WIDE.name}' (seed {DEV_WIDE.seed}, {DEV_WIDE.pages} pages, "
        f"{DEV_WIDE.dpi} dpi) added by bench/train_correct.py --add-dev-counts at {_commit()}."
    )
    write_counts(CHANNEL, counts, [*head, note])
    return sum(added.values())


def agreement_table(path: Path = AGREE_TABLE) -> str:
    """Count the agreement table (ocr/data/agree_ru.tsv) from the tuning texts' own truths:
    each preposition's cases, then how often a true word and the other forms of it agree with
    their neighbours."""
    lexicon = default_lexicon()
    by_source: dict[str, list[str]] = {}
    for doc in corpus_documents():
        if doc.source in TUNING_SOURCES:
            by_source.setdefault(doc.source, []).extend(doc.paragraphs)
    texts = [para for paras in by_source.values() for para in paras]
    government = count_government(lexicon, texts)
    counts: Counter[tuple[str, str, bool]] = Counter()
    for source, paras in by_source.items():
        # held out by text: the cases a preposition governs are learned from the other texts,
        # as another text's are by the shipped table
        others = [p for s, ps in by_source.items() if s != source for p in ps]
        governs = governed(count_government(lexicon, others), share=GOVERNED_SHARE)
        counts.update(count_agreement(lexicon, paras, governs))
    write_agreement(
        path,
        government,
        counts,
        [
            "Word endings from their neighbours (ocr/correct/agree.py): 'gov' rows count the case",
            "of the word after each preposition (where its readings share one case); 'agree' rows",
            "count, for each relation, how often a true word agreed with its neighbour (truth)",
            "and how often another form of the same word, in its place, would have (other);",
            "each text's agreement is counted with the prepositions' cases of the other texts.",
            f"Made by bench/train_correct.py --agree-only at {_commit()} from the {len(texts)}",
            "paragraphs of the tuning texts (bench/correct_split.py TUNING_SOURCES).",
        ],
    )
    load_agreement.cache_clear()
    return ", ".join(f"{rel} {ok}: {r:+.2f}" for (rel, ok), r in ratios(counts).items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--right-only",
        action="store_true",
        help="refit the posterior's calibration only (channel, tables and 'other' as shipped)",
    )
    parser.add_argument(
        "--capital-prior-only",
        action="store_true",
        help="recount the capital's prior (ocr/data/capital_prior_ru.tsv) from the tuning texts",
    )
    parser.add_argument(
        "--first-only",
        action="store_true",
        help="recount the channel's 'first' table (a first letter's case) only",
    )
    parser.add_argument(
        "--agree-only",
        action="store_true",
        help="recount the agreement table (ocr/data/agree_ru.tsv) from the tuning texts",
    )
    parser.add_argument(
        "--add-dev-counts",
        action="store_true",
        help="add DEV_WIDE's channel counts to the shipped channel's (other tables as shipped)",
    )
    args = parser.parse_args(argv)
    if args.add_dev_counts:
        print("added:", add_dev_counts(args.jobs))
        return 0
    if args.agree_only:
        print("agreement:", agreement_table())
        return 0
    if args.first_only:
        print("first:", first_only(args.jobs))
        return 0
    if args.capital_prior_only:
        print("capital prior:", _capital_prior(args.jobs))
        return 0
    if args.right_only:
        print("\n".join(calibration(args.jobs, right_only=True)))
        return 0
    print("capitals:", capitals(CAPITALS_TABLE))
    print("agreement:", agreement_table())
    print("capital prior:", _capital_prior(args.jobs))
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
