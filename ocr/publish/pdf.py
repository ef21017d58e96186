"""One searchable PDF/A-2b per document: the original scans with the words as invisible text."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr.fsutil import file_mode, temp_tag
from ocr.load import ScanInfo
from ocr.publish.images import PageImage, ScanPages, scan_pages
from ocr.publish.pdfa import DocumentInfo, info_dict, write_identification
from ocr.publish.pdfobj import Name, PdfFileWriter, PdfValue, Ref, number
from ocr.publish.textlayer import place_words, text_operators, write_font
from ocr.tesseract import Word


@dataclass(frozen=True)
class PdfPage:
    """One page to publish: its number in the scan, the dpi it was loaded at, and its words
    (boxes in the pixels of the page as loaded)."""

    number: int
    dpi: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class WrittenPdf:
    """A PDF written: where, how many pages, its size, how long it took, how its images came."""

    path: Path
    pages: int
    size_bytes: int
    seconds: float
    source_bytes_pages: int
    lossless_pages: int


def _image_ref(writer: PdfFileWriter, image: PageImage) -> Ref:
    entries = dict(image.entries)
    if image.icc_profile is not None:
        channels = 1 if image.icc_profile[16:20] == b"GRAY" else 3
        profile = writer.add_stream({"N": channels}, image.icc_profile, compress=True)
        entries["ColorSpace"] = [Name("ICCBased"), profile]
    return writer.add_stream(entries, image.data)


def _write_page(
    writer: PdfFileWriter, source: ScanPages, page: PdfPage, *, font: Ref, tree: Ref
) -> tuple[Ref, str]:
    image = source.page(page.number, dpi=page.dpi)
    rows, cols = image.loaded_size
    to_user = image.to_user  # word boxes are in the pixels of the page as loaded (ocr.reframe)
    ops = (
        b"q "
        + b" ".join(number(v) for v in image.placement.as_list())
        + b" cm /Im0 Do Q\n"
        + text_operators(place_words(page.words, to_user), font="F0")
    )
    entries: dict[str, PdfValue] = {
        "Type": Name("Page"),
        "Parent": tree,
        "MediaBox": list(image.media_box),
        "Resources": {"XObject": {"Im0": _image_ref(writer, image)}, "Font": {"F0": font}},
        "Contents": writer.add_stream({}, ops, compress=True),
    }
    if image.crop_box is not None:
        entries["CropBox"] = list(image.crop_box)
    if image.rotate:
        entries["Rotate"] = image.rotate
    return writer.add(entries), image.how


def _write_body(
    writer: PdfFileWriter,
    scan: ScanInfo,
    pages: Iterable[PdfPage],
    *,
    info: DocumentInfo,
    max_pixels: int,
) -> list[str]:
    """Every object of the file; returns how each page's image came."""
    font = write_font(writer)
    metadata, intent = write_identification(writer, info)
    tree = writer.reserve()
    kids: list[Ref] = []
    hows: list[str] = []
    with scan_pages(scan, max_pixels=max_pixels) as source:
        for page in pages:
            ref, how = _write_page(writer, source, page, font=font, tree=tree)
            kids.append(ref)
            hows.append(how)
    if not kids:
        raise ValueError("a PDF needs at least one page")
    writer.add({"Type": Name("Pages"), "Kids": kids, "Count": len(kids)}, ref=tree)
    catalog = writer.add(
        {"Type": Name("Catalog"), "Pages": tree, "Metadata": metadata, "OutputIntents": [intent]}
    )
    file_id = hashlib.md5(
        f"{scan.sha256} {info.title} {info.created.isoformat()}".encode(), usedforsecurity=False
    ).digest()
    writer.close({"Root": catalog, "Info": writer.add(info_dict(info)), "ID": [file_id, file_id]})
    return hows


def write_pdf(
    path: Path, scan: ScanInfo, pages: Iterable[PdfPage], *, info: DocumentInfo, max_pixels: int
) -> WrittenPdf:
    """Write the document's PDF/A-2b page by page (``pages`` may be a generator: one page's
    image and words are in memory at a time) to a temp file, then rename it into place."""
    start = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{temp_tag()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            hows = _write_body(PdfFileWriter(fh), scan, pages, info=info, max_pixels=max_pixels)
            fh.flush()
            os.fchmod(fh.fileno(), file_mode())  # as any new file under the umask, not 0600
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return WrittenPdf(
        path,
        len(hows),
        path.stat().st_size,
        time.perf_counter() - start,
        hows.count("source bytes"),
        hows.count("lossless"),
    )


def page_texts(words_per_page: Sequence[Sequence[Word]]) -> str:
    """The text a PDF's text layer holds, as ocr.tesseract joins words (for checks)."""
    from ocr.tesseract import words_to_text

    return "\f".join(words_to_text(list(words)).text for words in words_per_page)
