"""The noisy channel P(OCR reading | true text), estimated from counts of aligned pages: edit
units (letters, letter pairs, marks, blanks), case slips, tesseract's confidences and
alternatives, the boxes' gaps and mark heights, and the page's own error rate."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ocr.correct.evidence import CharChoice
from ocr.correct.lexicon import DATA, fold
from ocr.correct.train import (
    ALT_BINS,
    CONF_BINS,
    GAP_BINS,
    HEIGHT_BINS,
    OOV_BINS,
    Row,
    _pieces,
    bin_of,
    read_counts,
)

CHANNEL_TABLE = DATA / "channel_ru.tsv"
ADD = 0.5  # pseudo-count of an edit never seen
ALPHABET = 80  # outcomes an edit unit may have (letters, digits, marks)


def _lr(yes: float, no: float, yes_all: float, no_all: float) -> float:
    """ln of a likelihood ratio from counts, with half a count added to each cell."""
    return math.log((yes + ADD) / (yes_all + ADD)) - math.log((no + ADD) / (no_all + ADD))


@dataclass(frozen=True, eq=False)
class Channel:
    """Costs (nats, relative to reading the text right) of every kind of evidence."""

    counts: Counter[Row]
    _memo: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    _misread: dict[str, int] = field(default_factory=dict, repr=False)
    _stands_for: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict, repr=False)

    def total(self, table: str, a: str, b: str) -> int:
        return self.counts.get((table, a, b), 0)

    def edit_cost(self, a: str, b: str) -> float:
        """-ln P(OCR read ``b`` | typed ``a``) + ln P(read right): folded units."""
        key = (a, b)
        if key not in self._memo:
            if not self._misread:
                self._misread.update(_errors(self.counts))
            seen = self.counts.get(("edit", a, b), 0)
            n = max(self.counts.get(("char", a, ""), 0), 1)
            p = (seen + ADD / ALPHABET) / (n + ADD)
            keep = max(1.0 - self._misread.get(a, 0) / n, 0.5) if a else 1.0
            self._memo[key] = -math.log(p) + math.log(keep)
        return self._memo[key]

    def stands_for(self, read: str) -> tuple[tuple[str, float], ...]:
        """The letters an OCR letter ``read`` (folded) was typed as when it was wrong, with
        P(typed that | read ``read``), likeliest first (one-letter units only)."""
        if not self._stands_for:
            self._stands_for.update(_reverse(self.counts))
        return self._stands_for.get(read, ())

    def conf_shift(self, said: CharChoice | None) -> float:
        """Nats added to an edit of an OCR character read at this confidence: -ln of how much
        likelier an error is there than on average."""
        if said is None:
            return 0.0
        b = bin_of(CONF_BINS, said.conf)
        key = ("conf", b)
        if key not in self._memo:
            ok, err = self.total("conf", b, "ok"), self.total("conf", b, "err")
            ok_all = sum(self.total("conf", str(k), "ok") for k in range(len(CONF_BINS)))
            err_all = sum(self.total("conf", str(k), "err") for k in range(len(CONF_BINS)))
            self._memo[key] = -_lr(err, ok, err_all, ok_all)
        return self._memo[key]

    def alt_shift(self, said: CharChoice | None, letter: str) -> float:
        """Nats added to reading an OCR character as ``letter``: less where tesseract offered
        it, more where it offered others but not it."""
        if said is None or not said.alternatives:
            return 0.0
        offered = [c for a, c in said.alternatives if fold(a) == letter]
        key = ("alt", bin_of(ALT_BINS, max(offered)) if offered else "none")
        if key not in self._memo:
            self._memo[key] = self._alt_cost(key[1])
        return self._memo[key]

    def _alt_cost(self, b: str) -> float:
        errors = max(self.total("alt", "any", "error"), 1)
        positions = max(self.total("alt", "any", "position"), 1)
        if b != "none":
            hit, miss = self.total("alt", b, "hit"), self.total("alt", b, "miss")
            # P(offered | truth is it) / P(offered | truth is another letter)
            return -math.log(((hit + ADD) / errors) / ((miss + ADD) / (positions * 32)))
        hits = sum(self.total("alt", str(k), "hit") for k in range(len(ALT_BINS)))
        return -math.log(max(1.0 - hits / errors, 0.05))

    def gap_shift(self, gap: float | None) -> float:
        """Nats added to reading a blank as a cut inside a word, by its boxes' gap."""
        if gap is None:
            return 0.0
        b = bin_of(GAP_BINS, gap)
        cut, real = self.total("gap", b, "cut"), self.total("gap", b, "real")
        cut_all = sum(self.total("gap", str(k), "cut") for k in range(len(GAP_BINS)))
        real_all = sum(self.total("gap", str(k), "real") for k in range(len(GAP_BINS)))
        return -_lr(cut, real, cut_all, real_all)

    def noise_odds(self, mark: str, height: float | None) -> float:
        """ln odds that a chunk of marks alone is noise, not type: from how often that mark
        was noise, and how much its box's height tells (when known)."""
        odds = math.log(
            (self.total("mark", mark, "noise") + ADD) / (self.total("mark", mark, "real") + ADD)
        )
        if height is None:
            return odds
        bins = [str(k) for k in range(len(HEIGHT_BINS))]
        b = bin_of(HEIGHT_BINS, height)
        noise_all = sum(self.total("speck", k, "noise") for k in bins)
        real_all = sum(self.total("speck", k, "real") for k in bins)
        return odds + _lr(
            self.total("speck", b, "noise"), self.total("speck", b, "real"), noise_all, real_all
        )

    def capital_inside(self, *, line_start: bool = False) -> float:
        """ln P(a word that is no name has a capital inside a sentence), first on its line or
        further on."""
        where = "line-start" if line_start else "inside"
        yes, no = self.total("capital", where, "yes"), self.total("capital", where, "no")
        return math.log((yes + ADD) / (yes + no + 2 * ADD))

    def first_upper(self, key: str) -> float:
        """P(the truth's first letter is a capital) for a chunk of this ``first`` key
        (ocr.correct.train.first_case_key); a key never counted: the case OCR read. Where OCR
        lost the first letter, the case read is no evidence: the truth's case at that place,
        whatever OCR read there (every row of the place)."""
        if key.startswith("lost|"):
            place = key.split("|")[2]
            rows = [
                f"{kind}|{lead}|{place}|{read}"
                for kind in ("same", "other", "lost")
                for lead in ("-", "lead")
                for read in ("upper", "lower")
            ]
            up = sum(self.total("first", k, "upper") for k in rows)
            low = sum(self.total("first", k, "lower") for k in rows)
            return (up + ADD) / (up + low + 2 * ADD)
        up, low = self.total("first", key, "upper"), self.total("first", key, "lower")
        if up + low == 0:
            return 1.0 if key.endswith("upper") else 0.0
        return (up + ADD) / (up + low + 2 * ADD)

    def first_case_ratio(self, key: str) -> float:
        """ln P(OCR read the first letter in this key's case | the truth's is a capital) over
        the same for a small letter, where OCR read another letter (the ``first`` table at the
        key's marks and place): what the case read tells, without the tuning texts' capitals."""
        head, _, read = key.rpartition("|")
        other = f"{head}|{'lower' if read == 'upper' else 'upper'}"
        up, low = self.total("first", key, "upper"), self.total("first", key, "lower")
        up_all = up + self.total("first", other, "upper")
        low_all = low + self.total("first", other, "lower")
        return _lr(up, low, up_all, low_all)

    def case_read(self, said: CharChoice | None, typed: str, read: str) -> float:
        """ln P(a letter typed in case ``typed`` is read in case ``read``) at this letter's
        confidence bin (cases: "upper", "lower")."""
        b = bin_of(CONF_BINS, said.conf) if said is not None else "none"
        hit = self.total("case", b, f"{typed}>{read}")
        other = self.total("case", b, f"{typed}>{'lower' if read == 'upper' else 'upper'}")
        return math.log((hit + ADD) / (hit + other + 2 * ADD))

    def case_flip(self, said: CharChoice | None) -> float:
        """-ln P(a small letter read as a capital) at this letter's confidence bin."""
        return -self.case_read(said, "lower", "upper")

    def unknown_shift(self, shape: str) -> float:
        """log10 of how much likelier an unknown word of this shape (ocr.correct.train.
        word_class) is right as read than an unknown word of small letters."""

        def odds(k: str) -> float:
            return (self.total("unknown", k, "right") + ADD) / (
                self.total("unknown", k, "wrong") + ADD
            )

        return math.log10(odds(shape) / odds("small"))

    def page_shift(self, oov_share: float) -> float:
        """Nats added to every edit on a page with this share of unknown words: -ln of how
        much more (or less) often its letters are misread than on the average page."""
        b = bin_of(OOV_BINS, oov_share)
        rate = (self.total("page", b, "errors") + ADD) / (self.total("page", b, "chars") + 1)
        errors = sum(v for (t, _, k), v in self.counts.items() if t == "page" and k == "errors")
        chars = sum(v for (t, _, k), v in self.counts.items() if t == "page" and k == "chars")
        return -math.log(rate / max(errors / max(chars, 1), 1e-6))

    def after_shift(self, form: str, what: str, holds: bool) -> float:
        """ln P(context | form) - ln P(context): what a form's usual follower tells."""
        key = "yes" if holds else "no"
        own = self.total("after", f"{form}|{what}", key)
        own_all = own + self.total("after", f"{form}|{what}", "no" if holds else "yes")
        base = self.total("after", f"*{what}", key)
        base_all = base + self.total("after", f"*{what}", "no" if holds else "yes")
        return math.log((own + ADD) / (own_all + 2 * ADD)) - math.log(
            (base + ADD) / (base_all + 2 * ADD)
        )


def _reverse(counts: Counter[Row]) -> dict[str, tuple[tuple[str, float], ...]]:
    """P(typed a | read b) for every one-letter misreading a -> b of the counts."""
    misread = _errors(counts)
    wrong: dict[str, dict[str, int]] = {}
    for (t, a, b), v in counts.items():
        if t == "edit" and len(a) == 1 and len(b) == 1 and a.isalpha() and b.isalpha():
            wrong.setdefault(b, {})[a] = v
    out = {}
    for b, typed in wrong.items():
        right = max(counts.get(("char", b, ""), 0) - misread.get(b, 0), 0)
        read = right + sum(typed.values())
        out[b] = tuple(sorted(((a, v / read) for a, v in typed.items()), key=lambda x: -x[1]))
    return out


def _errors(counts: Counter[Row]) -> dict[str, int]:
    """How often each truth unit was misread."""
    out: Counter[str] = Counter()
    for (t, a, _), v in counts.items():
        if t == "edit":
            out[a] += v
    return dict(out)


@cache
def load_channel(path: Path = CHANNEL_TABLE) -> Channel:
    """The shipped channel (``ocr/data/channel_ru.tsv``), read once per process."""
    return Channel(read_counts(path))


def adapted(channel: Channel, text: str, corrected: str, *, weight: float) -> Channel:
    """The channel with one page's own letters and edits (its text against its surest
    reading) added ``weight`` times: a worn typeface misreads the same letter all over a page,
    and this page's rates are likelier than the average's."""
    from ocr.correct.train import count_edits

    own: Counter[Row] = Counter()
    count_edits(corrected, text, own)
    if not any(t == "edit" for t, _, _ in own):
        return channel
    return Channel(channel.counts + Counter({k: round(v * weight) for k, v in own.items()}))


def with_counts(channel: Channel, extra: Counter[Row]) -> Channel:
    """The channel with more counts added (the project's reviews and scored documents)."""
    return Channel(channel.counts + extra) if extra else channel


def word_cost(
    channel: Channel,
    truth: str,
    ocr: str,
    choices: tuple[CharChoice | None, ...],
    *,
    shift: float = 0.0,
) -> float:
    """The channel cost of reading the folded ``truth`` as ``ocr`` (its case kept; its
    characters' choices, None where unknown): every edit unit of their alignment, each moved
    by its characters' confidence and alternatives, and by ``shift`` (the page's rate)."""
    low = fold(ocr)
    cost = 0.0
    for op in Levenshtein.opcodes(truth, low):
        if op.tag == "equal":
            continue
        for a, b, at in _pieces(truth[op.src_start : op.src_end], low[op.dest_start : op.dest_end]):
            j = op.dest_start + at
            said = choices[j] if j < len(choices) else None
            cost += channel.edit_cost(a, b) + shift
            if b:
                cost += sum(
                    channel.conf_shift(choices[k]) for k in range(j, j + len(b)) if k < len(choices)
                ) / len(b)
            if len(a) == 1 and len(b) == 1:
                cost += channel.alt_shift(said, a)
    return cost
