"""A stamp's own words belong to the stamp, not to the page's body (issue 15).

A stamp's legible wording ("DEPARTMENT OF STATE", "Copy of documents stamped to be returned",
"DIVISION OF COMMUNICATIONS") is read by tesseract with the page and lands in the body text,
where no reference of the typed body has it; ocr.detect.junk never drops a legible word. A word
read inside a detected stamp is the stamp's text, not the body's, when nothing typed shares its
line or its row:

- its tesseract line has no typing outside the stamps, handwriting and signatures found (a
  surely-text word of three letters or more, ocr.detect.junk's "typing");
- no such typing lies on its row either (centres within half a typed height, whatever lines
  tesseract made): a stamp over a typed line leaves the line's words beside it;
- its line does not start at the typed column's left margin (the 10th percentile of the
  typed lines' left edges) within ``margin`` typed heights: the last short line of a
  paragraph under a stamp starts there, a stamp's wording rarely does;
- the stamp's own ink reads it too: the stamp's separate reading (ocr.detect.stamp_text, its
  crop with other ink suppressed) agrees with the line's words at least ``agree`` (the best
  partial match of the line's words, as one text, in that reading, 0..1). Typed text under a
  stamp (a centred heading, garbled typing under the stamp's ink) is ink of the typing, which
  the stamp's own reading does not hold; a page whose stamps were not read keeps its words.

``margin`` and ``agree`` are learned, not typed in (``bench/learn_stampwords.py``: the lowest
figures from which no tuning page, synthetic stamped pages and real pages alike, reads worse and
no real word of a synthetic page leaves the body, plus a margin); they are stored in
``ocr/data/stampwords.json`` with its provenance. No word list is involved.

The words leave the body's outputs as junk does (TSV, hOCR, ALTO, text) and are kept as the
stamp region's own transcription (its ``text`` and ``stamp_text``: regions.json, PAGE-XML's
GraphicRegion, the stamp's review item) and, word by word with their boxes, in the page's
"stamp_words" processing step (report.json), so nothing read is lost."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from rapidfuzz import fuzz

from ocr.detect.junk import MARK_TYPES, _marked, _typing, lexicon
from ocr.detect.regions import Region
from ocr.detect.specks import drop_words, typed_height, word_row
from ocr.geometry import PageGeometry
from ocr.quality import dictionary_languages
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

RULE_FILE = Path(__file__).resolve().parents[1] / "data" / "stampwords.json"
MARGIN_PERCENTILE = 0.10  # the typed column's left margin: this percentile of typed lines' starts
STEP_ID = "stamp_words"


@dataclass(frozen=True)
class StampRule:
    """``margin``: typed heights around the typed column's left margin within which a line
    under a stamp that starts there stays typing (None: the rule is off). ``agree``: the
    least agreement (0..1) of the line's words with their stamp's own reading for them to
    leave the body (None: not asked, as before the condition was learned)."""

    margin: float | None
    source: str = ""
    agree: float | None = None

    def as_json(self) -> dict[str, object]:
        return {"margin": self.margin, "agree": self.agree, "source": self.source}


@cache
def stamp_rule(path: Path = RULE_FILE) -> StampRule:
    """The shipped rule (``ocr/data/stampwords.json``), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    margin = data.get("margin")
    agree = data.get("agree")
    return StampRule(
        None if margin is None else float(margin),
        str(data.get("source", "")),
        None if agree is None else float(agree),
    )


@dataclass(frozen=True)
class Candidates:
    """The lines of words inside stamps that nothing typed shares (see the module), each with
    how far its start lies from the typed column's left margin (in typed heights) and how far
    its stamp's own reading agrees with its words (0..1)."""

    lines: list[tuple[list[int], float, float]]  # (words inside a stamp, offset, agreement)


def candidates(
    words: Sequence[Word],
    languages: str,
    stamps: Sequence[Box],
    marks: Sequence[Box],
    readings: Sequence[str] | None = None,
) -> Candidates:
    """The stamp lines of the page (before the margin and agreement tests), in reading order.
    ``stamps``: the boxes of the stamps found, ``marks``: those of the stamps, handwriting and
    signatures (all in the words' pixels), ``readings``: each stamp's own reading ("" or None:
    not read). None on a page without a typed height, without a lexicon for ``languages`` or
    without typing outside the marks."""
    height = typed_height(words)
    if height is None or not stamps or not dictionary_languages(languages):
        return Candidates([])
    knows, zipfs = lexicon(words, languages)
    in_stamp = [_marked(w, stamps) for w in words]
    in_mark = [_marked(w, marks) for w in words]
    typing = [
        not m and _typing(w, k, z, False)
        for w, k, z, m in zip(words, knows, zipfs, in_mark, strict=True)
    ]
    lines: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        lines[w.line_key].append(i)
    starts = sorted(
        min(words[i].box.left for i in members)
        for members in lines.values()
        if any(typing[i] for i in members)
    )
    if not starts:
        return Candidates([])
    margin_x = starts[int(MARGIN_PERCENTILE * (len(starts) - 1))]
    typed_rows = [_centre_y(w) for w, t in zip(words, typing, strict=True) if t]
    out = []
    for members in lines.values():
        inside = [i for i in members if in_stamp[i]]
        if not inside or any(typing[i] for i in members):
            continue
        if any(abs(_centre_y(words[i]) - y) <= height / 2 for i in inside for y in typed_rows):
            continue
        start = min(words[i].box.left for i in members)
        out.append(
            (inside, abs(start - margin_x) / height, _agreement(words, inside, stamps, readings))
        )
    return Candidates(out)


def _agreement(
    words: Sequence[Word],
    inside: Sequence[int],
    stamps: Sequence[Box],
    readings: Sequence[str] | None,
) -> float:
    """How far the own readings of the stamps the line's words lie in hold the line (0..1): the
    best partial match of its words, as one text, in those readings (0 when none was read). As
    one text: a letter-spaced typed heading's single letters are each somewhere in any reading,
    the heading is not."""
    if readings is None:
        return 0.0
    own = " ".join(
        t or ""
        for b, t in zip(stamps, readings, strict=True)
        if any(_marked(words[i], [b]) for i in inside)
    )
    text = " ".join(words[i].text for i in inside)
    own = " ".join(own.split())
    if not own or not text.strip():
        return 0.0
    return fuzz.partial_ratio(text.casefold(), own.casefold()) / 100.0


def _centre_y(word: Word) -> float:
    return word.box.top + word.box.height / 2


def chosen(found: Candidates, rule: StampRule) -> list[int]:
    """The indices of the words the rule takes out of the body: those of the stamp lines that
    do not start at the typed column's margin (within the rule's margin)."""
    if rule.margin is None:
        return []
    return sorted(
        i
        for inside, offset, agree in found.lines
        if offset > rule.margin and (rule.agree is None or agree >= rule.agree)
        for i in inside
    )


def stamp_word_indices(
    words: Sequence[Word],
    languages: str,
    stamps: Sequence[Box],
    marks: Sequence[Box],
    rule: StampRule | None = None,
    readings: Sequence[str] | None = None,
) -> list[int]:
    """Indices (in the TSV's reading order) of the words that are a stamp's own text."""
    return chosen(candidates(words, languages, stamps, marks, readings), rule or stamp_rule())


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def with_words(region: Region, lines: Sequence[str]) -> Region:
    """The stamp with the lines of its words read on the page added to its own text (a line
    its separate reading already holds is not repeated)."""
    own = region.stamp_text if region.stamp_text is not None else region.text
    known = _norm(own or "")
    added = [line for line in lines if _norm(line) and _norm(line) not in known]
    if not added:
        return region
    text = "\n".join([own, *added]) if own else "\n".join(added)
    return replace(
        region,
        text=text,
        stamp_text=text,
        reason=region.reason + f'; read on the page: "{" / ".join(added)}"',
    )


def move_stamp_words(
    words: Sequence[Word],
    outputs: dict[str, Path],
    regions: Sequence[Region],
    languages: str,
    geometry: PageGeometry | None = None,
    rule: StampRule | None = None,
) -> tuple[list[Region], list[ProcessingStep]]:
    """Take the stamps' own words out of the page's outputs and give them to their stamps:
    the regions (each stamp with its words added to its text) and the step (with each word
    moved, its box and the index of its stamp among ``regions``) when any was moved.
    ``regions`` are in the original page's pixels, ``words`` in the OCR frame of
    ``geometry``."""
    rule = rule or stamp_rule()

    def frame(box: Box) -> Box:
        return box if geometry is None or geometry.is_identity else geometry.box_to_frame(box)

    stamp_at = [k for k, r in enumerate(regions) if r.type == "stamp"]
    stamps = [frame(regions[k].box) for k in stamp_at]
    marks = [frame(r.box) for r in regions if r.type in MARK_TYPES]
    readings = [regions[k].stamp_text or "" for k in stamp_at]
    moved = stamp_word_indices(words, languages, stamps, marks, rule, readings)
    if not moved:
        return list(regions), []
    owner = {
        i: next(k for k, b in zip(stamp_at, stamps, strict=True) if _marked(words[i], [b]))
        for i in moved
    }
    drop_words(words, outputs, moved)
    lines: dict[int, dict[tuple[int, int, int], list[str]]] = defaultdict(dict)
    for i in moved:
        lines[owner[i]].setdefault(words[i].line_key, []).append(words[i].text)
    out = [
        with_words(r, [" ".join(t) for t in lines[k].values()]) if k in lines else r
        for k, r in enumerate(regions)
    ]
    step = ProcessingStep(
        id=STEP_ID,
        category="ocr",
        description="a stamp's own words (inside a detected stamp, on a line and a row with no "
        "typing outside the stamps, handwriting and signatures found, not starting at the typed "
        "column's margin, read by the stamp's own reading too) taken out of the body and kept "
        "as the stamp's text",
        settings={
            "rule": rule.as_json(),
            "words": [[i, *word_row(words[i])] for i in moved],
            "stamps": [owner[i] for i in moved],
        },
    )
    return out, [step]
