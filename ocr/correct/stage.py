"""Post-OCR correction inside the pipeline: suggestions become review flags; in `apply` mode the
corrected OCR text is written beside the original with every change and its posterior."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ocr.correct.evidence import CharChoice, Layout, text_choices, text_layout
from ocr.correct.evidence import joined_choices as joined_choices
from ocr.correct.evidence import joined_layout as joined_layout
from ocr.correct.learned import Learned
from ocr.correct.lexicon import default_lexicon
from ocr.correct.settings import CorrectionSettings
from ocr.flag import Flag
from ocr.flag_records import FlagDetail, SuggestedReading
from ocr.fsutil import atomic_write_text
from ocr.records import Box
from ocr.tesseract import OcrText, read_choices


def _model(learned: Learned | None) -> dict[str, Any]:
    """The lexicon and channel a call uses: the project's, else the shipped ones."""
    if learned is None:
        return {}
    return {"lexicon": learned.lexicon, "channel": learned.channel}


def russian(languages: str) -> bool:
    return "rus" in languages.split("+")


def known_word_check(languages: str) -> Callable[[str], bool] | None:
    """The lexicon's word test, for telling OCR non-words from reference errors (Russian)."""
    if not russian(languages):
        return None
    lexicon = default_lexicon()
    return lambda word: word.isdigit() or lexicon.known(word)


def page_choices(ocr: OcrText, path: Path | None) -> dict[int, CharChoice]:
    """What tesseract said of each character of a page's text, by offset, from the page's
    choices file (ocr.tesseract.run_ocr); empty without one or when it cannot be read."""
    if path is None:
        return {}
    try:
        records = read_choices(path)
    except (OSError, ValueError, TypeError):
        return {}
    return text_choices(ocr.spans, [w.text for w in ocr.words], records)


def page_layout(ocr: OcrText) -> Layout:
    """What the page's word boxes say of its text: blanks' widths and words' heights."""
    return text_layout(
        ocr.text, ocr.spans, [(w.box.left, w.box.top, w.box.width, w.box.height) for w in ocr.words]
    )


def _suggested_words(ocr: OcrText, start: int, end: int) -> list[int]:
    """The OCR words of a suggestion's span (a deleted mark's span holds a blank too)."""
    piece = ocr.text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    if lead + trail >= len(piece):
        return ocr.words_in(start, end)
    return ocr.words_in(start + lead, end - trail)


def _reason(original: str, text: str, score: float, kind: str) -> str:
    """Why a suggestion was made, in the reviewer's words."""
    sure = f"(posterior {score:.2f}, {kind})"
    if not text:
        return f'"{original.strip()}" looks like dirt read as a mark; suggested deleting it {sure}'
    if kind == "case":
        return f'"{original}" has capitals inside it; suggested "{text}" {sure}'
    return f'"{original}" is likelier a misreading of "{text}" {sure}'


def suggestion_flags(
    ocr: OcrText,
    *,
    page_number: int,
    reference: str | None,
    names: Sequence[str],
    profile_rounds: int,
    learned: Learned | None = None,
    choices: Mapping[int, CharChoice] | None = None,
    layout: Layout | None = None,
) -> list[Flag]:
    """Spans whose likeliest reading is not what OCR read, with ranked candidates, located by
    their OCR words. A flag's ``ocr_text`` is the best candidate and ``detail.original`` what
    the OCR read (ocr.review.export puts the former in place of the latter on accept); a mark
    suggested for deletion also gets ``detail.delete``."""
    from ocr import correct  # through the package, where tests may watch the calls

    flags = []
    settings = CorrectionSettings(profile_rounds=profile_rounds)
    for s in correct.suggest(
        ocr.text,
        **_model(learned),
        reference=reference,
        names=names,
        settings=settings,
        choices=choices,
        layout=layout,
    ):
        idx = _suggested_words(ocr, s.start, s.end)
        if not idx or not s.candidates:
            continue
        best = s.candidates[0]
        detail = FlagDetail(
            original=s.original,
            start=s.start,
            end=s.end,
            candidates=tuple(
                SuggestedReading(c.text, round(float(c.score), 4), c.kind) for c in s.candidates[:5]
            ),
            delete=not best.text,
        )
        flags.append(
            Flag(
                type="correction",
                category="suggested correction",
                page_number=page_number,
                box=Box.union_all(ocr.words[i].box for i in idx),
                severity=0.3 + 0.3 * float(best.score),
                ocr_text=best.text,
                reason=_reason(s.original, best.text, float(best.score), best.kind),
                detail=detail,
            )
        )
    return flags


def apply_corrections(
    text: str,
    *,
    reference: str | None,
    names: Sequence[str],
    threshold: float,
    out_path: Path,
    profile_rounds: int,
    learned: Learned | None = None,
    choices: Mapping[int, CharChoice] | None = None,
    layout: Layout | None = None,
) -> dict[str, Any]:
    """Write the corrected OCR text and return the audit record of every change, each with
    its posterior (``score``)."""
    from ocr import correct

    correction = correct.apply(
        text,
        threshold=threshold,
        **_model(learned),
        reference=reference,
        names=names,
        settings=CorrectionSettings(profile_rounds=profile_rounds),
        choices=choices,
        layout=layout,
    )
    atomic_write_text(out_path, correction.text)
    changes = [
        {
            "start": c.start,
            "end": c.end,
            "original": c.original,
            "replacement": c.replacement,
            "score": round(float(c.score), 4),
            "kind": c.kind,
        }
        for c in correction.changes
    ]
    atomic_write_text(
        out_path.with_suffix(".changes.json"),
        json.dumps({"threshold": threshold, "changes": changes}, ensure_ascii=False, indent=1),
    )
    return {
        "path": str(out_path),
        "threshold": threshold,
        "changes": changes,
        "text": correction.text,
    }
