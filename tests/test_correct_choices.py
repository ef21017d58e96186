"""Tesseract's character confidences and alternatives as evidence for correction
(ocr.correct.choices). The records are tesseract's own, copied from the hOCR (lstm_choice_mode=2,
hocr_char_boxes=1) of heavy pages of the `ocr synth` tuning set, seed 8."""

from __future__ import annotations

import pytest

from ocr.correct import apply, suggest
from ocr.correct.choices import (
    CharChoice,
    alternative_cost,
    edit_shift,
    position_costs,
    text_choices,
)

# Truth "время", "труда" and "всякого": tesseract's reading, then its alternatives per letter.
ERECHYA = [("э", 93.686485, (("з", 72.129654), ("в", 69.926376), ("о", 63.939754),
                             ("г", 43.026772), ("а", 42.444809))),
           ("р", 99.041222, ()),
           ("е", 98.842972, (("ё", 27.523279), ("а", 19.770861), ("в", 12.295895))),
           ("ч", 98.345512, (("м", 48.729797),)),
           ("я", 98.251045, (("и", 47.990685), ("у", 44.382229), ("е", 41.133781),
                             ("х", 37.472595), ("т", 35.407902)))]
TRUMA = [("т", 97.957527, (("Т", 9.2656708), ("г", 0.0))),
         ("р", 99.039352, ()),
         ("у", 99.009262, ()),
         ("м", 95.373299, (("х", 61.136475), ("ш", 47.536156), ("й", 45.614738),
                           ("д", 43.164017), ("ж", 40.439297))),
         ("а", 98.176308, (("ё", 0.0),))]
TULSKOY = [("1", 82.653046, (("ф", 49.477352), ("т", 41.183426), ("З", 38.713299),
                             ("з", 38.177406), ("д", 66.62719))),
           ("у", 97.497147, ()),
           ("л", 98.311615, (("п", 0.0), ("д", 0.0), ("Л", 0.0), ("т", 0.0), ("р", 0.0))),
           ("ь", 98.937675, (("к", 0.0), ("Ь", 0.0), ("в", 0.0), ("ю", 0.0), ("ы", 0.0))),
           ("с", 98.968948, (("С", 0.0),)), ("к", 99.025398, (("К", 0.0),)),
           ("о", 98.749092, (("О", 0.0),)), ("й", 98.939674, ())]


def choices_for(text: str, records: dict[str, list]) -> dict[int, CharChoice]:
    """Choices for the words of ``text`` that ``records`` has (the others have none)."""
    spans, words, recs = [], [], []
    pos = 0
    for word in text.split():
        start = text.index(word, pos)
        pos = start + len(word)
        if word in records:
            spans.append((start, pos))
            words.append(word)
            recs.append(records[word])
    return text_choices(spans, words, recs)


def test_an_edit_costs_more_the_surer_tesseract_was_of_the_letter() -> None:
    assert edit_shift(80.0) < edit_shift(96.0) < edit_shift(98.5) < 0 < edit_shift(99.57)
    # Alternatives of a letter read at 99.1 or more were almost never the truth: not offered.
    assert alternative_cost(99.5, 60.0) is None
    assert alternative_cost(90.0, 60.0) < alternative_cost(90.0, 0.0)


def test_position_costs_list_other_letters_and_leave_out_case_twins_and_marks() -> None:
    marks = position_costs(choices_for("трума", {"трума": TRUMA}), 0, "трума")
    assert marks is not None
    offered = dict(marks.alternatives[3])
    assert {"х", "ш", "й", "д", "ж"} <= set(offered)
    assert marks.alternatives[0] == (("г", alternative_cost(97.957527, 0.0)),)  # not "Т"
    assert marks.shift[1] > 0 > marks.shift[3]  # р at 99.04 is surer than м at 95.4


def test_no_costs_for_a_word_tesseract_said_nothing_of() -> None:
    assert position_costs({}, 0, "трума") is None
    choices = choices_for("в это трума", {"трума": TRUMA})
    assert position_costs(choices, 0, "в") is None


def test_text_choices_skip_a_record_that_spells_another_word() -> None:
    assert text_choices([(0, 5)], ["трума"], [ERECHYA]) == {}
    assert text_choices([(0, 5)], ["трума"], []) == {}  # counts differ: nothing
    got = text_choices([(2, 7)], ["трума"], [TRUMA])
    assert sorted(got) == [2, 3, 4, 5, 6]
    assert got[5].conf == pytest.approx(95.373299)


@pytest.mark.parametrize(("text", "word", "records", "expected"), [
    ("в это эречя года", "эречя", ERECHYA, "в это время года"),
    ("он сказал что эречя прошло", "эречя", ERECHYA, "он сказал что время прошло"),
    ("он сказал что трума прошло", "трума", TRUMA, "он сказал что труда прошло"),
])
def test_tesseracts_alternatives_fix_words_the_text_alone_cannot(
        text: str, word: str, records: list, expected: str) -> None:
    assert apply(text).text != expected
    corrected = apply(text, choices=choices_for(text, {word: records}))
    assert corrected.text == expected
    assert [c.original for c in corrected.changes] == [word]


def test_a_doubtful_letter_makes_its_correction_surer_than_a_sure_one() -> None:
    text = "он сказал что прогерка прошла"
    sure = [(c, 99.57, ()) for c in "прогерка"]
    doubtful = [(c, 99.57, ()) if c != "г" else (c, 90.0, (("в", 60.0),)) for c in "прогерка"]

    def score(records: list) -> float:
        found = suggest(text, choices=choices_for(text, {"прогерка": records}))
        best = next(s for s in found if s.original == "прогерка").best
        assert best is not None and best.text == "проверка"
        return best.score

    assert score(doubtful) > score(sure)


@pytest.mark.parametrize(("text", "expected"), [
    ("перешли на новую 7труктуру работы", "перешли на новую структуру работы"),
    ("лучшие доярки совхоза 2апасных нет", "лучшие доярки совхоза запасных нет"),
    ("0бком партии считает", "Обком партии считает"),
    # A place adjective keeps its capital (Тульской, as Камчатской).
    ("в колхозах 1ульской области", "в колхозах Тульской области"),
])
def test_a_digit_read_for_a_first_letter_gives_a_capital_only_where_one_belongs(
        text: str, expected: str) -> None:
    assert apply(text, choices=choices_for(text, {"1ульской": TULSKOY})).text == expected


def test_pieces_of_a_torn_word_are_searched_with_both_pieces_doubts() -> None:
    from ocr.correct import default_lexicon, load_confusions, search

    text = "план по произ водсгву выполнен"
    pieces = {"произ": [(c, 99.57, ()) for c in "произ"],
              "водсгву": [(c, 99.0, ()) if c != "г" else (c, 92.0, (("т", 60.0),))
                          for c in "водсгву"]}
    choices = choices_for(text, pieces)
    head = position_costs(choices, text.index("произ"), "произ")
    tail = position_costs(choices, text.index("водсгву"), "водсгву")
    assert head is not None and tail is not None
    joined = head + tail
    assert len(joined.shift) == len(joined.alternatives) == len("производсгву")
    assert dict(joined.alternatives[len("производс")]) == {"т": alternative_cost(92.0, 60.0)}
    lexicon, table = default_lexicon(), load_confusions()
    plain = search("производсгву", lexicon=lexicon, table=table)["производству"]
    doubted = search("производсгву", lexicon=lexicon, table=table, marks=joined)["производству"]
    assert doubted < plain
