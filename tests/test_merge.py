"""Readings merged line by line (ocr.merge, ocr.merge_files): each group of overlapping lines
keeps the words of the reading the estimate prefers, and every output holds the same words."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pytest

from ocr.geometry import PageGeometry
from ocr.merge import LineRules, ReadWords, anchors, merge_lines, same_line
from ocr.merge_files import PageSize, write_merged
from ocr.records import Box
from ocr.tesseract import Word, read_words, words_to_text
from tests.conftest import needs_tesseract

if TYPE_CHECKING:
    from ocr.readings import ReadingInput

RULES = LineRules(margin=0.1, min_chars=10, wrong_weight=0.5, missing_weight=1.0)
PAGE = PageSize(rows=400, cols=900, image_name="page.png", languages="eng")


def _line(block: int, line: int, y: int, texts: str, p: float) -> list[tuple[Word, float]]:
    return [
        (Word(block, 1, line, i + 1, Box(20 + 120 * i, y, 100, 30), 90.0, text), p)
        for i, text in enumerate(texts.split())
    ]


def _reading(name: str, *lines: list[tuple[Word, float]]) -> ReadWords:
    pairs = [pair for line in lines for pair in line]
    words = tuple(w for w, _ in pairs)
    return ReadWords(name, words, tuple(p for _, p in pairs), tuple(w.box for w in words))


@pytest.mark.unit
def test_each_group_of_lines_keeps_the_reading_more_likely_right() -> None:
    first = _reading(
        "original",
        _line(1, 1, 10, "good words here", 0.95),
        _line(1, 2, 60, "x;l ,,i qq~", 0.05),
    )
    other = _reading(
        "processed",
        _line(3, 1, 12, "gocd wurds hare", 0.3),
        _line(4, 1, 58, "right words there", 0.9),
    )
    merged = merge_lines([first, other], rules=RULES)
    assert words_to_text(merged.words).text == "good words here\nright words there"
    assert [g.kept for g in merged.groups] == ["original", "processed"]
    assert merged.sources[0] == (0, 0) and merged.sources[-1] == (1, 5)
    assert "processed worth" in merged.groups[1].reason and merged.groups[0].reason == ""
    assert len({w.line_key for w in merged.words}) == 2


@pytest.mark.unit
def test_the_first_reading_stays_unless_another_wins_by_the_margin() -> None:
    first = _reading("original", _line(1, 1, 10, "same words here", 0.80))
    other = _reading("processed", _line(1, 1, 10, "same words hers", 0.84))
    merged = merge_lines([first, other], rules=RULES)
    assert [g.kept for g in merged.groups] == ["original"]
    assert merged.used == frozenset({0})


@pytest.mark.unit
def test_a_line_only_one_reading_has_takes_its_place_in_reading_order() -> None:
    first = _reading(
        "original", _line(1, 1, 10, "top line", 0.9), _line(2, 1, 110, "bottom line", 0.9)
    )
    other = _reading(
        "processed",
        _line(1, 1, 10, "top line", 0.9),
        _line(1, 2, 60, "middle line", 0.9),
        _line(1, 3, 110, "bottom line", 0.9),
    )
    merged = merge_lines([first, other], rules=RULES)
    assert words_to_text(merged.words).text == "top line\nmiddle line\nbottom line"
    assert [g.kept for g in merged.groups] == ["original", "processed", "original"]


@pytest.mark.unit
def test_a_group_of_noise_is_left_out_but_never_every_group() -> None:
    rules = LineRules(margin=0.1, min_chars=10, wrong_weight=0.5, missing_weight=1.0, drop_rate=0)
    noise = _line(2, 1, 60, "~ ,; qq", 0.1)
    merged = merge_lines(
        [_reading("original", _line(1, 1, 10, "good words", 0.9), noise)], rules=rules
    )
    assert words_to_text(merged.words).text == "good words"
    assert [g.kept for g in merged.groups] == ["original", "none"]
    assert "net rate" in merged.groups[1].reason
    alone = merge_lines([_reading("original", noise)], rules=rules)
    assert words_to_text(alone.words).text == "~ ,; qq"


def _word(
    block: int, line: int, x: int, y: int, text: str, p: float, width: int = 200
) -> tuple[Word, float]:
    return Word(block, 1, line, 1, Box(x, y, width, 30), 90.0, text), p


@pytest.mark.unit
def test_lines_apart_in_a_reading_s_order_keep_the_first_reading() -> None:
    # the first reading reads two columns down, the other reads across
    first = _reading(
        "original",
        [_word(1, 1, 20, 10, "110", 0.3)],
        [_word(1, 2, 20, 60, "111", 0.3)],
        [_word(2, 1, 400, 10, "Information", 0.3)],
        [_word(2, 2, 400, 60, "commentaires", 0.3)],
    )
    across = [_word(1, n, 20, 10 + 50 * (n - 1), f"{109 + n} words", 0.95, 600) for n in (1, 2)]
    merged = merge_lines([first, _reading("processed", *([w] for w in across))], rules=RULES)
    assert [(g.kept, g.split) for g in merged.groups] == [("original", True)] * 2
    assert merged.split_share == 1.0
    assert words_to_text(merged.words).text == "110\n111\nInformation\ncommentaires"


@pytest.mark.unit
def test_a_reading_is_taken_whole_when_its_summed_worth_wins_by_the_margin() -> None:
    first = _reading("original", _line(1, 1, 10, "x;l ,,i", 0.1), _line(1, 2, 60, "ab cd", 0.2))
    other = _reading("processed", _line(1, 1, 10, "good words", 0.9), _line(1, 2, 60, "ab", 0.3))
    merged = merge_lines([first, other], rules=RULES)
    assert merged.whole(0.05) == 1
    assert merged.whole(5.0) == 0  # a margin past what it gains
    assert merge_lines([first, first], rules=RULES).whole(0.0) == 0


@pytest.mark.unit
def test_anchors_level_a_skewed_page_s_lines_in_the_deskewed_frame() -> None:
    frame = PageGeometry.rotated(2000, 1500, 2.0)
    level = [Box(100 + 150 * i, 500, 120, 30) for i in range(8)]  # a line in the frame
    page = [frame.box_to_original(b) for b in level]
    assert page[-1].top - page[0].top > 30  # on the page the line climbs or falls a line height
    tops = [b.top for b in anchors(page, frame)]
    assert max(tops) - min(tops) <= 4 and abs(tops[0] - 500) <= 4
    assert anchors(page, None) == tuple(page)


@pytest.mark.unit
def test_lines_are_the_same_when_they_overlap_across_and_over_half_their_height() -> None:
    assert same_line(Box(0, 0, 100, 30), Box(50, 10, 100, 30))
    assert not same_line(Box(0, 0, 100, 30), Box(0, 20, 100, 30))  # a third of the height
    assert not same_line(Box(0, 0, 100, 30), Box(200, 0, 100, 30))  # side by side


@pytest.mark.unit
def test_every_output_of_a_merge_holds_the_same_words(tmp_path: Path) -> None:
    from ocr.casing import Recase, apply_recase
    from ocr.formats import read_source

    first = _reading("original", _line(1, 1, 10, "alpha beta", 0.9))
    other = _reading("processed", _line(7, 1, 60, "gamma <delta> & co", 0.9))
    merged = merge_lines([first, other], rules=RULES)
    outputs = write_merged(
        merged.words, tmp_path / "p001", formats=("txt", "tsv", "hocr", "alto"), page=PAGE
    )
    assert read_words(outputs["tsv"]) == list(merged.words)
    lines = "alpha beta\ngamma <delta> & co"
    assert outputs["txt"].read_text("utf-8") == "alpha beta\n\ngamma <delta> & co\n"
    assert read_source(outputs["hocr"]).text == lines
    assert read_source(outputs["alto"]).text == lines
    apply_recase(outputs, [Recase(2, "gamma", "Gamma", 1.4)])
    for fmt in ("tsv", "txt", "hocr", "alto"):
        assert "Gamma" in outputs[fmt].read_text("utf-8"), fmt


def _page(path: Path, lines: list[str], *, blurred: set[int], crop: int = 0) -> Path:
    """Typed lines; those in ``blurred`` made unreadable; ``crop`` pixels cut off the top and
    the left."""
    image = np.full((400, 1000), 255, np.uint8)
    for n, text in enumerate(lines):
        row = np.full((60, 1000), 255, np.uint8)
        cv2.putText(row, text, (20, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 0, 3)
        if n in blurred:
            row = cv2.GaussianBlur(row, (0, 0), 9)
        image[40 + 80 * n : 100 + 80 * n] = row
    cv2.imwrite(str(path), image[crop:, crop:])
    return path


def _readings(
    folder: Path, lines: list[str], *, original: set[int], processed: set[int]
) -> list[ReadingInput]:
    """The page as loaded and the processed page (cropped by 15 px at the top and the left),
    each with the lines of its set made unreadable."""
    from ocr.readings import ReadingInput

    rows, cols = 400, 1000
    cropped = PageGeometry.identity(rows, cols).cropped(Box(15, 15, cols - 15, rows - 15))
    return [
        ReadingInput(
            "original",
            _page(folder / "original.png", lines, blurred=original),
            PageGeometry.identity(rows, cols),
            300,
        ),
        ReadingInput(
            "processed",
            _page(folder / "processed.png", lines, blurred=processed, crop=15),
            cropped,
            300,
        ),
    ]


@pytest.mark.integration
@needs_tesseract
def test_a_page_read_twice_keeps_each_line_from_the_reading_that_reads_it(
    tmp_path: Path,
) -> None:
    from ocr.readings import MIXED, OcrCall, read_page

    lines = ["The house stands here", "Water flows down", "People write letters"]
    # the processed page: the page cropped by 15 px at the top and left, its first line unreadable
    sources = _readings(tmp_path, lines, original={2}, processed={0})
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv", "hocr", "alto"), False)
    choice = read_page(sources, tmp_path / "p001", call, ink_blobs=5000, paper_share=1.0)
    text = words_to_text(read_words(tmp_path / "p001.tsv")).text
    print(text, choice.record.as_json())
    assert choice.record.kept == MIXED and choice.kept.input.geometry.is_identity
    assert "house" in text and "People" in text and "letters" in text
    assert {g.kept for g in choice.record.lines} == {"original", "processed"}
    assert "per line:" in choice.record.reason
    people = next(w for w in read_words(tmp_path / "p001.tsv") if w.text == "People")
    assert abs(people.box.left - 20) < 8  # in the page's pixels, not the frame's
    assert (tmp_path / "p001.txt").read_text("utf-8").split() == text.split()
    assert not list(tmp_path.glob(".p001.*"))  # the readings' own files are gone


@pytest.mark.integration
@needs_tesseract
def test_a_frame_alone_never_trades_the_first_reading_whole(tmp_path: Path) -> None:
    """A page whose scan holds more than the paper, read well as it is: the cropped page's
    reading, though worth more over the page, betters the first line by line only, so the
    first reading's lines (and their order) stay; with paper_share 1.0 and a doubtful first
    reading it would be taken whole."""
    from ocr.readings import MIXED, PROCESSED, ChoiceRules, OcrCall, choice_rules, read_page

    lines = ["The house stands here", "Water flows down", "People write letters", "Birds sing"]
    sources = _readings(tmp_path, lines, original={3}, processed=set())
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv", "hocr", "alto"), False)
    shipped = choice_rules()
    framed = read_page(sources, tmp_path / "a", call, ink_blobs=80, paper_share=0.5, rules=shipped)
    assert "paper" in framed.record.doubt
    assert framed.record.kept == MIXED, framed.record.as_json()
    text = words_to_text(read_words(tmp_path / "a.tsv")).text
    assert "house" in text and "Birds" in text
    # the same readings when the first is doubtful for its words: the other is taken whole
    strict = ChoiceRules(0.99, 0.25, 0.85, 0.05, 20, "t", 0.5, 1.0, lines=shipped.lines)
    doubtful = read_page(sources, tmp_path / "b", call, ink_blobs=80, paper_share=1.0, rules=strict)
    assert doubtful.record.doubt and doubtful.record.kept == PROCESSED, doubtful.record.as_json()
