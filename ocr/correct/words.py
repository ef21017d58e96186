"""Suggestions for single words: script slips, confusion-weighted edits, splits, remembered fixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ocr.correct.candidates import TWIN_COST, script_fixed, search, whole_latin_twin
from ocr.correct.context import fit
from ocr.correct.records import Candidate, Suggestion
from ocr.correct.scope import needs_check
from ocr.correct.scoring import Context, Hypothesis, keep_zipf, ranked, text_zipf
from ocr.correct.tokens import Token, is_cyrillic, is_roman_numeral, scripts

LATIN_TWIN_SCORE = 0.95  # a Latin-only twin word (Ha, B, c) between Cyrillic words
LATIN_TWIN_MAX = 3  # longer Latin words are left alone: names, titles, quotations
LEARNED_COST = 0.5  # nats for a reviewer's remembered correction
LEARNED_BONUS = 2.0  # Zipf units added to it


def word_suggestions(text: str, tokens: Sequence[Token], token: Token,
                     ctx: Context) -> list[Suggestion]:
    """The suggestion for one word, or none when it is known, protected or out of scope."""
    cyr, lat, _ = scripts(token.text)
    if lat and not cyr:
        return _latin_twin(token, tokens, ctx)
    if not needs_check(token, ctx):
        return []
    fixed, twins = script_fixed(token.text)
    before, after = _neighbours(text, tokens, token)
    hypotheses = [_with_context(h, before, after, ctx) for h in _hypotheses(token, fixed, ctx)]
    keep = Hypothesis(fixed, twins * TWIN_COST, "script", keep_zipf(token, ctx))
    if twins and ctx.lexicon.is_word(fixed):
        hypotheses = []
        keep = replace(keep, zipf=ctx.lexicon.prior_zipf(fixed))
    # The case is kept as read: OCR puts stray periods inside sentences, so "after a period" is
    # no evidence that a lower-case word should have had a capital.
    return [ranked((token.start, token.end, token.index), token.text, keep, hypotheses, ctx,
                   keep_is_original=not twins)]


def _latin_twin(token: Token, tokens: Sequence[Token], ctx: Context) -> list[Suggestion]:
    """A short Latin-only word spelled with Cyrillic twins between Cyrillic words: the
    prepositions and particles OCR reads in the wrong script (c, B, Ha); never XII or IV."""
    word = token.text
    twin = whole_latin_twin(word)
    if (twin is None or len(word) > LATIN_TWIN_MAX or is_roman_numeral(word)
            or word.lower() in ctx.protected):
        return []
    neighbours = [tokens[i].text for i in (token.index - 1, token.index + 1) if 0 <= i < len(tokens)]
    if not neighbours or not all(any(is_cyrillic(c) for c in n) for n in neighbours):
        return []
    if not ctx.lexicon.is_word(twin):
        return []
    best = Candidate(twin, LATIN_TWIN_SCORE, TWIN_COST * len(word), "script")
    return [Suggestion(token.start, token.end, token.index, word, (best,), 1 - LATIN_TWIN_SCORE)]


def _neighbours(text: str, tokens: Sequence[Token], token: Token) -> tuple[str | None, str | None]:
    """The words just before and after ``token`` when only blanks separate them from it."""
    i = token.index
    before = tokens[i - 1] if i > 0 else None
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    return (before.text if before and not text[before.end:token.start].strip() else None,
            after.text if after and not text[token.end:after.start].strip() else None)


def _with_context(h: Hypothesis, before: str | None, after: str | None,
                  ctx: Context) -> Hypothesis:
    score = fit(h.text, before=before, after=after, lexicon=ctx.lexicon)
    return replace(h, bonus=score * ctx.settings.context_weight) if score else h


def _hypotheses(token: Token, word: str, ctx: Context) -> list[Hypothesis]:
    """Dictionary readings of ``word`` (already script-fixed) and reviewers' remembered fixes."""
    found = search(word, lexicon=ctx.lexicon, table=ctx.table, limits=ctx.settings.limits)
    out = [Hypothesis(text, cost, "split" if " " in text else "edit", text_zipf(text, ctx))
           for text, cost in found.items()]
    if len(word) <= ctx.settings.limits.tiny_word:
        # A short token is one edit from many rare words: only common ones are credible.
        out = [h for h in out if h.zipf >= ctx.settings.tiny_min_zipf]
    learned = ctx.lexicon.learned.replacements.get(token.text)
    if learned is not None:
        out.append(Hypothesis(learned, LEARNED_COST, "learned",
                              text_zipf(learned, ctx) + LEARNED_BONUS))
    return out
