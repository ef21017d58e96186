"""Post-OCR correction beside torn words, and the first letter's case of a correction."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import CorrectionSettings, suggest  # noqa: E402
from ocr.correct.scoring import match_case  # noqa: E402

pytestmark = pytest.mark.unit


def _candidates(text: str, word: str, **settings) -> list[str]:
    found = [s for s in suggest(text, settings=CorrectionSettings(**settings) if settings else None)
             if s.original == word]
    assert found
    return [c.text for c in found[0].candidates]


def _keep(text: str, word: str, **settings) -> float:
    found = [s for s in suggest(text, settings=CorrectionSettings(**settings) if settings else None)
             if s.original == word]
    assert found
    return found[0].keep_score


def test_a_word_is_split_when_its_neighbours_are_words():
    assert _candidates("выполнить отремонт зерносушилки", "отремонт")[0] == "от ремонт"


def test_no_split_beside_an_unknown_word_the_piece_may_belong_to():
    candidates = _candidates("выполнить отремонт ировать зерносушилки", "отремонт")
    assert not any(" " in c for c in candidates)


def test_right_as_read_is_likelier_beside_an_unknown_word():
    text = "выполнить отремонт ировать зерносушилки"
    assert _keep(text, "отремонт") > _keep(text, "отремонт", torn_keep=0.0)


def test_a_new_first_letter_at_a_sentence_start_is_a_capital():
    assert _candidates("Итоги. роверкой установлено, что план выполнен", "роверкой")[0] == "Проверкой"


def test_a_new_first_letter_inside_a_sentence_stays_small():
    assert _candidates("план. Комиссия роверкой установила", "роверкой")[0] == "проверкой"


@pytest.mark.parametrize(("original", "word", "cased"), [
    ("0бком", "обком", "Обком"), ("1ульской", "тульской", "Тульской"), ("6ыл", "был", "был"),
])
def test_a_digit_read_for_a_first_letter_gives_its_case(original, word, cased):
    assert match_case(original, word) == cased
