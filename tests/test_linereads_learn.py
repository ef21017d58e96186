"""bench.learn_linereads' grey part: the rules tried on top of a base rule, the ways each line
is read, and the pixels a rule's runs read (its cost budget)."""

from __future__ import annotations

from bench.learn_linereads import (
    GREY_GRID,
    GREY_LENGTHS,
    REPEATS,
    LinePage,
    _scales_of,
    grey_grid,
    pixels,
)
from ocr.linereads import RereadRule, Variant
from ocr.records import Box
from ocr.tesseract import Word


def _word(line: int, text: str, conf: float) -> Word:
    return Word(1, 1, line, 1, Box(100, 100 * line, 200, 40), conf, text)


def _page() -> LinePage:
    """Two lines read again: one doubtful, one for its unknown word ("ЕПРАВКА", 7 letters)."""
    doubtful, unknown = (_word(1, "дома", 30),), (_word(2, "ЕПРАВКА", 91),)
    return LinePage(
        "p",
        "tuning",
        "synthetic",
        "rus",
        (*doubtful, *unknown),
        (doubtful, unknown),
        ((),) * 2,
        (False, True),
        (0, 7),
    )


def test_the_grey_grid_reads_unknown_lines_grey_only_with_the_lexicon_trigger() -> None:
    plain = RereadRule(60, 0.2, scales=(1.0, 0.5))
    rules = grey_grid(plain)
    # no unknown lines to read, no swap to repeat; a length only where a grey crop is read
    assert len(rules) == 1 + (len(GREY_GRID) - 1) * len(GREY_LENGTHS)
    assert {r.grey_scales for r in rules} == set(GREY_GRID)
    assert all(r.grey_length is None for r in rules if not r.grey_scales)
    trigger = RereadRule(60, 0.2, scales=(1.0, 0.5), unknown_letters=6, max_unknown_lines=6)
    combos = len(GREY_GRID) ** 2
    assert len(grey_grid(trigger)) == len(REPEATS) * (1 + (combos - 1) * len(GREY_LENGTHS))


def test_a_rule_reads_each_line_in_its_variants_and_pays_their_pixels() -> None:
    page = _page()
    rule = RereadRule(
        60,
        0.2,
        scales=(1.0, 0.5),
        unknown_letters=6,
        max_unknown_lines=6,
        unknown_scales=(1.0,),
        grey_scales=(0.5,),
        unknown_grey_scales=(0.5,),
    )
    assert _scales_of(rule, page, 0) == (Variant(1.0), Variant(0.5), Variant(0.5, True))
    assert _scales_of(rule, page, 1) == (Variant(1.0), Variant(0.5, True))
    assert pixels([page], rule) == 1 + 0.25 + 0.25 + 1 + 0.25
    # without the trigger the unknown line is not read, nor paid for
    off = RereadRule(60, 0.2, scales=(1.0, 0.5), grey_scales=(0.5,))
    assert _scales_of(off, page, 1) == ()
    assert pixels([page], off) == 1.5
