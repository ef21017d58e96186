"""A document under review: its reference, OCR pages, and each decision located in the reference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from ocr.flag_records import StoredDetail
from ocr.records import Box
from ocr.review.decisions import (
    GRAPHIC_ACTIONS,
    differs,
    has_reference,
    latest_decisions,
    ocr_reading,
    suggested_correction,
)
from ocr.review.errors import NotFoundError
from ocr.review.locate import (
    CONTEXT,
    Located,
    NormalisedText,
    locate,
    normalised_with_offsets,
    splice,
)
from ocr.review.models import Decision
from ocr.store import Document, FlagRow, Page
from ocr.tesseract import OcrText, read_words, words_to_text
from ocr.textio import ReferenceText, read_reference


@dataclass(frozen=True)
class OcrPage:
    """One page's OCR words as the pipeline wrote them, and where its outputs are."""

    number: int
    text: OcrText
    rows: int
    cols: int
    tsv: Path
    view: Path | None
    regions: Path | None = None  # the detected stamps, signatures, handwriting (regions.json)


@dataclass(frozen=True)
class Change:
    """One standing decision and what it does to the reference and the transcription."""

    flag: FlagRow
    decision: Decision
    located: Located | None
    applied: bool
    note: str

    @property
    def changes_reference(self) -> bool:
        return has_reference(self.flag) and differs(
            self.decision.before_text, self.decision.after_text
        )


@dataclass(frozen=True)
class ReviewedDocument:
    """The document, its reference before and after the decisions, and the decisions."""

    document: Document
    reference: ReferenceText | None
    reference_error: str | None
    corrected_text: str | None
    changes: tuple[Change, ...]
    pages: dict[int, OcrPage]


def resolve(stored: str | None) -> Path | None:
    """A path as stored by the pipeline (absolute, or relative to where it ran: the cwd)."""
    return Path(stored).resolve() if stored else None


def load_page(page: Page) -> OcrPage | None:
    """The page's words from its TSV; None if the page failed or its outputs are gone."""
    tsv = resolve((page.outputs or {}).get("tsv"))
    if tsv is None or not tsv.is_file():
        return None
    outputs = page.outputs or {}
    return OcrPage(
        page.page_number,
        words_to_text(read_words(tsv)),
        page.rows or 0,
        page.cols or 0,
        tsv,
        resolve(outputs.get("view")),
        resolve(outputs.get("regions")),
    )


def boxed_word_indexes(text: OcrText, flag: FlagRow) -> list[int]:
    """Words whose centre lies in the flag's box, in reading order."""
    box = Box(flag.left, flag.top, flag.width, flag.height)
    found = []
    for i, w in enumerate(text.words):
        col, row = w.box.left + w.box.width / 2, w.box.top + w.box.height / 2
        if box.left <= col <= box.right and box.top <= row <= box.bottom:
            found.append(i)
    return found


def flag_text(flag: FlagRow) -> str:
    """The OCR text a flag is about: what the OCR read there (a suggested correction's own
    reading, not its suggestion)."""
    return ocr_reading(flag) if suggested_correction(flag) else flag.ocr_text


def flag_word_indexes(text: OcrText, flag: FlagRow) -> list[int]:
    """The flag's own words: the shortest run of consecutive words inside its box that holds
    its text (other words in a large box are not its); a flag without OCR text gets the first
    word of its box (the place before which the OCR read nothing); none if not found."""
    boxed = boxed_word_indexes(text, flag)
    wanted = " ".join(flag_text(flag).split())
    if not wanted:
        return boxed[:1]
    inside = set(boxed)
    best: list[int] = []
    for start in boxed:
        run, joined = [], ""
        for i in range(start, len(text.words)):
            if i not in inside:
                break
            run.append(i)
            joined = f"{joined} {text.words[i].text}".strip()
            if wanted in joined:
                if not best or len(run) < len(best):
                    best = list(run)
                break
    return best


def ocr_context(text: OcrText | None, flag: FlagRow) -> tuple[str, str, str]:
    """The page's OCR text before, at and after the flag (the flag's words found by its box); a
    suggested correction shows what the OCR read there (its suggestion is the flag's text),
    another flag without OCR text the place before its word where the OCR read nothing."""
    suggested = suggested_correction(flag)
    shown = ocr_reading(flag) if suggested else flag.ocr_text
    if text is None:
        return "", shown, ""
    idx = flag_word_indexes(text, flag)
    if not idx:
        return "", shown, ""
    start = text.spans[idx[0]][0]
    end = text.spans[idx[-1]][1] if shown.strip() else start
    if shown.strip() and text.text[start:end] != shown:
        at = text.text.find(shown, start, end)
        if at < 0:  # the words were re-read since: show the flag's own text in their place
            return (
                text.text[max(0, start - CONTEXT) : start],
                shown,
                text.text[end : end + CONTEXT],
            )
        start, end = at, at + len(shown)  # e.g. "млрд. руб" inside "млрд. руб."
    return (
        text.text[max(0, start - CONTEXT) : start],
        text.text[start:end],
        text.text[end : end + CONTEXT],
    )


def _expected(flag: FlagRow, page_count: int) -> float | None:
    rows = flag.page.rows or 0
    if not rows or not page_count:
        return None
    return (flag.page.page_number - 1 + (flag.top + flag.height / 2) / rows) / page_count


def locate_flag(
    norm: NormalisedText, flag: FlagRow, page: OcrPage | None, page_count: int
) -> Located | None:
    """Where the flag's reference span is in the reference text."""
    before, _, after = ocr_context(page.text if page else None, flag)
    detail = StoredDetail.from_json(flag.detail)
    offsets = None
    base, start, end = detail.ref_page_start, detail.ref_start, detail.ref_end
    if base is not None and start is not None and end is not None:  # into the whole reference
        offsets = (base + start, base + end)
    return locate(
        norm,
        ref_text=flag.ref_text,
        before=before,
        after=after,
        ref_before=detail.ref_before,
        ref_after=detail.ref_after,
        offsets=offsets,
        expected=_expected(flag, page_count),
    )


def _read(document: Document) -> tuple[ReferenceText | None, str | None]:
    path = resolve(document.reference_path)
    if path is None:
        return None, None
    try:
        return read_reference(path), None
    except Exception as e:  # noqa: BLE001 - a bad reference is shown to the reviewer, not a crash
        return None, str(e)


def _apply(raw: str, located: list[tuple[int, Located, str]]) -> tuple[str, dict[int, str]]:
    """Splice the decided texts in, last first; overlapping spans after the first are left out."""
    notes: dict[int, str] = {}
    kept: list[tuple[int, Located, str]] = []
    end = -1
    for key, loc, text in sorted(located, key=lambda t: (t[1].start, t[1].end)):
        if loc.start < end:
            notes[key] = "overlaps an earlier change in the reference; not applied"
            continue
        kept.append((key, loc, text))
        end = max(end, loc.end)
    for _, loc, text in reversed(kept):
        raw = splice(raw, loc.start, loc.end, text)
    return raw, notes


def review_document(session: Session, document_id: int) -> ReviewedDocument:
    """Everything decided on a document, with the corrected reference text."""
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"there is no document {document_id}")
    pages = {p.page_number: op for p in document.pages if (op := load_page(p)) is not None}
    flags = {f.id: f for p in document.pages for f in p.flags}
    decisions = latest_decisions(session, list(flags))
    reference, error = _read(document)
    norm = normalised_with_offsets(reference.text) if reference else None
    located: dict[int, Located | None] = {}
    for flag_id, decision in decisions.items():
        flag = flags[flag_id]
        if norm is not None and has_reference(flag) and decision.action != "skip":
            located[flag_id] = locate_flag(
                norm, flag, pages.get(flag.page.page_number), document.page_count
            )
    corrected: str | None = None
    notes: dict[int, str] = {}
    if reference is not None:
        edits = [
            (fid, loc, decisions[fid].after_text)
            for fid, loc in located.items()
            if loc is not None and differs(decisions[fid].before_text, decisions[fid].after_text)
        ]
        corrected, notes = _apply(reference.text, edits)
    changes = tuple(
        _change(flags[fid], d, located.get(fid), notes.get(fid), reference, norm)
        for fid, d in sorted(decisions.items(), key=lambda kv: kv[1].created_at)
    )
    return ReviewedDocument(document, reference, error, corrected, changes, pages)


def _change(
    flag: FlagRow,
    decision: Decision,
    loc: Located | None,
    note: str | None,
    reference: ReferenceText | None,
    norm: NormalisedText | None,
) -> Change:
    edits_ref = has_reference(flag) and differs(decision.before_text, decision.after_text)
    applied = edits_ref and loc is not None and note is None
    note = note or _note(flag, decision, loc, reference is not None, norm is not None, edits_ref)
    if decision.action in GRAPHIC_ACTIONS:
        note += f"; marked as {decision.action} in the PAGE-XML"
    return Change(flag, decision, loc, applied, note)


def _note(
    flag: FlagRow,
    decision: Decision,
    loc: Located | None,
    has_ref: bool,
    mapped: bool,
    edits_ref: bool,
) -> str:
    if decision.action == "skip":
        return "skipped: nothing decided yet"
    if not has_reference(flag):
        return "no span of the reference: the transcription (PAGE-XML) only"
    if not has_ref:
        return "the document has no readable reference"
    if not mapped:
        return "the reference's Unicode composition could not be mapped; not applied"
    if loc is None:
        return "the reference text could not be located; not applied"
    if not edits_ref:
        return "the reference is kept as it is"
    return f"reference changed (located by {loc.method})"


def reference_context(
    session: Session, flag: FlagRow, *, width: int = 160
) -> tuple[str, str, str, str] | None:
    """The reference around the flag's span (before, span, after, how it was found), for review."""
    reference, _ = _read(flag.page.document)
    if reference is None or not has_reference(flag):
        return None
    norm = normalised_with_offsets(reference.text)
    if norm is None:
        return None
    loc = locate_flag(norm, flag, load_page(flag.page), flag.page.document.page_count)
    if loc is None:
        return None
    raw = reference.text
    return (
        raw[max(0, loc.start - width) : loc.start],
        raw[loc.start : loc.end],
        raw[loc.end : loc.end + width],
        loc.method,
    )
