"""The correct stage of a document in apply mode: the corrected text, CER before and after."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ocr.correct.learned import Learned
from ocr.correct.stage import apply_corrections
from ocr.results import Correction, CorrectionChange
from ocr.score import normalise, score_text
from ocr.settings import Settings
from ocr.textio import ReferenceText

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice, Layout


def apply_correction(
    text: str,
    reference: ReferenceText | None,
    out_path: Path,
    settings: Settings,
    taught: Learned | None,
    choices: Mapping[int, CharChoice] | None = None,
    layout: Layout | None = None,
) -> Correction:
    """Apply confident corrections to the OCR text (never to the reference); CER before/after.
    ``choices``: what tesseract said of each character of ``text``; ``layout``: what the pages'
    word boxes say of it."""
    record = apply_corrections(
        text,
        reference=reference.text if reference else None,
        names=settings.protected_names,
        threshold=settings.correction_threshold,
        out_path=out_path,
        profile_rounds=settings.correction_profile_rounds,
        learned=taught,
        choices=choices,
        layout=layout,
    )
    correction = Correction(
        path=record["path"],
        threshold=record["threshold"],
        changes=tuple(CorrectionChange(**c) for c in record["changes"]),
    )
    if reference is None:
        return correction
    ref = normalise(reference.text.replace("\f", "\n"))
    return replace(
        correction,
        cer_before=score_text(ref, normalise(text.replace("\f", "\n"))).cer,
        cer_after=score_text(ref, normalise(record["text"].replace("\f", "\n"))).cer,
    )
