"""A capital first letter inside a sentence that OCR read for a small one (``в Работе``,
``угрозу Выполнение``): Cyrillic capitals and small letters differ mostly in size, and worn
type blurs that."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ocr.correct.context import parses
from ocr.correct.records import Candidate, Suggestion
from ocr.correct.scoring import Context
from ocr.correct.tokens import ONE_LETTER_WORDS, Token, is_cyrillic

SMALL_FIRST_SCORE = 0.96
# Words after which a capital starts a name (имени Кирова, орденом Ленина, деревни Лесная).
NAMING_WORDS = frozenset({
    "имени", "им", "ордена", "орденом", "орден", "деревни", "деревня", "деревне", "село", "села",
    "селе", "город", "города", "городе", "г", "поселок", "поселка", "поселке", "колхоз", "колхоза",
    "колхозе", "колхозу", "совхоз", "совхоза", "совхозе", "завод", "завода", "заводе", "фабрика",
    "фабрики", "фабрике", "улица", "улицы", "улице", "ул", "станция", "станции", "район", "района",
    "районе", "область", "области", "газета", "газеты", "газете", "журнал", "журнала", "тов",
    "товарищ", "товарища", "товарищу", "гражданин", "гражданина", "река", "реки", "озеро", "озера",
    "артель", "артели", "издательство", "издательства", "типография", "типографии",
})
# Common words that paperwork of the period writes with a capital as the first word of a name
# (Совет депутатов трудящихся, Союз чехословацко-советской дружбы).
CAPITALISED_LEMMAS = frozenset({"совет", "союз"})
PROPER_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})


def capital_counts(tokens: Sequence[Token]) -> Counter[str]:
    """How often each word (lower-cased) is written with a capital first letter, small rest,
    inside a sentence."""
    return Counter(t.text.lower() for t in tokens
                   if not t.sentence_start and len(t.text) > 1 and t.text[:1].isupper()
                   and t.text[1:].islower())


def small_first(text: str, tokens: Sequence[Token], position: int, word: str,
                ctx: Context) -> bool:
    """Whether ``word`` (the reading of ``tokens[position]``, capital first letter) is a common
    word whose capital OCR made up: inside a sentence, on the same line right after a known
    small-letter word (one blank between, no quote), not after a word that introduces a name,
    not before another capitalised word (Дальнего Востока, Совета Министров), not an
    abbreviation, and its small-letter form is a dictionary word that is no proper name, no
    adjective made of one (Камчатской) and that the text does not write with a capital elsewhere.
    """
    token = tokens[position]
    letters = [c for c in word if c.isalpha()]
    if (token.sentence_start or position == 0 or len(letters) < 2 or not word[:1].isupper()
            or not all(c.islower() for c in letters[1:]) or " " in word
            or not all(is_cyrillic(c) for c in letters)
            or token.before_period and len(letters) <= 3 or token.broken):
        return False
    prev = tokens[position - 1]
    if (prev.text in ("и", "или") and position > 1 and tokens[position - 2].text[:1].isupper()
            and not tokens[position - 2].sentence_start):
        return False  # a list of names: Лесная и Ягодное
    nxt = tokens[position + 1] if position + 1 < len(tokens) else None
    if (prev.line != token.line or text[prev.end:token.start] != " "
            or not prev.text[:1].islower() or prev.text.lower() in NAMING_WORDS
            or not (len(prev.text) >= 2 or prev.text in ONE_LETTER_WORDS)
            or not ctx.lexicon.is_word(prev.text)):
        return False
    if nxt is not None and not text[token.end:nxt.start].strip() and (
            nxt.text[:1].isupper() or nxt.line == token.line and is_fragment(nxt, ctx)):
        return False
    return common_word(word.lower(), ctx, written=int(word == token.text))


def common_word(low: str, ctx: Context, *, written: int = 0) -> bool:
    """Whether ``low`` is a dictionary word written with a small letter inside a sentence: not
    protected, not written with a capital in the text more than ``written`` times, no proper
    name, no adjective made of one (Камчатской, Тульской)."""
    if (low in ctx.protected or ctx.capital_counts.get(low, 0) > written
            or not ctx.lexicon.in_dictionary(low)):
        return False
    found = parses(low, ctx.lexicon)
    return not (any(PROPER_TAGS & p.tag.grammemes or p.normal_form in CAPITALISED_LEMMAS
                    for p in found)
                or any(p.tag.POS in ("ADJF", "ADJS") and p.normal_form.endswith(("ский", "цкий"))
                       for p in found))


def is_fragment(token: Token, ctx: Context) -> bool:
    """A few letters that are no common word: a piece of a word OCR tore apart (``Ко лхозники``)."""
    letters = sum(c.isalpha() for c in token.text)
    return (0 < letters <= ctx.settings.max_fragment
            and ctx.lexicon.zipf(token.text.lower()) < ctx.settings.fragment_zipf)


def first_capital(text: str, tokens: Sequence[Token], position: int,
                  ctx: Context) -> list[Suggestion]:
    """The suggestion to write a known word's made-up capital first letter small."""
    token = tokens[position]
    if not ctx.lexicon.is_word(token.text) or not small_first(text, tokens, position, token.text,
                                                               ctx):
        return []
    fixed = token.text[:1].lower() + token.text[1:]
    best = Candidate(fixed, SMALL_FIRST_SCORE, 0.0, "case")
    return [Suggestion(token.start, token.end, token.index, token.text, (best,),
                       1 - SMALL_FIRST_SCORE)]
