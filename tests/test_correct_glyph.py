"""A capital's own height from the word boxes (ocr.correct.glyph) and what it does to the
lowering of a capital read inside a sentence (issue #18)."""

from __future__ import annotations

import math

from ocr.correct.engine import make_page, small_first
from ocr.correct.evidence import CharChoice, Layout
from ocr.correct.glyph import HeightRatios, capital_height, height_ratios
from ocr.correct.lexicon import fold

# small words and capitalised words of one shape (no б, no descender): x-height alone, or a
# capital's height
TEXT = "Новые Камни Сами вошли. Мы вошли в Комнаты ночью, наши мне стол сон мост."
SMALL, CAPITAL = 0.7, 1.0


def layout(word_height: float) -> Layout:
    heights = {}
    for start, word in _words(TEXT):
        heights[start] = CAPITAL if word[:1].isupper() else SMALL
    heights[TEXT.index("Комнаты")] = word_height
    return Layout({}, heights)


def _words(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for word in text.split(" "):
        out.append((start, word))
        start += len(word) + 1
    return out


def _chunk(page, word: str):  # type: ignore[no-untyped-def]
    return next(c for c in page.chunks if c.text == word)


def test_a_capital_s_height_stands_between_the_page_s_small_and_capitalised_words() -> None:
    for height, expected in ((SMALL, 0.0), (CAPITAL, 1.0), (0.85, 0.5)):
        page = make_page(TEXT, layout=layout(height))
        assert math.isclose(
            capital_height(page.chunks, page.layout, _chunk(page, "Комнаты")), expected
        )


def test_the_boxes_say_nothing_without_enough_words_or_a_height() -> None:
    page = make_page(TEXT, layout=Layout())
    assert capital_height(page.chunks, page.layout, _chunk(page, "Комнаты")) is None
    short = "Мы вошли в Комнаты ночью."
    page = make_page(short, layout=Layout({}, {s: 1.0 for s, _ in _words(short)}))
    assert capital_height(page.chunks, page.layout, _chunk(page, "Комнаты")) is None
    # a small letter that reaches below the line would change the word's shape
    text = TEXT.replace("Комнаты", "Ракеты")
    page = make_page(text, layout=Layout({}, {s: 1.0 for s, _ in _words(text)}))
    assert capital_height(page.chunks, page.layout, _chunk(page, "Ракеты")) is None


def test_the_ratio_is_read_by_bin_and_no_height_is_no_evidence() -> None:
    table = HeightRatios((-math.inf, 0.0, 1.0), (2.0, 0.5, -1.0))
    assert table.ratio(None) == 0.0
    assert table.ratio(-3.0) == 2.0 and table.ratio(0.0) == 0.5 and table.ratio(1.2) == -1.0


def test_the_shipped_ratios_count_a_capital_s_height_for_the_capital() -> None:
    table = height_ratios()
    assert table.ratio(-0.5) > 0 > table.ratio(1.0)


def test_a_doubted_capital_as_tall_as_the_page_s_capitals_is_less_likely_lowered() -> None:
    start = TEXT.index("Комнаты")
    said = {start: CharChoice(80.0, (("к", 40.0),))}
    posterior = {}
    for height in (SMALL, CAPITAL):
        page = make_page(TEXT, choices=said, layout=layout(height))
        posterior[height] = small_first(page, _chunk(page, "Комнаты"), fold("Комнаты"))
    assert posterior[SMALL] > posterior[CAPITAL] > 0
