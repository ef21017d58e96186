"""What the OCR engine said besides the text: each character's confidence and alternatives
(tesseract's ``lstm_choice_mode=2``) and the word boxes (how wide each blank was, how tall each
lone mark is)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

BoxTuple = tuple[int, int, int, int]  # (left, top, width, height) in pixels
_MEASURING = 4  # words of at least this many characters measure pitch and word height


@dataclass(frozen=True)
class CharChoice:
    """One character: its confidence (0-100) and the other characters tesseract considered
    there, each with its confidence."""

    conf: float
    alternatives: tuple[tuple[str, float], ...] = ()


Choices = Mapping[int, CharChoice]  # by character offset of a text


def text_choices(
    spans: Sequence[tuple[int, int]],
    words: Sequence[str],
    records: Sequence[Sequence[tuple[str, float, Sequence[tuple[str, float]]]]],
) -> dict[int, CharChoice]:
    """Choices by offset of a text whose ``words`` stand at ``spans``, from tesseract's records
    of the same words (``ocr.tesseract.read_choices``). A word whose record spells something
    else is left out; all are when the counts differ."""
    if len(records) != len(words):
        return {}
    out: dict[int, CharChoice] = {}
    for (start, _), word, chars in zip(spans, words, records, strict=True):
        if "".join(c for c, _, _ in chars) != word:
            continue
        for i, (_, conf, alts) in enumerate(chars):
            out[start + i] = CharChoice(float(conf), tuple((a, float(c)) for a, c in alts))
    return out


def joined_choices(
    pages: Sequence[tuple[str, Choices]], *, sep: str = "\f"
) -> dict[int, CharChoice]:
    """The choices of ``sep.join(texts)`` from each text's own."""
    out: dict[int, CharChoice] = {}
    start = 0
    for text, choices in pages:
        out.update((start + offset, said) for offset, said in choices.items())
        start += len(text) + len(sep)
    return out


@dataclass(frozen=True)
class Layout:
    """``gaps``: for the offset of each blank between two words of one line, the gap between
    their boxes in character widths. ``heights``: for the start offset of each word, its box
    height as a share of the page's typical word height."""

    gaps: Mapping[int, float] = field(default_factory=dict)
    heights: Mapping[int, float] = field(default_factory=dict)
    # for the end offset of each word, its box width in character widths less the characters
    # read in it: how many letters the box holds that OCR did not read (round 18j)
    slack: Mapping[int, float] = field(default_factory=dict)

    def shifted(self, by: int) -> Layout:
        """The same layout for the text placed ``by`` characters further on."""
        return Layout(
            {k + by: v for k, v in self.gaps.items()},
            {k + by: v for k, v in self.heights.items()},
            {k + by: v for k, v in self.slack.items()},
        )


def text_layout(text: str, spans: Sequence[tuple[int, int]], boxes: Sequence[BoxTuple]) -> Layout:
    """The layout of ``text`` whose words stand at ``spans`` with the boxes ``boxes``."""
    if len(spans) != len(boxes) or not spans:
        return Layout()
    sizes = [
        (box[2] / (end - start), box[3])
        for (start, end), box in zip(spans, boxes, strict=True)
        if end - start >= _MEASURING
    ]
    if not sizes:
        return Layout()
    pitch = statistics.median(w for w, _ in sizes)
    height = statistics.median(h for _, h in sizes)
    if pitch <= 0 or height <= 0:
        return Layout()
    gaps = {}
    for (_, end), (start, _), box, nxt in zip(spans, spans[1:], boxes, boxes[1:], strict=False):
        if text[end:start] == " ":
            gaps[end] = round((nxt[0] - (box[0] + box[2])) / pitch, 3)
    heights = {
        start: round(box[3] / height, 3) for (start, _), box in zip(spans, boxes, strict=True)
    }
    slack = {
        end: round(box[2] / pitch - (end - start), 3)
        for (start, end), box in zip(spans, boxes, strict=True)
    }
    return Layout(gaps, heights, slack)


def joined_layout(pages: Sequence[tuple[str, Layout]], *, sep: str = "\f") -> Layout:
    """The layout of ``sep.join(texts)`` from each text's own."""
    gaps: dict[int, float] = {}
    heights: dict[int, float] = {}
    slack: dict[int, float] = {}
    start = 0
    for text, layout in pages:
        moved = layout.shifted(start)
        gaps.update(moved.gaps)
        heights.update(moved.heights)
        slack.update(moved.slack)
        start += len(text) + len(sep)
    return Layout(gaps, heights, slack)
