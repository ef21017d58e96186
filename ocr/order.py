"""Tables read across: a page whose lines stand side by side on shared baselines (a catalogue's
item number, description and dates in columns) is read row by row, not column by column.

Tesseract's page segmentation finds a table's columns as blocks and reads each down in turn;
a reader (and a transcription) reads the table a row at a time. From the kept reading's word
boxes alone (no tesseract call), lines of different blocks whose baselines agree are found; a
page where enough of the text sits in such rows has its lines re-ordered row by row (top to
bottom), each row's lines left to right, every line's words as they were. Any other page is
left exactly as it was read.

Two facing pages of a book side by side can look like a table by their lines alone (short lines
of dialogue on shared baselines), so the row order must also be the better reading order: a
table's rows hold numbers (an item's number, a date), and its cells read down the columns do
not run on into each other as a page's sentences do (``numbered``, ``flows``)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ocr.merge import line_indexes
from ocr.merge_files import PageSize, write_merged
from ocr.tesseract import CHOICES_SUFFIX, Word, read_choices

NAME = "rows"  # the order step's name in provenance


@dataclass(frozen=True)
class OrderRule:
    """When a page is read row by row (chosen on the tuning pages: bench/learn_order.py; the
    four typed tables of the tuning part have 72-86 % of their characters in lines side by
    side, every other tuning page at most 15 %; ``min_rows`` was added after the held-out
    pages showed two facing book pages of dialogue taken for a table: 37-39 % of their
    characters side by side, but never three lines in a row, where the tables have 3-9 such
    rows)."""

    baseline: float = 0.5  # two lines share a row when their baselines differ by under this
    # share of the page's median word height
    min_share: float = 0.3  # ... and the page is a table when at least this share of its
    # characters sit in lines that share a row with a line of another block
    min_lines: int = 6  # ... and at least this many lines do
    min_rows: int = 2  # ... and at least this many rows hold three lines of text or more (a
    # table's columns): two columns side by side (facing pages of a book, a letter's date
    # beside its address) are read down each column
    max_width: float = 0.2  # ... and the median of those lines' widths is under this share of
    # the text's width: a table's cells are short (the tuning tables' 0.07-0.15); columns of
    # prose typed side by side (read down each column) have lines of a half or a third of it
    min_numbered: float = 0.3  # ... and at least this share of its rows of two lines or more
    # hold a number (a line with digits and no more letters than digits: an item's number, a
    # date, a shelf mark): a table's rows do (the tuning tables' 0.43-1.0), two facing pages
    # of prose or dialogue hardly (the spreads made of tuning pages: at most 0.14)
    max_flow: float = 1.3  # ... and the lines as read do not run on into each other better
    # than in rows by more than this many standard errors (``Flow.evidence``): the share of
    # line ends whose next line agrees with them (a sentence left open going on into a small
    # letter, an ended one into a capital) is higher for two facing pages of prose read page
    # by page (the spreads of tuning pages: 1.9-3.2) than in rows; a table's cells read down
    # its columns do not run on (the tuning tables: at most 0.65)


RULE = OrderRule()
ENDS = ".!?»\"'"  # a line ending in one of these ends its sentence


@dataclass(frozen=True)
class Line:
    """One line of a reading: its words' indexes, extent and baseline (median word bottom)."""

    block: int
    words: tuple[int, ...]
    left: int
    right: int
    baseline: float
    chars: int
    text: bool  # holds a letter or a digit (not only marks: specks, rules, quotes)


@dataclass(frozen=True)
class Order:
    """The words of a page re-ordered row by row: ``sources[k]`` is the index in the reading of
    the ``k``-th word of ``words``; what the step saw (for provenance)."""

    words: tuple[Word, ...]
    sources: tuple[int, ...]
    rows: int
    lines: int
    shared_lines: int
    shared_share: float
    numbered: float = 0.0  # the share of rows of two lines or more holding a number
    flow: float = 0.0  # how much better the lines run on as read than in rows (Flow.evidence)

    @property
    def reason(self) -> str:
        return (
            f"{self.shared_lines} of {self.lines} lines ({self.shared_share:.0%} of the "
            f"characters) share a baseline with a line of another block: read as "
            f"{self.rows} rows ({self.numbered:.0%} of them with a number; line ends run on "
            f"{self.flow:+.1f} standard errors better as read)"
        )


def lines_of(words: Sequence[Word]) -> list[Line]:
    """The reading's lines in its order."""
    out = []
    for idx in line_indexes(words):
        boxes = [words[i].box for i in idx]
        out.append(
            Line(
                words[idx[0]].block,
                idx,
                min(b.left for b in boxes),
                max(b.right for b in boxes),
                statistics.median(b.bottom for b in boxes),
                sum(len(words[i].text) for i in idx),
                any(c.isalnum() for i in idx for c in words[i].text),
            )
        )
    return out


def _apart(a: Line, b: Line) -> bool:
    return a.right <= b.left or b.right <= a.left


def shared(lines: Sequence[Line], tolerance: float) -> list[bool]:
    """For each line: does a line of another block stand beside it on the same baseline?
    (Lines compared only with those whose baselines are within ``tolerance``: a speckled page's
    thousands of lines cost no more than sorting them.)"""
    by_baseline = sorted(range(len(lines)), key=lambda i: lines[i].baseline)
    out = [False] * len(lines)
    for k, i in enumerate(by_baseline):
        line = lines[i]
        for j in by_baseline[k + 1 :]:
            other = lines[j]
            if other.baseline - line.baseline >= tolerance:
                break
            if other.block != line.block and _apart(line, other):
                out[i] = out[j] = True
    return out


def rows_of(lines: Sequence[Line], tolerance: float) -> list[list[Line]]:
    """The lines in rows, top to bottom, each row's lines left to right: a line joins the row
    whose baseline (its first line's) is nearest within ``tolerance`` and none of whose lines
    it overlaps across; otherwise it starts a row."""
    rows: list[list[Line]] = []  # made in the order of their first line's baseline
    for line in sorted(lines, key=lambda ln: (ln.baseline, ln.left)):
        near = []
        for r in reversed(rows):
            if line.baseline - r[0].baseline >= tolerance:
                break
            if all(_apart(line, o) for o in r):
                near.append(r)
        if near:
            min(near, key=lambda r: abs(r[0].baseline - line.baseline)).append(line)
        else:
            rows.append([line])
    rows.sort(key=lambda r: statistics.fmean(ln.baseline for ln in r))
    return [sorted(r, key=lambda ln: ln.left) for r in rows]


@dataclass(frozen=True)
class Layout:
    """What the rule judges of a page: its lines, those holding text, which of these stand
    beside a line of another block on the same baseline, the share of the text's characters
    in them, and their median width over the text's width."""

    lines: list[Line]
    text: list[Line]
    beside: list[bool]
    tolerance: float
    share: float
    width: float

    @property
    def shared_lines(self) -> int:
        return sum(self.beside)


def layout(words: Sequence[Word], baseline: float = RULE.baseline) -> Layout | None:
    """The page's layout, its baselines compared at ``baseline`` times its median word height
    (None: no line holds text)."""
    lines = lines_of(words)
    text = [ln for ln in lines if ln.text]  # what is judged: lines of marks only are not
    if not text:
        return None
    height = statistics.median(words[i].box.height for ln in text for i in ln.words)
    tolerance = baseline * height
    beside = shared(text, tolerance)
    chars = sum(ln.chars for ln in text)
    share = sum(ln.chars for ln, b in zip(text, beside, strict=True) if b) / chars
    text_width = max(ln.right for ln in text) - min(ln.left for ln in text)
    widths = [ln.right - ln.left for ln, b in zip(text, beside, strict=True) if b]
    width = statistics.median(widths) / text_width if widths and text_width else 0.0
    return Layout(lines, text, beside, tolerance, share, width)


def _runs_on(before: str, after: str) -> bool | None:
    """Does ``after`` agree with ``before`` as its next line: a sentence left open (the line ends
    in a letter, a comma, a hyphen...) going on into a small letter, or one ended (a full stop, a
    question, a closing quote; a line of capitals: a title, a speaker's name) into a capital?
    None: one of them holds no letter (a number, a date, a mark), nothing to judge."""
    letters = [c for c in before if c.isalpha()]
    start = next((c for c in after if c.isalpha()), "")
    if not letters or not start:
        return None
    ended = before.rstrip()[-1] in ENDS or all(c.isupper() for c in letters)
    return start.isupper() if ended else start.islower()


def flow(texts: Sequence[str]) -> tuple[int, int]:
    """How many line ends run on (``_runs_on``) when the lines are read in this order, of how
    many judged."""
    judged = [_runs_on(a, b) for a, b in itertools.pairwise(texts)]
    known = [j for j in judged if j is not None]
    return sum(known), len(known)


def _text(words: Sequence[Word], line: Line) -> str:
    return " ".join(words[i].text for i in line.words)


def _number(text: str) -> bool:
    digits = sum(c.isdigit() for c in text)
    return digits > 0 and digits >= sum(c.isalpha() for c in text)


def numbered(words: Sequence[Word], rows: Sequence[Sequence[Line]]) -> float:
    """The share of the rows of two lines or more that hold a number (``_number``: a line with
    digits and no more letters than digits); 0 when no row holds two lines."""
    wide = [r for r in rows if len(r) >= 2]
    if not wide:
        return 0.0
    return sum(any(_number(_text(words, ln)) for ln in r) for r in wide) / len(wide)


@dataclass(frozen=True)
class Flow:
    """The line ends that run on (of those judged) as read and in rows."""

    read: int
    read_judged: int
    rows: int
    rows_judged: int

    @property
    def evidence(self) -> float:
        """How much better the lines run on as read than in rows, in standard errors of the
        difference of the two shares (pooled): a few line ends are weak evidence, many strong;
        0 when either order has no line end to judge."""
        if not self.read_judged or not self.rows_judged:
            return 0.0
        pooled = (self.read + self.rows) / (self.read_judged + self.rows_judged)
        spread = pooled * (1 - pooled) * (1 / self.read_judged + 1 / self.rows_judged)
        if spread <= 0:
            return 0.0
        return (self.read / self.read_judged - self.rows / self.rows_judged) / math.sqrt(spread)


def flows(words: Sequence[Word], lines: Sequence[Line], rows: Sequence[Sequence[Line]]) -> Flow:
    """How well the lines of text run on as read (``lines``) and in ``rows`` (the same lines)."""
    read = flow([_text(words, ln) for ln in lines])
    return Flow(*read, *flow([_text(words, ln) for row in rows for ln in row]))


def table_order(words: Sequence[Word], rule: OrderRule = RULE) -> Order | None:
    """The words read row by row when the page is a table by ``rule``; None otherwise (or when
    the order would not change)."""
    page = layout(words, rule.baseline)
    if page is None or page.shared_lines < rule.min_lines or page.share < rule.min_share:
        return None
    if page.width > rule.max_width:
        return None
    text_rows = rows_of(page.text, page.tolerance)
    if sum(len(r) >= 3 for r in text_rows) < rule.min_rows:
        return None
    with_numbers = numbered(words, text_rows)
    if with_numbers < rule.min_numbered:
        return None
    evidence = flows(words, page.text, text_rows).evidence
    if evidence > rule.max_flow:
        return None
    lines, tolerance = page.lines, page.tolerance
    rows = rows_of(lines, tolerance)
    out: list[Word] = []
    sources: list[int] = []
    for r, row in enumerate(rows, start=1):
        for n, line in enumerate(row, start=1):
            for k, i in enumerate(line.words, start=1):
                out.append(replace(words[i], block=r, par=1, line=n, word=k))
                sources.append(i)
    if sources == list(range(len(words))):
        return None
    return Order(
        tuple(out),
        tuple(sources),
        len(rows),
        len(page.text),
        page.shared_lines,
        page.share,
        with_numbers,
        evidence,
    )


def page_size(tsv: Path, image_name: str, languages: str) -> PageSize:
    """The page a TSV's words sit on, from its page row (level 1)."""
    with tsv.open(encoding="utf-8") as lines:
        for row in lines:
            cells = row.rstrip("\n").split("\t")
            if cells[0] == "1":
                return PageSize(int(cells[9]), int(cells[8]), image_name, languages)
    raise ValueError(f"{tsv} has no page row")


def write_order(
    order: Order, outputs: dict[str, Path], *, formats: Sequence[str], page: PageSize
) -> dict[str, Path]:
    """The re-ordered words written over a reading's outputs (``outputs``: format -> path, the
    TSV's stem naming them all), its characters' choices re-ordered with them."""
    stem = outputs["tsv"].with_name(outputs["tsv"].name.removesuffix(".tsv"))
    choices = None
    if (path := outputs.get("choices")) is not None:
        records = read_choices(path)
        choices = (
            [records[i] for i in order.sources] if len(records) == len(order.sources) else None
        )
        if choices is None:  # records that do not match the words: none rather than wrong ones
            stem.with_name(stem.name + CHOICES_SUFFIX).unlink(missing_ok=True)
    written = write_merged(order.words, stem, formats=formats, page=page, choices=choices)
    return {k: v for k, v in {**outputs, **written}.items() if k != "choices" or choices}


@dataclass(frozen=True)
class BoxOrderRule:
    """When a reading's line order runs against its own boxes (learned on the tuning pages and
    the synthetic dev pages: bench/learn_box_order.py, bench/results_order.md).

    Tesseract's page layout of a stamped header can be unstable in the resolution it is told
    (the sample journal's title page at the PDF's 300 dpi reads its heading block after the
    lines below it, and strict CER counts the block twice). A line read after a line that lies
    below it and overlaps it across runs against the boxes: columns read down one after the
    other never overlap across, a single column's lines read in order never come back up."""

    max_share: float = 0.05  # a reading with more than this share of its text's characters in
    # such lines is doubtful (the tuning pages: at most 0.0XX)
    min_chars: int = 8  # ... and at least this many characters in them (a speck or two in
    # the margin read late is no evidence)
    weight: float = 1.0  # a character of such lines costs this much of a right one in the
    # choice between readings (a block read out of place costs strict CER about its length)
    max_beside: float = RULE.min_share  # ... and only a page of one column is judged: under
    # this share of its characters in lines beside a line of another block (``layout``; the
    # table order's own bound): a table's or a form's cells read down their columns may come
    # back up over a wide cell of the column before (a 180 dpi copy of a tuning catalogue
    # form: 0.38 beside, 0.18 read back; the sample journal's title page: 0.16 beside)


BOX_ORDER = BoxOrderRule()


@dataclass(frozen=True)
class BoxOrder:
    """How a reading's lines of text run against their boxes: of ``lines`` lines (``chars``
    characters), ``back`` lines (``back_chars`` characters) are read after a line lying below
    them that they overlap across."""

    lines: int
    chars: int
    back: int
    back_chars: int
    beside: float = 0.0  # the share of the characters in lines beside a line of another block

    @property
    def share(self) -> float:
        return self.back_chars / self.chars if self.chars else 0.0

    def against(self, rule: BoxOrderRule = BOX_ORDER) -> bool:
        """Does the reading run against its boxes by ``rule``?"""
        return (
            self.back_chars >= rule.min_chars
            and self.share > rule.max_share
            and self.beside < rule.max_beside
        )

    @property
    def reason(self) -> str:
        return (
            f"{self.back} of {self.lines} lines ({self.back_chars} of {self.chars} characters) "
            f"read after a line below them that they overlap across"
        )


def box_order(words: Sequence[Word]) -> BoxOrder:
    """How the reading's lines of text (``lines_of``; lines of marks only are not judged) run
    against their boxes: a line is read back when an earlier line of the reading lies wholly
    below it (that line's top, the median of its words' tops, under this line's baseline) and
    the two overlap across; and the share of the characters in lines beside a line of another
    block (``layout``)."""
    page = layout(words)
    if page is None:
        return BoxOrder(0, 0, 0, 0)
    text = page.text
    tops = np.array([statistics.median(words[i].box.top for i in ln.words) for ln in text])
    lefts = np.array([ln.left for ln in text])
    rights = np.array([ln.right for ln in text])
    back = [
        bool(
            np.any((tops[:j] > line.baseline) & (lefts[:j] < line.right) & (rights[:j] > line.left))
        )
        for j, line in enumerate(text)
    ]
    return BoxOrder(
        len(text),
        sum(ln.chars for ln in text),
        sum(back),
        sum(ln.chars for ln, b in zip(text, back, strict=True) if b),
        page.share,
    )
