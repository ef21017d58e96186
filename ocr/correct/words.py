"""Suggestions for single words: script slips, confusion-weighted edits, splits, remembered fixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import regex

from ocr.correct.candidates import TWIN_COST, script_fixed, search, whole_latin_twin
from ocr.correct.case import PROPER_TAGS, common_word, first_capital, is_fragment
from ocr.correct.context import fit, parses
from ocr.correct.records import Candidate, Suggestion
from ocr.correct.scope import needs_check
from ocr.correct.scoring import Context, Hypothesis, keep_zipf, ranked, text_zipf
from ocr.correct.tokens import Token, is_cyrillic, is_roman_numeral, scripts

LATIN_TWIN_SCORE = 0.95  # a Latin-only twin word (Ha, B, c) between Cyrillic words
LATIN_TWIN_MAX = 3  # longer Latin words are left alone: names, titles, quotations
LEARNED_COST = 0.5  # nats for a reviewer's remembered correction
LEARNED_BONUS = 2.0  # Zipf units added to it
INNER_CAPITALS_SCORE = 0.97  # a known word with a capital letter inside it
INNER_CAPITALS_MIN = 5  # letters: shorter ones are as often pieces of words (пРи, КИсл, тоЕ)


def word_suggestions(text: str, tokens: Sequence[Token], token: Token,
                     ctx: Context) -> list[Suggestion]:
    """The suggestion for one word, or none when it is known, protected or out of scope."""
    cyr, lat, _ = scripts(token.text)
    if lat and not cyr:
        return _latin_twin(token, tokens, ctx)
    if not needs_check(token, ctx):
        return (_inner_capitals(text, tokens, token, ctx)
                or first_capital(text, tokens, token.index, ctx))
    fixed, twins = script_fixed(token.text)
    before, after = _neighbours(text, tokens, token)
    hypotheses = [_with_context(h, before, after, ctx) for h in _hypotheses(token, fixed, ctx)]
    torn = _torn(text, tokens, token, ctx)
    if torn:
        # The word goes on in an unknown neighbour (``Неодно кгахные``): splitting its piece
        # into two words only makes another error.
        hypotheses = [h for h in hypotheses if h.kind != "split"]
    keep = Hypothesis(fixed, twins * TWIN_COST, "script", keep_zipf(token, ctx),
                      _doubt(text, tokens, token, ctx) + torn * ctx.settings.torn_keep)
    if twins and ctx.lexicon.is_word(fixed):
        hypotheses = []
        keep = replace(keep, zipf=ctx.lexicon.prior_zipf(fixed))
    # The case is kept as read: OCR puts stray periods inside sentences, so "after a period" is
    # no evidence that a lower-case word should have had a capital.
    found = ranked((token.start, token.end, token.index), token.text, keep, hypotheses, ctx,
                   keep_is_original=not twins)
    prev = tokens[token.index - 1] if token.index > 0 else None
    recased = {c.text: replace(c, text=digit_case(token, sentence_case(
                   token, prev, fixed, first_letter_case(token, fixed, c.text), ctx), ctx))
               for c in found.candidates}
    return [replace(found, candidates=tuple(recased.values()))]


def _doubt(text: str, tokens: Sequence[Token], token: Token, ctx: Context) -> float:
    """Nats added to "right as read" where a correction is less trustworthy: a short word is one
    edit from many others, and a word beside a fragment of a word (a piece of a few letters
    that is no common word, ``ри тмичную``, ``зёнимаЮт ся``) is likely only part of a word OCR tore apart."""
    settings = ctx.settings
    doubt = settings.short_keep if sum(c.isalpha() for c in token.text) <= settings.max_short else 0.0
    if any(gap == " " and is_fragment(other, ctx) and other.text.lower() not in ctx.protected
           for other, gap in _beside(text, tokens, token)):
        return doubt + settings.fragment_keep
    return doubt


def _torn(text: str, tokens: Sequence[Token], token: Token, ctx: Context) -> bool:
    """Whether a word next to ``token`` on its line (a blank or a few marks between) is an
    unknown word or a fragment (``_doubt``): a piece of the same word OCR tore apart
    (``ХАРАКТЕ? ИСТИКА``, ``ри тмичную``), or noise."""
    return any(len(gap) <= 4 and "\n" not in gap and any(c.isalpha() for c in other.text)
               and (not ctx.lexicon.is_word(other.text) or gap == " " and is_fragment(other, ctx))
               for other, gap in _beside(text, tokens, token))


def _adjacent(text: str, tokens: Sequence[Token], token: Token
              ) -> tuple[tuple[Token, str] | None, tuple[Token, str] | None]:
    """The tokens just before and after ``token`` (or None), each with the text between them."""
    i = token.index
    before = (tokens[i - 1], text[tokens[i - 1].end:token.start]) if i > 0 else None
    after = (tokens[i + 1], text[token.end:tokens[i + 1].start]) if i + 1 < len(tokens) else None
    return before, after


def _beside(text: str, tokens: Sequence[Token], token: Token) -> list[tuple[Token, str]]:
    """The tokens next to ``token``, each with the text between them."""
    return [pair for pair in _adjacent(text, tokens, token) if pair is not None]


def first_letter_case(token: Token, read: str, word: str) -> str:
    """A correction that changes a small first letter at a sentence start (``роверкой`` ->
    ``Проверкой``, ``гчастники`` -> ``Участники``): the small letter OCR read was another letter,
    so the new one takes the sentence's capital. (A capital read stays a capital: inside a
    sentence it is as often a name, ``Пебедева`` -> ``Лебедева``.)"""
    if (not token.sentence_start or not read[:1].isalpha() or not read[:1].islower()
            or not word[:1].isalpha() or " " in word or read[:1] == word[:1]):
        return word
    return word[:1].upper() + word[1:]


def digit_case(token: Token, word: str, ctx: Context) -> str:
    """A correction of a word OCR began with a digit (``7труктуру``, ``0бком``, ``1ульской``):
    the digit stood for a letter, capital or small. ``match_case`` gives it a capital; inside a
    sentence a common word (``case.common_word``) takes a small letter."""
    if (token.text[:1].isdigit() and word[:1].isupper() and not token.sentence_start
            and " " not in word and common_word(word.lower(), ctx)):
        return word[:1].lower() + word[1:]
    return word


def sentence_case(token: Token, prev: Token | None, read: str, word: str, ctx: Context) -> str:
    """The first letter's case of a correction of a word OCR read with capitals inside it.

    OCR of worn typescript confuses the cases of look-alike letters (М/м, Т/т, Р/р): in
    ``МИнИстГа`` the capitals are noise, the first one too when the word stands inside a sentence
    after a small-letter word, unless it is a proper name or the text writes it with a capital
    elsewhere (Совета Министров). Words with no capital inside keep the case OCR read (a capital
    inside a sentence is as often the document's usage: Дальнего Востока, Посольства).
    """
    letters = [c for c in read if c.isalpha()]
    if (len(letters) < 2 or all(c.isupper() for c in letters) or not word[:1].isupper()
            or not any(c.isupper() for c in letters[1:]) or " " in word):
        return word
    low = word.lower()
    if (token.sentence_start or prev is None or not prev.text[:1].islower()
            or prev.line != token.line or _capitalised_here(low, ctx) or _proper(low, ctx)):
        return word
    return low[:1] + word[1:]


def _capitalised_here(word: str, ctx: Context) -> bool:
    """A known word this text writes with a capital inside a sentence (the document's usage)."""
    return ctx.capital_counts.get(word, 0) > 0 and ctx.lexicon.is_word(word)


def _proper(word: str, ctx: Context) -> bool:
    """Every dictionary reading of ``word`` is a proper name (names, places, organisations)."""
    found = parses(word, ctx.lexicon)
    return bool(found) and all(PROPER_TAGS & p.tag.grammemes for p in found)


def _inner_capitals(text: str, tokens: Sequence[Token], token: Token,
                    ctx: Context) -> list[Suggestion]:
    """A known word with capitals inside it (``стРаны``, ``ПРиказа``): OCR read small letters as
    their capital look-alikes. All-capital words, abbreviations, words shorter than
    ``INNER_CAPITALS_MIN`` letters and pieces of torn words (``пРи влечением``) are left alone."""
    word = token.text
    # Each part of a hyphenated word has a first letter of its own (Улан-Удэ, Северо-Запад).
    parts = regex.split(r"([-\u2010])", word)
    inner = "".join(p[1:] for p in parts)
    if (not any(c.isupper() for c in inner) or not any(c.islower() for c in word)
            or any(not is_cyrillic(c) for c in word if c.isalpha()) or token.broken
            or len(word) < INNER_CAPITALS_MIN or word.lower() in ctx.protected
            or not ctx.lexicon.in_dictionary(word.lower())
            or _doubt(text, tokens, token, ctx) > 0):
        return []
    if any("Abbr" in p.tag.grammemes for p in parses(word.lower(), ctx.lexicon)):
        return []
    prev = tokens[token.index - 1] if token.index > 0 else None
    fixed = sentence_case(token, prev, word, "".join(p[:1] + p[1:].lower() for p in parts), ctx)
    best = Candidate(fixed, INNER_CAPITALS_SCORE, 0.0, "case")
    return [Suggestion(token.start, token.end, token.index, word, (best,),
                       1 - INNER_CAPITALS_SCORE)]


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
    before, after = _adjacent(text, tokens, token)
    return (before[0].text if before and not before[1].strip() else None,
            after[0].text if after and not after[1].strip() else None)


def _with_context(h: Hypothesis, before: str | None, after: str | None,
                  ctx: Context) -> Hypothesis:
    score = fit(h.text, before=before, after=after, lexicon=ctx.lexicon)
    return replace(h, bonus=score * ctx.settings.context_weight) if score else h


def _hypotheses(token: Token, word: str, ctx: Context) -> list[Hypothesis]:
    """Dictionary readings of ``word`` (already script-fixed) and reviewers' remembered fixes."""
    found = search(word, lexicon=ctx.lexicon, table=ctx.table, limits=ctx.settings.limits,
                   marks=ctx.marks(token.start, word))
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
