"""The records pages and documents pass between the stages: jobs, pages, failures, results."""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr.exceptions import ExitCode, OcrError, OcrWarning
from ocr.flag import Flag
from ocr.geometry import PageGeometry
from ocr.inkcolour import NEUTRAL, InkColour
from ocr.load import ScanInfo
from ocr.page_checks import PageWarning
from ocr.readings import ORIGINAL, PROCESSED, ChoiceRecord, ReadingInput
from ocr.records import ProcessingStep
from ocr.score import PageScore, TextScore
from ocr.tesseract import OcrOutput
from ocr.textio import ReferenceText


@dataclass(frozen=True)
class PageJob:
    """One page to process: which scan, which page, which languages, where outputs go."""

    scan: ScanInfo
    page_number: int
    languages: str
    out_dir: Path

    @property
    def stem(self) -> str:
        return f"p{self.page_number:03d}"

    @property
    def label(self) -> str:
        return f"page {self.page_number} of {self.scan.document}"


@dataclass(frozen=True)
class PreparedPage:
    """A loaded and preprocessed page, written to disk: the view image (the page as loaded,
    which review shows and every output box refers to) and the OCR input (the page deskewed
    and cropped to its paper: the OCR frame, mapped to the view by ``geometry``)."""

    job: PageJob
    image_sha256: str
    rows: int  # of the page as loaded (the view image)
    cols: int
    dpi: int
    view_path: Path
    ocr_input_path: Path
    skew_degrees: float
    ink_fraction: float
    steps: tuple[ProcessingStep, ...]
    geometry: PageGeometry
    ocr_input_sha256: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False
    original_input_path: Path | None = None  # the page as loaded, as stock tesseract reads it
    original_dpi: int | None = None  # None: the file's own resolution
    ink_blobs: int = 0  # letter-sized blobs of ink (measured on a shrunk copy)
    paper_share: float = 1.0  # the page's paper (the OCR frame) over the whole scan
    text_ink: InkColour = NEUTRAL  # the typed text's own ink colour

    def reading_sources(self, mode: str = "auto") -> list[ReadingInput]:
        """The images to read, first one first: the page as loaded then the processed page
        ("auto"), or just one of them ("original", "processed")."""
        processed = ReadingInput(PROCESSED, self.ocr_input_path, self.geometry, self.dpi)
        if self.original_input_path is None or mode == "processed":
            return [processed]
        original = ReadingInput(
            ORIGINAL,
            self.original_input_path,
            PageGeometry.identity(self.rows, self.cols),
            self.original_dpi,
        )
        return [original] if mode == "original" else [original, processed]


@dataclass(frozen=True)
class RecognisedPage:
    """A page after OCR: output paths, text and confidence summary."""

    prepared: PreparedPage
    ocr: OcrOutput
    page_xml: Path | None
    mean_confidence: float | None
    word_count: int
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False
    choice: ChoiceRecord | None = None  # which reading was kept and why
    warnings: tuple[PageWarning, ...] = ()
    stamp_reads: int = 0  # tesseract calls on stamp crops
    processing_steps: tuple[ProcessingStep, ...] = ()  # making the processed page, if read

    @property
    def steps(self) -> tuple[ProcessingStep, ...]:
        """Every step that made the page's images: the framing, then the processing if any."""
        return self.prepared.steps + self.processing_steps

    @property
    def tesseract_calls(self) -> int:
        return (self.choice.tesseract_calls if self.choice else 1) + self.stamp_reads

    @property
    def job(self) -> PageJob:
        return self.prepared.job


@dataclass(frozen=True)
class PageFailure:
    """Why a page (or a whole file, page 0) was not processed; the batch goes on."""

    document: str
    source: Path
    page_number: int
    stage: str
    kind: str
    message: str
    exit_code: int

    @classmethod
    def from_error(
        cls, error: BaseException, *, document: str, source: Path, page_number: int, stage: str
    ) -> PageFailure:
        if isinstance(error, OcrError):
            return cls(
                document, source, page_number, stage, error.kind, str(error), int(error.exit_code)
            )
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        return cls(
            document,
            source,
            page_number,
            stage,
            type(error).__name__,
            f"{source}: unexpected error: {detail}",
            int(ExitCode.other_error),
        )


@dataclass(frozen=True)
class Published:
    """What publishing a document wrote (paths are None when not asked for or not written)."""

    pdf: Path | None
    mets: Path | None
    pdf_pages: int = 0
    pdf_bytes: int = 0
    pdf_source_bytes_pages: int = 0
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True)
class DocumentResult:
    """Everything a finished document produced."""

    scan: ScanInfo
    languages: str
    pages: tuple[RecognisedPage, ...]
    failures: tuple[PageFailure, ...]
    reference: ReferenceText | None
    score: TextScore | None
    page_scores: tuple[PageScore, ...]
    flags: tuple[Flag, ...]
    text_path: Path
    report_path: Path
    warnings: tuple[OcrWarning, ...] = ()
    correction: dict[str, Any] | None = None  # apply mode: the corrected OCR and its changes
    published: Published | None = None  # the document's PDF/A and METS
    seconds: dict[str, float] = field(default_factory=dict)  # ocr.timing.DOCUMENT_STAGES
