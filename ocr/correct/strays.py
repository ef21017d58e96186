"""Marks standing alone between words: specks and dirt that OCR read as ``|``, ``_``, ``©``, ``‚``,
and periods a stray blank cut from their word (``Громова .``).

A typed Russian page has no bar, quote, degree sign or colon standing alone between two blanks,
but a lone mark may also be all that is left of a faded word; the word boxes tell the two apart
(``ocr.correct.layout``): a mark whose box is a speck, standing beyond its line's text or inside
one blank, is dirt and is deleted with the blank beside it. On the medium and heavy typed-only
pages of the `ocr synth` tuning sets (seeds 7, 8 and 9; bench/bench_correct.py) deleting such
marks took errors off the text 34 times in 35 and added none. Without boxes no mark is deleted.

A lone period (or comma, colon...) whose blank before it is as narrow as a cut goes back against
its word. Without boxes a lone period is only suggested (``PERIOD_SCORE``, under the default
threshold): put back against a word at a line end or before a capital, deleted in the middle of
a line before a small letter or after a word that already ends in a mark. A dash, ``№`` or a
bracket standing alone may be typed so, and is left alone.

``№`` itself, standing before a number in every registry mark (``Экз. № 2``, ``Приказ № 125``),
is read as ``Х``, ``Л``, ``М``, ``»``, ``@`` or ``#`` on worn pages: such a lone token before a
number was ``№`` all 37 times on the `ocr synth` tuning sets' pages (seeds 7 to 10, typed and
stamped; a lone ``У`` before a number was the preposition twice in four, and is left alone).

``тов.`` before a surname is the paperwork's commonest abbreviation, and too short for the word
search (a word of three letters before a period is taken for an abbreviation): three characters
one letter from it before a period and a capitalised word (``гов. Иванову``, ``тоз. Лаптев``,
``“Ов. Зорин``) were ``тов.`` 19 times in 19 on the tuning sets' pages (seeds 7 to 10).
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from ocr.correct.layout import Layout
from ocr.correct.records import Candidate, CandidateKind, Suggestion
from ocr.correct.tokens import Token

# Marks a typist never types between two blanks (with periods and commas, a run of them).
STRAY_MARKS = frozenset("|_=©‚„`‘’'\"“”«»‹›@*#$%&^~°<>?[]{}\\;:+")
# How sure each rule is: 34 of 35 (above; Laplace estimate, rounded); a lone period read from the
# text alone is left for a reviewer to decide.
STRAY_SCORE = 0.97
PERIOD_SCORE = 0.9
# Readings of a lone "№" before a number, and how sure that is (37 of 37; Laplace, rounded down).
NUMBER_SIGN_READINGS = frozenset({"Х", "Л", "М", "»", "@", "#"})
NUMBER_SCORE = 0.96
# "тов." misread before a surname, and how sure that is (19 of 19; Laplace, rounded down).
TITLE = "тов"
TITLE_SCORE = 0.95
_SURNAME = regex.compile(r"\p{Lu}\p{Ll}")
_RUN = regex.compile(r"\S+")
_CLOSING = frozenset(".,:;!?")


def stray_suggestions(text: str, tokens: Sequence[Token], skipped_lines: Sequence[int] = (),
                      layout: Layout | None = None, tight_gap: float = 0.55) -> list[Suggestion]:
    """Deletions of stray marks whose boxes were specks (``specks``: the start offsets of such
    words, ``ocr.correct.layout``), and lone periods put back against their word, outside the
    lines left alone (``skipped_lines``, as numbered by ``ocr.correct.tokens.tokenize``, whose
    ``tokens`` of the text tell where sentences start)."""
    layout = layout or Layout()
    sentence_starts = {t.start for t in tokens if t.sentence_start}
    found = []
    skipped = set(skipped_lines)
    lines = text.split("\n")
    offset = 0
    for number, line in enumerate(lines):
        if number not in skipped:
            runs = list(_RUN.finditer(line))
            for i in range(len(runs)):
                edit = _edit(line, runs, i, offset + runs[i].start() in layout.specks,
                             layout.gap(offset + runs[i - 1].end()) if i else None, tight_gap)
                if edit is not None:
                    start, end, replacement, score = edit
                    if replacement == TITLE and any(
                            offset + start <= at < offset + end for at in sentence_starts):
                        replacement = TITLE.capitalize()
                    found.append(_suggestion(text, offset + start, offset + end, replacement,
                                             score))
        offset += len(line) + 1
    return found


def _edit(line: str, runs: list[regex.Match], i: int, speck: bool, gap: float | None,
          tight_gap: float) -> tuple[int, int, str, float] | None:
    """(start, end, replacement, score) in ``line`` for the run ``i`` (``speck``: its box was
    one; ``gap``: the blank before it, in character widths, when known), or None."""
    run = runs[i]
    word = run.group()
    prev = runs[i - 1] if i > 0 else None
    after = runs[i + 1] if i + 1 < len(runs) else None
    if word in NUMBER_SIGN_READINGS and after is not None and after.group()[:1].isdigit():
        return run.start(), run.end(), "№", NUMBER_SCORE
    if (len(word) == len(TITLE) + 1 and word.endswith(".") and after is not None
            and _SURNAME.match(after.group()) and word[:-1].lower() != TITLE
            and sum(a != b for a, b in zip(word[:-1].lower(), TITLE, strict=True)) == 1):
        title = TITLE.capitalize() if word[0].isupper() else TITLE
        return run.start(), run.end() - 1, title, TITLE_SCORE
    if all(c in STRAY_MARKS or c in ".," for c in word) and any(c in STRAY_MARKS for c in word):
        return (*_deletion(line, run, prev, after), STRAY_SCORE) if speck else None
    if word in _CLOSING and prev is not None and gap is not None and gap < tight_gap:
        return prev.end(), run.end(), word, STRAY_SCORE  # a cut, not a blank: "Громова ."
    if word != "." or prev is None and after is None:
        return None
    if prev is not None and prev.group()[-1].isalpha() and (
            after is None or after.group()[0].isupper()):
        return prev.end(), run.end(), ".", PERIOD_SCORE  # "Субботина ." -> "Субботина."
    if prev is None or prev.group()[-1] in _CLOSING or after is not None and after.group()[0].islower():
        return (*_deletion(line, run, prev, after), PERIOD_SCORE)
    return None


def _deletion(line: str, run: regex.Match, prev: regex.Match | None,
              after: regex.Match | None) -> tuple[int, int, str]:
    """The run with the blanks before it (or, first on its line, after it) deleted."""
    if prev is not None:
        return prev.end(), run.end(), ""
    if after is not None:
        return run.start(), after.start(), ""
    return run.start(), run.end(), ""


def _suggestion(text: str, start: int, end: int, replacement: str, score: float) -> Suggestion:
    """One candidate (word index -1: a mark is no word of the text's tokens)."""
    kind: CandidateKind = ("number" if replacement == "№" else
                           "title" if replacement.lower() == TITLE else "stray")
    return Suggestion(start, end, -1, text[start:end],
                      (Candidate(replacement, score, 0.0, kind),), 1.0 - score)
