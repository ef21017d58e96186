"""Typewriter layout: paragraphs wrapped on a fixed pitch and line feed, never hyphenated."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "centre", "right"]


@dataclass(frozen=True)
class TypedLine:
    """One typed line: its text and where the carriage put it (first cell's left edge, baseline)."""

    text: str
    left: int
    baseline: int


@dataclass(frozen=True)
class Paragraph:
    """A block of text as a typist sets it: first-line indent, alignment, blank lines above."""

    text: str
    indent: int = 0
    align: Align = "left"
    space_before: float = 0.0


def letter_spaced(word: str) -> str:
    """Spread a word out the typewriter way, one space between letters ("Д Н Е В Н И К")."""
    return " ".join(word)


def wrap_paragraph(text: str, *, width_chars: int, indent: int = 0) -> list[str]:
    """Greedy word wrap on ``width_chars`` cells; words are never split, even at hyphens."""
    lines = textwrap.wrap(
        " ".join(text.split()),
        width_chars,
        initial_indent=" " * indent,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return lines or [""]


def _column(line: str, *, width_chars: int, align: Align) -> int:
    """The starting cell of ``line`` on a carriage ``width_chars`` wide."""
    if align == "centre":
        return max(0, (width_chars - len(line)) // 2)
    if align == "right":
        return max(0, width_chars - len(line))
    return 0


def layout_paragraphs(
    paragraphs: Sequence[Paragraph],
    *,
    left: int,
    first_baseline: int,
    width_chars: int,
    pitch_px: int,
    line_px: int,
) -> tuple[TypedLine, ...]:
    """Place paragraphs line by line; leading spaces become offset, so each text is stripped."""
    placed: list[TypedLine] = []
    baseline = float(first_baseline)
    for number, para in enumerate(paragraphs):
        if number:
            baseline += line_px
        baseline += para.space_before * line_px
        wrapped = wrap_paragraph(para.text, width_chars=width_chars, indent=para.indent)
        for index, line in enumerate(wrapped):
            if index:
                baseline += line_px
            cell = _column(line.strip(), width_chars=width_chars, align=para.align)
            if para.align == "left":
                cell = len(line) - len(line.lstrip(" "))
            placed.append(TypedLine(line.strip(), left + cell * pitch_px, round(baseline)))
    return tuple(placed)
