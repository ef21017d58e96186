"""Text normalisation, CER/WER identical to dinglehopper 0.11, word-level diff spans, page splitting."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Levenshtein
from uniseg.derived import InCB, indic_conjunct_break
from uniseg.emoji import extended_pictographic
from uniseg.graphemecluster import GraphemeClusterBreak as GCB
from uniseg.graphemecluster import grapheme_cluster_break, grapheme_clusters
from uniseg.wordbreak import WordBreak as WB
from uniseg.wordbreak import word_break
from uniseg.wordbreak import words as uniseg_words

SpanKind = Literal["replace", "insert", "delete"]

BOM = "\ufeff"
FORM_FEED = "\f"
# Line separators of str.splitlines() except the form feed, which separates pages and is kept.
_LINE_BREAK = re.compile("\r\n|[\n\r\v\x1c-\x1e\x85\u2028\u2029]")

# dinglehopper.word_error_rate.words() drops every "word" made only of characters whose category
# is in these major classes or subcategories ("O" matches nothing; Co, Cn, Cs are kept).
_UNWANTED_CATEGORIES = frozenset("OMPZS")
_UNWANTED_SUBCATEGORIES = frozenset({"Cc", "Cf"})

# Character classes for the fast, exact segmenters below.
_G_SIMPLE, _G_CR, _G_LF, _G_COMPLEX = range(4)
_W_WORD, _W_SPACE, _W_NEWLINE, _W_SKIP, _W_PUNCT, _W_MID, _W_OTHER = range(7)


@dataclass(frozen=True)
class DiffSpan:
    """One disagreement between reference and OCR, as character offsets into both input strings."""

    ref_start: int
    ref_end: int
    ocr_start: int
    ocr_end: int
    ref_text: str
    ocr_text: str
    kind: SpanKind


@dataclass(frozen=True)
class TextScore:
    """CER and WER of one text pair with their counts (for micro-averaging) and word diff spans."""

    cer: float
    wer: float
    char_errors: int
    char_total: int
    word_errors: int
    word_total: int
    spans: tuple[DiffSpan, ...] = ()


# --- normalisation -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """NFC, no BOM, one space per whitespace run, stripped non-blank lines joined by LF.

    Form feeds survive as page separators (each page is normalised on its own); trailing empty
    pages are dropped, so a final form feed does not count as a character.
    """
    text = unicodedata.normalize("NFC", text.replace(BOM, ""))
    pages = [_normalise_page(page) for page in text.split(FORM_FEED)]
    while len(pages) > 1 and not pages[-1]:
        pages.pop()
    return FORM_FEED.join(pages)


def _normalise_page(page: str) -> str:
    lines = (" ".join(line.split()) for line in _LINE_BREAK.split(page))
    return "\n".join(line for line in lines if line)


# --- rates ---------------------------------------------------------------------------------------


def error_rate(errors: int, total: int) -> float:
    """dinglehopper's convention: 0.0 without errors (even if total is 0), inf for an empty reference."""
    if errors == 0:
        return 0.0
    if total == 0:
        return math.inf
    return errors / total


def character_error_rate(reference: str, compared: str) -> float:
    """CER over NFC grapheme clusters, equal to dinglehopper.character_error_rate for two strings."""
    return error_rate(*_char_counts(reference, compared))


def word_error_rate(reference: str, compared: str) -> float:
    """WER over dinglehopper's words of the NFC texts, equal to dinglehopper.word_error_rate."""
    ref_words = split_words(unicodedata.normalize("NFC", reference))
    cmp_words = split_words(unicodedata.normalize("NFC", compared))
    return error_rate(_distance(ref_words, cmp_words), len(ref_words))


def score_text(reference: str, compared: str) -> TextScore:
    """CER, WER, their counts and word diff spans of one pair (the pipeline passes normalised text)."""
    char_errors, char_total = _char_counts(reference, compared)
    ref_tokens = _word_tokens(reference)
    cmp_tokens = _word_tokens(compared)
    ref_words = _word_keys(reference, ref_tokens)
    cmp_words = _word_keys(compared, cmp_tokens)
    word_errors = _distance(ref_words, cmp_words)
    spans = _spans(reference, compared, ref_tokens, cmp_tokens, ref_words, cmp_words)
    return TextScore(
        cer=error_rate(char_errors, char_total),
        wer=error_rate(word_errors, len(ref_words)),
        char_errors=char_errors,
        char_total=char_total,
        word_errors=word_errors,
        word_total=len(ref_words),
        spans=tuple(spans),
    )


def micro_average(scores: Iterable[TextScore]) -> tuple[float, float]:
    """Character-weighted CER and word-weighted WER over many pages or documents."""
    scores = list(scores)
    cer = error_rate(sum(s.char_errors for s in scores), sum(s.char_total for s in scores))
    wer = error_rate(sum(s.word_errors for s in scores), sum(s.word_total for s in scores))
    return cer, wer


def _char_counts(reference: str, compared: str) -> tuple[int, int]:
    ref = unicodedata.normalize("NFC", reference)
    cmp = unicodedata.normalize("NFC", compared)
    ref_clusters = split_grapheme_clusters(ref)
    if ref == cmp:
        return 0, len(ref_clusters)
    return _distance(ref_clusters, split_grapheme_clusters(cmp)), len(ref_clusters)


def _distance(first: Sequence[Hashable], second: Sequence[Hashable]) -> int:
    a, b = _as_ids(first, second)
    return int(Levenshtein.distance(a, b))


def _as_ids(first: Sequence[Hashable], second: Sequence[Hashable]) -> tuple[list[int], list[int]]:
    """Map tokens to small integers: exact equality, where rapidfuzz would hash multi-char strings."""
    ids: dict[Hashable, int] = {}
    a = [ids.setdefault(token, len(ids)) for token in first]
    b = [ids.setdefault(token, len(ids)) for token in second]
    return a, b


# --- grapheme clusters ---------------------------------------------------------------------------


def split_grapheme_clusters(text: str) -> list[str]:
    """Exactly uniseg's grapheme_clusters(text), fast for text that is mostly simple characters.

    Between two characters of class Other/Control/CR/LF (not CR+LF, not an Indic-conjunct Extend or
    Linker) UAX #29 always breaks and no rule looks across that boundary, so uniseg (pure Python,
    ~15 us a character) runs only on the runs between such boundaries.
    """
    classes = {char: _grapheme_class(char) for char in set(text)}
    if all(c in (_G_SIMPLE, _G_LF) for c in classes.values()):
        return list(text)
    clusters: list[str] = []
    start = 0
    prev = _G_COMPLEX
    for index, char in enumerate(text):
        cur = classes[char]
        if index and prev != _G_COMPLEX and cur != _G_COMPLEX and not (prev == _G_CR and cur == _G_LF):
            _append_clusters(clusters, text, start, index)
            start = index
        prev = cur
    _append_clusters(clusters, text, start, len(text))
    return clusters


def _append_clusters(clusters: list[str], text: str, start: int, end: int) -> None:
    if end - start == 1:
        clusters.append(text[start])
    elif end > start:
        clusters.extend(_uniseg_clusters(text[start:end]))


@lru_cache(maxsize=65536)
def _uniseg_clusters(run: str) -> tuple[str, ...]:
    return tuple(grapheme_clusters(run))


@lru_cache(maxsize=65536)
def _grapheme_class(char: str) -> int:
    if indic_conjunct_break(char) in (InCB.EXTEND, InCB.LINKER):
        return _G_COMPLEX
    gcb = grapheme_cluster_break(char)
    if gcb == GCB.CR:
        return _G_CR
    if gcb == GCB.LF:
        return _G_LF
    return _G_SIMPLE if gcb in (GCB.OTHER, GCB.CONTROL) else _G_COMPLEX


# --- words ---------------------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    """dinglehopper's words(text): uniseg word segments that are not only spaces/punctuation/symbols."""
    return [text[start:end] for start, end in _word_tokens(text)]


def _word_keys(text: str, tokens: list[tuple[int, int]]) -> list[str]:
    """The words to compare: dinglehopper's words of the NFC text (just `tokens` if text is NFC)."""
    nfc = unicodedata.normalize("NFC", text)
    if nfc == text:
        return [text[start:end] for start, end in tokens]
    return split_words(nfc)


def _word_tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of dinglehopper's words in `text`."""
    wanted = {char: not _unwanted(char) for char in set(text)}
    tokens = []
    for start, end in _uniseg_word_segments(text):
        if any(wanted[char] for char in text[start:end]):
            tokens.append((start, end))
    return tokens


def _uniseg_word_segments(text: str) -> list[tuple[int, int]]:
    """Offsets of uniseg.wordbreak.words(text), computed piecewise at context-free boundaries.

    UAX #29 always breaks before a space that follows a non-space, after a space that precedes a
    non-space non-Extend/Format/ZWJ character, and around line breaks (except CR+LF), and no rule
    looks across such a boundary; so each piece is segmented on its own, letter/digit-only pieces
    without uniseg.
    """
    classes = {char: _word_class(char) for char in set(text)}
    segments: list[tuple[int, int]] = []
    start = 0
    prev = _W_OTHER
    for index, char in enumerate(text):
        cur = classes[char]
        if index and _is_context_free_break(prev, cur, text, index):
            _append_segments(segments, text, start, index, classes)
            start = index
        prev = cur
    _append_segments(segments, text, start, len(text), classes)
    return segments


def _is_context_free_break(prev: int, cur: int, text: str, index: int) -> bool:
    if prev == _W_NEWLINE or cur == _W_NEWLINE:
        return not (text[index - 1] == "\r" and text[index] == "\n")
    if cur == _W_SPACE:
        return prev != _W_SPACE
    return prev == _W_SPACE and cur != _W_SKIP


def _append_segments(segments: list[tuple[int, int]], text: str, start: int, end: int,
                     classes: dict[str, int]) -> None:
    if end <= start:
        return
    piece = text[start:end]
    lengths = _simple_word_lengths(piece, classes)
    if lengths is None:
        lengths = [len(word) for word in _uniseg_words(piece)]
    for length in lengths:
        segments.append((start, start + length))
        start += length


def _simple_word_lengths(piece: str, classes: dict[str, int]) -> list[int] | None:
    """Segment lengths of a piece of letters, digits, punctuation; None if it needs uniseg.

    Runs of letters/digits never break (WB5, WB8-WB10), spaces stick together (WB3d); every other
    boundary breaks unless a Mid* character sits between two letters/digits (WB6/7, WB11/12),
    which is left to uniseg along with Extend/Format/ZWJ, Katakana, Hebrew, RI and the like.
    """
    first = classes[piece[0]]
    if first == _W_SPACE and all(classes[char] == _W_SPACE for char in piece):
        return [len(piece)]
    lengths: list[int] = []
    prev = _W_OTHER
    for index, char in enumerate(piece):
        cur = classes[char]
        if cur == _W_WORD and prev == _W_WORD:
            lengths[-1] += 1
        elif cur == _W_PUNCT or cur == _W_WORD:
            lengths.append(1)
        elif cur == _W_MID and not (
            prev == _W_WORD and index + 1 < len(piece) and classes[piece[index + 1]] == _W_WORD
        ):
            lengths.append(1)
        else:
            return None
        prev = cur
    return lengths


@lru_cache(maxsize=65536)
def _uniseg_words(piece: str) -> tuple[str, ...]:
    return tuple(uniseg_words(piece))


@lru_cache(maxsize=65536)
def _word_class(char: str) -> int:
    if 0xE000 <= ord(char) <= 0xF8FF:
        # Private use: dinglehopper patches these into ALetter, but uniseg >= 0.10 binds word_break
        # as a default argument, so its patch never applies; leave them to uniseg either way.
        return _W_OTHER
    value = word_break(char)
    if value in (WB.CR, WB.LF, WB.NEWLINE):
        return _W_NEWLINE
    if value == WB.WSEGSPACE:
        return _W_SPACE
    if value in (WB.EXTEND, WB.FORMAT, WB.ZWJ):
        return _W_SKIP
    if value in (WB.ALETTER, WB.NUMERIC):
        return _W_WORD
    if value == WB.OTHER and not extended_pictographic(char):
        return _W_PUNCT
    if value in (WB.MIDLETTER, WB.MIDNUM, WB.MIDNUMLET, WB.SINGLE_QUOTE, WB.DOUBLE_QUOTE):
        return _W_MID
    return _W_OTHER


@lru_cache(maxsize=65536)
def _unwanted(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in _UNWANTED_CATEGORIES or category in _UNWANTED_SUBCATEGORIES


# --- diff spans ----------------------------------------------------------------------------------


def diff_spans(reference: str, compared: str) -> list[DiffSpan]:
    """Word-level disagreements (adjacent edits merged), with offsets into the two given strings."""
    ref_tokens = _word_tokens(reference)
    cmp_tokens = _word_tokens(compared)
    ref_words = _word_keys(reference, ref_tokens)
    cmp_words = _word_keys(compared, cmp_tokens)
    return _spans(reference, compared, ref_tokens, cmp_tokens, ref_words, cmp_words)


def _spans(reference: str, compared: str, ref_tokens: list[tuple[int, int]],
           cmp_tokens: list[tuple[int, int]], ref_words: list[str],
           cmp_words: list[str]) -> list[DiffSpan]:
    if len(ref_words) != len(ref_tokens) or len(cmp_words) != len(cmp_tokens):
        # NFC changed the segmentation (exotic input): align the raw words instead.
        ref_words = [reference[s:e] for s, e in ref_tokens]
        cmp_words = [compared[s:e] for s, e in cmp_tokens]
    a, b = _as_ids(ref_words, cmp_words)
    spans = []
    for i1, i2, j1, j2 in _merged_edits(Levenshtein.opcodes(a, b)):
        ref_start, ref_end = _char_range(ref_tokens, i1, i2)
        ocr_start, ocr_end = _char_range(cmp_tokens, j1, j2)
        kind: SpanKind = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
        spans.append(DiffSpan(ref_start, ref_end, ocr_start, ocr_end,
                              reference[ref_start:ref_end], compared[ocr_start:ocr_end], kind))
    return spans


def _merged_edits(opcodes: Iterable) -> list[tuple[int, int, int, int]]:
    """Token ranges of runs of adjacent non-equal opcodes."""
    merged: list[tuple[int, int, int, int]] = []
    for op in opcodes:
        if op.tag == "equal":
            continue
        if merged and merged[-1][1] == op.src_start and merged[-1][3] == op.dest_start:
            i1, _, j1, _ = merged[-1]
            merged[-1] = (i1, op.src_end, j1, op.dest_end)
        else:
            merged.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
    return merged


def _char_range(tokens: list[tuple[int, int]], first: int, last: int) -> tuple[int, int]:
    """Character range of tokens[first:last]; an empty range sits at the next (or previous) word."""
    if first < last:
        return tokens[first][0], tokens[last - 1][1]
    if first < len(tokens):
        return tokens[first][0], tokens[first][0]
    end = tokens[-1][1] if tokens else 0
    return end, end


# --- page splitting ------------------------------------------------------------------------------


def split_reference_by_pages(reference: str, ocr_pages: Sequence[str], *,
                             search_radius: int = 40) -> list[str]:
    """Cut a whole-document reference into one normalised part per OCR page.

    A reference with exactly len(ocr_pages) form-feed-separated parts is split on those. Otherwise
    it is aligned character by character with the joined OCR pages and cut where the page
    boundaries align, moved to the nearest line break (else space) within `search_radius`.
    """
    if not ocr_pages:
        return []
    parts = reference.split(FORM_FEED)
    if len(parts) > len(ocr_pages) and not "".join(parts[len(ocr_pages):]).strip():
        parts = parts[:len(ocr_pages)]  # trailing form feeds end pages, they do not add any
    if len(parts) == len(ocr_pages):
        return [normalise(part) for part in parts]
    whole = normalise(reference.replace(FORM_FEED, "\n"))
    pages = [normalise(page.replace(FORM_FEED, "\n")) for page in ocr_pages]
    cuts = _page_cuts(whole, pages, search_radius=search_radius)
    bounds = [0, *cuts, len(whole)]
    return [whole[bounds[k]:bounds[k + 1]].strip() for k in range(len(pages))]


def _page_cuts(whole: str, pages: list[str], *, search_radius: int) -> list[int]:
    joined = "\n".join(pages)
    to_ref = _position_map(Levenshtein.opcodes(whole, joined), len(joined), len(whole))
    cuts: list[int] = []
    boundary = -1
    for page in pages[:-1]:
        boundary += len(page) + 1  # index of the "\n" joining this page to the next
        lower = cuts[-1] if cuts else 0
        cuts.append(_nice_cut(whole, max(to_ref(boundary), lower), lower, search_radius))
    return cuts


def _position_map(opcodes: Iterable, dest_len: int, src_len: int) -> Callable[[int], int]:
    """A function from a position in the compared string to the aligned position in the reference."""
    blocks = [op for op in opcodes if op.dest_end > op.dest_start]

    def to_ref(pos: int) -> int:
        if pos >= dest_len:
            return src_len
        for op in blocks:
            if op.dest_start <= pos < op.dest_end:
                offset = pos - op.dest_start
                if op.tag == "equal":
                    return op.src_start + offset
                if op.tag == "replace":
                    width = op.src_end - op.src_start
                    return op.src_start + offset * width // (op.dest_end - op.dest_start)
                return op.src_start  # insert: no reference text here
        return src_len

    return to_ref


def _nice_cut(text: str, pos: int, lower: int, radius: int) -> int:
    """The line break nearest `pos` (within radius, not before lower), else a space, else pos."""
    for sep in ("\n", " "):
        before = text.rfind(sep, max(lower, pos - radius), pos + 1)
        after = text.find(sep, pos, pos + radius + 1)
        found = [p for p in (before, after) if p >= 0]
        if found:
            return min(found, key=lambda p: (abs(p - pos), p))
    return pos
