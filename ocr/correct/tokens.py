"""The OCR text as chunks: each run of non-blank characters, its punctuation peeled off, with
its line and whether it starts a sentence."""

from __future__ import annotations

from dataclasses import dataclass

import regex

from ocr.correct.lexicon import fold, lexicon_table, token_rows

_CHUNK = regex.compile(r"[^\s.,;:!?]+")
_PUNCT = regex.compile(r"[.,;:!?]*")
# Quotes and brackets a typist typed (straight quotes, guillemets); curly quotes and backticks
# stay in the core: a typewriter had none, so there they are what OCR read for a letter or dirt.
LEADING = '(«"„-–—'
TRAILING = ')»"-–—'
_ENDS_SENTENCE = frozenset(".!?…")


@dataclass(frozen=True)
class Chunk:
    """One chunk of the text (a run of characters between blanks and sentence punctuation):
    ``start``/``end`` and ``text`` are its core (without quotes, brackets and dashes around
    it); ``outer_end`` is where the punctuation right after it ends."""

    start: int
    end: int
    text: str
    index: int
    line: int
    sentence_start: bool
    outer_end: int

    @property
    def letters(self) -> int:
        return sum(c.isalpha() for c in self.text)

    @property
    def word_like(self) -> bool:
        """Letters, with at most marks among them (no digit)."""
        return self.letters > 0 and not any(c.isdigit() for c in self.text)

    @property
    def marks_only(self) -> bool:
        return not any(c.isalnum() for c in self.text)


def foreign_letter(char: str) -> bool:
    """A letter that Komi or another Cyrillic language has and Russian lacks (the lexicon's
    table, ``ocr/data/lexicon_ru.tsv``)."""
    return char in lexicon_table().foreign_letters


def is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


def is_latin(char: str) -> bool:
    return char.isalpha() and (char.isascii() or "\u00c0" <= char <= "\u024f")


def _core(chunk: str) -> tuple[int, int]:
    """Offsets of the core of ``chunk``: leading and trailing punctuation peeled off (a chunk of
    marks only is its own core)."""
    a, b = 0, len(chunk)
    while a < b and chunk[a] in LEADING:
        a += 1
    while b > a and chunk[b - 1] in TRAILING:
        b -= 1
    return (a, b) if a < b else (0, len(chunk))


def chunks(text: str) -> list[Chunk]:
    """The chunks of ``text`` in order."""
    out: list[Chunk] = []
    line = 0
    prev_end = 0
    ends_sentence = True
    for m in _CHUNK.finditer(text):
        gap = text[prev_end : m.start()]
        line += gap.count("\n")
        a, b = _core(m.group())
        core = m.group()[a:b]
        start = ends_sentence or "\n\n" in gap
        punct = _PUNCT.match(text, m.end())
        outer = punct.end() if punct is not None else m.end()
        out.append(Chunk(m.start() + a, m.start() + b, core, len(out), line, start, outer))
        tail = text[m.start() + b : outer]
        ends_sentence = any(c in _ENDS_SENTENCE for c in tail) and not _abbreviation(core)
        prev_end = m.end()
    return out


def _abbreviation(word: str) -> bool:
    """A period after ``word`` ends no sentence: an abbreviation of the tokens table or an
    initial (one capital). A period after a number does end one (a numbered item, a date at a
    sentence's end): in the tuning texts every word after a number and a period starts with a
    capital (bench/results_correct.md)."""
    row = token_rows().get(fold(word))
    return row is not None and row.abbreviation or len(word) == 1 and word.isupper()
