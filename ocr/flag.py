"""Regions a person must look at: low-confidence words and OCR/reference disagreements, with crops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

import cv2
import numpy as np

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


def _union(boxes: Sequence[Box]) -> Box:
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


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
                box=_union([w.box for w in run_words]), confidence=conf, ocr_text=text,
                severity=0.3 + 0.4 * (1.0 - conf / max(threshold, 1.0)),
                reason=f'tesseract is unsure of "{text}" (confidence {conf:.0f} < {threshold:.0f})'))
    return flags


def disagreement_flags(ocr: OcrText, spans: Sequence[DiffSpan], *, page_number: int,
                       reference_error_confidence: float) -> list[Flag]:
    """Each span where OCR and reference differ, located by the OCR words it covers."""
    flags: list[Flag] = []
    for span in spans:
        idx = ocr.words_in(span.ocr_start, span.ocr_end) or _nearest_word(ocr, span.ocr_start)
        if not idx:
            continue
        words = [ocr.words[i] for i in idx]
        conf = min(w.conf for w in words) if span.ocr_text.strip() else None
        flags.append(_disagreement(span, words, conf, page_number, reference_error_confidence))
    return flags


def _nearest_word(ocr: OcrText, pos: int) -> list[int]:
    if not ocr.spans:
        return []
    return [min(range(len(ocr.spans)), key=lambda i: min(abs(ocr.spans[i][0] - pos),
                                                          abs(ocr.spans[i][1] - pos)))]


def _disagreement(span: DiffSpan, words: list[Word], conf: float | None, page: int,
                  threshold: float) -> Flag:
    confident = conf is not None and conf >= threshold
    category = POSSIBLE_REFERENCE_ERROR if confident else POSSIBLE_OCR_ERROR
    ocr_text, ref_text = span.ocr_text, span.ref_text
    if not ocr_text.strip():
        reason = f'the reference has "{ref_text}" that the OCR does not read here'
    elif not ref_text.strip():
        reason = f'the OCR reads "{ocr_text}" that the reference does not have'
    else:
        reason = f'the OCR reads "{ocr_text}" where the reference has "{ref_text}"'
    if conf is not None:
        reason += f" (OCR confidence {conf:.0f})"
    severity = 0.8 if confident else 0.5 + 0.3 * (1.0 - (conf or 0.0) / 100.0)
    return Flag(type="disagreement", category=category, reason=f"{reason}: {category}",
                page_number=page, box=_union([w.box for w in words]), severity=severity,
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
