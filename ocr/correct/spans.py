"""Suggestions over two tokens: words hyphenated at a line end, words broken by a stray space."""

from __future__ import annotations

from collections.abc import Sequence

from ocr.correct.candidates import SearchLimits, search
from ocr.correct.choices import PositionCosts
from ocr.correct.records import Suggestion
from ocr.correct.scope import needs_check
from ocr.correct.scoring import Context, Hypothesis, keep_zipf, ranked
from ocr.correct.tokens import (
    ABBREVIATIONS,
    NON_RUSSIAN_CYRILLIC,
    Token,
    hyphenated_breaks,
    is_cyrillic,
)

JOIN_LIMITS = SearchLimits(max_edits=1, max_generic=1, allow_split=False)
# Across a blank as narrow as a cut the pieces are surely one word: as many edits as one word's.
TIGHT_JOIN_LIMITS = SearchLimits(max_edits=2, max_generic=1, allow_split=False, max_cost=9.0,
                                 margin=5.0)


def hyphen_suggestions(text: str, tokens: Sequence[Token], used: set[int],
                       ctx: Context) -> list[Suggestion]:
    """``об-\\nласть`` -> ``область`` (or ``научно-исследовательский``); both pieces join ``used``
    so that they are never corrected one by one."""
    by_start = {t.start: t for t in tokens}
    by_end = {t.end: t for t in tokens}
    found = []
    for start, end, head, tail in hyphenated_breaks(text):
        first, last = by_end.get(start + len(head)), by_start.get(end - len(tail))
        if first is None or last is None:
            continue
        used.update((first.index, last.index))
        found += _hyphen_one(text, first, last, ctx)
    return found


def _hyphen_one(text: str, first: Token, last: Token, ctx: Context) -> list[Suggestion]:
    head, tail = first.text, last.text
    if ctx.lexicon.is_word(head + tail):
        target = head + tail
    elif ctx.lexicon.in_dictionary(f"{head}-{tail}".lower()):
        target = f"{head}-{tail}"
    else:
        return []
    # The joined word stays on the first line; the rest of the second line keeps a line of its own.
    end = last.end
    rest = text[end:].split("\n", 1)[0]
    if rest.strip():
        end += len(rest) - len(rest.lstrip(" \t"))
        target += "\n"
    z = ctx.lexicon.prior_zipf
    keep = Hypothesis(text[first.start:end], 0.0, "hyphen",
                      max(z(head), 1.0) + max(z(tail), 1.0) - 9)
    join = Hypothesis(target, ctx.settings.hyphen_cost, "hyphen", z(target.strip()))
    return [ranked((first.start, end, first.index), text[first.start:end], keep, [join], ctx,
                   keep_is_original=True)]


def join_suggestions(text: str, tokens: Sequence[Token], used: set[int],
                     ctx: Context) -> list[Suggestion]:
    """Two pieces of one word split by a stray space: ``произ водственный``."""
    found = []
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a.index in used or b.index in used or text[a.end:b.start] != " ":
            continue
        shift, tight = _gap_shift(ctx.layout.gap(a.end), ctx)
        if not (_joinable(a, ctx, tight) and _joinable(b, ctx, tight)
                and (tight or needs_check(a, ctx) or needs_check(b, ctx))):
            continue
        joined = a.text + b.text
        marks = _joined_marks(a, b, ctx)
        options = ({joined.lower(): 0.0} if ctx.lexicon.is_word(joined) else
                   search(joined, lexicon=ctx.lexicon, table=ctx.table,
                          limits=TIGHT_JOIN_LIMITS if tight else JOIN_LIMITS, marks=marks))
        if not options:
            continue
        joins = [Hypothesis(w, c + ctx.settings.join_cost + shift, "join",
                            ctx.lexicon.prior_zipf(w))
                 for w, c in options.items()]
        # Left apart, the pair is as likely as its weaker piece: an unknown word, or a rare one.
        keep = Hypothesis(text[a.start:b.end], 0.0, "join",
                          min(_piece_zipf(a, ctx), _piece_zipf(b, ctx)))
        found.append(ranked((a.start, b.end, a.index), text[a.start:b.end], keep, joins, ctx,
                            keep_is_original=True))
    return found


def _joined_marks(a: Token, b: Token, ctx: Context) -> PositionCosts | None:
    """Tesseract's doubts on both pieces, as one word's (none unless it said something of both)."""
    first, second = ctx.marks(a.start, a.text), ctx.marks(b.start, b.text)
    return first + second if first is not None and second is not None else None


def _piece_zipf(token: Token, ctx: Context) -> float:
    return keep_zipf(token, ctx) if needs_check(token, ctx) else ctx.lexicon.prior_zipf(token.text)


def _gap_shift(gap: float | None, ctx: Context) -> tuple[float, bool]:
    """Nats added to joining across a blank ``gap`` character widths wide (``ocr.correct.layout``;
    None: unknown), and whether the gap is as narrow as a cut inside a word."""
    settings = ctx.settings
    if gap is None:
        return 0.0, False
    if gap < settings.tight_gap:
        return settings.tight_join_shift, True
    return 0.0, False


def _joinable(token: Token, ctx: Context, tight: bool = False) -> bool:
    """Cyrillic letters only, long enough (any length across a ``tight`` gap), not protected,
    not an abbreviation before its period (a longer piece before a period is the end of a
    sentence: ``произ водству.``)."""
    word = token.text
    abbreviation = token.before_period and (word.lower() in ABBREVIATIONS or len(word) <= 3)
    return ((tight or len(word) >= ctx.settings.min_join_piece)
            and all(is_cyrillic(c) for c in word)
            and word.lower() not in ctx.protected and not abbreviation
            and not any(c in NON_RUSSIAN_CYRILLIC for c in word))
