"""The records report.json is written from: a document's report and its pages, field by field."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def doc(meaning: str) -> Any:
    """A field with its meaning, for docs/report-schema.md (scripts/report_schema.py)."""
    return field(metadata={"doc": meaning})


@dataclass(frozen=True)
class ReferenceReport:
    """The reference transcription a document was scored against."""

    path: str = doc("the reference file")
    encoding: str = doc(
        "what `read_reference` detected (`utf-8`, `utf-8-sig`, `utf-16-le`, `cp1251`, "
        "`koi8-r`, ...)"
    )
    format: str = doc("`text`")
    warnings: list[str] = doc("what reading it noticed (mixed encodings, a BOM, ...)")


@dataclass(frozen=True)
class PageReport:
    """One page of a document's report (the scored fields follow when the page was scored)."""

    page: int = doc("1-based page number in the scan")
    image_sha256: str = doc("sha256 of the page's pixels as loaded")
    size: list[int] = doc("`[rows, cols]` of the page as loaded (its view image)")
    dpi: int = doc("resolution of the page as loaded")
    skew_degrees: float = doc("the skew measured and corrected")
    geometry: dict[str, Any] = doc(
        "`{rows, cols, rotation, canvas, crop}`: the page as loaded, rotated by `rotation` "
        "degrees counter-clockwise onto a `canvas` `[rows, cols]`, cropped to `crop` "
        "`[left, top, width, height]`; every box is in the pixels of the page as loaded"
    )
    mean_confidence: float | str | None = doc("tesseract's mean word confidence")
    words: int = doc("words read")
    score: dict[str, Any] | None = doc("strict score of the page (null when not scored)")
    differences: list[dict[str, Any]] = doc("word-level differences `{ref, ocr, kind}`")
    outputs: dict[str, str] = doc("the page's files by format (`view`, `ocr_input`, `tsv`, ...)")
    steps: list[dict[str, Any]] = doc(
        "processing steps `{id, category, description, settings}` (e.g. `recase`, `reletter`: "
        "the page's letter swap and the words it put back, `marks`: a typewriter's mark read "
        "as a letter before a number, put back, `specks`, `junk`, `stamp_words`: a stamp's own "
        "words taken out of the body, kept as its text, `rotated`: words read from text turned "
        "across the page, taken out of the body with their boxes, `foreign`: words read from ink "
        "unlike the page's typing, taken out with their boxes and scores)"
    )
    provenance: dict[str, Any] = doc(
        "versions and settings that made the text, `tesseract_calls`, the `reading` kept "
        "(`original`, `processed`, `mixed`, or `unhinted`: the page as loaded read with no "
        "resolution given, when the first reading's line order ran against its boxes) and "
        "`readings` (why the first was doubtful, why one won, per group of lines when both were "
        "read: `lines`; each line read again alone: `reread`; `order`: why the lines were put in "
        'rows, a typed table read down its columns, or ""; each reading\'s `against_boxes`: the '
        "characters of its lines read after a line below them that they overlap across, when "
        "that makes it doubtful)"
    )
    warnings: list[dict[str, Any]] = doc(
        "typed page warnings `{kind, message, chars, ink_blobs}` (`no_text_on_ink`)"
    )
    seconds: dict[str, float] = doc("seconds per page stage (`load`, `preprocess`, `ocr`, ...)")
    cpu_seconds: dict[str, float] | None = doc(
        "CPU seconds of the page in its worker `{python, tesseract, total}`: the worker "
        "process's own and its tesseract runs' (null where not measured: the Prefect flow)"
    )
    flags: list[int] = doc("indexes into the document's `flags` of this page's flags")
    scored: dict[str, Any] = doc(
        "when scored, merged in: `scores`, `classes`, `confusions`, `lines`, `blocks` (below)"
    )

    def as_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "scored"}
        return out | self.scored


@dataclass(frozen=True)
class DocumentReport:
    """A document's report.json, top level."""

    schema: int = doc("the schema version")
    archival_ocr: str = doc("version that wrote it")
    document: str = doc("the document's name (its scan's path under the batch's folders)")
    source: str = doc("the scan file")
    source_sha256: str = doc("sha256 of the scan file")
    page_count: int = doc("pages in the scan")
    languages: str = doc("tesseract languages, e.g. `rus`")
    reference: ReferenceReport | None = doc("reference (below), or null")
    score: dict[str, Any] | None = doc(
        "strict score of the whole document (null without a reference)"
    )
    scoring: dict[str, Any] | None = doc("all figures (below; null without a reference)")
    pages: list[PageReport] = doc("page (below), one per page recognised")
    flags: list[dict[str, Any]] = doc("review items, most severe first (flag, below)")
    failures: list[dict[str, Any]] = doc(
        "pages or files not processed `{document, source, page_number, stage, kind, message, "
        "exit_code}`"
    )
    warnings: list[Any] = doc("warnings about the document (no reference, its encoding, ...)")
    text: str = doc("the document's OCR text file")
    correction: dict[str, Any] | None = doc(
        'with `correction = "apply"`: the corrected text\'s file, its changes and CER before '
        "and after"
    )
    seconds: dict[str, float] = doc("seconds per stage of this document (below)")
    cpu_seconds: dict[str, float] | None = doc(
        "CPU seconds of the document `{python, tesseract, finish, total}`: its pages' in "
        "their workers, summed, and its finishing in the main process up to the reports "
        "(null where its pages' were not measured)"
    )

    def as_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["reference"] = (
            {f.name: getattr(self.reference, f.name) for f in fields(self.reference)}
            if self.reference is not None
            else None
        )
        out["pages"] = [p.as_json() for p in self.pages]
        return out
