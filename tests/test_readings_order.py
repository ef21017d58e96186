"""A reading whose line order runs against its own boxes (ocr.order.box_order) is doubtful, the
page as loaded is then also read with no resolution given (ocr.readings.UNHINTED), and the
choice counts the lines read out of place against a reading (issue 15: the sample journal's
title page read at the PDF's 300 dpi puts its heading after the lines below it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocr.geometry import PageGeometry
from ocr.order import BOX_ORDER, BoxOrderRule, box_order
from ocr.readings import (
    ORIGINAL,
    UNHINTED,
    ChoiceRecord,
    ChoiceRules,
    ReadingInput,
    ReadingSummary,
    better,
    doubt,
    unhinted_source,
)
from ocr.records import Box
from ocr.tesseract import Word, read_words

ROOT = Path(__file__).resolve().parents[1]
JOURNAL = ROOT / "scans" / "ivanov-journal-1955-12-24.pdf"
RULES = ChoiceRules(0.6, 0.25, 0.85, 0.05, 50, "test")
PITCH = 60  # a typed line's pitch in pixels
HEIGHT = 30


def _line(block: int, y: int, x: int, *texts: str) -> list[Word]:
    words, left = [], x
    for n, text in enumerate(texts, start=1):
        words.append(Word(block, 1, 1, n, Box(left, y, 20 * len(text), HEIGHT), 95.0, text))
        left += 20 * len(text) + 20
    return words


def _page(order: list[int], lines: list[tuple[int, str]]) -> list[Word]:
    """The lines (x, text) one under the other, read in ``order`` (each its own block)."""
    words: list[Word] = []
    for block, k in enumerate(order, start=1):
        x, text = lines[k]
        words += _line(block, 100 + k * PITCH, x, *text.split())
    return words


HEADER = [
    (400, "ПОСОЛЬСТВО СССР В КНДР"),
    (500, "ДНЕВНИК"),
    (200, "посла СССР в КНДР тов. ИВАНОВА"),
    (250, "за период с 20 декабря 1955 года"),
    (300, "по 19 января 1956 года"),
]


@pytest.mark.unit
def test_a_single_column_read_in_order_runs_with_its_boxes() -> None:
    order = box_order(_page([0, 1, 2, 3, 4], HEADER))
    assert (order.lines, order.back, order.back_chars) == (5, 0, 0)
    assert not order.against()


@pytest.mark.unit
def test_a_heading_read_after_the_lines_below_it_runs_against_them() -> None:
    # the journal's layout at 300 dpi: the address lines first, the heading after them
    order = box_order(_page([2, 3, 0, 1, 4], HEADER))
    assert order.back == 2  # the heading's two lines come back up over the address
    assert order.back_chars == len("ПОСОЛЬСТВОСССРВКНДР") + len("ДНЕВНИК")
    assert order.against()
    assert "2 of 5 lines" in order.reason


@pytest.mark.unit
def test_columns_read_one_after_the_other_do_not_run_against_their_boxes() -> None:
    left = [_line(1, 100 + k * PITCH, 100, "левая", "колонка", str(k)) for k in range(6)]
    right = [_line(2, 100 + k * PITCH, 900, "правая", "колонка", str(k)) for k in range(6)]
    words = [w for line in left + right for w in line]
    words = [Word(w.block, 1, k, w.word, w.box, w.conf, w.text) for k, w in enumerate(words)]
    order = box_order(words)
    assert order.back == 0 and not order.against()


@pytest.mark.unit
def test_a_page_in_columns_is_not_judged() -> None:
    # a form's cells read down their columns: the second column comes back up over the first
    cells = [_line(1, 100 + k * PITCH, 100, "Рубрика", str(k)) for k in range(4)]
    wide = _line(2, 100 + 4 * PITCH, 100, "широкая", "строка", "под", "колонками")
    second = [_line(3 + k, 100 + k * PITCH, 600, "значение", str(k)) for k in range(4)]
    words = [w for line in [*cells, wide, *second] for w in line]
    words = [Word(w.block, 1, k, w.word, w.box, w.conf, w.text) for k, w in enumerate(words)]
    order = box_order(words)
    assert order.back == 4 and order.share > BOX_ORDER.max_share
    assert order.beside > BOX_ORDER.max_beside
    assert not order.against()
    assert order.against(BoxOrderRule(max_beside=1.0))


@pytest.mark.unit
def test_a_speck_read_late_is_no_evidence() -> None:
    words = _page([0, 1, 2, 3, 4], HEADER) + _line(9, 40, 450, "=.")
    order = box_order(words)
    assert order.back == 0  # it lies above every line: read late, it does not come back up
    late = _page([1, 2, 3, 4], HEADER) + _line(9, 100, 450, "ПО")
    assert box_order(late).back_chars == 2
    assert not box_order(late).against(BoxOrderRule(max_share=0.0, min_chars=8))


def _summary(name: str, chars: int, net: float, against: int = 0) -> ReadingSummary:
    return ReadingSummary(name, 3, chars // 5, chars, 90.0, 0.9, net, 1.0, against)


@pytest.mark.unit
def test_a_reading_against_its_boxes_is_doubtful_and_worth_less() -> None:
    clean = _summary(ORIGINAL, 200, 150.0)
    assert doubt(clean, ink_blobs=200, paper_share=1.0, rules=RULES) == ""
    back = _summary(ORIGINAL, 200, 150.0, against=50)
    assert "50 of 200 characters" in doubt(back, ink_blobs=200, paper_share=1.0, rules=RULES)
    # the same words in their boxes' order win; alike otherwise, neither replaces the other
    same = _summary(UNHINTED, 200, 150.0)
    assert "against its boxes" in better(back, same, ink_blobs=200, rules=RULES)
    assert better(clean, same, ink_blobs=200, rules=RULES) == ""
    # a reading in order but much worse by the estimate does not win for its order alone
    poor = _summary(UNHINTED, 200, 20.0)
    assert better(back, poor, ink_blobs=200, rules=RULES) == ""


@pytest.mark.unit
def test_the_unhinted_reading_is_the_page_as_loaded_without_its_resolution() -> None:
    geometry = PageGeometry.identity(100, 100)
    hinted = ReadingInput(ORIGINAL, Path("p.png"), geometry, 300)
    assert unhinted_source(hinted) == ReadingInput(UNHINTED, Path("p.png"), geometry, None)
    # a scan read as the file itself (its own resolution) has no other hint to drop
    assert unhinted_source(ReadingInput(ORIGINAL, Path("p.jpg"), geometry, None)) is None
    assert unhinted_source(ReadingInput("processed", Path("p.png"), geometry, 300)) is None


@pytest.mark.unit
def test_provenance_keeps_each_readings_characters_against_its_boxes() -> None:
    record = ChoiceRecord(UNHINTED, (_summary(ORIGINAL, 200, 150.0, 50),), "doubt", "reason")
    data = record.as_json()
    assert data["readings"][0]["against_boxes"] == 50
    assert ChoiceRecord.from_json(data) == record
    del data["readings"][0]["against_boxes"]  # a report written before the field
    assert ChoiceRecord.from_json(data).readings[0].against == 0


@pytest.mark.unit
def test_the_rule_keeps_its_learned_values() -> None:
    assert BOX_ORDER.min_chars > 2 and 0.0 < BOX_ORDER.max_share < 0.2
    assert RULES.order == BOX_ORDER


@pytest.mark.integration
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract absent")
@pytest.mark.skipif(not JOURNAL.is_file(), reason="the sample journal is absent")
def test_the_journals_title_page_is_read_in_its_boxes_order(tmp_path: Path) -> None:
    """The sample journal's title page (rendered at 300 dpi) reads its heading after the address
    lines when tesseract is told 300 dpi: the reading is doubtful, the page is read again with
    no resolution given, and that reading, in order, is kept."""
    import json

    from ocr.batch import run_batch
    from ocr.settings import load_settings

    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(JOURNAL, scans / JOURNAL.name)
    out = tmp_path / "out"
    run_batch([scans], gt_dir=None, settings=load_settings(None, output_dir=out, workers=1))
    folder = out / JOURNAL.stem
    text = (folder / "p001.txt").read_text(encoding="utf-8")
    heading = [text.find(w) for w in ("ПОСОЛЬСТВО", "ДНЕВНИК", "период", "января")]
    assert min(heading) >= 0 and heading == sorted(heading), text
    choice = json.loads((folder / "p001.ocr.json").read_text(encoding="utf-8"))
    readings = (choice.get("data") or choice)["choice"]
    assert "overlap across" in readings["doubt"]
    assert readings["kept"] == UNHINTED
    assert not box_order(read_words(folder / "p001.tsv")).against()
