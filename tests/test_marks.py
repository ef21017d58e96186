"""A typewriter's mark read as a letter alone before a number, put back (ocr/marks.py): the
learned pairs, the words they change and leave, and a real run of the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.correct_data import OcrPage
from bench.learn_marks import MIN_SEEN, MIN_SHARE, aligned, applied, learn
from ocr.batch import run_batch
from ocr.geometry import Box
from ocr.marks import RULE_FILE, load_marks, mark_swaps
from ocr.settings import load_settings
from ocr.tesseract import Word
from tests.conftest import needs_tesseract, render_text_page

TABLE = {"rus": {"Х": "№"}}


def words(*lines: str) -> list[Word]:
    out = []
    for n, line in enumerate(lines, 1):
        for i, text in enumerate(line.split(), 1):
            out.append(Word(1, 1, n, i, Box(100 * i, 50 * n, 80, 30), 90.0, text))
    return out


@pytest.mark.unit
def test_a_learned_letter_alone_before_a_number_is_the_mark() -> None:
    page = words("Исх. Х 760 от 5 мая", "Х 12/с")
    swaps = mark_swaps(page, "rus", TABLE)
    assert [(s.index, s.before, s.after) for s in swaps] == [(1, "Х", "№"), (6, "Х", "№")]


@pytest.mark.unit
def test_the_letter_elsewhere_or_in_another_language_is_left_alone() -> None:
    # Before a word, last on its line (the number on the next), or on a page of another language.
    page = words("Х съезд партии", "пункт Х", "760 рублей")
    assert mark_swaps(page, "rus", TABLE) == []
    assert mark_swaps(words("Х 760"), "fra", TABLE) == []
    assert mark_swaps(words("с 1937 года"), "rus", TABLE) == []


@pytest.mark.unit
def test_the_shipped_table_is_what_the_learner_keeps() -> None:
    data = json.loads(RULE_FILE.read_text(encoding="utf-8"))
    for rows in data["before_number"].values():
        for row in rows:
            assert row["read"].isalpha() and not any(c.isalpha() for c in row["meant"])
            assert row["seen"] >= MIN_SEEN and row["as_meant"] / row["seen"] >= MIN_SHARE
    assert load_marks()["rus"] == {r["read"]: r["meant"] for r in data["before_number"]["rus"]}


def page(text: str, truth: str) -> OcrPage:
    return OcrPage("p", "clean", "f", "grey", truth, text, (), ())


@pytest.mark.unit
def test_the_learner_keeps_a_pair_only_when_it_is_nearly_always_the_mark() -> None:
    seen = [
        page(f"Х {n} и к {n + 1}", f"№ {n} и к {n + 1}") for n in range(10, 10 + MIN_SEEN * 10, 10)
    ]
    marks, counts = learn(seen)
    assert marks == {"Х": "№"}  # "к" is the truth's own "к" (a letter: never a mark)
    assert counts["к"]["к"] == MIN_SEEN
    # One "Х" in eleven meaning something else is too many.
    mixed = seen * 2 + [page("Х 999 шт.", "X 999 шт.")]
    assert learn(mixed)[0] == {}
    assert aligned(page("Х 5", "№ 5 и № 5")) == []  # the number twice in the truth: no pair
    assert applied("Исх. Х 760", {"Х": "№"}) == ("Исх. № 760", 1)


@needs_tesseract
@pytest.mark.integration
def test_a_run_puts_the_mark_back_and_records_it(tmp_path: Path) -> None:
    # Typed as tesseract reads a face whose "№" looks like "Х" (seeds 3111 and 4020).
    text = "Исходящий Х 760 от 5 мая 1957 года\nс 1937 года работает на фабрике\n"
    render_text_page(tmp_path / "marks.png", text)
    out = tmp_path / "out"
    settings = load_settings(None, output_dir=out, workers=1, dpi=150, languages="rus")
    run_batch([tmp_path / "marks.png"], gt_dir=None, settings=settings)
    read = (out / "marks" / "marks.txt").read_text(encoding="utf-8")
    assert "№ 760" in read and "Х 760" not in read, read
    assert "с 1937" in read, read
    report = json.loads((out / "marks" / "report.json").read_text(encoding="utf-8"))
    steps = [s for p in report["pages"] for s in p["steps"] if s["id"] == "marks"]
    assert steps and steps[0]["settings"]["words"] == [["Х", "№"]]
