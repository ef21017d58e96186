"""Readings of each chunk (and of two chunks joined) ranked by posterior: the language model's
prior times the channel's likelihood of what OCR read."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from rapidfuzz.distance import Levenshtein

from ocr.correct.agree import Agreement, Context, context
from ocr.correct.calibration import Calibration, logit
from ocr.correct.channel import Channel, word_cost
from ocr.correct.evidence import CharChoice, Choices, Layout
from ocr.correct.features import (
    Features,
    Noise,
    chunk_features,
    close_neighbour,
    letters_gain,
    page_repeats,
    reading_features,
    sure_edits,
    width_short,
    with_posterior,
)
from ocr.correct.lexicon import Lexicon, fold, token_rows, zipf_level
from ocr.correct.records import Candidate, CandidateKind, Suggestion
from ocr.correct.settings import CorrectionSettings
from ocr.correct.tokens import Chunk, foreign_letter, is_cyrillic, is_latin
from ocr.correct.train import torn, word_class

LN10 = math.log(10)


@dataclass(frozen=True)
class Page:
    """What one call works with: the text's chunks and evidence, the model, the settings."""

    text: str
    chunks: tuple[Chunk, ...]
    lexicon: Lexicon
    channel: Channel
    settings: CorrectionSettings
    protected: frozenset[str] = frozenset()
    choices: Choices = field(default_factory=dict)
    layout: Layout = field(default_factory=Layout)
    shift: float = 0.0  # the page's error rate against the average page (Channel.page_shift)
    calibration: Calibration = field(default_factory=Calibration)
    page_starts: tuple[int, ...] = (0,)  # where each page of the text starts (form feeds)
    noise: tuple[Noise, ...] = ()  # each page's (ocr.correct.features.page_noise)
    halves: frozenset[int] = frozenset()  # chunks of words broken at a line end (hyphen.py)
    agreement: Agreement = field(default_factory=lambda: Agreement({}, {}))  # agree.py
    spellings: Mapping[str, int] = field(default_factory=dict)  # word chunks by folded text

    def said(self, chunk: Chunk, text: str | None = None) -> tuple[CharChoice | None, ...]:
        return tuple(self.choices.get(chunk.start + i) for i in range(chunk.end - chunk.start))

    def noise_at(self, offset: int) -> Noise:
        """The noise of the page the character at ``offset`` is on."""
        if not self.noise:
            return Noise(0.0, 0.0, False, {})
        return self.noise[bisect.bisect_right(self.page_starts, offset) - 1]


@dataclass(frozen=True)
class Option:
    """One reading of a span (folded text; "" deletes) with its log score."""

    text: str
    score: float
    cost: float
    kind: CandidateKind
    agreement: float = 0.0  # ln ratio its ending's agreement adds against the one read's


def prior(page: Page, word: str, nxt: Chunk | None) -> float:
    """ln P(word) from its Zipf frequency, with what its usual follower says (tokens table)."""
    z = page.lexicon.zipf(word)
    score = page.settings.lm_weight * LN10 * (z - 9)
    row = token_rows().get(word)
    if row is not None and row.after != "any":
        holds = nxt is not None and (
            nxt.text[:1].isdigit() if row.after == "number" else nxt.text[:1].isupper()
        )
        score += page.channel.after_shift(word, row.after, holds)
    return score


def keep_prior(page: Page, chunk: Chunk, nxt: Chunk | None) -> float:
    """ln P(the chunk is right as read): a known word's prior, else an unknown word's."""
    if page.lexicon.known(chunk.text) and not mixed_case(chunk.text):
        return prior(page, fold(chunk.text), nxt)
    shape = word_class(
        chunk.text,
        chunk.sentence_start,
        torn=torn(page.text, page.chunks, chunk.index, page.lexicon),
    )
    z = page.settings.unknown_zipf + page.channel.unknown_shift(shape)
    if any(not (c.isalpha() or c == "-") for c in chunk.text) or mixed_case(chunk.text):
        z += zipf_level("garbled")  # no word of any list is spelled so
    return page.settings.lm_weight * LN10 * (z - 9)


def mixed_case(word: str) -> bool:
    """Capitals after the first letter of a word that also has small letters (``стРаны``);
    each part of a hyphenated word has a first letter of its own."""
    return any(c.isupper() for part in word.split("-") for c in part[1:]) and any(
        c.islower() for c in word
    )


def russian_chunk(chunk: Chunk) -> bool:
    """A chunk correction may touch: Cyrillic letters (Latin or digits among them allowed),
    no letter of another Cyrillic alphabet."""
    cyr = sum(is_cyrillic(c) for c in chunk.text)
    lat = sum(is_latin(c) for c in chunk.text)
    return (
        chunk.letters > 0
        and cyr > 0
        and cyr >= lat
        and not any(foreign_letter(c) for c in chunk.text)
    )


def weak(page: Page, chunk: Chunk) -> bool:
    """Whether tesseract doubted some letter of the chunk more than an average letter."""
    return any(said is not None and page.channel.conf_shift(said) < 0 for said in page.said(chunk))


def word_options(page: Page, chunk: Chunk, nxt: Chunk | None) -> list[Option]:
    """The readings of one chunk: as read, dictionary words near it, two words split."""
    keep = Option(fold(chunk.text), keep_prior(page, chunk, nxt), 0.0, "edit")
    known = page.lexicon.known(chunk.text)
    said = page.said(chunk)
    if known and mixed_case(chunk.text):
        flips = sum(
            page.channel.case_flip(page.choices.get(chunk.start + i))
            for i, c in enumerate(chunk.text)
            if i and c.isupper()
        )
        word = fold(chunk.text)
        close = [
            Option(w, prior(page, w, nxt) - cost - flips, cost + flips, "edit")
            for w, cost in near(page, word, said, True)
        ]
        return [keep, Option(word, prior(page, word, nxt) - flips, flips, "case"), *close]
    if known and not weak(page, chunk):
        return [keep]
    if known:  # a real word misread as another: tesseract doubted one of its letters
        keep = replace(
            keep, score=keep.score + page.settings.lm_weight * LN10 * page.settings.known_bonus
        )
    read = fold(chunk.text)
    found = [
        Option(w, prior(page, w, nxt) - cost, cost, "edit")
        for w, cost in near(page, read, said, known)
    ]
    learned = page.lexicon.learned.replacements.get(chunk.text)
    if learned is not None:
        found.append(Option(fold(learned), prior(page, fold(learned), nxt), 0.0, "learned"))
    # endings weighed against the one read (a real word) or, for a word no list knows, against
    # the likeliest reading's
    lead = read if known or not found else max(found, key=lambda o: o.score).text
    found = _agreeing(page, lead, found, context(page.chunks, chunk.index))
    if not known:
        found += _splits(page, chunk, nxt)
    return [keep, *found]


def _agreeing(page: Page, lead: str, options: list[Option], beside: Context) -> list[Option]:
    """The options with the ln ratio each one's ending's agreement with the neighbours adds
    against the ending of ``lead`` (agree.py; 0 unless the two differ in their endings alone)."""
    shifts = page.agreement.shifts(page.lexicon, lead, [o.text for o in options], beside)
    return [
        o if s == 0.0 else replace(o, score=o.score + s, agreement=s)
        for o, s in zip(options, shifts, strict=True)
    ]


def short_options(page: Page, chunk: Chunk, nxt: Chunk | None) -> list[Option]:
    """The readings of a chunk of one or two letters: as read, a sign of the tokens table that
    stands before numbers one edit away (``№`` read as ``Х``), or a word its letters stand for
    where the page's channel misreads them often (:func:`variants`); any other word is too near
    for the readings considered to hold the true one."""
    keep = Option(fold(chunk.text), keep_prior(page, chunk, nxt), 0.0, "edit")
    word, said = fold(chunk.text), page.said(chunk)
    forms = [
        f
        for f, row in token_rows().items()
        if len(f) <= 2
        and row.after == "number"
        and f != word
        and Levenshtein.distance(f, word) <= 1
    ]
    if chunk.text.isalpha():
        forms += [
            v
            for v in variants(page.channel, word, limit=page.settings.variants)
            if v not in forms and page.lexicon.known(v)
        ]
    costs = [(f, word_cost(page.channel, f, word, said, shift=page.shift)) for f in forms]
    return [keep, *(Option(f, prior(page, f, nxt) - c, c, "edit") for f, c in costs)]


def near(
    page: Page, word: str, said: tuple[CharChoice | None, ...], known: bool
) -> list[tuple[str, float]]:
    """Dictionary words within reach of ``word`` or of its likely spellings (the page's
    channel's misreadings undone, :func:`variants`), with their channel cost."""
    distance = 1 if known or len(word) <= 4 else 2
    pool = [
        w
        for w in page.lexicon.candidates(word, distance=distance)
        if w != word and page.lexicon.known(w)
    ]
    pool.sort(key=lambda w: (Levenshtein.distance(word, w), -page.lexicon.zipf(w)))
    pool = pool[: page.settings.pool]
    if not known:
        seen = set(pool)
        for k, v in enumerate(variants(page.channel, word, limit=page.settings.variants)):
            near = page.lexicon.candidates(v, distance=1) if k < 2 and len(v) > 4 else [v]
            extra = [w for w in near if w not in seen and w != word and page.lexicon.known(w)]
            pool += extra
            seen.update(extra)
    return [(w, word_cost(page.channel, w, word, said, shift=page.shift)) for w in pool]


def variants(channel: Channel, word: str, *, limit: int, floor: float = 0.05) -> list[str]:
    """Up to ``limit`` spellings of ``word`` with letters replaced by what the channel says
    they were typed as (where P(typed | read) reaches ``floor``), likeliest first."""
    beam: list[tuple[float, str]] = [(0.0, "")]
    for letter in word:
        said = channel.stands_for(letter)
        alts = [(a, p) for a, p in said if p >= floor]
        keep = math.log(max(1.0 - sum(p for _, p in said), 1e-3))
        grown = [(s + keep, v + letter) for s, v in beam]
        grown += [(s + math.log(p), v + a) for s, v in beam for a, p in alts]
        beam = sorted(grown, reverse=True)[: 4 * limit]
    return [v for _, v in beam if v != word][:limit]


def _splits(page: Page, chunk: Chunk, nxt: Chunk | None) -> list[Option]:
    """The chunk read as two known words whose blank OCR lost."""
    word = fold(chunk.text)
    if len(word) < 5 or not word.isalpha():
        return []
    cost = page.channel.edit_cost(" ", "") + page.shift
    out = []
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        if min(page.lexicon.zipf(left), page.lexicon.zipf(right)) >= zipf_level("split"):
            score = prior(page, left, None) + prior(page, right, nxt) - cost
            out.append(Option(f"{left} {right}", score, cost, "split"))
    return out


def posterior(options: Sequence[Option]) -> list[float]:
    """Each option's posterior (the options are all the readings considered)."""
    top = max(o.score for o in options)
    weights = [math.exp(o.score - top) for o in options]
    total = sum(weights)
    return [w / total for w in weights]


def log_evidence(options: Sequence[Option]) -> float:
    """ln of the summed weight of ``options`` (a span's every reading)."""
    top = max(o.score for o in options)
    return top + math.log(sum(math.exp(o.score - top) for o in options))


def features(page: Page, chunk: Chunk, options: Sequence[Option]) -> Features:
    """The chunk's features (ocr.correct.features.chunk_features); ``options[0]`` is the chunk
    as read."""
    said = [s for s in page.said(chunk) if s is not None]
    doubted = sum(page.channel.conf_shift(s) < 0 for s in said) / max(len(said), 1)
    shape = word_class(
        chunk.text,
        chunk.sentence_start,
        torn=torn(page.text, page.chunks, chunk.index, page.lexicon),
    )
    read = fold(chunk.text)
    return chunk_features(
        page.noise_at(chunk.start),
        chunk,
        known=page.lexicon.known(chunk.text),
        shape=shape,
        doubted=doubted,
        distances=[Levenshtein.distance(read, o.text) for o in options[1:]],
        glued=page.text[chunk.outer_end : chunk.outer_end + 1].strip() != "",
    )


def suggestion(
    page: Page, start: int, end: int, chunk: Chunk, options: Sequence[Option], keep: int | None
) -> Suggestion | None:
    """The suggestion of a span whose readings are ``options`` (``keep``: the index of the
    reading as read, if among them); None when reading it as read is best. The readings share
    what the truth being none of them (the calibration's ``other`` model) leaves; the best
    one's score is then calibrated to how often such a reading is right."""
    post = posterior(options)
    order = sorted(range(len(options)), key=lambda i: -post[i])
    if not order or order[0] == keep:
        return None
    base = features(page, chunk, options)
    other = page.calibration.other_mass(base)
    post = [p * (1 - other) for p in post]
    best = options[order[0]]
    reading = reading_features(
        base,
        chunk.text,
        best.text,
        best.kind,
        zipfs=_zipfs(page, chunk.text, best.text),
        cost=best.cost,
        agreement=best.agreement,
    )
    # the word boxes around the span: the whole tokens it touches, the blanks outside them
    begin, finish = start, end
    while begin > 0 and not page.text[begin - 1].isspace():
        begin -= 1
    while finish < len(page.text) and not page.text[finish].isspace():
        finish += 1
    one_word = not any(c.isspace() for c in page.text[begin:finish])
    reading["width_short"] = (
        width_short(page.layout.slack.get(finish), len(best.text) - len(chunk.text))
        if one_word
        else 0.0
    )
    reading["close_neighbour"] = close_neighbour(
        page.layout.gaps.get(begin - 1), page.layout.gaps.get(finish)
    )
    # the chunk's own letters: how sure tesseract was of those the reading rewrites, and how
    # often the page reads the word the same way (one chunk's span only)
    alone = page.text[start:end] == chunk.text
    reading["sure_edits"] = (
        sure_edits(chunk.text, best.text, page.said(chunk), page.channel) if alone else 0.0
    )
    reading["letters_gain"] = letters_gain(chunk.text, best.text) if alone else 0.0
    reading["page_repeats"] = page_repeats(page.spellings.get(fold(chunk.text), 0))
    reading = with_posterior(reading, logit(post[order[0]]))
    post = _rescaled(post, order[0], page.calibration.right_prob(post[order[0]], reading))
    original = page.text[start:end]
    cands = tuple(
        Candidate(options[i].text, post[i], options[i].cost, options[i].kind)
        for i in order
        if i != keep
    )[: page.settings.max_candidates]
    return Suggestion(
        start, end, chunk.index, original, cands, post[keep] if keep is not None else 0.0, reading
    )


def calibrated(
    page: Page, chunk: Chunk, p: float, text: str, kind: CandidateKind
) -> tuple[float, Features]:
    """A reading decided alone against the chunk as read (a mark's deletion, a case) with
    posterior ``p``: its calibrated score and the features it was calibrated from."""
    options = [Option(fold(chunk.text), 0.0, 0.0, "edit"), Option(fold(text), 0.0, 0.0, kind)]
    reading = reading_features(
        features(page, chunk, options),
        chunk.text,
        text,
        kind,
        zipfs=_zipfs(page, chunk.text, text),
        cost=0.0,
    )
    reading = with_posterior(reading, logit(p))
    return page.calibration.right_prob(p, reading), reading


def _zipfs(page: Page, read: str, best: str) -> tuple[float, float]:
    """The Zipf frequencies of the chunk as read and of a reading (a split's rarer word)."""
    return (
        page.lexicon.zipf(read) if page.lexicon.known(read) else 0.0,
        min((page.lexicon.zipf(w) for w in best.split()), default=0.0),
    )


def _rescaled(post: list[float], best: int, right: float) -> list[float]:
    """The posteriors with the best one set to ``right``: the others shrink with it (the mass
    given up is the unknown truth's) or share what is left when it grows; the order holds."""
    if right <= post[best]:
        factor = right / post[best] if post[best] > 0 else 0.0
        return [p * factor for p in post]
    rest = (1 - right) / (1 - post[best])
    return [right if i == best else p * rest for i, p in enumerate(post)]
