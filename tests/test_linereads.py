"""Doubtful lines read again one by one (ocr.linereads, ocr.readings.repair): the rule, the
lines chosen, the repaired reading's order, and a real page whose page number stock tesseract
misreads on textured paper ("- 2 -" read "ао")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from ocr.linereads import (
    LineFigures,
    LineReading,
    RereadRule,
    Variant,
    binarised,
    doubtful_lines,
    line_crops,
)
from ocr.readings import Reading, ReadingSummary, _repaired
from ocr.records import Box
from ocr.tesseract import Word
from tests.conftest import needs_tesseract


def _word(block: int, line: int, n: int, left: int, top: int, text: str, conf: float) -> Word:
    return Word(block, 1, line, n, Box(left, top, 20 * len(text), 40), conf, text)


def test_the_rule_wants_a_settled_doubt_and_no_worse_estimate() -> None:
    rule = RereadRule(min_confidence=60, net_gain=0.2)
    first = LineFigures(net_rate=-0.3, min_confidence=20, chars=2)
    assert rule.replaces(first, LineFigures(net_rate=0.0, min_confidence=69, chars=3))
    # still a doubtful word in the new reading
    assert not rule.replaces(first, LineFigures(net_rate=0.9, min_confidence=59, chars=3))
    # the estimate does not prefer it by the gain
    assert not rule.replaces(first, LineFigures(net_rate=-0.2, min_confidence=90, chars=3))
    # it read nothing
    assert not rule.replaces(first, LineFigures(net_rate=0.0, min_confidence=0, chars=0))


def _reading(scale: float, text: str, conf: float, net_rate: float) -> LineReading:
    words = tuple(_word(1, 1, n, 1150 + 60 * n, 300, t, conf) for n, t in enumerate(text.split()))
    return LineReading(scale, words, LineFigures(net_rate, conf, len(text.replace(" ", ""))))


def test_the_rule_takes_the_best_scale_it_reads_and_may_ask_for_agreement() -> None:
    first = (_word(1, 1, 1, 1150, 300, "ОЕ", 15),)
    before = LineFigures(net_rate=-0.5, min_confidence=15, chars=2)
    readings = [
        _reading(1.0, "2 -", 35, 0.1),  # still doubtful
        _reading(0.5, "-2-", 69, 0.3),
        _reading(0.7, "- 2-", 75, 0.4),  # the same text but for a space: agrees with 0.5
    ]
    full_only = RereadRule(60, 0.2)
    assert full_only.decide(first, before, readings) == (-1, "", False)
    two = RereadRule(60, 0.2, scales=(1.0, 0.5, 0.7), agree="any")
    v, why, confirms = two.decide(first, before, readings)
    assert (
        v == 2 and "scale 0.7" in why and not confirms
    )  # the higher net rate of the two shrunk readings
    # agreement with the full-size reading is not there: nothing is taken
    assert RereadRule(60, 0.2, scales=(1.0, 0.5, 0.7), agree="full").decide(
        first, before, readings
    ) == (-1, "", False)
    # one shrunk reading alone has no other to agree with; without agreement it is taken
    alone = RereadRule(60, 0.2, scales=(1.0, 0.5), agree="any")
    assert alone.decide(first, before, readings)[0] == -1
    assert RereadRule(60, 0.2, scales=(1.0, 0.5)).decide(first, before, readings)[0] == 1
    # a shrunk reading whose words lie off the first reading's line is refused
    low = _reading(0.5, "-2-", 69, 0.3)
    off = LineReading(
        0.5, tuple(replace(w, box=Box(1150, 420, 40, 40)) for w in low.words), low.figures
    )
    assert RereadRule(60, 0.2, scales=(1.0, 0.5)).decide(first, before, [readings[0], off])[0] == -1


def test_a_sure_reading_of_the_same_text_confirms_the_first_when_the_rule_allows() -> None:
    first = (_word(1, 1, 1, 1150, 300, "ПРОТОКОЛ", 96), _word(1, 1, 2, 1400, 300, "№", 50))
    before = LineFigures(net_rate=0.8, min_confidence=50, chars=9)
    same = _reading(0.5, "ПРОТОКОЛ№", 94, 0.85)  # the estimate gains too little
    other = _reading(0.5, "ПРОТОКОЛ Х", 94, 0.85)
    plain = RereadRule(60, 0.2, scales=(1.0, 0.5))
    assert plain.decide(first, before, [same]).taken == -1
    sure = RereadRule(60, 0.2, scales=(1.0, 0.5), same_text=True)
    v, why, confirms = sure.decide(first, before, [same])
    assert v == 0 and confirms and "same text" in why  # spaces aside
    assert sure.decide(first, before, [other]).taken == -1  # another text needs the estimate
    unsure = _reading(0.5, "ПРОТОКОЛ №", 55, 0.85)
    assert sure.decide(first, before, [unsure]).taken == -1  # still a doubtful word
    # a reading the estimate prefers replaces the line rather than confirm it
    better = _reading(1.0, "ПРОТОКОЛ №", 90, 1.0)
    assert sure.decide(first, before, [same, better]) == (
        1,
        sure.decide(first, before, [better]).reason,
        False,
    )


def test_a_confirmed_line_keeps_its_words_and_takes_the_sure_confidence() -> None:
    first_words = (
        _word(1, 1, 1, 1150, 300, "-", 76),
        _word(1, 1, 2, 1200, 300, "5", 50),
        _word(1, 1, 3, 1250, 300, "-", 50),
        _word(2, 1, 1, 300, 400, "дома", 96),
    )
    again_words = (_word(1, 1, 1, 1150, 300, "-5-", 91),)  # crop 1 at full size: paragraph 1
    summary = ReadingSummary("original", 3, 4, 8, 70.0, None, 2.0, 1.0)
    first = Reading(None, None, first_words, summary, 0.0, (0.3, 0.3, 0.3, 0.95))  # type: ignore[arg-type]
    again = Reading(None, None, again_words, summary, 0.0, (0.3,))  # type: ignore[arg-type]
    merged = _repaired(first, again, [(0, 1, 2)], RereadRule(60, 0.2, same_text=True))
    assert [w.text for w in merged.words] == ["-", "5", "-", "дома"]
    assert [w.conf for w in merged.words] == [91, 91, 91, 96]
    assert merged.sources == ((0, 0), (0, 1), (0, 2), (0, 3))  # the first reading's words
    assert merged.groups[0].kept == "original" and "same text" in merged.groups[0].reason
    unconfirmed = _repaired(first, again, [(0, 1, 2)], RereadRule(60, 0.2))
    assert unconfirmed.words == first.words


def test_a_shrunk_crop_is_the_line_binarised_then_averaged() -> None:
    import numpy as np

    from ocr.linereads import LineCrop

    grey = np.full((200, 400), 200, dtype=np.uint8)
    grey[90:110, 100:300] = 40  # a stroke of ink
    crop = LineCrop(50, 50, 300, 100)
    full, half = binarised(grey, crop), binarised(grey, crop, scale=0.5)
    assert full.shape == (100, 300) and set(np.unique(full)) == {0, 255}
    assert half.shape == (50, 150)
    assert half[25, 75] == 0 and half[5, 5] == 255


def test_a_far_surer_reading_replaces_the_line_when_the_rule_allows() -> None:
    # the page number "- 5 -" read "не" (29): "-5-" (76) is no word, the estimate prefers "не"
    first = LineFigures(net_rate=-0.3, min_confidence=29, chars=2)
    number = LineFigures(net_rate=-0.47, min_confidence=76, chars=3)
    assert not RereadRule(60, 0.2).replaces(first, number)
    assert "+ 30" in RereadRule(60, 0.2, conf_gain=30).replaces(first, number)
    assert not RereadRule(60, 0.2, conf_gain=50).replaces(first, number)  # 76 < 29 + 50


def test_a_surer_reading_with_letters_is_left_to_the_estimate() -> None:
    # "корейское гражданство. Нам Ир" (least 56) read alone "хорейское Гражданство. Нам ИР" (91):
    # tesseract is as sure of a misread word; only a reading without letters gains by confidence
    first = LineFigures(net_rate=0.8, min_confidence=56, chars=26, letters=24)
    words = LineFigures.of(
        [
            _word(1, 1, n, 100 * n, 300, t, 91)
            for n, t in enumerate("хорейское Гражданство.".split())
        ],
        [0.4, 0.5],
    )
    assert words.letters == 20 and words.min_confidence == 91
    assert not RereadRule(60, 0.4, conf_gain=30).replaces(first, words)
    number = LineFigures.of([_word(1, 1, 1, 1150, 300, "-5-", 91)], [0.3])
    assert number.letters == 0
    assert RereadRule(60, 0.4, conf_gain=30).replaces(first, number)


def test_doubtful_lines_are_those_with_a_low_word_and_not_askew() -> None:
    words = [
        _word(1, 1, 1, 100, 100, "сure", 95),
        _word(1, 1, 2, 200, 100, "ао", 30),  # line 1: doubtful
        _word(1, 2, 1, 100, 200, "ясно", 96),  # line 2: sure
        _word(1, 3, 1, 100, 300, "кос", 20),  # line 3: doubtful but askew (130 px high)
        _word(1, 3, 2, 900, 390, "ая", 90),
    ]
    assert doubtful_lines(words, below=60) == [(0, 1)]
    # a page number "- 5 -": dashes a few pixels high beside a doubtful digit is no askew line
    number = [
        Word(1, 1, 1, 1, Box(1177, 328, 18, 3), 76, "-"),
        Word(1, 1, 1, 2, Box(1235, 310, 19, 35), 50, "5"),
        Word(1, 1, 1, 3, Box(1296, 328, 18, 3), 50, "-"),
    ]
    assert doubtful_lines(number, below=60) == [(0, 1, 2)]
    (crop,) = line_crops([[words[0], words[1]]], rows=3508, cols=2480)
    assert (crop.left, crop.top) == (80, 80) and crop.height == 80  # half a line on each side


def test_a_replaced_line_keeps_its_place_and_layout() -> None:
    first_words = (
        _word(1, 1, 1, 1150, 300, "ао", 20),
        _word(2, 1, 1, 300, 400, "Жители", 96),
        _word(2, 1, 2, 500, 400, "дома", 96),
        _word(2, 2, 1, 300, 480, "З.92.52", 40),
    )
    again_words = (  # crop k's words in block k + 1, boxes on the page
        _word(1, 1, 1, 1150, 298, "-2-", 81),
        _word(2, 1, 1, 300, 480, "3.02.52", 55),
    )
    summary = ReadingSummary("original", 3, 4, 20, 70.0, None, 5.0, 1.0)
    first = Reading(None, None, first_words, summary, 0.0, (0.2, 0.95, 0.95, 0.3))  # type: ignore[arg-type]
    again = Reading(None, None, again_words, summary, 0.0, (0.5, 0.6))  # type: ignore[arg-type]
    rule = RereadRule(60, 0.2)
    merged = _repaired(first, again, [(0,), (3,)], rule)
    assert [w.text for w in merged.words] == ["-2-", "Жители", "дома", "З.92.52"]
    assert merged.words[0].line_key == (1, 1, 1)  # the first reading's block and line
    assert merged.sources == ((1, 0), (0, 1), (0, 2), (0, 3))
    # the date read again still holds a doubtful word (55 < 60): the first reading stays
    assert [g.kept for g in merged.groups] == ["lines", "original"]
    assert merged.groups[0].reason and not merged.groups[1].reason


@pytest.mark.integration
@needs_tesseract
def test_a_page_number_misread_on_textured_paper_is_read_alone(tmp_path: Path) -> None:
    """``ocr synth`` page (review benchmark tuning seed 2101): the pipeline with the re-read
    reads the page number in the lines' run; without it the first reading (as stock tesseract)
    misreads it, and only the page-number step (ocr.pagenum) mends it, with its own call."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings
    from tests.test_review_clean import _render

    name = "synth-021-clean-grey-typed"
    scans = _render(tmp_path, name, seed=2101)
    runs = {}
    for reread in (False, True):
        out = tmp_path / f"out-{reread}"
        settings = load_settings(
            None, output_dir=out, workers=1, languages="rus", reread_lines=reread
        )
        result = run_batch([scans], gt_dir=None, settings=settings)
        assert not result.failures
        report = json.loads((out / name / "report.json").read_text(encoding="utf-8"))
        first_line = (out / name / "p001.txt").read_text(encoding="utf-8").splitlines()[0]
        page = report["pages"][0]
        runs[reread] = (page["provenance"], first_line, result.documents[0].flags, page["steps"])
    before, after = runs[False], runs[True]
    steps = [s["id"] for s in before[3]]
    assert before[1].replace(" ", "") == "-2-" and "page_number" in steps, (before[1], steps)
    assert before[0]["tesseract_calls"] == 2  # the page, then the number's digits
    assert after[1].replace(" ", "") == "-2-", after[1]
    assert after[0]["tesseract_calls"] == 2
    kept = [line for line in after[0]["readings"]["reread"] if line["kept"] == "lines"]
    assert kept, after[0]["readings"]["reread"]
    left, top, width, height = kept[0]["box"]  # on the page number, top centre of the page
    assert 1000 < left + width / 2 < 1400 and top < 400, kept[0]["box"]
    # Mended either way, the number is sure: no low-confidence flag on the page.
    assert [f for f in after[2] if f.type == "low_confidence"] == []
    assert [f for f in before[2] if f.type == "low_confidence"] == []


@pytest.mark.integration
@needs_tesseract
def test_a_page_number_misread_at_full_size_is_read_right_shrunk(tmp_path: Path) -> None:
    """``ocr synth`` page (review benchmark tuning seed 2101): stock tesseract reads the page
    number "- 3 -" as "о"; its crop read alone at full size is still in doubt, the same crop
    shrunk to half size reads "-3-" surely, in the same tesseract run, and the learned rule
    takes that reading."""

    from ocr.linereads import squeezed
    from ocr.quality import word_probabilities
    from ocr.readings import choice_rules
    from tests.test_review_clean import _render

    image = _render(tmp_path, "synth-013-clean-colour-typed", seed=2101) / (
        "synth-013-clean-colour-typed.jpg"
    )
    words = stock_words(image, tmp_path / "page")

    def probabilities(line: Sequence[Word]) -> list[float]:
        return list(word_probabilities(line, "rus"))

    lines = [[words[i] for i in line] for line in doubtful_lines(words, below=60)]
    (top,) = [line for line in lines if line[0].box.top < 400]  # the page number's line
    assert "3" not in squeezed(top)
    scales = (1.0, 0.5)
    readings = []
    for scale, mine in zip(scales, read_alone(image, top, tmp_path / "lines", scales), strict=True):
        readings.append(LineReading(scale, mine, LineFigures.of(mine, probabilities(mine))))
    full, half = readings
    assert min(w.conf for w in full.words) < 60, full.words  # still in doubt at full size
    assert squeezed(half.words) == "-3-" and min(w.conf for w in half.words) >= 60
    # the shrunk reading's box is moved back onto the page number, top centre
    box = Box.union_all([w.box for w in half.words])
    assert 1000 < box.left + box.width / 2 < 1400 and box.top < 400, box
    rule = choice_rules().reread
    assert rule is not None and 0.5 in rule.scales
    before = LineFigures.of(top, probabilities(top))
    assert rule.decide(top, before, readings).taken == 1


def test_lines_with_a_confident_word_the_lexicon_does_not_know_are_read_for_it() -> None:
    from ocr.linereads import unknown_lines

    words = [
        _word(1, 1, 1, 100, 100, "ЕПРАВКА", 91),  # line 1: sure, but no Russian word
        _word(1, 2, 1, 100, 200, "СПРАВКА", 93),  # line 2: sure, a word the lexicon knows
        _word(1, 3, 1, 100, 300, "ЕПРАВКА", 30),  # line 3: doubtful (read for its doubt)
        _word(1, 4, 1, 100, 400, "щъ", 90),  # line 4: an unknown word of two letters
        _word(1, 5, 1, 100, 500, "12.05.54", 95),  # line 5: no word the lexicon can judge
    ]
    assert unknown_lines(words, "rus", below=60, letters=3) == [(0,)]
    assert unknown_lines(words, "rus", below=60, letters=2) == [(0,), (3,)]
    # the lexicon is the page's language's: the English one knows none of these words either,
    # and a language without a word list reads no line for it
    assert unknown_lines(words, "eng", below=60, letters=3) == [(0,), (1,)]
    assert unknown_lines(words, "chi_sim", below=60, letters=3) == []


def test_a_reading_with_more_known_words_replaces_a_line_read_for_its_unknown_word() -> None:
    first_words = (_word(1, 1, 1, 100, 300, "ЕПРАВКА", 91), _word(1, 1, 2, 300, 300, "о", 93))
    before = LineFigures.of(first_words, [0.4, 0.9], "rus")
    assert (before.known, before.unknown) == (0, 1)
    right = tuple(replace(w, text=t) for w, t in zip(first_words, ("СПРАВКА", "о"), strict=True))
    fixed = LineFigures.of(right, [0.9, 0.9], "rus")
    assert (fixed.known, fixed.unknown) == (1, 0)
    rule = RereadRule(60, 0.2, unknown_letters=4, known_gain=1, known_net_gain=0.0)
    assert "net rate" in rule.replaces(before, fixed)  # far likelier right: as for any line
    fixed = replace(fixed, net_rate=before.net_rate + 0.1)  # a gain under the net rate's
    assert "lexicon knows" in rule.replaces(before, fixed, lexicon=True)
    # not for a doubtful line unless the rule says so, nor without the trigger
    assert not rule.replaces(before, fixed, lexicon=False)
    assert not RereadRule(60, 0.2).replaces(before, fixed, lexicon=True)
    # the estimate must not prefer the first by more than the rule allows
    worse = replace(fixed, net_rate=before.net_rate - 0.1)
    assert not rule.replaces(before, worse, lexicon=True)
    assert replace(rule, known_net_gain=-0.2).replaces(before, worse, lexicon=True)
    # a reading still in doubt, or as unknown, replaces nothing
    assert not rule.replaces(before, replace(fixed, min_confidence=55), lexicon=True)
    assert not rule.replaces(before, replace(fixed, unknown=1), lexicon=True)
    # decide: only the rule's unknown scales are read for such a line
    readings = [
        LineReading(1.0, right, replace(fixed, net_rate=before.net_rate)),
        LineReading(0.5, right, replace(fixed, net_rate=before.net_rate)),
    ]
    rule = replace(rule, scales=(1.0, 0.5), unknown_scales=(0.5,))
    v, why, confirms = rule.decide(first_words, before, readings, unknown=True)
    assert v == 1 and "scale 0.5" in why and not confirms
    assert rule.decide(first_words, before, readings).taken == -1  # as a doubtful line
    assert replace(rule, known_doubtful=True).decide(first_words, before, readings).taken == 0


def test_the_lines_read_again_are_the_doubtful_and_a_few_with_unknown_words() -> None:
    from ocr.readings import reread_candidates

    words = [
        _word(1, 1, 1, 100, 100, "ЕПРАВКА", 91),
        _word(1, 2, 1, 100, 200, "дома", 30),
        _word(1, 3, 1, 100, 300, "ТРУДАИ", 88),
    ]
    rule = RereadRule(60, 0.2, unknown_letters=4, max_unknown_lines=2)
    assert rule.read_scales == (1.0, 0.5)
    lines, unknown = reread_candidates(words, "rus", below=60, rule=rule)
    assert lines == [(0,), (1,), (2,)] and unknown == {0, 2}
    assert [rule.line_scales(unknown=k in unknown) for k in range(3)] == [
        (0.5,),
        (1.0,),
        (0.5,),
    ]
    # a page with more such lines than the rule's most is not one of a few misreadings
    few = replace(rule, max_unknown_lines=1)
    assert reread_candidates(words, "rus", below=60, rule=few) == ([(1,)], frozenset())
    # a page with no doubtful line has no run of lines for them to join: none is read,
    # unless the rule reads them alone
    sure = [words[0], replace(words[1], conf=90), words[2]]
    assert reread_candidates(sure, "rus", below=60, rule=rule) == ([], frozenset())
    alone = replace(rule, unknown_alone=True)
    assert reread_candidates(sure, "rus", below=60, rule=alone) == ([(0,), (2,)], {0, 1})
    # without the trigger: the doubtful lines only
    assert reread_candidates(words, "rus", below=60, rule=RereadRule(60, 0.2)) == (
        [(1,)],
        frozenset(),
    )


def _tuning_page_030(tmp_path: Path):  # type: ignore[no-untyped-def]
    """``ocr synth`` page synth-030 of the review benchmark's tuning seed 2101: its grey image,
    the reading input of the page as loaded and a Russian TSV call."""
    import cv2

    from ocr.geometry import PageGeometry
    from ocr.readings import OcrCall, ReadingInput
    from tests.test_review_clean import _render

    image = _render(tmp_path, "synth-030-light-colour-typed", seed=2101) / (
        "synth-030-light-colour-typed.jpg"
    )
    grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
    assert grey is not None
    source = ReadingInput("original", image, PageGeometry.identity(*grey.shape[:2]), None)
    return grey, source, OcrCall("rus", 3, 1, 120, ("tsv",), False)


@pytest.mark.integration
@needs_tesseract
def test_a_confident_misreading_is_read_again_for_its_unknown_word(tmp_path: Path) -> None:
    """``ocr synth`` page (review benchmark tuning seed 2101): stock tesseract reads "прошлого"
    as "прощлого" surely (no word of its line under 60), so the line is not doubtful; the word
    is no word the Russian lexicon knows, so the shipped rule reads the line again alone, and
    the reading with the word the lexicon knows replaces it. Without the lexicon's trigger the
    line is not read again."""
    from ocr.readings import choice_rules, read, repair

    grey, source, call = _tuning_page_030(tmp_path)
    first = read(source, tmp_path / "page", call)
    (misread,) = [w for w in first.words if w.text == "прощлого"]
    line = [w for w in first.words if w.line_key == misread.line_key]
    assert min(w.conf for w in line) >= 60  # a confident line: not doubtful
    rule = choice_rules().reread
    assert rule is not None and rule.unknown_letters is not None
    repaired, again, choices = repair(
        first, tmp_path / "page", call, below=60, rule=rule, load_grey=lambda _: grey
    )
    assert again is not None
    fixed = [w.text for w in repaired.words if w.line_key == misread.line_key]
    assert "прошлого" in fixed and "прощлого" not in fixed, fixed
    (chosen,) = [c for c in choices if c.kept == "lines" and "lexicon" in c.reason]
    assert chosen.box.top <= misread.box.top <= chosen.box.bottom
    # the same page without the lexicon's trigger: the line stays as stock read it
    off = replace(rule, unknown_letters=None)
    (tmp_path / "off").mkdir()
    first = read(source, tmp_path / "off" / "page", call)
    unrepaired, _, _ = repair(
        first, tmp_path / "off" / "page", call, below=60, rule=off, load_grey=lambda _: grey
    )
    assert "прощлого" in [w.text for w in unrepaired.words]


def test_a_rule_file_with_no_scale_for_the_unknown_lines_is_refused() -> None:
    from ocr.readings import _reread_rule

    data = {"min_confidence": 60, "net_gain": 0.2, "unknown_letters": 6, "unknown_scales": []}
    with pytest.raises(ValueError, match="one or more numbers"):
        _reread_rule(data)
    rule = _reread_rule({**data, "unknown_scales": [0.5], "max_unknown_lines": 6})
    assert rule is not None and rule.read_scales == (1.0, 0.5) and rule.unknown_letters == 6


@pytest.mark.integration
@needs_tesseract
def test_a_page_keeps_its_first_reading_when_tesseract_dies_on_a_line_crop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract can die on a crop of noise (a SIGFPE was seen on two EHRI pages): the lines are
    only a bettering, so the page keeps its first reading, whole, and does not fail."""
    import ocr.readings as readings
    from ocr.exceptions import OcrEngineError
    from ocr.readings import choice_rules, read, repair

    grey, source, call = _tuning_page_030(tmp_path)
    first = read(source, tmp_path / "page", call)
    text = first.output.tsv.read_text(encoding="utf-8")

    def dies(*_: object, **__: object) -> None:
        raise OcrEngineError("tesseract died (signal 8, SIGFPE)", path=source.image)

    monkeypatch.setattr(readings, "read_lines", dies)
    rule = choice_rules().reread
    assert rule is not None
    kept, again, choices = repair(
        first, tmp_path / "page", call, below=60, rule=rule, load_grey=lambda _: grey
    )
    assert kept is first and again is None and choices == ()
    assert first.output.tsv.read_text(encoding="utf-8") == text


def stock_words(image: Path, out_base: Path) -> list[Word]:
    """The words of ``image`` as stock tesseract reads it (rus, psm 3), from its TSV."""
    from ocr.tesseract import read_words, run_ocr

    stock = run_ocr(
        image,
        out_base,
        languages="rus",
        psm=3,
        oem=1,
        dpi=None,
        timeout=120,
        formats=("tsv",),
    )
    return list(read_words(stock.tsv))


def read_alone(
    image: Path, line: Sequence[Word], out_stem: Path, variants: Sequence[float | Variant]
) -> list[tuple[Word, ...]]:
    """The words of ``line`` of ``image`` read alone in each of ``variants`` (one tesseract
    run of its crops, rus, as ocr.readings reads them), in the variants' order."""
    import cv2

    from ocr.linereads import read_lines

    grey = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
    assert grey is not None
    _, again = read_lines(
        grey,
        line_crops([line], *grey.shape[:2]),
        out_stem,
        languages="rus",
        oem=1,
        dpi=None,
        timeout=120,
        choices=False,
        scales=variants,
    )
    return [tuple(w for w in again if w.par == v) for v in range(1, len(variants) + 1)]
