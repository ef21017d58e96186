"""Words OCR broke with marks between their letters (``прач.нах``, ``рабо”“ы``, ``мес:чным``):
the marks are read as the letters they stand for, or as nothing, and the word is looked up."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import regex

from ocr.correct.candidates import script_fixed, search
from ocr.correct.confusions import MIN_COST, ConfusionTable
from ocr.correct.context import fit
from ocr.correct.lexicon import RUSSIAN_LOWER
from ocr.correct.records import Suggestion
from ocr.correct.scoring import Context, Hypothesis, ranked, text_zipf
from ocr.correct.tokens import ABBREVIATIONS, NON_RUSSIAN_CYRILLIC, Token, is_latin

# Letters, then one to three marks (no blank, digit or hyphen) and small letters, once or more.
# Initials (В.Г, Г.Сорокин) go on with a capital after the mark and are not matched.
GLUED = regex.compile(r"\p{L}+(?:[^\s\p{L}\p{N}\-\u2010]{1,3}\p{Ll}+)+")
_MARK = regex.compile(r"[^\s\p{L}\p{N}\-\u2010]")
_PUNCTUATION = frozenset(".,;:!?")
# (mark, typed letter or "" for nothing) -> how often a mark glued between letters stood for it,
# counted on the typed-only and stamped pages of `ocr synth` sets of seeds 7 and 8 (tuning sets,
# not the reported seed-1955 set) with `bench/bench_correct.py --glued-readings`.
MEASURED: dict[tuple[str, str], int] = {('’', 'у'): 12, ('.', 'н'): 11, ('.', 'т'): 9, ('.', ''): 9, ('.', 'л'): 8, ('.', 'а'): 6, ('@', 'е'): 5, ('”', 'т'): 5, ('"', 'т'): 5, (',', 'н'): 5, ('®', 'е'): 4, ('“', 'б'): 4, ('“', 'т'): 3, (':', 'и'): 3, ('!', 'и'): 3, ('“', 'ч'): 3, ('”', 'я'): 3, ('®', ''): 3, ('”', ''): 3, (':', ''): 3, ('’', ''): 3, ('‘', 'м'): 2, ('.', 'и'): 2, ('‹', 'н'): 2, (':', 'н'): 2, ('®', 'о'): 2, ('‘', 'у'): 2, ('.', 'п'): 2, ('.', 'з'): 2, ('^', 'б'): 2, (':', 'л'): 2, ('“', ''): 2, ('"', ''): 2, ("'", ''): 2, ('“', 'р'): 1, ('®', 'й'): 1, (':', 'я'): 1, ('"', 'ч'): 1, ('’', 'д'): 1, (';', 'н'): 1, ('‚', 'н'): 1, ('’', 'н'): 1, ('„', 'н'): 1, ('’', 'х'): 1, ('`', 'б'): 1, ('“', 'у'): 1, (',', 'у'): 1, ('.', 'у'): 1, ('’', 'к'): 1, ('‘', 'ч'): 1, ('&', 'а'): 1, ('’', 'г'): 1, ('?', 'я'): 1, ('!', 'р'): 1, ('\\', 'о'): 1, ('»', 'т'): 1, (',', 'т'): 1, ('“', 'я'): 1, ('‹', 'е'): 1, ('.', 'е'): 1, ('‹', 'ф'): 1, ('`', 'л'): 1, ('“', 'о'): 1, ('<', 'б'): 1, ('»', 'ж'): 1, ('>', 'о'): 1, (':', 'к'): 1, ('.', 'я'): 1, ('.', 'ь'): 1, ('»', 'е'): 1, ('<', 'к'): 1, ("'", 'ч'): 1, (':', 'о'): 1, ('?', 'т'): 1, ('!', ''): 1, (',', ''): 1, ('?', ''): 1, ('=', ''): 1}
# A blank whose boxes' gap was as narrow as a cut inside a word (ocr.correct.layout) stands in
# the text as this mark while glued words are sought: ``на”то ящего`` is one word broken twice.
# It reads as nothing (a cut is one 9 times in 10 there), or as a letter at the ceiling.
TIGHT_BLANK = "\u2423"
TIGHT_COST = 0.2
SMOOTHING = 5.0  # pseudo-counts pulling one mark's readings towards those of all marks
MIN_LETTERS = 4  # letters a glued word needs (``т.е``, ``и.о`` are abbreviations)


Pool = tuple[Counter[str], dict[str, Counter[str]]]


def pooled(measured: Mapping[tuple[str, str], int]) -> Pool:
    """Readings of all marks together, and of each mark, from {(mark, typed): count}."""
    every: Counter[str] = Counter()
    by_mark: dict[str, Counter[str]] = {}
    for (mark, typed), n in measured.items():
        every[typed] += n
        by_mark.setdefault(mark, Counter())[typed] += n
    return every, by_mark


_GLUED = pooled(MEASURED)
_READINGS = ("", *RUSSIAN_LOWER)


def mark_costs(mark: str, *, ceiling: float, pool: Pool = _GLUED) -> tuple[tuple[str, float], ...]:
    """(typed, cost in nats) for each reading of ``mark`` (glued inside a word by default): its
    own readings in ``pool``, smoothed towards all marks' (a mark never measured gets theirs),
    capped at ``ceiling`` (the cost of an unlisted substitution)."""
    every, by_mark = pool
    total = sum(every.values())
    own = by_mark.get(mark, Counter())
    n = sum(own.values())
    out = []
    for typed in _READINGS:
        shared = (every[typed] + 0.5) / (total + 0.5 * len(_READINGS))
        p = (own[typed] + SMOOTHING * shared) / (n + SMOOTHING)
        out.append((typed, min(ceiling, max(MIN_COST, -math.log(p)))))
    return tuple(sorted(out, key=lambda rc: rc[1]))


_TABLES: dict[tuple[int, frozenset[str]], tuple[ConfusionTable, ConfusionTable]] = {}


def glued_table(base: ConfusionTable, marks: frozenset[str]) -> ConfusionTable:
    """``base`` with readings for ``marks`` (kept per base table and set of marks)."""
    key = (id(base), marks)
    if key not in _TABLES or _TABLES[key][0] is not base:
        if len(_TABLES) >= 256:  # every page's own profile is a new base table
            _TABLES.clear()
        by_ocr = dict(base.by_ocr)
        for mark in marks:
            by_ocr[mark] = (((("", TIGHT_COST),) + tuple((c, base.sub) for c in RUSSIAN_LOWER))
                            if mark == TIGHT_BLANK else mark_costs(mark, ceiling=base.sub))
        _TABLES[key] = (base, replace(base, by_ocr=by_ocr))
    return _TABLES[key][1]


def tight_blanks(text: str, gaps: Mapping[int, float], tight: float) -> str:
    """``text`` with each blank narrower than ``tight`` character widths written TIGHT_BLANK."""
    chars = list(text)
    for offset, gap in gaps.items():
        if gap < tight and chars[offset] == " ":
            chars[offset] = TIGHT_BLANK
    return "".join(chars)


def glued_suggestions(text: str, tokens: Sequence[Token], used: set[int],
                      ctx: Context) -> list[Suggestion]:
    """One suggestion per word broken by marks (and by blanks as narrow as a cut, when there is a
    mark too); its pieces join ``used``."""
    by_start = {t.start: n for n, t in enumerate(tokens)}
    found = []
    marked = tight_blanks(text, ctx.layout.gaps, ctx.settings.tight_gap)
    for match in GLUED.finditer(marked):
        if set(_MARK.findall(match.group())) == {TIGHT_BLANK}:
            continue  # only blanks: two pieces the joins weigh (ocr.correct.spans)
        n = by_start.get(match.start())
        if n is None:
            continue
        pieces = [t for t in tokens[n:] if t.end <= match.end()]
        if (pieces[-1].end != match.end() or any(t.index in used for t in pieces)
                or not _correctable(match.group(), pieces, ctx)):
            continue
        used.update(t.index for t in pieces)
        suggestion = _glued_one(text, match.group(), pieces, tokens[n - 1:n] if n else [],
                                tokens[n + len(pieces):n + len(pieces) + 1], ctx)
        if suggestion is not None:
            found.append(replace(suggestion, original=text[match.start():match.end()]))
    return found


def _correctable(word: str, pieces: Sequence[Token], ctx: Context) -> bool:
    """Russian letters, no protected piece, not an abbreviation before its period (``зав.отделом``)
    and not known words run together after punctuation (``слово,другое``)."""
    fixed, _ = script_fixed(word)
    letters = [c for c in fixed if c.isalpha()]
    if (len(letters) < MIN_LETTERS or any(is_latin(c) for c in letters)
            or any(c in NON_RUSSIAN_CYRILLIC for c in letters)
            or any(t.text.lower() in ctx.protected for t in pieces)):
        return False
    if word[pieces[0].end - pieces[0].start] == "." and pieces[0].text.lower() in ABBREVIATIONS:
        return False
    marks = set(_MARK.findall(word))
    return not (marks <= _PUNCTUATION and all(ctx.lexicon.is_word(t.text) for t in pieces))


def _glued_one(text: str, word: str, pieces: Sequence[Token], before: Sequence[Token],
               after: Sequence[Token], ctx: Context) -> Suggestion | None:
    fixed, _ = script_fixed(word)
    marks = _MARK.findall(fixed)
    table = glued_table(ctx.table, frozenset(marks))
    base = ctx.settings.limits
    limits = replace(base, max_edits=base.max_edits + len(marks),
                     max_cost=base.max_cost + 2 * len(marks))
    found = search(fixed, lexicon=ctx.lexicon, table=table, limits=limits)
    if not found:
        return None
    first, last = pieces[0], pieces[-1]
    # The words just before and after, when only blanks stand between.
    prev = next((t.text for t in before if not text[t.end:first.start].strip()), None)
    nxt = next((t.text for t in after if not text[last.end:t.start].strip()), None)
    hypotheses = []
    for candidate, cost in found.items():
        score = fit(candidate, before=prev, after=nxt, lexicon=ctx.lexicon)
        hypotheses.append(Hypothesis(candidate, cost, "glued", text_zipf(candidate, ctx),
                                     score * ctx.settings.context_weight))
    keep = Hypothesis(word, 0.0, "glued", ctx.settings.unknown_zipf)
    return ranked((first.start, last.end, first.index), word, keep, hypotheses, ctx,
                  keep_is_original=True)
