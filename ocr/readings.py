"""Several readings of a page, kept whole or line by line by a ground-truth-free estimate: the
page as loaded (what stock tesseract reads) first, the preprocessed page only if it is doubtful."""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

import cv2
import numpy as np

from ocr.exceptions import OcrEngineError
from ocr.frame import reading_budget
from ocr.geometry import PageGeometry
from ocr.linereads import (
    LINE_PSM,
    LINES,
    MAX_LINES,
    LineFigures,
    LineReading,
    RereadRule,
    crop_words,
    doubtful_lines,
    line_crops,
    read_lines,
    repeated_swap,
    unknown_lines,
)
from ocr.merge import (
    DROPPED,
    LineChoice,
    LineRules,
    Merged,
    ReadWords,
    anchors,
    merge_lines,
)
from ocr.merge_files import MERGED_FORMATS, PageSize, write_merged
from ocr.order import BOX_ORDER, BoxOrderRule, box_order, page_size, table_order, write_order
from ocr.quality import MODEL_PATH, dictionary_languages, word_probabilities
from ocr.records import Box
from ocr.tesseract import (
    CHOICES_SUFFIX,
    CharRecord,
    OcrOutput,
    Word,
    read_choices,
    read_words,
    run_ocr,
)
from ocr.timing import CpuMark

log = logging.getLogger(__name__)
_T = TypeVar("_T")

ORIGINAL = "original"  # the page as loaded: what stock tesseract reads
PROCESSED = "processed"  # deskewed, cropped to the paper, background and stamps cleaned
MIXED = "mixed"  # each group of lines from the reading the estimate prefers there (ocr.merge)
# the page as loaded read with no resolution given (tesseract's own estimate, as stock reads an
# image that carries none): read when the first reading, told a resolution, runs against its
# boxes (ocr.order.box_order; tesseract's layout of a stamped header is unstable in it)
UNHINTED = "unhinted"
AS_LOADED = (ORIGINAL, UNHINTED, MIXED)  # readings whose boxes are in the page's pixels
# CPU seconds of a first reading past which a page is pathological (a speckled or huge scan):
# no other reading is tried (a typed A4 page at 300 dpi takes a few seconds).
EXTRA_READING_BUDGET = 20.0
# Benchmark switch (bench/learn_second.py): a doubtful page's "lines" reread, or "first" alone.
SECOND_ENV = "OCR_SECOND_READING"


@dataclass(frozen=True)
class ChoiceRules:
    """When a reading is doubtful and when another replaces it (learned on the tuning pages:
    bench/learn_readings.py; values and provenance in ocr/data/reading_quality.json)."""

    doubt_rate: float  # net characters per character read under this: doubtful
    few_chars: float  # characters read under this share of the ink's text blobs: doubtful
    frame_share: float  # the page's paper under this share of the scan: doubtful
    margin: float  # another reading must beat the first's worth by this share of its characters
    min_chars: int  # ... and of at least this many characters
    provenance: str
    wrong_weight: float = 1.0  # a likely wrong character costs this much of a right one
    missing_weight: float = 1.0  # a letter of ink not read costs this much of a right one
    lines: LineRules | None = None  # the choice per group of lines (None: per page only)
    reread: RereadRule | None = None  # when a doubtful line read again replaces the first's
    order: BoxOrderRule = BOX_ORDER  # when a reading's line order runs against its boxes


@functools.cache
def choice_rules(path: Path = MODEL_PATH) -> ChoiceRules:
    data = json.loads(path.read_text(encoding="utf-8"))["choice"]
    return ChoiceRules(
        float(data["doubt_rate"]),
        float(data["few_chars"]),
        float(data["frame_share"]),
        float(data["margin"]),
        int(data["min_chars"]),
        str(data.get("provenance", "")),
        float(data.get("wrong_weight", 1.0)),
        float(data.get("missing_weight", 1.0)),
        _line_rules(data.get("lines")),
        _reread_rule(data.get("reread")),
    )


def _reread_rule(data: dict[str, Any] | None) -> RereadRule | None:
    if not data:
        return None
    return RereadRule(
        float(data["min_confidence"]),
        float(data["net_gain"]),
        str(data.get("provenance", "")),
        scales=_scales(data.get("scales", (1.0,))),
        agree=_agree(str(data.get("agree", ""))),
        same_text=bool(data.get("same_text", False)),
        conf_gain=_optional(data, "conf_gain", float),
        unknown_letters=_optional(data, "unknown_letters", int),
        unknown_scales=_scales(data.get("unknown_scales", (0.5,))),
        max_unknown_lines=int(data.get("max_unknown_lines", 0)),
        known_gain=int(data.get("known_gain", 1)),
        known_net_gain=float(data.get("known_net_gain", 0.0)),
        known_doubtful=bool(data.get("known_doubtful", False)),
        unknown_length=_optional(data, "unknown_length", float),
        unknown_alone=bool(data.get("unknown_alone", False)),
        grey_scales=_scales(data["grey_scales"]) if data.get("grey_scales") else (),
        unknown_grey_scales=(
            _scales(data["unknown_grey_scales"]) if data.get("unknown_grey_scales") else ()
        ),
        repeat_lines=_optional(data, "repeat_lines", int),
        grey_length=_optional(data, "grey_length", float),
        thin_scales=_scales(data["thin_scales"]) if data.get("thin_scales") else (),
        line_slack=float(data.get("line_slack", 0.0)),
        known_confidence=_optional(data, "known_confidence", float),
        band_gain=_optional(data, "band_gain", float),
        vote_distance=_optional(data, "vote_distance", int),
        vote_support=int(data.get("vote_support", 1)),
        vote_confidence=float(data.get("vote_confidence", 0.0)),
        vote_sure=bool(data.get("vote_sure", False)),
    )


def _optional(data: dict[str, Any], key: str, kind: Callable[[Any], _T]) -> _T | None:
    """The rule's ``key`` as ``kind``, or None when it is missing or null (the test is off)."""
    value = data.get(key)
    return None if value is None else kind(value)


def _scales(values: Any) -> tuple[float, ...]:
    """A rule's scales: at least one, each in (0, 1] (a line read at none would leave the
    lines' run an empty list file)."""
    scales = tuple(float(s) for s in values)
    if not scales or not all(0.0 < s <= 1.0 for s in scales):
        raise ValueError(f"reread scales must be one or more numbers in (0, 1], not {values!r}")
    return scales


def _agree(value: str) -> Literal["", "any", "full"]:
    if value not in ("", "any", "full"):
        raise ValueError(f"reread agree must be '', 'any' or 'full', not {value!r}")
    return value  # type: ignore[return-value]


def _line_rules(data: dict[str, Any] | None) -> LineRules | None:
    if not data:
        return None
    return LineRules(
        float(data["margin"]),
        int(data["min_chars"]),
        float(data["wrong_weight"]),
        float(data["missing_weight"]),
        None if data.get("drop_rate") is None else float(data["drop_rate"]),
        bool(data.get("keep_split", True)),
        float(data.get("max_split", 1.0)),
        None if data.get("whole_margin") is None else float(data["whole_margin"]),
    )


@dataclass(frozen=True)
class ReadingInput:
    """An image of the page to read, and how its pixels map to the page as loaded."""

    name: str
    image: Path
    geometry: PageGeometry
    dpi: int | None  # None: the image file's own (or tesseract's estimate), as stock reads it


# the doubtful lines read one by one (ocr.linereads); its image and frame are the first reading's
LINES_INPUT = ReadingInput(LINES, Path(), PageGeometry.identity(0, 0), None)


@dataclass(frozen=True)
class ReadingSummary:
    """What provenance keeps of one reading, and the estimate it was judged by: ``net`` is the
    characters of words likely right minus those of words likely wrong (sum of length x
    (2p - 1), p from ocr.quality)."""

    name: str
    psm: int
    words: int
    chars: int
    mean_confidence: float | None
    dictionary_share: float | None  # of the word-like words, those the word list knows
    net: float
    seconds: float
    against: int = 0  # characters in lines read against the boxes (ocr.order.box_order), when
    # the reading runs against them by ocr.order.BOX_ORDER (0: its order agrees with its boxes)

    @property
    def net_rate(self) -> float:
        return self.net / self.chars if self.chars else 0.0

    @property
    def right(self) -> float:
        """The characters of words likely right (sum of length x p): (chars + net) / 2."""
        return (self.chars + self.net) / 2.0

    def worth(self, *, ink_blobs: int, rules: ChoiceRules) -> float:
        """What the choice compares: characters likely right, less those likely wrong and the
        letters the ink holds but the reading lacks, each at its rule's weight."""
        wrong = self.chars - self.right
        missing = max(0.0, ink_blobs - self.chars)
        worth = self.right - rules.wrong_weight * wrong - rules.missing_weight * missing
        return worth - rules.order.weight * self.against

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "psm": self.psm,
            "words": self.words,
            "chars": self.chars,
            "mean_confidence": _round(self.mean_confidence),
            "dictionary_share": _round(self.dictionary_share),
            "net": round(self.net, 1),
            "net_rate": round(self.net_rate, 3),
            "seconds": round(self.seconds, 3),
            "against_boxes": self.against,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class Reading:
    """One tesseract run over one image of the page (boxes in that image's frame)."""

    input: ReadingInput
    output: OcrOutput
    words: tuple[Word, ...]
    summary: ReadingSummary
    cpu_seconds: float = 0.0  # tesseract's own CPU time (its process's user + system)
    probabilities: tuple[float, ...] = ()  # each word's chance of being right (ocr.quality)


@dataclass(frozen=True)
class ChoiceRecord:
    """What a page's provenance says of its readings: the one kept (MIXED: some lines from
    each), every one tried (in order), why the first was doubtful and why the kept one won
    ("" when not doubtful), and the choice made for each group of lines when several were
    read (ocr.merge)."""

    kept: str
    readings: tuple[ReadingSummary, ...]
    doubt: str = ""
    reason: str = ""
    lines: tuple[LineChoice, ...] = ()
    reread: tuple[LineChoice, ...] = ()  # the first reading's doubtful lines read again
    order: str = ""  # why the kept reading's lines were put in rows (ocr.order; "": as read)

    @property
    def tesseract_calls(self) -> int:
        return len(self.readings)

    def as_json(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "doubt": self.doubt,
            "reason": self.reason,
            "readings": [r.as_json() for r in self.readings],
            "lines": [line.as_json() for line in self.lines],
            "reread": [line.as_json() for line in self.reread],
            "order": self.order,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChoiceRecord:
        readings = tuple(
            ReadingSummary(
                r["name"],
                int(r["psm"]),
                int(r["words"]),
                int(r["chars"]),
                r["mean_confidence"],
                r["dictionary_share"],
                float(r["net"]),
                float(r["seconds"]),
                int(r.get("against_boxes", 0)),
            )
            for r in data["readings"]
        )
        lines = tuple(LineChoice.from_json(line) for line in data.get("lines", ()))
        reread = tuple(LineChoice.from_json(line) for line in data.get("reread", ()))
        return cls(
            str(data["kept"]),
            readings,
            str(data["doubt"]),
            str(data["reason"]),
            lines,
            reread,
            str(data.get("order", "")),
        )


@dataclass(frozen=True)
class ReadingChoice:
    """The reading kept (its outputs in place) and the record of the choice."""

    kept: Reading
    record: ChoiceRecord


@dataclass(frozen=True)
class OcrCall:
    """How tesseract is run for every reading of a page."""

    languages: str
    psm: int
    oem: int
    timeout: float
    formats: tuple[str, ...]
    choices: bool

    @property
    def mergeable(self) -> bool:
        """Can every output asked for be written from words (ocr.merge_files, PAGE-XML)?"""
        return set(self.formats) <= MERGED_FORMATS | {"page"}


def summarise(
    name: str,
    words: Sequence[Word],
    *,
    languages: str,
    psm: int,
    seconds: float,
    probabilities: Sequence[float] | None = None,
    order: BoxOrderRule = BOX_ORDER,
) -> ReadingSummary:
    """The figures of a reading and its net estimate (from the words' ``probabilities`` when
    they are known, ocr.quality.word_probabilities), and the characters of its lines read
    against its boxes when it runs against them by ``order``."""
    probs = word_probabilities(words, languages) if probabilities is None else probabilities
    confs = [w.conf for w in words if w.conf >= 0]
    net = sum(len(w.text) * (2.0 * p - 1.0) for w, p in zip(words, probs, strict=True))
    boxes = box_order(words)
    return ReadingSummary(
        name,
        psm,
        len(words),
        sum(len(w.text) for w in words),
        sum(confs) / len(confs) if confs else None,
        _dictionary_share(words, languages),
        net,
        seconds,
        boxes.back_chars if boxes.against(order) else 0,
    )


def _dictionary_share(words: Sequence[Word], languages: str) -> float | None:
    from ocr.quality import lexicon_knows

    langs = dictionary_languages(languages)
    if not langs:
        return None
    judged = [k for k in (lexicon_knows(w.text, langs) for w in words) if k is not None]
    return sum(judged) / len(judged) if judged else None


def read(source: ReadingInput, out_stem: Path, call: OcrCall) -> Reading:
    """One tesseract run over ``source``, its outputs at ``out_stem``.*."""
    start, cpu = time.perf_counter(), CpuMark.now()
    output = run_ocr(
        source.image,
        out_stem,
        languages=call.languages,
        psm=call.psm,
        oem=call.oem,
        dpi=source.dpi,
        timeout=call.timeout,
        formats=call.formats,
        choices=call.choices,
    )
    words = tuple(read_words(output.tsv))
    seconds = time.perf_counter() - start
    probabilities = tuple(word_probabilities(words, call.languages))
    summary = summarise(
        source.name,
        words,
        languages=call.languages,
        psm=call.psm,
        seconds=seconds,
        probabilities=probabilities,
    )
    return Reading(source, output, words, summary, cpu.since().tesseract, probabilities)


def repair(
    first: Reading,
    out_stem: Path,
    call: OcrCall,
    *,
    below: float,
    rule: RereadRule,
    load_grey: Callable[[Path], np.ndarray | None],
) -> tuple[Reading, Reading | None, tuple[LineChoice, ...]]:
    """The first reading with its doubtful lines (and the rule's lines holding a word the
    lexicon does not know, ``reread_candidates``) read again one by one (ocr.linereads) where
    the rule prefers the new reading, its outputs rewritten in place; the lines' reading (None
    when no line was read again) and the choice made for each line. Not done on a reading in
    another frame than the page's, with outputs that cannot be written from words, or with more
    doubtful lines than MAX_LINES (the page as a whole is in doubt then, not a few lines)."""
    if not call.mergeable or not first.input.geometry.is_identity:
        return first, None, ()
    lines, unknown = reread_candidates(first.words, call.languages, below=below, rule=rule)
    if not lines:
        return first, None, ()
    grey = load_grey(first.input.image)
    if grey is None:
        return first, None, ()
    start, cpu = time.perf_counter(), CpuMark.now()
    crops = line_crops([[first.words[i] for i in line] for line in lines], *grey.shape[:2])
    try:
        output, words = read_lines(
            grey,
            crops,
            _work_stem(out_stem, LINES_INPUT),
            languages=call.languages,
            oem=call.oem,
            dpi=first.input.dpi,
            timeout=call.timeout,
            choices=call.choices,
            scales=rule.read_variants,
            crop_scales=[rule.line_variants(unknown=k in unknown) for k in range(len(lines))],
        )
    except OcrEngineError as e:
        # tesseract can die on a crop (a SIGFPE on a crop of noise was seen on two EHRI pages):
        # the lines are a bettering, so the page keeps its first reading whole
        log.warning("%s: lines not read again (%s); the first reading stays", out_stem.name, e)
        return first, None, ()
    probabilities = tuple(word_probabilities(words, call.languages))
    summary = summarise(
        LINES,
        words,
        languages=call.languages,
        psm=LINE_PSM,
        seconds=time.perf_counter() - start,
        probabilities=probabilities,
    )
    source = replace(LINES_INPUT, image=first.input.image, geometry=first.input.geometry)
    again = Reading(source, output, words, summary, cpu.since().tesseract, probabilities)
    merged = _repaired(first, again, lines, rule, unknown, call.languages)
    if merged.words == first.words:
        return first, again, merged.groups
    stem = Path(str(first.output.tsv).removesuffix(".tsv"))
    name, geometry = first.input.name, first.input.geometry
    repaired = _write_mixed([first, again], merged, stem, call, name=name, geometry=geometry)
    return replace(repaired, cpu_seconds=first.cpu_seconds), again, merged.groups


def reread_candidates(
    words: Sequence[Word], languages: str, *, below: float, rule: RereadRule
) -> tuple[list[tuple[int, ...]], frozenset[int]]:
    """The lines to read again (word indexes, in reading order): the doubtful ones and, when
    the rule reads them, those with a word the lexicon does not know (none when there are more
    of them than the rule's most, or, unless the rule says so, no doubtful line: they join the
    doubtful lines' run, they make no run of their own); and which of the lines (indexes into
    them) are the latter. None at all with more doubtful lines than MAX_LINES."""
    doubtful = doubtful_lines(words, below=below)
    if len(doubtful) > MAX_LINES:
        return [], frozenset()
    unknown: list[tuple[int, ...]] = []
    if rule.unknown_letters is not None and (doubtful or rule.unknown_alone):
        unknown = unknown_lines(words, languages, below=below, letters=rule.unknown_letters)
        if len(unknown) > rule.max_unknown_lines:
            unknown = (
                []
                if rule.repeat_lines is None
                else repeated_swap(
                    words,
                    unknown,
                    languages,
                    letters=rule.unknown_letters,
                    least=rule.repeat_lines,
                )[: max(MAX_LINES - len(doubtful), 0)]
            )
    lines = sorted([*doubtful, *unknown])
    marked = set(unknown)
    return lines, frozenset(k for k, line in enumerate(lines) if line in marked)


def _load_grey(image: Path) -> np.ndarray | None:
    return cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)


def _figures(reading: Reading, indexes: Sequence[int], languages: str) -> LineFigures:
    return LineFigures.of(
        [reading.words[i] for i in indexes],
        [reading.probabilities[i] for i in indexes],
        languages,
    )


def _repaired(
    first: Reading,
    again: Reading,
    lines: Sequence[tuple[int, ...]],
    rule: RereadRule,
    unknown: frozenset[int] = frozenset(),
    languages: str = "",
) -> Merged:
    """The first reading's words with each line read again (word indexes into
    ``first.words``; ``unknown``: the indexes of those read for a word the lexicon does not
    know) replaced by the reading the rule takes of it read alone (the words of crop k at
    ``rule.read_variants[v]`` in block k + 1, paragraph v + 1), under the first line's block,
    paragraph and line; and the choice made for each line. The lexicon of ``languages``
    (tesseract's) judges the words (none: the rule's lexicon test never passes)."""
    again_lines = crop_words(again.words)
    variants = rule.read_variants
    replaced: dict[int, list[int]] = {}  # a line's first word: the words read again there
    sure: dict[int, float] = {}  # a confirmed line's words: the confidence they take
    groups = []
    for k, line in enumerate(lines):
        mine = [again_lines.get((k, v), []) for v in range(len(variants))]
        readings = [
            LineReading(
                v.scale, tuple(again.words[j] for j in js), _figures(again, js, languages), *v[1:]
            )
            for v, js in zip(variants, mine, strict=True)
        ]
        before = _figures(first, line, languages)
        first_words = [first.words[i] for i in line]
        v, reason, confirms = rule.decide(first_words, before, readings, unknown=k in unknown)
        if confirms:
            sure.update((i, readings[v].figures.min_confidence) for i in line)
        elif reason:
            replaced[line[0]] = mine[v]
        shown = readings[max(v, 0)]
        groups.append(
            LineChoice(
                Box.union_all([w.box for w in (*first_words, *shown.words)]),
                LINES if reason and not confirms else first.summary.name,
                (before.chars, shown.figures.chars),
                (before.net, shown.figures.net),
                reason,
            )
        )
    return Merged(*_replace_lines(first, again, lines, replaced, sure), tuple(groups))


def _replace_lines(
    first: Reading,
    again: Reading,
    lines: Sequence[tuple[int, ...]],
    replaced: dict[int, list[int]],
    sure: dict[int, float],
) -> tuple[tuple[Word, ...], tuple[tuple[int, int], ...]]:
    """The first reading's words with the replaced lines' words (``replaced``: a line's first
    word index -> the indexes of the words read again there) in their place, and the words of
    confirmed lines (``sure``: word index -> confidence) at least that sure."""
    skip = {i for line in lines for i in line if line[0] in replaced}
    words, sources = [], []
    for i, word in enumerate(first.words):
        if i in replaced:
            for n, j in enumerate(replaced[i], start=1):
                block, par, row = word.line_key
                words.append(replace(again.words[j], block=block, par=par, line=row, word=n))
                sources.append((1, j))
        if i not in skip:
            words.append(replace(word, conf=max(word.conf, sure[i])) if i in sure else word)
            sources.append((0, i))
    return tuple(words), tuple(sources)


def doubt(
    summary: ReadingSummary, *, ink_blobs: int, paper_share: float, rules: ChoiceRules
) -> str:
    """Why a reading is doubtful ("" if it is not): the words look unlikely to be right, far
    fewer characters than the ink's text blobs, the scan holds more than the page, or its line
    order runs against its boxes (ocr.order.box_order)."""
    if summary.chars and summary.net_rate < rules.doubt_rate:
        return f"net rate {summary.net_rate:.2f} < {rules.doubt_rate:.2f}"
    if summary.chars < rules.few_chars * ink_blobs:
        return f"{summary.chars} characters read for {ink_blobs} text blobs of ink"
    if paper_share < rules.frame_share:
        return f"the page's paper is {paper_share:.0%} of the scan"
    if summary.against:
        return (
            f"{summary.against} of {summary.chars} characters in lines read after a line "
            f"below them that they overlap across"
        )
    return ""


def better(
    first: ReadingSummary, other: ReadingSummary, *, ink_blobs: int, rules: ChoiceRules
) -> str:
    """Why ``other`` should replace ``first`` ("" if it should not): its worth must beat the
    first's by a margin, so that noise never trades a stock reading for a worse one."""
    margin = rules.margin * max(first.chars, other.chars, rules.min_chars)
    mine = first.worth(ink_blobs=ink_blobs, rules=rules)
    theirs = other.worth(ink_blobs=ink_blobs, rules=rules)
    if theirs > mine + margin:
        against = "".join(
            f"; {r.name} has {r.against} characters read against its boxes"
            for r in (first, other)
            if r.against
        )
        return (
            f"{other.name} worth {theirs:.0f} > {first.name} worth {mine:.0f} + margin {margin:.0f}"
            f"{against}"
        )
    return ""


def read_page(
    sources: Sequence[ReadingInput],
    out_stem: Path,
    call: OcrCall,
    *,
    ink_blobs: int,
    paper_share: float,
    rules: ChoiceRules | None = None,
    ensure: Callable[[ReadingInput], None] | None = None,
    budget: float = EXTRA_READING_BUDGET,
    reread_below: float | None = None,
    load_grey: Callable[[Path], np.ndarray | None] | None = None,
) -> ReadingChoice:
    """Read ``sources[0]``; if doubtful, the others in turn; keep the best by the estimate,
    whole or line by line (``_choose``). ``ensure`` is called before a source is read (to make
    its image when first needed). A first reading that took more than ``budget`` CPU seconds
    is the only one (the doubt says so): a pathological page never costs several times stock
    tesseract's time; a scan that holds more than the page has no budget
    (``ocr.frame.reading_budget``).

    Each reading writes beside ``out_stem`` as .<stem>.<reading>.*; the kept one's outputs are
    renamed to ``out_stem``.* (in its own frame: see ``kept.input``), or the merged reading's
    written there (MIXED, in the page's pixels), and the others deleted.

    With ``reread_below`` (and a reread rule), a first reading that is not doubtful has its
    lines holding a word of lower confidence read again one by one, and they replace its lines
    where the rule says so (``repair``): a doubtful page is read again whole instead."""
    rules = rules or choice_rules()
    ensure = ensure or (lambda _: None)
    again: Reading | None = None
    reread_lines: tuple[LineChoice, ...] = ()
    unhinted = unhinted_source(sources[0])
    work = [*sources, *([unhinted] if unhinted else [])]
    _remove_readings(out_stem, work)  # left by a killed run
    try:
        ensure(sources[0])
        readings = [read(sources[0], _work_stem(out_stem, sources[0]), call)]
        why = doubt(readings[0].summary, ink_blobs=ink_blobs, paper_share=paper_share, rules=rules)
        switch = os.environ.get(SECOND_ENV, "") if why else ""
        lines_instead = switch == "lines" and reread_below is not None and rules.reread is not None
        if lines_instead:
            count = len(doubtful_lines(readings[0].words, below=reread_below or 0.0))
            why += f"; {count} doubtful lines read again instead of the processed page"
        elif switch == "first":
            why += "; no other reading (measuring switch)"
        skipped = lines_instead or switch == "first"
        # a reading doubtful for its line order alone has its words' lines repaired as a clean
        # one's are: the order says nothing of its words, and it may well be kept
        order_only = bool(why) and not doubt(
            replace(readings[0].summary, against=0),
            ink_blobs=ink_blobs,
            paper_share=paper_share,
            rules=rules,
        )
        if (
            (not why or lines_instead or order_only)
            and reread_below is not None
            and rules.reread is not None
        ):
            readings[0], again, reread_lines = repair(
                readings[0],
                out_stem,
                call,
                below=reread_below,
                rule=rules.reread,
                load_grey=load_grey or _load_grey,
            )
        others: Sequence[ReadingInput] = sources[1:] if why and not skipped else ()
        if others and unhinted and readings[0].summary.against:
            others = [unhinted, *others]  # the same pixels with tesseract's own layout
        # no budget for a scan that holds more than the page: its cropped page is cheap to read
        budget = reading_budget(paper_share, frame_share=rules.frame_share, budget=budget)
        if others and readings[0].cpu_seconds > budget:
            why += (
                f"; no other reading: the first took {readings[0].cpu_seconds:.0f} s "
                f"of CPU (over {budget:.0f} s)"
            )
            others = ()
        for source in others:
            ensure(source)
            readings.append(read(source, _work_stem(out_stem, source), call))
        # A scan that only holds more than the page (its reading is not doubtful otherwise)
        # keeps the first reading's lines and their order; the cropped page's reading betters
        # them line by line but never replaces them whole.
        whole = (
            bool(why)
            and not skipped
            and bool(doubt(readings[0].summary, ink_blobs=ink_blobs, paper_share=1.0, rules=rules))
        )
        kept, reason, lines = _choose(
            readings, out_stem, call, ink_blobs=ink_blobs, rules=rules, whole=whole
        )
        final = kept if kept.input.name == MIXED else _move_outputs(kept, out_stem)
        final, order = _in_rows(final, call)
    finally:
        _remove_readings(out_stem, [*work, LINES_INPUT])
    summaries = tuple(r.summary for r in (*readings, *([again] if again else [])))
    record = ChoiceRecord(kept.summary.name, summaries, why, reason, lines, reread_lines, order)
    return ReadingChoice(final, record)


def unhinted_source(source: ReadingInput) -> ReadingInput | None:
    """The page as loaded read with no resolution given (UNHINTED), when ``source`` is it read
    with one (a PDF page rendered at a known dpi into an image that carries none); else None."""
    if source.name != ORIGINAL or source.dpi is None:
        return None
    return replace(source, name=UNHINTED, dpi=None)


def _in_rows(reading: Reading, call: OcrCall) -> tuple[Reading, str]:
    """The kept reading with its lines in rows when it is a table (ocr.order: its outputs
    rewritten in place), and why ("" when it is read as it was)."""
    order = table_order(reading.words) if call.mergeable else None
    if order is None:
        return reading, ""
    page = page_size(reading.output.tsv, reading.input.image.name, call.languages)
    outputs = write_order(order, reading.output.outputs, formats=call.formats, page=page)
    probs = reading.probabilities
    return replace(
        reading,
        output=replace(reading.output, outputs=outputs),
        words=order.words,
        probabilities=tuple(probs[i] for i in order.sources)
        if len(probs) == len(order.sources)
        else (),
    ), order.reason


def _choose(
    readings: Sequence[Reading],
    out_stem: Path,
    call: OcrCall,
    *,
    ink_blobs: int,
    rules: ChoiceRules,
    whole: bool = True,
) -> tuple[Reading, str, tuple[LineChoice, ...]]:
    """The reading kept, why, and the choice per group of lines. Another reading that wins
    the page choice is kept whole (only when ``whole``); else, when the rules have line rules
    and every output asked for can be written from words, the first reading is bettered line
    by line."""
    if len(readings) == 1:
        return readings[0], "", ()
    kept, reason = (
        _page_choice(readings, ink_blobs=ink_blobs, rules=rules) if whole else (readings[0], "")
    )
    if kept is not readings[0] or rules.lines is None or not call.mergeable:
        return kept, reason, ()
    frame = next((r.input.geometry for r in readings if not r.input.geometry.is_identity), None)
    page = [_in_page(r, call.languages, frame) for r in readings]
    merged = merge_lines(page, rules=rules.lines)
    if merged.split_share > rules.lines.max_split:  # the readings' lines disagree: per page
        kept, reason = _whole(readings, merged, rules.lines, allowed=whole)
        return kept, reason, merged.groups
    for index, reading in enumerate(readings):
        if merged.sources == tuple((index, i) for i in range(len(reading.words))):
            return reading, _line_reason(merged, readings) if index else "", merged.groups
    mixed = _write_mixed(readings, merged, out_stem, call)
    return mixed, _line_reason(merged, readings), merged.groups


def _whole(
    readings: Sequence[Reading], merged: Merged, rules: LineRules, *, allowed: bool = True
) -> tuple[Reading, str]:
    """The reading taken whole when the readings order the lines differently, and why: the
    first unless another is ``allowed`` and worth more over the groups of lines."""
    why = f"the readings split lines differently on {merged.split_share:.0%} of the text"
    if not allowed:
        return readings[0], f"{why}; the first kept: only its frame was doubtful"
    if rules.whole_margin is not None and (best := merged.whole(rules.whole_margin)):
        name = readings[best].summary.name
        return readings[best], f"{name} worth more over the groups of lines; {why}"
    return readings[0], why


def _page_choice(
    readings: Sequence[Reading], *, ink_blobs: int, rules: ChoiceRules
) -> tuple[Reading, str]:
    """The whole reading kept, and why: the first unless another beats it by the margin."""
    kept, reason = readings[0], ""
    for reading in readings[1:]:
        if switch := better(kept.summary, reading.summary, ink_blobs=ink_blobs, rules=rules):
            kept, reason = reading, switch
    return kept, reason


def _in_page(reading: Reading, languages: str, frame: PageGeometry | None) -> ReadWords:
    """A reading's words in the page's pixels (as loaded), their chances of being right, and
    their boxes in ``frame`` (the deskewed reading's) where lines are aligned."""
    geometry = reading.input.geometry
    words = tuple(
        w if geometry.is_identity else replace(w, box=geometry.box_to_original(w.box))
        for w in reading.words
    )
    probabilities = reading.probabilities or tuple(word_probabilities(reading.words, languages))
    boxes = anchors([w.box for w in words], frame)
    return ReadWords(reading.summary.name, words, probabilities, boxes)


def _line_reason(merged: Merged, readings: Sequence[Reading]) -> str:
    """How many groups of lines, and characters, each reading gave."""
    parts = []
    for index, reading in enumerate(readings):
        groups = sum(g.kept == reading.summary.name for g in merged.groups)
        chars = sum(
            len(w.text)
            for w, (r, _) in zip(merged.words, merged.sources, strict=True)
            if r == index
        )
        parts.append(
            f"{reading.summary.name} on {groups} of {len(merged.groups)} line groups "
            f"({chars} characters)"
        )
    if dropped := sum(g.kept == DROPPED for g in merged.groups):
        parts.append(f"{dropped} groups left out as noise")
    return "per line: " + ", ".join(parts)


def _write_mixed(
    readings: Sequence[Reading],
    merged: Merged,
    out_stem: Path,
    call: OcrCall,
    *,
    name: str = MIXED,
    geometry: PageGeometry | None = None,
) -> Reading:
    """The merged reading's outputs written at ``out_stem``.*, in the page's pixels (or in
    ``geometry``'s frame, where the readings' words are)."""
    first = readings[0].input
    page = PageSize(first.geometry.rows, first.geometry.cols, first.image.name, call.languages)
    choices = _merged_choices(readings, merged) if call.choices else None
    if choices is None:
        out_stem.with_name(out_stem.name + CHOICES_SUFFIX).unlink(missing_ok=True)
    outputs = write_merged(merged.words, out_stem, formats=call.formats, page=page, choices=choices)
    output = replace(readings[0].output, outputs=outputs)
    geometry = geometry or PageGeometry.identity(first.geometry.rows, first.geometry.cols)
    source = ReadingInput(name, first.image, geometry, first.dpi)
    seconds = sum(r.summary.seconds for r in readings)
    probabilities = _merged_probabilities(readings, merged)
    summary = summarise(
        name,
        merged.words,
        languages=call.languages,
        psm=call.psm,
        seconds=seconds,
        probabilities=probabilities,
    )
    return Reading(source, output, merged.words, summary, probabilities=probabilities or ())


def _merged_probabilities(readings: Sequence[Reading], merged: Merged) -> tuple[float, ...] | None:
    """Each merged word's chance of being right, as its reading gave it (None if unknown)."""
    if any(len(r.probabilities) != len(r.words) for r in readings):
        return None
    return tuple(readings[r].probabilities[i] for r, i in merged.sources)


def _merged_choices(readings: Sequence[Reading], merged: Merged) -> list[list[CharRecord]] | None:
    """Each merged word's character records, or None when a reading has none."""
    records = []
    for reading in readings:
        path = reading.output.outputs.get("choices")
        if path is None:
            return None
        records.append(read_choices(path))
    return [records[r][i] for r, i in merged.sources]


def _work_stem(out_stem: Path, source: ReadingInput) -> Path:
    return out_stem.with_name(f".{out_stem.name}.{source.name}")


def _remove_readings(out_stem: Path, sources: Sequence[ReadingInput]) -> None:
    for source in sources:
        work = _work_stem(out_stem, source)
        for path in work.parent.glob(f"{work.name}.*"):
            path.unlink(missing_ok=True)


def _move_outputs(reading: Reading, out_stem: Path) -> Reading:
    """The reading with its output files renamed from its work stem to ``out_stem``."""
    old = reading.output.tsv.name.removesuffix(".tsv")
    if "choices" not in reading.output.outputs:  # a previous run's, never left beside these
        out_stem.with_name(out_stem.name + CHOICES_SUFFIX).unlink(missing_ok=True)
    moved = {}
    for fmt, path in reading.output.outputs.items():
        target = out_stem.with_name(out_stem.name + path.name[len(old) :])
        path.replace(target)
        moved[fmt] = target
    output = OcrOutput(
        moved,
        reading.output.languages,
        reading.output.psm,
        reading.output.oem,
        reading.output.tesseract_version,
        reading.output.traineddata,
    )
    return replace(reading, output=output)
