"""The correct stage of a document in apply mode: the corrected text, CER before and after."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocr.correct.learned import Learned
from ocr.correct.stage import apply_corrections
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
) -> dict[str, Any]:
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
    corrected = record.pop("text")
    if reference is not None:
        ref = normalise(reference.text.replace("\f", "\n"))
        record["cer_before"] = score_text(ref, normalise(text.replace("\f", "\n"))).cer
        record["cer_after"] = score_text(ref, normalise(corrected.replace("\f", "\n"))).cer
    return record
