"""The pipeline: its stages (ocr/stages/) composed: plan, prepare, recognise, finish."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ocr import __version__
from ocr.correct.stage import joined_choices, joined_layout, page_choices, page_layout
from ocr.flag import Flag, document_flags
from ocr.flag import marker_flags as marker_flags  # importable from here as before
from ocr.fsutil import atomic_write_text, sha256_file
from ocr.lessons import learned
from ocr.load import ScanInfo
from ocr.publish import publish_document
from ocr.report import write_document_reports
from ocr.results import DocumentResult, PageFailure, PageJob, PreparedPage, RecognisedPage
from ocr.score import PageScore, score_pages
from ocr.settings import FLAG_SETTINGS, OCR_SETTINGS, PREPROCESS_SETTINGS, Settings
from ocr.stages.cache import STAGE_VERSION, stage_key
from ocr.stages.correct import apply_correction
from ocr.stages.flag import flag_page
from ocr.stages.load import plan_batch
from ocr.stages.ocr import cached_recognition, corrects, ocr_key, recognise_page
from ocr.stages.preprocess import make_processed, prepare_page, preprocess_key
from ocr.stages.reference import find_reference, load_reference
from ocr.tesseract import read_words, tesseract_version, traineddata_info, words_to_text
from ocr.timing import DOCUMENT_STAGES, CpuMark, Stopwatch

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice, Layout

# The public API, as before the stages moved to ocr/stages/ (flows/, ocr/batch.py, bench/).
__all__ = [
    "STAGE_VERSION",
    "DocumentResult",
    "PageFailure",
    "PageJob",
    "PageScore",
    "PreparedPage",
    "RecognisedPage",
    "cached_recognition",
    "corrects",
    "find_reference",
    "finish_document",
    "make_processed",
    "marker_flags",
    "ocr_key",
    "plan_batch",
    "prepare_page",
    "preprocess_key",
    "process_page",
    "recognise_page",
    "scan_fingerprint",
    "versions",
]


def versions() -> dict[str, str]:
    """Versions that shape results, for provenance."""
    return {
        "archival-ocr": __version__,
        "tesseract": tesseract_version(),
        "opencv": cv2.__version__,
        "numpy": np.__version__,
    }


def scan_fingerprint(scan: ScanInfo, *, gt_dir: Path | None, settings: Settings) -> str:
    """What makes a scan's results: its settings, languages, versions and reference content.
    A scan is 'new' for the inbox when its content or this fingerprint changes."""
    ref = find_reference(scan, gt_dir)
    langs = settings.languages_for(scan.path.name)
    return stage_key(
        {
            "settings": settings.fingerprint(*PREPROCESS_SETTINGS, *OCR_SETTINGS, *FLAG_SETTINGS),
            "languages": langs,
            "code": STAGE_VERSION,
            "tesseract": tesseract_version(),
            "traineddata": traineddata_info(langs),
            "reference": sha256_file(ref) if ref else None,
        }
    )


def process_page(job: PageJob, settings: Settings) -> RecognisedPage | PageFailure:
    """Prepare and recognise one page; any error becomes a PageFailure (for process pools).
    The page's CPU seconds (its worker's and its tesseract runs') go with it."""
    stage, mark = "preprocess", CpuMark.now()
    try:
        prepared = prepare_page(job, settings=settings)
        stage = "ocr"
        page = recognise_page(prepared, settings=settings)
        return replace(page, cpu=mark.since())
    except Exception as e:  # noqa: BLE001 - one bad page never stops the batch
        return PageFailure.from_error(
            e,
            document=job.scan.document,
            source=job.scan.path,
            page_number=job.page_number,
            stage=stage,
        )


def finish_document(
    scan: ScanInfo,
    pages: Sequence[RecognisedPage],
    failures: Sequence[PageFailure],
    *,
    gt_dir: Path | None,
    settings: Settings,
    run_id: str | None = None,
) -> DocumentResult:
    """Score against the reference (if any), flag, crop, write the document's text and report.

    Correction is taught by what the results database held when run ``run_id`` started (all
    of it without a run): the same inputs give the same suggestions whichever of the batch's
    documents finished first."""
    watch, mark = Stopwatch.zeroed(DOCUMENT_STAGES), CpuMark.now()
    pages = sorted(pages, key=lambda p: p.job.page_number)
    failures = list(failures)
    out_dir = settings.output_dir / scan.document
    with watch.stage("score"):
        texts = {p.job.page_number: words_to_text(read_words(p.ocr.tsv)) for p in pages}
        reference, warnings = load_reference(scan, gt_dir, failures)
        score, page_scores = score_pages(reference, [(n, texts[n].text) for n in sorted(texts)])
    page_items: list[list[Flag]] = []
    correcting = bool(pages) and corrects(pages[0].job, settings)
    with watch.stage("correction"):
        taught = learned(gt_dir, settings.db_url, before_run=run_id) if correcting else None
    choices: dict[int, dict[int, CharChoice]] = {}  # per page: what tesseract said of its text
    layouts: dict[int, Layout] = {}  # per page: what its word boxes say of its text
    for page in pages:
        n = page.job.page_number
        if correcting:
            with watch.stage("correction"):
                choices[n] = page_choices(texts[n], page.ocr.outputs.get("choices"))
                layouts[n] = page_layout(texts[n])
        page_items.append(
            flag_page(
                page,
                texts[n],
                page_scores,
                settings,
                taught,
                choices.get(n),
                layouts.get(n),
                watch=watch,
            )
        )
    flags = document_flags(page_items)
    with watch.stage("text"):
        full_text = "\f".join(texts[n].text for n in sorted(texts)) + "\n"
        text_path = atomic_write_text(out_dir / f"{scan.name}.txt", full_text)
    correction = None
    if settings.correction == "apply" and correcting:
        with watch.stage("correction"):
            whole = joined_choices([(texts[n].text, choices.get(n, {})) for n in sorted(texts)])
            layout = joined_layout([(texts[n].text, layouts[n]) for n in sorted(texts)])
            correction = apply_correction(
                full_text,
                reference,
                out_dir / f"{scan.name}.corrected-ocr.txt",
                settings,
                taught,
                whole,
                layout,
            )
    with watch.stage("publish"):
        published = publish_document(scan, pages, out_dir=out_dir, settings=settings)
    result = DocumentResult(
        scan=scan,
        languages=pages[0].job.languages if pages else "",
        pages=tuple(pages),
        failures=tuple(failures),
        reference=reference,
        score=score,
        page_scores=tuple(page_scores),
        flags=tuple(flags),
        text_path=text_path,
        report_path=out_dir / "report.json",
        warnings=tuple(warnings),
        correction=correction,
        published=published,
        seconds=dict(watch.seconds),
    )
    result = replace(result, cpu=mark.since())  # the reports add their own (report.json)
    with watch.stage("reports"):
        write_document_reports(result, profiles=settings.profiles())
    return replace(result, seconds=dict(watch.seconds), cpu=mark.since())
