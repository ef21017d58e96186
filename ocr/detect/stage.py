"""The detection stage of a page: stamps, handwriting, signatures, unrecognised ink, garbage and
short lines (ocr.detect), stamp text read separately, saved as <stem>.regions.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ocr.detect import detect_page, garbage_flags, short_line_flags
from ocr.detect.regions import Region
from ocr.detect.stamp_text import with_stamp_texts
from ocr.exceptions import OcrError
from ocr.fsutil import atomic_write_text
from ocr.geometry import PageGeometry
from ocr.inkcolour import InkColour, page_colour_mask
from ocr.pagexml import GraphicRegion
from ocr.preprocess import binarize_page, paper_colour
from ocr.records import Box
from ocr.reframe import reframe_region
from ocr.tesseract import Word

# The resolution the image detectors were tuned at: a very large scan of a higher resolution is
# detected on a copy shrunk to it (in bounded time and memory, with the sizes the detectors
# know). Below DETECT_SHRINK_PIXELS (an A4 page at 500 dpi) a page is detected whole: 400 dpi
# typescripts shrunk to 300 dpi lost some of their handwriting.
DETECT_DPI = 300
DETECT_SHRINK_PIXELS = 24_000_000


def detect_regions(
    view_path: Path,
    ocr_image: np.ndarray,
    words: Sequence[Word],
    *,
    dpi: int,
    languages: str,
    min_word_conf: float,
    detectors: Sequence[str],
    read_stamps: bool,
    timeout: float,
    geometry: PageGeometry | None = None,
    text_ink: InkColour | None = None,
    read_as_loaded: bool = False,
) -> list[Region]:
    """Every detector on one page; each stamp's own text is OCRed from its cleaned crop.

    ``ocr_image``: the image tesseract read (gray, decoded once by the caller). With
    ``geometry``, ``view_path`` is the page as loaded and ``ocr_image`` and ``words`` are in
    the OCR frame: detection runs in that frame (the page's paper, never the scanner bed) and
    the regions come back in the page's pixels. ``read_as_loaded``: ``ocr_image`` and ``words``
    are of the page as loaded and are moved into the frame first. Ink of the typed text's own
    colour (``text_ink``) is never taken for a stamp or a pen."""
    view = cv2.imread(str(view_path), cv2.IMREAD_UNCHANGED)
    ocr_img = ocr_image
    if view is None:
        raise OcrError("cannot read the page images for detection", path=view_path)
    detect = partial(
        detect_regions_in_frame,
        dpi=dpi,
        languages=languages,
        min_word_conf=min_word_conf,
        detectors=detectors,
        read_stamps=read_stamps,
        timeout=timeout,
        text_ink=text_ink,
    )
    if geometry is None or geometry.is_identity:
        return detect(view, ocr_img, words)
    if read_as_loaded:
        ocr_img = geometry.to_frame(ocr_img, fill=paper_colour(ocr_img))
        words = [replace(w, box=geometry.box_to_frame(w.box)) for w in words]
    view = geometry.to_frame(view, fill=paper_colour(view))  # the page as loaded is let go
    return [reframe_region(r, geometry) for r in detect(view, ocr_img, words)]


def detect_regions_in_frame(
    view: np.ndarray,
    ocr_img: np.ndarray,
    words: Sequence[Word],
    *,
    dpi: int,
    languages: str,
    min_word_conf: float,
    detectors: Sequence[str],
    read_stamps: bool,
    timeout: float,
    text_ink: InkColour | None = None,
) -> list[Region]:
    """Every detector on a page's colour view and OCR image of the same frame as ``words``."""
    if _has_gray(ocr_img):  # gray OCR input: detectors want ink
        ocr_img = binarize_page(ocr_img)
    regions = (
        _image_regions(
            view,
            ocr_img,
            words,
            dpi=dpi,
            min_word_conf=min_word_conf,
            detectors=detectors,
            text_ink=text_ink,
        )
        if detectors
        else []
    )
    regions += garbage_flags(words) + short_line_flags(words, ocr_img)
    if read_stamps:
        regions = with_stamp_texts(view, regions, languages=languages, dpi=dpi, timeout=timeout)
    return regions


def _has_gray(image: np.ndarray) -> bool:
    """Has the image any value strictly between 0 and 255 (one pass for a gray uint8 page)?"""
    if image.dtype == np.uint8 and image.ndim == 2:
        return bool(cv2.countNonZero(cv2.inRange(image, 1, 254)))
    return bool(np.count_nonzero((image > 0) & (image < 255)))


def _image_regions(
    view: np.ndarray,
    ocr_img: np.ndarray,
    words: Sequence[Word],
    *,
    dpi: int,
    min_word_conf: float,
    detectors: Sequence[str],
    text_ink: InkColour | None,
) -> list[Region]:
    """The image detectors (ocr.detect.detect_page), on a copy shrunk to DETECT_DPI when the
    page is over DETECT_SHRINK_PIXELS and of a higher resolution; the regions come back in the
    page's pixels."""
    rows, cols = ocr_img.shape[:2]
    scale = min(1.0, DETECT_DPI / max(1, dpi))
    if scale < 0.95 and rows * cols > DETECT_SHRINK_PIXELS:
        size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
        view = cv2.resize(view, size, interpolation=cv2.INTER_AREA)
        shrunk = cv2.resize(ocr_img, size, interpolation=cv2.INTER_AREA)
        ocr_img = np.where(shrunk < 128, 0, 255).astype(np.uint8)
        words = [replace(w, box=_scaled_box(w.box, scale)) for w in words]
        dpi = DETECT_DPI
    else:
        scale = 1.0
    colour = page_colour_mask(view, text_ink) if text_ink is not None and view.ndim == 3 else None
    found = detect_page(
        view,
        ocr_img,
        colour,
        list(words),
        dpi=dpi,
        min_word_conf=min_word_conf,
        detectors=detectors,
    )
    return found if scale == 1.0 else [_scaled_region(r, 1.0 / scale) for r in found]


def _scaled_box(box: Box, scale: float) -> Box:
    left, top = round(box.left * scale), round(box.top * scale)
    return Box(
        left, top, max(1, round(box.right * scale) - left), max(1, round(box.bottom * scale) - top)
    )


def _scaled_region(region: Region, scale: float) -> Region:
    polygon = tuple((round(x * scale), round(y * scale)) for x, y in region.polygon)
    return replace(region, box=_scaled_box(region.box, scale), polygon=polygon)


def save_regions(path: Path, regions: Sequence[Region]) -> Path:
    data = [r.stored() for r in regions]
    return atomic_write_text(path, json.dumps(data, ensure_ascii=False, default=_jsonable))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def load_regions(path: Path) -> list[Region]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Region.from_json(d) for d in data]


def graphic_regions(regions: Sequence[Region]) -> list[GraphicRegion]:
    """Stamps, signatures and handwriting as PAGE-XML GraphicRegions."""
    return [
        GraphicRegion(r.type, r.box, r.text)
        for r in regions
        if r.type in ("stamp", "signature", "handwriting")
    ]
