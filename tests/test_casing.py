"""A word's first letter in the case its height on the page shows (ocr/casing.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.casing import Recase, apply_recase, page_capital_ratio, recase_words
from ocr.records import Box
from ocr.tesseract import Word, read_words

pytestmark = pytest.mark.unit

FONT = "/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf"
# Words the page is typed with (what it shows), and what the OCR said of each.
LINES = [
    ("Посольство СССР в Корее", "Посольство СССР в Корее"),
    ("Советское правительство решило", "Советское правительство решило"),
    ("Нам Ир сообщил также что", "Нам Ир сообщил также что"),
    ("ГДР вынуждена была отказаться", "ГДР вынуждена была отказаться"),
    ("город Пхеньян зимой", "город пхеньян зимой"),  # a capital read small
    ("для передачи опыта", "для Передачи опыта"),  # a small letter read as a capital
    ("он сказал Совету", "он сказал Совету"),
]


def _page(lines: list[tuple[str, str]]) -> tuple[np.ndarray, list[Word]]:
    """A typed page and its words as the OCR read them, boxes on each word's ink."""
    font = ImageFont.truetype(FONT, 40)
    image = Image.new("L", (1400, 90 * len(lines) + 60), 255)
    draw = ImageDraw.Draw(image)
    words: list[Word] = []
    for n, (shown, read) in enumerate(lines):
        x, y = 40, 40 + 90 * n
        for k, (typed, said) in enumerate(zip(shown.split(), read.split(), strict=True)):
            left, top, right, bottom = draw.textbbox((x, y), typed, font=font)
            draw.text((x, y), typed, font=font, fill=0)
            left, top, right, bottom = (int(v) for v in (left, top, right, bottom))
            box = Box(left, top, right - left, bottom - top)
            words.append(Word(1, 1, n + 1, k + 1, box, 95.0, said))
            x = int(right + font.getlength(" "))
    return np.asarray(image), words


def test_a_small_first_letter_the_image_shows_as_a_capital_is_raised() -> None:
    gray, words = _page(LINES)
    ratio = page_capital_ratio(gray, words)
    assert ratio is not None and ratio > 1.2  # the face's capitals stand well above its x-height
    changes = {(c.before, c.after) for c in recase_words(gray, words)}
    assert changes == {("пхеньян", "Пхеньян"), ("Передачи", "передачи")}


def test_words_read_in_the_case_the_page_shows_are_left_alone() -> None:
    gray, words = _page([(shown, shown) for shown, _ in LINES])
    assert recase_words(gray, words) == []


def test_a_page_whose_letters_do_not_tell_the_cases_apart_is_left_alone() -> None:
    """All capitals read as small letters of one height: no page proportion, no change."""
    lines = [(s.upper(), s.lower()) for s, _ in LINES]
    gray, words = _page(lines)
    assert recase_words(gray, words) == []


TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t95\tг.\n"
    "5\t1\t1\t1\t2\t1\t10\t40\t90\t20\t84\tпхеньян\n"
)
HOCR = (
    "<div class='ocr_page'><span class='ocrx_word' id='word_1_1' title='bbox 10 10 60 30'>г.</span>"
    "<span class='ocrx_word' id='word_1_2' title='bbox 10 40 100 60'>пхеньян</span></div>"
)
ALTO = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">'
    '<String CONTENT="г."/><String CONTENT="пхеньян"/></alto>'
)


def _outputs(tmp_path: Path, txt: str) -> dict[str, Path]:
    files = {"tsv": TSV, "hocr": HOCR, "alto": ALTO, "txt": txt}
    paths = {k: tmp_path / f"p001.{k}" for k in files}
    for kind, text in files.items():
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def test_every_output_carries_the_recased_word(tmp_path: Path) -> None:
    paths = _outputs(tmp_path, "г.\n\nпхеньян\n")
    words = read_words(paths["tsv"])

    apply_recase(paths, [Recase(1, words[1].text, "Пхеньян", 1.3)])
    assert [w.text for w in read_words(paths["tsv"])] == ["г.", "Пхеньян"]
    for kind in ("hocr", "alto", "txt"):
        text = paths[kind].read_text(encoding="utf-8")
        assert "Пхеньян" in text and "пхеньян" not in text, kind


def test_an_output_whose_words_do_not_line_up_is_left_as_tesseract_wrote_it(
    tmp_path: Path,
) -> None:
    paths = _outputs(tmp_path, "г. пхеньян лишнее\n".replace("г. ", ""))

    apply_recase(paths, [Recase(1, "пхеньян", "Пхеньян", 1.3)])
    assert paths["txt"].read_text(encoding="utf-8") == "пхеньян лишнее\n"
    assert "Пхеньян" in paths["hocr"].read_text(encoding="utf-8")
