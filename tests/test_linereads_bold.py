"""A bold face's lines read from a thinned crop (ocr.linereads.thinned), lines that run into
their neighbours cut at their band (ocr.linereads.line_crops), and the rule's slack for a word
read alone below its line and its lexicon test's own least confidence (issue 20)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ocr.linereads import (
    PAD,
    LineCrop,
    LineFigures,
    LineReading,
    RereadRule,
    Variant,
    binarised,
    crop_image,
    line_crops,
    read_lines,
    stretched,
    stroke_width,
    thin_radius,
    thinned,
)
from ocr.readings import choice_rules
from ocr.records import Box
from ocr.tesseract import Word
from tests.conftest import needs_tesseract


def _word(n: int, text: str, box: Box, conf: float = 90.0) -> Word:
    return Word(1, 1, 1, n, box, conf, text)


def _strokes(width: int) -> np.ndarray:
    """Paper with three upright strokes ``width`` pixels wide, 40 high (a line of height 40
    in a crop padded by PAD of it)."""
    grey = np.full((80, 200), 230, np.uint8)
    for left in (40, 90, 140):
        grey[20:60, left : left + width] = 30
    return grey


def test_the_stroke_width_is_measured_from_the_inks_distance_to_the_paper() -> None:
    for width in (4, 8, 12):
        measured = stroke_width(_strokes(width) < 128)
        assert abs(measured - width) <= 1.5, (width, measured)
    assert stroke_width(np.zeros((10, 10), bool)) == 0.0


def test_only_a_bold_faces_strokes_are_thinned_and_by_one_pixel() -> None:
    crop = LineCrop(0, 0, 200, 80)
    plain, bold = _strokes(4), _strokes(10)  # 0.1 and 0.25 of the line's height of 40
    assert thin_radius(plain, crop) == 0
    assert np.array_equal(thinned(plain, crop), binarised(plain, crop))
    assert thin_radius(bold, crop) == 1
    out = thinned(bold, crop)
    ink = binarised(bold, crop) < 128
    assert 0 < int((out < 128).sum()) < int(ink.sum())
    assert ((out < 128) <= ink).all()  # thinning only takes ink away
    # the widest stroke loses a pixel on each side
    assert int((out[40] < 128).sum()) == int(ink[40].sum()) - 6
    assert np.array_equal(crop_image(bold, crop, Variant(1.0, thin=True)), out)
    assert thinned(bold, crop, scale=0.5).shape == (40, 100)


def test_the_rule_reads_the_thinned_crop_at_its_scales_for_every_line() -> None:
    rule = RereadRule(60, 0.2, scales=(1.0,), thin_scales=(1.0,), grey_scales=(0.5,))
    assert rule.read_variants == (Variant(1.0), Variant(0.5, True), Variant(1.0, thin=True))
    assert Variant(1.0, thin=True) in rule.line_variants(unknown=False)
    assert Variant(1.0, thin=True).label == "thin scale 1"


def test_a_thinned_reading_is_judged_as_a_grey_one_by_its_length() -> None:
    box = Box(100, 100, 300, 40)
    first = [_word(1, "сравиению", box, 40)]
    rule = RereadRule(60, 0.2, thin_scales=(1.0,), grey_length=0.1)
    good = LineReading(1.0, (_word(1, "сравнению", box),), LineFigures(0.9, 90, 9), thin=True)
    long = LineReading(1.0, (_word(1, "сравнению с", box),), LineFigures(0.9, 90, 11), thin=True)
    before = LineFigures(0.1, 40, 9)
    assert rule.decide(first, before, [long]).taken == -1
    verdict = rule.decide(first, before, [long, good])
    assert verdict.taken == 1 and "thin scale 1" in verdict.reason
    # a rule without thin scales does not judge a thinned reading at all
    assert replace(rule, thin_scales=()).decide(first, before, [good]).taken == -1


def test_a_line_running_into_its_neighbours_is_cut_at_its_band_their_ink_white() -> None:
    # four words 40 high at rows 200-240, one whose box took in the line below (to 300)
    boxes = [Box(100 + 150 * n, 200, 120, 40) for n in range(4)]
    boxes[2] = Box(400, 200, 120, 100)
    line = [_word(n + 1, "слово", b) for n, b in enumerate(boxes)]
    (crop,) = line_crops([line], 1000, 1000)
    margin = round(0.25 * 40)
    assert crop.band == (200 - margin, 240 + margin)
    pad = round(PAD * (crop.band[1] - crop.band[0]))
    assert (crop.top, crop.top + crop.height) == (crop.band[0] - pad, crop.band[1] + pad)
    # a plain line keeps its box and no band
    (plain,) = line_crops([[_word(1, "слово", Box(100, 200, 120, 40))]], 1000, 1000)
    assert plain.band is None and (plain.top, plain.height) == (180, 80)
    # the neighbour's ink in the margin is painted white in every variant, the line's kept
    grey = np.full((1000, 1000), 220, np.uint8)
    grey[crop.top : crop.band[0] - 2, 150:170] = 20  # the line above's descender
    grey[crop.band[1] + 2 : crop.top + crop.height, 450:470] = 20  # the line below's letter
    grey[205:235, 110:130] = 20  # the line's own letter
    for image in (binarised(grey, crop), stretched(grey, crop), thinned(grey, crop)):
        inside = crop.band[0] - crop.top, crop.band[1] - crop.top
        assert image[: inside[0]].min() == 255 and image[inside[1] :].min() == 255
        assert image[inside[0] : inside[1]].min() < 128


def test_a_word_read_alone_below_its_line_belongs_to_it_within_the_slack() -> None:
    box = Box(100, 100, 600, 45)
    first = [_word(1, "пересмотреть", Box(100, 100, 300, 45)), _word(2, "норм", box, 40)]
    low = Box(500, 145, 150, 22)  # its centre 11 pixels under the line's box
    again = (_word(1, "пересмотреть", Box(100, 100, 300, 45)), _word(2, "нормы", low))
    reading = LineReading(1.0, again, LineFigures(0.9, 90, 17))
    before = LineFigures(0.3, 40, 16)
    rule = RereadRule(60, 0.2)
    assert rule.decide(first, before, [reading]).taken == -1
    assert replace(rule, line_slack=0.35).decide(first, before, [reading]).taken == 0


def test_the_lexicon_test_may_ask_a_least_confidence_of_its_own() -> None:
    rule = RereadRule(60, 0.2, unknown_letters=6, known_gain=1, known_net_gain=-0.2)
    first = LineFigures(0.7, 85, 40, 38, known=5, unknown=1)
    right = LineFigures(0.6, 45, 40, 38, known=6, unknown=0)  # a comma read unsurely
    assert rule.replaces(first, right, lexicon=True) == ""
    looser = replace(rule, known_confidence=40.0)
    why = looser.replaces(first, right, lexicon=True)
    assert why.startswith("read alone: least confidence 45 >= 40, words the lexicon knows 6")
    assert looser.replaces(first, right, lexicon=False) == ""
    assert replace(looser, known_confidence=50.0).replaces(first, right, lexicon=True) == ""
    # a reading no surer and no better known is still refused
    worse = LineFigures(0.6, 45, 40, 38, known=5, unknown=1)
    assert looser.replaces(first, worse, lexicon=True) == ""


def test_the_shipped_rule_names_its_thin_scales_slack_and_lexicon_confidence() -> None:
    rule = choice_rules().reread
    assert rule is not None
    assert all(0.0 < s <= 1.0 for s in rule.thin_scales)
    assert rule.line_slack >= 0.0
    assert rule.known_confidence is None or 0.0 <= rule.known_confidence <= rule.min_confidence
    assert rule.band_gain is None or rule.band_gain >= 0.0


@needs_tesseract
def test_a_thinned_crop_of_a_plain_line_is_not_read(tmp_path) -> None:  # noqa: ANN001
    import cv2

    grey = np.full((120, 600), 235, np.uint8)
    cv2.putText(grey, "plain words", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 20, 3)
    crop = LineCrop(0, 0, 600, 120)
    assert thin_radius(grey, crop) == 0
    _, words = read_lines(
        grey,
        [crop],
        tmp_path / "lines",
        languages="eng",
        oem=1,
        dpi=None,
        timeout=60,
        choices=False,
        scales=(Variant(1.0), Variant(1.0, thin=True)),
    )
    assert words and {w.par for w in words} == {1}  # the binarised crop only


def test_a_line_cut_at_its_band_is_replaced_by_a_reading_with_more_net_characters() -> None:
    boxes = [Box(100 + 150 * n, 200, 120, 40) for n in range(4)]
    boxes[2] = Box(400, 200, 120, 100)  # "ЕЕ": its box took in the line below
    texts = "В целях ЕЕ работы".split()
    first = [_word(n + 1, t, b) for n, (t, b) in enumerate(zip(texts, boxes, strict=True))]
    first[2] = replace(first[2], conf=50.0)
    again = tuple(
        _word(n + 1, t, Box(100 + 150 * n, 200, 120, 40))
        for n, t in enumerate("В целях улучшения работы".split())
    )
    before = LineFigures(0.82, 50, 15)  # net 12.3 over 15 characters
    reading = LineReading(1.0, again, LineFigures(0.74, 90, 22))  # net 16.3: a lower rate
    rule = RereadRule(60, 0.2)
    assert rule.decide(first, before, [reading]).taken == -1
    verdict = replace(rule, band_gain=2.0).decide(first, before, [reading])
    assert verdict.taken == 0 and verdict.reason.startswith("read alone at its band")
    assert replace(rule, band_gain=5.0).decide(first, before, [reading]).taken == -1
    # a line whose box is its words' height is not judged so
    level = [replace(w, box=Box(w.box.left, 200, 120, 40)) for w in first]
    assert replace(rule, band_gain=2.0).decide(level, before, [reading]).taken == -1
