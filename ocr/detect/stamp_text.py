"""A stamp's own text: its crop with other ink suppressed, read by tesseract apart from the page."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from ocr.detect.regions import Region, clip_box, grow_box
from ocr.detect.stamps import HUE_BANDS, hue_of_pixels
from ocr.exceptions import OcrError
from ocr.imaging import png_list_file, write_png
from ocr.preprocess import colour_ink_mask, rotate, to_gray
from ocr.tesseract import Word, run_ocr

CROP_MARGIN = 10  # px: a stamp's polygon is fitted to its ink; keep the edge strokes whole


def _colour_ink(crop: np.ndarray, colour: str) -> np.ndarray:
    """Boolean mask of the crop's pixels in the stamp's own ink colour (other inks left out)."""
    mask = colour_ink_mask(crop)
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return mask
    hue = hue_of_pixels(crop, rows, cols)
    keep = np.zeros(rows.size, dtype=bool)
    for name, low, high in HUE_BANDS:
        if name == colour:
            keep |= (hue >= low) & (hue < high)
    out = np.zeros(mask.shape, dtype=bool)
    out[rows[keep], cols[keep]] = True
    return out


def _outline_mask(
    shape: tuple[int, int], region: Region, *, left: int, top: int, margin: int
) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    points = np.asarray(region.polygon, dtype=np.int32).reshape(-1, 1, 2) - np.array(
        [left, top], dtype=np.int32
    )
    cv2.fillPoly(mask, [points], 1)
    cv2.polylines(mask, [points], True, 1, thickness=2 * margin + 1)
    return mask > 0


def tilt_degrees(region: Region) -> float:
    """The tilt of a four-cornered outline's top edge (-45..45 degrees, counter-clockwise positive
    on screen); 0 for round or irregular outlines, whose tilt the outline does not tell."""
    if len(region.polygon) != 4:
        return 0.0
    (x0, y0), (x1, y1) = region.polygon[0], region.polygon[1]
    angle = float(np.degrees(np.arctan2(-(y1 - y0), x1 - x0)))
    return (angle + 45.0) % 90.0 - 45.0


def _level(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by ``degrees`` clockwise-undoing the tilt, on a grown white canvas."""
    if abs(degrees) < 0.5:
        return gray
    return rotate(gray, -degrees, border_value=255)


def remove_and_crop_stamp(
    view_image: np.ndarray, region: Region, *, margin: int = CROP_MARGIN, words: Sequence[Word] = ()
) -> np.ndarray:
    """The stamp's crop as a gray image (ink dark on white) with non-stamp ink suppressed.

    A coloured stamp (``region.colour`` set, colour ``view_image``) keeps only pixels of its own
    ink, drawn black, so typed text and pen marks of other colours vanish. A stamp on a grey scan
    keeps the gray values inside its outline, paper outside; ``words`` (e.g. confident OCR words)
    are painted out too, which removes typing over the stamp at the cost of the stamp letters
    under it. A rectangular stamp is turned level (tesseract reads tilted lines poorly).
    """
    rows, cols = view_image.shape[:2]
    box = clip_box(grow_box(region.box, margin), rows=rows, cols=cols)
    crop = view_image[box.top : box.bottom, box.left : box.right]
    inside = _outline_mask(crop.shape[:2], region, left=box.left, top=box.top, margin=margin)
    if region.colour and region.colour != "black" and crop.ndim == 3:
        ink = _colour_ink(crop, region.colour) & inside
        ink = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
        level = _level(np.where(ink, np.uint8(0), np.uint8(255)), tilt_degrees(region))
        return np.where(level < 128, np.uint8(0), np.uint8(255))  # still bilevel after turning
    out = np.where(inside, to_gray(crop), np.uint8(255))
    for w in words:
        b = w.box
        out[
            max(b.top - box.top, 0) : max(b.bottom - box.top, 0),
            max(b.left - box.left, 0) : max(b.right - box.left, 0),
        ] = 255
    return np.ascontiguousarray(_level(out, tilt_degrees(region)))


def read_stamp_text(
    view_image: np.ndarray,
    region: Region,
    *,
    languages: str = "rus",
    psm: int = 6,
    oem: int = 1,
    dpi: int = 300,
    timeout: float = 60.0,
    words: Sequence[Word] = (),
) -> str:
    """Tesseract's text for the stamp alone (its cleaned crop written to a temporary PNG)."""
    crop = remove_and_crop_stamp(view_image, region, words=words)
    with tempfile.TemporaryDirectory(prefix="ocr-stamp-") as tmp:
        path = Path(tmp) / "stamp.png"
        if not write_png(path, crop):
            return ""
        read = _Read(languages, psm, oem, dpi)
        return read.text(path, Path(tmp) / "stamp", timeout=timeout).strip()


def read_stamp_texts(
    view_image: np.ndarray,
    regions: Sequence[Region],
    *,
    languages: str = "rus",
    psm: int = 6,
    oem: int = 1,
    dpi: int = 300,
    timeout: float = 60.0,
) -> list[str]:
    """Each stamp's text as :func:`read_stamp_text` reads it, all in one tesseract run: the
    cleaned crops are the pages of one list file, which tesseract reads one by one as it reads
    one image (same settings, nothing carried from page to page) in a single process, writing
    their texts one after another, a form feed apart."""
    crops = [remove_and_crop_stamp(view_image, r) for r in regions]
    if not crops:
        return []
    with tempfile.TemporaryDirectory(prefix="ocr-stamps-") as tmp:
        listed = png_list_file(Path(tmp), crops, name="stamps", what="a stamp's crop")
        read = _Read(languages, psm, oem, dpi)
        texts = read.text(listed, Path(tmp) / "stamps", timeout=timeout * len(crops)).split("\f")
    if len(texts) != len(crops):
        raise OcrError(f"tesseract gave {len(texts)} texts for {len(crops)} stamps", path=listed)
    return [t.strip() for t in texts]


@dataclass(frozen=True)
class _Read:
    """How tesseract reads a stamp's crop."""

    languages: str
    psm: int
    oem: int
    dpi: int

    def text(self, source: Path, base: Path, *, timeout: float) -> str:
        """Tesseract's plain text of an image, or of a list file of images (their texts a form
        feed apart)."""
        out = run_ocr(
            source,
            base,
            languages=self.languages,
            psm=self.psm,
            oem=self.oem,
            dpi=self.dpi,
            timeout=timeout,
            formats=["txt"],
        )
        return out.outputs["txt"].read_text(encoding="utf-8")


def with_stamp_texts(
    view_image: np.ndarray, regions: Sequence[Region], *, languages: str, dpi: int, timeout: float
) -> list[Region]:
    """The regions, each stamp with its own text (read in one run for the page; a stamp that
    cannot be read alone then is still a flag, without its text)."""
    stamps = [r for r in regions if r.type == "stamp"]
    try:
        texts = read_stamp_texts(view_image, stamps, languages=languages, dpi=dpi, timeout=timeout)
    except OcrError:  # one stamp spoils the run: read each alone
        texts = [
            _read_alone(view_image, r, languages=languages, dpi=dpi, timeout=timeout)
            for r in stamps
        ]
    told = iter(texts)
    return [_with_text(r, next(told)) if r.type == "stamp" else r for r in regions]


def _read_alone(
    view_image: np.ndarray, region: Region, *, languages: str, dpi: int, timeout: float
) -> str:
    try:
        return read_stamp_text(view_image, region, languages=languages, dpi=dpi, timeout=timeout)
    except OcrError:  # an unreadable stamp is still a flag, just without its text
        return ""


def _with_text(region: Region, text: str) -> Region:
    return replace(
        region,
        reason=region.reason + (f'; it reads "{" / ".join(text.split(chr(10)))}"' if text else ""),
        text=text.strip(),
        stamp_text=text.strip(),
    )
