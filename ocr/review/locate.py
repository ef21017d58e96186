"""Find a flag's span in the reference file: normalised offsets mapped back to the decoded text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from ocr.score import normalise

BOM = "\ufeff"
# Line separators of ocr.score.normalise, plus the form feed: pages are flattened to lines here.
_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
CONTEXT = 60  # characters of OCR/reference text compared on each side of a span
_BLANK_LINES = re.compile("\n{2,}")
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class NormalisedText:
    """``normalise(raw.replace("\\f", "\\n"))`` with each character's range in ``raw``."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    raw_length: int

    def raw_range(self, start: int, end: int) -> tuple[int, int]:
        """The range of ``raw`` normalised text[start:end] came from (empty: an insertion point)."""
        if start < end:
            return self.starts[start], self.ends[end - 1]
        if start < len(self.text):
            return self.starts[start], self.starts[start]
        last = self.ends[-1] if self.ends else 0
        return last, last


@dataclass(frozen=True)
class Located:
    """Where a span sits in the decoded reference text, and how it was found."""

    start: int
    end: int
    method: str  # offsets | unique | context | insertion


def _nfc_chars(raw: str) -> list[tuple[str, int, int]]:
    """(character, raw start, raw end) after dropping BOMs and composing to NFC."""
    if unicodedata.is_normalized("NFC", raw):
        return [(c, i, i + 1) for i, c in enumerate(raw) if c != BOM]
    out: list[tuple[str, int, int]] = []
    start = 0
    for i in range(1, len(raw) + 1):
        # A cluster runs from a starter to the next one; composition never crosses starters here.
        if i == len(raw) or unicodedata.combining(raw[i]) == 0:
            group = raw[start:i].replace(BOM, "")
            out.extend((c, start, i) for c in unicodedata.normalize("NFC", group))
            start = i
    return out


def normalised_with_offsets(raw: str) -> NormalisedText | None:
    """Normalise like ocr.score.normalise (pages as lines, no blank lines), keeping offsets;
    None if they disagree."""
    text: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    gap: tuple[int, int] | None = None
    line_break = False
    for char, start, end in _nfc_chars(raw):
        if char.isspace():
            gap = (gap[0] if gap else start, end)
            line_break = line_break or char in _BREAKS
            continue
        if gap is not None and text:  # a whitespace run between words becomes one space or LF
            text.append("\n" if line_break else " ")
            starts.append(gap[0])
            ends.append(gap[1])
        gap, line_break = None, False
        text.append(char)
        starts.append(start)
        ends.append(end)
    joined = "".join(text)
    if joined != _BLANK_LINES.sub("\n", normalise(raw.replace("\f", "\n"))).lstrip("\n"):
        return None  # exotic composition across clusters: better unlocated than misplaced
    return NormalisedText(joined, tuple(starts), tuple(ends), len(raw))


def _one_line(text: str) -> str:
    return _BLANKS.sub(" ", text)


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _at_word_bounds(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _context_score(
    text: str, start: int, end: int, before: str, after: str, expected: float | None
) -> float:
    score = 0.0
    if before:
        score += fuzz.ratio(before, text[max(0, start - len(before)) : start])
    if after:
        score += fuzz.ratio(after, text[end : end + len(after)])
    if expected is not None and text:
        score -= 20.0 * abs(start / len(text) - expected)  # a weak tie-breaker only
    return score


def find_span(
    norm: str, ref_text: str, *, before: str, after: str, expected: float | None
) -> tuple[int, int, str] | None:
    """Normalised offsets of ``ref_text`` in ``norm``, the best by OCR context if it recurs."""
    needle = normalise(ref_text)
    if not needle:
        return None
    hits = _occurrences(norm, needle)
    whole_words = [h for h in hits if _at_word_bounds(norm, h, h + len(needle))]
    hits = whole_words or hits
    if not hits:
        return None
    if len(hits) == 1:
        return hits[0], hits[0] + len(needle), "unique"
    best = max(
        hits, key=lambda h: _context_score(norm, h, h + len(needle), before, after, expected)
    )
    return best, best + len(needle), "context"


def find_insertion(norm: str, *, before: str, after: str) -> int | None:
    """Where text the reference lacks belongs: after the OCR's left context, before its right."""
    left = before[-CONTEXT // 2 :].strip()
    right = after[: CONTEXT // 2].strip()
    cut_left = cut_right = None
    if left:
        m = fuzz.partial_ratio_alignment(left, norm)
        if m is not None and m.score >= 70:
            cut_left = m.dest_end
    if right:
        m = fuzz.partial_ratio_alignment(right, norm)
        if m is not None and m.score >= 70:
            cut_right = m.dest_start
    if cut_right is not None and (cut_left is None or 0 <= cut_right - cut_left <= 3):
        return cut_right  # the pipeline's empty spans sit at the start of the next word
    return cut_left


def _offsets_hold(
    text: str, start: int, end: int, ref_text: str, ref_before: str, ref_after: str
) -> bool:
    """Whether stored offsets still point at the span (and its stored neighbours, if any)."""
    return (
        0 <= start <= end <= len(text)
        and text[start:end] == ref_text
        and text[max(0, start - len(ref_before)) : start] == ref_before
        and text[end : end + len(ref_after)] == ref_after
    )


def find_in_reference_context(
    flat: str,
    ref_text: str,
    *,
    ref_before: str,
    ref_after: str,
    before: str,
    after: str,
    expected: float | None,
) -> tuple[int, int] | None:
    """The span found by the reference text the pipeline saw around it (exact, rarely ambiguous)."""
    needle = ref_before + ref_text + ref_after
    hits = _occurrences(flat, needle) if needle else []
    if not hits:
        return None
    best = max(
        hits,
        key=lambda h: _context_score(
            flat, h + len(ref_before), h + len(ref_before) + len(ref_text), before, after, expected
        ),
    )
    return best + len(ref_before), best + len(ref_before) + len(ref_text)


def locate(
    norm: NormalisedText,
    *,
    ref_text: str,
    before: str = "",
    after: str = "",
    ref_before: str = "",
    ref_after: str = "",
    offsets: Sequence[int] | None = None,
    expected: float | None = None,
) -> Located | None:
    """Where a flag's reference text is in the decoded reference; None if it cannot be placed.

    In order: offsets into the normalised reference (if the text and neighbours there still
    match), the reference context stored with the flag, then a search for the text itself with
    the OCR's context around the flag choosing among repeats; text the reference lacks is placed
    between its neighbours.
    """
    # Line breaks fall differently in the OCR and the reference: compare everything as one line
    # (blank lines too: one blank between words, as in the normalised reference here).
    flat = norm.text.replace("\n", " ")
    ref_text = _one_line(normalise(ref_text))
    ref_before, ref_after, before, after = (
        _one_line(t) for t in (ref_before, ref_after, before, after)
    )
    if offsets is not None and _offsets_hold(
        flat, offsets[0], offsets[1], ref_text, ref_before, ref_after
    ):
        return Located(*norm.raw_range(offsets[0], offsets[1]), "offsets")
    if ref_before or ref_after:
        span = find_in_reference_context(
            flat,
            ref_text,
            ref_before=ref_before,
            ref_after=ref_after,
            before=before,
            after=after,
            expected=expected,
        )
        if span is not None:
            return Located(*norm.raw_range(*span), "reference context")
    if ref_text:
        found = find_span(flat, ref_text, before=before, after=after, expected=expected)
        if found is None:
            return None
        return Located(*norm.raw_range(found[0], found[1]), found[2])
    point = find_insertion(flat, before=before, after=after)
    if point is None:
        return None
    return Located(*norm.raw_range(point, point), "insertion")


def splice(raw: str, start: int, end: int, text: str) -> str:
    """Replace raw[start:end] by text; words kept apart (insertions), spaces single (deletions)."""
    if start == end and text:
        if start > 0 and not raw[start - 1].isspace():
            text = " " + text
        if start < len(raw) and not raw[start].isspace():
            text = text + " "
    elif (
        not text and end < len(raw) and raw[end] == " " and (start == 0 or raw[start - 1].isspace())
    ):
        end += 1  # deleting a word: do not leave two spaces behind
    return raw[:start] + text + raw[end:]
