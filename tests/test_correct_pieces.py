"""Post-OCR correction where OCR tore words apart or confused letter case (heavy pages)."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import CorrectionSettings, apply, suggest  # noqa: E402
from ocr.correct.tokens import tokenize  # noqa: E402

pytestmark = pytest.mark.unit


def _best(text: str, word: str, **settings) -> float:
    found = [s for s in suggest(text, settings=CorrectionSettings(**settings) if settings else None)
             if s.original == word]
    assert found and found[0].best is not None
    return found[0].best.score


@pytest.mark.parametrize("text", ["прач.нах", "судоремон”тного", "мес:чным", "гроцент®в"])
def test_marks_inside_a_word_make_both_sides_pieces(text):
    assert all(t.broken for t in tokenize(text))


@pytest.mark.parametrize("text", ["дали. Неоднократные", "дали.Неоднократные", "Г.Н.Петров",
                                  "слово, другое", "научно-исследовательский"])
def test_sentence_ends_initials_and_hyphens_are_not_pieces(text):
    assert not any(t.broken for t in tokenize(text))


def test_a_piece_glued_by_marks_is_left_alone():
    text = "объяснение о прач.нах срыва задания"
    assert apply(text).text == text


def test_a_word_split_before_a_sentence_end_is_joined():
    result = apply("по доменному и мартеновскому произ водству. Все они")
    assert "производству." in result.text
    assert [c.kind for c in result.changes] == ["join"]


def test_capitals_inside_a_known_word_are_made_small():
    result = apply("высоко ценят правительство стРаны пребывания")
    assert result.text == "высоко ценят правительство страны пребывания"
    assert result.changes[0].kind == "case"


@pytest.mark.parametrize("text", ["решения ЦК КПСС и Совета Министров СССР",
                                  "мощность 5 кВт на станции"])
def test_all_capitals_and_abbreviations_keep_their_case(text):
    assert apply(text).text == text


def test_a_misread_word_with_noisy_capitals_takes_the_sentence_case():
    assert apply("доложить о приказе МИнИстГа связи").text == "доложить о приказе министра связи"


def test_a_capital_the_text_uses_elsewhere_is_kept():
    text = "постановление Совета Министров и решение МИнИстров связи"
    assert "Министров связи" in apply(text).text


def test_a_correction_beside_a_fragment_is_less_sure():
    alone = _best("обеспечить тмичную работу цехов", "тмичную")
    beside = _best("обеспечить ри тмичную работу цехов", "тмичную")
    assert beside < alone
    assert beside < 0.95  # not applied by default


def test_a_two_letter_token_is_doubted():
    text = "он нё сделал этого"
    assert _best(text, "нё") < _best(text, "нё", short_keep=0.0)


def test_inner_capitals_of_a_word_inside_a_sentence_go_small_at_its_start_too():
    assert apply("во исполнение ПРиказа министра").text == "во исполнение приказа министра"


@pytest.mark.parametrize("text", ["с пРи влечением местных кадров", "решение тоЕ было"])
def test_short_pieces_with_inner_capitals_are_left_alone(text):
    assert apply(text).text == text
