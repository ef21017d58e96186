"""What the calibration models read: page and line noise, a chunk's shape, evidence, readings."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from ocr.correct.channel import Channel
from ocr.correct.evidence import CharChoice, Choices
from ocr.correct.lexicon import Lexicon, fold, russian_letters
from ocr.correct.tokens import Chunk, is_cyrillic

Features = dict[str, float]
SHAPES = ("torn", "capital", "start", "capitals")
KINDS = ("join", "split", "delete", "case", "learned", "hyphen")
FAR = 3  # the distance given when no reading but the one OCR read was considered
POSTERIOR_KNOTS = (0, 2, 4, 6, 8)


@dataclass(frozen=True)
class Noise:
    """How damaged one page's reading looks without its truth: the share of its words the
    lexicon does not know, the share of its letters tesseract doubted more than an average
    letter, and the same two shares on each of its lines (keyed by line number)."""

    unknown: float
    doubted: float
    has_choices: bool
    line_unknown: dict[int, tuple[int, int]]  # line: (unknown words, words)


def _russian_word(chunk: Chunk) -> bool:
    return chunk.word_like and any(is_cyrillic(c) for c in chunk.text)


def page_noise(
    text: str, found: Sequence[Chunk], lexicon: Lexicon, channel: Channel, choices: Choices
) -> tuple[tuple[int, ...], tuple[Noise, ...]]:
    """The noise of each page of ``text`` (pages are separated by form feeds), with the offset
    each page starts at."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\f"]
    pages: list[list[Chunk]] = [[] for _ in starts]
    for c in found:
        pages[bisect.bisect_right(starts, c.start) - 1].append(c)
    out = []
    for chunk_list in pages:
        lines: dict[int, tuple[int, int]] = {}
        words = [c for c in chunk_list if _russian_word(c)]
        for c in words:
            u, n = lines.get(c.line, (0, 0))
            lines[c.line] = (u + (not lexicon.known(c.text)), n + 1)
        unknown = sum(u for u, _ in lines.values()) / max(len(words), 1)
        said = [
            choices[c.start + i]
            for c in words
            for i in range(len(c.text))
            if c.start + i in choices
        ]
        doubted = sum(channel.conf_shift(s) < 0 for s in said) / max(len(said), 1)
        out.append(Noise(unknown, doubted, bool(said), lines))
    return tuple(starts), tuple(out)


def chunk_features(
    noise: Noise,
    chunk: Chunk,
    *,
    known: bool,
    shape: str,
    doubted: float,
    distances: Sequence[int],
    glued: bool = False,
) -> Features:
    """The features of one chunk and its readings (``distances``: edits from the chunk as read
    to each reading other than it; ``glued``: no blank after the chunk and its punctuation, as
    in ``складо.л`` where OCR cut a word's end off): what P(the truth is none of them) and
    P(the best reading is right) are estimated from."""
    unknown, words = noise.line_unknown.get(chunk.line, (0, 0))
    own = 0 if known else 1
    others = max(words - 1, 0)
    out: Features = {
        "page_unknown": noise.unknown,
        "page_doubted": noise.doubted,
        "no_choices": float(not noise.has_choices),
        "line_unknown": (unknown - own) / others if others else noise.unknown,
        "letters": math.log(max(chunk.letters, 1)),
        "known": float(known),
        "chunk_doubted": doubted,
        "marks": float(any(not (c.isalpha() or c == "-") for c in chunk.text)),
        "nearest": float(min(distances, default=FAR)),
        "readings": math.log1p(len(distances)),
        "glued": float(glued),
    }
    out.update({f"shape_{s}": float(shape == s) for s in SHAPES})
    return out


def reading_features(
    base: Features,
    read: str,
    best: str,
    kind: str,
    *,
    zipfs: tuple[float, float],
    cost: float,
    agreement: float = 0.0,
) -> Features:
    """The features of the best reading of a span: its chunk's, how many edits it makes, its
    kind, the Zipf frequencies of the chunk as read and of the reading, the reading's channel
    cost (what P(it is right) is calibrated from, with its posterior), and, for the change log
    only, the ln ratio its ending's agreement with its neighbours added (ocr.correct.agree)."""
    out = dict(base)
    out["edits"] = float(Levenshtein.distance(fold(read), fold(best)))
    out.update({f"kind_{k}": float(kind == k) for k in KINDS})
    out["read_zipf"], out["best_zipf"] = zipfs
    out["cost"] = min(cost, 30.0)
    out["cost_sq"] = out["cost"] ** 2 / 30
    out["short"] = float(base["letters"] < math.log(3))
    out["edits_share"] = out["edits"] / math.exp(base["letters"])
    out["unknown_sq"] = base["page_unknown"] ** 2
    out["agreement"] = agreement
    return out


WIDTH_SPARE = 2.0  # letters a word's box may hold beyond its reading (spacing, a torn edge)
WIDTH_CAP = 5.0


def width_short(slack: float | None, added: int) -> float:
    """How many letters more than WIDTH_SPARE the word's box holds beyond a reading that adds
    ``added`` letters to the word as read (``slack``: the box's width in character widths less
    the characters read, ocr.correct.evidence.Layout); 0 without a box. A typewriter's letters
    are all one width, so a reading much shorter than its box is likely a fragment of a longer
    word (``1более`` for ``Наиболее``) (round 18j)."""
    if slack is None:
        return 0.0
    return min(max(slack - added - WIDTH_SPARE, 0.0), WIDTH_CAP)


CLOSE_GAP = 0.6  # a blank narrower than this many character widths: a word's pieces


def close_neighbour(left: float | None, right: float | None) -> float:
    """1 when the word's box stands closer to a neighbour's on its line than CLOSE_GAP
    character widths (``left``/``right``: the gaps, ocr.correct.evidence.Layout; None when
    there is none): a typewriter's word space is a whole character wide, so such a word is
    likely a piece of a longer word OCR cut (``На 1более`` for ``Наиболее``), whatever its
    best reading (round 18j)."""
    gaps = [g for g in (left, right) if g is not None]
    return float(bool(gaps) and min(gaps) < CLOSE_GAP)


def sure_edits(read: str, best: str, said: Sequence[CharChoice | None], channel: Channel) -> float:
    """The share of the letters of ``read`` that ``best`` rewrites (replaced or dropped, aligned
    by edit distance on folded letters) which tesseract read surer than an average letter and
    without the new letter among its alternatives (``said``: the choices of ``read``'s
    characters); 0 when it rewrites none or no choice is known. A rare word or a name read with
    sure letters is changed into a commoner one a letter away by such edits (``тоневых`` ->
    ``теневых``, ``Лежнина`` -> ``Ленина``; sealed H's wrong class, round 18k)."""
    edited = 0
    sure = 0
    target = fold(best)
    for op in Levenshtein.opcodes(fold(read), target):
        if op.tag not in ("replace", "delete"):
            continue
        new = target[op.dest_start : op.dest_end]
        for i in range(op.src_start, op.src_end):
            choice = said[i] if i < len(said) else None
            if choice is None:
                continue
            edited += 1
            offered = any(fold(a) in new for a, _ in choice.alternatives)
            sure += channel.conf_shift(choice) > 0 and not offered
    return sure / edited if edited else 0.0


LETTERS_GAIN = (-1.0, 2.0)  # the range kept: a garble's gain is large, a name's near 0


def letters_gain(read: str, best: str) -> float:
    """How much more Russian the reading's letters look than the word as read's (the mean ln
    P(letter | two before), ocr.correct.lexicon.russian_letters), within LETTERS_GAIN; 0 for a
    reading of several words. A misreading mostly breaks the letters' run (``крозля`` ->
    ``кровля`` gains 1.5), a rare word or a name read right does not (``тоневых`` ->
    ``теневых`` gains 0.0) (round 18k)."""
    if " " in best or not best:
        return 0.0
    low, high = LETTERS_GAIN
    return min(max(russian_letters(best) - russian_letters(read), low), high)


def page_repeats(seen: int) -> float:
    """ln(1 + the other times the page reads the word exactly as here, folded): a word OCR
    spells the same way in several places is likelier a word of the text than a misreading,
    which scatters (round 18k)."""
    return math.log1p(max(seen - 1, 0))


def with_posterior(reading: Features, log_odds: float) -> Features:
    """The reading's features with its posterior's log odds, alone and as the page's noise and
    the chunk's shortness change what it is worth."""
    out = dict(reading)
    out["posterior"] = log_odds
    out["post_x_unknown"] = log_odds * reading["page_unknown"]
    out["post_x_doubted"] = log_odds * reading["page_doubted"]
    out["post_x_short"] = log_odds * reading["short"]
    for edge in POSTERIOR_KNOTS:  # a piecewise-linear effect of the log odds
        out[f"post_over_{edge}"] = max(log_odds - edge, 0.0)
    return out
