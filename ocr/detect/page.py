"""All image detectors on one page, with stamps first and overlapping finds merged or dropped."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocr.detect.handwriting import (
    classify_cluster,
    handwriting,
    handwriting_in_stamps,
    ink_pieces,
    typed_rows,
)
from ocr.detect.ink import GOOD_WORD_CONF, TextMetrics, ink_mask, text_metrics
from ocr.detect.regions import (
    HANDWRITING,
    IMAGE_TYPES,
    SIGNATURE,
    STAMP,
    Region,
    fill_regions,
    grow_box,
    intersection,
    merge_nearby,
    merge_overlapping,
    overlap,
    same_family,
)
from ocr.detect.stamps import (
    ColourGroup,
    as_worn_stamp,
    colour_layers,
    colour_stamps,
    is_worn_frame,
    shape_stamps,
)
from ocr.detect.unrecognised import unrecognised_ink
from ocr.preprocess import colour_ink_mask
from ocr.tesseract import Word

ALL_DETECTORS = ("colour_stamps", "shape_stamps", "handwriting", "unrecognised_ink")
EXCLUDE_MARGIN = 12  # px at 300 dpi around a stamp or handwriting kept out of later detectors
MERGE_OVERLAP = 0.5
HAND_GAP = 1.5  # typed-line heights: pen marks closer than this are one note, number or signature
STAMP_EDGE = 8  # px around a coloured stamp's ink that colour removal may leave grey


def detect_page(
    view_image: np.ndarray,
    ocr_image: np.ndarray,
    colour_mask: np.ndarray | None,
    words: Sequence[Word] | None,
    *,
    dpi: int = 300,
    min_word_conf: float = GOOD_WORD_CONF,
    detectors: Sequence[str] = ALL_DETECTORS,
    merge_overlap: float = MERGE_OVERLAP,
) -> list[Region]:
    """Stamps, signatures, handwriting and unrecognised ink on one page, most important first.

    ``view_image`` is the deskewed page (BGR or gray), ``ocr_image`` the binarized one in the same
    geometry, ``colour_mask`` the coloured-ink mask (None: computed from ``view_image``), ``words``
    the page's OCR words (None: no OCR yet, so no unrecognised-ink search, and typed lines are told
    by their layout only). Words under ``min_word_conf`` vouch only for lined-up typing (the
    pipeline flags them as low-confidence). Each detector skips the area of the types found
    before it (stamps, then handwriting); finally regions overlapping more than ``merge_overlap``
    are merged (same type) or the lower type dropped (see :func:`resolve`). ``detectors`` picks a
    subset of ``ALL_DETECTORS``; sizes tuned at 300 dpi are scaled by ``dpi`` (used only when the
    page has too few confident words to measure its own typing).
    """
    metrics = text_metrics(words or (), dpi=dpi)
    ink = ink_mask(ocr_image)
    layers = _colour_layers(view_image, colour_mask) if view_image.ndim == 3 else {}
    stamps, pens = _stamps(view_image, ink, layers, metrics=metrics, detectors=detectors)
    pieces = ink_pieces(ink, words, metrics=metrics, min_conf=min_word_conf)
    hands: list[Region] = []
    if "handwriting" in detectors:
        hands = handwriting(
            ink,
            words,
            metrics=metrics,
            exclude=_stamp_exclusion(ink.shape, stamps, layers, metrics),
            pieces=pieces,
            coloured_stamps=[s for s in stamps if s.colour in layers],
        )
        hands += _pen_handwriting(
            pens, typed_rows(pieces.typed), metrics=metrics, page_rows=ink.shape[0]
        )
        hands += handwriting_in_stamps(
            ink, stamps, metrics=metrics, typed=pieces.typed, layers=layers
        )
        hands = merge_nearby(hands, gap=round(HAND_GAP * metrics.glyph_rows))
        framed = [r for r in hands if is_worn_frame(ink, r, metrics=metrics)]
        stamps += [as_worn_stamp(r) for r in framed]
        hands = [r for r in hands if r not in framed]
    unread: list[Region] = []
    if "unrecognised_ink" in detectors and words is not None:
        seen = fill_regions(ink.shape, stamps + hands, margin=metrics.px(EXCLUDE_MARGIN))
        unread = unrecognised_ink(
            pieces.without_dust(),
            words,
            metrics=metrics,
            exclude=seen,
            min_conf=min_word_conf,
            typed=pieces.typed,
        )
    return resolve(stamps + hands + unread, min_overlap=merge_overlap)


def _colour_layers(view_image: np.ndarray, colour_mask: np.ndarray | None) -> dict[str, np.ndarray]:
    """The page's coloured ink split by colour (see :func:`ocr.detect.stamps.colour_layers`)."""
    mask = colour_ink_mask(view_image) if colour_mask is None else colour_mask
    return colour_layers(view_image, mask)


def _stamp_exclusion(
    shape: tuple[int, int],
    stamps: Sequence[Region],
    layers: dict[str, np.ndarray],
    metrics: TextMetrics,
) -> np.ndarray:
    """Where black handwriting is not looked for: all of a black (or grey-scan) stamp, but of a
    coloured stamp only its own ink and a few pixels around it (what the colour removal left of
    its edges). Black ink under a coloured stamp is typing or a pen: a number written in."""
    mask = fill_regions(
        shape,
        [s for s in stamps if not s.colour or s.colour not in layers],
        margin=metrics.px(EXCLUDE_MARGIN),
    )
    grow = np.ones((2 * STAMP_EDGE + 1, 2 * STAMP_EDGE + 1), np.uint8)
    for stamp in stamps:
        if stamp.colour in layers:
            b = grow_box(stamp.box, metrics.px(EXCLUDE_MARGIN))
            top, left = max(b.top, 0), max(b.left, 0)
            own = layers[stamp.colour][top : b.bottom, left : b.right]
            mask[top : b.bottom, left : b.right] |= cv2.dilate(own, grow)
    return mask


def _stamps(
    view_image: np.ndarray,
    ink: np.ndarray,
    layers: dict[str, np.ndarray],
    *,
    metrics: TextMetrics,
    detectors: Sequence[str],
) -> tuple[list[Region], list[ColourGroup]]:
    found: list[Region] = []
    pens: list[ColourGroup] = []
    if "colour_stamps" in detectors and view_image.ndim == 3:
        found, pens = colour_stamps(view_image, None, metrics=metrics, layers=layers)
    if "shape_stamps" in detectors:
        found += shape_stamps(ink, metrics=metrics, dashed=not layers)
    return merge_overlapping(found, min_overlap=MERGE_OVERLAP), pens


def _pen_handwriting(
    pens: Sequence[ColourGroup],
    text_rows: tuple[int, int] | None,
    *,
    metrics: TextMetrics,
    page_rows: int,
) -> list[Region]:
    """Coloured ink that is not a stamp: a pen or pencil, judged like black handwriting."""
    found = []
    for group in pens:
        region = classify_cluster(group, metrics=metrics, text_rows=text_rows, page_rows=page_rows)
        if region is not None:
            found.append(region)
    return found


def _rank(region: Region) -> int:
    # Signature and handwriting are one family: a signature absorbs handwriting it overlaps.
    return IMAGE_TYPES.index(region.type) if region.type in IMAGE_TYPES else len(IMAGE_TYPES)


def resolve(regions: Sequence[Region], *, min_overlap: float = MERGE_OVERLAP) -> list[Region]:
    """Merge same-type regions overlapping more than ``min_overlap`` (of the smaller box); drop a
    region lying more than ``min_overlap`` inside a higher-ranked one (stamp > signature >
    handwriting > unrecognised ink), unless both are coloured with different inks (a blue number
    written into a violet stamp is a find of its own). Highest rank and score first."""
    ordered = sorted(regions, key=lambda r: (_rank(r), -r.score))
    kept: list[Region] = []
    for region in ordered:
        family = (
            {SIGNATURE, HANDWRITING} if region.type in (SIGNATURE, HANDWRITING) else {region.type}
        )
        same = [r for r in kept if r.type in family]
        if any(
            _inside(region, r) > min_overlap and not _own_find(region, r)
            for r in kept
            if r.type not in family
        ):
            continue
        # (a region of ``same`` is one of ``kept`` whose type is in the family)
        kept = [r for r in kept if r.type not in family] + _merged_into(
            same, region, min_overlap=min_overlap
        )
    return sorted(kept, key=lambda r: (_rank(r), -r.score, r.box.top, r.box.left))


def _merged_into(same: list[Region], region: Region, *, min_overlap: float) -> list[Region]:
    """``merge_overlapping([*same, region])`` for a ``same`` that merge_overlapping made: none of
    its pairs merges, so only a pair with ``region`` can start a merge (most regions overlap
    nothing: the pairwise search is skipped)."""
    if not any(
        same_family(r, region)
        and not (r.colour and region.colour and r.colour != region.colour)
        and overlap(r.box, region.box) > min_overlap
        for r in same
    ):
        return [*same, region]
    return merge_overlapping([*same, region], min_overlap=min_overlap, types_equal=same_family)


def _inside(region: Region, other: Region) -> float:
    return intersection(region.box, other.box) / max(region.area, 1)


def _own_find(a: Region, b: Region) -> bool:
    """Is ``a`` a find of its own inside ``b``: a pen mark in another ink than the stamp ``b``
    (black is an ink too: a coloured stamp's ink is gone from the OCR image, a black stamp is all
    the OCR image has), other ink of another colour, or a number written into the stamp (see
    :func:`ocr.detect.handwriting.handwriting_in_stamps`)?"""
    if a.in_stamp:
        return True
    if a.type in (SIGNATURE, HANDWRITING) and b.type == STAMP:
        return a.colour != b.colour
    return bool(a.colour and b.colour and a.colour != b.colour)
