"""Words read from ink unlike the page's typing (ocr.detect.foreign, issue 15)."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.detect.foreign import (
    STEP_ID,
    ForeignRule,
    drop_foreign,
    foreign_indices,
    foreign_rule,
    page_figures,
)
from ocr.detect.specks import dropped_words
from ocr.records import Box
from ocr.tesseract import Word, read_words
from tests.conftest import EHRI, needs_tesseract
from tests.test_rotated import run_real_page
from tests.test_specks import _outputs

TYPED = ["INSTRUCTIONS", "CONCERNING", "THE", "DEPARTMENT", "SECRETARY", "WASHINGTON", "LEGATION"]


def _text(image: np.ndarray, text: str, left: int, base: int, scale: float, thick: int) -> Box:
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    cv2.putText(image, text, (left, base), cv2.FONT_HERSHEY_SIMPLEX, scale, 0, thick)
    return Box(left, base - height, width, height)


def _page() -> tuple[np.ndarray, list[Word], list[int], list[int]]:
    """A page of typed capitals (about 30 px tall, strokes 3 px), then: small thin pen marks
    far off the typing in the margin, read as short garbage with a low confidence (their
    indices first), and short words of the typing's own ink (a typed "QX" alone on a row below
    the text, a typed "XJ" at the end of a typed row; their indices second)."""
    page = np.full((1100, 1500), 255, np.uint8)
    words: list[Word] = []
    for row, base in enumerate(range(120, 820, 60)):
        left = 300
        for n, text in enumerate(TYPED[row % 4 : row % 4 + 3]):
            box = _text(page, text, left, base, 1.2, 3)
            words.append(Word(1, 1, row + 1, n + 1, box, 93.0, text))
            left = box.right + 25
    garbage = []
    for k, (text, col, base) in enumerate((("oe", 40, 300), ("=r", 60, 420), ("ne", 30, 560))):
        box = _text(page, text, col, base, 0.5, 1)
        garbage.append(len(words))
        words.append(Word(2, 1, 20 + k, 1, box, 12.0, text))
    typed = []
    box = _text(page, "QX", 300, 900, 1.2, 3)
    typed.append(len(words))
    words.append(Word(3, 1, 30, 1, box, 88.0, "QX"))
    last = words[typed[0] - 4].box  # the last typed row's last word
    box = _text(page, "XJ", last.right + 25, last.bottom, 1.2, 3)
    typed.append(len(words))
    words.append(Word(1, 1, 40, 1, box, 70.0, "XJ"))
    return page, words, garbage, typed


def test_thin_small_marks_off_the_typing_leave_the_typings_own_ink_stays() -> None:
    page, words, garbage, typed = _page()
    drop, scores = foreign_indices(words, page, "eng", foreign_rule())
    assert set(garbage) <= set(drop)
    assert not set(typed) & set(drop)
    assert all(s >= (foreign_rule().threshold or 1.0) for s in scores)


def test_the_figures_measure_the_ink_against_the_typing() -> None:
    page, words, garbage, typed = _page()
    figures, sure, typing = page_figures(words, page, "eng")
    assert typing is not None and sum(sure) >= 20
    pen = [figures[i] for i in garbage]
    own = figures[typed[0]]
    assert own is not None and all(f is not None for f in pen)
    assert all(f.height < own.height and f.stroke < own.stroke for f in pen if f)
    assert all(f.outside > 3.0 for f in pen if f) and own.outside == 0.0
    assert all(f is None for f, s in zip(figures, sure, strict=True) if s)


def test_nothing_leaves_without_a_rule_a_lexicon_or_enough_typing() -> None:
    page, words, _, _ = _page()
    off = ForeignRule(foreign_rule().weights, foreign_rule().bias, None)
    assert foreign_indices(words, page, "eng", off) == ([], [])
    assert foreign_indices(words, page, "chr", foreign_rule()) == ([], [])
    few = [w for w in words if w.block != 1][:4] + [w for w in words if w.block == 1][:6]
    assert foreign_indices(few, page, "eng", foreign_rule()) == ([], [])


def test_dropped_words_leave_every_output_and_the_step_keeps_them(tmp_path: Path) -> None:
    page, words, garbage, _ = _page()
    outputs = _outputs(tmp_path, words)
    (step,) = drop_foreign(words, page, outputs, "eng", foreign_rule())
    assert step.id == STEP_ID
    gone = [i for i, _ in dropped_words(step.settings)]
    assert set(garbage) <= set(gone)
    body = [w.text for w in read_words(outputs["tsv"])]
    assert body == [w.text for i, w in enumerate(words) if i not in gone]
    assert "=r" not in outputs["txt"].read_text(encoding="utf-8")
    assert len(step.settings["scores"]) == len(gone)
    assert step.settings["rule"]["threshold"] == foreign_rule().threshold


def test_the_shipped_rule_is_learned_with_its_provenance() -> None:
    rule = foreign_rule()
    assert rule.threshold is not None and 0.5 < rule.threshold < 1.0
    assert "learn_foreign" in rule.source


REAL_PAGE = "EHRI-DR-19390125-US_01"  # a tuning page (bench/real_split.json)


@pytest.mark.integration
@needs_tesseract
@pytest.mark.skipif(not (EHRI / f"{REAL_PAGE}.jpg").is_file(), reason="EHRI real data absent")
def test_a_real_pages_margin_and_stamp_garbage_leaves_its_text(tmp_path: Path) -> None:
    """`ocr run` on a real EHRI despatch with pencil marks, a file number and small stamps in
    its margins: words read from them leave the body, none of them a word of the typed text
    the page's reference transcribes, the typed address stays, and report.json keeps them."""
    steps, truth, body, report = run_real_page(tmp_path, REAL_PAGE, STEP_ID)
    assert steps, "no word read from foreign ink left the body"
    gone = [w.text for _, w in dropped_words(steps[0].settings)]
    assert len(gone) >= 5
    assert not {re.sub(r"\W", "", t).lower() for t in gone if len(t) >= 3} & truth
    assert "Honorable" in body and "Washington." in body
    assert STEP_ID in report
