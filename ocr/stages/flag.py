"""The flag stage of one page: its review items from every stage's findings, with crops."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import cv2

from ocr.correct.learned import Learned
from ocr.correct.stage import suggestion_flags
from ocr.detect.stage import load_regions
from ocr.exceptions import CorruptOutputError
from ocr.flag import Flag, PageEvidence, PageSignals, page_flags, reference_flags, write_crops
from ocr.results import RecognisedPage
from ocr.score import PageScore
from ocr.settings import Settings
from ocr.stages.ocr import corrects
from ocr.tesseract import OcrText
from ocr.timing import Stopwatch

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice, Layout


def flag_page(
    page: RecognisedPage,
    text: OcrText,
    page_scores: Sequence[PageScore],
    settings: Settings,
    taught: Learned | None,
    choices: Mapping[int, CharChoice] | None = None,
    layout: Layout | None = None,
    *,
    watch: Stopwatch | None = None,
) -> list[Flag]:
    """The page's review items (ocr.flag.page_flags), each with a crop."""
    from ocr.triage import vocabulary

    n = page.job.page_number
    watch = watch or Stopwatch()
    scored = next((ps for ps in page_scores if ps.page_number == n and ps.ocr == text.text), None)
    view = None  # the page as loaded, read once for the glyphs and the crops
    disagreements: list[Flag] = []
    with watch.stage("flags"):
        words = vocabulary(page.job.languages)
        if scored is not None:
            from ocr.glyphs import image_glyph_book

            # Word boxes are in the page as loaded (ocr.reframe), as is its view image.
            view = cv2.imread(str(page.prepared.view_path), cv2.IMREAD_UNCHANGED)
            glyphs = image_glyph_book(view, text.words, known=words.known)
            evidence = PageEvidence(
                words, choices or {}, settings.reference_error_threshold, glyphs
            )
            disagreements = reference_flags(text, scored, page_number=n, evidence=evidence)
    suggestions: list[Flag] = []
    if corrects(page.job, settings):
        ref = next((ps.reference for ps in page_scores if ps.page_number == n), None)
        with watch.stage("correction"):
            suggestions = suggestion_flags(
                text,
                page_number=n,
                reference=ref,
                names=settings.protected_names,
                profile_rounds=settings.correction_profile_rounds,
                learned=taught,
                choices=choices,
                layout=layout,
            )
    regions_path = page.ocr.outputs.get("regions")
    with watch.stage("flags"):
        signals = PageSignals(
            n,
            text,
            page.prepared.rows,
            page.prepared.cols,
            warnings=page.warnings,
            disagreements=tuple(disagreements),
            suggestions=tuple(suggestions),
            regions=tuple(load_regions(regions_path)) if regions_path is not None else (),
            reference=scored.reference if scored else None,
        )
        flags = page_flags(signals, low_confidence=settings.low_confidence, vocabulary=words)
    if not flags:
        return []
    with watch.stage("crops"):
        if view is None:
            view = cv2.imread(str(page.prepared.view_path), cv2.IMREAD_UNCHANGED)
        if view is None:
            raise CorruptOutputError(path=page.prepared.view_path)
        return write_crops(
            flags, view, page.job.out_dir / "flags", stem=page.job.stem, margin=settings.crop_margin
        )
