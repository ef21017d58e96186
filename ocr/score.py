"""Normalisation, CER/WER equal to dinglehopper 0.11, diff spans, alignment, confusions, pages."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from rapidfuzz.distance import Levenshtein
from uniseg.derived import InCB, indic_conjunct_break
from uniseg.emoji import extended_pictographic
from uniseg.graphemecluster import GraphemeClusterBreak as GCB
from uniseg.graphemecluster import grapheme_cluster_break, grapheme_clusters
from uniseg.wordbreak import WordBreak as WB
from uniseg.wordbreak import word_break
from uniseg.wordbreak import words as uniseg_words

if TYPE_CHECKING:
    from ocr.textio import ReferenceText

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
    """NFC, no BOM, one space per whitespace run, stripped lines joined by LF.

    Blank lines count, as dinglehopper's reader keeps them (each is one line break more); blank
    lines at the end of a page do not (dinglehopper counts all but the file's last line end).
    Form feeds survive as page separators (each page is normalised on its own); trailing empty
    pages are dropped, so a final form feed does not count as a character.
    """
    text = unicodedata.normalize("NFC", text.replace(BOM, ""))
    pages = [_normalise_page(page) for page in text.split(FORM_FEED)]
    while len(pages) > 1 and not pages[-1]:
        pages.pop()
    return FORM_FEED.join(pages)


def _normalise_page(page: str) -> str:
    lines = [" ".join(line.split()) for line in _LINE_BREAK.split(page)]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# --- rates ---------------------------------------------------------------------------------------


def error_rate(errors: int, total: int) -> float:
    """dinglehopper's convention: 0.0 without errors (even if total is 0), inf if no reference."""
    if errors == 0:
        return 0.0
    if total == 0:
        return math.inf
    return errors / total


def character_error_rate(reference: str, compared: str) -> float:
    """CER over NFC grapheme clusters, equal to dinglehopper.character_error_rate on two strings."""
    return error_rate(*_char_counts(reference, compared))


def word_error_rate(reference: str, compared: str) -> float:
    """WER over dinglehopper's words of the NFC texts, equal to dinglehopper.word_error_rate."""
    ref_words = split_words(unicodedata.normalize("NFC", reference))
    cmp_words = split_words(unicodedata.normalize("NFC", compared))
    return error_rate(_distance(ref_words, cmp_words), len(ref_words))


def score_text(reference: str, compared: str) -> TextScore:
    """CER, WER, their counts, word diff spans of one pair (the pipeline passes normalised text)."""
    char_errors, char_total = _char_counts(reference, compared)
    return _with_words(reference, compared, char_errors, char_total)


def _with_words(reference: str, compared: str, char_errors: int, char_total: int) -> TextScore:
    """The score of a pair whose character counts are known: add WER and the word diff spans."""
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


def score_aligned(reference: str, compared: str) -> tuple[TextScore, CharAlignment]:
    """score_text and align_characters of one pair, computing the character distance once.

    The alignment's opcodes are a minimal edit script, so its edit count is the CER numerator.
    """
    alignment = align_characters(reference, compared)
    score = _with_words(reference, compared, alignment.errors, len(alignment.reference))
    return score, alignment


def score_counts(reference: str, compared: str) -> TextScore:
    """CER, WER and their counts without diff spans (cheaper than score_text for long texts)."""
    char_errors, char_total = _char_counts(reference, compared)
    ref_words = split_words(unicodedata.normalize("NFC", reference))
    cmp_words = split_words(unicodedata.normalize("NFC", compared))
    word_errors = _distance(ref_words, cmp_words)
    return TextScore(
        cer=error_rate(char_errors, char_total),
        wer=error_rate(word_errors, len(ref_words)),
        char_errors=char_errors,
        char_total=char_total,
        word_errors=word_errors,
        word_total=len(ref_words),
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
    return int(Levenshtein.distance(a, b, score_hint=_score_hint(a, b)))


def _score_hint(a: Sequence[int], b: Sequence[int]) -> int:
    """A guess of the distance: rapidfuzz then searches a band around the diagonal, widening it
    until the result is exact, several times faster than the full matrix on long texts."""
    return max(32, abs(len(a) - len(b)), (len(a) + len(b)) // 200)


def _as_ids(first: Sequence[Hashable], second: Sequence[Hashable]) -> tuple[list[int], list[int]]:
    """Tokens as small integers: exact equality, where rapidfuzz would hash multi-char strings."""
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
        if (
            index
            and prev != _G_COMPLEX
            and cur != _G_COMPLEX
            and not (prev == _G_CR and cur == _G_LF)
        ):
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
    """dinglehopper's words(text): uniseg word segments not only of spaces/punctuation/symbols."""
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


def _append_segments(
    segments: list[tuple[int, int]], text: str, start: int, end: int, classes: dict[str, int]
) -> None:
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


def _spans(
    reference: str,
    compared: str,
    ref_tokens: list[tuple[int, int]],
    cmp_tokens: list[tuple[int, int]],
    ref_words: list[str],
    cmp_words: list[str],
) -> list[DiffSpan]:
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
        spans.append(
            DiffSpan(
                ref_start,
                ref_end,
                ocr_start,
                ocr_end,
                reference[ref_start:ref_end],
                compared[ocr_start:ocr_end],
                kind,
            )
        )
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


def split_reference_by_pages(
    reference: str, ocr_pages: Sequence[str], *, search_radius: int = 40
) -> list[str]:
    """Cut a whole-document reference into one normalised part per OCR page.

    A reference with exactly len(ocr_pages) form-feed-separated parts is split on those. Otherwise
    it is aligned character by character with the joined OCR pages and cut where the page
    boundaries align, moved to the nearest line break (else space) within `search_radius`.
    """
    if not ocr_pages:
        return []
    parts = reference.split(FORM_FEED)
    if len(parts) > len(ocr_pages) and not "".join(parts[len(ocr_pages) :]).strip():
        parts = parts[: len(ocr_pages)]  # trailing form feeds end pages, they do not add any
    if len(parts) == len(ocr_pages):
        return [normalise(part) for part in parts]
    whole = normalise(reference.replace(FORM_FEED, "\n"))
    pages = [normalise(page.replace(FORM_FEED, "\n")) for page in ocr_pages]
    cuts = _page_cuts(whole, pages, search_radius=search_radius)
    bounds = [0, *cuts, len(whole)]
    return [whole[bounds[k] : bounds[k + 1]].strip() for k in range(len(pages))]


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
    """Map a position in the compared string to its aligned position in the reference."""
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


# --- character alignment: classes, confusions, line cuts -----------------------------------------

CHAR_CLASSES = (
    "cyrillic_upper",
    "cyrillic_lower",
    "latin",
    "digit",
    "punctuation",
    "whitespace",
    "other",
)


@dataclass(frozen=True)
class CharAlignment:
    """A minimal edit script between the NFC grapheme clusters of a reference and compared text."""

    reference: tuple[str, ...]
    compared: tuple[str, ...]
    opcodes: tuple[tuple[str, int, int, int, int], ...]

    @property
    def errors(self) -> int:
        """The edit distance (equal to the CER numerator of the same pair)."""
        return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in self.opcodes if tag != "equal")

    def edits(self) -> Iterator[tuple[str, str]]:
        """(reference cluster, compared cluster) per edit; '' on the missing side of an indel."""
        for tag, i1, i2, j1, j2 in self.opcodes:
            if tag == "equal":
                continue
            for k in range(max(i2 - i1, j2 - j1)):
                yield (
                    self.reference[i1 + k] if i1 + k < i2 else "",
                    self.compared[j1 + k] if j1 + k < j2 else "",
                )


@dataclass(frozen=True)
class ClassCounts:
    """Errors of one character class: reference clusters, correct ones and each kind of edit.

    Substitutions and deletions count against the reference cluster's class, insertions against
    the inserted cluster's, so the errors of all classes add up to the CER numerator.
    """

    total: int = 0
    correct: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def error_rate(self) -> float:
        return error_rate(self.errors, self.total)

    @property
    def accuracy(self) -> float | None:
        """Share of the class's reference clusters read correctly (None without any)."""
        return self.correct / self.total if self.total else None


def align_characters(reference: str, compared: str) -> CharAlignment:
    """Align the NFC grapheme clusters of two texts (rapidfuzz Levenshtein opcodes, cluster ids)."""
    ref = tuple(split_grapheme_clusters(unicodedata.normalize("NFC", reference)))
    cmp = tuple(split_grapheme_clusters(unicodedata.normalize("NFC", compared)))
    a, b = _as_ids(ref, cmp)
    ops = tuple(
        (op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end)
        for op in Levenshtein.opcodes(a, b, score_hint=_score_hint(a, b))
    )
    return CharAlignment(ref, cmp, ops)


@lru_cache(maxsize=65536)
def char_class(cluster: str) -> str:
    """The class of a grapheme cluster, by its first character."""
    char = cluster[:1]
    if not char:
        return "other"
    if char.isspace():
        return "whitespace"
    category = unicodedata.category(char)
    if category == "Nd":
        return "digit"
    if category[0] in "PS":
        return "punctuation"
    if category[0] == "L":
        name = unicodedata.name(char, "")
        if name.startswith("CYRILLIC"):
            return "cyrillic_upper" if char.isupper() else "cyrillic_lower"
        if name.startswith("LATIN"):
            return "latin"
    return "other"


def class_counts(alignment: CharAlignment) -> dict[str, ClassCounts]:
    """Per-class totals and errors (every class of CHAR_CLASSES, in that order)."""
    counts = {name: [0, 0, 0, 0, 0] for name in CHAR_CLASSES}  # total, correct, sub, del, ins
    ref, cmp = alignment.reference, alignment.compared
    for tag, i1, i2, j1, j2 in alignment.opcodes:
        for cluster in ref[i1:i2]:
            counts[char_class(cluster)][0] += 1
        if tag == "equal":
            for cluster in ref[i1:i2]:
                counts[char_class(cluster)][1] += 1
            continue
        paired = min(i2 - i1, j2 - j1)
        for cluster in ref[i1 : i1 + paired]:
            counts[char_class(cluster)][2] += 1
        for cluster in ref[i1 + paired : i2]:
            counts[char_class(cluster)][3] += 1
        for cluster in cmp[j1 + paired : j2]:
            counts[char_class(cluster)][4] += 1
    return {name: ClassCounts(*values) for name, values in counts.items()}


def confusion_counts(alignment: CharAlignment) -> list[tuple[str, str, int]]:
    """(reference, compared, count) of every edit, most frequent first; '' marks an indel side."""
    counts = Counter(alignment.edits())
    return [(r, c, n) for (r, c), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def reference_line_bounds(
    alignment: CharAlignment, *, separators: frozenset[str] = frozenset({"\n"})
) -> list[tuple[int, int, int]]:
    """Cut the reference where the compared text's line breaks align: (start, end, break_end).

    Works whatever the reference's own line breaks: each compared line break is mapped through
    the alignment. reference[start:end] is aligned with the compared line, reference[end:break_end]
    (one cluster or none) with the line break after it. The ranges partition the reference, so
    the lines' edit distances (plus one for each differing break) add up to the whole distance.
    """
    breaks = [j for j, cluster in enumerate(alignment.compared) if cluster in separators]
    bounds: list[tuple[int, int, int]] = []
    start = 0
    for cut, aligned in _mapped_breaks(alignment.opcodes, breaks):
        cut = max(cut, start)
        break_end = cut + 1 if aligned and cut < len(alignment.reference) else cut
        bounds.append((start, cut, break_end))
        start = break_end
    bounds.append((start, len(alignment.reference), len(alignment.reference)))
    return bounds


def _mapped_breaks(
    opcodes: Sequence[tuple[str, int, int, int, int]], breaks: list[int]
) -> Iterator[tuple[int, bool]]:
    """For each compared position in `breaks` (ascending): the reference position it maps to and
    whether a reference cluster sits there aligned with it (equal or replace)."""
    k = 0
    for tag, i1, i2, j1, j2 in opcodes:
        while k < len(breaks) and j1 <= breaks[k] < j2:
            offset = breaks[k] - j1
            if tag == "insert":
                yield i1, False
            else:  # equal or replace; a longer compared side of a replace maps to its end
                yield (i1 + offset, True) if offset < i2 - i1 else (i2, False)
            k += 1
    for _ in breaks[k:]:
        yield (opcodes[-1][2] if opcodes else 0), False


def line_segments(
    alignment: CharAlignment,
    ref_range: tuple[int, int],
    cmp_range: tuple[int, int],
    *,
    start: int = 0,
) -> tuple[list[tuple[str, str, str]], int, int]:
    """The alignment restricted to one line: (tag, reference, compared) runs, their edit count,
    and the opcode index to start the next line from (lines must come in order).

    Where the line's ranges end at aligned positions (as reference_line_bounds cuts them), the
    restriction is an optimal alignment of the line pair: its edit count is the line's distance.
    """
    a, b = ref_range
    c, d = cmp_range
    ops, ref, cmp = alignment.opcodes, alignment.reference, alignment.compared
    while start < len(ops) and ops[start][2] <= a and ops[start][4] <= c:
        start += 1  # the opcode ends before this line
    segments: list[tuple[str, str, str]] = []
    errors = 0
    k = start
    while k < len(ops) and (ops[k][1] < b or ops[k][3] < d):
        tag, i1, i2, j1, j2 = ops[k]
        r0, r1, c0, c1 = max(i1, a), min(i2, b), max(j1, c), min(j2, d)
        nref, ncmp = max(0, r1 - r0), max(0, c1 - c0)
        if nref or ncmp:
            if tag != "equal":
                tag = "replace" if nref and ncmp else "delete" if nref else "insert"
                errors += max(nref, ncmp)
            segments.append((tag, "".join(ref[r0 : r0 + nref]), "".join(cmp[c0 : c0 + ncmp])))
        k += 1
    return segments, errors, start


def diff_segments(reference: str, compared: str) -> list[tuple[str, str, str]]:
    """(tag, reference text, compared text) runs of a character alignment, for display."""
    if reference == compared:
        return [("equal", reference, compared)] if reference else []
    alignment = align_characters(reference, compared)
    ref, cmp = alignment.reference, alignment.compared
    return [
        (tag, "".join(ref[i1:i2]), "".join(cmp[j1:j2])) for tag, i1, i2, j1, j2 in alignment.opcodes
    ]


def cluster_counts(reference: Sequence[str], compared: Sequence[str]) -> tuple[int, int]:
    """(edit distance, reference length) of two grapheme cluster sequences: the CER counts."""
    if list(reference) == list(compared):
        return 0, len(reference)
    return _distance(reference, compared), len(reference)


# --- batch statistics ------------------------------------------------------------------------


def bootstrap_interval(
    errors: Sequence[int],
    totals: Sequence[int],
    *,
    resamples: int = 1000,
    seed: int = 20240611,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the micro-averaged rate sum(errors)/sum(totals).

    Units (documents, pages or lines) are resampled with replacement; a fixed seed makes the
    interval reproducible. None for fewer than two units.
    """
    import numpy as np

    if len(errors) < 2:
        return None
    rng = np.random.default_rng(seed)
    errs, tots = np.asarray(errors, dtype=np.int64), np.asarray(totals, dtype=np.int64)
    chunk = max(1, 2_000_000 // len(errors))  # resamples at a time: bounded memory
    sums = []
    for first in range(0, resamples, chunk):
        picks = rng.integers(0, len(errors), size=(min(chunk, resamples - first), len(errors)))
        sums.append((errs[picks].sum(axis=1), tots[picks].sum(axis=1)))
    err = np.concatenate([e for e, _ in sums])
    tot = np.concatenate([t for _, t in sums])
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(err == 0, 0.0, np.where(tot == 0, np.inf, err / np.maximum(tot, 1)))
    # inverted_cdf picks observed rates (no interpolation, which an infinite rate would poison).
    low, high = np.quantile(rates, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return float(low), float(high)


def spread(values: Iterable[float | None]) -> dict[str, float] | None:
    """min, median and max of the values that are not None (None if there are none)."""
    import statistics

    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    return {"min": present[0], "median": statistics.median(present), "max": present[-1]}


# --- the score stage: a document's pages against its reference ---------------------------------


@dataclass(frozen=True)
class PageScore:
    """A page's score against its share of the reference."""

    page_number: int
    reference: str
    ocr: str
    score: TextScore


def score_pages(
    reference: ReferenceText | None, ocr_pages: list[tuple[int, str]]
) -> tuple[TextScore | None, list[PageScore]]:
    """Document score and per-page scores; a reference that is not page-aligned is split by
    alignment."""
    if reference is None or not ocr_pages:
        return None, []
    ocr_texts = [normalise(t) for _, t in ocr_pages]
    ref_pages = reference.pages
    if len(ref_pages) == len(ocr_pages) and len(ref_pages) > 1:
        parts = [normalise(p) for p in ref_pages]
    else:
        parts = [
            normalise(p) for p in split_reference_by_pages(normalise(reference.text), ocr_texts)
        ]
    page_scores = [
        PageScore(n, ref, ocr, score_text(ref, ocr))
        for (n, _), ref, ocr in zip(ocr_pages, parts, ocr_texts, strict=True)
    ]
    whole = score_text(normalise("\n".join(parts)), normalise("\n".join(ocr_texts)))
    return whole, page_scores
