"""The flag stage: a page's review items assembled from every stage's signals, and their crops."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from ocr.detect.markers import reference_markers

# The records are defined in ocr.flag_records and importable from here as before.
from ocr.flag_records import CORRECTION as CORRECTION
from ocr.flag_records import KIND_LABELS as KIND_LABELS
from ocr.flag_records import OCR_ERROR as OCR_ERROR
from ocr.flag_records import (
    POSSIBLE_OCR_ERROR,
    POSSIBLE_REFERENCE_ERROR,
    UNKNOWN_WORD,
    Flag,
    RegionInfo,
    TextSpan,
)
from ocr.flag_records import REFERENCE_ERROR as REFERENCE_ERROR
from ocr.flag_records import Reason as Reason
from ocr.flag_records import kind_label as kind_label
from ocr.flag_records import kind_rank as kind_rank
from ocr.fsutil import atomic_write_bytes
from ocr.items import review_items
from ocr.page_checks import PageWarning, warning_flags
from ocr.records import Box
from ocr.score import DiffSpan, PageScore
from ocr.tesseract import OcrText, Word

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice
    from ocr.detect.regions import Region
    from ocr.glyphs import GlyphBook
    from ocr.triage import Triage, Vocabulary


def region_flag(region: Region, *, page_number: int) -> Flag:
    """The review flag of a detected region (its score becomes the severity; the ink's colour is
    an attribute of the region, never its kind)."""
    info = RegionInfo(region.polygon, region.colour, region.source, region.detail_json())
    reason = region.reason
    if region.colour and region.colour not in reason:
        reason = f"{region.colour} ink: {reason}"
    return Flag(
        type=region.type,
        reason=reason,
        page_number=page_number,
        box=region.box,
        severity=region.score,
        ocr_text=region.text,
        region=info,
    )


def region_flags(regions: Sequence[Region], *, page_number: int) -> list[Flag]:
    """Review flags of a page's regions."""
    return [region_flag(r, page_number=page_number) for r in regions]


def low_confidence_flags(
    words: Sequence[Word], *, page_number: int, threshold: float
) -> list[Flag]:
    """Runs of adjacent low-confidence words on one line become one flag each."""
    flags: list[Flag] = []
    for _, line in groupby(words, key=lambda w: w.line_key):
        for low, run in groupby(line, key=lambda w: 0 <= w.conf < threshold):
            run_words = list(run)
            if not low:
                continue
            conf = min(w.conf for w in run_words)
            text = " ".join(w.text for w in run_words)
            flags.append(
                Flag(
                    type="low_confidence",
                    page_number=page_number,
                    box=Box.union_all([w.box for w in run_words]),
                    confidence=conf,
                    ocr_text=text,
                    severity=0.3 + 0.4 * (1.0 - conf / max(threshold, 1.0)),
                    reason=(
                        f'tesseract is unsure of "{text}" (confidence {conf:.0f} < {threshold:.0f})'
                    ),
                )
            )
    return flags


def unknown_word_flags(
    words: Sequence[Word], *, page_number: int, vocabulary: Vocabulary
) -> list[Flag]:
    """Words the OCR read that are no word of the page's languages (a confident misreading:
    "производствемного"), one flag per word; numbers, single letters and capitalised words
    (names the lexicon may not know) are left alone."""
    flags = []
    for w in words:
        token = w.text.strip(".,;:!?()«»\"'-–—")
        if len(token) < 3 or not token.isalpha() or token[0].isupper() or vocabulary.known(token):
            continue
        flags.append(
            Flag(
                type=UNKNOWN_WORD,
                page_number=page_number,
                box=w.box,
                confidence=w.conf,
                ocr_text=w.text,
                severity=0.45,
                reason=f'"{token}" is no word of the page\'s languages '
                f"(OCR confidence {w.conf:.0f})",
            )
        )
    return flags


def refine_spans(reference: str, ocr: str, spans: Sequence[DiffSpan]) -> list[DiffSpan]:
    """Split multi-word spans into word pairs, so one misread word is not lost in a long span."""
    out: list[DiffSpan] = []
    for span in spans:
        ref_toks = _tokens(reference, span.ref_start, span.ref_end)
        ocr_toks = _tokens(ocr, span.ocr_start, span.ocr_end)
        # One word a side needs no pairing; a huge span (a whole unmatched page) is left whole
        # rather than paying a quadratic word alignment.
        if max(len(ref_toks), len(ocr_toks)) <= 1 or len(ref_toks) * len(ocr_toks) > 40_000:
            out.append(span)
            continue
        out.extend(_pair_spans(reference, ocr, ref_toks, ocr_toks, span))
    return out


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]


def _pair_spans(
    reference: str,
    ocr: str,
    ref_toks: list[tuple[int, int]],
    ocr_toks: list[tuple[int, int]],
    span: DiffSpan,
) -> list[DiffSpan]:
    """Align the span's words by similarity (DP with 1:1, 1:2 and 2:1 moves, so split and joined
    words pair up), emitting a span per differing group or gap."""
    rw = [reference[s:e].lower() for s, e in ref_toks]
    ow = [ocr[s:e].lower() for s, e in ocr_toks]
    n, m = len(rw), len(ow)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0][0] = 0.0
    moves = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))
    for i in range(n + 1):
        for j in range(m + 1):
            for di, dj in moves:
                if i < di or j < dj or cost[i - di][j - dj] == inf:
                    continue
                c = cost[i - di][j - dj] + _move_cost(rw[i - di : i], ow[j - dj : j])
                if c < cost[i][j]:
                    cost[i][j], back[(i, j)] = c, (i - di, j - dj)
    groups: list[tuple[list[int], list[int]]] = []
    i, j = n, m
    while i or j:
        pi, pj = back[(i, j)]
        groups.append((list(range(pi, i)), list(range(pj, j))))
        i, j = pi, pj
    return _group_pairs(reference, ocr, ref_toks, ocr_toks, groups[::-1], span)


def _move_cost(ref_words: list[str], ocr_words: list[str]) -> float:
    if not ref_words or not ocr_words:
        return 1.0
    dist = Levenshtein.normalized_distance("".join(ref_words), "".join(ocr_words))
    if len(ref_words) + len(ocr_words) > 2:  # a split or joined word must still read alike
        return dist * 1.5 + 0.1 if dist < 0.3 else float("inf")
    return dist * 1.5


def _group_pairs(
    reference: str,
    ocr: str,
    ref_toks: list[tuple[int, int]],
    ocr_toks: list[tuple[int, int]],
    groups: list[tuple[list[int], list[int]]],
    span: DiffSpan,
) -> list[DiffSpan]:
    """Consecutive gaps merge into one span; each differing matched group is its own span."""
    out: list[DiffSpan] = []
    run: list[tuple[list[int], list[int]]] = []
    pos = [span.ref_start, span.ocr_start]  # end of the last token seen on each side

    def flush() -> None:
        rs = [ref_toks[a] for g in run for a in g[0]]
        os_ = [ocr_toks[b] for g in run for b in g[1]]
        run.clear()
        if not rs and not os_:
            return
        r0, r1 = (rs[0][0], rs[-1][1]) if rs else (pos[0], pos[0])
        o0, o1 = (os_[0][0], os_[-1][1]) if os_ else (pos[1], pos[1])
        kind = "insert" if not rs else "delete" if not os_ else "replace"
        out.append(DiffSpan(r0, r1, o0, o1, reference[r0:r1], ocr[o0:o1], kind))  # type: ignore[arg-type]
        pos[0], pos[1] = r1, o1

    for ref_ids, ocr_ids in groups:
        if ref_ids and ocr_ids:
            flush()
            r0, r1 = ref_toks[ref_ids[0]][0], ref_toks[ref_ids[-1]][1]
            o0, o1 = ocr_toks[ocr_ids[0]][0], ocr_toks[ocr_ids[-1]][1]
            if reference[r0:r1] != ocr[o0:o1]:
                run.append((ref_ids, ocr_ids))
                flush()
            pos[0], pos[1] = r1, o1
        else:
            run.append((ref_ids, ocr_ids))
    flush()
    return out


@dataclass(frozen=True)
class PageEvidence:
    """What a page offers for triage: its languages' vocabulary, tesseract's per-letter
    choices (by offset of the page's OCR text; empty when not recorded), the threshold on the
    model's probability (None: the model's own) and the page's letter shapes (ocr.glyphs)."""

    vocabulary: Vocabulary
    choices: Mapping[int, CharChoice] = field(default_factory=dict)
    threshold: float | None = None
    glyphs: GlyphBook | None = None


def disagreement_flags(
    ocr: OcrText,
    spans: Sequence[DiffSpan],
    *,
    page_number: int,
    evidence: PageEvidence,
    reference: str | None = None,
) -> list[Flag]:
    """Each span where OCR and reference differ, located by the OCR words it covers, with its
    triage (possible reference error or possible OCR error)."""
    flags: list[Flag] = []
    if reference is not None:
        spans = refine_spans(reference, ocr.text, spans)
    for span in (piece for s in spans for piece in line_pieces(s)):
        idx = ocr.words_in(span.ocr_start, span.ocr_end) or _nearest_word(ocr, span.ocr_start)
        if not idx:
            continue
        words = [ocr.words[i] for i in idx]
        conf = min(w.conf for w in words) if span.ocr_text.strip() else None
        where = None
        if reference is not None:  # where the span sits in the page's normalised reference
            where = TextSpan(
                span.ref_start,
                span.ref_end,
                reference[max(0, span.ref_start - 30) : span.ref_start],
                reference[span.ref_end : span.ref_end + 30],
                span.ocr_start,
                span.ocr_end,
                span.kind,
            )
        flags.append(_disagreement(span, words, conf, page_number, evidence, where, ocr))
    return flags


def line_pieces(span: DiffSpan) -> list[DiffSpan]:
    """Text the OCR reads over several lines that the reference lacks (a letterhead, a stamp's
    ink read as letters), one piece per line: each is found where it is on the page."""
    if span.kind != "insert" or "\n" not in span.ocr_text.strip():
        return [span]
    pieces, start = [], span.ocr_start
    for line in span.ocr_text.split("\n"):
        lead = len(line) - len(line.lstrip())
        if line.strip():
            s0 = start + lead
            s1 = s0 + len(line.strip())
            pieces.append(replace(span, ocr_start=s0, ocr_end=s1, ocr_text=line.strip()))
        start += len(line) + 1
    return pieces or [span]


def _nearest_word(ocr: OcrText, pos: int) -> list[int]:
    if not ocr.spans:
        return []
    return [
        min(
            range(len(ocr.spans)),
            key=lambda i: min(abs(ocr.spans[i][0] - pos), abs(ocr.spans[i][1] - pos)),
        )
    ]


def classify(
    ocr_text: str,
    ref_text: str,
    conf: float | None,
    *,
    vocabulary: Vocabulary | None = None,
    choices: Mapping[int, CharChoice] | None = None,
    ocr_start: int = 0,
    threshold: float | None = None,
    shape: float | None = None,
) -> Triage:
    """The triage of one disagreement (see ocr.triage): a possible reference error needs more
    than the OCR's confidence: a reading that is a word where the reference's is not, letters
    tesseract never doubted, or another copy that reads the same."""
    from ocr.triage import evidence, judge

    found = evidence(
        ocr_text,
        ref_text,
        conf,
        vocabulary=vocabulary,
        choices=choices,
        ocr_start=ocr_start,
        shape=shape,
    )
    return judge(found, threshold=threshold)


def category_of(triage: Triage) -> str:
    return POSSIBLE_REFERENCE_ERROR if triage.reference_error else POSSIBLE_OCR_ERROR


def disagreement_reason(ocr_text: str, ref_text: str, conf: float | None, triage: Triage) -> str:
    """The reviewer's sentence for a disagreement and its triage."""
    if not ocr_text.strip():
        reason = f'the reference has "{ref_text}" that the OCR does not read here'
    elif not ref_text.strip():
        reason = f'the OCR reads "{ocr_text}" that the reference does not have'
    else:
        reason = f'the OCR reads "{ocr_text}" where the reference has "{ref_text}"'
    if conf is not None:
        reason += f" (OCR confidence {conf:.0f})"
    return f"{reason}; {triage.why()}: {category_of(triage)}"


def disagreement_severity(triage: Triage, conf: float | None) -> float:
    if triage.reference_error:
        return 0.8 + 0.15 * triage.probability
    return 0.5 + 0.3 * (1.0 - (conf or 0.0) / 100.0)


def _disagreement(
    span: DiffSpan,
    words: list[Word],
    conf: float | None,
    page: int,
    page_evidence: PageEvidence,
    where: TextSpan | None,
    ocr: OcrText,
) -> Flag:
    from ocr.glyphs import shape_support

    ocr_text, ref_text = span.ocr_text, span.ref_text
    shape = None
    if page_evidence.glyphs is not None:
        shape = shape_support(
            page_evidence.glyphs,
            ocr,
            ocr_start=span.ocr_start,
            ocr_text=ocr_text,
            ref_text=ref_text,
        )
    triage = classify(
        ocr_text,
        ref_text,
        conf,
        vocabulary=page_evidence.vocabulary,
        choices=page_evidence.choices,
        ocr_start=span.ocr_start,
        threshold=page_evidence.threshold,
        shape=shape,
    )
    return Flag(
        type="disagreement",
        category=category_of(triage),
        reason=disagreement_reason(ocr_text, ref_text, conf, triage),
        page_number=page,
        box=Box.union_all([w.box for w in words]),
        severity=disagreement_severity(triage, conf),
        ocr_text=ocr_text,
        ref_text=ref_text,
        confidence=conf,
        span=where,
        triage=triage,
    )


# --- a page's and a document's review items: assembled here and nowhere else -------------------


def marker_flags(reference: str, disagreements: Sequence[Flag], *, page_number: int) -> list[Flag]:
    """ "[неразборчиво]", "[signature]", "Stamp: ..." in the reference, located where the OCR
    disagrees with that part of the reference."""
    out = []
    for marker in reference_markers(reference):
        near = [
            f
            for f in disagreements
            if f.span is not None
            and f.span.ref_start < marker.end
            and f.span.ref_end > marker.start
        ]
        if near:
            box = Box.union_all(f.box for f in near)
            out.append(
                Flag(
                    type="reference_marker",
                    page_number=page_number,
                    box=box,
                    severity=0.7,
                    ref_text=marker.text,
                    category=marker.kind,
                    reason=f'the reference marks "{marker.text}" here: check the scan',
                )
            )
    return out


def reference_flags(
    text: OcrText, scored: PageScore, *, page_number: int, evidence: PageEvidence
) -> list[Flag]:
    """Where the OCR disagrees with the page's share of the reference, and the reference's own
    markers ("[неразборчиво]", "Stamp: ...") located there."""
    found = disagreement_flags(
        text,
        scored.score.spans,
        page_number=page_number,
        reference=scored.reference,
        evidence=evidence,
    )
    return found + marker_flags(scored.reference, found, page_number=page_number)


@dataclass(frozen=True)
class PageSignals:
    """What the stages found on one page, for its review items: the OCR text and the page's
    size, its warnings (ocr.page_checks), its disagreements with the reference
    (:func:`reference_flags`), correction's suggestions (ocr.correct) and the detected regions
    (ocr.detect); ``reference`` is the page's normalised share of the reference, if scored."""

    page_number: int
    text: OcrText
    rows: int
    cols: int
    warnings: tuple[PageWarning, ...] = ()
    disagreements: tuple[Flag, ...] = ()
    suggestions: tuple[Flag, ...] = ()
    regions: tuple[Region, ...] = ()
    reference: str | None = None


def page_flags(
    signals: PageSignals, *, low_confidence: float, vocabulary: Vocabulary
) -> list[Flag]:
    """A page's review items: its warnings first (no text on a page with ink), then runs of
    low-confidence words, unknown words, the disagreements with the reference, correction's
    suggestions and the detected regions, merged into items (ocr.items)."""
    n, words = signals.page_number, signals.text.words
    flags = warning_flags(signals.warnings, page_number=n, rows=signals.rows, cols=signals.cols)
    flags += low_confidence_flags(words, page_number=n, threshold=low_confidence)
    flags += unknown_word_flags(words, page_number=n, vocabulary=vocabulary)
    flags += signals.disagreements
    flags += signals.suggestions
    flags += region_flags(signals.regions, page_number=n)
    return review_items(flags, ocr=signals.text, reference=signals.reference, vocabulary=vocabulary)


def document_flags(pages: Iterable[Sequence[Flag]]) -> list[Flag]:
    """A document's review items from its pages', most urgent first (then by page and place)."""
    flags = [flag for page in pages for flag in page]
    flags.sort(key=lambda f: (-f.severity, f.page_number, f.box.top, f.box.left))
    return flags


def write_crops(
    flags: Sequence[Flag], view_image: np.ndarray, out_dir: Path, *, stem: str, margin: int
) -> list[Flag]:
    """Save a JPEG crop with context for each flag, its region outlined in red."""
    rows, cols = view_image.shape[:2]
    out: list[Flag] = []
    for i, flag in enumerate(flags, start=1):
        b = flag.box
        top, bottom = max(0, b.top - margin), min(rows, b.bottom + margin)
        left, right = max(0, b.left - margin), min(cols, b.right + margin)
        crop = view_image[top:bottom, left:right]
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.ndim == 2 else crop.copy()
        cv2.rectangle(
            crop,
            (b.left - left, b.top - top),
            (b.right - left - 1, b.bottom - top - 1),
            (0, 0, 220),
            2,
        )
        ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 88])
        path = out_dir / f"{stem}-f{i:03d}.jpg"
        if ok:
            atomic_write_bytes(path, data.tobytes())
        out.append(replace(flag, crop_path=path if ok else None))
    return out
