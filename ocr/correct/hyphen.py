"""Words a typist broke at a line end with a hyphen: read as one word, each half kept in place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rapidfuzz.distance import Levenshtein

from ocr.correct.decode import Option, Page, keep_prior, near, prior
from ocr.correct.lexicon import fold
from ocr.correct.tokens import Chunk


def hyphen_pairs(text: str, found: Sequence[Chunk]) -> Iterator[tuple[Chunk, Chunk]]:
    """Chunks that end a line with a hyphen, each with the chunk that starts the next line."""
    for a, b in zip(found, found[1:], strict=False):
        between = text[a.end : b.start]
        if (
            b.line == a.line + 1
            and between.startswith("-")
            and between.count("\n") == 1
            and not between[1:].strip()
            and a.text.isalpha()
            and b.text.isalpha()
        ):
            yield a, b


def whole(a: Chunk, b: Chunk) -> Chunk:
    """The two halves as one chunk (its text without the hyphen; its span covers both)."""
    return Chunk(a.start, b.end, a.text + b.text, a.index, a.line, a.sentence_start, b.outer_end)


def hyphen_options(page: Page, a: Chunk, b: Chunk, nxt: Chunk | None) -> list[Option]:
    """The word's readings, as read first: a known word (written whole or with its hyphen, like
    ``научно-исследовательский``) stays as read; else the words near it."""
    read = fold(a.text + b.text)
    said = page.said(a) + page.said(b)
    joined = whole(a, b)
    known = page.lexicon.known(read) or page.lexicon.known(f"{fold(a.text)}-{fold(b.text)}")
    if known:
        return [Option(read, prior(page, read, nxt), 0.0, "hyphen")]
    keep = Option(read, keep_prior(page, joined, nxt), 0.0, "hyphen")
    return [
        keep,
        *(
            Option(w, prior(page, w, nxt) - cost, cost, "hyphen")
            for w, cost in near(page, read, said, False)
        ),
    ]


def broken(a: Chunk, b: Chunk, text: str, word: str) -> str:
    """``word`` (a reading of the two halves) broken where OCR's halves break: the part that
    aligns with the first half, the hyphen and line break as typed, the rest."""
    read = a.text + b.text
    cut = len(a.text)
    at = len(word)
    for op in Levenshtein.opcodes(read, word):
        if op.src_start <= cut <= op.src_end:
            at = op.dest_start + min(cut - op.src_start, op.dest_end - op.dest_start)
            break
    return word[:at] + text[a.end : b.start] + word[at:]
