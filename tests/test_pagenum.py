"""A page number misread in the margin, read again as one (ocr/pagenum.py): which lines are
candidates, what ink is a page number, the reading again through tesseract, the rewrite of the
outputs, and the learner (bench/learn_pagenum.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.learn_pagenum import Sighting, learn, page_number_at
from ocr.geometry import Box
from ocr.pagenum import (
    PageNumberRule,
    candidate_lines,
    dashed_digits,
    is_page_number,
    margin_lines,
    number_swaps,
    page_number_fixes,
    read_as_number,
    set_confidences,
)
from ocr.tesseract import Word, read_words
from tests.conftest import needs_tesseract

RULE = PageNumberRule(max_width=5.0, max_offset=0.05, min_gap=1.0, min_conf=80.0, on=True)


CENTRED = Box(1185, 100, 130, 36)  # centred over the body text below


def page_words(top: str, *, top_box: Box = CENTRED) -> list[Word]:
    """A page: a line at the top (its box given), then three lines of body text."""
    out = [Word(1, 1, 1, i, top_box, 40.0, t) for i, t in enumerate(top.split(), 1)]
    for n in range(3):
        for i in range(4):
            box = Box(300 + 500 * i, 400 + 60 * n, 400, 36)
            out.append(Word(2, 1, n + 1, i + 1, box, 95.0, "слово"))
    return out


def number_image(digit_boxes: int = 1, *, dashes: bool = True, size: int = 40) -> np.ndarray:
    """A grey crop: optionally a dash, ``digit_boxes`` tall strokes, optionally a dash."""
    image = np.full((2 * size, 12 * size), 240, np.uint8)
    x = size
    if dashes:
        image[size - 3 : size + 3, x : x + size // 2] = 20
        x += size
    for _ in range(digit_boxes):
        image[size // 2 : size // 2 + size, x : x + size // 2] = 20
        x += size
    if dashes:
        image[size - 3 : size + 3, x : x + size // 2] = 20
    return image


@pytest.mark.unit
def test_a_page_number_reading() -> None:
    assert is_page_number("-4-") and is_page_number("- 12 -") and is_page_number("—3—")
    assert not is_page_number("-4а-") and not is_page_number("-5") and not is_page_number("те")
    assert page_number_at("- 3 -\nтекст\n", top=True) == "-3-"
    assert page_number_at("- 3 -\nтекст\n", top=False) is None


@pytest.mark.unit
def test_only_a_short_centred_line_alone_in_the_margin_is_a_candidate() -> None:
    lines = margin_lines(page_words("-4а-"))
    assert len(lines) == 2 and lines[0].indexes == (0,)
    assert lines[0].width == pytest.approx(130 / 36) and lines[0].offset < 0.01
    assert [m.indexes for m in candidate_lines(page_words("-4а-"), RULE)] == [(0,)]
    # A line off centre, a long one, one close over the text: none.
    off = page_words("-4а-", top_box=Box(300, 100, 130, 36))
    long = page_words("СПРАВКА", top_box=Box(900, 100, 600, 36))
    close = page_words("-4а-", top_box=Box(1185, 340, 130, 36))
    assert candidate_lines(off, RULE) == candidate_lines(long, RULE) == []
    assert candidate_lines(close, RULE) == []
    assert margin_lines(page_words("-4-")[:5]) == []  # fewer than three lines


@pytest.mark.unit
def test_only_ink_of_dash_digits_dash_is_read_as_a_number() -> None:
    assert dashed_digits(number_image(1)) is not None
    assert dashed_digits(number_image(3)) is not None
    # A word's letters (no dashes), too many pieces, dashes only: none.
    assert dashed_digits(number_image(3, dashes=False)) is None
    assert dashed_digits(number_image(5)) is None
    assert dashed_digits(number_image(0)) is None


def rendered(text: str) -> np.ndarray:
    """A margin line's crop with ``text`` typed in FreeMono, grey."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (400, 90), 240)
    font = ImageFont.truetype("/usr/share/fonts/truetype/freefont/FreeMono.ttf", 48)
    ImageDraw.Draw(img).text((60, 15), text, font=font, fill=25)
    return np.asarray(img)


@needs_tesseract
@pytest.mark.integration
def test_a_typed_page_number_is_read_again_and_a_word_is_not() -> None:
    text, conf = read_as_number(rendered("- 3 -"))
    assert text == "-3-" and conf > 80
    assert read_as_number(rendered("- 12 -"))[0] == "-12-"
    assert read_as_number(rendered("ПРИКАЗ")) == ("", -1.0)
    assert read_as_number(rendered("те")) == ("", -1.0)


@needs_tesseract
@pytest.mark.integration
def test_a_fix_keeps_a_confident_page_number_only() -> None:
    grey = np.full((3508, 2480), 240, np.uint8)
    grey[82:172, 1080:1480] = rendered("- 3 -")
    words = page_words("те", top_box=Box(1195, 100, 110, 36))
    found = page_number_fixes(words, grey, RULE)
    fixes = found.fixes
    assert [(f.indexes, f.before, f.after) for f in fixes] == [((0,), ("те",), "-3-")]
    assert found.reads == 1  # one tesseract call, counted in the page's calls
    assert fixes[0].conf >= RULE.min_conf
    # Off: nothing; a threshold no reading reaches: nothing; already a page number: untouched.
    assert page_number_fixes(words, grey, PageNumberRule()).fixes == ()
    strict = PageNumberRule(5.0, 0.05, 1.0, 101.0, on=True)
    assert page_number_fixes(words, grey, strict).fixes == ()
    assert (
        page_number_fixes(page_words("-3-", top_box=Box(1195, 100, 110, 36)), grey, RULE).fixes
        == ()
    )
    # The image is decoded only when a line is to be read again.
    calls: list[int] = []

    def load() -> np.ndarray:
        calls.append(1)
        return grey

    assert (
        page_number_fixes(page_words("-3-", top_box=Box(1195, 100, 110, 36)), load, RULE).fixes
        == ()
    )
    assert calls == []
    assert [f.after for f in page_number_fixes(words, load, RULE).fixes] == ["-3-"] and calls == [1]


TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "5\t1\t1\t1\t1\t1\t1150\t100\t40\t36\t20.5\t-\n"
    "5\t1\t1\t1\t1\t2\t1200\t100\t60\t36\t12.0\tте\n"
    "5\t1\t2\t1\t1\t1\t300\t400\t400\t36\t95.0\tслово\n"
)


@pytest.mark.unit
def test_a_fix_rewrites_the_words_and_their_confidence(tmp_path: Path) -> None:
    from ocr.casing import apply_recase
    from ocr.pagenum import NumberFix

    tsv = tmp_path / "p.tsv"
    tsv.write_text(TSV, encoding="utf-8")
    fix = NumberFix((0, 1), ("-", "те"), "-3-", 93.0)
    swaps = number_swaps([fix])
    # As many words as tesseract read (its characters' choices stay aligned with them).
    assert [(s.index, s.before, s.after) for s in swaps] == [(1, "те", "3-")]
    set_confidences(tsv, [fix])
    apply_recase({"tsv": tsv}, swaps)
    words = read_words(tsv)
    assert [(w.text, w.conf) for w in words] == [("-", 93.0), ("3-", 93.0), ("слово", 95.0)]
    assert NumberFix((4,), ("те",), "-3-", 90.0).parts == ("-3-",)
    assert NumberFix((4, 5, 6), ("-", "те", "-"), "-12-", 90.0).parts == ("-", "12", "-")


@pytest.mark.unit
def test_the_ink_under_a_line_read_again_confidently_is_read() -> None:
    from ocr.pagenum import NumberFix, read_again

    fix = NumberFix((0,), ("те",), "-3-", 95.0, Box(1185, 100, 130, 36))
    assert read_again(Box(1130, 95, 200, 40), [fix], min_conf=60)  # the dashes and the digit
    assert not read_again(Box(1130, 95, 200, 40), [fix], min_conf=96)  # not confident enough
    assert not read_again(Box(300, 400, 400, 36), [fix], min_conf=60)  # ink elsewhere
    assert not read_again(Box(1100, 60, 400, 300), [fix], min_conf=60)  # mostly outside
    assert not read_again(Box(1130, 95, 200, 40), [], min_conf=60)


@pytest.mark.unit
def test_a_line_of_more_words_than_a_page_number_has_is_left() -> None:
    four = page_words("- 3 - ы", top_box=CENTRED)
    assert page_number_fixes(four, lambda: pytest.fail("no image needed"), RULE).fixes == ()


def sighting(meant: str | None, again: str, conf: float, width: float = 3.5) -> Sighting:
    return Sighting("p", "x", width, 0.01, 2.0, meant, again, conf)


@pytest.mark.unit
def test_the_learner_keeps_the_envelope_of_right_readings_and_a_threshold_over_wrong_ones() -> None:
    seen = [
        sighting("-3-", "-3-", 96.0),
        sighting("-4-", "-4-", 90.0, width=4.2),
        sighting("-5-", "-6-", 70.0),  # read wrong: the threshold rises over it
        sighting(None, "-1-", 60.0),  # no page number there
        sighting(None, "", -1.0, width=12.0),  # a heading: nothing read
    ]
    rule = learn(seen)
    assert rule is not None and rule.on
    assert rule.max_width == pytest.approx(4.2) and rule.min_conf == pytest.approx(71.0)
    assert learn([sighting(None, "", -1.0)]) is None
    assert learn(seen[:2]).min_conf == pytest.approx(90.0)  # type: ignore[union-attr]
