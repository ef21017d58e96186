"""Flags: multi-word disagreements are split into word pairs, and classified by OCR confidence."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ocr.flag import POSSIBLE_OCR_ERROR, disagreement_flags, refine_spans
from ocr.flag_records import Flag, FlagDetail, StoredDetail, SuggestedReading
from ocr.records import Box
from ocr.score import diff_spans
from ocr.tesseract import Word, words_to_text

pytestmark = pytest.mark.unit

REF = "посла тов. ИВАНОВУ В.И.\nГ. Лхенъян до 30 млрдруб. Корейские тов. Сунцовым был"
OCR = (
    "посла тов. ИВАНОВА в.й.\nг. Пхеньян\nСВ.СЕКРЕТНО\nЭкз.\nм до 30 млрд. руб. Корейские "
    "тов. Сунцо вым был"
)


def test_refined_spans_pair_words_splits_and_joins() -> None:
    spans = refine_spans(REF, OCR, diff_spans(REF, OCR))
    pairs = [(s.ref_text, s.ocr_text, s.kind) for s in spans]
    assert ("Лхенъян", "Пхеньян", "replace") in pairs
    assert ("ИВАНОВУ", "ИВАНОВА", "replace") in pairs
    assert ("млрдруб", "млрд. руб", "replace") in pairs
    assert ("Сунцовым", "Сунцо вым", "replace") in pairs
    assert ("", "СВ.СЕКРЕТНО\nЭкз.\nм", "insert") in pairs
    for s in spans:
        assert (
            REF[s.ref_start : s.ref_end] == s.ref_text
            and OCR[s.ocr_start : s.ocr_end] == s.ocr_text
        )


def _words(line: str, confs: list[float]) -> list[Word]:
    out, left = [], 10
    for i, (text, conf) in enumerate(zip(line.split(), confs, strict=True), start=1):
        out.append(Word(1, 1, 1, i, Box(left, 10, 20 * len(text), 30), conf, text))
        left += 20 * len(text) + 15
    return out


def test_triage_needs_more_than_confidence() -> None:
    """A confident reading alone is not a reference error; the letters' shapes on the page
    (Петров: the first letter looks like the page's П, not its М) make it one; a word of the
    reference that the OCR misread into a non-word is an OCR error however sure it was."""
    from ocr.flag import classify
    from ocr.triage import vocabulary

    words = vocabulary("rus")
    assert not classify("Петров", "Метров", 97, vocabulary=words).reference_error
    assert classify("Петров", "Метров", 97, vocabulary=words, shape=0.85).reference_error
    assert not classify("Петров", "Метров", 97, vocabulary=words, shape=-0.6).reference_error
    assert not classify("хонсульским", "консульским", 99, vocabulary=words).reference_error
    assert classify("Пхеньян", "Лхенъян", 95, vocabulary=words).reference_error


def test_a_different_word_is_no_support_for_a_reference_error() -> None:
    """What speaks for the OCR's reading counts only between readings of one word: "и" read
    where the reference has the name "Понгуна" (the name not in the lexicon, tesseract sure of
    its one letter) is an OCR error; the same evidence for "Пхеньян" over "Лхенъян" is not."""
    from dataclasses import replace

    from ocr.triage import evidence, judge, vocabulary

    words = vocabulary("rus")
    other = evidence("и", "Понгуна", 34, vocabulary=words)
    assert other.ocr_word and not other.ref_word and other.lexical > 0.9
    assert other.support() == 0.0
    assert not judge(replace(other, image=1.0, has_image=True)).reference_error
    alike = evidence("Пхеньян", "Лхенъян", 34, vocabulary=words)
    assert (
        alike.support() > 0.5 and judge(replace(alike, image=1.0, has_image=True)).reference_error
    )


def test_disagreements_carry_their_span_and_triage() -> None:
    from ocr.flag import PageEvidence
    from ocr.triage import vocabulary

    ocr = words_to_text(_words("советник Посольства Петров и хонсульским", [95, 96, 97, 90, 95]))
    ref = "советник Посольства Метров и консульским"
    flags = disagreement_flags(
        ocr,
        diff_spans(ref, ocr.text),
        page_number=1,
        reference=ref,
        evidence=PageEvidence(vocabulary("rus")),
    )
    by_ref = {f.ref_text: f for f in flags}
    assert by_ref["Метров"].ocr_text == "Петров" and by_ref["Метров"].box.left > 300
    assert by_ref["Метров"].span is not None and by_ref["Метров"].triage is not None
    assert by_ref["Метров"].span.ref_before.endswith("Посольства ")
    assert by_ref["консульским"].category == POSSIBLE_OCR_ERROR
    assert "the OCR's is not" in by_ref["консульским"].reason


def test_case_typography_and_glued_words() -> None:
    from ocr.flag import classify
    from ocr.triage import vocabulary

    words = vocabulary("rus")
    assert classify("Работы", "работы", 97, vocabulary=words).reference_error is False
    assert (
        classify("movement's", "movement’s", 97, vocabulary=vocabulary("eng")).reference_error
        is False
    )
    glued = classify("млрд. руб", "млрдруб", 95, vocabulary=words)
    assert glued.reference_error and glued.evidence.ocr_word and not glued.evidence.ref_word
    assert not glued.evidence.case_only  # a lost blank is not a case slip
    latin = classify("заказов", "заказoв", 93, vocabulary=words)  # Latin o in the reference
    assert latin.reference_error and latin.evidence.lexical > 0
    english = vocabulary("eng")
    for read, ref in (("situstion", "situation"), ("nast", "past"), ("tne", "the")):
        assert classify(read, ref, 92, vocabulary=english).reference_error is False, read


def test_lines_the_reference_lacks_are_placed_line_by_line() -> None:
    from ocr.flag import line_pieces
    from ocr.score import DiffSpan

    text = "LEGATION OF THE\nUNITED STATES\n"
    span = DiffSpan(5, 5, 0, len(text) - 1, "", text[:-1], "insert")
    pieces = line_pieces(span)
    assert [(p.ocr_text, text[p.ocr_start : p.ocr_end]) for p in pieces] == [
        ("LEGATION OF THE", "LEGATION OF THE"),
        ("UNITED STATES", "UNITED STATES"),
    ]
    assert all(p.ref_start == 5 for p in pieces)


def test_reference_markers_are_located_at_the_disagreement() -> None:
    from ocr.flag import PageEvidence, marker_flags
    from ocr.triage import vocabulary

    ocr = words_to_text(_words("Я поблагодарил Фишера за информацию", [95, 96, 97, 95, 96]))
    ref = "Я поблагодарил [неразборчиво] за информацию"
    found = disagreement_flags(
        ocr,
        diff_spans(ref, ocr.text),
        page_number=1,
        reference=ref,
        evidence=PageEvidence(vocabulary("rus")),
    )
    markers = marker_flags(ref, found, page_number=1)
    assert [(m.type, m.ref_text, m.category) for m in markers] == [
        ("reference_marker", "[неразборчиво]", "illegible")
    ]
    assert markers[0].box == next(f.box for f in found if "неразборчиво" in f.ref_text)


# A suggested correction's detail as ocr.correct.stage stored it before FlagDetail (key order too).
STORED_FIX = (
    '{"original": " ьа", "start": 4, "end": 7, "candidates": [{"text": "", "score": 0.91, '
    '"kind": "delete"}, {"text": " на", "score": 0.05, "kind": "confusion"}], "delete": true}'
)


def test_a_flag_detail_is_stored_as_the_same_json_and_read_back() -> None:
    detail = FlagDetail(
        original=" ьа",
        start=4,
        end=7,
        candidates=(
            SuggestedReading("", 0.91, "delete"),
            SuggestedReading(" на", 0.05, "confusion"),
        ),
        delete=True,
    )
    assert json.dumps(detail.as_json(), ensure_ascii=False) == STORED_FIX
    assert FlagDetail.from_json(json.loads(STORED_FIX)) == detail
    kept = replace(detail, delete=False)
    assert "delete" not in kept.as_json() and not FlagDetail().as_json()
    warning = FlagDetail(chars=0, ink_blobs=12)
    assert warning.as_json() == {"chars": 0, "ink_blobs": 12}
    flag = Flag("correction", "why", 2, Box(1, 2, 3, 4), 0.5, ocr_text="", detail=detail)
    stored = flag.as_json()
    assert list(stored)[13:18] == ["original", "start", "end", "candidates", "delete"]
    assert FlagDetail.from_json(stored) == detail


def test_a_merged_detail_takes_the_later_fields_and_any_deletion() -> None:
    first = FlagDetail(original="a", start=0, end=1, candidates=(), delete=True)
    later = FlagDetail(original="b", start=5, end=6, candidates=(SuggestedReading("c", 0.5, "x"),))
    merged = first.merged(later)
    assert (merged.original, merged.start, merged.end, merged.delete) == ("b", 5, 6, True)
    assert merged.candidates == later.candidates and later.merged(FlagDetail()) == later


def test_a_stored_detail_reads_the_keys_review_uses_and_defaults_the_rest() -> None:
    row = {
        "ref_start": 3,
        "ref_end": 9,
        "ref_before": "до ",
        "ref_after": " млрд",
        "triage": {"verdict": "ocr"},
        "reasons": [{"kind": "ocr_error"}, "not a reason"],
        "suggestion": "",
        "colour": "violet",
    }
    stored = StoredDetail.from_json(row)
    assert (stored.ref_start, stored.ref_end, stored.ref_page_start) == (3, 9, None)
    assert (stored.ref_before, stored.ref_after, stored.colour) == ("до ", " млрд", "violet")
    assert stored.reasons == ({"kind": "ocr_error"},) and stored.triage == {"verdict": "ocr"}
    assert stored.suggestion == "" and stored.original is None
    assert StoredDetail.from_json(None) == StoredDetail() == StoredDetail.from_json({})
