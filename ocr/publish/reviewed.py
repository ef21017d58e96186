"""After review: a PDF/A and ALTO whose text is the reviewed text on the reviewed words' boxes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocr.exceptions import OcrError
from ocr.fsutil import atomic_write_bytes, atomic_write_text, sha256_file
from ocr.load import ScanInfo, inspect_scan, sniff_kind
from ocr.publish.alto import build_alto
from ocr.publish.document import CREATOR, MIMETYPES
from ocr.publish.mets import MetsAgent, MetsDocument, MetsFile, write_mets
from ocr.publish.pdf import PdfPage, write_pdf
from ocr.publish.pdfa import DocumentInfo
from ocr.tesseract import Word

if TYPE_CHECKING:
    from ocr.review.document import OcrPage, ReviewedDocument

_NO_LIMIT = 1 << 40  # the run already checked the scan's size


@dataclass(frozen=True)
class ReviewedFiles:
    """What publishing a review wrote, and what it left alone and why."""

    pdf: Path | None
    mets: Path | None
    alto: tuple[Path, ...]
    notes: tuple[str, ...] = ()


@dataclass
class Ledger:
    """The files this step wrote, with their sha256: a file is rewritten only while it is still
    as this step left it, never one it did not write."""

    path: Path
    files: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Ledger:
        try:
            files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
        except (OSError, ValueError, AttributeError):
            files = {}
        return cls(path, {str(k): str(v) for k, v in files.items()})

    def mine(self, target: Path) -> bool:
        return not target.exists() or self.files.get(target.name) == sha256_file(target)

    def record(self, target: Path) -> Path:
        self.files[target.name] = sha256_file(target)
        return target

    def save(self) -> None:
        atomic_write_text(
            self.path,
            json.dumps(
                {"written_by": "ocr export", "files": self.files}, ensure_ascii=False, indent=2
            )
            + "\n",
        )


def _kept(path: Path) -> str:
    return (
        f"{path} was not written by `ocr export`: kept as it is, the reviewed version not written"
    )


def _prep(page: OcrPage) -> Mapping[str, Any] | None:
    """The page's preprocessing manifest (dpi, the OCR image's size, the steps)."""
    path = page.tsv.with_name(page.tsv.name.removesuffix(".tsv") + ".prep.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and {"dpi", "rows", "cols"} <= data.keys() else None


def _write_alto(page: OcrPage, words: Sequence[Word], ledger: Ledger, now: datetime) -> Path | str:
    path = page.tsv.with_name(page.tsv.name.removesuffix(".tsv") + ".reviewed.alto.xml")
    if not ledger.mine(path):
        return _kept(path)
    image = page.view.name if page.view else f"p{page.number:03d}.view.jpg"
    atomic_write_bytes(
        path,
        build_alto(
            words, page_number=page.number, rows=page.rows, cols=page.cols, image=image, created=now
        ),
    )
    return ledger.record(path)


def _source(reviewed: ReviewedDocument, dpi: int) -> ScanInfo | str:
    """The run's scan, unchanged since the run; else why there is no reviewed PDF."""
    from ocr.review.document import resolve

    doc = reviewed.document
    path = resolve(doc.source_path)
    if path is None or not path.is_file():
        return f"{doc.source_path}: the scan is not there; no reviewed PDF"
    try:
        scan = inspect_scan(path, document=doc.name, dpi=dpi, max_pixels=_NO_LIMIT)
    except OcrError as e:
        return f"{path}: {e}; no reviewed PDF"
    if scan.sha256 != doc.source_sha256:
        return f"{path}: the scan changed since the run; no reviewed PDF"
    return scan


def _write_pdf(
    reviewed: ReviewedDocument,
    words: Mapping[int, Sequence[Word]],
    out_dir: Path,
    ledger: Ledger,
    now: datetime,
) -> Path | str:
    pages = [reviewed.pages[n] for n in sorted(reviewed.pages)]
    preps = {p.number: _prep(p) for p in pages}
    if any(v is None for v in preps.values()):
        return f"{out_dir}: a page's preprocessing manifest is missing; no reviewed PDF"
    scan = _source(reviewed, int(preps[pages[0].number]["dpi"]))  # type: ignore[index]
    if isinstance(scan, str):
        return scan
    path = out_dir / f"{Path(reviewed.document.name).name}.reviewed.pdf"
    if not ledger.mine(path):
        return _kept(path)
    pdf_pages = (
        PdfPage(p.number, int(prep["dpi"]), tuple(words[p.number]))
        for p in pages
        if (prep := preps[p.number]) is not None
    )
    info = DocumentInfo(
        title=reviewed.document.name,
        creator_tool=CREATOR,
        created=now,
        subject=f"{scan.path.name}: scans with the text as decided in review",
    )
    return ledger.record(write_pdf(path, scan, pdf_pages, info=info, max_pixels=_NO_LIMIT).path)


def _write_mets(
    reviewed: ReviewedDocument,
    alto: Mapping[int, Path],
    pdf: Path | None,
    out_dir: Path,
    ledger: Ledger,
    now: datetime,
) -> Path | str:
    """The reviewed METS: the same pages with the reviewed ALTO, corrected PAGE and PDF."""
    from ocr.review.document import resolve

    doc = reviewed.document
    path = out_dir / f"{doc.name}.reviewed.mets.xml"
    if not ledger.mine(path):
        return _kept(path)
    files: list[MetsFile] = []
    source = resolve(doc.source_path)
    if source is not None and source.is_file():
        files.append(
            MetsFile(
                "MASTER", source, MIMETYPES.get(sniff_kind(source), "application/octet-stream")
            )
        )
    for n in sorted(reviewed.pages):
        page = reviewed.pages[n]
        if page.view is not None and page.view.is_file():
            files.append(MetsFile("DEFAULT", page.view, "image/jpeg", n))
        if n in alto:
            files.append(MetsFile("FULLTEXT", alto[n], "application/xml", n))
        corrected = page.tsv.with_name(page.tsv.name.removesuffix(".tsv") + ".corrected.page.xml")
        if corrected.is_file():
            files.append(MetsFile("PAGE", corrected, "application/xml", n))
    if pdf is not None:
        files.append(MetsFile("DOWNLOAD", pdf, "application/pdf"))
    agent = MetsAgent(CREATOR, "CREATOR", (f"review decisions: {len(reviewed.changes)}",))
    mets = MetsDocument(doc.name, tuple(sorted(reviewed.pages)), tuple(files), (agent,), now)
    return ledger.record(write_mets(path, mets))


def publish_reviewed(reviewed: ReviewedDocument, *, now: datetime | None = None) -> ReviewedFiles:
    """``pNNN.reviewed.alto.xml`` per page, ``<document>.reviewed.pdf`` (PDF/A-2b: the original
    scans, the reviewed words as invisible text) and ``<document>.reviewed.mets.xml`` beside the
    run's outputs. A file this step did not write is never overwritten."""
    from ocr.review.corrected import corrected_words

    now = now or datetime.now(UTC).replace(microsecond=0)
    if not reviewed.pages:
        return ReviewedFiles(None, None, (), ("no page outputs to publish",))
    out_dir = reviewed.pages[min(reviewed.pages)].tsv.parent
    ledger = Ledger.load(out_dir / f"{Path(reviewed.document.name).name}.reviewed.json")
    words = {
        n: corrected_words(page, [c for c in reviewed.changes if c.flag.page.page_number == n])[0]
        for n, page in reviewed.pages.items()
    }
    made = {n: _write_alto(reviewed.pages[n], words[n], ledger, now) for n in sorted(words)}
    alto = {n: p for n, p in made.items() if isinstance(p, Path)}
    notes = [m for m in made.values() if isinstance(m, str)]
    try:
        pdf = _write_pdf(reviewed, words, out_dir, ledger, now)
    except Exception as e:  # noqa: BLE001 - the corrections stand without their PDF
        pdf = f"{reviewed.document.source_path}: no reviewed PDF: {type(e).__name__}: {e}"
    notes += [pdf] if isinstance(pdf, str) else []
    pdf_path = pdf if isinstance(pdf, Path) else None
    mets = _write_mets(reviewed, alto, pdf_path, out_dir, ledger, now)
    notes += [mets] if isinstance(mets, str) else []
    ledger.save()
    return ReviewedFiles(
        pdf_path, mets if isinstance(mets, Path) else None, tuple(alto.values()), tuple(notes)
    )
