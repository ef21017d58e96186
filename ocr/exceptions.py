"""One exception hierarchy for the library; exit codes are applied only at the CLI edge."""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Process exit codes of the `ocr` command."""

    ok = 0
    bad_args = 1
    input_file = 2
    missing_dependency = 3
    some_pages_failed = 4
    reference = 5
    ocr_engine = 6
    config = 7
    other_error = 15


class OcrError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = ExitCode.other_error
    message = "unexpected error"

    def __init__(self, message: str | None = None, *, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    @property
    def kind(self) -> str:
        """The error's class name, stored in failure records."""
        return type(self).__name__


class ConfigError(OcrError):
    exit_code = ExitCode.config
    message = (
        "invalid configuration; check the TOML file, OCR_* variables and options (`ocr config`)"
    )


class ArgumentError(OcrError):
    """A path or option given on the command line cannot be used as it is."""

    exit_code = ExitCode.bad_args
    message = "check the command's arguments (`ocr <command> --help`)"


class OutputNotWritableError(ArgumentError):
    message = "cannot write to the output folder; choose another --out or fix its permissions"


class ReferenceFolderError(ArgumentError):
    message = "--gt must name an existing folder of reference transcriptions"


class NoScansError(ArgumentError):
    message = "no scans found (PDF, TIFF, PNG or JPEG); check the path"


class DatabaseNotFoundError(ArgumentError):
    message = "there is no results database there; run `ocr run` first, or check --db / --out"


class ExportConflictError(ArgumentError):
    """Export would replace a file it did not write (another scan's reference, a user's file)."""

    message = "a file export would write already exists and was not written by export"


class InputFileError(OcrError):
    exit_code = ExitCode.input_file
    message = "cannot read this input file"


class CorruptOutputError(InputFileError):
    message = "a file the pipeline wrote is damaged; run the document again to rewrite it"


class ScanNotFoundError(InputFileError):
    message = "no such file or folder; check the path (nothing was processed)"


class NotRegularFileError(InputFileError):
    message = (
        "not a regular file (a FIFO, device, socket or folder); copy the scan to a regular file"
    )


class EmptyFileError(InputFileError):
    message = "the file is empty (0 bytes); re-export or re-download the scan"


class UnsupportedFormatError(InputFileError):
    message = "not a PDF, TIFF, PNG or JPEG image; convert it or remove it from the batch"


class MissingScanError(InputFileError):
    """The scan is not at its path (any more, or on this machine): not a damaged file."""

    message = (
        "the scan is not there (moved or deleted after the batch found it, or not "
        "visible on this machine); put it back and run again; on a cluster, every "
        "worker must see the scans at the same absolute path"
    )


class CorruptImageError(InputFileError):
    message = "the image is corrupt or truncated; re-scan or re-download it"


class CorruptPdfError(InputFileError):
    message = (
        "the PDF is damaged and cannot be rendered; repair it (e.g. `qpdf --repair`) or "
        "re-export it"
    )


class EncryptedPdfError(InputFileError):
    message = "the PDF is encrypted; remove the password (e.g. `qpdf --decrypt`) and run again"


class ImageTooLargeError(InputFileError):
    message = (
        "the page exceeds the pixel limit (decompression-bomb guard); lower --dpi or raise "
        "max_pixels"
    )


class BlankPageError(InputFileError):
    message = (
        "the page is blank (no ink found); nothing to OCR, check the scan if this is unexpected"
    )


class DarkPageError(InputFileError):
    message = (
        "the page is dark all over (no paper to read); nothing to OCR, check the scan "
        "(a failed exposure, a lens cap, a negative)"
    )


class ReferenceError_(OcrError):
    exit_code = ExitCode.reference
    message = "cannot use the reference transcription"


class ReferenceDecodeError(ReferenceError_):
    message = "the reference is not UTF-8, UTF-16, cp1251 or KOI8-R text; re-save it as UTF-8"


class OcrEngineError(OcrError):
    exit_code = ExitCode.ocr_engine
    message = "tesseract failed on this page"


class MissingDependencyError(OcrError):
    exit_code = ExitCode.missing_dependency
    message = "a required program is missing; run `make demo` (it installs everything)"


class TesseractNotFoundError(MissingDependencyError):
    message = (
        "tesseract is not installed or not on PATH; run `make demo` or "
        "`apt-get install tesseract-ocr`"
    )


class PopplerNotFoundError(MissingDependencyError):
    message = (
        "poppler (pdftoppm) is not installed; run `make demo` or `apt-get install poppler-utils`"
    )


class LanguageNotInstalledError(MissingDependencyError):
    message = (
        "a tesseract language is not installed; install e.g. tesseract-ocr-rus or change "
        "`languages`"
    )


class DevPackageMissingError(MissingDependencyError):
    """A development tool (the synthetic-page generator) is not installed with the product."""

    message = (
        "`ocr synth` needs the development package ocr_synth (devtools/synth), which is not "
        "installed; from a checkout run `make setup`, or "
        "`pip install -e '.[dev]' -e devtools/synth`"
    )


class TesseractTimeoutError(OcrEngineError):
    message = "tesseract timed out on this page; raise `ocr_timeout` or check the image"


class TesseractCrashError(OcrEngineError):
    """Tesseract died (killed by the OS, out of memory): may succeed on a retry."""

    message = "tesseract crashed or was killed on this page; it may succeed on a retry"


class SomePagesFailed(OcrError):
    exit_code = ExitCode.some_pages_failed
    message = "some pages failed; see the failure list above and in the database"


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (TesseractCrashError, OSError)
"""Errors worth a retry; everything else is deterministic and quarantined at once."""


class OcrWarning(UserWarning):
    """Base of the warnings the library reports: the run goes on, the message says what to
    check. Carried in results (``DocumentResult.warnings``) as well as shown."""

    message = "check this input"

    def __init__(self, message: str | None = None, *, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if message is not None:
            self.message = message
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def __reduce__(self) -> tuple[object, ...]:  # keep message and path through pickling
        return (_rebuild_warning, (type(self), self.message, self.path))

    @property
    def kind(self) -> str:
        """The warning's class name, stored in reports."""
        return type(self).__name__


def _rebuild_warning(cls: type[OcrWarning], message: str, path: Path | None) -> OcrWarning:
    return cls(message, path=path)


class ReferenceEncodingWarning(OcrWarning):
    message = "the reference is not plain UTF-8; check the decoded text and re-save it as UTF-8"


class NoReferenceWarning(OcrWarning):
    message = "no reference transcription found; the scan is OCRed and flagged, not scored"


class EmptyReferenceWarning(OcrWarning):
    message = (
        "the reference is empty (nothing but blanks or a byte-order mark); the scan is "
        "OCRed and flagged, not scored: transcribe it or remove the file"
    )


class UnmatchedReferenceWarning(OcrWarning):
    message = "this reference matches no scan of the batch; check its name (<scan stem>.txt)"


class NoScansWarning(OcrWarning):
    message = "no scans found (PDF, TIFF, PNG or JPEG); nothing to do"


class EarlierRunCrashedWarning(OcrWarning):
    message = "an earlier run was killed before it finished; it is marked crashed"
