"""How correction decides: the posterior threshold and the few constants set on held-out data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CorrectionSettings:
    """The decision's free constants, calibrated on the tuning side's held-out pages
    (`python -m bench.bench_correct --calibrate`; the values and the grid are in
    bench/results_correct.md). Priors are in Zipf units (log10 per 10^9 words)."""

    threshold: float = 0.85  # apply when the best reading's posterior reaches this
    lm_weight: float = 1.0  # weight of the word prior against the channel's log-likelihood
    unknown_zipf: float = 0.0  # prior of a word that no list knows being right as read
    known_bonus: float = 4.0  # Zipf added to a known word's prior against real-word errors
    # Chunks of fewer letters get no dictionary neighbours (one edit away from too many words
    # for the readings considered to hold the true one): only the signs of the tokens table and
    # the words the page's own misreadings stand for.
    min_letters: int = 3
    # More clean words that are neither Russian nor one edit from a common Russian word than
    # this share (of a text with gate_words clean words at least): the text is not Russian.
    # Or when its clean words' letters look less Russian than this, on average (mean ln P of a
    # letter after two, ocr.correct.lexicon.russian_letters).
    foreign_share: float = 0.49
    foreign_letters: float = -3.32
    gate_words: int = 8
    profile_rounds: int = 1  # passes adapting the channel to the page's own surest readings
    profile_weight: float = 400.0  # how many average pages' worth one page's own counts weigh
    profile_threshold: float = 0.8  # readings the page's own counts are taken from
    max_candidates: int = 5  # readings kept per suggestion
    pool: int = 40  # candidates per chunk scored by the channel (nearest, most frequent first)
    variants: int = 16  # spellings per unknown chunk with the page's likely misreadings undone
    join_distance: int = 2  # edits allowed in a word joined across a blank
