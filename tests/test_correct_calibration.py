"""Post-OCR correction's honest posterior: the unknown truth's mass, the calibration table, the
page's noise, the page's own misreadings undone, words broken at a line end."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import apply, default_lexicon, load_channel, suggest  # noqa: E402
from ocr.correct.calibration import (  # noqa: E402
    CALIBRATION_TABLE,
    Calibration,
    Logistic,
    read_calibration,
    write_calibration,
)
from ocr.correct.channel import Channel  # noqa: E402
from ocr.correct.decode import variants  # noqa: E402
from ocr.correct.evidence import CharChoice  # noqa: E402
from ocr.correct.features import page_noise  # noqa: E402
from ocr.correct.tokens import chunks  # noqa: E402

pytestmark = pytest.mark.unit

SENTENCE = "Министерство просит сообщить о захазов и опублихования в срок."
PAGE = (
    "Комиссия в состлве тов. Чвлчовл (председлтель) и представителей обществеччости "
    "проверилл работу городских орглчизлций. " + SENTENCE
)


def read_at(text: str, conf: float) -> dict[int, CharChoice]:
    """Choices saying tesseract read every character of ``text`` at confidence ``conf``."""
    return {i: CharChoice(conf) for i, c in enumerate(text) if not c.isspace()}


def test_the_calibration_table_round_trips_and_says_where_it_comes_from(tmp_path: Path) -> None:
    models = {"other": {"bias": -2.0, "letters": -0.5}, "right": {"bias": 0.1, "posterior": 1.0}}
    write_calibration(tmp_path / "c.tsv", models, ["test"])
    read = read_calibration(tmp_path / "c.tsv")
    assert read.other is not None and read.other.weights == models["other"]
    assert read.right is not None and read.right.prob({"posterior": 0.0}) == pytest.approx(
        0.525, abs=1e-3
    )
    assert read_calibration(tmp_path / "missing.tsv") == Calibration()
    assert CALIBRATION_TABLE.read_text(encoding="utf-8").startswith("#")
    shipped = read_calibration(CALIBRATION_TABLE)
    assert shipped.other is not None and shipped.right is not None


def test_a_neutral_calibration_leaves_the_posterior_alone() -> None:
    neutral = Calibration()
    assert neutral.other_mass({"letters": 2.0}) == 0.0
    assert neutral.right_prob(0.93, {"posterior": 3.0}) == 0.93
    # a model may only move it by the features it reads
    model = Logistic({"bias": 0.0, "posterior": 1.0})
    assert model.prob({"posterior": 2.0}) > model.prob({"posterior": 0.0}) == 0.5


def test_the_unknown_truth_takes_mass_from_every_reading() -> None:
    """With the shipped models a reading's score and the text's as read never sum over one,
    and the same misreading is less sure on a page tesseract doubted all over."""
    for s in suggest(PAGE):
        assert sum(c.score for c in s.candidates) + s.keep_score <= 1 + 1e-9
        assert s.features["posterior"] != 0  # the calibration saw the raw posterior
    sure = {s.original: s.best.score for s in suggest(PAGE, choices=read_at(PAGE, 99.5))}
    doubted = {s.original: s.best.score for s in suggest(PAGE, choices=read_at(PAGE, 60.0))}
    assert doubted["захазов"] < sure["захазов"]


def test_a_garbled_page_gets_suggestions_rather_than_changes() -> None:
    sure = apply(PAGE, choices=read_at(PAGE, 99.5))
    garbled = apply(PAGE, choices=read_at(PAGE, 60.0))
    assert 2 * len(garbled.changes) <= len(sure.changes)
    assert len(garbled.changes) < len(suggest(PAGE, choices=read_at(PAGE, 60.0)))


def test_page_noise_is_measured_page_by_page() -> None:
    garbled = "Чвлчовл устлчозлечо форилльчо зАруботчля Цилт^ вндлется орглчизлций итериллов"
    text = SENTENCE + "\f" + garbled
    found = chunks(text)
    starts, noise = page_noise(text, found, default_lexicon(), load_channel(), {})
    assert starts == (0, len(SENTENCE) + 1)
    assert noise[0].unknown < 0.3 < noise[1].unknown
    assert not noise[0].has_choices
    doubted = {i: CharChoice(40.0) for i in range(len(SENTENCE))}
    _, noisy = page_noise(text, found, default_lexicon(), load_channel(), doubted)
    assert noisy[0].has_choices and noisy[0].doubted > 0.9


def test_the_page_s_misreadings_are_undone_in_its_words() -> None:
    counts = Counter(
        {
            ("char", "а", ""): 100,
            ("char", "н", ""): 100,
            ("char", "л", ""): 100,
            ("char", "ч", ""): 100,
            ("edit", "а", "л"): 60,
            ("edit", "н", "ч"): 40,
        }
    )
    channel = Channel(counts)
    assert channel.stands_for("л")[0][0] == "а" and channel.stands_for("ч")[0][0] == "н"
    assert channel.stands_for("о") == ()
    assert "организаций" in variants(channel, "орглчизлций", limit=16)
    assert variants(channel, "сорок", limit=16) == []


def test_a_word_broken_at_a_line_end_is_read_whole() -> None:
    right = "Министерство просит сооб-\nщить о заказах и научно-\nисследовательских работах."
    assert apply(right).changes == ()  # neither half alone is a word, the whole is
    misread = right.replace("щить", "щнть")
    result = apply(misread)
    assert result.text == right
    assert [c.kind for c in result.changes] == ["hyphen"]


def test_a_word_box_holding_more_letters_than_its_reading_is_measured() -> None:
    from ocr.correct.evidence import joined_layout, text_layout
    from ocr.correct.features import WIDTH_SPARE, width_short

    text = "сообщить работу 1более"
    # monospace: 20 px a letter; the last box is 8 letters wide, its reading 6 characters
    spans = [(0, 8), (9, 15), (16, 22)]
    boxes = [(0, 0, 160, 30), (180, 0, 120, 30), (320, 0, 160, 30)]
    layout = text_layout(text, spans, boxes)
    assert layout.slack == {8: 0.0, 15: 0.0, 22: 2.0}
    assert joined_layout([(text, layout), (text, layout)]).slack[22 + len(text) + 1] == 2.0
    assert width_short(None, 0) == 0.0
    assert width_short(2.0, 0) == 0.0  # within WIDTH_SPARE
    assert width_short(WIDTH_SPARE + 3.0, -1) == 4.0  # a reading a letter shorter still
    assert width_short(WIDTH_SPARE + 3.0, 3) == 0.0  # a reading that fills the box
    assert width_short(40.0, 0) == 5.0  # capped


def test_a_reading_far_shorter_than_its_word_box_is_scored_lower() -> None:
    """The shipped calibration weighs the box's unread letters against a reading (fitted on
    the calibration pages, round 18j): the same word read in a box that fits it and in a box
    five letters wider gets a lower score in the wider box."""
    import re

    from ocr.correct.evidence import text_layout

    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", PAGE)]
    word = next(i for i, (a, b) in enumerate(spans) if PAGE[a:b] == "состлве")
    choices = read_at(PAGE, 95.0)

    def score(extra: int) -> float:
        boxes = [
            (20 * a, 0, 20 * (b - a + (extra if i == word else 0)), 30)
            for i, (a, b) in enumerate(spans)
        ]
        found = suggest(PAGE, choices=choices, layout=text_layout(PAGE, spans, boxes))
        best = [s.best for s in found if s.original == "состлве"][0]
        assert best is not None and best.text == "составе"
        return best.score

    assert score(5) < score(0) - 0.05


def test_a_word_s_own_letters_are_measured_against_a_reading() -> None:
    """Round 18k's features of the word as read: how surely tesseract read the letters a
    reading rewrites, how much more Russian the reading's letters look, how often the page
    spells the word so."""
    from ocr.correct.features import LETTERS_GAIN, letters_gain, page_repeats, sure_edits

    channel = load_channel()
    sure, doubted = CharChoice(99.0), CharChoice(20.0, (("е", 15.0),))
    word = "тоневых"
    # the reading rewrites the second letter only
    assert sure_edits(word, "теневых", [sure] * 7, channel) == 1.0
    said = [sure, doubted, *[sure] * 5]
    assert sure_edits(word, "теневых", said, channel) == 0.0
    # a sure letter whose alternatives hold the new letter is not counted as sure
    offered = CharChoice(99.0, (("е", 30.0),))
    assert sure_edits(word, "теневых", [sure, offered, *[sure] * 5], channel) == 0.0
    assert sure_edits(word, "тоневых", [sure] * 7, channel) == 0.0  # no letter rewritten
    assert sure_edits(word, "теневых", [None] * 7, channel) == 0.0  # nothing said
    # a garble's letters gain much by the reading, a rare word's hardly any
    assert letters_gain("крозля", "кровля") > 1.0
    assert abs(letters_gain("тоневых", "теневых")) < 0.3
    assert letters_gain("дзух", "два дуга") == 0.0  # several words: not measured
    assert LETTERS_GAIN[0] <= letters_gain("кровля", "жжжщщ") <= LETTERS_GAIN[1]
    assert page_repeats(0) == page_repeats(1) == 0.0 < page_repeats(2) < page_repeats(3)


def test_a_suggestion_carries_its_word_s_own_evidence() -> None:
    text = "Рыбаки вышли на тоневые участки. На тоневых участках лов идет. Тоневых мест мало."
    choices = read_at(text, 99.0)
    found = [s for s in suggest(text, choices=choices) if s.features]
    assert found, "a word no list knows is questioned"
    for s in found:
        for name in ("sure_edits", "letters_gain", "page_repeats"):
            assert name in s.features
    repeated = [s for s in found if s.original.lower() == "тоневых"]
    assert all(s.features["page_repeats"] > 0 for s in repeated)
