"""A stamp's own words (ocr.detect.stampwords): a legible word read inside a stamp, on a line and
a row with no typing, leaves the body for the stamp's text; typing under or beside a stamp, and a
line under a stamp that starts at the typed column's margin, stay in the body."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ocr.detect.regions import Region
from ocr.detect.specks import dropped_words, restored
from ocr.detect.stampwords import (
    STEP_ID,
    StampRule,
    move_stamp_words,
    stamp_rule,
    stamp_word_indices,
    with_words,
)
from ocr.records import Box
from ocr.tesseract import Word, read_words
from tests.conftest import EHRI, needs_tesseract
from tests.test_specks import _outputs

H = 32  # px: the typed word height
MARGIN = 100  # px: the typed column's left edge
BODY = [
    "The Minister has the honor to report that the Government has received",
    "the note of the Legation concerning the refugees and their passports",
    "which will be forwarded to the Department of State without delay",
    "and the Legation will inform the Ministry of the reply it receives",
    "from Washington as soon as the Department has studied the matter",
]
STAMP = Box(900, 600, 500, 300)  # right of the column's start, below the body's five lines
RULE = StampRule(1.0, "test")


def _line(n: int, texts: list[str], left: int, top: int, conf: float = 90.0) -> list[Word]:
    return [
        Word(1, 1, n, i + 1, Box(left + 180 * i, top, 20 * len(t), H), conf, t)
        for i, t in enumerate(texts)
    ]


def _page(extra: list[tuple[list[str], int, int]]) -> list[Word]:
    """Five typed lines of 60 px pitch, then lines of (words, left, top)."""
    words: list[Word] = []
    for n, line in enumerate(BODY, start=1):
        words += _line(n, line.split(), MARGIN, 60 * n)
    for n, (texts, left, top) in enumerate(extra, start=len(BODY) + 1):
        words += _line(n, texts, left, top)
    return words


def _texts(words: list[Word], indices: list[int]) -> set[str]:
    return {words[i].text for i in indices}


@pytest.mark.unit
def test_a_stamps_own_line_leaves_the_body_and_typing_stays() -> None:
    words = _page(
        [
            (["DEPARTMENT", "OF", "STATE"], 950, 650),  # the stamp's wording: its own line
            (["RECEIVED"], 1000, 720),
        ]
    )
    moved = stamp_word_indices(words, "eng", [STAMP], [STAMP], RULE)
    assert _texts(words, moved) == {"DEPARTMENT", "OF", "STATE", "RECEIVED"}
    body = sum(len(line.split()) for line in BODY)
    assert all(i >= body for i in moved)


@pytest.mark.unit
def test_typing_under_or_beside_a_stamp_stays() -> None:
    """A typed line that runs into the stamp (tesseract's line holds words outside it); a word
    inside the stamp on the row of typing outside it (tesseract made it a line of its own); the
    last short line of a paragraph under the stamp, starting at the column's margin."""
    words = _page(
        [
            (["the", "Legation", "reports", "DEPARTMENT", "OF", "STATE"], MARGIN, 650),
            (["Washington"], MARGIN, 720),
            (["RECEIVED"], 1000, 720),  # on the row of "Washington"
            (["less", "than", "twice."], 920, 800),  # no typing on its row ...
            (["twice", "as", "much."], MARGIN + 10, 860),  # ... at the margin, under the stamp
        ]
    )
    stamps = [Box(600, 600, 800, 240), Box(90, 845, 500, 60)]  # the second over the margin
    moved = stamp_word_indices(words, "eng", stamps, stamps, RULE)
    assert _texts(words, moved) == {"less", "than", "twice."}
    assert stamp_word_indices(words, "eng", stamps, stamps, StampRule(None)) == []
    wide = StampRule(30.0)  # every line under a stamp taken for one that starts at the margin
    assert stamp_word_indices(words, "eng", stamps, stamps, wide) == []
    narrow = StampRule(0.1)  # the margin line's start is 10 px (0.3 typed heights) off it
    assert _texts(words, stamp_word_indices(words, "eng", stamps, stamps, narrow)) == {
        "less",
        "than",
        "twice.",
        "twice",
        "as",
        "much.",
    }


@pytest.mark.unit
def test_a_line_the_stamps_own_reading_does_not_hold_stays() -> None:
    """With the agreement asked: the stamp's wording, which its own reading holds (misread
    alike), leaves the body; typed text under the stamp (a letter-spaced heading, a garbled
    typed word) that its reading does not hold stays, as does everything on a page whose stamps
    were not read."""
    words = _page(
        [
            (["DEPARTMENT", "OF", "STATE"], 950, 650),
            (["L", "E", "T", "T", "E", "R"], 1000, 720),  # typed, letter-spaced, under the stamp
            (["arslvo."], 1000, 790),  # garbled typing under the stamp
        ]
    )
    rule = StampRule(1.0, "test", agree=0.65)
    readings = ["DEPARTHENT OF STATE:\nRECEIVED\nJUN 12 1939"]
    moved = stamp_word_indices(words, "eng", [STAMP], [STAMP], rule, readings)
    assert _texts(words, moved) == {"DEPARTMENT", "OF", "STATE"}
    assert stamp_word_indices(words, "eng", [STAMP], [STAMP], rule, [""]) == []
    assert stamp_word_indices(words, "eng", [STAMP], [STAMP], rule) == []
    every = StampRule(1.0, "test", agree=0.0)  # no agreement asked for: every stamp line goes
    everything = stamp_word_indices(words, "eng", [STAMP], [STAMP], every, readings)
    assert _texts(words, everything) == {"DEPARTMENT", "OF", "STATE", "L", "E", "T", "arslvo."}


@pytest.mark.unit
def test_nothing_moves_without_a_stamp_found() -> None:
    words = _page([(["DEPARTMENT", "OF", "STATE"], 950, 650)])
    assert stamp_word_indices(words, "eng", [], [], RULE) == []
    hand = Box(900, 600, 500, 300)  # handwriting there: no stamp, its words are not a stamp's
    assert stamp_word_indices(words, "eng", [], [hand], RULE) == []


@pytest.mark.unit
def test_the_stamps_words_join_its_text_without_repeating_what_it_read() -> None:
    stamp = Region("stamp", STAMP, STAMP.polygon(), 0.9, "round ink", stamp_text="RECEIVED")
    both = with_words(stamp, ["received", "DEPARTMENT OF STATE"])
    assert both.stamp_text == both.text == "RECEIVED\nDEPARTMENT OF STATE"
    assert '"DEPARTMENT OF STATE"' in both.reason
    unread = Region("stamp", STAMP, STAMP.polygon(), 0.9, "round ink")
    assert with_words(unread, ["Copy"]).stamp_text == "Copy"
    assert with_words(stamp, ["RECEIVED"]) == stamp


@pytest.mark.unit
def test_moved_words_leave_every_output_and_the_step_keeps_them(tmp_path: Path) -> None:
    words = _page([(["DEPARTMENT", "OF", "STATE"], 950, 650)])
    paths = _outputs(tmp_path, words)
    sign = Box(100, 900, 300, 100)
    regions = [
        Region("signature", sign, sign.polygon(), 0.8, "strokes"),
        Region("stamp", STAMP, STAMP.polygon(), 0.9, "round ink", stamp_text=""),
    ]
    out, steps = move_stamp_words(words, paths, regions, "eng", rule=RULE)

    left = read_words(paths["tsv"])
    assert [w.text for w in left] == [w.text for w in words[: len(words) - 3]]
    assert "DEPARTMENT" not in paths["txt"].read_text(encoding="utf-8")
    alto = paths["alto"].read_text(encoding="utf-8")
    assert "DEPARTMENT" not in re.findall(r'CONTENT="([^"]*)"', alto)
    assert out[0] == regions[0]
    assert out[1].stamp_text == out[1].text == "DEPARTMENT OF STATE"
    (step,) = steps
    assert step.id == STEP_ID and step.settings["stamps"] == [1, 1, 1]
    back = restored(left, dropped_words(step.settings))
    assert [w.text for w in back] == [w.text for w in words]


@pytest.mark.unit
def test_the_shipped_rule_is_learned_with_its_provenance() -> None:
    rule = stamp_rule()
    assert rule.margin is not None and rule.margin > 0
    assert rule.agree is not None and 0 < rule.agree <= 1
    assert "bench/learn_stampwords.py" in rule.source


REAL_PAGE = "EHRI-DR-19390519-US_01"  # a tuning page (bench/real_split.json)


@pytest.mark.integration
@needs_tesseract
@pytest.mark.skipif(not (EHRI / f"{REAL_PAGE}.jpg").is_file(), reason="EHRI real data absent")
def test_a_real_pages_stamp_words_land_in_the_stamp_not_the_body(tmp_path: Path) -> None:
    """`ocr run` on a real EHRI despatch with stamps: the words it takes out of the body are
    gone from its text and stand in their stamp's text (regions.json and PAGE-XML)."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    scan = tmp_path / "scans" / f"{REAL_PAGE}.jpg"
    scan.parent.mkdir()
    shutil.copy(EHRI / f"{REAL_PAGE}.jpg", scan)
    res = run_batch(
        [scan],
        gt_dir=None,
        settings=load_settings(None, output_dir=tmp_path / "out", workers=1),
    )
    (doc,) = res.documents
    (page,) = doc.pages
    steps = [s for s in page.processing_steps if s.id == STEP_ID]
    assert steps, "no stamp word moved on a page with stamps"
    moved = [w for _, w in dropped_words(steps[0].settings)]
    body = [w.text for w in read_words(page.ocr.tsv)]
    regions = json.loads(page.ocr.outputs["regions"].read_text(encoding="utf-8"))
    stamps = [r for r in regions if r["type"] == "stamp"]
    for k, word in zip(steps[0].settings["stamps"], moved, strict=True):
        assert regions[k]["type"] == "stamp" and word.text in regions[k]["text"]
    long = [w.text for w in moved if len(w.text) > 4]
    assert long and not set(long) & set(body)
    assert page.page_xml is not None
    xml = page.page_xml.read_text(encoding="utf-8")
    assert all(w in xml for w in long) and stamps
    # stamp_words = "body": the same page keeps them in its text, no step moves any.
    kept = run_batch(
        [scan],
        gt_dir=None,
        settings=load_settings(None, output_dir=tmp_path / "body", workers=1, stamp_words="body"),
    )
    (same,) = kept.documents[0].pages
    assert not [s for s in same.processing_steps if s.id == STEP_ID]
    assert set(long) <= {w.text for w in read_words(same.ocr.tsv)}
