"""Would a word's neighbours tell when its best reading is right? (round 18i; tuning pages only,
no sealed set read.)

Every suggestion's best reading on the calibration pages (with tesseract's choices), labelled by
whether it is the truth, with its left and right neighbours as read (none across sentence
punctuation or a comma). Neighbour features are counted from the tuning texts' truths, each page
scored with counts that leave out the text it was typed from (held out by text):

- ``word_bigram``: log (c(l, best) + 0.5) / (c(l, read) + 0.5) plus the same on the right
  (word bigrams of folded words);
- ``tag_bigram``: log P(tag(best) | tag(l)) / P(tag(read) | tag(l)) plus the same on the right,
  tags being pymorphy3's part of speech of the likeliest parse (add-one smoothing).

Then, as ``bench.correct_damage`` does, the posterior's calibration (``right``) refitted with
each typeface held out, with and without each feature: how many right and wrong best readings
each level's pages get over a threshold, and the log loss; and the count the brief asks for:
among right readings under the threshold and wrong readings over it, how many the feature moves
the right way.

    .venv/bin/python -m bench.correct_neighbours --dump /tmp/nb_rows.pkl   # once
    .venv/bin/python -m bench.correct_neighbours --rows /tmp/nb_rows.pkl [--counts family|hand]
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bench.correct_damage import THRESHOLDS, by_typeface
from bench.correct_fit import Example, log_loss
from bench.train_correct import RIGHT_FEATURES

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
BREAK = re.compile(r"[.,;:!?()]")


@dataclass(frozen=True)
class Row:
    """One suggestion's best reading with its neighbours, its page's source text and level."""

    example: Example
    level: str
    source: str
    read: str
    best: str
    left: str | None
    right: str | None


def _core(word: str) -> str:
    found = WORD.findall(word)
    return found[0].lower().replace("ё", "е") if len(found) == 1 else ""


def neighbours(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """The words right before ``start`` and after ``end`` on the page, none across a break."""
    before = text[:start].split()
    after = text[end:].split()
    left = right = None
    if before and not BREAK.search(before[-1][-1:]) and not BREAK.search(text[start - 1 : start]):
        left = _core(before[-1]) or None
    if after and not BREAK.search(text[end : end + 1]) and not BREAK.search(after[0][:1]):
        right = _core(after[0]) or None
    # punctuation glued to the span's own end breaks the right-hand relation
    if text[end - 1 : end] and BREAK.search(text[end - 1 : end]):
        right = None
    return left, right


def dump(path: Path, jobs: int) -> None:
    from bench.bench_correct import evidence, judged_changes
    from bench.correct_data import ensure_pages, set_folder
    from bench.correct_split import CALIBRATE_SETS
    from ocr.correct import Correction
    from ocr.correct.calibration import load_calibration
    from ocr.correct.engine import all_suggestions, make_page, rewrite

    calibration = load_calibration()
    rows: list[Row] = []
    for spec in CALIBRATE_SETS:
        manifest = json.loads(
            (set_folder(spec) / "images" / "manifest.json").read_text(encoding="utf-8")
        )
        source = {i["name"]: i["source"] for i in manifest["items"]}
        for p in ensure_pages(spec, workers=jobs):
            choices, layout = evidence(p)
            page = make_page(p.text, choices=choices, layout=layout, calibration=calibration)
            found = [s for s in all_suggestions(page)[0] if s.best is not None and s.features]
            _, changes = rewrite(p.text, [(s, s.best) for s in found])
            verdicts = judged_changes(p.truth, Correction(p.text, p.text, tuple(changes), 0.0))
            for s, (v, *_) in zip(found, verdicts, strict=True):
                assert s.best is not None
                left, right = neighbours(p.text, s.start, s.end)
                rows.append(
                    Row(
                        Example(f"{p.font}/{p.name}", dict(s.features), v == "right"),
                        p.level,
                        source[p.name],
                        s.original,
                        s.best.text,
                        left,
                        right,
                    )
                )
    path.write_bytes(pickle.dumps(rows))
    print(f"{len(rows)} suggestions -> {path}")


@cache
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@cache
def tag(word: str) -> str:
    """pymorphy3's part of speech of the likeliest parse (``UNKN`` for none)."""
    parsed = _morph().parse(word)
    return str(parsed[0].tag.POS or parsed[0].tag.cyr_repr.split(",")[0] or "UNKN")


@dataclass
class Counts:
    words: Counter[tuple[str, str]]
    tags: Counter[tuple[str, str]]
    tag_left: Counter[str]
    tag_right: Counter[str]


def count_text(text: str) -> Counts:
    """Word and tag bigrams of a text, none across sentence punctuation or a comma."""
    c = Counts(Counter(), Counter(), Counter(), Counter())
    for line in text.splitlines():
        for piece in BREAK.split(line):
            words = [w.lower().replace("ё", "е") for w in WORD.findall(piece)]
            tags = [tag(w) for w in words]
            for a, b, ta, tb in zip(words, words[1:], tags, tags[1:], strict=False):
                c.words[a, b] += 1
                c.tags[ta, tb] += 1
                c.tag_left[ta] += 1
                c.tag_right[tb] += 1
    return c


def corpus_counts(sources: Iterable[str]) -> dict[str, Counts]:
    from ocr_synth.texts import CORPUS_DIR

    return {s: count_text((CORPUS_DIR / s).read_text(encoding="utf-8")) for s in sources}


def minus(total: Counts, part: Counts) -> Counts:
    return Counts(
        total.words - part.words,
        total.tags - part.tags,
        total.tag_left - part.tag_left,
        total.tag_right - part.tag_right,
    )


def plus(parts: Iterable[Counts]) -> Counts:
    out = Counts(Counter(), Counter(), Counter(), Counter())
    for p in parts:
        out.words.update(p.words)
        out.tags.update(p.tags)
        out.tag_left.update(p.tag_left)
        out.tag_right.update(p.tag_right)
    return out


def word_score(c: Counts, left: str | None, word: str, right: str | None) -> float:
    s = 0.0
    if left:
        s += math.log(c.words[left, word] + 0.5)
    if right:
        s += math.log(c.words[word, right] + 0.5)
    return s


def tag_score(c: Counts, left: str | None, word: str, right: str | None) -> float:
    n_tags = 20
    t = tag(word)
    s = 0.0
    if left:
        tl = tag(left)
        s += math.log((c.tags[tl, t] + 1) / (c.tag_left[tl] + n_tags))
    if right:
        tr = tag(right)
        s += math.log((c.tags[t, tr] + 1) / (c.tag_right[tr] + n_tags))
    return s


COUNTS = ("text", "family", "hand")


def held_out_counts(rows: Sequence[Row], counts: str) -> dict[str, Counts]:
    """The bigram counts each page's rows are scored with, by the page's source text.

    ``text``: every tuning text but the page's own. ``family``: ocr_synth's composed texts are
    made from shared templates and word lists, so a composed page is scored with the hand-written
    tuning texts only (memoranda, minutes) and a hand-written page with the composed ones.
    ``hand``: every hand-written text of ocr_synth's corpus but the page's own (memoranda and
    minutes, and the texts no tuning page is typed from: foreign, ivanov-1955, letters, notes,
    reports), none of them composed: the closest the tuning side has to a text written apart."""
    from bench.correct_split import TUNING_SOURCES
    from ocr_synth.texts import CORPUS_DIR

    sources = sorted({r.source for r in rows})
    if counts == "text":
        parts = corpus_counts(TUNING_SOURCES)
        total = plus(parts.values())
        return {s: minus(total, parts[s]) for s in sources}
    if counts == "family":
        parts = corpus_counts(TUNING_SOURCES)
        composed = plus(v for k, v in parts.items() if k.startswith("composed"))
        hand = plus(v for k, v in parts.items() if not k.startswith("composed"))
        return {s: hand if s.startswith("composed") else composed for s in sources}
    names = sorted(p.name for p in CORPUS_DIR.glob("*.txt") if not p.name.startswith("composed"))
    parts = corpus_counts(names)
    total = plus(parts.values())
    return {s: minus(total, parts[s]) if s in parts else total for s in sources}


def with_features(rows: Sequence[Row], counts: str = "text") -> list[Example]:
    """Each row's example with ``word_bigram`` and ``tag_bigram`` (held out as ``counts``)."""
    held = held_out_counts(rows, counts)
    out = []
    for r in rows:
        c = held[r.source]
        read, best = _core(r.read), _core(r.best)
        f = dict(r.example.features)
        if read and best and (r.left or r.right):
            f["word_bigram"] = word_score(c, r.left, best, r.right) - word_score(
                c, r.left, read, r.right
            )
            f["tag_bigram"] = tag_score(c, r.left, best, r.right) - tag_score(
                c, r.left, read, r.right
            )
        out.append(Example(r.example.page, f, r.example.label))
    return out


VARIANTS: dict[str, tuple[str, ...]] = {
    "shipped": (),
    "with word_bigram": ("word_bigram",),
    "with tag_bigram": ("tag_bigram",),
    "with both": ("word_bigram", "tag_bigram"),
}


def compare(rows: Sequence[Row], counts: str = "text") -> list[str]:
    examples = with_features(rows, counts)
    print(
        f"counts: {counts}; rows with a neighbour feature: "
        f"{sum('word_bigram' in e.features for e in examples)}",
        flush=True,
    )
    out = [
        "| features | log loss | "
        + " | ".join(f"{lv} right/wrong over {t}" for t in THRESHOLDS for lv in ("medium", "heavy"))
        + " |",
        "|---|---|" + "---|" * (2 * len(THRESHOLDS)),
    ]
    shipped: list[float] = []
    for name, add in VARIANTS.items():
        preds = by_typeface(examples, (*RIGHT_FEATURES, *add))
        if not add:
            shipped = preds
        cells = []
        for t in THRESHOLDS:
            for lv in ("medium", "heavy"):
                n: Counter[bool] = Counter()
                for r, e, p in zip(rows, examples, preds, strict=True):
                    if r.level == lv and p >= t and not e.features.get("no_choices"):
                        n[e.label] += 1
                cells.append(f"{n[True]}/{n[False]}")
        loss = log_loss(preds, [e.label for e in examples])
        out.append(f"| {name} | {loss:.4f} | " + " | ".join(cells) + " |")
        print(out[-1], flush=True)
    # the count: right readings under 0.85 and wrong ones over it (shipped features, typeface
    # held out), on medium and heavy pages: does each feature point the right way?
    out += ["", "| level | rows | feature | in relation | moves the right way | wrong way | 0 |"]
    out.append("|---|---|---|---|---|---|---|")
    for lv in ("medium", "heavy"):
        for label, under in ((True, True), (False, False)):
            group = [
                e
                for r, e, p in zip(rows, examples, shipped, strict=True)
                if r.level == lv
                and e.label == label
                and (p < 0.85) == under
                and not e.features.get("no_choices")
            ]
            kind = "right under 0.85" if label else "wrong over 0.85"
            for feat in ("word_bigram", "tag_bigram"):
                vals = [e.features[feat] for e in group if feat in e.features]
                sign = 1 if label else -1
                good = sum(v * sign > 0 for v in vals)
                bad = sum(v * sign < 0 for v in vals)
                zero = sum(v == 0 for v in vals)
                out.append(
                    f"| {lv} | {kind} ({len(group)}) | {feat} | {len(vals)} | {good} | {bad} "
                    f"| {zero} |"
                )
                print(out[-1], flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--rows", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--counts", choices=COUNTS, default="text")
    args = parser.parse_args(argv)
    if args.dump:
        dump(args.dump, args.jobs)
    if args.rows:
        compare(pickle.loads(args.rows.read_bytes()), args.counts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
