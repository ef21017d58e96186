"""Suggest and apply corrections to OCR text; every change is recorded so it can be undone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from ocr.correct.case import capital_counts
from ocr.correct.choices import Choices
from ocr.correct.confusions import ConfusionTable
from ocr.correct.edges import edge_suggestions
from ocr.correct.glued import glued_suggestions
from ocr.correct.layout import Layout
from ocr.correct.lexicon import Lexicon
from ocr.correct.profile import PROFILED_KINDS, known_letters, profiled_table
from ocr.correct.records import Candidate, Change, Correction, Suggestion
from ocr.correct.scope import foreign_lines, noise_shift
from ocr.correct.scoring import Context, CorrectionSettings, make_context
from ocr.correct.spans import hyphen_suggestions, join_suggestions
from ocr.correct.strays import stray_suggestions
from ocr.correct.tokens import tokenize
from ocr.correct.words import word_suggestions


def suggest(text: str, *, lexicon: Lexicon | None = None, confusions: ConfusionTable | None = None,
            reference: str | None = None, names: Iterable[str] = (),
            settings: CorrectionSettings | None = None,
            choices: Choices | None = None, layout: Layout | None = None) -> list[Suggestion]:
    """Ranked candidates for every out-of-lexicon span of ``text``; the text is not changed.

    Spans may overlap (a join of two words and a fix of one of them); ``apply`` resolves that.
    Words of ``reference`` and of ``names`` are never suggested for change. ``choices`` is what
    tesseract said of each character of ``text`` (``ocr.correct.choices``), ``layout`` what the
    page's word boxes said of its blanks and specks (``ocr.correct.layout``), when known.
    """
    return _suggest(text, _profiled(text, make_context(lexicon, confusions, reference, names,
                                                       settings, choices, layout)))[0]


def apply(text: str, *, threshold: float | None = None, lexicon: Lexicon | None = None,
          confusions: ConfusionTable | None = None, reference: str | None = None,
          names: Iterable[str] = (), settings: CorrectionSettings | None = None,
          choices: Choices | None = None, layout: Layout | None = None) -> Correction:
    """``text`` with each suggestion whose best candidate scores at least ``threshold`` applied.

    A Latin twin among Cyrillic letters is always made Cyrillic. The reference is read, never
    edited: its words are protected in ``text``.
    """
    ctx = _profiled(text, make_context(lexicon, confusions, reference, names, settings, choices,
                                       layout))
    limit = ctx.settings.threshold if threshold is None else threshold
    suggestions, skipped = _suggest(text, ctx)
    new_text, changes = _rewrite(text, _choose(suggestions, limit))
    return Correction(text, new_text, tuple(changes), limit, skipped)


def undo(correction: Correction, changes: Iterable[Change] | None = None) -> str:
    """The corrected text with ``changes`` (default: all of them) put back as they were.

    Raises ValueError when a change does not belong to this correction.
    """
    chosen = correction.changes if changes is None else tuple(changes)
    text = correction.text
    for c in sorted(chosen, key=lambda c: -c.new_start):
        if text[c.new_start:c.new_end] != c.replacement:
            raise ValueError(f"change at {c.new_start} does not match the corrected text")
        text = text[:c.new_start] + c.original + text[c.new_end:]
    return text


def _profiled(text: str, ctx: Context) -> Context:
    """``ctx`` with its table made cheaper by the page's own sure corrections
    (``ocr.correct.profile``), counted ``profile_rounds`` times, each round with the last one's
    table. The threshold for "sure" is the settings' one, whatever ``apply`` is given."""
    rounds = ctx.settings.profile_rounds
    if rounds <= 0:
        return ctx
    known = known_letters(tokenize(text), ctx.lexicon)
    table = ctx.table
    for _ in range(rounds):
        suggestions, _ = _suggest(text, replace(ctx, table=table))
        sure = [(s.original, c.text) for s, c in _choose(suggestions, ctx.settings.threshold)
                if c.kind in PROFILED_KINDS]
        new = profiled_table(ctx.table, known, sure)
        if new is table or new.by_ocr == table.by_ocr:
            break
        table = new
    return replace(ctx, table=table)


def _suggest(text: str, ctx: Context) -> tuple[list[Suggestion], tuple[int, ...]]:
    """All suggestions, and the lines left alone as not Russian."""
    tokens = tokenize(text)
    skipped = foreign_lines(tokens, ctx)
    live = [t for t in tokens if t.line not in skipped]
    ctx = replace(ctx, keep_shift=noise_shift(live, ctx), capital_counts=capital_counts(live))
    used: set[int] = set()
    hyphenated = hyphen_suggestions(text, live, used, ctx)  # marks both parts as used
    found = hyphenated if ctx.settings.join_hyphenation else []
    found += glued_suggestions(text, live, used, ctx)
    found += edge_suggestions(text, live, used, ctx)
    found += join_suggestions(text, live, used, ctx)
    found += stray_suggestions(text, live, skipped, ctx.layout, ctx.settings.tight_gap)
    found += [s for t in live if t.index not in used
              for s in word_suggestions(text, tokens, t, ctx)]
    return sorted(found, key=lambda s: (s.start, -s.end)), skipped


def _choose(suggestions: Sequence[Suggestion],
            threshold: float) -> list[tuple[Suggestion, Candidate]]:
    """Non-overlapping picks: two-word spans first, then single words; script fixes always."""
    picked: list[tuple[Suggestion, Candidate]] = []
    taken: list[tuple[int, int]] = []
    for s in sorted(suggestions, key=lambda s: (not _spans_two(s), s.start)):
        pick = _pick(s, threshold)
        if pick is None or any(s.start < e and b < s.end for b, e in taken):
            continue
        picked.append((s, pick))
        taken.append((s.start, s.end))
    return sorted(picked, key=lambda p: p[0].start)


def _spans_two(s: Suggestion) -> bool:
    return s.best is not None and s.best.kind in ("hyphen", "join")


def _pick(s: Suggestion, threshold: float) -> Candidate | None:
    """The best candidate if it clears the threshold, else a script fix if there is one."""
    if s.best is not None and s.best.score >= threshold:
        return s.best
    return next((c for c in s.candidates if c.kind == "script"), None)


def _rewrite(text: str, picks: Sequence[tuple[Suggestion, Candidate]]) -> tuple[str, list[Change]]:
    """Build the corrected text left to right, recording offsets in both texts."""
    parts: list[str] = []
    changes: list[Change] = []
    pos = shift = 0
    for s, c in picks:
        parts += [text[pos:s.start], c.text]
        new_start = s.start + shift
        changes.append(Change(s.start, s.end, new_start, new_start + len(c.text), s.word_index,
                              s.original, c.text, c.score, c.kind))
        shift += len(c.text) - (s.end - s.start)
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts), changes
