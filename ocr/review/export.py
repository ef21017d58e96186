"""Write reviewed corrections back: a corrected reference, corrected PAGE-XML and a changelog."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from ocr.exceptions import ExportConflictError, OcrError
from ocr.fsutil import atomic_write_bytes, sha256_bytes, sha256_file
from ocr.pagexml import NS, GraphicRegion, build_page_xml
from ocr.publish.reviewed import ReviewedFiles, publish_reviewed
from ocr.review.corrected import corrected_words
from ocr.review.corrected import detected_graphics as detected_graphics  # importable here too
from ocr.review.document import (
    Change,
    OcrPage,
    ReviewedDocument,
    review_document,
)
from ocr.review.models import Decision, ExportedFile
from ocr.score import TextScore
from ocr.store import Document, FlagRow, Page, Store
from ocr.textio import ReferenceText


@dataclass(frozen=True)
class Rescore:
    """CER/WER of the OCR against the reference before and after the review's corrections."""

    document_id: int
    cer_before: float | None
    cer_after: float | None
    wer_before: float | None
    wer_after: float | None
    changes_applied: int


@dataclass(frozen=True)
class DocumentExport:
    """What exporting one document wrote (or why it could not)."""

    document_id: int
    document: str
    run_id: str
    corrected_reference: Path | None
    changelog: Path | None
    page_xml: tuple[Path, ...]
    decisions: int
    applied: int
    not_applied: int
    rescore: Rescore | None
    error: str | None = None
    published: ReviewedFiles | None = None  # the reviewed PDF/A, ALTO and METS
    written: tuple[Path, ...] = ()  # every file written, in order (the published ones too)


def _store(db: Store | str) -> Store:
    return db if isinstance(db, Store) else Store(db)


# --- rescoring --------------------------------------------------------------------------------


def _document_score(reference: ReferenceText, ocr_pages: list[tuple[int, str]]) -> TextScore | None:
    # The pipeline's own page splitting, so "before" equals the figure of the run.
    from ocr.score import score_pages

    return score_pages(reference, ocr_pages)[0]


def score_reviewed(reviewed: ReviewedDocument) -> Rescore:
    """Score the OCR against the original and the corrected reference, as the pipeline scores."""
    doc = reviewed.document
    applied = sum(c.applied for c in reviewed.changes)
    ocr_pages = [(n, reviewed.pages[n].text.text) for n in sorted(reviewed.pages)]
    if reviewed.reference is None or reviewed.corrected_text is None or not ocr_pages:
        return Rescore(doc.id, doc.cer, None, doc.wer, None, applied)
    before = _document_score(reviewed.reference, ocr_pages)
    after = _document_score(replace(reviewed.reference, text=reviewed.corrected_text), ocr_pages)
    return Rescore(
        doc.id,
        before.cer if before else None,
        after.cer if after else None,
        before.wer if before else None,
        after.wer if after else None,
        applied,
    )


def rescore_document(db: Store | str, document_id: int) -> Rescore:
    """CER and WER of a document before and after review (corrected reference, not yet written)."""
    with _store(db).session() as session:
        return score_reviewed(review_document(session, document_id))


# --- corrected PAGE-XML ------------------------------------------------------------------------


def _graphic_texts(xml: bytes, graphics: Sequence[GraphicRegion]) -> bytes:
    """Each GraphicRegion's transcription as a UserAttribute (GraphicRegion has no TextEquiv)."""
    if not any(g.text for g in graphics):
        return xml
    root = ET.fromstring(xml)
    regions = root.iter(f"{{{NS}}}GraphicRegion")
    for region, g in zip(regions, graphics, strict=False):
        if not g.text or any(
            g.text in (el.text or "") + el.get("value", "") for el in region.iter()
        ):
            continue  # empty, or build_page_xml already wrote it
        user = ET.Element(f"{{{NS}}}UserDefined")
        ET.SubElement(
            user, f"{{{NS}}}UserAttribute", name="transcription", type="xsd:string", value=g.text
        )
        coords = region.find(f"{{{NS}}}Coords")
        region.insert(list(region).index(coords) + 1 if coords is not None else 0, user)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def page_xml_path(page: OcrPage) -> Path:
    """<stem>.corrected.page.xml beside the page's OCR outputs."""
    return page.tsv.with_name(f"{page.tsv.name.removesuffix('.tsv')}.corrected.page.xml")


def corrected_page_xml(page: OcrPage, changes: Sequence[Change]) -> bytes:
    """The page's corrected PAGE-XML."""
    mine = [c for c in changes if c.flag.page.page_number == page.number]
    words, graphics = corrected_words(page, mine)
    image = page.view.name if page.view else f"p{page.number:03d}.view.jpg"
    xml = build_page_xml(
        words,
        image_filename=image,
        rows=page.rows,
        cols=page.cols,
        graphics=graphics,
        creator="archival-ocr review",
    )
    return _graphic_texts(xml, graphics)


# --- changelog ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(timespec="seconds")


def _num(value: float | None) -> float | str | None:
    if value is None:
        return None
    return "Infinity" if math.isinf(value) else round(value, 6)


def _change_json(change: Change, raw: str | None) -> dict[str, Any]:
    f, d, loc = change.flag, change.decision, change.located
    where: dict[str, Any] = {"page": f.page.page_number, "box": [f.left, f.top, f.width, f.height]}
    if loc is not None and raw is not None:
        where |= {
            "reference_start": loc.start,
            "reference_end": loc.end,
            "reference_line": raw.count("\n", 0, loc.start) + 1,
            "located_by": loc.method,
        }
    return {
        "flag_id": f.id,
        "decision_id": d.id,
        "where": where,
        "what": {
            "before": d.before_text,
            "after": d.after_text,
            "ocr": f.ocr_text,
            "reference": f.ref_text,
            "action": d.action,
            "reference_changed": change.applied,
        },
        "why": {
            "flag": f.type,
            "category": f.category,
            "reason": f.reason,
            "confidence": f.confidence,
        },
        "who": d.reviewer,
        "when": _iso(d.created_at),
        "note": change.note,
    }


def changelog(
    reviewed: ReviewedDocument,
    *,
    corrected: Path | None,
    page_xml: Sequence[Path],
    rescore: Rescore,
    now: datetime,
) -> dict[str, Any]:
    """What changed, where, why, who and when, for one document."""
    doc, ref = reviewed.document, reviewed.reference
    return {
        "document": doc.name,
        "run_id": doc.run_id,
        "exported_at": _iso(now),
        "reference": str(ref.path) if ref else None,
        "reference_encoding": ref.encoding if ref else None,
        "corrected_reference": str(corrected) if corrected else None,
        "corrected_encoding": "utf-8" if corrected else None,
        "page_xml": [str(p) for p in page_xml],
        "score": {
            "cer_before": _num(rescore.cer_before),
            "cer_after": _num(rescore.cer_after),
            "wer_before": _num(rescore.wer_before),
            "wer_after": _num(rescore.wer_after),
        },
        "decisions": len(reviewed.changes),
        "reference_changes": sum(c.applied for c in reviewed.changes),
        "changes": [_change_json(c, ref.text if ref else None) for c in reviewed.changes],
    }


# --- export ------------------------------------------------------------------------------------


def corrected_path(reference: ReferenceText) -> Path:
    """ground_truth/<stem>.corrected.txt beside the original, which is never written."""
    return reference.path.with_name(f"{reference.path.stem}.corrected.txt")


def changelog_path(reviewed: ReviewedDocument) -> Path:
    """<reference stem>.changes.json beside the reference, else <document>.changes.json beside
    the document's outputs."""
    if reviewed.reference is not None:
        return reviewed.reference.path.with_name(f"{reviewed.reference.path.stem}.changes.json")
    out_dir = Path(reviewed.document.outputs.get("report", ".")).parent
    pages = sorted(reviewed.pages)
    if pages:
        out_dir = reviewed.pages[pages[0]].tsv.parent
    return (out_dir / f"{Path(reviewed.document.name).name}.changes.json").resolve()


def _owned(session: Session, path: Path) -> bool:
    """Whether export wrote this file and nobody changed it since (same content)."""
    row = session.get(ExportedFile, str(path.resolve()))
    return row is not None and path.is_file() and row.sha256 == sha256_file(path)


def check_targets(session: Session, paths: Sequence[Path]) -> None:
    """ExportConflictError if a file to write exists and export did not write it (another
    scan's reference, a file a person edited): nothing is then written."""
    foreign = [p for p in paths if p.exists() and not _owned(session, p)]
    if foreign:
        raise ExportConflictError(
            f"{', '.join(map(str, foreign))} already exist(s) and export did not write it (it "
            "may be another scan's reference or a file someone edited); nothing was written "
            "for this document: move or rename that file, then export again"
        )


def _write(session: Session, path: Path, data: bytes, document_id: int) -> Path:
    atomic_write_bytes(path, data)
    row = session.get(ExportedFile, str(path.resolve()))
    if row is None:
        row = ExportedFile(path=str(path.resolve()))
        session.add(row)
    row.sha256, row.document_id, row.written_at = sha256_bytes(data), document_id, datetime.now(UTC)
    return path


def export_document(
    reviewed: ReviewedDocument, *, session: Session, now: datetime | None = None
) -> DocumentExport:
    """Write one document's corrected reference, corrected PAGE-XML per page and changelog;
    refuse (ExportConflictError) before writing anything if a file export did not write is in
    the way."""
    now = now or datetime.now(UTC)
    doc = reviewed.document
    corrected = None
    if reviewed.reference is not None and reviewed.corrected_text is not None:
        corrected = corrected_path(reviewed.reference)
    pages = {n: page_xml_path(reviewed.pages[n]) for n in sorted(reviewed.pages)}
    log_path = changelog_path(reviewed)
    check_targets(session, [p for p in (corrected, *pages.values(), log_path) if p])
    written = []
    if corrected is not None and reviewed.corrected_text is not None:
        written.append(_write(session, corrected, reviewed.corrected_text.encode(), doc.id))
    for n, path in pages.items():
        xml = corrected_page_xml(reviewed.pages[n], reviewed.changes)
        written.append(_write(session, path, xml, doc.id))
    rescore = score_reviewed(reviewed)
    data = changelog(
        reviewed, corrected=corrected, page_xml=tuple(pages.values()), rescore=rescore, now=now
    )
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    written.append(_write(session, log_path, text.encode(), doc.id))
    applied = sum(c.applied for c in reviewed.changes)
    wanted = sum(c.changes_reference for c in reviewed.changes)
    published = publish_reviewed(reviewed, now=now)
    written += [*published.alto, *(p for p in (published.pdf, published.mets) if p)]
    return DocumentExport(
        doc.id,
        doc.name,
        doc.run_id,
        corrected,
        log_path,
        tuple(pages.values()),
        len(reviewed.changes),
        applied,
        wanted - applied,
        rescore,
        reviewed.reference_error,
        published,
        tuple(written),
    )


def _documents_to_export(
    session: Session, run_id: str | None, document_ids: Sequence[int] | None
) -> list[Document]:
    """Documents with decisions (each document's latest run unless a run or ids are given);
    of several runs of one reference, the newest run's."""
    # By id: PostgreSQL has no equality for JSON columns, so no DISTINCT over whole rows.
    decided = (
        select(Page.document_id)
        .join(FlagRow, FlagRow.page_id == Page.id)
        .join(Decision, Decision.flag_id == FlagRow.id)
        .where(Decision.undone.is_(False))
    )
    stmt = select(Document).where(Document.id.in_(decided))
    if run_id:
        stmt = stmt.where(Document.run_id == run_id)
    if document_ids is not None:
        stmt = stmt.where(Document.id.in_(list(document_ids)))
    if not run_id and document_ids is None:
        stmt = stmt.where(Document.superseded_by.is_(None))
    chosen: dict[str, Document] = {}
    for doc in sorted(session.scalars(stmt), key=lambda d: d.created_at):
        chosen[doc.reference_path or f"#{doc.id}"] = doc  # later runs replace earlier ones
    return sorted(chosen.values(), key=lambda d: d.name)


def export_corrections(
    db: Store | str,
    *,
    run_id: str | None = None,
    document_ids: Sequence[int] | None = None,
    now: datetime | None = None,
) -> list[DocumentExport]:
    """Export every reviewed document (of one run, or the given documents); originals stay as
    they are, and so does every file export did not write."""
    results = []
    with _store(db).session() as session:
        for doc in _documents_to_export(session, run_id, document_ids):
            try:
                with session.begin_nested():
                    results.append(
                        export_document(review_document(session, doc.id), session=session, now=now)
                    )
            except (OSError, OcrError) as e:  # the other documents still export
                error = str(e) if isinstance(e, OcrError) else f"cannot write the corrections: {e}"
                results.append(
                    DocumentExport(
                        doc.id, doc.name, doc.run_id, None, None, (), 0, 0, 0, None, error
                    )
                )
        session.commit()
    return results
