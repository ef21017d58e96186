"""A letter the page's typeface made tesseract misread throughout, learned from the page itself
and put back (ocr/reletter.py), in words and through a real run of the pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr.batch import run_batch
from ocr.casing import apply_recase
from ocr.reletter import SwapRule, load_rule, page_swaps
from ocr.settings import load_settings
from ocr.tesseract import read_words
from tests.conftest import GOOD_TEXT, needs_tesseract, render_text_page

RU = ("ru",)
RULE = SwapRule(min_words=2, min_share=0.0)
# As a bold face's "н" is read: "и" throughout (seed 3010 and 6102's freemono-bold pages).
BOLD_READ = "в сравиению с иеликвидиых запасов объясиению по сахариого тоин план".split()


@pytest.mark.unit
def test_the_page_swap_is_put_back_in_the_words_it_makes_known() -> None:
    swaps, seen = page_swaps(BOLD_READ, RU, RULE)
    assert seen["swap"] == ["и", "н"]
    assert {(s.before, s.after) for s in swaps} == {
        ("сравиению", "сравнению"),
        ("иеликвидиых", "неликвидных"),  # two places of one word
        ("объясиению", "объяснению"),
        ("сахариого", "сахарного"),
    }
    # "тоин" is as near "таин" (another swap) as "тонн": left as read; known words never change
    changed = {s.index for s in swaps}
    assert BOLD_READ.index("тоин") not in changed
    assert all(BOLD_READ[i] in {s.before for s in swaps} for i in changed)


@pytest.mark.unit
def test_marks_and_case_stay_around_the_swapped_letters() -> None:
    swaps, _ = page_swaps(["(Сравиению", "иеликвидиых,", "объясиению."], RU, RULE)
    assert [s.after for s in swaps] == ["(Сравнению", "неликвидных,", "объяснению."]


@pytest.mark.unit
def test_unknown_words_that_no_one_swap_explains_are_left_alone() -> None:
    # each one swap from a word, but each by another pair of letters
    words = "малоко кнега рыбо в доме Петров сказал".split()
    swaps, seen = page_swaps(words, RU, RULE)
    assert swaps == [] and seen["explains"] == 1
    assert page_swaps(words, RU, SwapRule(on=False)) == ([], {})
    assert page_swaps(BOLD_READ, (), RULE) == ([], {})  # no lexicon for the page's languages


@pytest.mark.unit
def test_the_shipped_rule_is_the_learned_one() -> None:
    rule = load_rule()
    assert rule.on and rule.min_words >= 2 and 0.0 <= rule.min_share < 1.0


@pytest.mark.unit
def test_every_output_carries_the_swapped_word(tmp_path: Path) -> None:
    from tests import test_casing as casing

    paths = {}
    for kind, text in {"tsv": casing.TSV, "hocr": casing.HOCR, "alto": casing.ALTO}.items():
        paths[kind] = tmp_path / f"p001.{kind}"
        paths[kind].write_text(text.replace("пхеньян", "сравиению"), encoding="utf-8")
    paths["txt"] = tmp_path / "p001.txt"
    paths["txt"].write_text("г.\n\nсравиению\n", encoding="utf-8")
    words = read_words(paths["tsv"])
    swaps, _ = page_swaps([w.text for w in words] + ["объясиению"], RU, RULE)
    apply_recase(paths, [s for s in swaps if s.index < len(words)])
    assert [w.text for w in read_words(paths["tsv"])] == ["г.", "сравнению"]
    for kind in ("hocr", "alto", "txt"):
        text = paths[kind].read_text(encoding="utf-8")
        assert "сравнению" in text and "сравиению" not in text, kind


# A page typed on a face whose "н" prints as "и" (so tesseract reads "и"): the run puts "н" back
# in the words the lexicon then knows, and records it; the clean page is read as typed.
SWAPPED_TEXT = (
    "Посетил председателя колхоза. По просьбе последнего\n"
    "советником при иаучио-исследовательском институте\n"
    "был подготовлеи производствеииый плаи кооператива,\n"
    "иад которым ои осуществляет шефство. Совещаиие\n"
    "провел зав. коисульским отделом Серегии.\n"
)


@needs_tesseract
@pytest.mark.integration
def test_a_run_puts_back_the_letter_a_page_misreads_throughout(tmp_path: Path) -> None:
    render_text_page(tmp_path / "swapped.png", SWAPPED_TEXT)
    render_text_page(tmp_path / "clean.png", GOOD_TEXT)
    out = tmp_path / "out"
    run_batch(
        [tmp_path / "swapped.png", tmp_path / "clean.png"],
        gt_dir=None,
        settings=load_settings(None, output_dir=out, workers=1, dpi=150),
    )
    text = (out / "swapped" / "swapped.txt").read_text(encoding="utf-8")
    for word in ("производственный", "консульским", "осуществляет"):
        assert word in text, text
    report = json.loads((out / "swapped" / "report.json").read_text(encoding="utf-8"))
    steps = [s for p in report["pages"] for s in p["steps"] if s["id"] == "reletter"]
    assert steps and steps[0]["settings"]["swap"] == ["и", "н"]
    clean = json.loads((out / "clean" / "report.json").read_text(encoding="utf-8"))
    assert not [s for p in clean["pages"] for s in p["steps"] if s["id"] == "reletter"]
