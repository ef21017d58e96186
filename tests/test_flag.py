"""Flags: multi-word disagreements are split into word pairs, and classified by OCR confidence."""

from __future__ import annotations

import pytest

from ocr.flag import POSSIBLE_OCR_ERROR, POSSIBLE_REFERENCE_ERROR, disagreement_flags, refine_spans
from ocr.records import Box
from ocr.score import diff_spans
from ocr.tesseract import Word, words_to_text

pytestmark = pytest.mark.unit

REF = "посла тов. ИВАНОВУ В.И.\nГ. Лхенъян до 30 млрдруб. Корейские тов. Сунцовым был"
OCR = ("посла тов. ИВАНОВА в.й.\nг. Пхеньян\nСВ.СЕКРЕТНО\nЭкз.\nм до 30 млрд. руб. Корейские "
       "тов. Сунцо вым был")


def test_refined_spans_pair_words_splits_and_joins() -> None:
    spans = refine_spans(REF, OCR, diff_spans(REF, OCR))
    pairs = [(s.ref_text, s.ocr_text, s.kind) for s in spans]
    assert ("Лхенъян", "Пхеньян", "replace") in pairs
    assert ("ИВАНОВУ", "ИВАНОВА", "replace") in pairs
    assert ("млрдруб", "млрд. руб", "replace") in pairs
    assert ("Сунцовым", "Сунцо вым", "replace") in pairs
    assert ("", "СВ.СЕКРЕТНО\nЭкз.\nм", "insert") in pairs
    for s in spans:
        assert REF[s.ref_start:s.ref_end] == s.ref_text and OCR[s.ocr_start:s.ocr_end] == s.ocr_text


def _words(line: str, confs: list[float]) -> list[Word]:
    out, left = [], 10
    for i, (text, conf) in enumerate(zip(line.split(), confs, strict=True), start=1):
        out.append(Word(1, 1, 1, i, Box(left, 10, 20 * len(text), 30), conf, text))
        left += 20 * len(text) + 15
    return out


def test_confident_disagreement_is_a_possible_reference_error() -> None:
    ocr = words_to_text(_words("советник Посольства Петров и Серегин", [95, 96, 97, 40, 30]))
    ref = "советник Посольства Метров и Серегина"
    flags = disagreement_flags(ocr, diff_spans(ref, ocr.text), page_number=1,
                               reference_error_confidence=85, reference=ref)
    by_ref = {f.ref_text: f for f in flags}
    assert by_ref["Метров"].category == POSSIBLE_REFERENCE_ERROR
    assert by_ref["Метров"].ocr_text == "Петров" and by_ref["Метров"].box.left > 300
    assert by_ref["Серегина"].category == POSSIBLE_OCR_ERROR
    assert by_ref["Метров"].detail["ref_before"].endswith("Посольства ")


def test_case_only_and_non_word_differences_are_ocr_errors() -> None:
    from ocr.flag import classify

    assert classify("Петров", "Метров", 96, threshold=85)[0] == POSSIBLE_REFERENCE_ERROR
    assert classify("Работы", "работы", 97, threshold=85)[0] == POSSIBLE_OCR_ERROR
    lexicon = {"корейцев", "метров", "петров"}.__contains__
    known = lambda w: lexicon(w.lower())  # noqa: E731
    assert classify("хорейцев", "корейцев", 92, threshold=85, known_word=known)[0] == POSSIBLE_OCR_ERROR
    assert classify("Петров", "Метров", 96, threshold=85, known_word=known)[0] == POSSIBLE_REFERENCE_ERROR
    assert classify("Петров", "Метров", 40, threshold=85)[0] == POSSIBLE_OCR_ERROR


def test_reference_markers_are_located_at_the_disagreement() -> None:
    from ocr.pipeline import marker_flags

    ocr = words_to_text(_words("Я поблагодарил Фишера за информацию", [95, 96, 97, 95, 96]))
    ref = "Я поблагодарил [неразборчиво] за информацию"
    found = disagreement_flags(ocr, diff_spans(ref, ocr.text), page_number=1,
                               reference_error_confidence=85, reference=ref)
    markers = marker_flags(ref, found, page_number=1)
    assert [(m.type, m.ref_text, m.category) for m in markers] == [
        ("reference_marker", "[неразборчиво]", "illegible")]
    assert markers[0].box == next(f.box for f in found if "неразборчиво" in f.ref_text)
