"""Post-OCR correction of words OCR broke with marks between their letters."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import apply, suggest, undo  # noqa: E402
from ocr.correct.glued import GLUED, mark_costs  # noqa: E402

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "fixed"), [
    ("улучшения рабо”“ы завода", "улучшения работы завода"),
    ("ремонт судоремон”тного завода", "ремонт судоремонтного завода"),
    ("в соответствии с мес:чным планом", "в соответствии с месячным планом"),
])
def test_marks_between_letters_are_read_as_letters(text, fixed):
    result = apply(text)
    assert result.text == fixed
    assert [c.kind for c in result.changes] == ["glued"]
    assert undo(result) == text


def test_a_glued_word_keeps_its_capital():
    assert apply("Рабо”“ы завода").text == "Работы завода"


@pytest.mark.parametrize("text", ["В.Г. Сорокин", "Г.Сорокин", "т.е. так", "зав.отделом кадров",
                                  "слово,другое", "и.о. директора"])
def test_initials_abbreviations_and_missing_spaces_are_left_alone(text):
    assert apply(text).text == text


def test_protected_pieces_are_left_alone():
    text = "улучшения рабо”“ы завода"
    assert apply(text).text != text
    assert apply(text, names=["Рабо"]).text == text


def test_glued_word_is_one_suggestion_with_candidates():
    found = [s for s in suggest("объяснение о прач.нах срыва") if s.original == "прач.нах"]
    assert found and found[0].best is not None and found[0].best.text == "причинах"


def test_glued_pattern_needs_a_small_letter_after_the_mark():
    assert GLUED.fullmatch("мес:чным") and not GLUED.fullmatch("В.Г")


def test_measured_marks_cost_less_for_their_measured_letters():
    costs = dict(mark_costs("’", ceiling=7.0))
    assert costs["у"] < costs["ф"] <= 7.0
    assert all(c >= 1.0 for c in costs.values())
