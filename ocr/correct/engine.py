"""Suggest and apply corrections to OCR text; every change is recorded so it can be undone."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ocr.correct.agree import load_agreement
from ocr.correct.calibration import Calibration, load_calibration
from ocr.correct.channel import Channel, adapted, load_channel, word_cost
from ocr.correct.decode import (
    Option,
    Page,
    calibrated,
    log_evidence,
    prior,
    russian_chunk,
    short_options,
    suggestion,
    word_options,
)
from ocr.correct.evidence import CharChoice, Choices, Layout
from ocr.correct.features import page_noise
from ocr.correct.glyph import capital_height, height_ratios
from ocr.correct.hyphen import broken, hyphen_options, hyphen_pairs, whole
from ocr.correct.lexicon import Lexicon, default_lexicon, fold, russian_letters, zipf_level
from ocr.correct.records import Candidate, Change, Correction, Suggestion
from ocr.correct.settings import CorrectionSettings
from ocr.correct.tokens import Chunk, chunks, foreign_letter
from ocr.correct.train import capital_beside, first_case_key, lost_first


def make_page(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    channel: Channel | None = None,
    reference: str | None = None,
    names: Iterable[str] = (),
    settings: CorrectionSettings | None = None,
    choices: Choices | None = None,
    layout: Layout | None = None,
    calibration: Calibration | None = None,
) -> Page:
    """The page one call works with, the page's own error rate estimated from its words."""
    lexicon = lexicon or default_lexicon()
    channel = channel or load_channel()
    found = tuple(chunks(text))
    protected = frozenset(fold(c.text) for t in [reference or "", *names] for c in chunks(t))
    words = [c for c in found if c.word_like and russian_chunk(c)]
    share = sum(not lexicon.known(c.text) for c in words) / len(words) if words else 0.0
    starts, noise = page_noise(text, found, lexicon, channel, choices or {})
    halves = frozenset(c.index for pair in hyphen_pairs(text, found) for c in pair)
    return Page(
        text,
        found,
        lexicon,
        channel,
        settings or CorrectionSettings(),
        protected,
        choices or {},
        layout or Layout(),
        channel.page_shift(share),
        calibration or load_calibration(),
        starts,
        noise,
        halves,
        load_agreement(),
        Counter(fold(c.text) for c in words),
    )


def foreign_lines(page: Page) -> frozenset[int]:
    """Lines correction leaves alone: with a letter Russian lacks, or, when the text as a whole
    has too many clean words that are no Russian word nor one edit from a common one (OCR's
    misreadings of Russian mostly are), every line."""
    lines = {c.line for c in page.chunks if any(foreign_letter(ch) for ch in c.text)}
    clean = [
        c
        for c in page.chunks
        if c.letters >= 4 and c.text.isalpha() and russian_chunk(c) and c.line not in lines
    ]
    if len(clean) < page.settings.gate_words:
        return frozenset(lines)
    far = sum(
        not page.lexicon.known(c.text) and not _near_common(page.lexicon, c.text) for c in clean
    )
    letters = sum(russian_letters(c.text) for c in clean) / len(clean)
    if far / len(clean) > page.settings.foreign_share or letters < page.settings.foreign_letters:
        return frozenset(c.line for c in page.chunks)
    return frozenset(lines)


def _near_common(lexicon: Lexicon, word: str) -> bool:
    common = zipf_level("common")
    return any(lexicon.zipf(w) >= common for w in lexicon.candidates(word, distance=1))


def _touchable(page: Page, chunk: Chunk, skipped: frozenset[int]) -> bool:
    return (
        chunk.line not in skipped
        and russian_chunk(chunk)
        and fold(chunk.text) not in page.protected
        and not chunk.text.isdigit()
    )


def readings(
    page: Page, chunk: Chunk, nxt: Chunk | None, skipped: frozenset[int]
) -> list[Option] | None:
    """The readings of a chunk correction may touch, the chunk as read first; None for a chunk
    it leaves alone."""
    if not _touchable(page, chunk, skipped) or chunk.index in page.halves:
        return None
    if chunk.letters >= page.settings.min_letters:
        return word_options(page, chunk, nxt)
    return short_options(page, chunk, nxt)


def _chunk_suggestions(
    page: Page, skipped: frozenset[int]
) -> tuple[list[Suggestion], dict[int, list[Option]]]:
    """Each chunk's suggestion, and every chunk's readings (for joins to weigh against)."""
    out: list[Suggestion] = []
    options: dict[int, list[Option]] = {}
    for i, chunk in enumerate(page.chunks):
        nxt = page.chunks[i + 1] if i + 1 < len(page.chunks) else None
        if chunk.marks_only and chunk.line not in skipped:
            out += _mark_suggestion(page, chunk)
            continue
        found = readings(page, chunk, nxt, skipped)
        if found is None:
            continue
        options[i] = found
        s = suggestion(page, chunk.start, chunk.end, chunk, found, 0)
        if s is not None:
            out.append(_rendered(page, chunk, s))
        else:
            out += _case_suggestion(page, chunk)
    return out, options


def _mark_suggestion(page: Page, chunk: Chunk) -> list[Suggestion]:
    """A chunk of marks alone read as noise: deleted with the blank before it."""
    odds = page.channel.noise_odds(chunk.text, page.layout.heights.get(chunk.start))
    p = 1 / (1 + math.exp(-odds))
    if p <= 0.5:
        return []
    start, end = _deletion_span(page.text, chunk)
    score, reading = calibrated(page, chunk, p, "", "delete")
    cand = Candidate("", score, 0.0, "delete")
    return [Suggestion(start, end, chunk.index, page.text[start:end], (cand,), 1 - score, reading)]


def _deletion_span(text: str, chunk: Chunk) -> tuple[int, int]:
    """The chunk and the blank before it on its line (or after it, first on a line)."""
    start, end = chunk.start, chunk.outer_end
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    if start > 0 and text[start - 1] not in "\n\f":
        return start, end
    while end < len(text) and text[end] in " \t":
        end += 1
    return chunk.start, end


def render(page: Page, chunk: Chunk, word: str) -> str:
    """A folded reading written in the case OCR read it: all capitals stay capitals; a first
    capital OCR read as that letter stays one unless tesseract offered the small letter, the
    word is no name, place, organisation or capitalised form, and a small letter is likelier
    inside a sentence (:func:`small_first`); where OCR read another first letter, a word
    likelier a name, place or organisation than not gets a capital, any other word its likelier
    case (:func:`_first_upper`)."""
    read = chunk.text
    letters = [c for c in read if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    capital = word[:1].upper() + word[1:]
    same = bool(letters) and fold(letters[0]) == word[:1]
    if same and letters[0].isupper():
        return word if not chunk.sentence_start and _lower_first(page, chunk, word) else capital
    if same:
        return word
    if page.lexicon.proper_likely(word):
        return capital
    return capital if _first_upper(page, chunk, word) >= 0.5 else word


def _first_upper(page: Page, chunk: Chunk, word: str) -> float:
    """P(the truth's first letter is a capital) where OCR read another letter first. At a
    sentence or line start, the channel's ``first`` table (blocks and sentences start alike in
    every typescript); inside a line, the case read (the table's likelihood ratio) against the
    word's capital prior, counted held out by text: the tuning texts' own capitals cannot say
    how often another text writes this word with one. A first letter OCR lost has its own
    rows (the case read is then the second letter's)."""
    key = first_case_key(chunk, page.chunks, same=False, lost=lost_first(chunk.text, word))
    if key is None:
        return 0.0
    if chunk.sentence_start or _line_start(page, chunk):
        return page.channel.first_upper(key)
    capital = page.lexicon.capital_prior(word, neighbour=capital_beside(page.chunks, chunk.index))
    odds = page.channel.first_case_ratio(key) + capital - math.log1p(-math.exp(capital))
    return 1 / (1 + math.exp(-odds))


def _line_start(page: Page, chunk: Chunk) -> bool:
    return chunk.index == 0 or page.chunks[chunk.index - 1].line != chunk.line


def _lower_first(page: Page, chunk: Chunk, word: str) -> bool:
    """Whether a capital OCR read first inside a sentence is a small letter."""
    return small_first(page, chunk, word) > 0.5


def small_first(page: Page, chunk: Chunk, word: str) -> float:
    """The posterior that a capital OCR read first inside a sentence is a small letter: 0 for a
    name, place, organisation or capitalised form, and 0 unless tesseract offered the small
    letter there (the only evidence that it saw one); else by the case channel at that letter's
    confidence, the capital's prior for the word's part of speech and neighbours, and the
    letter's own height (:class:`ocr.correct.glyph.HeightRatios`: its word box against the
    page's small and capitalised words of the same shape)."""
    said = page.choices.get(chunk.start)
    if (
        said is None
        or " " in word
        or chunk.sentence_start
        or page.lexicon.capitalised(word)
        or not _small_offered(said, word[:1])
    ):
        return 0.0
    capital = page.lexicon.capital_prior(word, neighbour=capital_beside(page.chunks, chunk.index))
    if _line_start(page, chunk):
        capital = max(capital, page.channel.capital_inside(line_start=True))
    small = page.channel.case_read(said, "lower", "upper") + math.log1p(-math.exp(capital))
    big = page.channel.case_read(said, "upper", "upper") + capital
    height = height_ratios().ratio(capital_height(page.chunks, page.layout, chunk))
    return 1 / (1 + math.exp(big - small - height))


def _small_offered(said: CharChoice, letter: str) -> bool:
    """Whether tesseract offered the small ``letter`` (folded) among its alternatives."""
    return any(a.islower() and fold(a) == letter for a, _ in said.alternatives)


def _case_suggestion(page: Page, chunk: Chunk) -> list[Suggestion]:
    """A known word whose first capital is likelier a small letter (:func:`small_first`)."""
    word = chunk.text
    if not (word[:1].isupper() and word[1:].islower() and page.lexicon.known(word)):
        return []
    p = small_first(page, chunk, fold(word))
    if p <= 0.5:
        return []
    small = word[:1].lower() + word[1:]
    score, reading = calibrated(page, chunk, p, small, "case")
    return [
        Suggestion(
            chunk.start,
            chunk.end,
            chunk.index,
            word,
            (Candidate(small, score, 0.0, "case"),),
            1 - score,
            reading,
        )
    ]


def _rendered(page: Page, chunk: Chunk, s: Suggestion) -> Suggestion:
    cands: dict[str, Candidate] = {}
    for c in s.candidates:
        text = render(page, chunk, c.text)
        if text != s.original and text not in cands:
            cands[text] = replace(c, text=text)
    return replace(s, candidates=tuple(cands.values()))


def _join_suggestions(
    page: Page, skipped: frozenset[int], options: dict[int, list[Option]]
) -> list[Suggestion]:
    """Two chunks one blank apart read as one word (a blank OCR put inside a word)."""
    out = []
    for i, (a, b) in enumerate(zip(page.chunks, page.chunks[1:], strict=False)):
        if (
            i not in options
            or i + 1 not in options
            or a.outer_end != a.end
            or page.text[a.end : b.start] != " "
            or a.line != b.line
            or not (a.text.isalpha() and b.text.isalpha())
            or min(a.letters, b.letters) < 2
        ):
            continue
        found = _join_options(page, a, b, page.chunks[i + 2] if i + 2 < len(page.chunks) else None)
        if not found:
            continue
        apart = Option("", log_evidence(options[i]) + log_evidence(options[i + 1]), 0.0, "edit")
        s = suggestion(page, a.start, b.end, a, [apart, *found], 0)
        if s is not None:
            joined = Chunk(
                a.start,
                b.end,
                page.text[a.start : b.end],
                a.index,
                a.line,
                a.sentence_start,
                b.outer_end,
            )
            out.append(_rendered(page, joined, s))
    return out


def _join_options(page: Page, a: Chunk, b: Chunk, nxt: Chunk | None) -> list[Option]:
    """Known words near the two chunks read as one, with the channel cost of the blank."""
    read = fold(a.text + " " + b.text)
    glued = read.replace(" ", "")
    if len(glued) < 4:
        return []
    said = page.said(a) + (None,) + page.said(b)
    gap = page.channel.gap_shift(page.layout.gaps.get(a.end))
    pool = page.lexicon.candidates(
        glued, distance=min(page.settings.join_distance, 1 if len(glued) <= 5 else 2)
    )
    out = []
    for w in [w for w in pool if page.lexicon.known(w)][: page.settings.pool]:
        cost = word_cost(page.channel, w, read, said, shift=page.shift) + gap
        out.append(Option(w, prior(page, w, nxt) - cost, cost, "join"))
    return out


def _hyphen_suggestions(page: Page, skipped: frozenset[int]) -> list[Suggestion]:
    """Words broken at a line end with a hyphen, read whole; a reading keeps the break."""
    out = []
    for a, b in hyphen_pairs(page.text, page.chunks):
        if not (_touchable(page, a, skipped) and _touchable(page, b, skipped)):
            continue
        nxt = page.chunks[b.index + 1] if b.index + 1 < len(page.chunks) else None
        joined = whole(a, b)
        s = suggestion(page, a.start, b.end, joined, hyphen_options(page, a, b, nxt), 0)
        if s is None:
            continue
        cands = [
            replace(c, text=broken(a, b, page.text, c.text))
            for c in _rendered(page, joined, s).candidates
        ]
        out.append(replace(s, candidates=tuple(c for c in cands if c.text != s.original)))
    return out


def all_suggestions(page: Page) -> tuple[list[Suggestion], frozenset[int]]:
    """Every suggestion of the page, after adapting the channel to the page's own surest
    readings (``profile_rounds`` times)."""
    found, skipped = _suggestions(page)
    for _ in range(page.settings.profile_rounds):
        sure, _ = rewrite(page.text, choose(found, page.settings.profile_threshold))
        if sure == page.text:
            break
        page = replace(
            page,
            channel=adapted(page.channel, page.text, sure, weight=page.settings.profile_weight),
        )
        found, skipped = _suggestions(page)
    return found, skipped


def _suggestions(page: Page) -> tuple[list[Suggestion], frozenset[int]]:
    skipped = foreign_lines(page)
    singles, options = _chunk_suggestions(page, skipped)
    joins = _join_suggestions(page, skipped, options)
    found = [s for s in singles + joins + _hyphen_suggestions(page, skipped) if s.candidates]
    return sorted(found, key=lambda s: (s.start, -s.end)), skipped


def suggest(
    text: str,
    *,
    lexicon: Lexicon | None = None,
    channel: Channel | None = None,
    reference: str | None = None,
    names: Iterable[str] = (),
    settings: CorrectionSettings | None = None,
    choices: Choices | None = None,
    layout: Layout | None = None,
) -> list[Suggestion]:
    """Every span of ``text`` whose likeliest reading is not what OCR read, with its readings
    ranked by posterior; the text is not changed. Words of ``reference`` and ``names`` are
    never suggested for change."""
    page = make_page(
        text,
        lexicon=lexicon,
        channel=channel,
        reference=reference,
        names=names,
        settings=settings,
        choices=choices,
        layout=layout,
    )
    return all_suggestions(page)[0]


def apply(
    text: str,
    *,
    threshold: float | None = None,
    lexicon: Lexicon | None = None,
    channel: Channel | None = None,
    reference: str | None = None,
    names: Iterable[str] = (),
    settings: CorrectionSettings | None = None,
    choices: Choices | None = None,
    layout: Layout | None = None,
) -> Correction:
    """``text`` with each suggestion whose best reading's posterior reaches ``threshold``
    applied (overlapping ones: joins first); every change keeps its posterior."""
    page = make_page(
        text,
        lexicon=lexicon,
        channel=channel,
        reference=reference,
        names=names,
        settings=settings,
        choices=choices,
        layout=layout,
    )
    limit = page.settings.threshold if threshold is None else threshold
    found, skipped = all_suggestions(page)
    new_text, changes = rewrite(text, choose(found, limit))
    return Correction(text, new_text, tuple(changes), limit, tuple(sorted(skipped)))


def undo(correction: Correction, changes: Iterable[Change] | None = None) -> str:
    """The corrected text with ``changes`` (default: all) put back as they were.

    Raises ValueError when a change does not belong to this correction.
    """
    chosen = correction.changes if changes is None else tuple(changes)
    text = correction.text
    for c in sorted(chosen, key=lambda c: -c.new_start):
        if text[c.new_start : c.new_end] != c.replacement:
            raise ValueError(f"change at {c.new_start} does not match the corrected text")
        text = text[: c.new_start] + c.original + text[c.new_end :]
    return text


def choose(found: Sequence[Suggestion], threshold: float) -> list[tuple[Suggestion, Candidate]]:
    """Non-overlapping picks whose posterior reaches ``threshold``: joins first."""
    picked: list[tuple[Suggestion, Candidate]] = []
    taken: list[tuple[int, int]] = []
    for s in sorted(found, key=lambda s: (s.best is None or s.best.kind != "join", s.start)):
        best = s.best
        if best is None or best.score < threshold:
            continue
        if any(s.start < e and b < s.end for b, e in taken):
            continue
        picked.append((s, best))
        taken.append((s.start, s.end))
    return sorted(picked, key=lambda p: p[0].start)


def rewrite(text: str, picks: Sequence[tuple[Suggestion, Candidate]]) -> tuple[str, list[Change]]:
    """Build the corrected text left to right, recording offsets in both texts."""
    parts: list[str] = []
    changes: list[Change] = []
    pos = shift = 0
    for s, c in picks:
        parts += [text[pos : s.start], c.text]
        new_start = s.start + shift
        changes.append(
            Change(
                s.start,
                s.end,
                new_start,
                new_start + len(c.text),
                s.word_index,
                s.original,
                c.text,
                c.score,
                c.kind,
            )
        )
        shift += len(c.text) - (s.end - s.start)
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts), changes
