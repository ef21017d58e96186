"""A document's reference transcription: found beside the scans, read, checked."""

from __future__ import annotations

from pathlib import Path

from ocr.exceptions import (
    EmptyFileError,
    EmptyReferenceWarning,
    NoReferenceWarning,
    OcrWarning,
    ReferenceEncodingWarning,
)
from ocr.load import ScanInfo
from ocr.results import PageFailure
from ocr.score import normalise
from ocr.textio import ReferenceText, read_reference


def find_reference(scan: ScanInfo, gt_dir: Path | None) -> Path | None:
    """ground_truth/<identity>.txt (or .gt.txt, the identity keeping the scan's subfolders), else
    <scan stem>.txt or .gt.txt at the top when no other scan of the batch has that stem."""
    if gt_dir is None:
        return None
    rel = Path(scan.document).parent
    names = [
        rel / f"{scan.name}.txt",
        rel / f"{scan.path.stem}.txt",
        rel / f"{scan.path.stem}.gt.txt",
    ]
    if scan.stem_unique:
        names += [Path(f"{scan.path.stem}.txt"), Path(f"{scan.path.stem}.gt.txt")]
    for name in dict.fromkeys(names):
        if (gt_dir / name).is_file():
            return (gt_dir / name).resolve()
    return None


def load_reference(
    scan: ScanInfo, gt_dir: Path | None, failures: list[PageFailure]
) -> tuple[ReferenceText | None, list[OcrWarning]]:
    path = find_reference(scan, gt_dir)
    if path is None:
        return None, [
            NoReferenceWarning(f"no reference in {gt_dir}; OCR without scoring", path=scan.path)
        ] if gt_dir else []
    try:
        ref = read_reference(path)
    except EmptyFileError:
        return None, [EmptyReferenceWarning(path=path)]
    except Exception as e:  # noqa: BLE001 - a bad reference never costs the OCR
        failures.append(
            PageFailure.from_error(
                e, document=scan.document, source=path, page_number=0, stage="reference"
            )
        )
        return None, []
    warnings: list[OcrWarning] = [ReferenceEncodingWarning(w, path=path) for w in ref.warnings]
    if not normalise(ref.text):  # CER is undefined against nothing: OCR and flags only
        return None, [*warnings, EmptyReferenceWarning(path=path)]
    return ref, warnings
