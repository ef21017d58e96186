"""Publish a finished document: its searchable PDF/A and its METS, beside its other outputs."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ocr import __version__
from ocr.load import ScanInfo
from ocr.publish.mets import MetsAgent, MetsDocument, MetsFile, write_mets
from ocr.publish.pdf import PdfPage, write_pdf
from ocr.publish.pdfa import DocumentInfo
from ocr.results import Published
from ocr.settings import FLAG_SETTINGS, OCR_SETTINGS, PREPROCESS_SETTINGS
from ocr.tesseract import read_words

if TYPE_CHECKING:
    from ocr.results import RecognisedPage
    from ocr.settings import Settings

MIMETYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tiff": "image/tiff",
}
CREATOR = f"archival-ocr {__version__}"


def pdf_pages(pages: Sequence[RecognisedPage]) -> Iterator[PdfPage]:
    """The pages' words and frames, read one page at a time."""
    for p in pages:
        yield PdfPage(
            number=p.job.page_number, dpi=p.prepared.dpi, words=tuple(read_words(p.ocr.tsv))
        )


def document_info(
    scan: ScanInfo, pages: Sequence[RecognisedPage], *, created: datetime, reviewed: bool = False
) -> DocumentInfo:
    """Title, tool and a one-line subject saying what the text layer is."""
    ocr = pages[0].ocr if pages else None
    what = "reviewed text" if reviewed else "OCR text"
    engine = f"tesseract {ocr.tesseract_version} ({ocr.languages})" if ocr else "tesseract"
    return DocumentInfo(
        title=scan.document,
        creator_tool=CREATOR,
        created=created,
        subject=f"{scan.path.name}: scans with the {what} of {engine}",
    )


def agents(pages: Sequence[RecognisedPage], settings: Settings) -> tuple[MetsAgent, ...]:
    """archival-ocr with the settings that shape its outputs; tesseract with its models."""
    shaping = settings.fingerprint(*PREPROCESS_SETTINGS, *OCR_SETTINGS, *FLAG_SETTINGS)
    out = [MetsAgent(CREATOR, "CREATOR", tuple(f"{k}={v}" for k, v in sorted(shaping.items())))]
    if pages:
        o = pages[0].ocr
        models = ", ".join(f"{lang}.traineddata sha256:{h}" for lang, h in o.traineddata.items())
        out.append(
            MetsAgent(
                f"tesseract {o.tesseract_version}",
                "recognition/text-recognition",
                (f"languages={o.languages}", f"psm={o.psm}", f"oem={o.oem}", models),
            )
        )
    return tuple(out)


def mets_files(scan: ScanInfo, pages: Sequence[RecognisedPage], pdf: Path | None) -> list[MetsFile]:
    """The source scan, each page's view image, ALTO and PAGE-XML, and the document PDF."""
    whole = None if scan.page_count > 1 else (pages[0].job.page_number if pages else None)
    files = [
        MetsFile("MASTER", scan.path, MIMETYPES.get(scan.kind, "application/octet-stream"), whole)
    ]
    for p in pages:
        n = p.job.page_number
        files.append(MetsFile("DEFAULT", p.prepared.view_path, "image/jpeg", n))
        if (alto := p.ocr.outputs.get("alto")) is not None:
            files.append(MetsFile("FULLTEXT", alto, "application/xml", n))
        if p.page_xml is not None:
            files.append(MetsFile("PAGE", p.page_xml, "application/xml", n))
    if pdf is not None:
        files.append(MetsFile("DOWNLOAD", pdf, "application/pdf"))
    return files


def publish_document(
    scan: ScanInfo, pages: Sequence[RecognisedPage], *, out_dir: Path, settings: Settings
) -> Published:
    """Write ``<document>.pdf`` (PDF/A-2b: the original scans, the OCR words as invisible text)
    and ``<document>.mets.xml``, as ``settings.publish`` asks. A failure is reported in the
    record, never raised: the document's other results stand."""
    start = time.perf_counter()
    pages = sorted(pages, key=lambda p: p.job.page_number)
    if not pages or not settings.publish:
        return Published(None, None)
    created = datetime.now(UTC).replace(microsecond=0)
    pdf_path = mets_path = None
    written = None
    try:
        if "pdf" in settings.publish:
            written = write_pdf(
                out_dir / f"{Path(scan.document).name}.pdf",
                scan,
                pdf_pages(pages),
                info=document_info(scan, pages, created=created),
                max_pixels=settings.max_pixels,
            )
            pdf_path = written.path
        if "mets" in settings.publish:
            doc = MetsDocument(
                scan.document,
                tuple(p.job.page_number for p in pages),
                tuple(mets_files(scan, pages, pdf_path)),
                agents(pages, settings),
                created,
                {p.job.page_number: [asdict(s) for s in p.prepared.steps] for p in pages},
            )
            mets_path = write_mets(out_dir / f"{Path(scan.document).name}.mets.xml", doc)
    except Exception as e:  # noqa: BLE001 - publishing never costs the document its results
        return Published(
            pdf_path,
            mets_path,
            seconds=time.perf_counter() - start,
            error=f"{scan.path}: could not publish: {type(e).__name__}: {e}",
        )
    return Published(
        pdf_path,
        mets_path,
        written.pages if written else 0,
        written.size_bytes if written else 0,
        written.source_bytes_pages if written else 0,
        time.perf_counter() - start,
    )
