"""A reviewed page's words: the OCR's with the reviewers' decided texts put in, and its graphics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ocr.detect.regions import iou
from ocr.detect.stage import graphic_regions, load_regions
from ocr.exceptions import CorruptOutputError
from ocr.pagexml import GraphicRegion
from ocr.records import Box
from ocr.review.carry import SAME_REGION
from ocr.review.decisions import GRAPHIC_ACTIONS, differs, ocr_reading, suggested_correction
from ocr.review.document import Change, OcrPage, flag_word_indexes
from ocr.tesseract import Word

HUMAN_CONFIDENCE = 100.0  # a reviewer's reading is as sure as the data gets


def _union(boxes: Sequence[Box]) -> Box:
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


def _replacement(words: Sequence[Word], idx: list[int], read: str, text: str) -> list[Word]:
    """The words a decided text turns the flag's words into (one word, or none if empty);
    ``read`` is the part of them the decision replaces."""
    group = [words[i] for i in idx]
    joined = " ".join(w.text for w in group)
    if read and read in joined:  # keep punctuation the flag's span left out
        text = joined.replace(read, text, 1)
    text = " ".join(text.split())
    if not text:
        return []
    return [replace(group[0], box=_union([w.box for w in group]), conf=HUMAN_CONFIDENCE, text=text)]


def _insertion(anchor: Word, text: str) -> list[Word]:
    """Text the OCR missed, as a word just left of the word it belongs before."""
    box = Box(max(0, anchor.box.left - 1), anchor.box.top, 1, anchor.box.height)
    return [replace(anchor, box=box, conf=HUMAN_CONFIDENCE, text=" ".join(text.split()))]


def _edit(
    words: Sequence[Word], idx: list[int], change: Change
) -> tuple[list[int], list[Word]] | None:
    """Which words a decision takes over and what it puts in their place (None: no change)."""
    flag, d = change.flag, change.decision
    if not idx or d.action == "not_a_problem":  # nothing to correct: the words stay as read
        return None
    if suggested_correction(flag):
        return _correction_edit(words, idx, change)
    if flag.ocr_text.strip():
        if d.action in GRAPHIC_ACTIONS:
            return idx, []  # a stamp's or signature's "words" are not typed text
        if not differs(flag.ocr_text, d.after_text):
            return None
        return idx, _replacement(words, idx, flag.ocr_text, d.after_text)
    if d.action in GRAPHIC_ACTIONS or not d.after_text.strip():
        return None
    # The OCR read nothing here (the flag's box is the next word): insert before that word.
    return idx[:1], [*_insertion(words[idx[0]], d.after_text), words[idx[0]]]


def _correction_edit(
    words: Sequence[Word], idx: list[int], change: Change
) -> tuple[list[int], list[Word]] | None:
    """A suggested correction of the flag's words: accepted, the suggestion replaces what the OCR
    read (a suggested deletion of a stray mark removes the words); "not a problem" or the OCR's
    own text keeps them; another text replaces them."""
    flag, d = change.flag, change.decision
    if d.action in GRAPHIC_ACTIONS:
        return idx, []
    read = ocr_reading(flag)
    if d.action == "not_a_problem" or not differs(read, d.after_text):
        return None
    return idx, _replacement(words, idx, read, d.after_text)


def detected_graphics(page: OcrPage) -> list[GraphicRegion]:
    """The stamps, signatures and handwriting detected on the page (reviewed or not)."""
    if page.regions is None or not page.regions.is_file():
        return []
    try:
        return graphic_regions(load_regions(page.regions))
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        raise CorruptOutputError(
            f"the page's detected regions cannot be read ({e!r:.120}); "
            "run the document again to rewrite them",
            path=page.regions,
        ) from e


def _mark(graphics: list[GraphicRegion], marked: GraphicRegion) -> None:
    """A reviewer's stamp/signature/handwriting replaces the detected region it outlines (the
    same box), else joins the others."""
    for i, g in enumerate(graphics):
        if iou(g.box, marked.box) >= SAME_REGION:
            graphics[i] = marked
            return
    graphics.append(marked)


def corrected_words(
    page: OcrPage, changes: Sequence[Change]
) -> tuple[list[Word], list[GraphicRegion]]:
    """The page's words with decided texts put in (each decision on its own flag's words only),
    and its stamps, signatures and handwriting: those detected, as reviewers marked them."""
    words = list(page.text.words)
    edits: dict[int, tuple[list[int], list[Word]]] = {}  # first word index -> (taken, new words)
    owner: dict[int, int] = {}  # word index -> first index of the edit that took it
    graphics = detected_graphics(page)
    for change in changes:  # oldest first: a later decision on the same words wins
        flag, d = change.flag, change.decision
        if d.action == "skip":
            continue
        if d.action in GRAPHIC_ACTIONS:
            box = Box(flag.left, flag.top, flag.width, flag.height)
            _mark(graphics, GraphicRegion(d.action, box, d.after_text))
        edit = _edit(words, flag_word_indexes(page.text, flag), change)
        if edit is None:
            continue
        for first in {owner[i] for i in edit[0] if i in owner}:
            for i in edits.pop(first)[0]:
                owner.pop(i, None)
        edits[edit[0][0]] = edit
        owner.update({i: edit[0][0] for i in edit[0]})
    out: list[Word] = []
    for i, w in enumerate(words):
        if i in edits:
            out.extend(edits[i][1])
        elif i not in owner:
            out.append(w)
    return _renumber(out), graphics


def _renumber(words: list[Word]) -> list[Word]:
    """Word numbers 1..n within each line, so PAGE-XML ids stay unique after merges and inserts."""
    out: list[Word] = []
    counter: dict[tuple[int, int, int], int] = {}
    for w in words:
        counter[w.line_key] = counter.get(w.line_key, 0) + 1
        out.append(replace(w, word=counter[w.line_key]))
    return out
