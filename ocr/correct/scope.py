"""What gets corrected: unknown Russian words, not names, numbers, abbreviations or Komi lines."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ocr.correct.candidates import script_fixed, search
from ocr.correct.scoring import Context
from ocr.correct.tokens import ABBREVIATIONS, NON_RUSSIAN_CYRILLIC, Token, scripts


def needs_check(token: Token, ctx: Context) -> bool:
    """An alphabetic token that is neither a known word, protected, nor left alone on purpose."""
    word = token.text
    low = word.lower()
    if low in ctx.protected or any(c in NON_RUSSIAN_CYRILLIC for c in word):
        return False
    cyr, lat, digits = scripts(word)
    if lat and not cyr:
        return False  # whole Latin words and Roman numerals are handled on their own
    if digits and (digits * 2 > cyr + lat or cyr < 2):
        return False  # numbers, dates, registry marks
    if token.before_period and (low in ABBREVIATIONS or len(word) <= 3) or token.broken:
        return False  # abbreviations, pieces of words (hyphenated at a line end, stray marks)
    return cyr + lat >= 2 and not ctx.lexicon.is_word(word)


def foreign_lines(tokens: Sequence[Token], ctx: Context) -> tuple[int, ...]:
    """Lines left alone as another language (Komi): all of them when the page as a whole has too
    many unknown words with no cheap correction, else the lines where such words dominate or a
    letter Russian lacks (ӧ, і) appears."""
    by_line: dict[int, list[bool | None]] = {}
    for t in tokens:
        if sum(c.isalpha() for c in t.text) >= 3:
            flag = _uncorrectable(t, ctx) and not _joins_a_neighbour(t, tokens, ctx)
            by_line.setdefault(t.line, []).append(flag)
    settings = ctx.settings
    every = [flag for flags in by_line.values() for flag in flags]
    if _share(every) > settings.max_foreign_share and len(every) >= settings.min_gate_words:
        return tuple(sorted({t.line for t in tokens}))
    return tuple(sorted(line for line, flags in by_line.items()
                        if flags.count(None) or (len(flags) >= settings.min_line_words
                                                 and _share(flags) > settings.max_line_foreign_share)))


def noise_shift(tokens: Sequence[Token], ctx: Context) -> float:
    """Log-odds shift of "the unknown word is right": the more unknown words a page has, the
    likelier each one is a misreading rather than a name or a rare word (which are about as rare
    on every page, ``base_unknown_share``)."""
    words = [t for t in tokens if sum(c.isalpha() for c in t.text) >= 3]
    if not words:
        return 0.0
    share = sum(needs_check(t, ctx) for t in words) / len(words)
    base = ctx.settings.base_unknown_share
    return ctx.settings.noise_weight * math.log(base / max(share, base))


def _uncorrectable(token: Token, ctx: Context) -> bool | None:
    """None for a word with a non-Russian letter (ӧ, і), True for an unknown word whose every
    correction costs more than ``cheap_cost``: the marks of text in another language."""
    if any(c in NON_RUSSIAN_CYRILLIC for c in token.text):
        return None
    if not needs_check(token, ctx):
        return False
    fixed, twins = script_fixed(token.text)
    if twins and ctx.lexicon.is_word(fixed):
        return False
    found = search(fixed, lexicon=ctx.lexicon, table=ctx.table, limits=ctx.settings.limits)
    cheapest = min((c for w, c in found.items() if " " not in w), default=math.inf)
    return cheapest > ctx.settings.cheap_cost


def _joins_a_neighbour(token: Token, tokens: Sequence[Token], ctx: Context) -> bool:
    """Whether the token and the word before or after it make one known word."""
    pairs = [(tokens[i], tokens[i + 1]) for i in (token.index - 1, token.index)
             if 0 <= i and i + 1 < len(tokens)]
    return any(a.line == b.line and a.end + 1 == b.start
               and ctx.lexicon.is_word(a.text + b.text) for a, b in pairs)


def _share(flags: Sequence[bool | None]) -> float:
    return sum(1 for f in flags if f) / len(flags) if flags else 0.0
