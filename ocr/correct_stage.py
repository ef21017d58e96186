"""Post-OCR correction inside the pipeline: suggestions become review flags; in `apply` mode the
corrected OCR text is written beside the original with every change recorded."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocr.correct_learned import Learned
from ocr.flag import Flag
from ocr.fsutil import atomic_write_text
from ocr.records import Box
from ocr.tesseract import OcrText, read_choices

if TYPE_CHECKING:
    from ocr.correct.choices import CharChoice
    from ocr.correct.layout import Layout


@functools.cache
def _lexicon() -> Any:
    from ocr.correct import default_lexicon

    return default_lexicon()


def _taught(learned: Learned | None) -> dict[str, Any]:
    """The lexicon and confusion table a call uses: the project's, else the shipped ones."""
    if learned is None:
        return {"lexicon": _lexicon(), "confusions": None}
    return {"lexicon": learned.lexicon, "confusions": learned.table}


def russian(languages: str) -> bool:
    return "rus" in languages.split("+")


def known_word_check(languages: str) -> Callable[[str], bool] | None:
    """The lexicon's word test, for telling OCR non-words from reference errors (Russian only)."""
    if not russian(languages):
        return None
    lexicon = _lexicon()
    return lambda word: word.isdigit() or lexicon.is_word(word)


def page_choices(ocr: OcrText, path: Path | None) -> dict[int, CharChoice]:
    """What tesseract said of each character of a page's text, by offset, from the page's
    choices file (ocr.tesseract.run_ocr); empty without one or when it cannot be read."""
    if path is None:
        return {}
    from ocr.correct.choices import text_choices

    try:
        records = read_choices(path)
    except (OSError, ValueError, TypeError):
        return {}
    return text_choices(ocr.spans, [w.text for w in ocr.words], records)


def joined_choices(pages: Sequence[tuple[str, Mapping[int, CharChoice]]], *, sep: str = "\f"
                   ) -> dict[int, CharChoice]:
    """The choices of ``sep.join(texts)`` from each text's own: offsets shifted by where that
    text starts in the whole."""
    out: dict[int, CharChoice] = {}
    start = 0
    for text, choices in pages:
        out.update((start + offset, said) for offset, said in choices.items())
        start += len(text) + len(sep)
    return out


def page_layout(ocr: OcrText) -> Layout:
    """What the page's word boxes say of its text (ocr.correct.layout): how wide each blank
    between two words is, and which lone marks are specks."""
    from ocr.correct.layout import text_layout

    return text_layout(ocr.text, ocr.spans, [(w.box.left, w.box.top, w.box.width, w.box.height)
                                             for w in ocr.words])


def _suggested_words(ocr: OcrText, start: int, end: int) -> list[int]:
    """The OCR words of a suggestion's span; a span that begins or ends with the blank a stray
    mark is deleted with is located by its mark alone."""
    piece = ocr.text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    if lead + trail >= len(piece):
        return ocr.words_in(start, end)
    return ocr.words_in(start + lead, end - trail)


def _reason(original: str, text: str, score: float, kind: str, speck: bool) -> str:
    """Why a suggestion was made, in the reviewer's words (``speck``: the page's boxes show the
    mark as a speck)."""
    mark = original.strip()
    sure = f"(score {score:.2f}, {kind})"
    if not text:
        where = "where the scan has only a speck" if speck else "between words"
        return f'"{mark}" stands alone {where}; suggested deleting it {sure}'
    if kind == "stray" and text == mark:
        return f'"{mark}" stands apart from the word before it; suggested putting it back {sure}'
    if kind == "title":
        return f'"{mark}" before a name is how worn type reads "{text}."; suggested "{text}" {sure}'
    if kind == "number":
        return f'"{mark}" before a number is how worn type reads "№"; suggested "{text}" {sure}'
    return f'"{original}" is not a Russian word; suggested "{text}" {sure}'


def suggestion_flags(ocr: OcrText, *, page_number: int, reference: str | None,
                     names: Sequence[str], profile_rounds: int,
                     learned: Learned | None = None,
                     choices: Mapping[int, CharChoice] | None = None,
                     layout: Layout | None = None) -> list[Flag]:
    """Out-of-lexicon words with ranked candidates, located by their OCR words; ``learned`` is
    what the project's references and reviewers taught (ocr.correct_learned), ``choices`` what
    tesseract said of each character of the page (:func:`page_choices`), ``layout`` what its
    word boxes said (:func:`page_layout`).

    A flag's ``ocr_text`` is the best candidate and ``detail["original"]`` what the OCR read: the
    review app shows the latter and, on accept, puts the former in its place (ocr.review.export).
    A stray mark suggested for deletion (its best candidate is empty) also gets
    ``detail["delete"]``: accepted, its word is removed."""
    from ocr.correct import CorrectionSettings, suggest

    flags = []
    for s in suggest(ocr.text, **_taught(learned), reference=reference, names=names,
                     settings=CorrectionSettings(profile_rounds=profile_rounds),
                     choices=choices, layout=layout):
        idx = _suggested_words(ocr, s.start, s.end)
        if not idx or not s.candidates:
            continue
        box = Box.union_all(ocr.words[i].box for i in idx)
        best = s.candidates[0]
        detail: dict[str, Any] = {
            "original": s.original, "start": s.start, "end": s.end,
            "candidates": [{"text": c.text, "score": round(float(c.score), 4), "kind": c.kind}
                           for c in s.candidates[:5]]}
        if not best.text:
            detail["delete"] = True
        speck = layout is not None and any(ocr.spans[i][0] in layout.specks for i in idx)
        flags.append(Flag(
            type="correction", category="suggested correction", page_number=page_number,
            box=box, severity=0.3 + 0.3 * float(best.score), ocr_text=best.text,
            reason=_reason(s.original, best.text, float(best.score), best.kind, speck),
            detail=detail))
    return flags


def joined_layout(pages: Sequence[tuple[str, Layout]], *, sep: str = "\f") -> Layout:
    """The layout of ``sep.join(texts)`` from each page's own (:func:`page_layout`), as
    :func:`joined_choices` joins the choices."""
    from ocr.correct.layout import joined_layout as joined

    return joined(pages, sep=sep)


def apply_corrections(text: str, *, reference: str | None, names: Sequence[str],
                      threshold: float, out_path: Path, profile_rounds: int,
                      learned: Learned | None = None,
                      choices: Mapping[int, CharChoice] | None = None,
                      layout: Layout | None = None) -> dict[str, Any]:
    """Write the corrected OCR text and return the audit record of every change; ``choices``
    is what tesseract said of each character of ``text`` (:func:`joined_choices`), ``layout``
    what the pages' word boxes said of it (ocr.correct.layout.joined_layout)."""
    from ocr.correct import CorrectionSettings, apply

    correction = apply(text, threshold=threshold, **_taught(learned), reference=reference,
                       names=names, settings=CorrectionSettings(profile_rounds=profile_rounds),
                       choices=choices, layout=layout)
    atomic_write_text(out_path, correction.text)
    changes = [{"start": c.start, "end": c.end, "original": c.original,
                "replacement": c.replacement, "score": round(float(c.score), 4), "kind": c.kind}
               for c in correction.changes]
    atomic_write_text(out_path.with_suffix(".changes.json"),
                      json.dumps({"threshold": threshold, "changes": changes},
                                 ensure_ascii=False, indent=1))
    return {"path": str(out_path), "threshold": threshold, "changes": changes,
            "text": correction.text}
