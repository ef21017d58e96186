"""Choose when a doubtful line read again (ocr.linereads) replaces the first reading's line.

Each page is read as stock tesseract reads it; its lines holding a word under the confidence
threshold are read again one by one from a binarised crop, at full size and shrunk (SCALES).
Every rule of a small grid (ocr.linereads.RereadRule: the scales read, whether a shrunk
reading needs another reading's agreement, the least confidence the new reading must reach,
the net-rate gain over the first or else the least confidence's gain, whether a sure reading of
the first's own text confirms it) is applied on the tuning side; the one with the fewest pages
worse than stock by more than a CER point, then the fewest errors, then the fewest words left
under the confidence threshold (what a reviewer is shown) is kept (a rule reading fewer scales
wins a tie: it costs less). The held-out side is only reported, once, with --held-out.

Then the lexicon's trigger (session 12): lines with no doubtful word but a word of at least
some letters that the page's language lexicon does not know (ocr.linereads.unknown_lines) are
read too, at their own scales, on pages with no more than some such lines; a reading of them
replaces the line when it holds more words the lexicon knows, fewer unknown, no word under the
least confidence, and a net rate not much below the first's. That grid is tried on top of the
rule chosen first, by the same order; "words shown" then counts the words under 60 and the
confident words the lexicon does not know (what the corrector suggests fixing) left.
Then (issue 20, session 13) each line's grey crop (ocr.linereads.stretched: no threshold) at
GREY's scales, read in the same run: the grey scales of doubtful lines and of lines read for an
unknown word, and the repeated swap (ocr.linereads.repeated_swap: a page over the unknown
lines' most still reads the lines one same letter swap makes known), tried on top of the rule
chosen so far, the fewest pages worse than it by BASE_WORSE of their characters first, then
by the same order, of those adding at most GREY_BUDGET to the pixels the runs read
(--shipped-rule: on top of the shipped rule, the grey part reset). A logistic model of the
two readings' figures, weighted by the errors at stake, was tried first and did worse on both
sides (see the closing notes of session 10).

Then (issue 20, session 15, --shipped-vote) the word vote (ocr.linereads.RereadRule.vote: a
reading that only fixes words the lexicon does not know replaces the line) on top of the shipped
rule: the most edits to a fix, the readings that must give it, its least confidence, whether sure
words must stay sure, with the thinned and the full-size grey crops as more readings or not.

Sides:
- tuning: the review benchmark's tuning set (seed 2101, 48 synthetic pages, all levels) and the
  real pages of the sealed split's tuning part (bench/real_split.json);
- held out: the review benchmark's held-out set (seed 2202) and the real held-out pages.

Run: .venv/bin/python -m bench.learn_linereads [--shipped-rule] [--write] [--held-out] [--work DIR]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import pickle
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby, product
from pathlib import Path
from typing import Any, Literal

import cv2

from bench.common import BENCH, SINGLE_THREAD, real_pages
from bench.learn_readings import dump_model
from ocr.linereads import RereadRule, Variant, Verdict

WORK = BENCH / "work" / "linereads"
BELOW = 60.0  # the pipeline's default low_confidence
WORSE = 0.01
SCALES = (1.0, 0.5, 0.7)  # every scale a rule of the grid may read a line at
GRID_SCALES = ((1.0,), (1.0, 0.5), (1.0, 0.7), (1.0, 0.5, 0.7))
CONFIDENCES = (60.0, 70.0, 80.0, 90.0)
GAINS = (0.0, 0.2, 0.4)
CONF_GAINS = (None, 30.0, 50.0)  # least confidence over the first's that replaces it alone
AGREE: tuple[Literal["", "any", "full"], ...] = ("", "any", "full")
UNKNOWN_SCALES = (1.0, 0.5)  # every scale a line read for its unknown word may be read at
GREY = (1.0, 0.5)  # every scale a line's grey crop (no threshold) may be read at
THIN = (1.0,)  # every scale a line's thinned crop (a bold face's, ocr.linereads.thinned) may be
THINS = (*(Variant(s, thin=True) for s in THIN),)
VARIANTS = (*(Variant(s) for s in SCALES), *(Variant(s, True) for s in GREY), *THINS)
UNKNOWN_VARIANTS = (
    *(Variant(s) for s in UNKNOWN_SCALES),
    *(Variant(s, True) for s in GREY),
    *THINS,
)
THIN_GRID = ((), THIN)  # the thinned crop's scales a rule reads a line at
KNOWN_DOUBTFUL = (False, True)  # is a doubtful line holding an unknown word judged by the lexicon?
SLACKS = (0.0, 0.35)  # the share of a line's height a word read alone may lie beyond its box
KNOWN_CONFIDENCES = (None, 40.0)  # the lexicon's test's least confidence (None: the rule's)
BOLD_NET_GAINS = (0.1, -0.2)  # the lexicon's test's net rate gain in the bold faces' grid
BAND_GAINS = (None, 5.0, 2.0)  # net characters a line cut at its band must gain (None: off)
GREY_GRID = ((), (0.5,), (1.0,), (1.0, 0.5))  # the grey scales a rule reads a line at
REPEATS = (None, 4, 3)  # a swap on this many unknown lines reads them all (None: off)
GREY_LENGTHS = (0.1, 0.25, None)  # the share of characters a grey reading may gain or lose
# the grey crops may add at most this share to the pixels the lines' run reads (a crop at scale
# s reads s * s of the full crop's): the run stays a small cost beside the page's reading
GREY_BUDGET = 0.25
BASE_WORSE = 0.002  # a page worse than the rule without the grey part by this share: a loss
LETTERS = (None, 3, 4, 6)  # the unknown word's least letters (None: the trigger is off)
MOST_UNKNOWN = (6, 12)  # pages with more unknown lines than this read none of them
# each dimension strictest first: of rules alike in the figures the grid compares, the first
# tried (the one that changes the fewest lines it is not shown to change) wins
KNOWN_SCALES = ((0.5,), (1.0, 0.5))
KNOWN_GAINS = (2, 1)
KNOWN_NET_GAINS = (0.1, 0.0, -0.2)
UNKNOWN_LENGTHS = (0.1, 0.25, None)  # the share of characters a reading may gain or lose
ALONE = (False, True)  # are unknown lines read on a page with no doubtful line (a run more)?
# the word vote's grid (issue 20, session 15), each dimension strictest first
VOTE_DISTANCES = (None, 1, 2)  # most edits from an unknown word to its fix (None: no vote)
VOTE_SUPPORTS = (2, 1)  # the line's readings that must give the fix
VOTE_CONFIDENCES = (60.0, 40.0, 0.0)  # the fix's least confidence
VOTE_SURE = (True, False)  # must the first's sure words stay sure?
VOTE_GREY = ((0.5,), (1.0, 0.5))  # the grey scales (doubtful and unknown lines alike)


@dataclass(frozen=True)
class LinePage:
    """One page: its stock words, doubtful lines, their second readings, how to score text."""

    name: str
    side: str  # "tuning" or "held_out"
    kind: str  # "synthetic" or the real corpus
    language: str
    words: tuple  # ocr.tesseract.Word
    lines: tuple  # tuple of Word tuples
    again: tuple  # per line, a Word tuple per variant of VARIANTS (empty when it read nothing)
    unknown: tuple = ()  # per line: read for an unknown word (not doubtful), at UNKNOWN_SCALES
    longest: tuple = ()  # per line read for an unknown word: the most letters of one (else 0)

    def unknown_lines(self, letters: int) -> int:
        """The lines the trigger reads at ``letters`` (all but a page with more than a rule's
        most)."""
        return sum(1 for k in range(len(self.lines)) if self.triggers(k, letters))

    def triggers(self, k: int, letters: int) -> bool:
        """Does line k hold an unknown word of ``letters`` letters or more (not doubtful)?"""
        return bool(self.longest) and self.longest[k] >= letters


def _longest(lines: tuple, unknown: tuple, language: str) -> tuple[int, ...]:
    """Per line read for an unknown word, the most letters of a word of it that the lexicon
    does not know (0 for the other lines)."""
    from ocr.linereads import unknown_lines

    out = []
    for line, flag in zip(lines, unknown, strict=True):
        most = 0
        if flag:
            for word in line:
                letters = sum(c.isalpha() for c in word.text)
                if letters > most and unknown_lines((word,), language, below=BELOW, letters=1):
                    most = letters
        out.append(most)
    return tuple(out)


def synthetic_pages(folder: Path, side: str) -> list[tuple[str, str, str, Path, str]]:
    return [
        (_synthetic_name(folder, scan), side, "synthetic", scan, "rus")
        for scan in sorted((folder / "scans").iterdir())
    ]


def _synthetic_name(folder: Path, scan: Path) -> str:
    """A synthetic page's name with its set's: two seeds' sets share page names."""
    return f"{folder.name}--{scan.stem}"


def collect(name: str, language: str, image: Path, work: Path) -> tuple[tuple, tuple, tuple, tuple]:
    """Stock words, the lines read again (doubtful, and those with a word of LETTERS' fewest
    letters the lexicon does not know), their second readings and which lines are the latter
    (cached in work)."""
    from ocr.linereads import crop_words, doubtful_lines, line_crops, read_lines, unknown_lines
    from ocr.tesseract import read_words

    cached = work / f"{name}.band-1.pk"
    if cached.is_file():
        return pickle.loads(cached.read_bytes())
    base = work / name
    subprocess.run(
        ["tesseract", str(image), str(base), "-l", language, "tsv"],
        capture_output=True,
        env={**os.environ, **SINGLE_THREAD},
        check=True,
    )
    words = tuple(read_words(base.with_suffix(".tsv")))
    fewest = min(n for n in LETTERS if n is not None)
    doubtful = doubtful_lines(words, below=BELOW)
    unknown = set(unknown_lines(words, language, below=BELOW, letters=fewest))
    indexes = sorted([*doubtful, *unknown])
    lines = tuple(tuple(words[i] for i in line) for line in indexes)
    flags = tuple(line in unknown for line in indexes)
    again: list[list[tuple]] = [[()] * len(VARIANTS) for _ in lines]
    if lines:
        grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
        assert grey is not None, image
        crops = line_crops(lines, *grey.shape[:2])
        os.environ.update(SINGLE_THREAD)
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            _, read = read_lines(
                grey,
                crops,
                Path(tmp) / "lines",
                languages=language,
                oem=1,
                dpi=None,
                timeout=120,
                choices=False,
                scales=VARIANTS,
                crop_scales=[UNKNOWN_VARIANTS if flag else VARIANTS for flag in flags],
            )
        for (k, v), js in crop_words(read).items():
            again[k][v] = tuple(read[j] for j in js)
    out = (words, lines, tuple(tuple(a) for a in again), flags)
    cached.write_bytes(pickle.dumps(out))
    return out


def dev_set(seed: int, pages: int = 12) -> Path:
    """The clean pages of a dev seed (bench.review_fresh's set of it, made here if missing):
    more tuning pages, bold faces among them (issue 20)."""
    from bench.review_fresh import WORK as FRESH
    from bench.review_set import write_set

    folder = FRESH / f"review-fresh-{seed}-{pages}"
    if not (folder / "manifest.json").is_file():
        write_set(folder, seed=seed, pages=pages, levels=("clean",), copies_every=pages + 1)
    return folder


def load(
    work: Path, synth_tuning: Path, synth_held: Path | None, dev: Sequence[Path] = ()
) -> tuple[list[LinePage], dict]:
    """Every page of the tuning side (``dev``: more synthetic sets on it) and, with
    ``synth_held``, of the held-out side; and each page's scorer (text -> character errors)."""
    from bench.bench_real import without_untranscribed
    from bench.bench_scores import score_page

    folders = [synth_tuning] if synth_held is None else [synth_tuning, synth_held]
    jobs = [
        j
        for f, side in zip(folders, ("tuning", "held_out"), strict=False)
        for j in synthetic_pages(f, side)
    ]
    jobs += [j for f in dev for j in synthetic_pages(f, "tuning")]
    folders += list(dev)
    scorers: dict[str, Callable[[Sequence], int]] = {}
    for folder in folders:
        for scan in (folder / "scans").iterdir():
            truth = (folder / "truth" / f"{scan.stem}.txt").read_text(encoding="utf-8")
            scorers[_synthetic_name(folder, scan)] = _plain_scorer(truth)
    for page in real_pages():
        if synth_held is None and page.split != "tuning":
            continue
        jobs.append((page.name, page.split, page.corpus, page.image, page.language))

        def real(words: Sequence, page=page) -> int:  # noqa: ANN001
            centres = [
                (w.text, w.box.left + w.box.width / 2, w.box.top + w.box.height / 2, w.line_key)
                for w in words
            ]
            return score_page(
                page.name, page.truth, without_untranscribed(page, centres)
            ).strict.char_errors

        scorers[page.name] = real
    work.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(lambda j: collect(j[0], j[4], j[3], work), jobs))
    pages = [
        LinePage(name, side, kind, language, *data, _longest(data[1], data[3], language))
        for (name, side, kind, _, language), data in zip(jobs, done, strict=True)
    ]
    return pages, scorers


def _plain_scorer(truth: str) -> Callable[[Sequence], int]:
    from bench.bench_scores import score_page
    from ocr.tesseract import words_to_text

    return lambda words: score_page("", truth, words_to_text(words).text).strict.char_errors


def replaced(page: LinePage, chosen: dict[int, tuple[int, bool]]) -> list:
    """The page's words with the chosen lines (line index into page.lines -> the index into
    SCALES of the reading taken, and whether it only confirms the first's words) read again:
    a confirmed line keeps its words, at least as sure as the reading."""
    from dataclasses import replace as dc_replace

    from ocr.linereads import LineFigures

    by_key = {page.lines[k][0].line_key: (page.again[k][v], c) for k, (v, c) in chosen.items()}
    out = []
    for key, run in groupby(page.words, key=lambda w: w.line_key):
        if key not in by_key:
            out += list(run)
            continue
        again, confirms = by_key[key]
        if confirms:
            least = LineFigures.of(again, [0.0] * len(again)).min_confidence
            out += [dc_replace(w, conf=max(w.conf, least)) for w in run]
        else:
            out += [
                dc_replace(w, block=key[0], par=key[1], line=key[2], word=i + 1)
                for i, w in enumerate(again)
            ]
    return out


def evaluate(
    pages: Sequence[LinePage], scorers: dict, rule: RereadRule
) -> dict[str, dict[str, int]]:
    """Per kind of page: errors of stock and with the rule's replacements, pages worse and
    better by more than one point, lines replaced, words under the threshold left, confident
    words the lexicon does not know left, line crops read."""
    from ocr.linereads import lexicon_counts

    out: dict[str, dict[str, int]] = {}
    for page in pages:
        verdicts = {k: rule_says(rule, page, k) for k in range(len(page.lines))}
        chosen = {k: (v.taken, v.confirms) for k, v in verdicts.items() if v.taken >= 0}
        before = _score(scorers, page, {})
        after = _score(scorers, page, chosen)
        chars = max(sum(len(w.text) for w in page.words), 1)
        row = out.setdefault(
            page.kind,
            dict.fromkeys(("pages", "stock", "after", "worse", "better", "lines", "doubt"), 0)
            | {"confirmed": 0, "unknown": 0, "crops": 0, "runs": 0},
        )
        words = replaced(page, chosen) if chosen else page.words
        row["doubt"] += sum(1 for w in words if 0 <= w.conf < BELOW)
        row["unknown"] += lexicon_counts([w for w in words if w.conf >= BELOW], page.language)[1]
        crops = sum(len(_scales_of(rule, page, k)) for k in range(len(page.lines)))
        row["crops"] += crops
        row["runs"] += crops > 0
        row["pages"] += 1
        row["stock"] += before
        row["after"] += after
        row["lines"] += sum(1 for _, confirms in chosen.values() if not confirms)
        row["confirmed"] += sum(1 for _, confirms in chosen.values() if confirms)
        row["worse"] += (after - before) > WORSE * chars
        row["better"] += (before - after) > WORSE * chars
    return out


_SCORES: dict[tuple[str, tuple], int] = {}


def _score(scorers: dict, page: LinePage, chosen: dict[int, tuple[int, bool]]) -> int:
    """The page's errors with the chosen lines replaced (remembered: many rules agree)."""
    key = (page.name, tuple(sorted((k, v) for k, (v, c) in chosen.items() if not c)))
    if key not in _SCORES:
        _SCORES[key] = scorers[page.name](replaced(page, chosen) if chosen else page.words)
    return _SCORES[key]


@functools.cache
def _figures(words: tuple, language: str) -> object:
    from ocr.linereads import LineFigures
    from ocr.quality import word_probabilities

    return LineFigures.of(words, word_probabilities(words, language), language)


def _scales_of(rule: RereadRule, page: LinePage, k: int) -> tuple[Variant, ...]:
    """The ways the rule reads line k (none: the rule does not read it)."""
    if not (page.unknown and page.unknown[k]):
        return rule.line_variants(unknown=False)
    letters = rule.unknown_letters
    if letters is None or not page.triggers(k, letters):
        return ()
    if not rule.unknown_alone and all(page.unknown):
        return ()  # no doubtful line: the page has no run of lines to join
    if page.unknown_lines(letters) > rule.max_unknown_lines and k not in _repeated(
        page, letters, rule.repeat_lines
    ):
        return ()
    return tuple(v for v in rule.line_variants(unknown=True) if v in UNKNOWN_VARIANTS)


_REPEATED: dict[tuple[str, int, int], frozenset[int]] = {}


def _repeated(page: LinePage, letters: int, least: int | None) -> frozenset[int]:
    """The unknown lines (indexes into page.lines) one same letter swap makes known on at
    least ``least`` of them (ocr.linereads.repeated_swap); none with ``least`` None."""
    from ocr.linereads import repeated_swap

    if least is None:
        return frozenset()
    if (page.name, letters, least) in _REPEATED:
        return _REPEATED[page.name, letters, least]
    index = {id(w): i for i, w in enumerate(page.words)}
    mine = [k for k in range(len(page.lines)) if page.triggers(k, letters)]
    lines = [tuple(index[id(w)] for w in page.lines[k]) for k in mine]
    found = set(repeated_swap(page.words, lines, page.language, letters=letters, least=least))
    out = frozenset(k for k, line in zip(mine, lines, strict=True) if line in found)
    _REPEATED[page.name, letters, least] = out
    return out


def rule_says(rule: RereadRule, page: LinePage, k: int) -> Verdict:
    """What the rule takes of line k (the index into VARIANTS of a reading, -1 if none)."""
    from ocr.linereads import LineReading

    unknown = bool(page.unknown and page.unknown[k])
    if not _scales_of(rule, page, k):
        return Verdict(-1, "")
    first = page.lines[k]
    readings = [
        LineReading(v.scale, words, _figures(words, page.language), v.grey, v.thin)  # type: ignore[arg-type]
        for v, words in zip(VARIANTS, page.again[k], strict=True)
    ]
    before = _figures(first, page.language)
    return rule.decide(first, before, readings, unknown=unknown)  # type: ignore[arg-type]


def table(name: str, rule: RereadRule, result: dict[str, dict[str, int]]) -> list[str]:
    rows = []
    for kind, r in result.items():
        change = (r["after"] - r["stock"]) / max(r["stock"], 1)
        rows.append(
            f"| {name} | {_scales(rule)} | {rule.agree or '-'} "
            f"| {'yes' if rule.same_text else '-'} | {_or_dash(rule.conf_gain)} "
            f"| {rule.min_confidence:.0f} "
            f"| {rule.net_gain:.1f} | {kind} | {r['pages']} "
            f"| {r['stock']} | {r['after']} ({change:+.1%}) | {r['worse']} | {r['better']} "
            f"| {r['lines']} | {r['confirmed']} | {r['doubt']} "
            f"| {_or_dash(rule.unknown_letters)} | {_known_scales(rule)} "
            f"| {rule.max_unknown_lines if rule.unknown_letters is not None else '-'} "
            f"| {rule.known_gain if rule.unknown_letters is not None else '-'} "
            f"| {rule.known_net_gain if rule.unknown_letters is not None else '-'} "
            f"| {'yes' if rule.known_doubtful else '-'} "
            f"| {'-' if rule.unknown_length is None else f'{rule.unknown_length:g}'} "
            f"| {'yes' if rule.unknown_alone else '-'} "
            f"| {_grey(rule.grey_scales)} | {_grey(rule.unknown_grey_scales)} "
            f"| {_or_dash(rule.repeat_lines)} "
            f"| {'-' if rule.grey_length is None else f'{rule.grey_length:g}'} "
            f"| {r['unknown']} | {r['doubt'] + r['unknown']} | {r['crops'] / r['pages']:.1f} "
            f"| {r['runs']} | {_grey(rule.thin_scales)} | {rule.line_slack:g} "
            f"| {_or_dash(rule.known_confidence)} | {_or_dash(rule.band_gain)} "
            f"| {_or_dash(rule.vote_distance)} "
            + (
                "| - | - | - |"
                if rule.vote_distance is None
                else f"| {rule.vote_support} | {rule.vote_confidence:.0f} "
                f"| {'yes' if rule.vote_sure else '-'} |"
            )
        )
    return rows


def _grey(scales: tuple[float, ...]) -> str:
    return ", ".join(f"{s:g}" for s in scales) or "-"


def _known_scales(rule: RereadRule) -> str:
    if rule.unknown_letters is None:
        return "-"
    return ", ".join(f"{s:g}" for s in rule.unknown_scales)


def _or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _scales(rule: RereadRule) -> str:
    return ", ".join(f"{s:g}" for s in rule.scales)


def known_grid(base: RereadRule) -> list[RereadRule]:
    """The lexicon trigger's rules on top of ``base`` (the cheaper first)."""
    from dataclasses import replace as dc_replace

    rules = [base]
    for alone, letters, most, scales, length, gain, net, doubtful in product(
        ALONE,
        [n for n in LETTERS if n is not None],
        MOST_UNKNOWN,
        KNOWN_SCALES,
        UNKNOWN_LENGTHS,
        KNOWN_GAINS,
        KNOWN_NET_GAINS,
        (False, True),
    ):
        rules.append(
            dc_replace(
                base,
                unknown_letters=letters,
                max_unknown_lines=most,
                unknown_scales=scales,
                known_gain=gain,
                known_net_gain=net,
                known_doubtful=doubtful,
                unknown_length=length,
                unknown_alone=alone,
            )
        )
    return rules


def pixels(pages: Sequence[LinePage], rule: RereadRule) -> float:
    """The pixels the rule's runs of lines read on ``pages``, in full line crops (a crop at
    scale s counts s * s)."""
    return sum(
        sum(v.scale**2 for v in _scales_of(rule, page, k) if not v.thin or _read(page, k, v))
        for page in pages
        for k in range(len(page.lines))
    )


def _read(page: LinePage, k: int, variant: Variant) -> bool:
    """Did line k's run read ``variant`` (a thinned crop is read only where a face is bold
    enough to thin; one read that found no word is counted as not read)?"""
    return bool(page.again[k][VARIANTS.index(variant)])


def grey_grid(base: RereadRule) -> list[RereadRule]:
    """The grey crop's scales (for doubtful lines, for lines read for an unknown word) and
    the repeated swap's least lines on top of ``base`` (the cheaper first)."""
    from dataclasses import replace as dc_replace

    return [
        dc_replace(
            base,
            grey_scales=grey,
            unknown_grey_scales=unknown,
            repeat_lines=repeat,
            grey_length=length if grey or unknown else None,
        )
        for repeat, grey, unknown, length in product(REPEATS, GREY_GRID, GREY_GRID, GREY_LENGTHS)
        if (base.unknown_letters is not None or (repeat is None and not unknown))
        and (grey or unknown or length is None)
    ]


def bold_grid(base: RereadRule) -> list[RereadRule]:
    """The thinned crop's scales, the lexicon's judging of doubtful lines (with the net rate
    it may lose) and the repeated swap's least lines on top of ``base`` (the cheaper first):
    the bold faces' confident "и" for "н" (issue 20)."""
    from dataclasses import replace as dc_replace

    return [
        dc_replace(
            base,
            thin_scales=thin,
            known_doubtful=doubtful,
            known_net_gain=net,
            repeat_lines=rep,
            line_slack=slack,
            known_confidence=least,
            band_gain=band,
        )
        for rep, thin, band, slack, least, doubtful, net in product(
            (base.repeat_lines, *(r for r in REPEATS if r != base.repeat_lines)),
            THIN_GRID,
            BAND_GAINS,
            SLACKS,
            KNOWN_CONFIDENCES,
            KNOWN_DOUBTFUL,
            BOLD_NET_GAINS,
        )
        if base.unknown_letters is not None or rep is None
    ]


def vote_grid(base: RereadRule) -> list[RereadRule]:
    """The word vote (ocr.linereads.RereadRule.vote) on top of ``base``, with the thinned
    and the full-size grey crops as more readings to vote (the cheaper, the stricter first)."""
    from dataclasses import replace as dc_replace

    rules = []
    for thin, grey, distance in product(THIN_GRID, VOTE_GREY, VOTE_DISTANCES):
        read = dc_replace(base, thin_scales=thin, grey_scales=grey, unknown_grey_scales=grey)
        if distance is None:
            rules.append(read)
            continue
        for support, least, sure in product(VOTE_SUPPORTS, VOTE_CONFIDENCES, VOTE_SURE):
            rules.append(
                dc_replace(
                    read,
                    vote_distance=distance,
                    vote_support=support,
                    vote_confidence=least,
                    vote_sure=sure,
                )
            )
    return rules


def grid() -> list[RereadRule]:
    """Every rule tried, the cheaper (fewer scales) first."""
    rules = []
    for scales in GRID_SCALES:
        for agree in AGREE if len(scales) > 1 else ("",):
            for same, sure, confidence, gain in product(
                (False, True), CONF_GAINS, CONFIDENCES, GAINS
            ):
                rules.append(
                    RereadRule(
                        confidence,
                        gain,
                        scales=scales,
                        agree=agree,
                        same_text=same,
                        conf_gain=sure,
                    )
                )
    return rules


def worse_than(pages: Sequence[LinePage], scorers: dict, rule: RereadRule, base: RereadRule) -> int:
    """The pages on which ``rule`` leaves more errors than ``base`` by over BASE_WORSE of the
    page's characters."""
    out = 0
    for page in pages:
        errors = []
        for r in (rule, base):
            verdicts = {k: rule_says(r, page, k) for k in range(len(page.lines))}
            chosen = {k: (v.taken, v.confirms) for k, v in verdicts.items() if v.taken >= 0}
            errors.append(_score(scorers, page, chosen))
        chars = max(sum(len(w.text) for w in page.words), 1)
        out += errors[0] - errors[1] > BASE_WORSE * chars
    return out


def _best(
    pages: Sequence[LinePage],
    scorers: dict,
    rules: Sequence[RereadRule],
    lines: list[str],
    *,
    shown: bool,
    against: RereadRule | None = None,
) -> RereadRule:
    """The rule with the fewest pages worse than stock (with ``against``, first the fewest
    worse than that rule by more than BASE_WORSE of their characters), then fewest errors,
    then fewest words under the threshold left (with ``shown``, and confident unknown words,
    then the fewest line crops read); its rows added."""
    best: tuple[tuple[int, ...], RereadRule] | None = None
    for rule in rules:
        result = evaluate(pages, scorers, rule)
        lines += table("tuning", rule, result)
        key = (
            0 if against is None else worse_than(pages, scorers, rule, against),
            sum(r["worse"] for r in result.values()),
            sum(r["after"] for r in result.values()),
            sum(r["doubt"] + (r["unknown"] if shown else 0) for r in result.values()),
            sum(r["crops"] for r in result.values()) if shown else 0,
        )
        if best is None or key < best[0]:
            best = (key, rule)
    assert best is not None
    return best[1]


# The shipped rule with its later parts reset: the base each --shipped-* option starts from
# (the first option given, in this order, wins).
SHIPPED_BASES: dict[str, dict[str, Any]] = {
    # session 14's rule: the word vote off (as it was before this grid chose it)
    "shipped_vote": {
        "vote_distance": None,
        "vote_support": 1,
        "vote_confidence": 0.0,
        "vote_sure": False,
    },
    # session 13's rule: the bold faces' part off (as it was before this grid chose it)
    "shipped_grey": {
        "known_doubtful": False,
        "known_net_gain": 0.1,
        "repeat_lines": None,
        "thin_scales": (),
        "line_slack": 0.0,
        "known_confidence": None,
        "band_gain": None,
        "vote_distance": None,
    },
    # the rule before the grey crops: the lexicon trigger kept, no grey crop, no repeated swap
    "shipped_rule": {
        "grey_scales": (),
        "unknown_grey_scales": (),
        "repeat_lines": None,
        "grey_length": None,
    },
    # the rule's first part only: no lexicon trigger, no grey crop, no repeated swap
    "shipped_base": {
        "unknown_letters": None,
        "unknown_length": None,
        "grey_scales": (),
        "unknown_grey_scales": (),
        "repeat_lines": None,
        "grey_length": None,
    },
}


def main(argv: Sequence[str] | None = None) -> int:
    from ocr.quality import MODEL_PATH

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--synth-tuning", type=Path, default=BENCH / "work" / "review-2101-48")
    parser.add_argument("--synth-held", type=Path, default=BENCH / "work" / "review-2202-48")
    parser.add_argument("--write", action="store_true", help="write the rule to ocr/data")
    parser.add_argument("--held-out", action="store_true", help="also score the held-out side")
    parser.add_argument(
        "--shipped-base",
        action="store_true",
        help="take the shipped rule's first part as the base (no first grid; quicker)",
    )
    parser.add_argument(
        "--shipped-rule",
        action="store_true",
        help="take the whole shipped rule (lexicon trigger too) as the base: only the grey "
        "crop's and the repeated swap's grid on top (quickest)",
    )
    parser.add_argument(
        "--base-only", action="store_true", help="only the first grid (no lexicon trigger)"
    )
    parser.add_argument(
        "--shipped-grey",
        action="store_true",
        help="take the shipped rule (grey crops too; the bold faces' part reset to session "
        "13's) as the base: only the bold faces' grid on top (thinned crops, the lexicon on "
        "doubtful lines, the line's slack, the band's gain, the repeated swap)",
    )
    parser.add_argument(
        "--shipped-vote",
        action="store_true",
        help="take the shipped rule (session 14's, the word vote off) as the base: only the "
        "word vote's grid on top (with the thinned and the full-size grey crops to vote)",
    )
    parser.add_argument(
        "--dev-seeds",
        default="",
        help="comma-separated dev seeds whose clean pages (bench.review_fresh's sets) join "
        "the tuning side",
    )
    args = parser.parse_args(argv)
    dev = [dev_set(int(s)) for s in args.dev_seeds.split(",") if s]
    held_folder = args.synth_held if args.held_out else None
    pages, scorers = load(args.work, args.synth_tuning, held_folder, dev)
    tuning = [p for p in pages if p.side == "tuning"]
    held = [p for p in pages if p.side == "held_out"]
    head = [
        "| side | scales | agree | same text | confidence gain | least confidence | net gain "
        "| pages | n "
        "| errors, stock | with the rule | worse > 1 pt | better > 1 pt | lines replaced "
        "| lines confirmed | words under 60 left | unknown: least letters | unknown: scales "
        "| unknown: most lines | known gain | known: net gain | known: doubtful lines too "
        "| unknown: length within | unknown: pages without doubt too "
        "| grey: scales | grey: unknown lines' scales | repeated swap: least lines "
        "| grey: length within "
        "| confident unknown words left | words shown | line crops per page "
        "| pages with a run of lines | thin: scales | line slack | known: least confidence "
        "| band: net gain | vote: distance | vote: support | vote: least confidence "
        "| vote: sure words stay sure |",
        "|---" * 40 + "|",
    ]
    lines = list(head)
    from dataclasses import replace as dc_replace

    from ocr.readings import choice_rules

    shipped = choice_rules().reread
    assert shipped is not None
    start = next((option for option in SHIPPED_BASES if getattr(args, option)), None)
    if start is not None:
        base = dc_replace(shipped, provenance="", **SHIPPED_BASES[start])
        lines += table("tuning", base, evaluate(tuning, scorers, base))
        if start != "shipped_base":
            known = base
    else:
        base = _best(tuning, scorers, grid(), lines, shown=False)
    if args.base_only:
        rule = base
    else:
        if not (args.shipped_rule or args.shipped_grey or args.shipped_vote):
            known = _best(tuning, scorers, known_grid(base), lines, shown=True)
        most = (1 + GREY_BUDGET) * pixels(tuning, known)
        rule = _best(
            tuning,
            scorers,
            [
                r
                for r in (
                    vote_grid(known)
                    if args.shipped_vote
                    else bold_grid(known)
                    if args.shipped_grey
                    else grey_grid(known)
                )
                if pixels(tuning, r) <= most
            ],
            lines,
            shown=True,
            against=known,
        )
        print(
            f"pixels read (full line crops): {pixels(tuning, known):.0f} before the grey crop, "
            f"{pixels(tuning, rule):.0f} with the rule chosen (budget {most:.0f})"
        )
    if held:
        lines += table("held out", base, evaluate(held, scorers, base))
        if rule != base:
            lines += table("held out", rule, evaluate(held, scorers, rule))
    print("\n".join(lines))
    print(f"chosen: {rule}")
    if args.write:
        data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
        data["choice"]["reread"] = {
            "min_confidence": rule.min_confidence,
            "net_gain": rule.net_gain,
            "scales": list(rule.scales),
            "agree": rule.agree,
            "same_text": rule.same_text,
            "conf_gain": rule.conf_gain,
            "unknown_letters": rule.unknown_letters,
            "unknown_scales": list(rule.unknown_scales),
            "max_unknown_lines": rule.max_unknown_lines,
            "known_gain": rule.known_gain,
            "known_net_gain": rule.known_net_gain,
            "known_doubtful": rule.known_doubtful,
            "unknown_length": rule.unknown_length,
            "unknown_alone": rule.unknown_alone,
            "grey_scales": list(rule.grey_scales),
            "unknown_grey_scales": list(rule.unknown_grey_scales),
            "repeat_lines": rule.repeat_lines,
            "grey_length": rule.grey_length,
            "thin_scales": list(rule.thin_scales),
            "line_slack": rule.line_slack,
            "known_confidence": rule.known_confidence,
            "band_gain": rule.band_gain,
            "vote_distance": rule.vote_distance,
            "vote_support": rule.vote_support,
            "vote_confidence": rule.vote_confidence,
            "vote_sure": rule.vote_sure,
            "provenance": (
                f"python -m bench.learn_linereads{_flags(args)}"
                f" on {len(tuning)} tuning pages (seed 2101 "
                + (f"and dev seeds {args.dev_seeds}' clean " if dev else "")
                + f"synthetic, the real tuning split), {datetime.now(UTC):%Y-%m-%d}: "
                + (
                    "the shipped rule (session 14's choice) as the base; then the word vote's "
                    "grid on top (the most edits to a fix, the readings that must give it, its "
                    "least confidence, whether sure words must stay sure; with the thinned and "
                    "the full-size grey crops as more readings or not)"
                    if args.shipped_vote
                    else "the shipped rule (session 13's choice, grey crops too) as the base; then "
                    "the bold faces' grid on top (thinned crops, the lexicon judging doubtful "
                    "lines, the net rate and the least confidence its test may ask, the line's "
                    "slack, the net a line cut at its band must gain, the repeated swap)"
                    if args.shipped_grey
                    else "the shipped rule (session 12's choice, lexicon trigger too) as the base"
                    if args.shipped_rule
                    else "the shipped rule's first part (session 11's choice) as the base"
                    if args.shipped_base
                    else "the grid's fewest pages worse than stock, then fewest errors, then "
                    f"fewest words under {BELOW:.0f} left"
                )
                + (
                    ""
                    if args.shipped_rule or args.shipped_grey or args.shipped_vote
                    else "; then the lexicon trigger's grid on top of it by the same order"
                )
                + (
                    ""
                    if args.shipped_grey or args.shipped_vote
                    else "; then the grey crop's scales and the repeated swap's grid on top"
                )
                + ", the "
                f"fewest pages worse than that rule by {BASE_WORSE:.1%} of their characters "
                "first, then by the same order (of the rules adding at most "
                f"{GREY_BUDGET:.0%} to the pixels the lines' runs read), the last by the "
                f"words under {BELOW:.0f} and the confident words the lexicon does not know "
                "left, then the fewest line crops read"
            ),
        }
        MODEL_PATH.write_text(dump_model(data), encoding="utf-8")
        print(f"wrote {MODEL_PATH}")
    return 0


def _flags(args: argparse.Namespace) -> str:
    dev = f" --dev-seeds {args.dev_seeds}" if args.dev_seeds else ""
    if args.shipped_vote:
        return " --shipped-vote" + dev
    if args.shipped_grey:
        return " --shipped-grey" + dev
    if args.shipped_rule:
        return " --shipped-rule" + dev
    return (" --shipped-base" if args.shipped_base else "") + dev


if __name__ == "__main__":
    raise SystemExit(main())
