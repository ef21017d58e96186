"""A doubtful line's grey crop (ocr.linereads.stretched: the crop as loaded, its contrast only
stretched, no threshold) read beside the binarised ones in the same run, and the lines a
repeated one-letter confusion of the page ("и" read for "н") lets join that run
(ocr.linereads.repeated_swap)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ocr.linereads import (
    LineCrop,
    LineFigures,
    LineReading,
    RereadRule,
    Variant,
    binarised,
    crop_image,
    repeated_swap,
    stretched,
)
from ocr.records import Box
from ocr.tesseract import Word
from tests.conftest import needs_tesseract
from tests.test_linereads import read_alone, stock_words


def _word(line: int, n: int, text: str, conf: float) -> Word:
    return Word(1, 1, line, n, Box(100 + 200 * n, 100 * line, 20 * len(text), 40), conf, text)


def _page() -> np.ndarray:
    """Paper at 180 with a faint tint gradient; "ink" at 90 and a lighter stroke at 130."""
    grey = np.full((60, 200), 180, np.uint8)
    grey[:, 100:] = 190
    grey[20:40, 20:30] = 90
    grey[20:40, 60:64] = 130
    return grey


def test_the_grey_crop_keeps_its_greys_and_stretches_them_to_black_and_white() -> None:
    grey = _page()
    crop = LineCrop(10, 10, 180, 40)
    out = stretched(grey, crop)
    assert out.shape == (40, 180)
    assert out.min() == 0 and out.max() == 255
    # the light stroke stays a grey between ink and paper (Otsu makes it ink or paper)
    light = int(out[15, 52])
    assert 0 < light < 255
    assert set(np.unique(binarised(grey, crop))) <= {0, 255}
    # halved by area averaging; a bare scale is the binarised crop
    assert stretched(grey, crop, scale=0.5).shape == (20, 90)
    assert np.array_equal(crop_image(grey, crop, 0.5), binarised(grey, crop, scale=0.5))
    assert np.array_equal(
        crop_image(grey, crop, Variant(0.5, True)), stretched(grey, crop, scale=0.5)
    )
    # a flat crop is returned as it is, not divided by zero
    flat = np.full((30, 30), 200, np.uint8)
    assert (stretched(flat, LineCrop(0, 0, 30, 30)) == 200).all()


def test_the_rule_reads_the_grey_crop_at_its_scales_and_judges_it_as_the_others() -> None:
    rule = RereadRule(60, 0.2, scales=(1.0, 0.5), grey_scales=(0.5,))
    assert rule.read_variants == (Variant(1.0), Variant(0.5), Variant(0.5, True))
    assert rule.line_variants(unknown=False) == rule.read_variants
    unknown = replace(rule, unknown_letters=6, unknown_scales=(1.0,), unknown_grey_scales=(1.0,))
    assert unknown.read_variants == (*rule.read_variants, Variant(1.0, True))
    assert unknown.line_variants(unknown=True) == (Variant(1.0), Variant(1.0, True))
    first = (_word(1, 1, "плаим", 40),)
    before = LineFigures(net_rate=-0.2, min_confidence=40, chars=5)
    right = (_word(1, 1, "план", 81),)
    readings = [
        LineReading(1.0, (_word(1, 1, "плаим", 45),), LineFigures(-0.2, 45, 5)),
        LineReading(0.5, (_word(1, 1, "план", 30),), LineFigures(0.1, 30, 4)),
        LineReading(0.5, right, LineFigures(0.6, 81, 4), grey=True),
    ]
    verdict = rule.decide(first, before, readings)
    assert verdict.taken == 2 and "grey scale 0.5" in verdict.reason
    # a rule that does not read the grey crop does not take it, even when given
    assert replace(rule, grey_scales=()).decide(first, before, readings).taken == -1
    # nor one reading it at another scale
    assert replace(rule, grey_scales=(1.0,)).decide(first, before, readings).taken == -1
    # with grey_length, a grey reading must number the first's characters within that share
    short = [*readings[:2], replace(readings[2], figures=LineFigures(0.6, 81, 2))]
    assert rule.decide(first, before, short).taken == 2
    assert replace(rule, grey_length=0.25).decide(first, before, short).taken == -1
    assert replace(rule, grey_length=0.25).decide(first, before, readings).taken == 2
    # a grey reading still in doubt replaces nothing
    doubtful = [*readings[:2], replace(readings[2], figures=LineFigures(0.6, 50, 4))]
    assert rule.decide(first, before, doubtful).taken == -1


# "н" read "и" by a bold face, once a line: each word becomes a known one by that one swap
SWAPPED = [
    "Красиое Сормово",
    "по сравиению с",
    "По объясиению старшего",
    "вследствие иеобходимости",
    "по сиижению плана",
]


def _swapped_page(texts: list[str]) -> list[Word]:
    return [
        _word(k + 1, n + 1, t, 91)
        for k, line in enumerate(texts)
        for n, t in enumerate(line.split())
    ]


def _lines(words: list[Word]) -> list[tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    for i, w in enumerate(words):
        out.setdefault(w.line, []).append(i)
    return [tuple(v) for v in out.values()]


def test_a_confusion_repeated_on_many_lines_names_its_lines() -> None:
    words = _swapped_page([*SWAPPED, "научного сотрудника тов. Бжзщкова"])
    lines = _lines(words)
    found = repeated_swap(words, lines, "rus", letters=6, least=4)
    assert found == lines[:5]  # not the name that no swap makes known
    assert repeated_swap(words, lines, "rus", letters=6, least=6) == []
    # the words must have the letters asked for (of these, "сравиению" and longer)
    assert repeated_swap(words, lines, "rus", letters=9, least=2) == [lines[1], lines[2], lines[3]]
    assert repeated_swap(words, lines, "rus", letters=14, least=1) == []
    # no lexicon, no confusion
    assert repeated_swap(words, lines, "", letters=6, least=1) == []


def test_a_page_over_the_unknown_lines_most_reads_those_of_the_repeated_confusion() -> None:
    from ocr.readings import reread_candidates

    words = [_word(0, 1, "дома", 30), *_swapped_page(SWAPPED)]
    rule = RereadRule(60, 0.2, unknown_letters=6, max_unknown_lines=2)
    assert reread_candidates(words, "rus", below=60, rule=rule) == ([(0,)], frozenset())
    lines, unknown = reread_candidates(words, "rus", below=60, rule=replace(rule, repeat_lines=4))
    assert len(lines) == 6 and unknown == frozenset(range(1, 6))
    # a confusion on fewer lines than asked: none of them, as before
    lines, _ = reread_candidates(words, "rus", below=60, rule=replace(rule, repeat_lines=6))
    assert lines == [(0,)]


def test_a_rule_file_names_the_grey_scales_and_the_repeated_swap() -> None:
    from ocr.readings import _reread_rule

    data = {"min_confidence": 60, "net_gain": 0.2, "unknown_letters": 6, "unknown_scales": [0.5]}
    rule = _reread_rule(data)
    assert rule is not None and rule.grey_scales == () and rule.repeat_lines is None
    rule = _reread_rule(
        {
            **data,
            "grey_scales": [0.5],
            "unknown_grey_scales": [1.0, 0.5],
            "repeat_lines": 4,
            "grey_length": 0.1,
        }
    )
    assert rule is not None
    assert rule.grey_scales == (0.5,) and rule.unknown_grey_scales == (1.0, 0.5)
    assert rule.repeat_lines == 4 and rule.grey_length == 0.1
    with pytest.raises(ValueError, match="one or more numbers"):
        _reread_rule({**data, "grey_scales": [1.5]})


@pytest.mark.integration
@needs_tesseract
def test_a_bold_face_line_misread_binarised_is_read_right_from_its_grey_crop(
    tmp_path: Path,
) -> None:
    """``ocr synth`` page (fresh dev seed 3010, page 6, a bold mono face): stock tesseract
    reads "н" as "и" on it ("Красиое", "плаим"); the line's binarised crop read alone, at full
    and half size, still misreads it or doubts it, its grey crop at half size reads "Красное",
    "выполнил" and "план" surely, in the same tesseract run, and the learned rule takes it."""

    from ocr.linereads import doubtful_lines, squeezed
    from ocr.quality import word_probabilities
    from ocr.readings import choice_rules

    image = _render_fresh(tmp_path, "synth-006-clean-colour-typed", seed=3010)
    words = stock_words(image, tmp_path / "page")
    lines = [[words[i] for i in line] for line in doubtful_lines(words, below=60)]
    (line,) = [line for line in lines if "выполыил" in squeezed(line)]
    assert "Красиое" in squeezed(line)
    variants = (Variant(1.0), Variant(0.5), Variant(0.5, True))
    read = read_alone(image, line, tmp_path / "lines", variants)
    wanted = {"Красное", "выполнил", "план"}

    def sure(words: tuple[Word, ...]) -> bool:
        return wanted <= {w.text.strip('"') for w in words} and min(w.conf for w in words) >= 60

    assert not sure(read[0]) and not sure(read[1])
    assert sure(read[2]), read[2]
    # the learned rule reads the grey crop at half size and takes its reading
    rule = choice_rules().reread
    assert rule is not None and Variant(0.5, True) in rule.line_variants(unknown=False)

    def figures(words: Sequence[Word]) -> LineFigures:
        return LineFigures.of(words, word_probabilities(words, "rus"), "rus")

    readings = [
        LineReading(v.scale, words, figures(words), v.grey)
        for v, words in zip(variants, read, strict=True)
    ]
    verdict = rule.decide(line, figures(line), readings)
    assert verdict.taken == 2 and not verdict.confirms, verdict


def _render_fresh(tmp: Path, name: str, *, seed: int) -> Path:
    """One clean page of the fresh set of ``seed`` (bench.review_fresh: 12 pages, clean)."""
    from ocr.fsutil import atomic_write_bytes
    from ocr_synth.generate import build_page, encode_image, plan_set
    from ocr_synth.render import render_page

    plan = next(p for p in plan_set(pages=12, seed=seed, levels=("clean",)) if p.name == name)
    spec, style, _, _, _ = build_page(plan)
    image = render_page(spec, seed=plan.seed, style=style)
    out = tmp / f"{name}.jpg"
    atomic_write_bytes(out, encode_image(image, bilevel=False))
    return out
