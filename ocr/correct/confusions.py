"""Character confusion tables: OCR substitution costs in nats, from shipped data or measured counts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "data" / "confusions_ru.tsv"
# When a measured table has no (c, c) counts, assume this share of a letter is misread.
ASSUMED_ERROR_RATE = 0.02
# Costs of edits the table does not list: -ln P for one unlisted substitution, insertion, deletion.
GENERIC_SUB = 7.0
GENERIC_INS = 7.0
GENERIC_DEL = 6.5
GENERIC_TRANSPOSE = 8.0
# The cheapest a listed confusion may cost, so that no table makes an edit free.
MIN_COST = 1.0


@dataclass(frozen=True)
class ConfusionTable:
    """For each OCR string, the typed strings it may stand for and the cost of that reading."""

    by_ocr: Mapping[str, tuple[tuple[str, float], ...]]
    sub: float = GENERIC_SUB
    ins: float = GENERIC_INS
    delete: float = GENERIC_DEL
    transpose: float = GENERIC_TRANSPOSE
    max_ocr_len: int = field(default=1)

    def readings(self, ocr: str) -> tuple[tuple[str, float], ...]:
        """(typed, cost) pairs listed for the OCR string ``ocr``."""
        return self.by_ocr.get(ocr, ())


def _cost(probability: float) -> float:
    return max(MIN_COST, -math.log(max(probability, 1e-12)))


def table_from_probabilities(probs: Mapping[tuple[str, str], float]) -> ConfusionTable:
    """A table from P(ocr | ref) for (ref, ocr) pairs; identity pairs are ignored."""
    by_ocr: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (ref, ocr), p in probs.items():
        if ref != ocr and p > 0 and ocr:
            by_ocr[ocr.lower()].append((ref.lower(), _cost(p)))
    frozen = {k: tuple(sorted(v, key=lambda rc: rc[1])) for k, v in by_ocr.items()}
    return ConfusionTable(frozen, max_ocr_len=max((len(k) for k in frozen), default=1))


@lru_cache(maxsize=4)
def load_confusions(path: Path = DEFAULT_TABLE) -> ConfusionTable:
    """The confusion table in a TSV of ``ref ocr per_1000`` rows (``#`` lines are comments)."""
    probs: dict[tuple[str, str], float] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("ref\t"):
            continue
        ref, ocr, per_1000 = line.split("\t")[:3]
        probs[(ref, ocr)] = float(per_1000) / 1000
    return table_from_probabilities(probs)


def confusions_from_counts(counts: Mapping[tuple[str, str], int], *,
                           base: ConfusionTable | None = None) -> ConfusionTable:
    """A table from measured {(ref_char, ocr_char): count}; measured pairs override ``base``.

    With (c, c) counts present, P(ocr | ref) = count / all counts of ref. Without them only the
    split of errors is known, so ``ASSUMED_ERROR_RATE`` of each letter is taken to be misread.
    """
    totals: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for (ref, ocr), n in counts.items():
        totals[ref] += n
        if ref != ocr:
            errors[ref] += n
    probs: dict[tuple[str, str], float] = {}
    for (ref, ocr), n in counts.items():
        if ref == ocr or not ocr:
            continue
        has_identity = counts.get((ref, ref), 0) > 0
        probs[(ref, ocr)] = (n / totals[ref] if has_identity
                             else ASSUMED_ERROR_RATE * n / errors[ref])
    measured = table_from_probabilities(probs)
    return _merged(base, measured) if base is not None else measured


def _merged(base: ConfusionTable, top: ConfusionTable, *,
            cheaper_only: bool = False) -> ConfusionTable:
    """``base`` with every (ocr, ref) pair of ``top`` replacing its own (``cheaper_only``: only
    where ``top``'s costs less)."""
    merged = {k: dict(v) for k, v in base.by_ocr.items()}
    for ocr, readings in top.by_ocr.items():
        own = merged.setdefault(ocr, {})
        for ref, cost in readings:
            own[ref] = min(cost, own.get(ref, cost)) if cheaper_only else cost
    frozen = {k: tuple(sorted(v.items(), key=lambda rc: rc[1])) for k, v in merged.items()}
    return replace(base, by_ocr=frozen, max_ocr_len=max(base.max_ocr_len, top.max_ocr_len))


def cheaper_of(base: ConfusionTable, top: ConfusionTable) -> ConfusionTable:
    """``base`` with every (ocr, ref) pair of ``top`` that costs less there: a table that can
    only make readings cheaper (a page's own profile, which sees few of its errors)."""
    return _merged(base, top, cheaper_only=True)


def letter_counts(counts: Mapping[tuple[str, str], int]) -> Counter[tuple[str, str]]:
    """The letter readings of ``counts_from_pairs``: a letter (or letters) read as letters or as
    nothing; blanks, digits and marks left out."""
    return Counter({(ref, ocr): n for (ref, ocr), n in counts.items()
                    if ref.isalpha() and (ocr.isalpha() or not ocr) and " " not in ref + ocr})


def counts_from_pairs(pairs: Iterable[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """{(ref, ocr): count} from (wrong, right) corrections, identity pairs included."""
    counts: Counter[tuple[str, str]] = Counter()
    for wrong, right in pairs:
        ocr, ref = wrong.lower(), right.lower()
        for op in Levenshtein.opcodes(ref, ocr):
            a, b = ref[op.src_start:op.src_end], ocr[op.dest_start:op.dest_end]
            if op.tag == "equal":
                counts.update((c, c) for c in a)
            elif op.tag == "replace" and len(a) == len(b):
                counts.update(zip(a, b, strict=True))
            elif a:
                counts[(a, b)] += 1
    return counts
