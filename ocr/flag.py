"""Regions a person must look at: low-confidence words and OCR/reference disagreements, with crops."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from ocr.fsutil import atomic_write_bytes
from ocr.records import Box
from ocr.score import DiffSpan
from ocr.tesseract import OcrText, Word

POSSIBLE_REFERENCE_ERROR = "possible reference error"
POSSIBLE_OCR_ERROR = "possible OCR error"


@dataclass(frozen=True)
class Flag:
    """One region for review: what, why, where, and how urgent (severity 0..1, higher first)."""

    type: str
    reason: str
    page_number: int
    box: Box
    severity: float
    ocr_text: str = ""
    ref_text: str = ""
    confidence: float | None = None
    category: str = ""
    crop_path: Path | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "category": self.category, "reason": self.reason,
                "page": self.page_number, "box": self.box.as_list(),
                "polygon": [list(p) for p in self.box.polygon()], "severity": round(self.severity, 4),
                "ocr_text": self.ocr_text, "ref_text": self.ref_text,
                "confidence": self.confidence,
                "crop": str(self.crop_path) if self.crop_path else None, **self.detail}



def low_confidence_flags(words: Sequence[Word], *, page_number: int, threshold: float) -> list[Flag]:
    """Runs of adjacent low-confidence words on one line become one flag each."""
    flags: list[Flag] = []
    for _, line in groupby(words, key=lambda w: w.line_key):
        for low, run in groupby(line, key=lambda w: 0 <= w.conf < threshold):
            run_words = list(run)
            if not low:
                continue
            conf = min(w.conf for w in run_words)
            text = " ".join(w.text for w in run_words)
            flags.append(Flag(
                type="low_confidence", page_number=page_number,
                box=Box.union_all([w.box for w in run_words]), confidence=conf, ocr_text=text,
                severity=0.3 + 0.4 * (1.0 - conf / max(threshold, 1.0)),
                reason=f'tesseract is unsure of "{text}" (confidence {conf:.0f} < {threshold:.0f})'))
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


def _pair_spans(reference: str, ocr: str, ref_toks: list[tuple[int, int]],
                ocr_toks: list[tuple[int, int]], span: DiffSpan) -> list[DiffSpan]:
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
                c = cost[i - di][j - dj] + _move_cost(rw[i - di:i], ow[j - dj:j])
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


def _group_pairs(reference: str, ocr: str, ref_toks: list[tuple[int, int]],
                 ocr_toks: list[tuple[int, int]], groups: list[tuple[list[int], list[int]]],
                 span: DiffSpan) -> list[DiffSpan]:
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


def disagreement_flags(ocr: OcrText, spans: Sequence[DiffSpan], *, page_number: int,
                       reference_error_confidence: float, reference: str | None = None,
                       known_word: WordCheck | None = None) -> list[Flag]:
    """Each span where OCR and reference differ, located by the OCR words it covers."""
    flags: list[Flag] = []
    if reference is not None:
        spans = refine_spans(reference, ocr.text, spans)
    for span in spans:
        idx = ocr.words_in(span.ocr_start, span.ocr_end) or _nearest_word(ocr, span.ocr_start)
        if not idx:
            continue
        words = [ocr.words[i] for i in idx]
        conf = min(w.conf for w in words) if span.ocr_text.strip() else None
        flag = _disagreement(span, words, conf, page_number, reference_error_confidence,
                             known_word)
        if reference is not None:  # where the span sits in the page's normalised reference
            flag.detail.update(ref_start=span.ref_start, ref_end=span.ref_end,
                               ref_before=reference[max(0, span.ref_start - 30):span.ref_start],
                               ref_after=reference[span.ref_end:span.ref_end + 30])
        flags.append(flag)
    return flags


def _nearest_word(ocr: OcrText, pos: int) -> list[int]:
    if not ocr.spans:
        return []
    return [min(range(len(ocr.spans)), key=lambda i: min(abs(ocr.spans[i][0] - pos),
                                                          abs(ocr.spans[i][1] - pos)))]


WordCheck = Callable[[str], bool]


def classify(ocr_text: str, ref_text: str, conf: float | None, *, threshold: float,
             known_word: WordCheck | None = None) -> tuple[str, str]:
    """(category, why): a confident OCR reading that differs is a possible reference error,
    unless the difference is the kind OCR makes (letter case only, or a non-word in the OCR
    where the reference has real words)."""
    if conf is None or conf < threshold:
        return POSSIBLE_OCR_ERROR, ""
    if ocr_text.casefold() == ref_text.casefold():
        return POSSIBLE_OCR_ERROR, "only the letter case differs, a common typescript OCR confusion"
    if known_word is not None:
        ocr_words = re.findall(r"\w+", ocr_text)
        ref_words = re.findall(r"\w+", ref_text)
        if ref_words and all(map(known_word, ref_words)) and not all(map(known_word, ocr_words)):
            return POSSIBLE_OCR_ERROR, "the OCR's reading is not a word, the reference's is"
    return POSSIBLE_REFERENCE_ERROR, ""


def _disagreement(span: DiffSpan, words: list[Word], conf: float | None, page: int,
                  threshold: float, known_word: WordCheck | None = None) -> Flag:
    ocr_text, ref_text = span.ocr_text, span.ref_text
    category, why = classify(ocr_text, ref_text, conf, threshold=threshold, known_word=known_word)
    confident = category == POSSIBLE_REFERENCE_ERROR
    if not ocr_text.strip():
        reason = f'the reference has "{ref_text}" that the OCR does not read here'
    elif not ref_text.strip():
        reason = f'the OCR reads "{ocr_text}" that the reference does not have'
    else:
        reason = f'the OCR reads "{ocr_text}" where the reference has "{ref_text}"'
    if conf is not None:
        reason += f" (OCR confidence {conf:.0f})"
    if why:
        reason += f"; {why}"
    severity = 0.8 if confident else 0.5 + 0.3 * (1.0 - (conf or 0.0) / 100.0)
    return Flag(type="disagreement", category=category, reason=f"{reason}: {category}",
                page_number=page, box=Box.union_all([w.box for w in words]), severity=severity,
                ocr_text=ocr_text, ref_text=ref_text, confidence=conf,
                detail={"kind": span.kind})


def write_crops(flags: Sequence[Flag], view_image: np.ndarray, out_dir: Path, *, stem: str,
                margin: int) -> list[Flag]:
    """Save a JPEG crop with context for each flag, its region outlined in red."""
    rows, cols = view_image.shape[:2]
    out: list[Flag] = []
    for i, flag in enumerate(flags, start=1):
        b = flag.box
        top, bottom = max(0, b.top - margin), min(rows, b.bottom + margin)
        left, right = max(0, b.left - margin), min(cols, b.right + margin)
        crop = view_image[top:bottom, left:right]
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) if crop.ndim == 2 else crop.copy()
        cv2.rectangle(crop, (b.left - left, b.top - top), (b.right - left - 1, b.bottom - top - 1),
                      (0, 0, 220), 2)
        ok, data = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 88])
        path = out_dir / f"{stem}-f{i:03d}.jpg"
        if ok:
            atomic_write_bytes(path, data.tobytes())
        out.append(replace(flag, crop_path=path if ok else None))
    return out
