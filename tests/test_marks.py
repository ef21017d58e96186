"""A typewriter's mark read as a letter alone before a number, put back (ocr/marks.py): the
pooled model's contexts, the learner (bench/learn_marks.py), the shipped table, and a real run
of the pipeline."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench.correct_data import OcrPage
from bench.learn_marks import MIN_SHARE, applied, check, fit, learn, sightings
from ocr.batch import run_batch
from ocr.geometry import Box
from ocr.marks import (
    FEATURES,
    RULE_FILE,
    MarkModel,
    candidates,
    in_capitals,
    load_marks,
    mark_swaps,
    marked,
    wideness,
)
from ocr.settings import load_settings
from ocr.tesseract import Word, read_words
from tests.conftest import needs_tesseract, render_text_page

# Word frequencies as wordfreq has them (Zipf): the letters that are words of their own are the
# frequent ones.
COMMON = {"в": 7.63, "и": 7.47, "с": 7.14, "к": 6.65, "Х": 5.41, "х": 5.41, "М": 5.94, "м": 5.94}


def words(*lines: str) -> list[Word]:
    out = []
    for n, line in enumerate(lines, 1):
        for i, text in enumerate(line.split(), 1):
            # each character as wide as the next: a letter no wider than a digit
            out.append(Word(1, 1, n, i, Box(100 * i, 50 * n, 20 * len(text), 30), 90.0, text))
    return out


def page(text: str, truth: str, name: str = "p") -> OcrPage:
    return OcrPage(name, "clean", "f", "grey", truth, text, (), ())


def context(
    first: int, last: int, date: int, cue: int = 0, comma: int = 0, slashed: int = 0, caps: int = 0
) -> dict:
    return {
        "first": float(first),
        "last": float(last),
        "date": float(date),
        "cue": float(cue),
        "comma": float(comma),
        "slashed": float(slashed),
        "caps": float(caps),
        "heading": 0.0,
        "wide": 0.0,
    }


@pytest.mark.unit
def test_the_context_of_a_letter_before_a_number() -> None:
    found = candidates(words("Исх. Х 760 от", "М 45", "с 12 мая 1950", "Х 1258/с ос", "в 1939"))
    assert [(i, c) for i, c in found] == [
        (1, context(0, 0, 0)),  # inline, "760" no day nor year
        (4, context(1, 1, 0)),  # a number line of its own
        (6, context(1, 0, 1)),  # a day with a word after it
        (10, context(1, 0, 0, slashed=1)),  # a registry number with its series
        (13, context(1, 1, 0)),
    ]
    # A letter last on its line (the number on the next), before a word, or two letters: none.
    assert candidates(words("пункт Х", "760 рублей", "Х съезд", "ХХ 20")) == []


@pytest.mark.unit
def test_a_cue_is_a_word_a_mark_follows_inside_a_line() -> None:
    cues = frozenset({"от", "письмо"})
    found = candidates(
        words("на письмо М 45 от", "года, Х 12-р и", "от х 7 мая", "работал в 1939 году"), cues
    )
    assert [(i, c["cue"], c["comma"], c["slashed"]) for i, c in found] == [
        (2, 1.0, 0.0, 0.0),  # after "письмо"
        (6, 0.0, 1.0, 1.0),  # after a comma, before a number with its series
        (10, 1.0, 0.0, 0.0),  # after "от" (a date: "7 мая")
        (14, 0.0, 0.0, 0.0),  # "работал в 1939": no cue
    ]
    assert [c["cue"] for _, c in candidates(words("на письмо М 45 от"))] == [0.0]  # no cues


@pytest.mark.unit
def test_a_heading_word_in_capitals_and_a_wide_letter_are_evidence() -> None:
    found = candidates(words("ПРОТОКОЛ М 29", "М. И. Петров 12", "Ваше письмо М 45 от"))
    assert [(i, c["caps"], c["last"]) for i, c in found] == [(1, 1.0, 1.0), (9, 0.0, 0.0)]
    assert not in_capitals("М.") and not in_capitals("Ваше") and in_capitals("СССР,")
    # the letter's box against the number's characters: as wide as a digit, half as wide again
    number = Word(1, 1, 1, 2, Box(200, 0, 60, 30), 90.0, "291")
    assert wideness(Word(1, 1, 1, 1, Box(0, 0, 20, 30), 90.0, "М"), number) == 0.0
    assert wideness(Word(1, 1, 1, 1, Box(0, 0, 30, 30), 90.0, "М"), number) == 0.5
    assert wideness(Word(1, 1, 1, 1, Box(0, 0, 0, 0), 90.0, "М"), number) == 0.0  # no box


def model(weights: dict[str, float], effect: dict[str, float] | None = None) -> MarkModel:
    return MarkModel(
        "№", {k: weights.get(k, 0.0) for k in FEATURES}, MIN_SHARE, COMMON, effect or {}
    )


@pytest.mark.unit
def test_the_model_puts_back_where_its_odds_reach_the_threshold() -> None:
    own_line_only = model({"bias": -5.0, "first": 5.0, "last": 5.0})
    page_words = words("Х 760 от 5 мая", "М 45", "Я 12")
    swaps = mark_swaps(page_words, "rus+eng", {"rus": own_line_only})
    # Not inline, not "Я" (a letter the table does not know); another language has no model.
    assert [(s.index, s.before, s.after) for s in swaps] == [(5, "М", "№")]
    assert mark_swaps(page_words, "fra", {"rus": own_line_only}) == []
    # A letter's own effect lifts it where the shared weights alone do not.
    lifted = model({"bias": -5.0, "first": 5.0, "last": 5.0}, {"Х": 8.0})
    assert [s.index for s in mark_swaps(page_words, "rus", {"rus": lifted})] == [0, 5]


def fit_pages() -> list[OcrPage]:
    """Marks read as several letters on number lines of their own, and real one-letter words
    before days and years inline."""
    pages = []
    for n in range(12):
        letter = "ХхмМ"[n % 4]
        pages.append(
            page(
                f"{n + 1}.05.49 г.\n{letter} {100 + n}\nс {n + 1} мая 1950 года к {n + 2} июня\n"
                f"в {1930 + n} году",
                f"{n + 1}.05.49 г.\n№ {100 + n}\nс {n + 1} мая 1950 года к {n + 2} июня\n"
                f"в {1930 + n} году",
                name=f"p{n}",
            )
        )
    return pages


@pytest.mark.unit
def test_the_learner_pools_the_letters_and_keeps_real_words() -> None:
    pages = fit_pages()
    assert [(s.letter, s.meant) for s in sightings(pages[0])] == [
        ("Х", "№"),
        ("с", "с"),
        ("к", "к"),
        ("в", "в"),
    ]
    learned, seen, losses = learn(pages, COMMON)
    assert learned is not None and learned.mark == "№" and len(seen) == 48 and losses
    assert learned.weights["first"] > 0 and learned.weights["date"] < 0
    # A letter never seen on the fit pages is put back on a number line of its own through
    # what the letters share; the real words before days and years are left.
    unseen = MarkModel("№", learned.weights, MIN_SHARE, {**COMMON, "Ж": 5.27}, learned.effect)
    assert applied("Ж 234\nс 5 мая и к 17 ноября", unseen)[0].startswith("№ 234\nс 5 мая")
    result = check(pages, learned)
    assert result["words_made_marks"] == 0 and result["worse"] == 0 and result["better"] == 12
    assert learn([page("с 5 мая", "с 5 мая")], COMMON)[0] is None  # no mark seen: nothing


@pytest.mark.unit
def test_a_letter_inside_a_line_is_learned_on_its_own_from_the_inline_pages() -> None:
    inline = [
        page(
            f"Ваше письмо {'ХМхм'[n % 4]} {200 + n} от {n + 1} мая, с {n + 1} мая и к {n + 3} "
            f"июня\nработали в {1940 + n} году",
            f"Ваше письмо № {200 + n} от {n + 1} мая, с {n + 1} мая и к {n + 3} июня\n"
            f"работали в {1940 + n} году",
            name=f"i{n}",
        )
        for n in range(12)
    ]
    without, _, _ = learn(fit_pages(), COMMON)
    assert without is not None and without.inside is None  # no inline mark seen
    learned, seen, losses = learn(fit_pages(), COMMON, inline_pages=inline)
    assert learned is not None and learned.inside is not None and "письмо" in learned.cues
    assert learned.weights == without.weights  # the line's start and end: as before
    assert learned.inside.weights["cue"] > 0 and ("inside", 1.0) in losses
    text = "Ваше письмо М 321 от 7 мая, с 8 мая и к 9 июня\nработали в 1951 году"
    assert applied(text, learned)[0].startswith("Ваше письмо № 321 от 7 мая, с 8 мая и к 9")
    result = check(inline, learned)
    assert result["words_made_marks"] == 0 and result["worse"] == 0 and result["better"] == 12


@pytest.mark.unit
def test_a_letter_after_a_heading_word_is_learned_on_its_own_from_the_heading_pages() -> None:
    heads = ("ПРОТОКОЛ", "ПРИКАЗ", "АКТ")
    headed = [
        page(
            f"{heads[n % 3]} {'МХм'[n % 3]} {30 + n}\nДОБЫЧА УГЛЯ В {1940 + n}\n"
            f"с {n + 1} мая работали",
            f"{heads[n % 3]} № {30 + n}\nДОБЫЧА УГЛЯ В {1940 + n}\nс {n + 1} мая работали",
            name=f"h{n}",
        )
        for n in range(12)
    ]
    without, _, _ = learn(fit_pages(), COMMON)
    assert without is not None and without.heading is None  # no heading word seen
    learned, _, losses = learn(fit_pages(), COMMON, heading_pages=headed)
    assert learned is not None and learned.heading is not None
    assert learned.heading.cues == {"протокол", "приказ", "акт"} and ("heading", 1.0) in losses
    assert learned.weights == without.weights  # the line's model: as before
    text = "ПРИКАЗ М 77\nДОБЫЧА УГЛЯ В 1951\nс 3 мая работали"
    assert applied(text, learned)[0] == "ПРИКАЗ № 77\nДОБЫЧА УГЛЯ В 1951\nс 3 мая работали"
    result = check(headed, learned)
    assert result["words_made_marks"] == 0 and result["worse"] == 0 and result["better"] == 12


@pytest.mark.unit
def test_the_fit_draws_each_letter_towards_what_they_share() -> None:
    seen = [s for p in fit_pages() for s in sightings(p)]
    narrow = fit(seen, COMMON, 0.1)[1]
    wide = fit(seen, COMMON, 10.0)[1]
    assert max(map(abs, narrow.values())) < max(map(abs, wide.values()))


@pytest.mark.unit
def test_the_shipped_model_never_makes_a_real_word_a_mark() -> None:
    shipped = load_marks()["rus"]
    data = json.loads(RULE_FILE.read_text(encoding="utf-8"))["before_number"]["rus"]
    assert shipped.mark == data["mark"] and shipped.threshold >= MIN_SHARE
    assert set(shipped.common) >= set("абвгдежзиклмнопрстуфхцчшщэюяАБВМХЯ")
    kept = words(
        "в 1939 году на заводе",
        "и 5 человек с 12 мая",
        "с 1937 года к 17 ноября",
        "работал в 1939 - 1941 годах и 5 лет",
        "у 3 рабочих",
    )
    assert mark_swaps(kept, "rus") == []
    # The mark read as letters of several kinds on number lines of their own, and at a line's
    # start before a registry number, put back.
    put_back = words("Х 541", "х 89", "м 29", "М 45", "Я 234", "Х 1258/с ос")
    assert [s.before for s in mark_swaps(put_back, "rus")] == ["Х", "х", "м", "М", "Я", "Х"]
    # Inside a line: after the words a mark follows, and "М" before a registry number; never
    # the one-letter words before a number inside a line, after a comma or a cue word.
    assert shipped.inside is not None and {"письмо", "за"} <= shipped.cues
    inline = words(
        "В ответ на Ваше письмо х 453 от 5 мая",
        "согласно приказу министерства Х 120/сс от 3 июня",
        "по наряду М 45 недопоставлено",
    )
    assert [s.before for s in mark_swaps(inline, "rus")] == ["х", "Х", "М"]
    kept_inline = words(
        "письмо от 5 мая, в 1949 году",
        "прибыли 7 человек, к 120 вагонам и 5 тонн",
        "за 1949 год, с 12 мая по 3 июня и 5 суток",
        "о выполнении плана за 1950 год и на 45 процентов",
    )
    assert mark_swaps(kept_inline, "rus") == []
    # After a heading word in capitals, the number closing the line: put back (seed 4222's
    # "ПРОТОКОЛ М 29"); a real capital word or an initial is never made a mark, in a line in
    # capitals without a heading word neither.
    assert shipped.heading is not None and {"протокол", "приказ", "акт"} <= shipped.heading.cues
    headed = words("ПРОТОКОЛ М 29", "ПРИКАЗ М 5", "АКТ Н 3")
    assert [s.before for s in mark_swaps(headed, "rus")] == ["М", "М", "Н"]
    # each put-back mark carries the model's probability, at least the threshold and below 1
    odds = marked(headed, "rus")
    assert [swap for swap, _ in odds] == mark_swaps(headed, "rus")
    assert all(shipped.threshold <= p < 1 for _, p in odds), odds
    kept_capitals = words(
        "ДОБЫЧА УГЛЯ В 1950",
        "ОБ ОБЕСПЕЧЕНИИ ЦЕХА И 5 УЧАСТКОВ",
        "ЦЕХА И 5",
        "М. И. Петров 12 мая",
        "В 1939 году",
        "И 5 рабочих",
        "СВЕДЕНИЯ О ПОСТАВКАХ С 1 ЯНВАРЯ",
    )
    assert mark_swaps(kept_capitals, "rus") == []


@needs_tesseract
@pytest.mark.integration
def test_a_run_puts_the_mark_back_and_records_it(tmp_path: Path) -> None:
    # Typed as tesseract reads a face whose "№" looks like "Х" (seeds 3111 and 4020): a
    # number line of its own under a date, and a real word before a year.
    text = "Исходящий от 5 мая 1957 года\nХ 760\nс 1937 года работает на фабрике\n"
    render_text_page(tmp_path / "marks.png", text)
    out = tmp_path / "out"
    settings = load_settings(None, output_dir=out, workers=1, dpi=150, languages="rus")
    run_batch([tmp_path / "marks.png"], gt_dir=None, settings=settings)
    read = (out / "marks" / "marks.txt").read_text(encoding="utf-8")
    assert "№ 760" in read and "Х 760" not in read, read
    assert "с 1937" in read, read
    # the mark's confidence is the model's probability, not tesseract's for the letter it read
    tsv = out / "marks" / "p001.tsv"
    rows = [r.split("\t") for r in tsv.read_text("utf-8").splitlines()]
    conf = [float(r[10]) for r in rows if len(r) > 11 and r[11] == "№"]
    as_read = [replace(w, text="Х") if w.text == "№" else w for w in read_words(tsv)]
    assert conf == [pytest.approx(100 * p, abs=1e-3) for _, p in marked(as_read, "rus")], conf
    report = json.loads((out / "marks" / "report.json").read_text(encoding="utf-8"))
    steps = [s for p in report["pages"] for s in p["steps"] if s["id"] == "marks"]
    assert steps and steps[0]["settings"]["words"] == [["Х", "№"]]
