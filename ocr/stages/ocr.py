"""The ocr stage: read a page, detect its regions, put every box in the view's pixels."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ocr.casing import apply_recase, recase_outputs
from ocr.correct.stage import russian
from ocr.detect.foreign import RULE_FILE as FOREIGN_RULE
from ocr.detect.foreign import drop_foreign
from ocr.detect.junk import MODEL_FILE as JUNK_MODEL
from ocr.detect.junk import drop_junk, marked_boxes
from ocr.detect.regions import UNRECOGNISED_INK
from ocr.detect.rotated import RULE_FILE as ROTATED_RULE
from ocr.detect.rotated import drop_rotated
from ocr.detect.specks import MODEL_FILE as SPECK_MODEL
from ocr.detect.specks import drop_specks, without_dropped
from ocr.detect.stage import detect_regions, graphic_regions, save_regions
from ocr.detect.stampwords import RULE_FILE as STAMP_RULE
from ocr.detect.stampwords import move_stamp_words
from ocr.exceptions import OcrError
from ocr.fsutil import atomic_write_bytes, sha256_file
from ocr.marks import RULE_FILE as MARKS_RULE
from ocr.marks import marked, marks_step
from ocr.page_checks import PageWarning, no_text_warning
from ocr.pagenum import RULE_FILE as PAGENUM_RULE
from ocr.pagenum import (
    number_swaps,
    page_number_fixes,
    pagenum_step,
    read_again,
    set_confidences,
    set_word_confidences,
)
from ocr.pagexml import build_page_xml
from ocr.quality import MODEL_PATH, dictionary_languages
from ocr.readings import (
    AS_LOADED,
    PROCESSED,
    ChoiceRecord,
    OcrCall,
    Reading,
    ReadingChoice,
    ReadingInput,
    read_page,
)
from ocr.records import ProcessingStep
from ocr.reframe import reframe_outputs
from ocr.reletter import RULE_FILE as RELETTER_RULE
from ocr.reletter import page_swaps, reletter_step
from ocr.results import PageJob, PreparedPage, RecognisedPage
from ocr.settings import OCR_SETTINGS, Settings
from ocr.stages.cache import code_version, from_manifest, read_manifest, stage_key, write_manifest
from ocr.stages.preprocess import make_processed, preprocess_key
from ocr.tesseract import OcrOutput, Word, read_words, tesseract_version, traineddata_info

if TYPE_CHECKING:
    from ocr.detect.regions import Region


def corrects(job: PageJob, settings: Settings) -> bool:
    """Does post-OCR correction run on this page (Russian, correction on)? Its OCR then also
    records what tesseract said of each character, for correction to read."""
    return settings.correction != "off" and russian(job.languages)


def ocr_key(prepared: PreparedPage, settings: Settings) -> str:
    """Cache key of the OCR stage: the prepare stage's key (the scan's content, the page and the
    settings the images are made with), languages, settings, tesseract and traineddata
    versions, the reading-quality, speck and junk models, the stamp words' rule, the reletter rule
    and the marks table,
    and whether the
    characters' choices are recorded."""
    langs = prepared.job.languages
    return stage_key(
        {
            "prepared": preprocess_key(prepared.job, settings),
            "languages": langs,
            "code": code_version(),
            "settings": settings.fingerprint(*OCR_SETTINGS),
            "tesseract": tesseract_version(),
            "traineddata": traineddata_info(langs),
            "quality_model": sha256_file(MODEL_PATH),
            "speck_model": sha256_file(SPECK_MODEL),
            "junk_model": sha256_file(JUNK_MODEL),
            "stamp_rule": sha256_file(STAMP_RULE),
            "rotated_rule": sha256_file(ROTATED_RULE),
            "foreign_rule": sha256_file(FOREIGN_RULE),
            "reletter_rule": sha256_file(RELETTER_RULE),
            "marks_table": sha256_file(MARKS_RULE),
            "pagenum_rule": sha256_file(PAGENUM_RULE),
            "choices": corrects(prepared.job, settings),
        }
    )


def recognise_page(prepared: PreparedPage, *, settings: Settings) -> RecognisedPage:
    """Read the page (the page as loaded; the processed page too when that reading is doubtful,
    ocr.readings), detect regions, put every box in the view's pixels, write PAGE-XML; skipped
    when cached."""
    job = prepared.job
    if (page := cached_recognition(prepared, settings)) is not None:
        return page
    t0 = time.perf_counter()
    greys = Greys()
    choice, made = _read(prepared, settings, greys)
    kept = choice.kept
    t1 = time.perf_counter()
    reading = _decoded(greys, kept.input.image, prepared)
    # Specks of dust read as marks leave the outputs first: detection and casing see the words
    # the page keeps (a speck is no garbage token, no text, no item).
    specks = drop_specks(kept.words, kept.output.outputs)
    read = without_dropped(kept.words, specks)
    regions = _detect(prepared, kept, read, reading, settings)
    # Then words read from ink that is not text (stamps, seals, pencil marks), ocr.detect.junk,
    # judged with the stamps, handwriting and signatures found (their regions stay as found).
    marks = marked_boxes(regions, kept.input.geometry)
    junk = drop_junk(read, kept.output.outputs, job.languages, marks=marks)
    read = without_dropped(read, junk)
    # A stamp's own words (ocr.detect.stampwords) leave the body for the stamp's text.
    regions, stamped = (
        move_stamp_words(read, kept.output.outputs, regions, job.languages, kept.input.geometry)
        if settings.stamp_words == "stamp"
        else (list(regions), [])
    )
    read = without_dropped(read, stamped)
    # And words read from text turned across the page (ocr.detect.rotated), by the ink's shape.
    rotated = drop_rotated(read, reading, kept.output.outputs, job.languages)
    read = without_dropped(read, rotated)
    # And words read from ink unlike the page's typing (ocr.detect.foreign), by their ink.
    foreign = drop_foreign(read, reading, kept.output.outputs, job.languages, marks=marks)
    read = without_dropped(read, foreign)
    made.extend(specks + junk + stamped + rotated + foreign)
    reframe_outputs(kept.output.outputs, kept.input.geometry, image_name=prepared.view_path.name)
    made.extend(recase_outputs(reading, read, kept.output.outputs))
    words = read_words(kept.output.tsv)
    # A letter the page's typeface made tesseract misread throughout, learned from the page's
    # own unknown words (ocr.reletter), put back.
    swaps, seen = page_swaps([w.text for w in words], dictionary_languages(job.languages))
    # And a typewriter's mark read as a letter alone before a number ("Х 760"), ocr.marks.
    odds = marked(words, job.languages)
    mended = [swap for swap, _ in odds]
    if swaps or mended:
        apply_recase(kept.output.outputs, [*swaps, *mended])
        # tesseract never read the mark: its confidence is the marks model's probability
        marked_confs = {sw.index: 100 * p for sw, p in odds}
        set_word_confidences(kept.output.tsv, marked_confs)
        made.extend([reletter_step(swaps, seen)] if swaps else [])
        made.extend([marks_step(mended)] if mended else [])
        after = {sw.index: sw.after for sw in [*swaps, *mended]}  # the TSV as rewritten
        words = [
            replace(w, text=after.get(i, w.text), conf=marked_confs.get(i, w.conf))
            for i, w in enumerate(words)
        ]
    # And a page number misread in the margin ("-4а-" for "- 4 -"), read again (ocr.pagenum).
    found = page_number_fixes(words, lambda: greys(prepared.view_path))
    numbers = list(found.fixes)
    if numbers:
        set_confidences(kept.output.tsv, numbers)
        apply_recase(kept.output.outputs, number_swaps(numbers))
        made.append(pagenum_step(numbers))
        words = read_words(kept.output.tsv)
        # the ink under the line, unread when detected, is read now
        low = settings.low_confidence
        regions = [
            r
            for r in regions
            if r.type != UNRECOGNISED_INK or not read_again(r.box, numbers, min_conf=low)
        ]
    regions_path = save_regions(job.out_dir / f"{job.stem}.regions.json", regions)
    confs = [w.conf for w in words if w.conf >= 0]
    warning = no_text_warning(
        chars=sum(len(w.text) for w in words), ink_blobs=prepared.ink_blobs, page_label=job.label
    )
    page = RecognisedPage(
        prepared=prepared,
        ocr=replace(kept.output, outputs={**kept.output.outputs, "regions": regions_path}),
        page_xml=_write_page_xml(prepared, words, regions, settings),
        mean_confidence=(sum(confs) / len(confs)) if confs else None,
        word_count=len(words),
        seconds={"ocr": t1 - t0, "detect": time.perf_counter() - t1},
        choice=choice.record,
        warnings=(warning,) if warning else (),
        stamp_reads=int(settings.read_stamps and any(r.type == "stamp" for r in regions)),
        number_reads=found.reads,
        processing_steps=tuple(made),
    )
    write_manifest(
        job.out_dir / f"{job.stem}.ocr.json", ocr_key(prepared, settings), _recognised_to_json(page)
    )
    return page


def _read(
    prepared: PreparedPage, settings: Settings, greys: Greys
) -> tuple[ReadingChoice, list[ProcessingStep]]:
    """The page's readings (ocr.readings) and the steps of the processed page, made only when
    it is read."""
    job = prepared.job
    call = OcrCall(
        job.languages,
        settings.psm,
        settings.oem,
        settings.ocr_timeout,
        tuple(settings.formats),
        corrects(job, settings),
    )
    made: list[ProcessingStep] = []

    def ensure(source: ReadingInput) -> None:  # the processed page is made when first read
        if source.name == PROCESSED and not made:
            made.extend(make_processed(prepared, settings=settings))

    choice = read_page(
        prepared.reading_sources(settings.readings),
        job.out_dir / job.stem,
        call,
        ink_blobs=prepared.ink_blobs,
        paper_share=prepared.paper_share,
        ensure=ensure,
        reread_below=settings.low_confidence if settings.reread_lines else None,
        load_grey=greys,
    )
    return choice, made


class Greys:
    """Each image of the page decoded once, grey and read-only, for every step that reads its
    pixels (the line repair of ocr.readings, detection, casing); None when it cannot be read."""

    def __init__(self) -> None:
        self._images: dict[Path, np.ndarray | None] = {}

    def __call__(self, image: Path) -> np.ndarray | None:
        if image not in self._images:
            grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            if grey is not None:
                grey.setflags(write=False)
            self._images[image] = grey
        return self._images[image]


def _decoded(greys: Greys, image: Path, prepared: PreparedPage) -> np.ndarray:
    """The image read, decoded once for detection and casing (read-only: neither may change it)."""
    reading = greys(image)
    if reading is None:
        raise OcrError("cannot read the page images for detection", path=prepared.view_path)
    return reading


def _detect(
    prepared: PreparedPage,
    kept: Reading,
    words: Sequence[Word],
    reading: np.ndarray,
    settings: Settings,
) -> list[Region]:
    """The detect stage on the reading kept (ocr.detect.stage) with ``words``, the kept reading's
    words less its specks; its regions in the view's pixels."""
    return detect_regions(
        prepared.view_path,
        reading,
        list(words),
        dpi=prepared.dpi,
        languages=prepared.job.languages,
        min_word_conf=settings.low_confidence,
        detectors=settings.detectors,
        read_stamps=settings.read_stamps,
        timeout=settings.ocr_timeout,
        geometry=prepared.geometry,
        text_ink=prepared.text_ink,
        read_as_loaded=kept.input.name in AS_LOADED,
    )


def _write_page_xml(
    prepared: PreparedPage, words: Sequence[Word], regions: Sequence[Region], settings: Settings
) -> Path | None:
    """<stem>.page.xml from the words (in the view's pixels), if PAGE-XML is asked for."""
    if "page" not in settings.formats:
        return None
    job = prepared.job
    path = job.out_dir / f"{job.stem}.page.xml"
    atomic_write_bytes(
        path,
        build_page_xml(
            words,
            image_filename=prepared.view_path.name,
            rows=prepared.rows,
            cols=prepared.cols,
            graphics=graphic_regions(regions),
        ),
    )
    return path


def cached_recognition(prepared: PreparedPage, settings: Settings) -> RecognisedPage | None:
    """The page's OCR stage from its manifest, if the key matches and the outputs exist."""
    job = prepared.job
    cached = read_manifest(job.out_dir / f"{job.stem}.ocr.json", ocr_key(prepared, settings))
    page = from_manifest(cached, lambda d: _recognised_from_json(prepared, d))
    if page is None:
        return None
    return page if all(p.is_file() for p in page.ocr.outputs.values()) else None


def _recognised_to_json(p: RecognisedPage) -> dict[str, Any]:
    return {
        "outputs": {k: v.name for k, v in p.ocr.outputs.items()},
        "languages": p.ocr.languages,
        "psm": p.ocr.psm,
        "oem": p.ocr.oem,
        "tesseract_version": p.ocr.tesseract_version,
        "traineddata": p.ocr.traineddata,
        "page_xml": p.page_xml.name if p.page_xml else None,
        "mean_confidence": p.mean_confidence,
        "word_count": p.word_count,
        "seconds": p.seconds,
        "choice": p.choice.as_json() if p.choice else None,
        "warnings": [w.as_json() for w in p.warnings],
        "stamp_reads": p.stamp_reads,
        "number_reads": p.number_reads,
        "processing_steps": [asdict(s) for s in p.processing_steps],
    }


def _recognised_from_json(prepared: PreparedPage, d: dict[str, Any]) -> RecognisedPage:
    out_dir = prepared.job.out_dir
    ocr = OcrOutput(
        outputs={k: out_dir / v for k, v in d["outputs"].items()},
        languages=d["languages"],
        psm=d["psm"],
        oem=d["oem"],
        tesseract_version=d["tesseract_version"],
        traineddata=d["traineddata"],
    )
    return RecognisedPage(
        prepared=prepared,
        ocr=ocr,
        page_xml=out_dir / d["page_xml"] if d["page_xml"] else None,
        mean_confidence=d["mean_confidence"],
        word_count=d["word_count"],
        seconds={},
        cached=True,
        choice=ChoiceRecord.from_json(d["choice"]) if d["choice"] else None,
        warnings=tuple(PageWarning.from_json(w) for w in d["warnings"]),
        stamp_reads=int(d["stamp_reads"]),
        number_reads=int(d["number_reads"]),
        processing_steps=tuple(ProcessingStep(**s) for s in d["processing_steps"]),
    )
