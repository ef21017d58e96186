"""Post-OCR correction of words with marks glued to their first or last letter."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import apply, suggest, undo  # noqa: E402
from ocr.correct.edges import EDGE, MEASURED  # noqa: E402
from ocr.correct.glued import mark_costs, pooled  # noqa: E402

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "fixed"), [
    ("Директор зазода‘'", "Директор завода"),  # marks read as nothing are dropped
    ("‘объязить выговор начальнику цеха", "объявить выговор начальнику цеха"),
])
def test_marks_at_a_words_edge_are_read(text, fixed):
    result = apply(text)
    assert result.text == fixed
    assert [c.kind for c in result.changes] == ["glued"]
    assert undo(result) == text


def test_a_mark_may_stand_for_the_last_letter():
    best = {s.original: s.best.text for s in suggest("работает на фабрих® Победа") if s.best}
    assert best["фабрих®"] == "фабрике"  # ® is е more often than nothing at a word's end


def test_the_edge_readings_are_the_measured_ones():
    pool = pooled(MEASURED)
    costs = dict(mark_costs("®", ceiling=7.0, pool=pool))
    assert costs["е"] < costs["у"]
    assert dict(mark_costs('"', ceiling=7.0, pool=pool))[""] == 1.0  # MIN_COST


@pytest.mark.parametrize("text", ['колхоз "Заря" и теплоход "Максимка"', "колхоз “Максимка”",
                                  "слово, другое."])
def test_words_in_quotation_marks_are_left_alone(text):
    assert apply(text).text == text


def test_protected_words_with_marks_are_left_alone():
    assert apply("Директор Зазода‘'", names=["Зазода"]).text == "Директор Зазода‘'"


def test_edge_pattern():
    found = [(m.group("lead"), m.group("core"), m.group("trail"))
             for m in EDGE.finditer("фабрих® ‘объязить рождени7, слово ра”бота")]
    assert found == [("", "фабрих", "®"), ("‘", "объязить", None), ("", "рождени", "7"),
                     ("", "слово", None)]
