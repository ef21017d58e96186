"""Lines in doubt read again, one by one: a line where tesseract was unsure of a word (or,
when the rule asks, sure of a word the page's language lexicon does not know: a confident
misreading such as "ЕПРАВКА") is cut from the page as loaded, binarised on its own (Otsu over
the line's pixels, so paper texture, tint and a faded ribbon no longer reach the recogniser)
and read as a single line, at full size and at the rule's smaller scales (short number lines,
page numbers and dates, often read right only at a smaller size); at the rule's grey scales the
same crop is read grey too, its contrast only stretched (a bold face whose counters Otsu fills,
"н" read "и", keeps them). Every such line of a page, in every variant, is read in one
tesseract run (a list file of the crops). A reading of a line
replaces the first reading's only where it settles the doubt and the ground-truth-free
estimate (ocr.quality) prefers it or it is far surer, or, for a line read for its unknown word,
where the new reading holds more words the lexicon knows, fewer it does not, and the estimate
does not prefer the first by much, or (the word vote) where it only fixes words the lexicon
does not know into words it knows, one or two letters away; a sure reading of the first's own
text confirms it (RereadRule); ocr.readings applies it."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from typing import Literal, NamedTuple

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from ocr.imaging import png_list_file
from ocr.quality import dictionary_languages, lexicon_knows
from ocr.records import Box
from ocr.tesseract import OcrOutput, Word, read_page_words, run_ocr

LINES = "lines"  # the reading of the doubtful lines, each read alone
LINE_PSM = 7  # tesseract: the image is a single text line
MAX_LINES = 40  # a page with more doubtful lines than this is doubtful as a whole (ocr.readings)
PAD = 0.5  # the crop reaches this share of the line's height above, below and to each side
STRETCH = 0.01  # a grey crop's darkest and lightest share of pixels go to black and white
TALL = 2.5  # a line box over this many times its tallest word runs askew: its crop cuts others
BAND_TALL = 1.6  # a line box over this many times its words' median height runs into others
BAND_MARGIN = 0.25  # a line's band reaches this share of its words' median height beyond them
THIN_SHARE = 0.18  # strokes wider than this share of the line's height: a bold face
VOTE_LETTERS = 3  # the word vote's fix is a word of this many letters or more
_ENDS = re.compile(r"^\W+|\W+$")  # marks at either end of a word ("(г.", "сотрудника,")


@dataclass(frozen=True)
class LineFigures:
    """What the rule compares of one reading of a line."""

    net_rate: float  # characters likely right less those likely wrong, per character
    min_confidence: float
    chars: int
    letters: int = 0  # of the characters: letters (none: a page number, a date in figures)
    known: int = 0  # words the page's language lexicon knows (of those it can judge)
    unknown: int = 0  # words it can judge and does not know
    languages: str = ""  # tesseract's languages the lexicon counts were judged in

    @classmethod
    def of(
        cls, words: Sequence[Word], probabilities: Sequence[float], languages: str = ""
    ) -> LineFigures:
        """The figures of ``words``; with ``languages`` (tesseract's), also the words their
        lexicon knows and does not know (:func:`lexicon_counts`)."""
        chars = sum(len(w.text) for w in words)
        net = sum(len(w.text) * (2.0 * p - 1.0) for w, p in zip(words, probabilities, strict=True))
        least = min((max(w.conf, 0.0) for w in words), default=0.0)
        letters = sum(c.isalpha() for w in words for c in w.text)
        known, unknown = lexicon_counts(words, languages)
        rate = net / chars if chars else 0.0
        return cls(rate, least, chars, letters, known, unknown, languages)

    @property
    def net(self) -> float:
        """Characters likely right less those likely wrong."""
        return self.net_rate * self.chars


@dataclass(frozen=True)
class LineReading:
    """One reading of a doubtful line alone: the scale its crop was read at, its words (in the
    page's pixels), their figures, and whether the crop was the grey one (:func:`stretched`)
    rather than the binarised one."""

    scale: float
    words: tuple[Word, ...]
    figures: LineFigures
    grey: bool = False
    thin: bool = False

    @property
    def variant(self) -> Variant:
        return Variant(self.scale, self.grey, self.thin)


class Variant(NamedTuple):
    """How a line's crop is read: at ``scale``, binarised (Otsu over the crop) or, with
    ``grey``, as loaded with its contrast stretched only (a bold face whose strokes the
    threshold fills in, "н" read "и", keeps them apart in grey), or, with ``thin``, binarised
    and its ink thinned by the strokes' width beyond a plain face's (:func:`thinned`)."""

    scale: float
    grey: bool = False
    thin: bool = False  # the binarised crop with its ink thinned (:func:`thinned`)

    @property
    def label(self) -> str:
        kind = "grey " if self.grey else "thin " if self.thin else ""
        return f"{kind}scale {self.scale:g}"


def _variant(value: float | Variant) -> Variant:
    return value if isinstance(value, Variant) else Variant(float(value))


class Verdict(NamedTuple):
    """What the rule makes of a doubtful line: the reading taken (an index into the readings
    given, -1: none) and why; with ``confirms`` the first reading's words stay, sure now."""

    taken: int
    reason: str
    confirms: bool = False


@dataclass(frozen=True)
class RereadRule:
    """When a line read again replaces the first reading's (bench/learn_linereads.py chose the
    values on the tuning pages; ocr/data/reading_quality.json keeps them with provenance): the
    new reading must have no word under ``min_confidence`` (it settles tesseract's doubt) and a
    net rate (ocr.readings.summarise, from ocr.quality) at least ``net_gain`` over the first's,
    or (with ``conf_gain``), for a reading without letters, a least confidence that much over
    the first's least confidence (a page number "-5-" read surely, that the estimate trusts
    less than a word like "не"; a reading with letters is the estimate's to judge: tesseract
    reads a line alone as surely when it misreads a word).
    The line is read at each of ``scales``; a reading at a smaller scale counts only when
    another reading of the line has its text, if ``agree`` says so: "any" (the first or another
    scale's), "full" (the first or the full-size crop's), "" (no agreement needed). With
    ``same_text``, a reading of the first's text (spaces aside) with no word under
    ``min_confidence`` that does not replace it confirms it: the first's words stay, their
    confidence raised to the reading's (the text is the same, read surely).

    With ``unknown_letters``, a line with no doubtful word but a word of at least that many
    letters that the page's language lexicon does not know (a confident misreading) is read
    again too, at ``unknown_scales`` (pages with more such lines than ``max_unknown_lines``
    are not misread here and there: none of their lines is read for this). A reading of such a
    line (and, with ``known_doubtful``, of a doubtful line holding an unknown word) also
    replaces it when it has no word under ``min_confidence``, at least ``known_gain`` more
    words the lexicon knows, fewer it does not, and a net rate at least ``known_net_gain``
    over the first's (negative: the estimate may prefer the first by that much). With
    ``unknown_length``, a reading replaces a line read for its unknown word (by any test) only
    when its characters number the first's within that share of them: a misread word is read
    again with its letters changed, not with words gained or lost ("enrege an" for
    "enreg.à Meteghan"). Unless ``unknown_alone``, such lines are read only on a page that
    has doubtful lines to read anyway: they join that page's one run of the lines, and a page
    with none costs no tesseract run more than before.

    Each line is also read from its grey crop (:func:`stretched`: no threshold) at
    ``grey_scales`` (a doubtful line) or ``unknown_grey_scales`` (a line read for its unknown
    word), in the same run; such a reading is judged as the binarised ones are. With
    ``repeat_lines``, a page with more unknown lines than ``max_unknown_lines`` still reads
    those whose unknown word one same letter swap makes a word the lexicon knows (the same
    confusion, "и" for "н", on at least ``repeat_lines`` lines: :func:`repeated_swap`), up to
    MAX_LINES lines in all. With ``grey_length``, a grey (or thinned) reading replaces a line
    only when its characters number the first's within that share of them (a grey crop read
    surely with words lost: "Je dit :" for "Je lui ai dit :").

    Each line (doubtful or read for its unknown word) is also read from its thinned crop
    (:func:`thinned`: a bold face's strokes eroded to a plain face's width) at
    ``thin_scales``, in the same run, where the line's strokes are bold enough to thin (a crop
    that would not change is not read); such a reading is judged as a grey one is.

    A word read alone belongs to the line when its vertical centre lies within the line's box
    widened by ``line_slack`` of its height above and below (a typewriter's last word may sit
    lower: "нормы" a third of the line below the rest). With ``known_confidence``, the
    lexicon's test (above) asks only that least confidence of the new reading, not
    ``min_confidence`` (a bold face's line read right, "дисциплины" for "дисциплииы", with a
    comma read unsurely). With ``band_gain``, a line cut at its band (:func:`line_crops`: its
    first reading's box ran into a neighbour, a word there lost or garbled, "ЕЕ" for
    "улучшения") is also replaced by a reading with no word under ``min_confidence`` whose
    characters likely right less those likely wrong (not per character: the first's lost
    words count nowhere in its rate) number at least ``band_gain`` more than the first's.

    With ``vote_distance`` (the word vote, issue 20: a bold face's "н" read "и" in one word
    of a line that no whole reading gets right and sure), when no reading replaces the line
    by the tests above, one replaces it that has the first's words one for one, each the
    first's text or a fix of it (:meth:`fixes`): a word the lexicon does not know read as one
    it knows, ``vote_distance`` edits away or fewer, its case pattern as plausible, read at
    ``vote_confidence`` or over, and given by at least ``vote_support`` of the line's
    readings; with ``vote_sure``, a word the first read at ``min_confidence`` or over must
    stay that sure. Words the lexicon knows, figures and marks never change."""

    min_confidence: float
    net_gain: float
    provenance: str = ""
    scales: tuple[float, ...] = (1.0,)
    agree: Literal["", "any", "full"] = ""
    same_text: bool = False
    conf_gain: float | None = None
    unknown_letters: int | None = None
    unknown_scales: tuple[float, ...] = (0.5,)
    max_unknown_lines: int = 0
    known_gain: int = 1
    known_net_gain: float = 0.0
    known_doubtful: bool = False
    unknown_length: float | None = None
    unknown_alone: bool = False
    grey_scales: tuple[float, ...] = ()
    unknown_grey_scales: tuple[float, ...] = ()
    repeat_lines: int | None = None
    grey_length: float | None = None
    thin_scales: tuple[float, ...] = ()
    line_slack: float = 0.0
    known_confidence: float | None = None
    band_gain: float | None = None
    vote_distance: int | None = None
    vote_support: int = 1
    vote_confidence: float = 0.0
    vote_sure: bool = False

    @property
    def read_variants(self) -> tuple[Variant, ...]:
        """Every way some line is read: the binarised crop at ``read_scales``, then the grey
        crop at the doubtful and the unknown lines' grey scales, then the thinned crop at
        ``thin_scales``."""
        grey = self.grey_scales
        if self.unknown_letters is not None:
            grey = (*grey, *(s for s in self.unknown_grey_scales if s not in grey))
        return (
            *(Variant(s) for s in self.read_scales),
            *(Variant(s, True) for s in grey),
            *(Variant(s, thin=True) for s in self.thin_scales),
        )

    def line_variants(self, *, unknown: bool) -> tuple[Variant, ...]:
        """The ways a line is read: a doubtful line's, or one read for an unknown word."""
        grey = self.unknown_grey_scales if unknown else self.grey_scales
        return (
            *(Variant(s) for s in self.line_scales(unknown=unknown)),
            *(Variant(s, True) for s in grey),
            *(Variant(s, thin=True) for s in self.thin_scales),
        )

    @property
    def read_scales(self) -> tuple[float, ...]:
        """Every scale some line is read at: ``scales``, then the unknown lines' others."""
        extra = () if self.unknown_letters is None else self.unknown_scales
        return (*self.scales, *(s for s in extra if s not in self.scales))

    def line_scales(self, *, unknown: bool) -> tuple[float, ...]:
        """The scales a line is read at: a doubtful line's, or one read for an unknown word."""
        return self.unknown_scales if unknown else self.scales

    def decide(
        self,
        first: Sequence[Word],
        before: LineFigures,
        readings: Sequence[LineReading],
        *,
        unknown: bool = False,
    ) -> Verdict:
        """Which of ``readings`` (the line read alone at each scale) replaces the first
        reading's line (``first``, its figures ``before``; ``unknown``: read for an unknown
        word, not for a doubtful one): the one of highest net rate among those the rule takes;
        else the surest that confirms it. Words read again off the first reading's line (a
        neighbour's, caught in the crop's margin) make a reading no reading of this line."""
        box = Box.union_all([w.box for w in first])
        variants = self.line_variants(unknown=unknown)
        slack = round(self.line_slack * box.height)
        box = Box(box.left, box.top - slack, box.width, box.height + 2 * slack)
        mine = [r for r in readings if r.variant in variants and r.words and on_line(box, r.words)]
        lexicon = unknown or self.known_doubtful
        banded = self.band_gain is not None and _band(first) is not None
        best, why = -1, ""
        for reading in mine:
            if unknown and not self.like_length(before, reading.figures):
                continue
            changed = reading.grey or reading.thin
            if changed and not self.like_length(before, reading.figures, self.grey_length):
                continue
            reason = self.replaces(before, reading.figures, lexicon=lexicon) or (
                self.band_reason(before, reading.figures) if banded else ""
            )
            if not reason or not self.agreed(reading, first, mine):
                continue
            if best < 0 or reading.figures.net_rate > readings[best].figures.net_rate:
                best, why = readings.index(reading), f"{reason} ({reading.variant.label})"
        if best >= 0:
            return Verdict(best, why)
        voted = self.vote(first, before, mine)
        if voted is not None:
            return Verdict(readings.index(voted[0]), voted[1])
        sure = [r for r in mine if self.confirms(first, r)]
        if not sure:
            return Verdict(-1, "")
        top = max(sure, key=lambda r: r.figures.min_confidence)
        return Verdict(
            readings.index(top), f"{self.confirms(first, top)} ({top.variant.label})", True
        )

    def vote(
        self, first: Sequence[Word], before: LineFigures, readings: Sequence[LineReading]
    ) -> tuple[LineReading, str] | None:
        """The reading of ``readings`` (this line's) the word vote takes, and why: of those
        that only fix words of the first's (:meth:`fixes`), the one fixing the most, then the
        surest of its fixes; None when the vote is off or none does."""
        langs = dictionary_languages(before.languages)
        if self.vote_distance is None or not langs:
            return None
        best: tuple[tuple[int, float], LineReading, list[tuple[str, str]]] | None = None
        for reading in readings:
            fixed = self.fixes(first, reading, readings, langs)
            if not fixed:
                continue
            sure = min(reading.words[i].conf for i, _, _ in fixed)
            key = (len(fixed), sure)
            if best is None or key > best[0]:
                best = (key, reading, [(a, b) for _, a, b in fixed])
        if best is None:
            return None
        swaps = ", ".join(f"{a} -> {b}" for a, b in best[2])
        return best[1], f"word vote: {swaps} ({best[1].variant.label})"

    def fixes(
        self,
        first: Sequence[Word],
        reading: LineReading,
        readings: Sequence[LineReading],
        langs: tuple[str, ...],
    ) -> list[tuple[int, str, str]]:
        """The words ``reading`` fixes in the first's (index, the first's text, the fix), or []
        when it changes anything else: it must have the first's words one for one, each of the
        same text (with ``vote_sure``, as sure as ``min_confidence`` where the first's was) or
        a fix: the first's word unknown to the lexicon of ``langs``, the reading's a word it
        knows (:func:`a_word`),
        1 to ``vote_distance`` edits apart (case aside), no less plausible a case pattern,
        read at ``vote_confidence`` or over, and read so by ``vote_support`` of ``readings``
        (the same number of words, the same word there) or more."""
        if self.vote_distance is None or len(reading.words) != len(first):
            return []
        out = []
        for i, (old, new) in enumerate(zip(first, reading.words, strict=True)):
            if new.text == old.text:
                if self.vote_sure and old.conf >= self.min_confidence > new.conf:
                    return []
                continue
            if (
                new.conf < self.vote_confidence
                or lexicon_knows(old.text, langs) is not False
                or not a_word(new.text, langs)
                or not 1 <= edit_distance(old.text.lower(), new.text.lower()) <= self.vote_distance
                or not plausible_case(old.text, new.text)
            ):
                return []
            support = sum(
                1 for r in readings if len(r.words) == len(first) and r.words[i].text == new.text
            )
            if support < self.vote_support:
                return []
            out.append((i, old.text, new.text))
        return out

    def agreed(
        self, reading: LineReading, first: Sequence[Word], readings: Sequence[LineReading]
    ) -> bool:
        """Does another reading of the line back ``reading`` as ``agree`` asks?"""
        if not self.agree or reading.variant == Variant(1.0):
            return True
        others = [r for r in readings if r is not reading]
        if self.agree == "full":
            others = [r for r in others if r.variant == Variant(1.0)]
        texts = {squeezed(first), *(squeezed(r.words) for r in others)}
        return squeezed(reading.words) in texts

    def like_length(
        self, first: LineFigures, again: LineFigures, share: float | None = -1.0
    ) -> bool:
        """Does ``again`` number the characters of ``first`` within ``share`` of them (by
        default ``unknown_length``; None: any number)?"""
        share = self.unknown_length if share == -1.0 else share
        if share is None:
            return True
        return abs(again.chars - first.chars) <= share * first.chars

    def confirms(self, first: Sequence[Word], reading: LineReading) -> str:
        """Why ``reading``, the first reading's text (spaces aside) read again surely, confirms
        it when ``same_text`` allows it (the words stay; the doubt is settled); "" if not."""
        again = reading.figures
        if not self.same_text or not again.chars or again.min_confidence < self.min_confidence:
            return ""
        if squeezed(reading.words) != squeezed(first):
            return ""
        return f"read alone: the same text, least confidence {again.min_confidence:.0f}"

    def band_reason(self, first: LineFigures, again: LineFigures) -> str:
        """Why ``again`` replaces ``first`` on a line cut at its band (``band_gain``)."""
        if self.band_gain is None or not again.chars or again.min_confidence < self.min_confidence:
            return ""
        if again.net < first.net + self.band_gain:
            return ""
        return (
            f"read alone at its band: least confidence {again.min_confidence:.0f} >= "
            f"{self.min_confidence:.0f}, net {again.net:.1f} >= {first.net:.1f} + "
            f"{self.band_gain:g}"
        )

    def known_reason(self, first: LineFigures, again: LineFigures, least: float) -> str:
        """Why ``again`` replaces ``first`` by the words the lexicon knows (the trigger on,
        no word under ``least``); "" if it does not."""
        if (
            self.unknown_letters is None
            or not again.chars
            or again.min_confidence < least
            or again.unknown >= first.unknown
            or again.known < first.known + self.known_gain
            or again.net_rate < first.net_rate + self.known_net_gain
        ):
            return ""
        return (
            f"read alone: least confidence {again.min_confidence:.0f} >= {least:.0f}, words "
            f"the lexicon knows {again.known} >= {first.known} + {self.known_gain}, unknown "
            f"{again.unknown} < {first.unknown}, net rate {again.net_rate:.2f} >= "
            f"{first.net_rate:.2f} + {self.known_net_gain:.2f}"
        )

    def replaces(self, first: LineFigures, again: LineFigures, *, lexicon: bool = False) -> str:
        """Why a reading with figures ``again`` replaces one with ``first`` ("" if not); with
        ``lexicon``, also by the words the lexicon knows (when the rule reads for them)."""
        if lexicon and self.known_confidence is not None:
            known = self.known_reason(first, again, self.known_confidence)
            if known and again.min_confidence < self.min_confidence:
                return known
        if not again.chars or again.min_confidence < self.min_confidence:
            return ""
        sure = f"least confidence {again.min_confidence:.0f} >= {self.min_confidence:.0f}"
        if again.net_rate >= first.net_rate + self.net_gain:
            return (
                f"read alone: {sure}, net rate {again.net_rate:.2f} >= "
                f"{first.net_rate:.2f} + {self.net_gain:.2f}"
            )
        if lexicon and (known := self.known_reason(first, again, self.min_confidence)):
            return known
        if (
            self.conf_gain is not None
            and not again.letters
            and again.min_confidence >= first.min_confidence + self.conf_gain
        ):
            return f"read alone: {sure} and over the first's {first.min_confidence:.0f} + " + (
                f"{self.conf_gain:.0f}"
            )
        return ""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein's distance between ``a`` and ``b`` (insertions, deletions, swaps of one
    character for another), as rapidfuzz counts it everywhere else in the project."""
    return Levenshtein.distance(a, b)


def a_word(text: str, langs: tuple[str, ...]) -> bool:
    """Is ``text``, its marks at either end aside, a word of VOTE_LETTERS letters or more
    and nothing else (no mark, figure or space inside: the lexicon judges a word by its
    longest run of letters, so "сче`оводом." would pass on "оводом") that the lexicon of
    ``langs`` knows?"""
    core = _ENDS.sub("", text)
    return len(core) >= VOTE_LETTERS and core.isalpha() and lexicon_knows(core, langs) is True


def case_pattern(text: str) -> str:
    """The case of ``text``'s letters: "lower", "upper", "title" (a capital, then lower
    case) or "mixed" (anything else: "КоМ", a capital inside a word); "" without letters."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return ""
    if all(c.islower() for c in letters):
        return "lower"
    if all(c.isupper() for c in letters):
        return "upper"
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return "title"
    return "mixed"


def plausible_case(old: str, new: str) -> bool:
    """Is ``new``'s case pattern at least as plausible as ``old``'s: the same, or ``old``'s
    mixed and ``new``'s not (capitals kept: a title-case word stays title-case)."""
    was, now = case_pattern(old), case_pattern(new)
    return now == was or (was == "mixed" and now != "mixed")


def squeezed(words: Sequence[Word]) -> str:
    """The words' text without spaces (readings that differ only in spacing agree)."""
    return "".join(w.text for w in words)


def on_line(line: Box, words: Sequence[Word]) -> bool:
    """Does every word's vertical centre lie within the line's box?"""
    return all(line.top <= w.box.top + w.box.height / 2 <= line.bottom for w in words)


@dataclass(frozen=True)
class LineCrop:
    """Where one line's crop lies on the page as loaded; with ``band`` (the page's rows, top
    and bottom), the crop's ink above and below that band is painted white (ink of the
    neighbour lines that touches this one's letters)."""

    left: int
    top: int
    width: int
    height: int
    band: tuple[int, int] | None = None


def doubtful_lines(words: Sequence[Word], *, below: float) -> list[tuple[int, ...]]:
    """The word indexes of each line (in reading order) holding a word read with confidence
    under ``below``, except lines running so askew that their box is several times as high as
    their tallest word."""
    return [line for line in _level_lines(words) if _doubtful(words, line, below)]


def unknown_lines(
    words: Sequence[Word], languages: str, *, below: float, letters: int
) -> list[tuple[int, ...]]:
    """The word indexes of each line (in reading order, not askew) with no word under
    ``below`` but a word of at least ``letters`` letters that the lexicon of ``languages``
    (wordfreq's, as the reading-quality estimate judges words) does not know: a confident
    misreading, maybe. None without a lexicon for the languages."""
    langs = dictionary_languages(languages)
    if not langs:
        return []
    return [
        line
        for line in _level_lines(words)
        if not _doubtful(words, line, below)
        and any(
            sum(c.isalpha() for c in words[i].text) >= letters and _unknown(words[i].text, langs)
            for i in line
        )
    ]


def repeated_swap(
    words: Sequence[Word],
    lines: Sequence[Sequence[int]],
    languages: str,
    *,
    letters: int,
    least: int,
) -> list[tuple[int, ...]]:
    """Of ``lines`` (word indexes, each with a word of ``letters`` letters or more that the
    lexicon of ``languages`` does not know), those whose unknown word one swap of a letter
    for another makes a word it knows, when one same swap (say "и" for "н", a face's
    confusion) does that on at least ``least`` of them; [] when none does."""
    langs = dictionary_languages(languages)
    if not langs:
        return []
    alphabet = sorted({c.lower() for w in words for c in w.text if c.isalpha()})
    by_swap: dict[tuple[str, str], set[int]] = {}
    for n, line in enumerate(lines):
        for i in line:
            text = words[i].text
            if sum(c.isalpha() for c in text) < letters or not _unknown(text, langs):
                continue
            for swap in _swaps(text, alphabet, langs):
                by_swap.setdefault(swap, set()).add(n)
    if not by_swap:
        return []
    swap, found = max(by_swap.items(), key=lambda kv: (len(kv[1]), kv[0]))
    if len(found) < least:
        return []
    return [tuple(lines[n]) for n in sorted(found)]


def _swaps(text: str, alphabet: Sequence[str], langs: tuple[str, ...]) -> set[tuple[str, str]]:
    """The swaps (a letter, the one put for it; lower case) of one letter of ``text`` that
    make the lexicon of ``langs`` know it."""
    out = set()
    for i, c in enumerate(text):
        low = c.lower()
        if not c.isalpha():
            continue
        for b in alphabet:
            if b == low or (low, b) in out:
                continue
            put = b.upper() if c.isupper() else b
            if lexicon_knows(text[:i] + put + text[i + 1 :], langs):
                out.add((low, b))
    return out


def lexicon_counts(words: Sequence[Word], languages: str) -> tuple[int, int]:
    """Of ``words``, those with a word-like core (two letters or more, ocr.quality) that the
    lexicon of ``languages`` knows, and those it does not; (0, 0) without a lexicon."""
    langs = dictionary_languages(languages)
    if not langs:
        return 0, 0
    judged = [k for k in (lexicon_knows(w.text, langs) for w in words) if k is not None]
    known = sum(judged)
    return known, len(judged) - known


def _unknown(text: str, langs: tuple[str, ...]) -> bool:
    """Is ``text`` word-like, and unknown to the lexicon of ``langs``?"""
    return lexicon_knows(text, langs) is False


def _doubtful(words: Sequence[Word], line: Sequence[int], below: float) -> bool:
    return any(0 <= words[i].conf < below for i in line)


def _level_lines(words: Sequence[Word]) -> list[tuple[int, ...]]:
    """The word indexes of each line, except lines running so askew that their box is several
    times as high as their tallest word (a crop of them would cut other lines)."""
    out = []
    for _, run in groupby(range(len(words)), key=lambda i: words[i].line_key):
        line = tuple(run)
        box = Box.union_all([words[i].box for i in line])
        word_height = max(words[i].box.height for i in line)  # a dash's box is a few px high
        if box.height <= TALL * max(word_height, 1):
            out.append(line)
    return out


def line_crops(lines: Sequence[Sequence[Word]], rows: int, cols: int) -> list[LineCrop]:
    """Each line's box widened by PAD of its height, inside the page. A line whose box is
    over BAND_TALL times its words' median height (a word box that took in letters of the
    line above or below, touching it) is cut at its band instead: its words' median top and
    bottom, widened by BAND_MARGIN of their median height, the ink beyond painted white, the
    crop padded by PAD of the band's height (:class:`LineCrop`)."""
    crops = []
    for line in lines:
        box = Box.union_all([w.box for w in line])
        band = _band(line)
        height = box.height if band is None else band[1] - band[0]
        pad = max(4, round(PAD * height))
        high, low = (box.top, box.bottom) if band is None else band
        left, top = max(box.left - pad, 0), max(high - pad, 0)
        right, bottom = min(box.right + pad, cols), min(low + pad, rows)
        crops.append(LineCrop(left, top, right - left, bottom - top, band))
    return crops


def _band(line: Sequence[Word]) -> tuple[int, int] | None:
    """The rows of a line that runs into its neighbours (:func:`line_crops`), else None."""
    box = Box.union_all([w.box for w in line])
    height = float(np.median([w.box.height for w in line]))
    if box.height <= BAND_TALL * max(height, 1.0):
        return None
    margin = BAND_MARGIN * height
    top = float(np.median([w.box.top for w in line]))
    bottom = float(np.median([w.box.bottom for w in line]))
    return round(top - margin), round(bottom + margin)


def _masked(image: np.ndarray, crop: LineCrop) -> np.ndarray:
    """The crop's pixels (``image``, at full size) with the rows beyond its band white."""
    if crop.band is None:
        return image
    high = max(crop.band[0] - crop.top, 0)
    low = max(crop.band[1] - crop.top, 0)
    image[:high] = 255
    image[low:] = 255
    return image


def binarised(grey: np.ndarray, crop: LineCrop, *, scale: float = 1.0) -> np.ndarray:
    """The crop's pixels, black ink on white by Otsu's threshold over the crop alone, then
    shrunk to ``scale`` by area averaging (smooth edges, no lost strokes)."""
    part = grey[crop.top : crop.top + crop.height, crop.left : crop.left + crop.width]
    _, out = cv2.threshold(part, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return _shrunk(_masked(out, crop), scale)


def stretched(grey: np.ndarray, crop: LineCrop, *, scale: float = 1.0) -> np.ndarray:
    """The crop's pixels as loaded, their contrast only stretched (the crop's darkest
    STRETCH share to black, its lightest to white, linearly between), then shrunk to
    ``scale`` by area averaging: no threshold fills a bold letter's counter."""
    part = grey[crop.top : crop.top + crop.height, crop.left : crop.left + crop.width]
    low, high = np.percentile(part, (100 * STRETCH, 100 * (1 - STRETCH)))
    if high <= low:
        return _shrunk(_masked(part.copy(), crop), scale)
    out = np.clip(np.rint((part.astype(np.float64) - low) * (255.0 / (high - low))), 0, 255)
    return _shrunk(_masked(out.astype(np.uint8), crop), scale)


def stroke_width(ink: np.ndarray) -> float:
    """The strokes' width in pixels of a mask of ink (non-zero): four times the median of
    the ink's distance to the paper (across a stroke of width w the distances run evenly from
    0 to w / 2); 0 without ink."""
    if not ink.any():
        return 0.0
    distance = cv2.distanceTransform((ink > 0).astype(np.uint8), cv2.DIST_L2, 5)
    return 4.0 * float(np.median(distance[ink > 0]))


def thin_radius(grey: np.ndarray, crop: LineCrop) -> int:
    """By how many pixels the ink of the crop's binarised pixels is eroded to thin a bold
    face's strokes: one where they are wider than THIN_SHARE of the line's height (the crop's
    less its padding), else 0 (a plain face: nothing to thin). One pixel only: eroding more
    breaks the letters (on the bold pages of dev seeds 3010 and 6102, two pixels doubled the
    words the lexicon does not know in the lines read alone, one pixel added a third)."""
    return _thin_radius(binarised(grey, crop), crop)


def _thin_radius(binary: np.ndarray, crop: LineCrop) -> int:
    """:func:`thin_radius` of the crop's binarised pixels ``binary`` (at full size)."""
    height = crop.height / (1.0 + 2.0 * PAD)
    return int(stroke_width(binary < 128) > THIN_SHARE * height)


def thinned(grey: np.ndarray, crop: LineCrop, *, scale: float = 1.0) -> np.ndarray:
    """The crop binarised (:func:`binarised`), its ink eroded by :func:`thin_radius` (a bold
    face's strokes, which fill "н" to "и", brought to a plain face's width), then shrunk to
    ``scale`` by area averaging."""
    out = binarised(grey, crop)
    radius = _thin_radius(out, crop)
    if radius:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        out = 255 - cv2.erode(255 - out, kernel)
    return _shrunk(out, scale)


def crop_image(grey: np.ndarray, crop: LineCrop, variant: float | Variant) -> np.ndarray:
    """The crop read as ``variant`` says (a bare scale: binarised)."""
    scale, is_grey, is_thin = _variant(variant)
    if is_thin:
        return thinned(grey, crop, scale=scale)
    return (stretched if is_grey else binarised)(grey, crop, scale=scale)


def _shrunk(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def read_lines(
    grey: np.ndarray,
    crops: Sequence[LineCrop],
    out_stem: Path,
    *,
    languages: str,
    oem: int,
    dpi: int | None,
    timeout: float,
    choices: bool,
    scales: Sequence[float | Variant] = (1.0,),
    crop_scales: Sequence[Sequence[float | Variant]] | None = None,
) -> tuple[OcrOutput, tuple[Word, ...]]:
    """Read the crops, each in every one of ``scales`` (a bare scale: the binarised crop at
    it; a :class:`Variant`: the binarised or grey crop at its scale; or, with
    ``crop_scales``, crop ``k`` in those of ``crop_scales[k]``, each one of ``scales``), in
    one tesseract run; the words in the page's pixels, the words of crop ``k`` read as
    ``scales[v]`` in block ``k + 1``, paragraph ``v + 1``. The run's outputs (tsv, its choices
    when asked) stay at ``out_stem``.* with the words' boxes in the crops' own pixels (the
    caller deletes them)."""
    variants = [_variant(s) for s in scales]
    wanted = (
        [variants] * len(crops)
        if crop_scales is None
        else [{_variant(s) for s in these} for these in crop_scales]
    )
    jobs = [(k, v) for k in range(len(crops)) for v, s in enumerate(variants) if s in wanted[k]]
    if any(s.thin for s in variants):  # a thinned crop that nothing thins is not read
        bold = {k for k in range(len(crops)) if thin_radius(grey, crops[k]) > 0}
        jobs = [(k, v) for k, v in jobs if not variants[v].thin or k in bold]
    with tempfile.TemporaryDirectory(prefix=f".lines-{out_stem.name}-", dir=out_stem.parent) as t:
        images = [crop_image(grey, crops[k], variants[v]) for k, v in jobs]
        listed = png_list_file(Path(t), images, name="lines", what="a line's crop")
        output = run_ocr(
            listed,
            out_stem,
            languages=languages,
            psm=LINE_PSM,
            oem=oem,
            dpi=dpi,
            timeout=timeout,
            formats=("tsv",),
            choices=choices,
        )
    scale_of = [s.scale for s in variants]
    return output, tuple(_page_words(output.tsv, crops, scale_of, jobs))


def crop_words(words: Sequence[Word]) -> dict[tuple[int, int], list[int]]:
    """The indexes of the words read from each crop at each scale, keyed (k, v): crop k at
    scales[v] (as :func:`read_lines` places them, in block k + 1, paragraph v + 1)."""
    out: dict[tuple[int, int], list[int]] = {}
    for j, word in enumerate(words):
        out.setdefault((word.block - 1, word.par - 1), []).append(j)
    return out


def _page_words(
    tsv: Path,
    crops: Sequence[LineCrop],
    scales: Sequence[float],
    jobs: Sequence[tuple[int, int]],
) -> list[Word]:
    """The TSV's words, each page of the list file (one crop at one scale: ``jobs``, (k, v)
    for crop k at scales[v]) moved to its place on the page, the words of crop k at scales[v]
    in block k + 1, paragraph v + 1."""
    words = []
    for page, word in read_page_words(tsv):
        k, v = jobs[page - 1]
        crop, scale = crops[k], scales[v]
        box = Box(
            crop.left + round(word.box.left / scale),
            crop.top + round(word.box.top / scale),
            round(word.box.width / scale),
            round(word.box.height / scale),
        )
        words.append(replace(word, block=k + 1, par=v + 1, box=box))
    return words
