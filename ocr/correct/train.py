"""Counting what the channel is estimated from: OCR texts aligned with their truth, with what
tesseract said of each character and what the word boxes said of each blank and mark."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from ocr.correct.evidence import Choices, Layout
from ocr.correct.lexicon import Lexicon, fold, token_rows
from ocr.correct.tokens import Chunk, chunks

CONF_BINS = (0.0, 50.0, 80.0, 90.0, 95.0, 97.0, 98.0, 99.0, 99.4)
ALT_BINS = (0.0, 1e-9, 10.0, 30.0, 60.0)
GAP_BINS = (-99.0, 0.3, 0.55, 0.75, 0.9, 1.2, 2.0)
HEIGHT_BINS = (0.0, 0.3, 0.5, 0.7, 1.0)
OOV_BINS = (0.0, 0.03, 0.06, 0.1, 0.15, 0.25, 0.4)
Row = tuple[str, str, str]  # (table, a, b)


def bin_of(bins: Sequence[float], value: float) -> str:
    """The name of the bin ``value`` falls in: its index."""
    return str(max(bisect.bisect_right(bins, value) - 1, 0))


@dataclass(frozen=True)
class Sample:
    """One aligned pair: the OCR text (with its evidence, when known) and the truth."""

    ocr: str
    truth: str
    choices: Choices = field(default_factory=dict)
    layout: Layout | None = None


def _blocks(truth: str, ocr: str) -> Iterable[tuple[str, int, int, int, int]]:
    for op in Levenshtein.opcodes(truth, ocr):
        yield op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end


def _pieces(a: str, b: str) -> Iterable[tuple[str, str, int]]:
    """A replaced block as edit units (truth piece, OCR piece, OCR offset within the block)."""
    if len(a) == len(b):
        yield from ((x, y, i) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    elif len(a) <= 2 and len(b) <= 2:
        yield a, b, 0
    else:
        n = min(len(a), len(b))
        yield from ((a[i], b[i], i) for i in range(n) if a[i] != b[i])
        if len(a) > n:
            yield a[n:], "", n
        else:
            yield from (("", b[i], i) for i in range(n, len(b)))


def count_edits(truth: str, ocr: str, counts: Counter[Row]) -> list[bool]:
    """Add the edit units of ``ocr`` against ``truth`` (folded, blanks as one space) and the
    truth's letters and letter pairs; return, per OCR character, whether it is in an error."""
    t, o = _flat(truth), _flat(ocr)
    wrong = [False] * len(o)
    counts.update(("char", c, "") for c in t)
    counts.update(("char", t[i : i + 2], "") for i in range(len(t) - 1))
    counts[("char", "", "")] += len(t) + 1
    for tag, s0, s1, d0, d1 in _blocks(t, o):
        if tag == "equal":
            continue
        for a, b, _at in _pieces(t[s0:s1], o[d0:d1]):
            counts[("edit", a, b)] += 1
        for j in range(d0, d1):
            wrong[j] = True
        if d0 == d1 and d0 < len(o):
            wrong[d0] = True  # a letter lost: the OCR character after it stands in its place
    return wrong


def _flat(text: str) -> str:
    return "".join(" " if c.isspace() else c for c in fold(text))


def count_sample(sample: Sample, lexicon: Lexicon, counts: Counter[Row]) -> None:
    """Every table's counts of one aligned pair."""
    wrong = count_edits(sample.truth, sample.ocr, counts)
    _count_case(sample, counts)
    _count_choices(sample, wrong, counts)
    _count_layout(sample, counts)
    _count_marks(sample, counts)
    _count_page(sample, lexicon, wrong, counts)
    _count_unknown(sample, lexicon, wrong, counts)
    _count_after(sample.truth, lexicon, counts)
    count_first(sample, counts)


def _count_case(sample: Sample, counts: Counter[Row]) -> None:
    """Letters read right but in the other case, by the letter's confidence bin."""
    t, o = sample.truth, sample.ocr
    for tag, s0, s1, d0, _ in _blocks(_flat(t), _flat(o)):
        if tag != "equal":
            continue
        for k in range(s1 - s0):
            a, b = t[s0 + k], o[d0 + k]
            if not a.isalpha():
                continue
            said = sample.choices.get(d0 + k)
            where = bin_of(CONF_BINS, said.conf) if said else "none"
            was = "upper" if a.isupper() else "lower"
            counts[("case", where, f"{was}>{'upper' if b.isupper() else 'lower'}")] += 1


def _count_choices(sample: Sample, wrong: list[bool], counts: Counter[Row]) -> None:
    """Per confidence bin, OCR characters right and wrong; per alternative's bin, how often an
    offered letter was the truth where OCR erred, and how often it was offered at all."""
    if not sample.choices:
        return
    t, o = _flat(sample.truth), _flat(sample.ocr)
    truth_at = _truth_letters(t, o)
    for j, said in sample.choices.items():
        if j >= len(o) or not o[j].isalpha():
            continue
        counts[("conf", bin_of(CONF_BINS, said.conf), "err" if wrong[j] else "ok")] += 1
        real = truth_at.get(j)
        for alt, conf in said.alternatives:
            letter = fold(alt)
            if not letter.isalpha() or letter == o[j]:
                continue
            hit = wrong[j] and real == letter
            counts[("alt", bin_of(ALT_BINS, conf), "hit" if hit else "miss")] += 1
        if wrong[j] and real is not None and real.isalpha():
            counts[("alt", "any", "error")] += 1
        counts[("alt", "any", "position")] += 1


def _truth_letters(t: str, o: str) -> dict[int, str]:
    """For OCR characters substituted one for one, the truth character."""
    out: dict[int, str] = {}
    for tag, s0, s1, d0, d1 in _blocks(t, o):
        if tag == "replace" and s1 - s0 == d1 - d0:
            out.update((d0 + k, t[s0 + k]) for k in range(s1 - s0))
    return out


def _count_layout(sample: Sample, counts: Counter[Row]) -> None:
    """Blanks by the gap of their boxes: real, or a cut inside a word; lone marks by their
    height: typed, or noise."""
    if sample.layout is None:
        return
    t, o = _flat(sample.truth), _flat(sample.ocr)
    kept: set[int] = set()
    for tag, _, _, d0, d1 in _blocks(t, o):
        if tag == "equal":
            kept.update(range(d0, d1))
    for offset, gap in sample.layout.gaps.items():
        real = offset in kept and o[offset] == " "
        counts[("gap", bin_of(GAP_BINS, gap), "real" if real else "cut")] += 1


def _count_marks(sample: Sample, counts: Counter[Row]) -> None:
    """Chunks of marks alone: typed (aligned to the truth) or noise, by the mark and, where the
    boxes are known, by their height."""
    t, o = _flat(sample.truth), _flat(sample.ocr)
    kept: set[int] = set()
    for tag, _, _, d0, d1 in _blocks(t, o):
        if tag in ("equal", "replace"):
            kept.update(range(d0, d1))
    heights = sample.layout.heights if sample.layout is not None else {}
    for c in chunks(sample.ocr):
        if not c.marks_only:
            continue
        noise = "noise" if not any(j in kept for j in range(c.start, c.end)) else "real"
        counts[("mark", c.text, noise)] += 1
        if c.start in heights:
            counts[("speck", bin_of(HEIGHT_BINS, heights[c.start]), noise)] += 1


def torn(text: str, found: Sequence[Chunk], i: int, lexicon: Lexicon) -> bool:
    """Whether a neighbour of chunk ``i`` on its line, one blank away, is an unknown word: the
    chunk may be a piece of a word OCR tore apart (``недо го``)."""
    for j, gap in ((i - 1, (i - 1, i)), (i + 1, (i, i + 1))):
        if not 0 <= j < len(found):
            continue
        a, b = found[gap[0]], found[gap[1]]
        if (
            a.line == b.line
            and text[a.end : b.start] == " "
            and a.outer_end == a.end
            and found[j].letters > 0
            and not lexicon.known(found[j].text)
        ):
            return True
    return False


def word_class(text: str, sentence_start: bool, *, torn: bool = False) -> str:
    """The shape of a word as read: beside an unknown word (torn), small letters, a capital
    inside or at the start of a sentence, all capitals."""
    if torn:
        return "torn"
    letters = [c for c in text if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return "capitals"
    if text[:1].isupper():
        return "start" if sentence_start else "capital"
    return "small"


def _count_unknown(
    sample: Sample, lexicon: Lexicon, wrong: list[bool], counts: Counter[Row]
) -> None:
    """Unknown words (letters only) by their shape: read right, or misread."""
    found = chunks(sample.ocr)
    for c in found:
        if c.letters < 2 or not c.text.replace("-", "").isalpha() or lexicon.known(c.text):
            continue
        bad = any(wrong[j] for j in range(c.start, min(c.end + 1, len(wrong))))
        shape = word_class(c.text, c.sentence_start, torn=torn(sample.ocr, found, c.index, lexicon))
        counts[("unknown", shape, "wrong" if bad else "right")] += 1


def _count_page(sample: Sample, lexicon: Lexicon, wrong: list[bool], counts: Counter[Row]) -> None:
    """The page's character errors by the share of its words the lexicon does not know."""
    words = [c for c in chunks(sample.ocr) if c.word_like]
    if not words:
        return
    share = sum(not lexicon.known(c.text) for c in words) / len(words)
    where = bin_of(OOV_BINS, share)
    errors = Levenshtein.distance(_flat(sample.truth), _flat(sample.ocr))
    counts[("page", where, "chars")] += len(sample.truth)
    counts[("page", where, "errors")] += errors
    counts[("oov", "total", "chunks")] += len(words)


def _count_after(truth: str, lexicon: Lexicon, counts: Counter[Row]) -> None:
    """How often the tokens table's forms, and any word, stand before a number or a capital;
    how often a word that is no name is written with a capital inside a sentence."""
    found = chunks(truth)
    rows = token_rows()
    for prev, c in zip([None, *found], found, strict=False):
        if not c.sentence_start and c.letters > 1 and c.text.isalpha() and not c.text.isupper():
            if not lexicon.capitalised(c.text):
                capital = "yes" if c.text[:1].isupper() else "no"
                where = "line-start" if prev is None or prev.line != c.line else "inside"
                counts[("capital", where, capital)] += 1
    for c, nxt in zip(found, found[1:], strict=False):
        for what in ("number", "capital"):
            yes = nxt.text[:1].isdigit() if what == "number" else nxt.text[:1].isupper()
            counts[("after", f"*{what}", "yes" if yes else "no")] += 1
            if c.text.lower() in rows:
                counts[("after", f"{c.text.lower()}|{what}", "yes" if yes else "no")] += 1


def capital_beside(found: Sequence[Chunk], i: int) -> bool:
    """Whether a word beside chunk ``i`` in its sentence (no sentence start) has a capital."""
    beside = [found[i - 1] if i > 0 and not found[i].sentence_start else None]
    beside.append(found[i + 1] if i + 1 < len(found) else None)
    return any(b is not None and not b.sentence_start and b.text[:1].isupper() for b in beside)


def first_case_key(
    chunk: Chunk, found: Sequence[Chunk], *, same: bool, lost: bool = False
) -> str | None:
    """The key of the ``first`` table for a chunk as read: whether its first letter is the
    truth's, another letter, or, at a block start, the truth's second (the first ``lost``: the
    case read is then a small letter's whatever the truth's first was), whether marks come
    before it, where the chunk stands and the case OCR read; None without a letter. Where: a
    sentence start first on its line (``block``: after a sentence ended the line before, a
    blank line or at the text's start), a sentence start after a sentence end on the same line
    (``sentence``: OCR's false periods among them, as in ``недобро!:ачественного``), a line
    start (``line``), inside a line. A lost letter elsewhere stays ``other``: only a block's
    start is known from the layout to take a capital."""
    first = next((c for c in chunk.text if c.isalpha()), None)
    if first is None:
        return None
    lead = "lead" if not chunk.text[0].isalpha() else "-"
    line_start = chunk.index == 0 or found[chunk.index - 1].line != chunk.line
    if chunk.sentence_start:
        where = "block" if line_start else "sentence"
    else:
        where = "line" if line_start else "inside"
    kind = "same" if same else "lost" if lost and where == "block" else "other"
    return "|".join((kind, lead, where, "upper" if first.isupper() else "lower"))


def lost_first(read: str, word: str) -> bool:
    """Whether OCR lost ``word``'s first letter in ``read`` (its first two letters are the
    word's second and third, its first is not the word's first)."""
    a = fold("".join(c for c in read if c.isalpha()))
    b = fold(word)
    return len(b) >= 3 and len(a) >= 2 and a[0] != b[0] and a[:2] == b[1:3]


def count_first(sample: Sample, counts: Counter[Row]) -> None:
    """The case of a word's first letter in the truth against how OCR read it, for words
    aligned one to one (a capital where OCR read a small letter, or another letter). A lone
    line's first word is left out: where it stands in its text is unknown (the Komi lines)."""
    to_truth = _offsets(sample.ocr, sample.truth)
    truth_words = [(w.start, w.end) for w in chunks(sample.truth)]
    found = chunks(sample.ocr)
    for c in found:
        t0, t1 = to_truth[c.start], to_truth[c.end]
        hit = [sample.truth[a:b] for a, b in truth_words if a < t1 and t0 < b]
        real = hit[0] if len(hit) == 1 else ""
        first = next((x for x in c.text if x.isalpha()), "")
        if not real[:1].isalpha() or not first or (c.index == 0 and "\n" not in sample.ocr):
            continue
        same = fold(first) == fold(real[0])
        key = first_case_key(c, found, same=same, lost=not same and lost_first(c.text, real))
        if key is not None:
            counts[("first", key, "upper" if real[0].isupper() else "lower")] += 1


def _offsets(ocr: str, truth: str) -> list[int]:
    """For each offset of ``ocr`` (and its end), the aligned offset of ``truth``."""
    out = [0] * (len(ocr) + 1)
    for _tag, s0, s1, d0, d1 in _blocks(truth, ocr):
        n = d1 - d0
        for k in range(n):
            out[d0 + k] = s0 + (k * (s1 - s0)) // max(n, 1)
        out[d1] = s1
    return out


HEADER = "table\ta\tb\tcount"


def write_counts(path: Path, counts: Counter[Row], provenance: Sequence[str]) -> None:
    """The counts as a TSV with ``#`` provenance lines."""
    lines = [f"# {p}" for p in provenance] + [HEADER]
    lines += [f"{t}\t{_esc(a)}\t{_esc(b)}\t{n}" for (t, a, b), n in sorted(counts.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_counts(path: Path) -> Counter[Row]:
    """The counts written by :func:`write_counts`."""
    counts: Counter[Row] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line == HEADER:
            continue
        t, a, b, n = line.split("\t")
        counts[(t, _unesc(a), _unesc(b))] += int(n)
    return counts


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace(" ", "\\s").replace("\t", "\\t")


def _unesc(s: str) -> str:
    return s.replace("\\s", " ").replace("\\t", "\t").replace("\\\\", "\\")
