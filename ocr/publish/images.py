"""Each page's original scan as a PDF image: the source's own bytes if possible, else lossless."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from ocr.load import ScanInfo, load_page
from ocr.publish.frame import (
    Affine,
    pixels_to_user,
    rendered_size,
    rendered_to_user,
)
from ocr.publish.pdfobj import Name, PdfValue

# EXIF orientation -> where the stored image's top-left, +col and +row go when it is shown
# upright, as functions of its stored width and height (PIL's exif_transpose).
_ORIENT = {
    1: lambda w, h: ((0, 0), (1, 0), (0, 1)),
    2: lambda w, h: ((w, 0), (w - 1, 0), (w, 1)),
    3: lambda w, h: ((w, h), (w - 1, h), (w, h - 1)),
    4: lambda w, h: ((0, h), (1, h), (0, h - 1)),
    5: lambda w, h: ((0, 0), (0, 1), (1, 0)),
    6: lambda w, h: ((h, 0), (h, 1), (h - 1, 0)),
    7: lambda w, h: ((h, w), (h, w - 1), (h - 1, w)),
    8: lambda w, h: ((0, w), (0, w - 1), (1, w)),
}
_PASS_FILTERS = frozenset({"/DCTDecode", "/FlateDecode", "/CCITTFaxDecode"})


@dataclass(frozen=True)
class PageImage:
    """A page of the original scan, ready to write: the image XObject's entries and encoded
    bytes, where the image sits (unit square to user space), the page's boxes, and the map
    from the pixels of the page as ocr.load loads it to user space."""

    entries: dict[str, PdfValue]
    data: bytes
    placement: Affine
    media_box: tuple[float, float, float, float]
    to_user: Affine
    loaded_size: tuple[int, int]  # (rows, cols) of the page as ocr.load loads it
    how: str  # "source bytes" or "lossless"
    crop_box: tuple[float, float, float, float] | None = None
    rotate: int = 0
    icc_profile: bytes | None = field(default=None, repr=False)


def _lossless(image: Image.Image) -> tuple[dict[str, PdfValue], bytes]:
    """Flate-encoded pixels (bilevel, gray or RGB), the decoded scan exactly."""
    if image.mode not in ("1", "L", "RGB"):
        if image.mode in ("RGBA", "LA", "P", "PA"):
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image)
        image = image.convert("L" if image.mode in ("I", "I;16", "F") else "RGB")
    space = "DeviceRGB" if image.mode == "RGB" else "DeviceGray"
    bits = 1 if image.mode == "1" else 8
    entries: dict[str, PdfValue] = {
        "ColorSpace": Name(space),
        "BitsPerComponent": bits,
        "Filter": Name("FlateDecode"),
    }
    return entries, zlib.compress(image.tobytes(), 6)


def _image_entries(width: int, height: int, entries: dict[str, PdfValue]) -> dict[str, PdfValue]:
    return {
        "Type": Name("XObject"),
        "Subtype": Name("Image"),
        "Width": width,
        "Height": height,
        **entries,
    }


def _file_page(path: Path, kind: str, number: int, dpi: int) -> PageImage:
    """A JPEG's own bytes (turned by its EXIF orientation on the page); a TIFF or PNG frame
    decoded and Flate-encoded losslessly."""
    with Image.open(path) as img:
        img.seek(number - 1)
        orientation = int(img.getexif().get(274, 1) or 1)
        orientation = orientation if orientation in _ORIENT else 1
        stored_w, stored_h = img.size
        if kind == "jpeg" and img.mode in ("L", "RGB"):
            space = "DeviceGray" if img.mode == "L" else "DeviceRGB"
            entries: dict[str, PdfValue] = {
                "ColorSpace": Name(space),
                "BitsPerComponent": 8,
                "Filter": Name("DCTDecode"),
            }
            data, how = path.read_bytes(), "source bytes"
        else:
            upright = ImageOps.exif_transpose(img) or img
            entries, data = _lossless(upright)
            stored_w, stored_h, orientation, how = *upright.size, 1, "lossless"
    shown = _ORIENT[orientation](stored_w, stored_h)
    cols, rows = (stored_h, stored_w) if orientation >= 5 else (stored_w, stored_h)
    height = rows * 72.0 / dpi
    to_user = pixels_to_user(dpi=dpi, height_points=height)
    # Image space: the unit square, its top-left at (0, 1); one stored pixel is 1/w by 1/h.
    unit = ((0.0, 1.0), (1.0 / stored_w, 1.0), (0.0, 1.0 - 1.0 / stored_h))
    placement = Affine.from_points(unit, [to_user.apply(x, y) for x, y in shown])
    return PageImage(
        _image_entries(stored_w, stored_h, entries),
        data,
        placement,
        (0.0, 0.0, cols * 72.0 / dpi, height),
        to_user,
        (rows, cols),
        how,
    )


def _box(value: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _ctm_of_single_image(page: Any) -> tuple[Any, Affine] | None:
    """The one image a page draws and its matrix, when the page draws nothing else."""
    import pikepdf

    ctm, stack, found = Affine(), [], None
    for instruction in pikepdf.parse_content_stream(page):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = Affine(*(float(v) for v in operands)).then(ctm)
        elif op == "Do" and found is None:
            xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
            image = xobjects.get(str(operands[0])) if len(operands) == 1 else None
            if image is None or image.get("/Subtype") != "/Image":
                return None
            found = (image, ctm)
        else:
            return None
    return found


def _passthrough_entries(image: Any) -> tuple[dict[str, PdfValue], bytes | None] | None:
    """The image's own entries when its bytes can be copied as they are into a PDF/A-2b file."""
    import pikepdf

    filt = image.get("/Filter")
    if isinstance(filt, pikepdf.Array):
        filt = filt[0] if len(filt) == 1 else None
    parms = image.get("/DecodeParms")
    if isinstance(parms, pikepdf.Array):
        parms = parms[0] if len(parms) == 1 else None
    if str(filt) not in _PASS_FILTERS or "/SMask" in image or "/Mask" in image:
        return None
    if image.get("/ImageMask") or int(image.get("/BitsPerComponent", 0)) not in (1, 2, 4, 8):
        return None
    space, profile = image.get("/ColorSpace"), None
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == "/ICCBased":
        if int(space[1].get("/N", 0)) not in (1, 3):
            return None
        profile = bytes(space[1].read_bytes())
    elif str(space) not in ("/DeviceGray", "/DeviceRGB"):
        return None
    entries: dict[str, PdfValue] = {
        "BitsPerComponent": int(image["/BitsPerComponent"]),
        "Filter": Name(str(filt)[1:]),
    }
    if profile is None:
        entries["ColorSpace"] = Name(str(space)[1:])
    if parms is not None:
        entries["DecodeParms"] = {str(k)[1:]: _plain(v) for k, v in parms.items()}
    if "/Decode" in image:
        entries["Decode"] = [float(v) for v in image["/Decode"]]
    return entries, profile


def _plain(value: Any) -> PdfValue:
    """A direct pikepdf scalar as a plain value (decode parameters are numbers and booleans)."""
    if isinstance(value, bool):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return Name(str(value)[1:]) if str(value).startswith("/") else str(value)


def _pdf_page(pdf: Any, scan: ScanInfo, number: int, dpi: int, max_pixels: int) -> PageImage:
    """A PDF page that draws just one image: that image's own bytes, where the page drew it,
    on a page of the same boxes; any other page as ocr.load renders it, Flate-encoded."""
    page = pdf.pages[number - 1]
    media = _box(page.mediabox)
    rotate = int(page.obj.get("/Rotate", 0)) % 360
    crop = _box(page.obj["/CropBox"]) if "/CropBox" in page.obj else None
    to_user = rendered_to_user(media, rotate, dpi=dpi)
    size = rendered_size(media, rotate, dpi=dpi)
    single = _ctm_of_single_image(page)
    copied = _passthrough_entries(single[0]) if single is not None else None
    if single is not None and copied is not None:
        image, ctm = single
        entries, profile = copied
        return PageImage(
            _image_entries(int(image["/Width"]), int(image["/Height"]), entries),
            bytes(image.read_raw_bytes()),
            ctm,
            media,
            to_user,
            size,
            "source bytes",
            crop,
            rotate,
            profile,
        )
    loaded = load_page(scan, number, dpi=dpi, max_pixels=max_pixels)
    rows, cols = loaded.size
    pixels = loaded.image[:, :, ::-1] if loaded.image.ndim == 3 else loaded.image
    entries, data = _lossless(Image.fromarray(pixels))
    flat = (0.0, 0.0, cols * 72.0 / dpi, rows * 72.0 / dpi)
    to_user = pixels_to_user(dpi=dpi, height_points=flat[3])
    return PageImage(
        _image_entries(cols, rows, entries),
        data,
        Affine(flat[2], 0.0, 0.0, flat[3], 0.0, 0.0),
        flat,
        to_user,
        (rows, cols),
        "lossless",
    )


class ScanPages:
    """The pages of one scan as PDF images, one at a time (a PDF is opened once and read lazily)."""

    def __init__(self, scan: ScanInfo, *, max_pixels: int) -> None:
        self.scan = scan
        self.max_pixels = max_pixels
        self._pdf: Any = None

    def page(self, number: int, *, dpi: int) -> PageImage:
        if self.scan.kind != "pdf":
            return _file_page(self.scan.path, self.scan.kind, number, dpi)
        if self._pdf is None:
            import pikepdf

            self._pdf = pikepdf.open(self.scan.path)
        return _pdf_page(self._pdf, self.scan, number, dpi, self.max_pixels)

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


@contextmanager
def scan_pages(scan: ScanInfo, *, max_pixels: int) -> Iterator[ScanPages]:
    """ScanPages, closed after use."""
    pages = ScanPages(scan, max_pixels=max_pixels)
    try:
        yield pages
    finally:
        pages.close()
