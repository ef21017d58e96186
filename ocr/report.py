"""Reports of a finished document: the JSON report (and, with issue 3, HTML pages)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ocr import __version__
from ocr.fsutil import atomic_write_text
from ocr.score import TextScore

if TYPE_CHECKING:
    from ocr.pipeline import DocumentResult, PageScore, RecognisedPage


def write_document_reports(result: DocumentResult) -> None:
    """Write report.json for a finished document (atomically)."""
    atomic_write_text(result.report_path, dumps_json(document_report(result)))


def _num(value: float | None) -> float | str | None:
    """JSON-safe number: inf becomes the string 'Infinity' (strict JSON has no infinities)."""
    if value is None:
        return None
    if math.isinf(value):
        return "Infinity"
    return round(value, 6)


def score_json(score: TextScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {"cer": _num(score.cer), "wer": _num(score.wer), "char_errors": score.char_errors,
            "char_total": score.char_total, "word_errors": score.word_errors,
            "word_total": score.word_total}


def document_report(result: DocumentResult) -> dict[str, Any]:
    """The JSON report of one document."""
    return {
        "document": result.scan.document, "source": str(result.scan.path),
        "source_sha256": result.scan.sha256, "page_count": result.scan.page_count,
        "languages": result.languages,
        "reference": ({"path": str(result.reference.path), "encoding": result.reference.encoding}
                      if result.reference else None),
        "score": score_json(result.score),
        "pages": [_page_json(p, result.page_scores) for p in result.pages],
        "flags": [f.as_json() for f in result.flags],
        "failures": [asdict(f) | {"source": str(f.source)} for f in result.failures],
        "warnings": list(result.warnings), "text": str(result.text_path),
    }


def _page_json(page: RecognisedPage, page_scores: Sequence[PageScore]) -> dict[str, Any]:
    ps = next((s for s in page_scores if s.page_number == page.job.page_number), None)
    return {
        "page": page.job.page_number, "image_sha256": page.prepared.image_sha256,
        "size": [page.prepared.rows, page.prepared.cols], "dpi": page.prepared.dpi,
        "skew_degrees": round(page.prepared.skew_degrees, 3),
        "mean_confidence": _num(page.mean_confidence), "words": page.word_count,
        "score": score_json(ps.score) if ps else None,
        "differences": [{"ref": s.ref_text, "ocr": s.ocr_text, "kind": s.kind}
                        for s in (ps.score.spans if ps else [])],
        "outputs": page_outputs(page),
        "steps": [asdict(s) for s in page.prepared.steps],
        "provenance": page_provenance(page),
        "seconds": {k: round(v, 3) for k, v in {**page.prepared.seconds, **page.seconds}.items()},
    }


def page_outputs(page: RecognisedPage) -> dict[str, str]:
    out = {fmt: str(p) for fmt, p in page.ocr.outputs.items()}
    out["view"], out["ocr_input"] = str(page.prepared.view_path), str(page.prepared.ocr_input_path)
    if page.page_xml:
        out["page"] = str(page.page_xml)
    return out


def page_provenance(page: RecognisedPage) -> dict[str, Any]:
    return {"tesseract": page.ocr.tesseract_version, "traineddata": page.ocr.traineddata,
            "languages": page.ocr.languages, "psm": page.ocr.psm, "oem": page.ocr.oem,
            "archival-ocr": __version__}


def dumps_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False, default=str) + "\n"
