"""Settings and the noisy-channel ranking shared by every kind of suggestion."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ocr.correct.candidates import SearchLimits
from ocr.correct.choices import Choices, PositionCosts, position_costs
from ocr.correct.confusions import ConfusionTable, load_confusions
from ocr.correct.layout import Layout
from ocr.correct.lexicon import Lexicon, default_lexicon
from ocr.correct.records import Candidate, CandidateKind, Suggestion
from ocr.correct.tokens import Token, tokenize

LN10 = math.log(10)
# Digits that OCR reads for capital letters at a word's start (0бком for Обком, 1ульской for
# Тульской, 3а for За, 4то for Что); 6 is drawn like a small б.
CAPITAL_DIGITS = frozenset("0123457")


@dataclass(frozen=True)
class CorrectionSettings:
    """How bold correction is: priors in Zipf units (log10 per 10^9 words), costs in nats.

    Defaults were tuned on benchmark pages of another seed and line width than the reported ones
    (bench/bench_correct.py --seed 7 --width 60).
    """

    threshold: float = 0.95  # apply when the best candidate's posterior reaches this
    lm_weight: float = 0.75  # weight of the word-frequency prior against edit costs
    unknown_zipf: float = -3.0  # prior of "an unknown word is right as read"
    name_bonus: float = 4.0  # added for a capitalised word inside a sentence (likely a name)
    caps_bonus: float = 4.0  # added for an all-capitals word (header, acronym)
    context_weight: float = 2.0  # nats for fitting, or failing, the neighbours' grammar
    tiny_min_zipf: float = 3.0  # a short token is only corrected to a common word
    short_keep: float = 3.0  # nats for "right as read" of a word of two letters
    max_short: int = 2
    fragment_keep: float = 3.0  # nats for "right as read" beside a fragment (``ри тмичную``)
    max_fragment: int = 3  # a neighbour this short (letters) and rarer than fragment_zipf ...
    fragment_zipf: float = 4.5  # ... is a fragment (на, по, из, от are more frequent)
    torn_keep: float = 3.0  # nats for "right as read" beside an unknown word (``ХАРАКТЕ? ИСТИКА``)
    join_cost: float = 1.0  # nats for removing a space inside a word
    min_join_piece: int = 3  # letters each piece must have to be joined
    # Blanks whose boxes' gap (character widths, ocr.correct.layout) is under tight_gap are cuts
    # inside a word more often than not: joining there costs tight_join_shift nats more (less),
    # and pieces of any length may be joined, known words too.
    tight_gap: float = 0.55
    tight_join_shift: float = -3.0
    hyphen_cost: float = 0.5  # nats for joining a word hyphenated at a line end
    join_hyphenation: bool = True
    base_unknown_share: float = 0.08  # share of unknown words on a clean page (names, rare words)
    noise_weight: float = 2.0  # how much a noisier page lowers "right as read"
    cheap_cost: float = 5.0  # an unknown word with no correction this cheap looks foreign
    max_foreign_share: float = 0.45  # more such words on a page: the page is not Russian
    max_line_foreign_share: float = 0.75  # the same for one line
    min_gate_words: int = 2
    min_line_words: int = 3
    max_candidates: int = 5
    profile_rounds: int = 2  # passes counting the page's own confusions (ocr.correct.profile); 0: off
    limits: SearchLimits = field(default_factory=SearchLimits)


@dataclass(frozen=True)
class Context:
    """What one call works with: lexicon, confusions, protected words, settings."""

    lexicon: Lexicon
    table: ConfusionTable
    protected: frozenset[str]
    settings: CorrectionSettings
    keep_shift: float = 0.0  # nats added to every "keep as read" hypothesis on this page
    # How often each word is written with a capital first letter inside sentences (Совета,
    # Министров): for a known word, that capital is the document's usage, not a misreading.
    capital_counts: Mapping[str, int] = field(default_factory=dict)
    # What tesseract said of each character of the text (ocr.correct.choices), when known.
    choices: Choices = field(default_factory=dict)
    # What the page's word boxes said: blanks' widths, specks (ocr.correct.layout), when known.
    layout: Layout = field(default_factory=Layout)

    def marks(self, start: int, word: str) -> PositionCosts | None:
        """Tesseract's doubts on ``word`` at offset ``start`` of the text, as edit costs."""
        return position_costs(self.choices, start, word) if self.choices else None


@dataclass(frozen=True)
class Hypothesis:
    """A reading of a span: its text, channel cost (nats), kind, prior (Zipf) and context bonus."""

    text: str
    cost: float
    kind: CandidateKind
    zipf: float
    bonus: float = 0.0


def protected_words(*, reference: str | None = None, names: Iterable[str] = ()) -> frozenset[str]:
    """Lower-case words never to be corrected: every word of the reference and of the names list."""
    return frozenset(t.text.lower() for text in [reference or "", *names] for t in tokenize(text))


def make_context(lexicon: Lexicon | None, confusions: ConfusionTable | None,
                 reference: str | None, names: Iterable[str],
                 settings: CorrectionSettings | None, choices: Choices | None = None,
                 layout: Layout | None = None) -> Context:
    """The context of one call, with the defaults filled in."""
    return Context(lexicon or default_lexicon(), confusions or load_confusions(),
                   protected_words(reference=reference, names=names),
                   settings or CorrectionSettings(), choices=choices or {},
                   layout=layout or Layout())


def text_zipf(text: str, ctx: Context) -> float:
    """Prior of one word, or of a split (the product of its words' frequencies)."""
    parts = text.split()
    return sum(ctx.lexicon.prior_zipf(p) for p in parts) - 9 * (len(parts) - 1)


def keep_zipf(token: Token, ctx: Context) -> float:
    """Prior that an unknown word is right as read: names and capitals are more likely so."""
    word = token.text
    listed = ctx.lexicon.zipf(word.lower())  # 0 when wordfreq has never seen it
    z = max(ctx.settings.unknown_zipf, listed) if listed > 0 else ctx.settings.unknown_zipf
    if word.isupper() and len(word) > 1:
        return z + ctx.settings.caps_bonus
    if word[:1].isupper() and not token.sentence_start:
        return z + ctx.settings.name_bonus
    return z


def ranked(token: tuple[int, int, int], original: str, keep: Hypothesis,
           others: Sequence[Hypothesis], ctx: Context, *, keep_is_original: bool) -> Suggestion:
    """Posterior over keep + candidates (noisy channel, unigram prior) for the span
    ``token = (start, end, word_index)``; ``keep`` is left out of the candidates when it is the
    original text."""
    weight = ctx.settings.lm_weight * LN10
    options = [keep, *others]
    logp = [-h.cost + h.bonus + weight * (h.zipf - 9) for h in options]
    logp[0] += ctx.keep_shift
    top = max(logp)
    probs = [math.exp(lp - top) for lp in logp]
    total = sum(probs)
    merged: dict[str, Candidate] = {}
    for h, p in zip(options, probs, strict=True):
        if h is keep and keep_is_original:
            continue
        text = match_case(original, h.text)
        if text not in merged or merged[text].score < p / total:
            merged[text] = Candidate(text, p / total, h.cost, h.kind)
    best = sorted(merged.values(), key=lambda c: -c.score)[:ctx.settings.max_candidates]
    keep_score = probs[0] / total if keep_is_original else 0.0
    return Suggestion(*token, original, tuple(best), keep_score)


def match_case(original: str, word: str) -> str:
    """``word`` in the original's case pattern, with ё written е unless the original had ё."""
    if "ё" not in original.lower():
        word = word.replace("ё", "е")
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if letters and letters[0].isupper() or original[:1] in CAPITAL_DIGITS:
        return word[:1].upper() + word[1:]
    return word
