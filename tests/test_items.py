"""Review items: the signals of one region, disagreement or line merge into one item with all its
reasons; colour is an attribute of a stamp, never a kind; letter shapes and copies as evidence."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.detect.regions import Region
from ocr.flag import Flag, RegionInfo, TextSpan, region_flag
from ocr.flag_records import FlagDetail
from ocr.items import by_line, review_items
from ocr.records import Box
from ocr.tesseract import Word, words_to_text

pytestmark = pytest.mark.unit


def _word(line: int, n: int, left: int, text: str, conf: float = 95.0, top: int = 100) -> Word:
    return Word(1, 1, line, n, Box(left, top + 60 * line, 20 * len(text), 30), conf, text)


WORDS = [
    _word(1, 1, 100, "советник"),
    _word(1, 2, 300, "Посольства"),
    _word(1, 3, 540, "Петров"),
    _word(2, 1, 100, "хонсульским", 40.0),
    _word(2, 2, 360, "отделом"),
    _word(3, 1, 100, "зав.", 30.0),
    _word(3, 2, 200, "Серегин", 35.0),
]
OCR = words_to_text(WORDS)


def _flag(kind: str, word: Word, **fields) -> Flag:  # noqa: ANN003 - Flag's own fields
    return Flag(
        type=kind,
        reason=f"{kind} at {word.text}",
        page_number=1,
        box=word.box,
        severity=fields.pop("severity", 0.5),
        ocr_text=word.text,
        **fields,
    )


def _disagreement(word: Word, ref: str, category: str = "possible OCR error") -> Flag:
    start = OCR.text.index(word.text)
    span = TextSpan(start, start + len(ref), "", "", start, start + len(word.text), "replace")
    return _flag("disagreement", word, ref_text=ref, category=category, span=span)


def test_signals_about_the_same_words_are_one_item_with_all_reasons() -> None:
    low = _flag("low_confidence", WORDS[3], confidence=40.0)
    fix = _flag("correction", WORDS[3], detail=FlagDetail(original="хонсульским"))
    fix = Flag(**{**fix.__dict__, "ocr_text": "консульским"})  # a suggestion's own text
    diff = _disagreement(WORDS[3], "консульским")
    items = review_items([low, fix, diff], ocr=OCR, reference=None)
    assert len(items) == 1
    item = items[0]
    assert item.kind == "ocr_error" and item.ocr_text == "хонсульским"
    assert [r.kind for r in item.all_reasons()] == ["ocr_error", "correction", "low_confidence"]
    assert item.suggestion == "консульским" and item.confidence == 40.0
    assert item.detail_json()["reasons"][1]["label"] == "suggested correction"


def test_signals_of_one_line_merge_and_lines_stay_apart() -> None:
    flags = [
        _flag("low_confidence", WORDS[5], confidence=30.0),
        _flag("low_confidence", WORDS[6], confidence=35.0),
        _flag("unknown_word", WORDS[0]),  # line 1: not next to line 3
    ]
    items = review_items(flags, ocr=OCR, reference=None)
    assert sorted(len(i.all_reasons()) for i in items) == [1, 2]
    line3 = next(i for i in items if len(i.all_reasons()) == 2)
    assert line3.ocr_text == "зав. Серегин"
    assert line3.box == WORDS[5].box.union(WORDS[6].box)
    assert [len(g) for g in by_line(flags)] == [1, 2]


def test_doubts_on_consecutive_lines_of_a_paragraph_are_one_item() -> None:
    """A date over its registry number, a word doubted on each of two lines: one item, its box
    over both; a line of another paragraph or two lines further down stays apart."""
    flags = [_flag("unknown_word", WORDS[3]), _flag("low_confidence", WORDS[5], confidence=30.0)]
    items = review_items(flags, ocr=OCR, reference=None)
    assert len(items) == 1 and items[0].box == WORDS[3].box.union(WORDS[5].box)
    assert [r.kind for r in items[0].all_reasons()] == ["unknown_word", "low_confidence"]
    other = Word(2, 1, 1, 1, Box(100, 280, 80, 30), 30.0, "зав.")  # below, another paragraph
    ocr = words_to_text([*WORDS[:5], other])
    flags = [_flag("unknown_word", WORDS[3]), _flag("low_confidence", other, confidence=30.0)]
    assert len(review_items(flags, ocr=ocr, reference=None)) == 2
    words = [_word(n, 1, 100, f"слово{n}", 30.0) for n in range(1, 6)]  # five lines
    flags = [_flag("low_confidence", w, confidence=30.0) for w in words]
    items = review_items(flags, ocr=words_to_text(words), reference=None)
    assert [len(i.all_reasons()) for i in items] == [3, 2]  # a block spans three lines at most


def test_where_the_reference_agrees_the_ocrs_doubts_are_settled() -> None:
    low = _flag("low_confidence", WORDS[6], confidence=35.0)
    diff = _disagreement(WORDS[2], "Метров", "possible reference error")
    items = review_items([low, diff], ocr=OCR, reference="советник Посольства Метров")
    assert [i.kind for i in items] == ["reference_error"]
    assert len(review_items([low], ocr=OCR, reference=None)) == 1  # no reference: still shown


def _handwriting(box: Box, *, density: float, pieces: int = 1) -> Flag:
    corners = ((box.left, box.top), (box.right, box.top), (box.right, box.bottom))
    return Flag(
        type="handwriting",
        reason="handwriting: a stroke 1.7x the typed line height",
        page_number=1,
        box=box,
        severity=0.6,
        region=RegionInfo(corners, "", "strokes", {"density": density, "pieces": pieces}),
    )


def test_a_solid_blot_is_no_writing_and_takes_what_lies_in_it_along() -> None:
    """A punch hole (one solid, round piece) called handwriting is no item, nor is the ink
    read inside it; pen strokes (a minority of their box inked) stay."""
    hole = _handwriting(Box(20, 150, 72, 72), density=0.8)
    inside = _flag("garbage", WORDS[0], severity=0.4)
    inside = Flag(**{**inside.__dict__, "box": Box(30, 160, 40, 40)})
    assert review_items([hole, inside], ocr=OCR, reference=None) == []
    pen = _handwriting(Box(20, 150, 72, 72), density=0.25, pieces=3)
    assert [i.kind for i in review_items([pen, inside], ocr=OCR, reference=None)] == ["handwriting"]
    bar = _handwriting(Box(20, 150, 300, 40), density=0.8)  # a solid bar: not round, kept
    assert len(review_items([bar], ocr=OCR, reference=None)) == 1


def test_a_region_takes_in_the_line_its_ink_lies_in() -> None:
    """A mark inside the words of a low-confidence line is one item with them."""
    low = _flag("low_confidence", WORDS[4], confidence=33.0)
    mark = _handwriting(Box(WORDS[4].box.left + 10, WORDS[4].box.top - 5, 20, 40), density=0.3)
    items = review_items([mark, low], ocr=OCR, reference=None)
    assert len(items) == 1 and items[0].kind == "handwriting"
    assert {r.kind for r in items[0].all_reasons()} == {"handwriting", "low_confidence"}


def test_doubts_about_long_dictionary_words_need_no_person() -> None:
    """Tesseract's doubt alone about a reading spelled as a long dictionary word is dropped;
    doubts about a short word, a non-word or a number stay, as does a line with another
    signal."""
    from ocr.triage import vocabulary

    words = vocabulary("rus")
    sure = _flag("low_confidence", WORDS[4], confidence=40.0)  # "отделом"
    odd = _flag("low_confidence", WORDS[3], confidence=40.0)  # "хонсульским"
    short = _flag("low_confidence", WORDS[5], confidence=30.0)  # "зав."
    assert review_items([sure], ocr=OCR, reference=None, vocabulary=words) == []
    assert len(review_items([sure], ocr=OCR, reference=None)) == 1  # no vocabulary: shown
    items = review_items([odd, short], ocr=OCR, reference=None, vocabulary=words)
    assert [i.ocr_text for i in items] == ["хонсульским зав. Серегин"]  # kept: lines 2, 3
    items = review_items([sure, odd], ocr=OCR, reference=None, vocabulary=words)
    assert [i.ocr_text for i in items] == ["хонсульским отделом"]  # one line, one item


def test_a_stamp_takes_in_what_lies_inside_it_and_finds_its_text_in_the_reference() -> None:
    stamp = Flag(
        type="stamp",
        reason="violet ink: stamp",
        page_number=1,
        box=Box(80, 140, 700, 220),
        severity=0.9,
        ocr_text="МИД СССР\nВх. № 0404",
        region=RegionInfo(((80, 140), (780, 140), (780, 360), (80, 360)), "violet"),
    )
    garbage = _flag("garbage", WORDS[1])
    inserted = Flag(
        type="disagreement",
        reason="OCR reads ink",
        page_number=1,
        box=WORDS[4].box,
        severity=0.5,
        ocr_text="отделом",
        category="possible OCR error",
        span=TextSpan(5, 5, "", "", 0, 7, "insert"),
    )
    reference = "Дневник\nМИД СССР\nДипломатический отдел\nВх. № 0404с\nМетров"
    at = reference.index("Метров")  # typed text the reference has: its own item
    typed = Flag(
        type="disagreement",
        reason="reads Петров",
        page_number=1,
        box=WORDS[2].box,
        severity=0.6,
        ocr_text="Петров",
        ref_text="Метров",
        category="possible OCR error",
        span=TextSpan(at, at + 6, "", "", 30, 36, "replace"),
    )
    items = review_items([stamp, garbage, inserted, typed], ocr=OCR, reference=reference)
    kinds = sorted(i.kind for i in items)
    assert kinds == ["ocr_error", "stamp"]
    found = next(i for i in items if i.kind == "stamp")
    assert {r.kind for r in found.all_reasons()} == {"stamp", "garbage", "ocr_error"}
    assert found.ref_text.startswith("МИД СССР") and "0404с" in found.ref_text
    assert found.region is not None and found.region.colour == "violet"


def test_colour_is_an_attribute_of_a_stamp_never_its_kind() -> None:
    region = Region(
        "stamp",
        Box(0, 0, 100, 100),
        ((0, 0), (100, 0), (100, 100), (0, 100)),
        0.9,
        "stamp: 900 px of violet ink",
        colour="violet",
        source="colour",
    )
    flag = region_flag(region, page_number=1)
    assert flag.kind == "stamp" and flag.category == "" and flag.label == "stamp"
    assert flag.region is not None and flag.region.colour == "violet"
    assert flag.as_json()["colour"] == "violet" and flag.as_json()["item"] == "stamp"


def test_batch_summary_counts_kinds_not_colours() -> None:
    from types import SimpleNamespace

    from ocr.batch import item_counts

    hand = Region(
        "handwriting",
        Box(0, 0, 50, 50),
        ((0, 0), (50, 0), (50, 50), (0, 50)),
        0.7,
        "pen strokes",
        colour="blue",
    )
    stamp = Region(
        "stamp",
        Box(0, 0, 90, 90),
        ((0, 0), (90, 0), (90, 90), (0, 90)),
        0.9,
        "a stamp",
        colour="violet",
    )
    doc = SimpleNamespace(
        flags=(region_flag(hand, page_number=1), region_flag(stamp, page_number=1))
    )
    assert item_counts([doc]) == {"handwriting": 1, "stamp": 1}


def test_letter_shapes_tell_a_misread_letter_from_a_reference_error() -> None:
    """Letters drawn on a page as a typewriter types them: the disputed letter looks like the
    page's own П (the reference's М is wrong) or like its к (the OCR's х is wrong)."""
    import cv2

    from ocr.glyphs import glyph_book, shape_support

    gray = np.full((400, 1800), 245, np.uint8)
    words, left, pitch = [], 20, 40
    # (what the OCR read, what the page shows): Latin look-alikes drawn for the Cyrillic letters.
    shown = [
        ("пк", "nk"),
        ("мк", "mk"),
        ("пм", "nm"),
        ("кп", "kn"),
        ("мп", "mn"),
        ("км", "km"),
        ("пкм", "nkm"),
        ("хп", "xn"),
        ("кх", "kx"),
        ("Пкм", "Nkm"),
        ("хм", "km"),
    ]
    for n, (read, drawn) in enumerate(shown, start=1):
        for i, char in enumerate(drawn):
            cv2.putText(gray, char, (left + i * pitch + 4, 100), cv2.FONT_HERSHEY_PLAIN, 3.0, 20, 3)
        words.append(Word(1, 1, 1, n, Box(left, 62, pitch * len(read), 44), 96.0, read))
        left += pitch * (len(read) + 1)
    text = words_to_text(words)
    book = glyph_book(gray, words, known=lambda w: w != "хм")
    assert {"п", "к", "м", "х"} <= set(book.prototypes)
    at = text.text.index("Пкм")
    assert shape_support(book, text, ocr_start=at, ocr_text="Пкм", ref_text="Мкм") > 0.05
    at = text.text.index("хм")
    assert shape_support(book, text, ocr_start=at, ocr_text="хм", ref_text="км") < 0


def test_another_copy_that_reads_the_same_speaks_for_a_reference_error() -> None:
    from ocr.triage import FEATURES, Evidence, Model, judge, with_copies

    model = Model((-1.0, *([0.0] * (len(FEATURES) - 1)), 3.0), 0.5)  # copies alone decide
    evidence = Evidence(
        confidence=0.9,
        lexical=0.0,
        ocr_word=True,
        ref_word=True,
        image=1.0,
        has_image=True,
        shape=0.0,
        has_shape=False,
        case_only=False,
        typographic=False,
        one_sided=False,
    )
    alone = judge(evidence, model=model)
    assert not alone.reference_error
    assert with_copies(alone, 1, model=model).reference_error
    assert not with_copies(alone, -1, model=model).reference_error


def test_unread_ink_that_is_a_doubted_words_own_strokes_needs_no_person() -> None:
    """A bold word's smudged letters, left unread inside a long dictionary word tesseract
    doubted, make no item with it; ink beside the word, ink standing taller than it (a stamp's
    or a pen's) or inside a word that is no dictionary word still does."""
    from ocr.triage import vocabulary

    words = vocabulary("rus")
    sure = _flag("low_confidence", WORDS[4], confidence=40.0)  # "отделом": 360..500, rows 220..250
    odd = _flag("low_confidence", WORDS[3], confidence=40.0)  # "хонсульским"

    def ink(box: Box) -> Flag:
        return Flag(
            type="unrecognised_ink",
            reason="ink that no OCR word covers",
            page_number=1,
            box=box,
            severity=0.6,
        )

    own = ink(Box(380, 222, 100, 26))
    assert review_items([sure, own], ocr=OCR, reference=None, vocabulary=words) == []
    assert len(review_items([sure, own], ocr=OCR, reference=None)) == 1  # no vocabulary
    beside = ink(Box(520, 222, 60, 26))
    assert len(review_items([sure, beside], ocr=OCR, reference=None, vocabulary=words)) == 1
    taller = ink(Box(380, 210, 100, 50))
    assert len(review_items([sure, taller], ocr=OCR, reference=None, vocabulary=words)) == 1
    in_odd = ink(Box(120, 222, 100, 26))
    assert len(review_items([odd, in_odd], ocr=OCR, reference=None, vocabulary=words)) == 1
    assert len(review_items([own], ocr=OCR, reference=None, vocabulary=words)) == 1  # ink alone
