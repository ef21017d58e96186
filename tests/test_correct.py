"""Post-OCR correction of Russian typescript: script slips, confusions, names, Komi, audit trail."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import (  # noqa: E402
    CorrectionSettings,
    Lexicon,
    apply,
    confusions_from_counts,
    counts_from_pairs,
    learn_from_corrections,
    learn_from_references,
    load_confusions,
    suggest,
    undo,
)
from ocr.correct.tokens import is_roman_numeral, tokenize  # noqa: E402

pytestmark = pytest.mark.unit

# From shared/seed/ivanov-journal-1955-12-24.txt (Wilson Center Digital Archive), the 24 December
# entry with the typescript's readings (Петров, Пхеньян) where the archive's transcription errs.
ENTRY = (
    "Посетил Нам Ира. По просьбе последнего советником при научно-исследовательском институте "
    "земледелия тов. Сунцовым был подготовлен производственный план кооператива, над которым "
    "Нам Ир осуществляет шефство.\n"
    "На беседе присутствовал советник Посольства Петров и зав. консульским отделом Серегин.\n"
)
NAMES = ("Сунцов", "Сунцовым", "Серегин", "Нам Ир", "Нам Ира", "Пхеньян", "Хамкына")


def corrected(text: str, **options) -> str:
    return apply(text, **options).text


# --- script slips --------------------------------------------------------------------------------


def test_latin_letters_in_a_cyrillic_word_become_cyrillic() -> None:
    result = apply("Сoветский Союз")  # Latin "o"
    assert result.text == "Советский Союз"
    (change,) = result.changes
    assert (change.original, change.replacement, change.kind) == ("Сoветский", "Советский", "script")


def test_latin_twin_word_between_cyrillic_words() -> None:
    assert corrected("работа c участием колхозников") == "работа с участием колхозников"


def test_roman_numerals_are_kept() -> None:
    text = "в соответствии с указом от 29.XII.55 года, глава IV, раздел XII"
    assert corrected(text) == text
    assert is_roman_numeral("XII") and is_roman_numeral("IV")
    assert not is_roman_numeral("C") and not is_roman_numeral("Ha")


def test_whole_latin_words_are_kept() -> None:
    text = "Перевод: Gary Goldberg, Wilson Center Digital Archive."
    assert corrected(text) == text


# --- confusions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ocr", "truth"), [
    ("пpоизводственный", "производственный"),  # Latin p
    ("проuзводственный", "производственный"),  # Latin u for и
    ("нроизводственный", "производственный"),  # н for п
    ("зыполнен", "выполнен"),  # з for в
    ("цолжен", "должен"),  # ц for д
])
def test_confusion_driven_fix(ocr: str, truth: str) -> None:
    assert corrected(f"план {ocr} был") == f"план {truth} был"


def test_confusion_fix_keeps_capital() -> None:
    assert corrected("советник Посольства Петpов и") == "советник Посольства Петров и"
    # A capitalised unknown word may be a name: ranked, but not applied at the default threshold.
    (names,) = suggest("советник Посольства Летров и")
    assert names.candidates[0].text == "Петров"


def test_measured_table_overrides_the_default() -> None:
    base = load_confusions()
    measured = confusions_from_counts({("ж", "х"): 80, ("ж", "ж"): 920}, base=base)
    cost_default = dict(base.readings("х")).get("ж")
    cost_measured = dict(measured.readings("х"))["ж"]
    assert cost_default is not None and cost_measured < cost_default
    assert dict(measured.readings("н"))["п"] == dict(base.readings("н"))["п"]


def test_counts_from_reviewers_pairs() -> None:
    counts = counts_from_pairs([("нлан", "план"), ("зыполнен", "выполнен")])
    assert counts[("п", "н")] == 1 and counts[("в", "з")] == 1 and counts[("л", "л")] == 2


# --- hyphenation, splits and joins ---------------------------------------------------------------


def test_line_end_hyphenation_is_joined() -> None:
    result = apply("управление об-\nласти провело проверку")
    assert result.text == "управление области\nпровело проверку"
    assert result.changes[0].kind == "hyphen"


def test_hyphenated_compound_keeps_its_hyphen() -> None:
    text = "при научно-\nисследовательском институте"
    assert corrected(text) == "при научно-исследовательском\nинституте"


def test_word_head_before_a_line_end_hyphen_is_left_alone() -> None:
    text = "управление сель-"  # the tail is on a line this text does not have
    assert suggest(text) == []


def test_hyphen_join_is_not_done_when_disabled() -> None:
    text = "управление об-\nласти провело"
    assert corrected(text, settings=CorrectionSettings(join_hyphenation=False)) == text


def test_broken_word_is_joined() -> None:
    assert corrected("план произ водственный утвержден") == "план производственный утвержден"


def test_merged_words_are_split() -> None:
    result = apply("план былутвержден на заседании")
    assert result.text == "план был утвержден на заседании"
    assert result.changes[0].kind == "split"


# --- what must survive ---------------------------------------------------------------------------


def test_protected_names_survive() -> None:
    text = ("По просьбе Нам Ира тов. Сунцовым был подготовлен план. Присутствовал Серегин. "
            "Восстановление Хамкына и Пхеньян.")
    assert corrected(text, names=NAMES) == text


def test_reference_words_are_protected() -> None:
    reference = "советником тов. Сунцовым был подготовлен план"
    text = "советником тов. Сунцовым был подготовлен нлан"
    assert corrected(text, reference=reference) == "советником тов. Сунцовым был подготовлен план"
    rare = "кооператив Хыннамчон"
    assert corrected(rare, reference="заводы Хыннамчон") == rare


def test_seed_entry_is_left_as_it_is() -> None:
    assert corrected(ENTRY, names=NAMES) == ENTRY


def test_abbreviations_numbers_and_headers_are_left_alone() -> None:
    text = ("СВ.СЕКРЕТНО\nД Н Е В Н И К\nВх. № 0404с 7-1-1956\n"
            "тов. Иванов, зав. отделом, г. Пхеньян, 30 млрд. руб.")
    assert corrected(text, names=NAMES) == text


def test_komi_words_are_untouched() -> None:
    komi = "Сідз жӧ колӧ индыны сы вылӧ, медым урожай идралӧм вӧсна тышӧ"
    assert corrected(komi) == komi


def test_komi_read_without_its_letters_is_left_alone() -> None:
    # rus OCR of Komi lines (shared/realdata/komi-vyl-tujod-1939): ӧ came out as о or б.
    lines = "тог идралом воена тышо.\nУрожай идралбмын 6брдо\nСлз жо коло инлыны сы"
    assert corrected(lines) == lines


# --- suggest, apply, undo ------------------------------------------------------------------------


def test_suggest_gives_candidates_and_leaves_text_alone() -> None:
    text = "Проверкой установлено, что нлан весеннего сева зыполнен"
    before = str(text)
    found = suggest(text)
    assert text == before
    words = tokenize(text)
    by_original = {s.original: s for s in found}
    assert set(by_original) == {"нлан", "зыполнен"}
    for s in found:
        assert text[s.start:s.end] == s.original == words[s.word_index].text
        assert s.candidates and all(
            a.score >= b.score for a, b in zip(s.candidates, s.candidates[1:], strict=False))
    assert by_original["нлан"].candidates[0].text == "план"
    assert by_original["зыполнен"].candidates[0].text == "выполнен"


def test_apply_records_every_change_and_undo_restores() -> None:
    text = "Сoветский нлан зыполнен, об-\nласть сдала отчет. Прецставлен Петpов."
    result = apply(text)
    assert result.original == text
    assert len(result.changes) == 6
    for c in result.changes:
        assert text[c.start:c.end] == c.original
        assert result.text[c.new_start:c.new_end] == c.replacement
        assert 0 < c.score <= 1
    assert undo(result) == text
    first = result.changes[0]
    partly = undo(result, [first])
    assert partly.startswith("Сoветский план")


def test_threshold_one_applies_only_script_fixes() -> None:
    result = apply("Сoветский нлан", threshold=1.01)
    assert result.text == "Советский нлан"


def test_empty_and_blank_text() -> None:
    assert apply("").changes == ()
    assert suggest("   \n") == []


# --- learning ------------------------------------------------------------------------------------


def test_reference_words_become_candidates() -> None:
    lexicon = Lexicon(learned=learn_from_references([ENTRY]))
    assert corrected("тов. Сунцовьм был", lexicon=lexicon) == "тов. Сунцовым был"


def test_reviewers_corrections_are_remembered() -> None:
    lexicon = Lexicon(learned=learn_from_corrections([("Хамкьна", "Хамкына")]))
    assert corrected("восстановлением Хамкьна", lexicon=lexicon) == "восстановлением Хамкына"
