"""Words with marks glued to their first or last letter (``фабрих®``, ``‘объязить``,
``зазода‘'``, ``рождени7``): each mark is read as the letter it may stand for, or as nothing, and
the word is looked up with the rest of its letters as read."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import regex

from ocr.correct.candidates import script_fixed, search
from ocr.correct.context import fit
from ocr.correct.glued import mark_costs, pooled
from ocr.correct.records import Suggestion
from ocr.correct.scoring import Context, Hypothesis, match_case, ranked, text_zipf
from ocr.correct.tokens import NON_RUSSIAN_CYRILLIC, Token, is_cyrillic

_EDGE_MARK = r"[^\s\p{L}\p{N}\-\u2010.,;:!?()«»]"
# A word of three letters or more with one or two marks glued to its first or last letter, or a
# digit to its last; ordinary punctuation may follow.
EDGE = regex.compile(rf"(?<![^\s(«])(?P<lead>{_EDGE_MARK}{{0,2}})(?P<core>\p{{L}}{{3,}})"
                     rf"(?P<trail>{_EDGE_MARK}{{1,2}}|\p{{N}})?(?=[.,;:!?)»]*(?:\s|$))")
# Quotation marks read as nothing stay in the text (they may be the document's own quotes);
# other marks read as nothing are dropped.
QUOTES = frozenset("\"“”„«»")
# (mark, typed letter or "" for nothing) -> how often a mark at a word's edge stood for it,
# counted on the typed-only and stamped pages of the `ocr synth` sets of seeds 7 and 8 (tuning
# sets, not the reported seed-1955 set) with `bench/bench_correct.py --glued-readings`.
MEASURED: dict[tuple[str, str], int] = {
    ('"', ''): 126, ('‘', ''): 15, ('“', ''): 10, ('`', ''): 6, ('’', ''): 6, ('“', 'м'): 5,
    ('®', 'е'): 5, ('”', ''): 4, ('‚', ''): 4, ('&', 'а'): 3, ('’', 'у'): 3, ('„', 'н'): 2,
    ('‚', 'у'): 2, ('"', 'у'): 2, ('”', 'я'): 2, ('"', 'ь'): 2, ('"', 'н'): 1, ('‘', 'р'): 1,
    ('‘', 'м'): 1, ('}', 'н'): 1, ('‚', 'н'): 1, ('`', 'о'): 1, ('&', 'м'): 1, ('‘', 'т'): 1,
    ('„', 'у'): 1, ('’', 'к'): 1, ('‹', 'к'): 1, ('‚', 'о'): 1, ('`', 'м'): 1, ('‘', 'в'): 1,
    ('‘', 'у'): 1, ('`', 'у'): 1, ('—', 'ц'): 1, ('”', 'к'): 1, ('№', 'м'): 1, ('`', 'д'): 1,
    ('‹', 'е'): 1, ('„', 'з'): 1, ('‹', 'г'): 1, ('=', 'а'): 1, ('’', 'я'): 1, ('@', 'х'): 1,
    ('“', 'и'): 1, ('“', 'е'): 1, ('"', 'к'): 1, ('"', 'з'): 1, ('‚', 'к'): 1, ('„', ''): 1,
    ('‹', ''): 1, ('\\', ''): 1, ('—', ''): 1, ("'", ''): 1,
}
_POOL = pooled(MEASURED)
READINGS_PER_MARK = 6  # the cheapest readings of one mark that are tried
READINGS_PER_SIDE = 8  # the cheapest readings of the marks on one side that are tried


def edge_suggestions(text: str, tokens: Sequence[Token], used: set[int],
                     ctx: Context) -> list[Suggestion]:
    """One suggestion per word with marks at its edges that has a candidate; it joins ``used``."""
    by_start = {t.start: t for t in tokens}
    found = []
    for match in EDGE.finditer(text):
        lead, trail = match.group("lead"), match.group("trail") or ""
        token = by_start.get(match.start("core"))
        if (not (lead or trail) or token is None or token.index in used
                or token.end not in (match.end("core"), match.end())
                or not _correctable(match.group("core"), lead + trail, ctx)):
            continue
        suggestion = _edge_one(text, match, token, tokens, ctx)
        if suggestion is not None:
            used.add(token.index)
            found.append(suggestion)
    return found


def _correctable(core: str, marks: str, ctx: Context) -> bool:
    """Russian letters, not protected, and not in quotation marks only (names of kolkhozes,
    factories and ships: колхоз "Заря", теплоход "Максимка")."""
    fixed, _ = script_fixed(core)
    return (all(is_cyrillic(c) for c in fixed) and not any(c in NON_RUSSIAN_CYRILLIC for c in fixed)
            and core.lower() not in ctx.protected and not set(marks) <= QUOTES)


def _mark_readings(mark: str, ctx: Context) -> list[tuple[str, float]]:
    """(typed, cost) for each reading of one mark, "" (nothing) among them, cheapest first."""
    if mark.isdigit():  # a digit glued to the last letter: the confusion table's readings
        return sorted([*ctx.table.readings(mark), ("", ctx.table.delete)], key=lambda rc: rc[1])
    return list(mark_costs(mark, ceiling=ctx.table.sub, pool=_POOL))


def _readings(marks: str, ctx: Context) -> list[tuple[str, str, float]]:
    """(typed letters, marks kept in the text, cost) for the cheapest readings of ``marks``."""
    if not marks:
        return [("", "", 0.0)]
    per_mark = [_mark_readings(mark, ctx)[:READINGS_PER_MARK] for mark in marks]
    out = []
    for combo in product(*per_mark):
        typed = "".join(t for t, _ in combo)
        kept = "".join(m for m, (t, _) in zip(marks, combo, strict=True) if not t and m in QUOTES)
        out.append((typed, kept, sum(c for _, c in combo)))
    return sorted(out, key=lambda r: r[2])[:READINGS_PER_SIDE]


def _nothing_cost(marks: str, ctx: Context) -> float:
    """The cost of reading every mark of ``marks`` as nothing."""
    return sum(dict(_mark_readings(mark, ctx))[""] for mark in marks)


def _edge_one(text: str, match: regex.Match[str], token: Token, tokens: Sequence[Token],
              ctx: Context) -> Suggestion | None:
    core, _ = script_fixed(match.group("core"))
    low = core.lower()
    lead, trail = _readings(match.group("lead"), ctx), _readings(match.group("trail") or "", ctx)
    known = ctx.lexicon.is_word(low)
    costs: dict[str, float] = {}
    for (lead_typed, lead_kept, lead_cost), (trail_typed, trail_kept, trail_cost) in product(
            lead, trail):
        word = lead_typed + low + trail_typed
        found = search(word, lexicon=ctx.lexicon, table=ctx.table, limits=ctx.settings.limits)
        if word != low and ctx.lexicon.is_word(word):
            found[word] = 0.0
        for candidate, cost in found.items():
            if " " in candidate or candidate == low:
                continue  # no split here; the word as read, marks dropped, is the "keep" reading
            shown = lead_kept + match_case(core, candidate) + trail_kept
            total = cost + lead_cost + trail_cost
            if total < costs.get(shown, float("inf")):
                costs[shown] = total
    if not costs:
        return None
    n = token.index
    prev = tokens[n - 1].text if n and not text[tokens[n - 1].end:match.start()].strip() else None
    nxt = (tokens[n + 1].text if n + 1 < len(tokens)
           and not text[match.end():tokens[n + 1].start].strip() else None)
    hypotheses = [Hypothesis(shown, cost, "glued", text_zipf(shown.strip("".join(QUOTES)), ctx),
                             ctx.settings.context_weight
                             * fit(shown.strip("".join(QUOTES)), before=prev, after=nxt,
                                   lexicon=ctx.lexicon))
                  for shown, cost in costs.items()]
    original = match.group()
    # Right as read: a known word with stray marks beside it (each read as nothing), or an
    # unknown word.
    nothing = (_nothing_cost(match.group("lead"), ctx)
               + _nothing_cost(match.group("trail") or "", ctx))
    keep = Hypothesis(original, nothing if known else 0.0, "glued",
                      text_zipf(low, ctx) if known else ctx.settings.unknown_zipf)
    return ranked((match.start(), match.end(), token.index), original, keep, hypotheses, ctx,
                  keep_is_original=True)
