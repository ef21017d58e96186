"""Post-OCR correction with the page's own error profile (ocr.correct.profile)."""

from __future__ import annotations

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import CorrectionSettings, apply, load_confusions, suggest, undo  # noqa: E402
from ocr.correct.lexicon import default_lexicon  # noqa: E402
from ocr.correct.profile import known_letters, profiled_table  # noqa: E402
from ocr.correct.tokens import tokenize  # noqa: E402

pytestmark = pytest.mark.unit

OFF = CorrectionSettings(profile_rounds=0)

# A page whose ribbon prints н so that OCR reads ь: the shipped table has no such confusion.
TRUTH = ("Комиссия проверила работу завода и установила, что план вывоза зерна выполнен. "
         "Начальнику цеха объявить выговор за невыполнение плана. "
         "Вопрос о снабжении рассмотреть на совещании в пятницу. "
         "Ведомость выдать водителям своевременно. Отметить хорошую работу бригады.")
OCR = TRUTH.replace("н", "ь")


def _right_words(text: str) -> int:
    return sum(a == b for a, b in zip(text.split(), TRUTH.split(), strict=True))


def test_the_page_learns_its_own_confusion():
    without = apply(OCR, settings=OFF)
    learned = apply(OCR)
    # The shipped table knows ь for н only as an unlisted substitution: three long words are sure
    # enough. Counted on the page, the confusion makes the short and twice-misread words sure too.
    assert "план вывоза зерна выполнен." not in without.text
    assert "план вывоза зерна выполнен." in learned.text
    assert "за невыполнение плана" in learned.text
    assert "на совещании" in learned.text
    assert _right_words(learned.text) > _right_words(without.text) + 5
    assert all(c.replacement.replace("н", "ь") == c.original for c in learned.changes)
    assert undo(learned) == OCR


def test_suggestions_use_the_profile_too():
    best = {s.original: s.best.text for s in suggest(OCR) if s.best is not None}
    assert best.get("ьевыпольеьие") == "невыполнение"


def test_a_clean_page_keeps_the_shipped_table():
    base = load_confusions()
    lexicon = default_lexicon()
    known = known_letters(tokenize(TRUTH), lexicon)
    assert profiled_table(base, known, []) is base
    assert apply(TRUTH).text == TRUTH


def test_the_profile_only_makes_readings_cheaper():
    base = load_confusions()
    known = known_letters(tokenize(TRUTH), default_lexicon())
    table = profiled_table(base, known, [("ьачальнику", "начальнику"), ("сьабжеьии", "снабжении"),
                                         ("проберила", "проверила")])
    cost = {ocr: dict(readings) for ocr, readings in table.by_ocr.items()}
    assert cost["ь"]["н"] < base.sub  # not listed before: an unlisted substitution
    for ocr, readings in base.by_ocr.items():
        for ref, c in readings:
            assert cost[ocr][ref] <= c


def test_names_survive_a_profiled_page():
    text = OCR + " Доложил тов. Сьегирев."
    assert "Сьегирев" in apply(text, names=["Сьегирев"]).text


def test_komi_line_is_not_profiled_into_russian():
    komi = "Выль туйӧд вылын миян колхозникъяс уджалӧны бура."
    assert apply(komi).text == komi


def test_the_pipeline_setting_reaches_the_correction(tmp_path):
    from ocr.correct_stage import apply_corrections
    from ocr.settings import Settings

    assert Settings().correction_profile_rounds == CorrectionSettings().profile_rounds
    records = {rounds: apply_corrections(OCR, reference=None, names=[], threshold=0.95,
                                         out_path=tmp_path / f"r{rounds}.txt",
                                         profile_rounds=rounds)
               for rounds in (0, 2)}
    assert len(records[2]["changes"]) > len(records[0]["changes"])
    assert (tmp_path / "r2.txt").read_text(encoding="utf-8") == records[2]["text"]
