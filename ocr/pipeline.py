"""The pipeline's stages as plain functions over small records: plan, prepare, recognise, finish."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import cv2
import numpy as np

from ocr import __version__
from ocr.casing import recase_outputs
from ocr.correct.learned import Learned
from ocr.correct.stage import (
    apply_corrections,
    joined_choices,
    joined_layout,
    page_choices,
    page_layout,
    russian,
    suggestion_flags,
)
from ocr.detect.stage import (
    detect_regions,
    graphic_regions,
    load_regions,
    save_regions,
)
from ocr.exceptions import (
    BlankPageError,
    CorruptOutputError,
    EmptyFileError,
    EmptyReferenceWarning,
    NoReferenceWarning,
    OcrError,
    OcrWarning,
    ReferenceEncodingWarning,
)
from ocr.flag import (
    Flag,
    PageEvidence,
    PageSignals,
    document_flags,
    page_flags,
    reference_flags,
    write_crops,
)
from ocr.flag import marker_flags as marker_flags  # importable from here as before
from ocr.fsutil import (
    atomic_write_bytes,
    atomic_write_text,
    remove_stale_temps,
    sha256_file,
)
from ocr.geometry import PageGeometry
from ocr.inkcolour import InkColour
from ocr.lessons import learned
from ocr.load import (
    LoadedPage,
    ScanInfo,
    discover,
    document_names,
    inspect_scan,
    load_page,
    shared_stems,
)
from ocr.page_checks import PageWarning, no_text_warning
from ocr.pagexml import build_page_xml
from ocr.preprocess import Framing, frame_page, render_frame
from ocr.publish import publish_document
from ocr.quality import MODEL_PATH
from ocr.readings import (
    ORIGINAL,
    PROCESSED,
    ChoiceRecord,
    OcrCall,
    ReadingInput,
    read_page,
)
from ocr.records import ProcessingStep
from ocr.reframe import reframe_outputs
from ocr.report import write_document_reports
from ocr.results import (
    DocumentResult,
    PageFailure,
    PageJob,
    PreparedPage,
    RecognisedPage,
)
from ocr.score import PageScore, normalise, score_pages, score_text
from ocr.settings import FLAG_SETTINGS, OCR_SETTINGS, PREPROCESS_SETTINGS, Settings
from ocr.tesseract import (
    OcrOutput,
    OcrText,
    Word,
    read_words,
    tesseract_version,
    traineddata_info,
    words_to_text,
)
from ocr.textio import ReferenceText, read_reference
from ocr.timing import DOCUMENT_STAGES, Stopwatch

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice, Layout
    from ocr.detect.regions import Region

T = TypeVar("T")

STAGE_VERSION = "5"  # bump when a stage's code changes its output, to invalidate caches


def versions() -> dict[str, str]:
    """Versions that shape results, for provenance."""
    return {
        "archival-ocr": __version__,
        "tesseract": tesseract_version(),
        "opencv": cv2.__version__,
        "numpy": np.__version__,
    }


# --- plan -------------------------------------------------------------------------------------


def plan_batch(
    paths: Sequence[Path], *, settings: Settings
) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    """Inspect every scan; bad files become failures, good ones become page jobs."""
    found = discover(paths)
    names = document_names(found)
    shared = shared_stems(f.path for f in found)
    jobs: list[PageJob] = []
    infos: list[ScanInfo] = []
    failures: list[PageFailure] = []
    for path in (f.path for f in found):
        try:
            info = inspect_scan(
                path,
                document=names[path],
                dpi=settings.dpi,
                max_pixels=settings.max_pixels,
                stem_unique=path.stem not in shared,
            )
        except Exception as e:  # noqa: BLE001 - any bad file is a result, not a crash
            failures.append(
                PageFailure.from_error(
                    e, document=names[path], source=path, page_number=0, stage="load"
                )
            )
            continue
        infos.append(info)
        langs = settings.languages_for(path.name)
        out_dir = settings.output_dir / info.document
        jobs.extend(PageJob(info, n, langs, out_dir) for n in range(1, info.page_count + 1))
    return jobs, infos, failures


def scan_fingerprint(scan: ScanInfo, *, gt_dir: Path | None, settings: Settings) -> str:
    """What makes a scan's results: its settings, languages, versions and reference content.
    A scan is 'new' for the inbox when its content or this fingerprint changes."""
    ref = find_reference(scan, gt_dir)
    langs = settings.languages_for(scan.path.name)
    return _key(
        {
            "settings": settings.fingerprint(*PREPROCESS_SETTINGS, *OCR_SETTINGS, *FLAG_SETTINGS),
            "languages": langs,
            "code": STAGE_VERSION,
            "tesseract": tesseract_version(),
            "traineddata": traineddata_info(langs),
            "reference": sha256_file(ref) if ref else None,
        }
    )


# --- prepare ----------------------------------------------------------------------------------


def preprocess_key(job: PageJob, settings: Settings) -> str:
    """Cache key of the preprocess stage: the scan's content, the page, the settings shaping it."""
    return _key(
        {
            "scan": job.scan.sha256,
            "page": job.page_number,
            "code": STAGE_VERSION,
            "settings": settings.fingerprint(*PREPROCESS_SETTINGS),
        }
    )


def prepare_page(job: PageJob, *, settings: Settings) -> PreparedPage:
    """Load one page and measure its framing (skew, paper, ink: cheap, on a shrunk copy);
    writes <stem>.view.jpg (the page as loaded) and, unless the scan file is the page itself,
    <stem>.page.png. The processed page (<stem>.ocr.png) is made only when read (ocr.readings).

    A manifest (<stem>.prep.json, written last) records the stage key: when it matches and the
    files are there, the stage is skipped."""
    for folder in (job.out_dir, job.out_dir / "flags"):
        remove_stale_temps(folder)  # left by a killed run
    key = preprocess_key(job, settings)
    manifest = job.out_dir / f"{job.stem}.prep.json"
    cached = _read_manifest(manifest, key)
    prepared = _from_manifest(cached, lambda d: _prepared_from_json(job, d))
    if prepared is not None and all(
        p is None or p.is_file() for p in (prepared.view_path, prepared.original_input_path)
    ):
        return prepared
    t0 = time.perf_counter()
    page = load_page(job.scan, job.page_number, dpi=settings.dpi, max_pixels=settings.max_pixels)
    t1 = time.perf_counter()
    framing = frame_page(page.image, deskew=settings.deskew, page_frame=settings.page_frame)
    if framing.blank:
        raise BlankPageError(
            f"page {job.page_number} is blank (ink {framing.ink_fraction:.2%}); "
            "nothing to OCR, check the scan if unexpected",
            path=job.scan.path,
        )
    view_path = _write_view(page, job)
    original, original_dpi = _original_input(page, job)
    t2 = time.perf_counter()
    rows, cols = page.image.shape[:2]
    geometry = framing.geometry
    canvas = geometry.canvas_rows * geometry.canvas_cols
    prepared = PreparedPage(
        job=job,
        image_sha256=_array_sha256(page.image),
        rows=rows,
        cols=cols,
        dpi=page.dpi,
        view_path=view_path,
        ocr_input_path=job.out_dir / f"{job.stem}.ocr.png",
        skew_degrees=framing.skew_degrees,
        ink_fraction=framing.ink_fraction,
        steps=framing.steps,
        geometry=geometry,
        seconds={"load": t1 - t0, "preprocess": t2 - t1},
        original_input_path=original,
        original_dpi=original_dpi,
        ink_blobs=framing.ink_blobs,
        text_ink=framing.text_ink,
        paper_share=geometry.crop.width * geometry.crop.height / canvas,
    )
    _write_manifest(manifest, key, _prepared_to_json(prepared))
    return prepared


def _write_view(page: LoadedPage, job: PageJob) -> Path:
    """<stem>.view.jpg: the page as loaded (a copy of the scan file when it is that JPEG)."""
    path = job.out_dir / f"{job.stem}.view.jpg"
    if page.same_as_file and job.scan.kind == "jpeg":
        atomic_write_bytes(path, job.scan.path.read_bytes())
    else:
        _write_image(path, page.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return path


def make_processed(prepared: PreparedPage, *, settings: Settings) -> tuple[ProcessingStep, ...]:
    """Write the processed page (<stem>.ocr.png: the page in its OCR frame, background and
    stamp ink cleaned) unless an earlier run made it from the same prepare stage; its steps."""
    job = prepared.job
    manifest = job.out_dir / f"{job.stem}.processed.json"
    key = preprocess_key(job, settings)
    cached = _read_manifest(manifest, key)
    steps = _from_manifest(cached, lambda d: tuple(ProcessingStep(**s) for s in d["steps"]))
    if steps is not None and prepared.ocr_input_path.is_file():
        return steps
    page = load_page(job.scan, job.page_number, dpi=settings.dpi, max_pixels=settings.max_pixels)
    framing = Framing(
        prepared.skew_degrees,
        prepared.geometry,
        prepared.text_ink,
        prepared.ink_blobs,
        prepared.ink_fraction,
        (),
    )
    pre = render_frame(
        page.image,
        framing,
        denoise=settings.denoise,
        remove_colour_ink=settings.remove_colour_ink,
        binarize_output=settings.binarize,
        dpi=page.dpi,
    )
    _write_image(prepared.ocr_input_path, pre.ocr_image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    _write_manifest(manifest, key, {"steps": [asdict(s) for s in pre.steps]})
    return pre.steps


def _original_input(page: LoadedPage, job: PageJob) -> tuple[Path, int | None]:
    """The page as loaded, as stock tesseract would read it: the scan file itself when it is
    that page (a one-page JPEG or PNG, not turned by EXIF), else <stem>.page.png."""
    if page.same_as_file:
        return job.scan.path.resolve(), None
    path = job.out_dir / f"{job.stem}.page.png"
    _write_image(path, page.image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return path, page.dpi


def _write_image(path: Path, image: np.ndarray, params: list[int]) -> str:
    """Encode and write atomically; returns the sha256 of the file's bytes."""
    ok, data = cv2.imencode(path.suffix, image, params)
    if not ok:
        raise OcrError(f"could not encode {path.name}", path=path)
    blob = data.tobytes()
    atomic_write_bytes(path, blob)
    return hashlib.sha256(blob).hexdigest()


def _array_sha256(image: np.ndarray) -> str:
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).data)
    return h.hexdigest()


# --- recognise --------------------------------------------------------------------------------


def corrects(job: PageJob, settings: Settings) -> bool:
    """Does post-OCR correction run on this page (Russian, correction on)? Its OCR then also
    records what tesseract said of each character, for correction to read."""
    return settings.correction != "off" and russian(job.languages)


def ocr_key(prepared: PreparedPage, settings: Settings) -> str:
    """Cache key of the OCR stage: the prepare stage's key (the scan's content, the page and the
    settings the images are made with), languages, settings, tesseract and traineddata
    versions, the reading-quality model, and whether the characters' choices are recorded."""
    langs = prepared.job.languages
    return _key(
        {
            "prepared": preprocess_key(prepared.job, settings),
            "languages": langs,
            "code": STAGE_VERSION,
            "settings": settings.fingerprint(*OCR_SETTINGS),
            "tesseract": tesseract_version(),
            "traineddata": traineddata_info(langs),
            "quality_model": sha256_file(MODEL_PATH),
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
    )
    kept = choice.kept
    t1 = time.perf_counter()
    regions = detect_regions(
        prepared.view_path,
        kept.input.image,
        list(kept.words),
        dpi=prepared.dpi,
        languages=job.languages,
        min_word_conf=settings.low_confidence,
        detectors=settings.detectors,
        read_stamps=settings.read_stamps,
        timeout=settings.ocr_timeout,
        geometry=prepared.geometry,
        text_ink=prepared.text_ink,
        read_as_loaded=kept.input.name == ORIGINAL,
    )
    reframe_outputs(kept.output.outputs, kept.input.geometry, image_name=prepared.view_path.name)
    made.extend(recase_outputs(kept.input.image, kept.words, kept.output.outputs))
    words = read_words(kept.output.tsv)
    out = replace(
        kept.output,
        outputs={
            **kept.output.outputs,
            "regions": save_regions(job.out_dir / f"{job.stem}.regions.json", regions),
        },
    )
    page_xml = _write_page_xml(prepared, words, regions, settings)
    confs = [w.conf for w in words if w.conf >= 0]
    warning = no_text_warning(
        chars=sum(len(w.text) for w in words), ink_blobs=prepared.ink_blobs, page_label=job.label
    )
    page = RecognisedPage(
        prepared=prepared,
        ocr=out,
        page_xml=page_xml,
        mean_confidence=(sum(confs) / len(confs)) if confs else None,
        word_count=len(words),
        seconds={"ocr": t1 - t0, "detect": time.perf_counter() - t1},
        choice=choice.record,
        warnings=(warning,) if warning else (),
        stamp_reads=sum(r.type == "stamp" for r in regions) if settings.read_stamps else 0,
        processing_steps=tuple(made),
    )
    _write_manifest(
        job.out_dir / f"{job.stem}.ocr.json", ocr_key(prepared, settings), _recognised_to_json(page)
    )
    return page


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
    cached = _read_manifest(job.out_dir / f"{job.stem}.ocr.json", ocr_key(prepared, settings))
    page = _from_manifest(cached, lambda d: _recognised_from_json(prepared, d))
    if page is None:
        return None
    return page if all(p.is_file() for p in page.ocr.outputs.values()) else None


# --- stage manifests (the cache) ---------------------------------------------------------------


def _key(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _read_manifest(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def _from_manifest(cached: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]) -> T | None:
    """A manifest's record, or None (the stage runs again) when it is missing or damaged: a
    manifest is a cache, so a field lost or mangled costs a recomputation, never the page."""
    if cached is None:
        return None
    try:
        return parse(cached)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def _write_manifest(path: Path, key: str, data: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps({"key": key, **data}, ensure_ascii=False, default=str))


def _prepared_to_json(p: PreparedPage) -> dict[str, Any]:
    return {
        "image_sha256": p.image_sha256,
        "rows": p.rows,
        "cols": p.cols,
        "dpi": p.dpi,
        "view": p.view_path.name,
        "ocr_input": p.ocr_input_path.name,
        "skew_degrees": p.skew_degrees,
        "ink_fraction": p.ink_fraction,
        "steps": [asdict(s) for s in p.steps],
        "geometry": p.geometry.as_json(),
        "ocr_input_sha256": p.ocr_input_sha256,
        "seconds": p.seconds,
        "original_input": str(p.original_input_path) if p.original_input_path else None,
        "original_dpi": p.original_dpi,
        "ink_blobs": p.ink_blobs,
        "paper_share": p.paper_share,
        "text_ink": p.text_ink.as_json(),
    }


def _prepared_from_json(job: PageJob, d: dict[str, Any]) -> PreparedPage:
    return PreparedPage(
        job=job,
        image_sha256=d["image_sha256"],
        rows=d["rows"],
        cols=d["cols"],
        dpi=d["dpi"],
        view_path=job.out_dir / d["view"],
        ocr_input_path=job.out_dir / d["ocr_input"],
        skew_degrees=d["skew_degrees"],
        ink_fraction=d["ink_fraction"],
        steps=tuple(ProcessingStep(**s) for s in d["steps"]),
        geometry=PageGeometry.from_json(d["geometry"]),
        ocr_input_sha256=d["ocr_input_sha256"],
        seconds={},
        cached=True,
        original_input_path=Path(d["original_input"]) if d["original_input"] else None,
        original_dpi=d["original_dpi"],
        ink_blobs=d["ink_blobs"],
        paper_share=d["paper_share"],
        text_ink=InkColour.from_json(d["text_ink"]),
    )


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
        processing_steps=tuple(ProcessingStep(**s) for s in d["processing_steps"]),
    )


def process_page(job: PageJob, settings: Settings) -> RecognisedPage | PageFailure:
    """Prepare and recognise one page; any error becomes a PageFailure (for process pools)."""
    stage = "preprocess"
    try:
        prepared = prepare_page(job, settings=settings)
        stage = "ocr"
        return recognise_page(prepared, settings=settings)
    except Exception as e:  # noqa: BLE001 - one bad page never stops the batch
        return PageFailure.from_error(
            e,
            document=job.scan.document,
            source=job.scan.path,
            page_number=job.page_number,
            stage=stage,
        )


# --- finish: score, flag, report ---------------------------------------------------------------


def find_reference(scan: ScanInfo, gt_dir: Path | None) -> Path | None:
    """ground_truth/<identity>.txt (or .gt.txt, the identity keeping the scan's subfolders), else
    <scan stem>.txt or .gt.txt at the top when no other scan of the batch has that stem."""
    if gt_dir is None:
        return None
    rel = Path(scan.document).parent
    names = [
        rel / f"{scan.name}.txt",
        rel / f"{scan.path.stem}.txt",
        rel / f"{scan.path.stem}.gt.txt",
    ]
    if scan.stem_unique:
        names += [Path(f"{scan.path.stem}.txt"), Path(f"{scan.path.stem}.gt.txt")]
    for name in dict.fromkeys(names):
        if (gt_dir / name).is_file():
            return (gt_dir / name).resolve()
    return None


def finish_document(
    scan: ScanInfo,
    pages: Sequence[RecognisedPage],
    failures: Sequence[PageFailure],
    *,
    gt_dir: Path | None,
    settings: Settings,
) -> DocumentResult:
    """Score against the reference (if any), flag, crop, write the document's text and report."""
    watch = Stopwatch.zeroed(DOCUMENT_STAGES)
    pages = sorted(pages, key=lambda p: p.job.page_number)
    failures = list(failures)
    out_dir = settings.output_dir / scan.document
    with watch.stage("score"):
        texts = {p.job.page_number: words_to_text(read_words(p.ocr.tsv)) for p in pages}
        reference, warnings = _load_reference(scan, gt_dir, failures)
        score, page_scores = score_pages(reference, [(n, texts[n].text) for n in sorted(texts)])
    page_items: list[list[Flag]] = []
    correcting = bool(pages) and corrects(pages[0].job, settings)
    with watch.stage("correction"):
        taught = learned(gt_dir, settings.db_url) if correcting else None
    choices: dict[int, dict[int, CharChoice]] = {}  # per page: what tesseract said of its text
    layouts: dict[int, Layout] = {}  # per page: what its word boxes say of its text
    for page in pages:
        n = page.job.page_number
        if correcting:
            with watch.stage("correction"):
                choices[n] = page_choices(texts[n], page.ocr.outputs.get("choices"))
                layouts[n] = page_layout(texts[n])
        page_items.append(
            _page_flags(
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
            correction = _apply_correction(
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
    with watch.stage("reports"):
        write_document_reports(result, profiles=settings.profiles())
    return replace(result, seconds=dict(watch.seconds))


def _apply_correction(
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


def _load_reference(
    scan: ScanInfo, gt_dir: Path | None, failures: list[PageFailure]
) -> tuple[ReferenceText | None, list[OcrWarning]]:
    path = find_reference(scan, gt_dir)
    if path is None:
        return None, [
            NoReferenceWarning(f"no reference in {gt_dir}; OCR without scoring", path=scan.path)
        ] if gt_dir else []
    try:
        ref = read_reference(path)
    except EmptyFileError:
        return None, [EmptyReferenceWarning(path=path)]
    except Exception as e:  # noqa: BLE001 - a bad reference never costs the OCR
        failures.append(
            PageFailure.from_error(
                e, document=scan.document, source=path, page_number=0, stage="reference"
            )
        )
        return None, []
    warnings: list[OcrWarning] = [ReferenceEncodingWarning(w, path=path) for w in ref.warnings]
    if not normalise(ref.text):  # CER is undefined against nothing: OCR and flags only
        return None, [*warnings, EmptyReferenceWarning(path=path)]
    return ref, warnings


def _page_flags(
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
