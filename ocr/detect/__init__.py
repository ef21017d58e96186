"""Detectors of regions for review: stamps, handwriting, unread ink, bad text, reference markers."""

from __future__ import annotations

from ocr.detect.handwriting import handwriting, typed_mask
from ocr.detect.ink import TextMetrics, ink_mask, text_metrics
from ocr.detect.markers import ReferenceMarker, reference_markers
from ocr.detect.page import ALL_DETECTORS, detect_page, resolve
from ocr.detect.regions import IMAGE_TYPES, REGION_TYPES, Region, iou, merge_overlapping
from ocr.detect.stamp_text import read_stamp_text, remove_and_crop_stamp
from ocr.detect.stamps import colour_stamps, shape_stamps
from ocr.detect.text import garbage_flags, garbage_reasons, is_garbage, short_line_flags
from ocr.detect.unrecognised import unrecognised_ink

__all__ = [
    "ALL_DETECTORS",
    "IMAGE_TYPES",
    "REGION_TYPES",
    "ReferenceMarker",
    "Region",
    "TextMetrics",
    "colour_stamps",
    "detect_page",
    "garbage_flags",
    "garbage_reasons",
    "handwriting",
    "ink_mask",
    "iou",
    "is_garbage",
    "merge_overlapping",
    "read_stamp_text",
    "reference_markers",
    "remove_and_crop_stamp",
    "resolve",
    "shape_stamps",
    "short_line_flags",
    "text_metrics",
    "typed_mask",
    "unrecognised_ink",
]
