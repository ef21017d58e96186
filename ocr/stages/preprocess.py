"""The preprocess stage: load a page, measure its framing, make the processed page."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocr.detect.ink import text_metrics
from ocr.detect.regions import Region
from ocr.detect.stamps import colour_stamps
from ocr.exceptions import BlankPageError, OcrError
from ocr.fsutil import atomic_write_bytes, remove_stale_temps
from ocr.geometry import PageGeometry
from ocr.imaging import png_params
from ocr.inkcolour import InkColour
from ocr.load import LoadedPage, load_page
from ocr.preprocess import Framing, frame_page, render_ocr_input
from ocr.records import ProcessingStep
from ocr.results import PageJob, PreparedPage
from ocr.settings import PREPROCESS_SETTINGS, Settings
from ocr.stages.cache import code_version, from_manifest, read_manifest, stage_key, write_manifest


def preprocess_key(job: PageJob, settings: Settings) -> str:
    """Cache key of the preprocess stage: the scan's content, the page, the settings shaping it."""
    return stage_key(
        {
            "scan": job.scan.sha256,
            "page": job.page_number,
            "code": code_version(),
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
    if (prepared := _cached(job, manifest, key)) is not None:
        return prepared
    t0 = time.perf_counter()
    page = _load(job, settings, keep=True)
    t1 = time.perf_counter()
    framing = _framing(job, page, settings)
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
    write_manifest(manifest, key, _prepared_to_json(prepared))
    return prepared


# A page up to this size (an A4 colour page at 400 dpi) is kept between the two stages; a
# larger one is loaded again rather than held through its reading and detection.
KEEP_PAGE_BYTES = 48 << 20


class _LastPage:
    """The page prepare_page loaded last in this process, kept read-only for make_processed
    (the same page decoded or rendered once, not twice); one page at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[object, ...] | None = None
        self.page: LoadedPage | None = None

    def take(self, key: tuple[object, ...]) -> LoadedPage | None:
        with self.lock:
            page = self.page if self.key == key else None
            self.key = self.page = None
            return page

    def keep(self, key: tuple[object, ...], page: LoadedPage) -> None:
        with self.lock:
            self.key, self.page = key, page


_LAST_PAGE = _LastPage()


def _load(job: PageJob, settings: Settings, *, keep: bool) -> LoadedPage:
    """The job's page (ocr.load.load_page); with ``keep`` it is kept (up to KEEP_PAGE_BYTES)
    for the next call, which takes it (and lets it go) instead of loading the page again."""
    key = (job.scan.path, job.scan.sha256, job.page_number, settings.dpi, settings.max_pixels)
    page = _LAST_PAGE.take(key)
    if page is None:
        page = load_page(
            job.scan, job.page_number, dpi=settings.dpi, max_pixels=settings.max_pixels
        )
        page.image.setflags(write=False)  # shared by both stages: neither may change it
    if keep and page.image.nbytes <= KEEP_PAGE_BYTES:
        _LAST_PAGE.keep(key, page)
    return page


def _cached(job: PageJob, manifest: Path, key: str) -> PreparedPage | None:
    """The stage's record from its manifest, if the key matches and its files are there."""
    prepared = from_manifest(read_manifest(manifest, key), lambda d: _prepared_from_json(job, d))
    if prepared is not None and all(
        p is None or p.is_file() for p in (prepared.view_path, prepared.original_input_path)
    ):
        return prepared
    return None


def _framing(job: PageJob, page: LoadedPage, settings: Settings) -> Framing:
    """The page's framing (ocr.preprocess.frame_page); a page without ink is an error."""
    framing = frame_page(page.image, deskew=settings.deskew, page_frame=settings.page_frame)
    if framing.blank:
        raise BlankPageError(
            f"page {job.page_number} is blank (ink {framing.ink_fraction:.2%}); "
            "nothing to OCR, check the scan if unexpected",
            path=job.scan.path,
        )
    return framing


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
    cached = read_manifest(manifest, key)
    steps = from_manifest(cached, lambda d: tuple(ProcessingStep(**s) for s in d["steps"]))
    if steps is not None and prepared.ocr_input_path.is_file():
        return steps
    page = _load(job, settings, keep=False)
    framing = Framing(
        prepared.skew_degrees,
        prepared.geometry,
        prepared.text_ink,
        prepared.ink_blobs,
        prepared.ink_fraction,
        (),
    )
    ocr_image, steps = render_ocr_input(
        page.image,
        framing,
        denoise=settings.denoise,
        remove_colour_ink=settings.remove_colour_ink,
        binarize_output=settings.binarize,
        dpi=page.dpi,
        find_stamps=find_colour_stamps,
    )
    _write_image(prepared.ocr_input_path, ocr_image, png_params(ocr_image))
    write_manifest(manifest, key, {"steps": [asdict(s) for s in steps]})
    return steps


def _original_input(page: LoadedPage, job: PageJob) -> tuple[Path, int | None]:
    """The page as loaded, as stock tesseract would read it: the scan file itself when it is
    that page (a one-page JPEG or PNG, not turned by EXIF), else <stem>.page.png."""
    if page.same_as_file:
        return job.scan.path.resolve(), None
    path = job.out_dir / f"{job.stem}.page.png"
    # level 1 with row filters: a raw scan's grain takes a third more room unfiltered
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


def find_colour_stamps(bgr: np.ndarray, colour_mask: np.ndarray, *, dpi: int) -> list[Region]:
    """The stamp detector as preprocessing takes it (ocr.inkcolour.StampFinder): stamps in the
    coloured ink of a page, sized for its resolution (no words yet: typewriter sizes)."""
    stamps, _ = colour_stamps(bgr, colour_mask, metrics=text_metrics((), dpi=dpi))
    return stamps
