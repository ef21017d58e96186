"""The word vote across a doubtful line's readings (ocr.linereads.RereadRule.vote, issue 20):
a word the lexicon does not know ("объясиению", a bold face's "н" read "и") fixed by a
reading that changes nothing else."""

from __future__ import annotations

from dataclasses import replace

from ocr.linereads import (
    LineFigures,
    LineReading,
    RereadRule,
    a_word,
    case_pattern,
    edit_distance,
    plausible_case,
)
from ocr.readings import choice_rules
from ocr.records import Box
from ocr.tesseract import Word

RULE = RereadRule(60.0, 0.2, scales=(1.0, 0.5), grey_scales=(0.5,), vote_distance=2)


def _line(*texts: str, conf: float = 90.0, confs: tuple[float, ...] = ()) -> tuple[Word, ...]:
    return tuple(
        Word(1, 1, 1, n + 1, Box(10 + 120 * n, 10, 100, 30), confs[n] if confs else conf, t)
        for n, t in enumerate(texts)
    )


def _reading(words: tuple[Word, ...], scale: float = 1.0, grey: bool = False) -> LineReading:
    # figures no other test of the rule takes: net rate no better, no lexicon counts
    return LineReading(scale, words, LineFigures(0.1, 10.0, 30, 28, languages="rus"), grey)


BEFORE = LineFigures(0.5, 40.0, 30, 28, languages="rus")
FIRST = _line("По", "объясиению", "старшего", "сотрудника", confs=(93, 92, 96, 40))


def test_the_edit_distance_and_the_case_patterns() -> None:
    assert edit_distance("объясиению", "объяснению") == 1
    assert edit_distance("тоин", "тонн") == 1
    assert edit_distance("abc", "") == 3
    assert edit_distance("kitten", "sitting") == 3
    assert [case_pattern(t) for t in ("слово", "СЛОВО", "Слово", "СлОво", "42")] == [
        "lower",
        "upper",
        "title",
        "mixed",
        "",
    ]
    assert plausible_case("Слово", "Слава")
    assert not plausible_case("Слово", "слава")  # capitals kept
    assert plausible_case("СлОво", "слово")


def test_an_unknown_word_is_fixed_by_a_reading_that_changes_nothing_else() -> None:
    fixed = _reading(_line("По", "объяснению", "старшего", "сотрудника", conf=30), 0.5, True)
    other = _reading(_line("По", "объяснению", "старшего", "сотрудиика"))  # a known word lost
    verdict = RULE.decide(FIRST, BEFORE, [other, fixed])
    assert verdict.taken == 1
    assert "объясиению -> объяснению" in verdict.reason
    assert not verdict.confirms
    # the vote off: the same readings change nothing
    assert replace(RULE, vote_distance=None).decide(FIRST, BEFORE, [other, fixed]).taken == -1


def test_the_vote_never_changes_a_known_word_nor_a_capital_nor_a_far_word() -> None:
    known = _reading(_line("По", "объяснению", "старшему", "сотрудника"))
    capital = _reading(_line("По", "Объяснению", "старшего", "сотрудника"))
    far = _reading(_line("По", "объявлению", "старшего", "сотрудника"))  # 2 edits
    fewer = _reading(_line("По", "объяснению", "старшегосотрудника"))
    for reading in (known, capital, fewer):
        assert RULE.decide(FIRST, BEFORE, [reading]).taken == -1, reading.words
    assert RULE.decide(FIRST, BEFORE, [far]).taken == 0
    assert replace(RULE, vote_distance=1).decide(FIRST, BEFORE, [far]).taken == -1


def test_the_vote_asks_its_confidence_support_and_sure_words() -> None:
    unsure = _reading(_line("По", "объяснению", "старшего", "сотрудника", confs=(93, 30, 96, 40)))
    assert RULE.decide(FIRST, BEFORE, [unsure]).taken == 0
    assert replace(RULE, vote_confidence=40.0).decide(FIRST, BEFORE, [unsure]).taken == -1
    twice = [unsure, _reading(unsure.words, 0.5)]
    assert replace(RULE, vote_support=2).decide(FIRST, BEFORE, [unsure]).taken == -1
    assert replace(RULE, vote_support=2).decide(FIRST, BEFORE, twice).taken == 0
    # "старшего" read at 96 first, at 50 here: with vote_sure it must stay over 60
    less = _reading(_line("По", "объяснению", "старшего", "сотрудника", confs=(93, 90, 50, 40)))
    assert RULE.decide(FIRST, BEFORE, [less]).taken == 0
    assert replace(RULE, vote_sure=True).decide(FIRST, BEFORE, [less]).taken == -1


def test_without_a_lexicon_the_vote_changes_nothing() -> None:
    fixed = _reading(_line("По", "объяснению", "старшего", "сотрудника"))
    before = replace(BEFORE, languages="")
    assert RULE.decide(FIRST, before, [fixed]).taken == -1


def test_the_shipped_rule_reads_its_vote() -> None:
    rule = choice_rules().reread
    assert rule is not None
    assert rule.vote_distance in (None, 1, 2)
    assert rule.vote_support >= 1


def test_a_fix_is_a_whole_word_of_three_letters_or_more() -> None:
    langs = ("ru",)
    assert a_word("сотрудника,", langs) and a_word("(Рыбинск)", langs)
    # the lexicon judges "сче`оводом." by "оводом": not a word for the vote
    assert not a_word("сче`оводом.", langs)
    assert not a_word("на", langs)  # too short to trust the lexicon
    assert not a_word("объясиению", langs)
    first = _line("По", "счеъзоводом.", "старшего", "сотрудника", confs=(93, 92, 96, 40))
    marked = _reading(_line("По", "сче`оводом.", "старшего", "сотрудника"))
    assert RULE.decide(first, BEFORE, [marked]).taken == -1


def test_a_rule_file_names_the_vote() -> None:
    from ocr.readings import _reread_rule

    data = {"min_confidence": 60, "net_gain": 0.2}
    rule = _reread_rule(data)
    assert rule is not None and rule.vote_distance is None
    rule = _reread_rule(
        {
            **data,
            "vote_distance": 2,
            "vote_support": 2,
            "vote_confidence": 40.0,
            "vote_sure": True,
        }
    )
    assert rule is not None
    assert (rule.vote_distance, rule.vote_support, rule.vote_confidence, rule.vote_sure) == (
        2,
        2,
        40.0,
        True,
    )


def test_the_pipeline_puts_the_voted_reading_in_place() -> None:
    from ocr.readings import Reading, ReadingSummary, _repaired

    first_words = (*FIRST, replace(FIRST[0], line=2, box=Box(10, 60, 100, 30), text="дома"))
    # the line read alone at full size (crop 1, paragraph 1): the unknown word fixed, unsurely
    again_words = _line("По", "объяснению", "старшего", "сотрудника", confs=(93, 35, 96, 45))
    summary = ReadingSummary("original", 4, 5, 40, 80.0, None, 2.0, 1.0)
    first = Reading(None, None, first_words, summary, 0.0, (0.9, 0.2, 0.9, 0.5, 0.9))  # type: ignore[arg-type]
    again = Reading(None, None, again_words, summary, 0.0, (0.9, 0.3, 0.9, 0.5))  # type: ignore[arg-type]
    rule = RereadRule(60.0, 0.2, vote_distance=2)
    merged = _repaired(first, again, [(0, 1, 2, 3)], rule, languages="rus")
    assert [w.text for w in merged.words] == [
        "По",
        "объяснению",
        "старшего",
        "сотрудника",
        "дома",
    ]
    assert "word vote: объясиению -> объяснению" in merged.groups[0].reason
    # without the page's language the lexicon judges nothing: the line stays
    kept = _repaired(first, again, [(0, 1, 2, 3)], rule)
    assert [w.text for w in kept.words] == [w.text for w in first_words]
