"""Review items, not raw flags: the signals of one region, one disagreement or one line merge
into one item with all its reasons, and one decision settles it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from ocr.flag_records import REFERENCE_ERROR, Flag, FlagDetail, TextSpan, kind_rank
from ocr.records import Box
from ocr.tesseract import OcrText

if TYPE_CHECKING:
    from ocr.triage import Vocabulary

LineKey = tuple[int, int, int]  # tesseract's block, paragraph and line of a word

REGIONS = ("stamp", "signature", "handwriting")  # they take in what lies inside them
INK = "unrecognised_ink"
# Signals about the OCR's own reading: on a page whose reference agrees with the OCR there,
# an independent transcription has settled them.
SETTLED_BY_REFERENCE = ("low_confidence", "garbage", "correction", "unknown_word")
INSIDE = 0.5  # share of a signal's box inside a region for the region to take it in
SAME_WORDS = 0.5  # share of the smaller box two signals share to be about the same words
SAME_LINE = 0.5  # share of the smaller height two boxes share to sit on one line
REGION_PAD = 12  # px at 300 dpi a region is grown by when it takes in what touches it
STAMP_TEXT_MATCH = 70.0  # rapidfuzz partial ratio at which a stamp's text is found in the reference
# A pen's strokes are lines: their ink fills a minority of their box, unevenly. One solid piece
# filling most of a squarish box (a punch hole, a blot) is no writing.
SOLID_INK = 0.7  # share of the box the ink fills
SOLID_ASPECT = 1.5  # longer side over shorter side
# Letters of a word tesseract doubted that still spell a dictionary word this long: misread
# letters rarely make another long word (bench/results_review.md measures it).
LONG_WORD = 6
LETTERS = re.compile(r"[^\W\d_]+")
# Ink "no OCR word covers" that lies inside a doubted word's box (grown by WORD_PAD of its
# height, as ocr.detect.unrecognised grows words) and stands no taller than the word is that
# word's own strokes: the detector takes ink under a low-confidence word for read only where it
# is lined-up glyphs, and a bold face's letters smudge into pieces that are not. Stamps and pens
# read as words sit inside words too, but as no long dictionary word, or stand taller
# (bench/own_ink.py measures both on the tuning set and the dev pages).
OWN_INK = 0.8  # share of the ink's box inside the word's grown box
OWN_HEIGHT = 1.2  # the ink's height over the word's at most
WORD_PAD = 0.25
# Doubts on consecutive lines of one paragraph (tesseract's layout) are read together: a date
# over its number, a title over a name. A block spans at most this many lines.
BLOCK_LINES = 3
ROW_BAND = 64  # px: the height of the bands of rows a RowIndex files boxes by


def review_items(
    flags: Sequence[Flag],
    *,
    ocr: OcrText,
    reference: str | None,
    vocabulary: Vocabulary | None = None,
) -> list[Flag]:
    """Merge a page's flags into review items: each stamp, signature or handwriting region
    takes in the signals inside it or about its ink (and the disagreements over the reference's
    transcription of a stamp's text); each disagreement with the reference takes in the signals
    about its words; what is left merges by line. Dropped as needing no person: with a
    ``reference`` (the page's normalised share), signals about the OCR's reading where the
    reference agrees with it; "writing" that is a solid blot; with the page's ``vocabulary``,
    tesseract's doubt alone about a reading of long dictionary words."""
    whole_page = [f for f in flags if f.category == "page"]  # e.g. no text on a page with ink
    flags = [f for f in flags if f.category != "page"]
    regions = [f for f in flags if f.type in REGIONS]
    if reference is not None:
        regions = [locate_stamp_text(r, reference) for r in regions]
    region_groups: list[list[Flag]] = [[r] for r in regions]
    pending: list[Flag] = []
    for flag in (f for f in flags if f.type not in REGIONS):
        home = _region_for(flag, regions)
        (region_groups[home] if home is not None else pending).append(flag)
    text_groups = _disagreement_groups([f for f in pending if f.type == "disagreement"])
    loose: list[Flag] = []
    anchors = [g[0] for g in text_groups]
    index = RowIndex(a.box for a in anchors)
    for flag in (f for f in pending if f.type != "disagreement"):
        home = _same_words(flag, anchors, near=index.near(flag.box))
        (text_groups[home] if home is not None else loose).append(flag)
    if reference is not None:
        loose = [f for f in loose if f.type not in SETTLED_BY_REFERENCE]
    lines = blocks(_lines_apart(by_line(loose), regions, region_groups), ocr=ocr)
    groups = (*region_groups, *text_groups, *lines)
    return whole_page + [
        merge(g, ocr=ocr, reference=reference)
        for g in groups
        if not needs_no_person(g, vocabulary=vocabulary, ocr=ocr)
    ]


def needs_no_person(
    group: Sequence[Flag], *, vocabulary: Vocabulary | None, ocr: OcrText | None = None
) -> bool:
    """A solid blot taken for writing (with the ink read inside it), or a line whose only
    signals are tesseract's doubts about readings of long dictionary words (and, given the
    page's ``ocr``, the unread ink that is those words' own strokes: :func:`own_ink`)."""
    if solid_blot(group[0]):
        return True
    if vocabulary is None:
        return False
    sure = [f for f in group if sure_words(f, vocabulary)]
    if len(sure) == len(group):
        return True
    if not sure or ocr is None:
        return False
    doubted = [w.box for w in ocr.words if any(w.box.centre_within(f.box) for f in sure)]
    return all(f in sure or own_ink(f, doubted) for f in group)


def own_ink(flag: Flag, doubted: Sequence[Box]) -> bool:
    """Is an unrecognised-ink signal the strokes of one of the ``doubted`` words (their boxes):
    OWN_INK of its box inside the word's box grown by WORD_PAD of its height, and at most
    OWN_HEIGHT times as tall as the word?"""
    if flag.type != INK:
        return False
    return any(
        _inside(flag.box, _grown(box, round(WORD_PAD * box.height))) >= OWN_INK
        and flag.box.height <= OWN_HEIGHT * box.height
        for box in doubted
    )


def solid_blot(flag: Flag) -> bool:
    """A handwriting or signature region of one solid, squarish piece of ink (a punch hole)."""
    if flag.type not in ("handwriting", "signature") or flag.region is None:
        return False
    figures = flag.region.figures
    box = flag.box
    aspect = max(box.width, box.height) / max(min(box.width, box.height), 1)
    return (
        figures.get("pieces") == 1
        and float(figures.get("density", 0.0)) >= SOLID_INK
        and aspect <= SOLID_ASPECT
    )


def sure_words(flag: Flag, vocabulary: Vocabulary) -> bool:
    """A low-confidence signal alone whose reading is all dictionary words of LONG_WORD
    letters or more (no digits): the spelling itself vouches for tesseract's reading."""
    text = flag.ocr_text
    if flag.type != "low_confidence" or any(c.isdigit() for c in text):
        return False
    runs = LETTERS.findall(text)
    return bool(runs) and all(len(r) >= LONG_WORD and vocabulary.known(r) for r in runs)


def _disagreement_groups(disagreements: Sequence[Flag]) -> list[list[Flag]]:
    """One group per disagreement, except that those about the same words (the reference's
    lines the OCR misses, placed at the nearest word) merge, unless one may be an error of the
    reference: that one is decided on its own span (and in every copy of it)."""
    groups: list[list[Flag]] = []
    candidates: list[list[Flag]] = []  # the groups led by no reference error, in order
    leads: list[Flag] = []  # their first disagreements
    index = RowIndex()
    for flag in disagreements:
        home = None
        if flag.kind != REFERENCE_ERROR:
            found = _same_words(flag, leads, near=index.near(flag.box))
            home = candidates[found] if found is not None else None
        if home is not None:
            home.append(flag)
            continue
        groups.append([flag])
        if flag.kind != REFERENCE_ERROR:
            candidates.append(groups[-1])
            leads.append(flag)
            index.add(flag.box)
    return groups


class RowIndex:
    """Boxes filed by the bands of ROW_BAND rows they span, numbered in the order added: the
    boxes that may share rows with a box are those filed in one of its bands."""

    def __init__(self, boxes: Iterable[Box] = ()) -> None:
        self._bands: dict[int, list[int]] = {}
        self._count = 0
        for box in boxes:
            self.add(box)

    def add(self, box: Box) -> None:
        for band in _bands(box):
            self._bands.setdefault(band, []).append(self._count)
        self._count += 1

    def near(self, box: Box) -> list[int]:
        """The numbers of every filed box sharing rows with ``box`` (and of a few that do not),
        in the order added."""
        return sorted({i for band in _bands(box) for i in self._bands.get(band, ())})


def _bands(box: Box) -> range:
    """The bands a box's rows top..bottom lie in (none for a negative height)."""
    return range(box.top // ROW_BAND, box.bottom // ROW_BAND + 1)


def _inside(inner: Box, outer: Box) -> float:
    cols = min(inner.right, outer.right) - max(inner.left, outer.left)
    rows = min(inner.bottom, outer.bottom) - max(inner.top, outer.top)
    area = max(inner.width * inner.height, 1)
    return max(cols, 0) * max(rows, 0) / area


def _grown(box: Box, pad: int) -> Box:
    return Box(box.left - pad, box.top - pad, box.width + 2 * pad, box.height + 2 * pad)


def _region_for(flag: Flag, regions: Sequence[Flag]) -> int | None:
    """The region a signal lies in: unread ink, garbage, low confidence, short lines, text the
    OCR read that the reference lacks (ink of a stamp read as letters), and a disagreement over
    the reference's transcription of a stamp's text; never another disagreement about typed
    text the reference has."""
    if flag.type == "disagreement" and flag.ref_text.strip():
        return next((i for i, r in enumerate(regions) if _same_reference(flag, r)), None)
    best, share = None, INSIDE
    for i, region in enumerate(regions):
        inside = _inside(flag.box, _grown(region.box, REGION_PAD))
        if inside >= share:
            best, share = i, inside
    return best


def _lines_apart(
    lines: Sequence[list[Flag]], regions: Sequence[Flag], region_groups: list[list[Flag]]
) -> list[list[Flag]]:
    """The lines that stay items of their own: a line whose words hold a region's ink (a
    mark read as letters among them) joins that region's group instead."""
    apart = []
    for line in lines:
        home = _region_in(Box.union_all(f.box for f in line), regions)
        if home is None:
            apart.append(line)
        else:
            region_groups[home] += line
    return apart


def blocks(lines: Sequence[list[Flag]], *, ocr: OcrText) -> list[list[Flag]]:
    """Line groups on consecutive lines of one tesseract paragraph merge into one group, up
    to BLOCK_LINES lines; a group with no word of the OCR in it (unread ink) stays alone."""
    out: list[tuple[set[LineKey], list[Flag]]] = []
    for line in lines:
        keys = _line_keys(line, ocr)
        home = next(
            (
                i
                for i, (seen, _) in enumerate(out)
                if keys and _next_to(keys, seen) and len(keys | seen) <= BLOCK_LINES
            ),
            None,
        )
        if home is None:
            out.append((keys, list(line)))
        else:
            out[home][0].update(keys)
            out[home][1].extend(line)
    return [group for _, group in out]


def _line_keys(group: Sequence[Flag], ocr: OcrText) -> set[LineKey]:
    """Tesseract's (block, paragraph, line) of the words inside a group's signals."""
    return {w.line_key for w in ocr.words for f in group if w.box.centre_within(f.box)}


def _next_to(keys: set[LineKey], others: set[LineKey]) -> bool:
    """Does a line of ``keys`` sit on, above or below a line of ``others`` in one paragraph?"""
    return any((b, p, ln + step) in others for b, p, ln in keys for step in (-1, 0, 1))


def _region_in(box: Box, regions: Sequence[Flag]) -> int | None:
    """The region (no blot) lying most inside a line's box, if one lies INSIDE or more in it."""
    best, share = None, INSIDE
    for i, region in enumerate(regions):
        inside = _inside(region.box, _grown(box, REGION_PAD))
        if inside >= share and not solid_blot(region):
            best, share = i, inside
    return best


def _same_reference(flag: Flag, region: Flag) -> bool:
    a, b = flag.span, region.span
    return a is not None and b is not None and a.ref_start < b.ref_end and b.ref_start < a.ref_end


def _same_words(flag: Flag, anchors: Sequence[Flag], *, near: Iterable[int]) -> int | None:
    """The disagreement a signal is about: the one sharing most of the smaller box (the last
    of equals). ``near``: the anchors' numbers, in order, that may share rows with the signal
    (RowIndex.near); the others share none of its box."""
    best, share = None, SAME_WORDS
    for i in near:
        anchor = anchors[i]
        smaller = min(flag.box.width * flag.box.height, anchor.box.width * anchor.box.height)
        shared = _inside(flag.box, anchor.box) * flag.box.width * flag.box.height
        if smaller > 0 and shared / smaller >= share:
            best, share = i, shared / smaller
    return best


def by_line(flags: Sequence[Flag]) -> list[list[Flag]]:
    """Signals grouped by the line they sit on (rows shared by half the smaller height)."""
    groups: list[list[Flag]] = []
    for flag in sorted(flags, key=lambda f: (f.box.top, f.box.left)):
        for group in groups:
            box = Box.union_all(f.box for f in group)
            rows = min(box.bottom, flag.box.bottom) - max(box.top, flag.box.top)
            if rows >= SAME_LINE * min(box.height, flag.box.height):
                group.append(flag)
                break
        else:
            groups.append([flag])
    return groups


def merge(group: Sequence[Flag], *, ocr: OcrText, reference: str | None = None) -> Flag:
    """One item of a group of signals: the first kind (ocr.flag.KIND_LABELS) names it, every
    signal is one of its reasons, its box holds them all."""
    ordered = sorted(group, key=lambda f: (kind_rank(f.kind), -f.severity))
    lead = ordered[0]
    reasons = tuple(dict.fromkeys(r for f in ordered for r in f.all_reasons()))
    box = Box.union_all(f.box for f in group)
    text = _item_text(lead, group, box, ocr)
    confs = [f.confidence for f in group if f.confidence is not None]
    if lead.type in REGIONS or lead.type == INK:  # a region's text is not a typed reading
        lead = _with_spans(lead, group, ocr=None, reference=reference)
        return replace(lead, box=box, severity=max(f.severity for f in group), reasons=reasons)
    lead = _with_spans(lead, group, ocr=ocr, reference=reference)
    detail = _correction_detail(ordered)
    if detail is not None and len(group) > 1:  # the item's reading is what a decision on it
        detail = replace(detail, original=text)  # replaces
    return replace(
        lead,
        box=box,
        ocr_text=text,
        severity=max(f.severity for f in group),
        reasons=reasons,
        confidence=min(confs) if confs else None,
        detail=lead.detail if detail is None else detail,
        suggestion=_suggestion(text, group),
    )


def _correction_detail(ordered: Sequence[Flag]) -> FlagDetail | None:
    """The group's suggested corrections' details, each put over the one before (None if none
    has any)."""
    details = [f.detail for f in ordered if f.type == "correction" and f.detail.as_json()]
    if not details:
        return None
    out = details[0]
    for detail in details[1:]:
        out = out.merged(detail)
    return out


def _with_spans(
    lead: Flag, group: Sequence[Flag], *, ocr: OcrText | None, reference: str | None
) -> Flag:
    """The item's reference span: from the first to the last of its members' spans (they sit
    together: the same words, or one stamp's text); its OCR text likewise."""
    placed = [(f, f.span) for f in group if f.span is not None]
    spans = [span for f, span in placed if f.ref_text.strip()]  # (text the OCR read where the
    if not spans:  # reference has none is placed there, it spans nothing of it)
        spans = [span for _, span in placed]
    if len(spans) < 2 or reference is None:
        return lead
    start, end = min(s.ref_start for s in spans), max(s.ref_end for s in spans)
    read = [s for s in spans if s.ocr_start >= 0]
    o0 = min((s.ocr_start for s in read), default=-1)
    o1 = max((s.ocr_end for s in read), default=-1)
    span = TextSpan(
        start,
        end,
        reference[max(0, start - 30) : start],
        reference[end : end + 30],
        o0,
        o1,
        "replace",
    )
    text = ocr.text[o0:o1] if ocr is not None and o0 >= 0 else lead.ocr_text
    return replace(lead, span=span, ref_text=reference[start:end], ocr_text=text)


def _item_text(lead: Flag, group: Sequence[Flag], box: Box, ocr: OcrText) -> str:
    """What the OCR read in the item: a region's or disagreement's own text; for a line, the
    words inside the item's box."""
    if lead.type in (*REGIONS, "disagreement"):
        return lead.ocr_text  # (a disagreement group's: see _with_spans)
    if lead.type == "correction" and len(group) == 1:
        original = lead.detail.original
        return (lead.ocr_text if original is None else original).strip()
    words = [w.text for w in ocr.words if w.box.centre_within(box)]
    return " ".join(words) if words else lead.ocr_text


def _suggestion(text: str, group: Sequence[Flag]) -> str | None:
    """The item's text with every suggested correction in it put in place."""
    fixes = [f for f in group if f.type == "correction" and f.detail.original is not None]
    if not fixes:
        return None
    out = text
    for fix in sorted(fixes, key=lambda f: f.box.left):
        original = str(fix.detail.original).strip()
        out = out.replace(original, fix.ocr_text, 1) if original in out else fix.ocr_text
    return " ".join(out.split()) if out.strip() else ""


def locate_stamp_text(item: Flag, reference: str) -> Flag:
    """A stamp whose text the reference transcribes gets that span of the reference (from
    where its first line is found to where its last line is), so the reviewer sees it and a
    decision corrects it there."""
    lines = [" ".join(line.split()) for line in item.ocr_text.splitlines() if line.strip()]
    if item.type != "stamp" or item.span is not None or sum(map(len, lines)) < 6:
        return item
    flat = reference.replace("\n", " ")
    first = fuzz.partial_ratio_alignment(lines[0], flat)
    last = fuzz.partial_ratio_alignment(lines[-1], flat)
    if first is None or last is None or min(first.score, last.score) < STAMP_TEXT_MATCH:
        return item
    start, end = _word_start(flat, first.dest_start), _word_end(flat, last.dest_end)
    if not 0 <= end - start <= 3 * len(" ".join(lines)):
        return item
    span = TextSpan(
        start,
        end,
        reference[max(0, start - 30) : start],
        reference[end : end + 30],
        -1,
        -1,
        "stamp",
    )
    return replace(item, ref_text=reference[start:end], span=span)


def _word_start(text: str, at: int) -> int:
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _word_end(text: str, at: int) -> int:
    while at < len(text) and not text[at].isspace():
        at += 1
    return at
