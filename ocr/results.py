"""The records pages and documents pass between the stages: jobs, pages, failures, results."""

from __future__ import annotations

import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
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
from ocr.timing import CpuSeconds


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
    number_reads: int = 0  # tesseract calls on margin lines read again as page numbers
    processing_steps: tuple[ProcessingStep, ...] = ()  # making the processed page, if read
    cpu: CpuSeconds | None = None  # the page's CPU in its worker (None: not measured)

    @property
    def steps(self) -> tuple[ProcessingStep, ...]:
        """Every step that made the page's images: the framing, then the processing if any."""
        return self.prepared.steps + self.processing_steps

    @property
    def tesseract_calls(self) -> int:
        first = self.choice.tesseract_calls if self.choice else 1
        return first + self.stamp_reads + self.number_reads

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
class CorrectionChange:
    """One change apply mode made to the OCR text: where, what, to what, its posterior."""

    start: int
    end: int
    original: str
    replacement: str
    score: float
    kind: str


@dataclass(frozen=True)
class Correction:
    """Apply mode's corrected OCR of a document: its file, the threshold, every change and,
    with a reference, the CER before and after."""

    path: str
    threshold: float
    changes: tuple[CorrectionChange, ...]
    cer_before: float | None = None
    cer_after: float | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "threshold": self.threshold,
            "changes": [asdict(c) for c in self.changes],
        }
        if self.cer_before is not None or self.cer_after is not None:
            out |= {"cer_before": self.cer_before, "cer_after": self.cer_after}
        return out


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
    correction: Correction | None = None  # apply mode: the corrected OCR and its changes
    published: Published | None = None  # the document's PDF/A and METS
    seconds: dict[str, float] = field(default_factory=dict)  # ocr.timing.DOCUMENT_STAGES
    cpu: CpuSeconds | None = None  # finishing's CPU in the main process


# --- the batch summary ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    """A document's line in the batch summary (and the batch index)."""

    document: str
    pages: int
    cer: float | None
    wer: float | None
    flags: int | None
    report: str
    text: str | None = None
    pdf: str | None = None
    mets: str | None = None


@dataclass(frozen=True)
class FailureRow:
    """A page or file that failed, as the batch summary lists it."""

    document: str
    page: int
    stage: str
    kind: str
    message: str
    exit_code: int


@dataclass(frozen=True)
class EmptyPage:
    """A page with ink on which (almost) no text was read."""

    document: str
    page: int
    message: str


@dataclass(frozen=True)
class WarningRow:
    """A batch warning (no reference, an encoding guessed, ...), as the batch summary lists it."""

    kind: str
    message: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)


JsonNumber = float | str | None  # a JSON-safe number: inf and nan as strings (ocr.report._num)


def _pair(values: Sequence[JsonNumber] | None) -> tuple[JsonNumber, JsonNumber] | None:
    return (values[0], values[1]) if values is not None else None


@dataclass(frozen=True)
class ProfileFigures:
    """Texts' figures under one scoring profile: micro CER/WER, the sums they come from,
    bootstrap intervals and the spread (min/median/max) of the per-text figures."""

    cer: JsonNumber
    wer: JsonNumber
    char_errors: int
    char_total: int
    word_errors: int
    word_total: int
    cer_interval: tuple[JsonNumber, JsonNumber] | None
    wer_interval: tuple[JsonNumber, JsonNumber] | None
    cer_spread: dict[str, JsonNumber] | None
    wer_spread: dict[str, JsonNumber] | None

    def as_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("cer_interval", "wer_interval", "cer_spread", "wer_spread"):
            value = out[name]
            out[name] = None if value is None else (dict(value) if "spread" in name else [*value])
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProfileFigures:
        spreads = {k: dict(data[k]) if data.get(k) else None for k in ("cer_spread", "wer_spread")}
        return cls(
            cer=data.get("cer"),
            wer=data.get("wer"),
            char_errors=data.get("char_errors", 0),
            char_total=data.get("char_total", 0),
            word_errors=data.get("word_errors", 0),
            word_total=data.get("word_total", 0),
            cer_interval=_pair(data.get("cer_interval")),
            wer_interval=_pair(data.get("wer_interval")),
            **spreads,
        )


@dataclass(frozen=True)
class ScoredText:
    """A scored text (a document, a file pair) in the figures: its report and its scores per
    profile (each a score's JSON, docs/report-schema.md)."""

    document: str
    report_html: str | None
    scores: dict[str, dict[str, Any] | None]

    def as_json(self) -> dict[str, Any]:
        return {"document": self.document, "report_html": self.report_html, "scores": self.scores}


@dataclass(frozen=True)
class BatchScoring:
    """Figures over a set of scored texts (a batch's documents, ``ocr score``'s file pairs):
    the bootstrap's settings, the profiles, the figures per profile and each text's scores."""

    unit: str
    units: int
    resamples: int
    seed: int
    level: float
    profiles: tuple[dict[str, Any], ...]
    figures: dict[str, ProfileFigures]
    documents: tuple[ScoredText, ...]

    def as_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["profiles"] = [dict(p) for p in self.profiles]
        out["figures"] = {name: fig.as_json() for name, fig in self.figures.items()}
        out["documents"] = [d.as_json() for d in self.documents]
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchScoring:
        rows = {
            "profiles": tuple(dict(p) for p in data["profiles"]),
            "figures": {k: ProfileFigures.from_json(v) for k, v in data["figures"].items()},
            "documents": tuple(ScoredText(**d) for d in data["documents"]),
        }
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names} | rows)


@dataclass(frozen=True)
class BatchSummary(Mapping[str, Any]):
    """A batch's figures, for the database, the CLI, the batch index and the Prefect artifacts;
    ``scoring`` holds the per-profile figures, intervals and spreads (docs/report-schema.md).
    Read as a mapping it is its JSON (:meth:`as_json`), as stored with the run."""

    run_id: str
    status: str
    pages_done: int
    pages_failed: int
    seconds: float
    cer: float | None
    wer: float | None
    flags: dict[str, int]
    documents: tuple[DocumentRow, ...]
    failures: tuple[FailureRow, ...]
    warnings: tuple[WarningRow, ...]
    skipped: tuple[str, ...]
    cached_pages: int
    stage_seconds: dict[str, float]
    scoring: BatchScoring | None = None
    empty_pages: int = 0
    empty_page_list: tuple[EmptyPage, ...] = ()
    cpu_seconds: dict[str, float] | None = None  # ocr.batch.batch_cpu

    def figures(self, profile: str) -> ProfileFigures | None:
        """The batch's figures under one scoring profile (cer, wer, cer_interval, ...), if any."""
        return self.scoring.figures.get(profile) if self.scoring is not None else None

    def as_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("documents", "failures", "empty_page_list"):
            out[name] = [asdict(row) for row in out[name]]
        out["warnings"] = [w.as_json() for w in self.warnings]
        out["skipped"] = list(self.skipped)
        out["scoring"] = self.scoring.as_json() if self.scoring is not None else None
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BatchSummary:
        """The summary from its JSON (a flow run's result, a stored run)."""
        rows = {
            "documents": tuple(DocumentRow(**d) for d in data["documents"]),
            "failures": tuple(FailureRow(**f) for f in data["failures"]),
            "empty_page_list": tuple(EmptyPage(**e) for e in data.get("empty_page_list", [])),
            "warnings": tuple(WarningRow(**w) for w in data.get("warnings", [])),
            "skipped": tuple(data.get("skipped", [])),
            "scoring": BatchScoring.from_json(data["scoring"]) if data.get("scoring") else None,
        }
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names} | rows)

    def __getitem__(self, key: str) -> Any:
        return self.as_json()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_json())

    def __len__(self) -> int:
        return len(fields(self))
