"""Post-OCR correction of a capital first letter OCR made up inside a sentence."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import apply, suggest, undo  # noqa: E402

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "fixed"), [
    ("поставлено под угрозу Выполнение плана", "поставлено под угрозу выполнение плана"),
    ("опыт работы в Работе бригад", "опыт работы в работе бригад"),
    ("утвердить план Ремонта жилого дома", "утвердить план ремонта жилого дома"),
])
def test_a_made_up_capital_inside_a_sentence_is_made_small(text, fixed):
    result = apply(text)
    assert result.text == fixed
    assert [c.kind for c in result.changes] == ["case"]
    assert undo(result) == text


@pytest.mark.parametrize("text", [
    "отдел стран Дальнего Востока",  # a capitalised word follows
    "отдел стран Дальнего\nВостока",  # ... on the next line
    "колхозы Камчатской области",  # an adjective made of a place name
    "колхоз имени Кирова",  # after a word that introduces a name
    "деревни Лесная и Ягодное",
    "исполком районного Совета депутатов",  # capitalised by the period's usage
    "по приглашению Союза чехословацко-советской дружбы",
    "Приказ. Выполнение плана",  # a sentence start
    "запись\nВыполнение плана",  # a line start
    "сказал: «Работа идет»",  # after a quote
    "передал Экз. единственный",  # an abbreviation
    "сообщить ответ Иванову",  # a proper name
])
def test_names_sentence_starts_and_usage_keep_the_capital(text):
    assert apply(text).text == text


def test_a_word_capitalised_twice_in_the_text_keeps_its_capital():
    text = "решение Комиссии принято, состав Комиссии утвержден"
    assert apply(text).text == text


def test_protected_words_keep_the_capital():
    text = "поставлено под угрозу Выполнение плана"
    assert apply(text, names=["Выполнение"]).text == text


def test_the_case_fix_is_a_suggestion_with_its_kind():
    found = [s for s in suggest("опыт работы в Работе бригад") if s.original == "Работе"]
    assert found and found[0].best is not None
    assert (found[0].best.text, found[0].best.kind) == ("работе", "case")


def test_komi_lines_are_left_alone():
    text = "Колхозъяс Ӧні уджалӧны Бурджык\nмед Вӧлі кык Ворсӧм"
    assert apply(text).text == text


def test_a_hyphenated_name_keeps_the_capital_of_each_part():
    assert apply("прибыл в Улан-Удэ поездом").text == "прибыл в Улан-Удэ поездом"


def test_capitals_inside_a_part_of_a_hyphenated_word_go_small():
    assert apply("прибыл в Улан-УдЭ поездом").text == "прибыл в Улан-Удэ поездом"
