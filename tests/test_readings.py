"""Choosing between readings without ground truth (ocr.readings, ocr.quality): when a reading is
doubtful, when another replaces it, and what provenance keeps."""

from __future__ import annotations

import pytest

from ocr.quality import dictionary_languages, quality_model, word_features, word_probabilities
from ocr.readings import (
    ChoiceRecord,
    ChoiceRules,
    ReadingSummary,
    better,
    choice_rules,
    doubt,
    summarise,
)
from ocr.records import Box
from ocr.tesseract import Word

pytestmark = pytest.mark.unit
RULES = ChoiceRules(
    doubt_rate=0.6,
    few_chars=0.25,
    frame_share=0.85,
    margin=0.05,
    min_chars=50,
    provenance="test",
    wrong_weight=1.0,
    missing_weight=0.0,
)


def _summary(name: str, chars: int, net: float) -> ReadingSummary:
    return ReadingSummary(name, 3, chars // 5, chars, 80.0, 0.9, net, 1.0)


def _words(*pairs: tuple[str, float]) -> list[Word]:
    return [
        Word(1, 1, 1, i + 1, Box(10 * i, 0, 9, 9), conf, text)
        for i, (text, conf) in enumerate(pairs)
    ]


def test_a_reading_is_doubtful_for_unlikely_words_few_letters_or_a_small_page() -> None:
    good = _summary("original", 1000, 800)
    assert doubt(good, ink_blobs=1000, paper_share=1.0, rules=RULES) == ""
    assert "net rate" in doubt(
        _summary("original", 1000, 300), ink_blobs=1000, paper_share=1.0, rules=RULES
    )
    assert "text blobs" in doubt(
        _summary("original", 100, 80), ink_blobs=1000, paper_share=1.0, rules=RULES
    )
    assert "paper" in doubt(good, ink_blobs=1000, paper_share=0.7, rules=RULES)


def test_another_reading_must_win_by_a_margin() -> None:
    first = _summary("original", 1000, 500)
    assert better(first, _summary("processed", 1000, 540), ink_blobs=900, rules=RULES) == ""
    assert "processed worth" in better(
        first, _summary("processed", 1000, 600), ink_blobs=900, rules=RULES
    )
    empty = _summary("original", 0, 0)  # nothing read: the margin is that of min_chars
    assert better(empty, _summary("processed", 30, 2), ink_blobs=0, rules=RULES) == ""
    assert better(empty, _summary("processed", 30, 20), ink_blobs=0, rules=RULES) != ""


def test_letters_the_ink_holds_and_a_reading_lacks_count_against_it() -> None:
    rules = ChoiceRules(0.6, 0.25, 0.85, 0.05, 50, "test", wrong_weight=0.5, missing_weight=1.0)
    short = _summary("original", 500, 100)  # reads half the page, mostly wrong words
    full = _summary("processed", 1000, 150)  # reads it all, a little better
    assert full.worth(ink_blobs=1000, rules=rules) > short.worth(ink_blobs=1000, rules=rules)
    assert better(short, full, ink_blobs=1000, rules=rules)
    assert not better(short, full, ink_blobs=0, rules=RULES)  # by the net alone it would lose


def test_words_a_dictionary_knows_and_tesseract_is_sure_of_score_higher() -> None:
    sure, unsure, junk = word_probabilities(
        _words(("maison", 95), ("maison", 40), ("xq#z", 95)), "fra"
    )
    assert sure > unsure and sure > junk and sure > 0.8
    assert dictionary_languages("rus+eng") == ("ru", "en") and dictionary_languages("xyz") == ()
    assert word_features("дом", 90, ("ru",))[1] == 1.0  # listed in the word list
    model = quality_model()
    assert model.for_languages("xyz") is model.without_dictionary
    assert "tuning pages" in model.provenance


def test_summaries_and_records_round_trip() -> None:
    summary = summarise(
        "original", _words(("Le", 96), ("chat", 93)), languages="fra", psm=3, seconds=0.5
    )
    assert summary.words == 2 and summary.chars == 6 and 0 < summary.net <= 6
    record = ChoiceRecord(
        "processed",
        (summary, _summary("processed", 500, 400)),
        "net rate 0.40 < 0.60",
        "processed net 400 > original net 3 + margin 25",
    )
    again = ChoiceRecord.from_json(record.as_json())
    assert again.kept == "processed" and again.tesseract_calls == 2
    assert again.readings[0].chars == summary.chars and again.doubt == record.doubt


def test_the_shipped_rules_come_with_their_provenance() -> None:
    rules = choice_rules()
    assert 0 < rules.doubt_rate < 1 and 0 < rules.margin < 1 and "tuning" in rules.provenance
