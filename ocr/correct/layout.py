"""What the word boxes of a page say that its text has lost: how wide each blank between two words
was, and which "words" are specks rather than type.

A typescript is typed at a fixed pitch: a blank between two words is a whole character cell, so
the gap between their boxes is about one character wide or more. Where tesseract cut a word in
two (``проект ной``, ``недост ат ка`` on a worn page) the gap is a letter's side bearings, half a
cell or less. Counted on the medium and heavy typed-only pages of the `ocr synth` tuning sets
(seeds 7, 8 and 9, bench/bench_correct.py): of the gaps under 0.55 of the page's character width,
67 were cuts inside a word and 21 real blanks; of those of 0.9 and over, 2896 of 2936 were real
blanks.

Specks read as marks (``|``, ``©``, ``‚``) have boxes far lower than a line of type. A speck
beyond the typed text of its line, or inside one blank, is dirt; one where a whole word is
missing between its neighbours is what is left of that word (``ocr.correct.strays``).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# (left, top, width, height) of one word's box, in pixels.
BoxTuple = tuple[int, int, int, int]
# Below this share of the page's typical word height a mark is a speck, not type.
SMALL_HEIGHT = 0.5
# Two words less than this many character widths apart have only a blank between them.
BLANK = 1.8
# Words of at least this many characters measure the page's character width and word height.
_MEASURING = 4


@dataclass(frozen=True)
class Layout:
    """``gaps``: for the offset of each blank between two words of one line, the gap between
    their boxes in character widths. ``specks``: start offsets of the words whose box is under
    half the page's typical word height and which stand where no typed word was
    (:func:`_in_blank`)."""

    gaps: Mapping[int, float] = field(default_factory=dict)
    specks: frozenset[int] = frozenset()

    def gap(self, offset: int) -> float | None:
        """The gap at the blank ``offset``, None when unknown."""
        return self.gaps.get(offset)

    def shifted(self, by: int) -> Layout:
        """The same layout for the text placed ``by`` characters further on."""
        return Layout({k + by: v for k, v in self.gaps.items()},
                      frozenset(k + by for k in self.specks))


def text_layout(text: str, spans: Sequence[tuple[int, int]], boxes: Sequence[BoxTuple]) -> Layout:
    """The layout of ``text`` whose words stand at ``spans`` with the boxes ``boxes`` (one page;
    words of one line are joined by one blank, lines by a line break)."""
    if len(spans) != len(boxes) or not spans:
        return Layout()
    sizes = [(box[2] / (end - start), box[3]) for (start, end), box in zip(spans, boxes, strict=True)
             if end - start >= _MEASURING]
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
    specks = frozenset(spans[i][0] for i in range(len(spans))
                       if boxes[i][3] < SMALL_HEIGHT * height and _in_blank(text, spans, boxes, i,
                                                                            pitch))
    return Layout(gaps, specks)


def _in_blank(text: str, spans: Sequence[tuple[int, int]], boxes: Sequence[BoxTuple], i: int,
              pitch: float) -> bool:
    """Whether word ``i`` stands beyond the typed text of its line (first or last on it) or in a
    blank between two words (they are less than BLANK character widths apart): not in the place
    of a word that faded to a speck."""
    before = i > 0 and text[spans[i - 1][1]:spans[i][0]] == " "
    after = i + 1 < len(spans) and text[spans[i][1]:spans[i + 1][0]] == " "
    if not (before and after):
        return True
    left, right = boxes[i - 1], boxes[i + 1]
    return right[0] - (left[0] + left[2]) < BLANK * pitch


def joined_layout(pages: Sequence[tuple[str, Layout]], *, sep: str = "\f") -> Layout:
    """The layout of ``sep.join(texts)`` from each text's own."""
    gaps: dict[int, float] = {}
    specks: set[int] = set()
    start = 0
    for text, layout in pages:
        moved = layout.shifted(start)
        gaps.update(moved.gaps)
        specks.update(moved.specks)
        start += len(text) + len(sep)
    return Layout(gaps, frozenset(specks))
