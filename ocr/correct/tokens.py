"""Word tokens with offsets, sentence starts, scripts, Roman numerals and line-end hyphenation."""

from __future__ import annotations

from dataclasses import dataclass

import regex

# Letters and digits, with inner hyphens kept (научно-исследовательский, 7-1-1956).
_WORD = regex.compile(r"[\p{L}\p{N}]+(?:[-\u2010][\p{L}\p{N}]+)*")
# A word broken at a line end: "об-\nласть" (the hyphen may be followed by blanks).
_HYPHENATED = regex.compile(r"(\p{L}+)[-\u2010\u00ad][ \t]*\n[ \t]*(\p{L}+)")
_LINE_END_HYPHEN = regex.compile(r"[-\u2010\u00ad][ \t]*(?:\n|\Z)")
# Marks that OCR leaves where it misread a letter; a word glued to one is only a piece of a word.
_STRAY = frozenset("^<>[]{}|`‘’'\"*~\\/_@#$%&=+")
_MARKS = regex.compile(r"[^\s\p{L}\p{N}\-\u2010]+")
_ROMAN = regex.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_SENTENCE_END = frozenset(".!?…")

# Abbreviations of the period's paperwork; a token followed by "." that is one of these is kept.
ABBREVIATIONS = frozenset({
    "тов", "тт", "зав", "зам", "г", "гг", "т", "д", "пр", "им", "др", "см", "ул", "обл", "р-н", "с",
    "млн", "млрд", "руб", "коп", "тыс", "вх", "исх", "экз", "л", "стр", "ст", "п", "пп", "н", "напр",
    "нач", "пред", "секр", "сов", "вкл", "кв", "км", "кг", "ц", "т.е", "т.к", "т.д", "т.п", "и.о",
})
# Cyrillic letters that can stand alone as Russian words.
ONE_LETTER_WORDS = frozenset("вкосуиая")
# Letters of Komi that Russian lacks: a word holding one of them is not Russian (Latin ö and i too).
NON_RUSSIAN_CYRILLIC = frozenset("ӧӦіІöÖїЇєЄўЎ")


@dataclass(frozen=True)
class Token:
    """One word of a text: its span, position in the token list, line and context flags."""

    start: int
    end: int
    text: str
    index: int
    line: int
    sentence_start: bool
    before_period: bool
    broken: bool = False  # ends in a hyphen at a line end, or is glued to stray marks


def is_cyrillic(char: str) -> bool:
    """True for letters of the Cyrillic blocks."""
    return "\u0400" <= char <= "\u052f"


def is_latin(char: str) -> bool:
    """True for ASCII and Latin-1 letters (the ones OCR puts among Cyrillic ones)."""
    return char.isalpha() and char.isascii() or "\u00c0" <= char <= "\u024f"


def scripts(word: str) -> tuple[int, int, int]:
    """Counts of Cyrillic letters, Latin letters and digits in ``word``."""
    cyr = sum(1 for c in word if is_cyrillic(c))
    lat = sum(1 for c in word if c.isalpha() and is_latin(c))
    return cyr, lat, sum(1 for c in word if c.isdigit())


def is_roman_numeral(word: str) -> bool:
    """Latin capitals forming a valid Roman numeral with I, V or X in it (XII, IV; not a lone C)."""
    return bool(word) and any(c in "IVX" for c in word) and _ROMAN.fullmatch(word) is not None


def tokenize(text: str) -> list[Token]:
    """Word tokens of ``text`` in order, with line numbers and sentence-start flags."""
    tokens: list[Token] = []
    prev_end, line, prev = 0, 0, None
    for match in _WORD.finditer(text):
        gap = text[prev_end:match.start()]
        line += gap.count("\n")
        start = prev is None or _ends_sentence(prev, gap)
        before_period = text[match.end():match.end() + 1] == "."
        broken = (_LINE_END_HYPHEN.match(text, match.end()) is not None
                  or text[match.end():match.end() + 1] in _STRAY
                  or text[match.start() - 1:match.start()] in _STRAY and match.start() > 0
                  or _glued(text, match.start(), match.end()))
        prev = Token(match.start(), match.end(), match.group(), len(tokens), line, start,
                     before_period, broken)
        tokens.append(prev)
        line += match.group().count("\n")
        prev_end = match.end()
    return tokens


def _glued(text: str, start: int, end: int) -> bool:
    """Whether marks with no space join the word to letters on one side, a lower-case letter
    going on after them: ``прач.нах``, ``судоремон”тного``, ``мес:чным`` are pieces of one word
    whose middle OCR misread (a sentence or an abbreviation would go on with a capital or a
    space)."""
    after = _MARKS.match(text, end)
    if after is not None and text[after.end():after.end() + 1].islower():
        return True
    i = start
    while i > 0 and _is_mark(text[i - 1]):
        i -= 1
    return i < start and i > 0 and text[i - 1].isalpha() and text[start].islower()


def _is_mark(char: str) -> bool:
    return not (char.isspace() or char.isalnum() or char in "-\u2010")


def _ends_sentence(prev: Token, gap: str) -> bool:
    """Whether the gap after ``prev`` closes a sentence (not an abbreviation or an initial)."""
    if "\n\n" in gap:
        return True
    if not any(c in _SENTENCE_END for c in gap):
        return False
    word = prev.text
    return not (word.lower() in ABBREVIATIONS or len(word) == 1 and word.isupper())


def hyphenated_breaks(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, head, tail) for each word split by a hyphen at a line end."""
    return [(m.start(), m.end(), m.group(1), m.group(2)) for m in _HYPHENATED.finditer(text)]


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each line, without the line break."""
    spans, start = [], 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans
