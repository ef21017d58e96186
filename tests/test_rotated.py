"""Words read from text turned across the page (ocr.detect.rotated, issue 15)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.detect.rotated import (
    STEP_ID,
    RotatedRule,
    drop_rotated,
    find_blobs,
    rotated_indices,
    rotated_rule,
)
from ocr.detect.specks import dropped_words
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word, read_words
from tests.conftest import EHRI, needs_tesseract
from tests.test_specks import _outputs

ASPECT = 1.2
RULE = RotatedRule(min_aspect=ASPECT, min_letters=5)
TYPED = ["INSTRUCTIONS", "CONCERNING", "THE", "DEPARTMENT", "SECRETARY", "WASHINGTON", "LEGATION"]


def _text(image: np.ndarray, text: str, left: int, base: int) -> Box:
    """Capitals about 30 px tall at ``left``, baseline ``base``; their box."""
    (width, height), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.2, 2)
    cv2.putText(image, text, (left, base), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    return Box(left, base - height, width, height)


def _page(turned: bool) -> tuple[np.ndarray, list[Word], list[int]]:
    """A page of typed capitals, with a stamp of capitals at its left, turned 90 degrees or
    not; the words tesseract would read there: the typing, a typed word beside the stamp's
    edge, and garbage from the stamp (their indices last)."""
    page = np.full((900, 1400), 255, np.uint8)
    words: list[Word] = []
    beside = None
    for row, base in enumerate(range(120, 820, 70)):
        left = 250 if row == 6 else 420  # this typed row runs into the stamp's side
        for n, text in enumerate(TYPED[row % 3 : row % 3 + 3]):
            box = _text(page, text, left, base)
            words.append(Word(1, 1, row + 1, n + 2, box, 95.0, text))
            left = box.right + 25
        if row == 6:  # its first word, garbled by the stamp's ink, stays
            beside = Word(1, 1, row + 1, 1, Box(130, box.top, 110, box.height), 35.0, "Fewish")
    assert beside is not None
    stamp = np.full((300, 600), 255, np.uint8)
    for k, line in enumerate(("RECEIVED", "DEPARTMENT OF STATE", "DIVISION OF RECORDS")):
        _text(stamp, line, 10, 60 + 45 * k)
    ink = cv2.rotate(stamp, cv2.ROTATE_90_COUNTERCLOCKWISE) if turned else stamp[:, :300]
    rows, cols = ink.shape
    page[150 : 150 + rows, 60 : 60 + cols] = np.minimum(page[150 : 150 + rows, 60 : 60 + cols], ink)
    top = 400 if turned else 190  # over the stamp's ink
    garbage = [
        Word(2, 1, 11, 1, Box(100, top, 30, 25), 30.0, "ne"),
        Word(2, 1, 12, 1, Box(140, top + 30, 40, 25), 41.0, "eat"),
        Word(2, 1, 13, 1, Box(100, top + 60, 20, 25), 12.0, "~"),
        Word(2, 1, 14, 1, Box(170, top + 80, 30, 25), 20.0, "Oo"),
    ]
    words = [*words, beside, *garbage]
    return page, words, list(range(len(words) - len(garbage), len(words)))


def test_the_words_of_a_stamp_turned_across_the_page_leave_the_body() -> None:
    page, words, garbage = _page(turned=True)
    drop, blobs = rotated_indices(words, page, "eng", RULE)
    assert drop == garbage
    assert blobs and all(b.aspect >= ASPECT for b in blobs)


def test_the_same_words_over_a_stamp_as_it_lies_stay() -> None:
    page, words, _ = _page(turned=False)
    blobs, _ = find_blobs(words, page, "eng")
    assert blobs, "the stamp's words are candidates"
    assert all(b.aspect < ASPECT for b in blobs)
    assert rotated_indices(words, page, "eng", RULE) == ([], [])


def test_letters_run_together_across_the_page_stay() -> None:
    """Wide letter pieces in a blob lying across the page are typing whose letters ran
    together (a heavy face), not text turned 90 degrees: the stamp lying flat, its letters
    stretched to be wider than tall, keeps its words."""
    page, words, garbage = _page(turned=False)
    band = page[150:450, 60:360].copy()
    page[150:450, 60:360] = 255
    wide = cv2.resize(band[:, :150], (300, 150), interpolation=cv2.INTER_NEAREST)
    page[200:350, 60:360] = np.minimum(page[200:350, 60:360], wide)
    blobs, _ = find_blobs(words, page, "eng")
    flat = [b for b in blobs if RULE.turned(b.aspect, b.letters)]
    assert flat, "the stretched letters measure as turned ones"
    assert all(b.box.width > b.box.height for b in flat)
    assert not any(RULE.turned_blob(b) for b in flat)
    drop, _ = rotated_indices(words, page, "eng", RULE)
    assert not set(drop) & set(garbage)


def test_nothing_leaves_without_a_rule_or_a_lexicon() -> None:
    page, words, _ = _page(turned=True)
    assert rotated_indices(words, page, "eng", RotatedRule(None)) == ([], [])
    assert rotated_indices(words, page, "chr", RULE) == ([], [])


def test_dropped_words_leave_every_output_and_the_step_keeps_them(tmp_path: Path) -> None:
    page, words, garbage = _page(turned=True)
    outputs = _outputs(tmp_path, words)
    (step,) = drop_rotated(words, page, outputs, "eng", RULE)
    assert step.id == STEP_ID
    assert [i for i, _ in dropped_words(step.settings)] == garbage
    body = [w.text for w in read_words(outputs["tsv"])]
    assert body == [w.text for i, w in enumerate(words) if i not in garbage]
    text = outputs["txt"].read_text(encoding="utf-8")
    assert "Oo" not in text and "Fewish" in text
    assert step.settings["blobs"] and step.settings["rule"]["min_aspect"] == 1.2


def test_the_shipped_rule_is_learned_with_its_provenance() -> None:
    rule = rotated_rule()
    assert rule.min_aspect is not None and rule.min_aspect > 1.0
    assert "learn_rotated" in rule.source


REAL_PAGE = "EHRI-DR-19390404-US_01"  # a tuning page (bench/real_split.json)


def run_real_page(
    tmp_path: Path, name: str, step_id: str
) -> tuple[list[ProcessingStep], set[str], list[str], str]:
    """`ocr run` on the real EHRI page ``name``: its processing steps of ``step_id``, the words
    of the typed text its reference transcribes (lower case), its body words as read, and its
    report.json's text."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings
    from ocr_synth.alto import typed_text

    scan = tmp_path / "scans" / f"{name}.jpg"
    scan.parent.mkdir()
    shutil.copy(EHRI / f"{name}.jpg", scan)
    res = run_batch(
        [scan], gt_dir=None, settings=load_settings(None, output_dir=tmp_path / "out", workers=1)
    )
    (page,) = res.documents[0].pages
    steps = [s for s in page.processing_steps if s.id == step_id]
    truth = {t.lower() for t in re.findall(r"\w+", typed_text(EHRI / f"{name}.xml"))}
    body = [w.text for w in read_words(page.ocr.tsv)]
    report = next((tmp_path / "out").rglob("report.json")).read_text(encoding="utf-8")
    return steps, truth, body, json.dumps(json.loads(report))


@pytest.mark.integration
@needs_tesseract
@pytest.mark.skipif(not (EHRI / f"{REAL_PAGE}.jpg").is_file(), reason="EHRI real data absent")
def test_a_real_pages_turned_stamps_leave_its_text(tmp_path: Path) -> None:
    """`ocr run` on a real EHRI despatch with a RECEIVED stamp and a box stamp printed turned 90
    degrees: words read from them leave the body, none of them a word of the typed text the
    page's reference transcribes, and report.json keeps them."""
    steps, truth, body, report = run_real_page(tmp_path, REAL_PAGE, STEP_ID)
    assert steps, "no word read from the turned stamps left the body"
    gone = [w.text for _, w in dropped_words(steps[0].settings)]
    assert len(gone) >= 5
    long = [t for t in gone if len(re.sub(r"\W", "", t)) >= 3]
    assert long and not {re.sub(r"\W", "", t).lower() for t in long} & truth
    assert "Honorable" in body and "Washington." in body
    assert STEP_ID in report
