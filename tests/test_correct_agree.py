"""Word endings from their neighbours (ocr/correct/agree.py): relations, agreement, the learned
table's counts and ratios, and how a reading's ending is weighed against the one read."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import default_lexicon, suggest  # noqa: E402
from ocr.correct.agree import (  # noqa: E402
    AGREE_TABLE,
    Context,
    context,
    count_agreement,
    count_government,
    ending_pair,
    governed,
    load_agreement,
    other_forms,
    ratios,
    read_agreement,
    status,
    write_agreement,
)
from ocr.correct.tokens import chunks  # noqa: E402

pytestmark = pytest.mark.unit


def test_an_ending_pair_shares_all_but_its_last_letters() -> None:
    assert ending_pair("года", "годе") and ending_pair("новой", "новом")
    assert ending_pair("флот", "флота")
    assert not ending_pair("года", "года")
    assert not ending_pair("фото", "флота")  # differs inside its stem
    assert not ending_pair("работа", "работниками")  # more than an ending apart


def test_a_comma_breaks_the_phrase() -> None:
    found = chunks("новой, заводе и новом заводе")
    assert context(found, 0) == Context(None, None)
    assert context(found, 1) == Context(None, "и")
    assert context(found, 4) == Context("новом", None)


def test_adjective_noun_and_preposition_agreement() -> None:
    lexicon = default_lexicon()
    governs = {"к": frozenset({"datv"})}
    assert status(lexicon, "новом", Context(None, "заводе"), governs) == ("adj-noun", True)
    assert status(lexicon, "новой", Context(None, "заводе"), governs) == ("adj-noun", False)
    assert status(lexicon, "заводе", Context("новом", None), governs) == ("noun-adj", True)
    assert status(lexicon, "заводу", Context("к", None), governs) == ("prep", True)
    assert status(lexicon, "заводом", Context("к", None), governs) == ("prep", False)
    assert status(lexicon, "быстро", Context(None, "заводе"), governs) is None


def test_counts_say_true_words_agree_more_often_than_their_other_forms(tmp_path: Path) -> None:
    lexicon = default_lexicon()
    texts = ["Директор нового завода пришел к директору завода.", "В новом цехе работа идет."]
    government = count_government(lexicon, texts)
    assert government["к", "datv"] == 1 and government["в", "loct"] == 1
    governs = governed(government, share=0.02)
    counts = count_agreement(lexicon, texts, governs)
    assert counts["truth", "adj-noun", True] == 1  # нового завода
    assert counts["truth", "prep", True] == 2  # к директору; в новом (a preposition first)
    assert counts["truth", "adj-noun", False] == 0
    assert counts["other", "adj-noun", False] > counts["other", "adj-noun", True]
    learned = ratios(counts)
    assert learned["adj-noun", True] > 0 > learned["adj-noun", False]
    table = tmp_path / "agree.tsv"
    write_agreement(table, government, counts, ["test"])
    back = read_agreement(table)
    assert back.governs == governs and back.ratio == pytest.approx(learned)


def test_a_case_a_preposition_rarely_takes_is_not_governed() -> None:
    counts = Counter({("в", "loct"): 98, ("в", "accs"): 1, ("на", "accs"): 3})
    assert governed(counts, share=0.02) == {"в": frozenset({"loct"}), "на": frozenset({"accs"})}


def test_the_shipped_table_weighs_an_agreeing_ending_up() -> None:
    lexicon = default_lexicon()
    table = load_agreement(AGREE_TABLE)
    near = Context("речного", None)
    up, same, far = table.shifts(lexicon, "флоте", ["флота", "флоте", "фото"], near)
    assert up > 0 and same == 0.0 and far == 0.0  # фото is not an ending apart
    assert table.shifts(lexicon, "флота", ["флоте"], near)[0] == pytest.approx(-up)
    assert table.shifts(lexicon, "флота", ["флоте"], Context(None, None)) == [0.0]
    assert "новом" in other_forms(lexicon, "новой")


def test_an_unknown_word_s_ending_follows_its_neighbour() -> None:
    found = suggest("в министерстве речного флото")
    best = {s.original: s.best for s in found}
    assert best["флото"] is not None and best["флото"].text == "флота"
    assert next(s for s in found if s.original == "флото").features["agreement"] > 0
