"""Scoring core: CER/WER equal to dinglehopper 0.11, word diff spans, normalisation, page splits."""

from __future__ import annotations

import math
import random
import unicodedata
from fractions import Fraction
from pathlib import Path

import dinglehopper
import pytest
import uniseg.wordbreak
from dinglehopper.word_error_rate import words as dinglehopper_words
from lxml import etree
from uniseg.graphemecluster import grapheme_clusters

from ocr.score import (
    DiffSpan,
    TextScore,
    character_error_rate,
    diff_spans,
    micro_average,
    normalise,
    score_text,
    split_grapheme_clusters,
    split_reference_by_pages,
    split_words,
    word_error_rate,
)

pytestmark = pytest.mark.unit

# Real data from /work/shared (origin and licence in its realdata/README.md and seed/NOTES.md):
# Komi "Выль туйӧд" 1939 line transcriptions (Public Domain Mark, nikopartanen/vyl-tujod-ocr) and
# EHRI typewritten diplomatic reports, ALTO line ground truth (CC-BY 4.0, EHRI project).
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "seed" / "ivanov-journal-1955-12-24.txt"
KOMI = SHARED / "realdata" / "komi-vyl-tujod-1939" / "1939_09"
EHRI = SHARED / "realdata" / "ehri-typewritten-diplomatic" / "english"

# From the seed document (/work/shared/seed, see its NOTES.md): the archive's Russian
# transcription of V. I. Ivanov's journal, 24 December 1955 (Wilson Center Digital Archive,
# RGANI f. 5, op. 28, d. 412). It holds real transcription errors: Метров for Петров etc.
SEED_PARAGRAPH = (
    "После этого был рассмотрен с Нам Иром вопрос проведения работы с советскими корейцами в "
    "соответствии с указом Президиума Верховного Совета СССР от 29.XII.55 года, о переходе в "
    "корейское гражданство. Нам Ир согласился с намеченными мероприятиями и сказал, что доложит "
    "их Ким Ир Сёну. Нам Ир обещал также организовать вызов советских корейцев в Советское "
    "Посольство для бесед.\n"
    "На беседе присутствовал советник Посольства Метров и зав. консульским отделом Серегин."
)
SEED_LINES = [
    "посла СССР в КНДР тов. ИВАНОВУ В.И.",
    "за период с 20 декабря 1955 года",
    "по 19 января 1956 года",
    "Г. Лхенъян",
    "согласился, в пределах до 30 млрдруб. Корейские друзья намерены заказать в ГДР некоторое",
    "количество оборудования. Гротеволь просил представить спецификацию и указал, что",
    "потребуется годичный срок для выполнения заказов.",
    "Фишер сообщил также о попытке корейских друзей распространить помощь ГДР не только на",
    "работы, связанные с восстановлением Хамкына, но и на химические заводы Хыннама и Понгуна.",
    "Я поблагодарил Фишера за информацию.",
]

LOOKALIKES = {
    "о": "o",
    "е": "e",
    "а": "a",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "О": "0",
    "Х": "X",
    "І": "I",
    "l": "1",
    "і": "i",
    "ӧ": "ö",
}


def perturb(text: str, seed: int, *, rate: float = 0.06) -> str:
    """OCR-like damage: look-alikes, deletions, insertions, merged words, NFD, stray marks."""
    rng = random.Random(seed)
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate * 0.3 and char in LOOKALIKES:
            out.append(LOOKALIKES[char])
        elif roll < rate * 0.45:
            continue
        elif roll < rate * 0.6:
            out.append(char + rng.choice("ilтн.,'\u0301"))
        elif roll < rate * 0.75 and char == " ":
            out.append(rng.choice(["", "  ", "\t"]))
        elif roll < rate:
            out.append(unicodedata.normalize("NFD", char.swapcase()))
        else:
            out.append(char)
    return "".join(out)


def assert_same_as_dinglehopper(reference: str, compared: str) -> None:
    expected_cer = dinglehopper.character_error_rate(reference, compared)
    expected_wer = dinglehopper.word_error_rate(reference, compared)
    score = score_text(reference, compared)
    for ours in (character_error_rate(reference, compared), score.cer):
        assert ours == pytest.approx(expected_cer, rel=0, abs=1e-9), (reference, compared)
    for ours in (word_error_rate(reference, compared), score.wer):
        assert ours == pytest.approx(expected_wer, rel=0, abs=1e-9), (reference, compared)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared real data not found at {path}")
    return path


# --- agreement with dinglehopper on real text -----------------------------------------------------


def test_komi_lines_match_dinglehopper() -> None:
    files = sorted(need(KOMI).glob("*/*.gt.txt"))
    assert len(files) > 300
    texts = [f.read_text(encoding="utf-8") for f in files]
    for index, text in enumerate(texts):
        assert_same_as_dinglehopper(text, perturb(text, index))
        assert_same_as_dinglehopper(text, texts[index - 1])
        assert_same_as_dinglehopper(text.strip(), perturb(text.strip(), index, rate=0.3))


def ehri_page_text(path: Path) -> str:
    root = etree.parse(str(path)).getroot()
    ns = {"a": root.nsmap[None]}
    lines = root.iterfind(".//a:TextLine", ns)
    return "\n".join(
        " ".join(s.get("CONTENT", "") for s in line.iterfind("a:String", ns)) for line in lines
    )


def test_ehri_pages_match_dinglehopper() -> None:
    pages = sorted(need(EHRI).glob("*.xml"))
    assert len(pages) == 6
    for index, page in enumerate(pages):
        text = ehri_page_text(page)
        assert text.count("\n") > 5
        assert_same_as_dinglehopper(text, perturb(text, index))
        assert_same_as_dinglehopper(text, text.replace("the", "tho").replace(".", ",")[5:])


def test_seed_document_matches_dinglehopper() -> None:
    text = need(SEED).read_text(encoding="utf-8")
    assert "Метров" in text
    corrected = (
        text.replace("Метров", "Петров")
        .replace("Лхенъян", "Пхеньян")
        .replace("ИВАНОВУ", "ИВАНОВА")
        .replace("млрдруб.", "млрд. руб.")
    )
    assert_same_as_dinglehopper(text, corrected)
    assert_same_as_dinglehopper(text, perturb(text, 1955))
    assert_same_as_dinglehopper(normalise(text), normalise(perturb(text, 24)))


def test_seed_paragraph_matches_dinglehopper() -> None:
    assert_same_as_dinglehopper(SEED_PARAGRAPH, SEED_PARAGRAPH.replace("Метров", "Петров"))
    assert_same_as_dinglehopper(SEED_PARAGRAPH, perturb(SEED_PARAGRAPH, 7, rate=0.2))
    for index, line in enumerate(SEED_LINES):
        assert_same_as_dinglehopper(line, perturb(line, index, rate=0.15))
        assert_same_as_dinglehopper(line, SEED_LINES[index - 1])


def test_long_text_matches_dinglehopper() -> None:
    """Exercises the piecewise segmenters on a text long enough to repeat and vary words."""
    text = "\n".join(
        perturb(SEED_PARAGRAPH + "\n" + "\n".join(SEED_LINES), seed, rate=0.02) for seed in range(8)
    )
    assert_same_as_dinglehopper(text, perturb(text, 99))


# --- hard Unicode, with exact values --------------------------------------------------------------

E_DIAERESIS_NFD = "е\u0308"  # Cyrillic е + combining diaeresis, NFC is ё
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme cluster, three emoji

PINNED = [
    # reference, compared, CER, WER
    ("Метров", "Петров", Fraction(1, 6), Fraction(1)),
    ("ёж", E_DIAERESIS_NFD + "ж", Fraction(0), Fraction(0)),  # NFC vs NFD: equal
    ("й", "и\u0306", Fraction(0), Fraction(0)),
    ("ёлка", "елка", Fraction(1, 4), Fraction(1)),
    ("за\u0301мок", "замок", Fraction(1, 5), Fraction(1)),  # stress mark stays in its cluster
    ("замок", "за\u0301мок", Fraction(1, 5), Fraction(1)),
    (FAMILY, "\U0001f468\U0001f469\U0001f467", Fraction(3), Fraction(0)),  # emoji are not words
    ("\U0001f44d\U0001f3fd", "\U0001f44d", Fraction(1), Fraction(0)),
    ("\ufeff", "", Fraction(1), Fraction(0)),  # a BOM counts as a character, not a word
    ("", "abc", math.inf, math.inf),
    ("", "", Fraction(0), Fraction(0)),
    (" ", "", Fraction(1), Fraction(0)),
    ("abc def", "", Fraction(1), Fraction(1)),
    ("Метров  и", "Метров и", Fraction(1, 9), Fraction(0)),  # whitespace only: no word error
    ("Метров и\n", "Метров и", Fraction(1, 9), Fraction(0)),
    ("XII", "ХІІ", Fraction(1), Fraction(1)),  # Latin vs Cyrillic look-alikes
    ("Петров", "Пeтpoв", Fraction(1, 2), Fraction(1)),
    ("29.XII.55", "29.ХII.55", Fraction(1, 9), Fraction(1, 3)),  # 29 . XII . 55 as three words
    ("30 млрдруб.", "30 млрд. руб.", Fraction(2, 11), Fraction(1)),
    ("тов. ИВАНОВУ В.И.", "тов. ИВАНОВА В.И.", Fraction(1, 17), Fraction(1, 3)),
    ("Д Н Е В Н И К", "ДНЕВНИК", Fraction(6, 13), Fraction(1)),
    ("научно-исследовательском", "научно исследовательском", Fraction(1, 24), Fraction(0)),
    ("a\ue000b", "ab", Fraction(1, 3), Fraction(1)),  # private use: its own word (see score.py)
]


@pytest.mark.parametrize(("reference", "compared", "cer", "wer"), PINNED)
def test_pinned_rates(
    reference: str, compared: str, cer: Fraction | float, wer: Fraction | float
) -> None:
    assert character_error_rate(reference, compared) == float(cer)
    assert word_error_rate(reference, compared) == float(wer)
    assert_same_as_dinglehopper(reference, compared)


def test_bom_only_reference_is_empty_after_normalisation() -> None:
    assert normalise("\ufeff") == ""
    assert character_error_rate(normalise("\ufeff"), "") == 0.0
    assert character_error_rate(normalise("\ufeff"), "x") == math.inf


def test_empty_ocr_scores_one() -> None:
    score = score_text(SEED_PARAGRAPH, "")
    assert (score.cer, score.wer) == (1.0, 1.0)
    assert score.char_errors == score.char_total
    assert [s.kind for s in score.spans] == ["delete"]


POOL = list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЕЁЙ abcXI019 .,;:'\"-_()«»—\n\r\t\u00a0\u3000") + [
    "\u0308",
    "\u0301",
    "\u0306",
    "\u200d",
    "\u200b",
    "\u00ad",
    "\ufeff",
    "\ue000",
    "\U0001f44d",
    "\U0001f3fd",
    "\U0001f1f7",
    "\U0001f1fa",
    "\u0915",
    "\u094d",
    "\u0937",
    "\u093f",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\uac01",
    "\u05d0",
    "\u05f3",
    "\u30a2",
    "\u2028",
    "\x0b",
    "\x0c",
    "\x85",
    "\u0600",
    "\u0903",
    "\u2764",
    "\ufe0f",
    "\u02c2",
]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(POOL) for _ in range(rng.randrange(0, 30)))


def test_random_unicode_matches_dinglehopper() -> None:
    rng = random.Random(20251229)
    for _ in range(800):
        assert_same_as_dinglehopper(random_text(rng), random_text(rng))


def test_fast_segmenters_equal_uniseg() -> None:
    """The piecewise segmenters must reproduce uniseg (and dinglehopper's word filter) exactly."""
    rng = random.Random(1955)
    for _ in range(2000):
        text = random_text(rng)
        assert split_grapheme_clusters(text) == list(grapheme_clusters(text)), repr(text)
        assert split_words(text) == list(dinglehopper_words(text)), repr(text)
    text = need(SEED).read_text(encoding="utf-8")
    assert split_grapheme_clusters(text) == list(grapheme_clusters(text))
    assert split_words(text) == [w for w in dinglehopper_words(text)]
    assert "".join(uniseg.wordbreak.words(text)) == text


# --- score_text and micro_average ---------------------------------------------------------------


def test_score_text_counts() -> None:
    score = score_text("Метров и Серегин", "Петров и Серегин.")
    assert (score.char_errors, score.char_total) == (2, 16)
    assert (score.word_errors, score.word_total) == (1, 3)
    assert score.cer == 2 / 16 and score.wer == 1 / 3


def test_micro_average_weights_by_length() -> None:
    short = score_text("ab", "xb")  # 1/2
    long = score_text("a" * 98, "a" * 98)  # 0/98
    cer, wer = micro_average([short, long])
    assert cer == 1 / 100
    assert wer == 1 / 2
    assert micro_average([]) == (0.0, 0.0)
    assert micro_average([score_text("", "")]) == (0.0, 0.0)
    assert micro_average([score_text("", "x")]) == (math.inf, math.inf)
    assert micro_average([score_text("", "x"), score_text("ab", "ab")]) == (0.5, 1.0)


def test_text_score_is_frozen() -> None:
    score = score_text("a", "b")
    assert isinstance(score, TextScore)
    with pytest.raises(AttributeError):
        score.cer = 0.0  # type: ignore[misc]


# --- normalise ----------------------------------------------------------------------------------


def test_normalise() -> None:
    raw = "\ufeff  Г.  Лхенъян\t\r\n\r\n е\u0308ж\u00a0 \n\n  \n29.XII.55   года  "
    assert normalise(raw) == "Г. Лхенъян\n\nёж\n\n\n29.XII.55 года"
    assert normalise("") == ""
    assert normalise(" \n\t\n") == ""
    assert normalise("a\u2028b\rc\vd") == "a\nb\nc\nd"


def test_normalise_keeps_page_breaks_and_drops_trailing_ones() -> None:
    assert normalise("стр. 1 \f  стр.  2\f") == "стр. 1\fстр. 2"
    assert normalise("a\f\fb") == "a\f\fb"  # a blank page in the middle still counts


def test_normalise_is_idempotent() -> None:
    rng = random.Random(3)
    for _ in range(500):
        text = random_text(rng)
        assert normalise(normalise(text)) == normalise(text)
        assert unicodedata.is_normalized("NFC", normalise(text))


# --- diff spans ---------------------------------------------------------------------------------


def check_offsets(reference: str, compared: str, spans: list[DiffSpan]) -> None:
    for span in spans:
        assert reference[span.ref_start : span.ref_end] == span.ref_text
        assert compared[span.ocr_start : span.ocr_end] == span.ocr_text
        assert span.kind == (
            "insert" if not span.ref_text else "delete" if not span.ocr_text else "replace"
        )


def test_span_metrov_petrov() -> None:
    ocr = SEED_PARAGRAPH.replace("Метров", "Петров")
    spans = diff_spans(SEED_PARAGRAPH, ocr)
    assert len(spans) == 1
    span = spans[0]
    assert (span.ref_text, span.ocr_text, span.kind) == ("Метров", "Петров", "replace")
    assert span.ref_start == SEED_PARAGRAPH.index("Метров")
    assert span.ocr_end - span.ocr_start == len("Петров")
    check_offsets(SEED_PARAGRAPH, ocr, spans)


def test_span_pyongyang_merges_adjacent_words() -> None:
    spans = diff_spans("Г. Лхенъян", "г. Пхеньян")
    assert spans == [DiffSpan(0, 10, 0, 10, "Г. Лхенъян", "г. Пхеньян", "replace")]
    spans = diff_spans("Г. Лхенъян", "Г. Пхеньян")
    assert spans == [DiffSpan(3, 10, 3, 10, "Лхенъян", "Пхеньян", "replace")]


def test_spans_at_start_and_end() -> None:
    ref = "Нам Ир согласился"
    cases = {
        "МИД Нам Ир согласился": DiffSpan(0, 0, 0, 3, "", "МИД", "insert"),
        "Нам Ир согласился 93": DiffSpan(17, 17, 18, 20, "", "93", "insert"),
        "Ир согласился": DiffSpan(0, 3, 0, 0, "Нам", "", "delete"),
        "Нам Ир": DiffSpan(7, 17, 6, 6, "согласился", "", "delete"),
        "Нам Ир  согласилса.": DiffSpan(7, 17, 8, 18, "согласился", "согласилса", "replace"),
    }
    for ocr, expected in cases.items():
        assert diff_spans(ref, ocr) == [expected], ocr
        check_offsets(ref, ocr, [expected])


def test_spans_on_empty_and_equal_texts() -> None:
    assert diff_spans("", "") == []
    assert diff_spans("мир", "мир") == []
    assert diff_spans("мир.", "мир,") == []  # punctuation is not a word (as in WER)
    assert diff_spans("", "МИД СССР") == [DiffSpan(0, 0, 0, 8, "", "МИД СССР", "insert")]
    assert diff_spans("МИД СССР", "") == [DiffSpan(0, 8, 0, 0, "МИД СССР", "", "delete")]


def test_span_offsets_are_into_the_given_strings() -> None:
    ref = "Ёлка " + E_DIAERESIS_NFD + "ж Метров"  # not NFC: offsets must still slice it
    ocr = "Елка ёж Петров"
    spans = diff_spans(ref, ocr)
    assert [(s.ref_text, s.ocr_text) for s in spans] == [("Ёлка", "Елка"), ("Метров", "Петров")]
    check_offsets(ref, ocr, spans)


def test_spans_on_perturbed_real_text() -> None:
    for seed in range(20):
        ocr = perturb(SEED_PARAGRAPH, seed, rate=0.1)
        score = score_text(SEED_PARAGRAPH, ocr)
        assert list(score.spans) == diff_spans(SEED_PARAGRAPH, ocr)
        check_offsets(SEED_PARAGRAPH, ocr, list(score.spans))
        assert score.spans or score.word_errors == 0
        for previous, span in zip(score.spans, score.spans[1:], strict=False):
            assert previous.ref_end <= span.ref_start and previous.ocr_end <= span.ocr_start


# --- split_reference_by_pages -------------------------------------------------------------------


def two_pages() -> tuple[str, str]:
    lines = SEED_PARAGRAPH.replace(". ", ".\n").split("\n") + SEED_LINES
    return "\n".join(lines[:6]), "\n".join(lines[6:])


def test_split_whole_reference_at_page_boundary() -> None:
    page1, page2 = two_pages()
    ocr = [perturb(page1, 1, rate=0.03), perturb(page2, 2, rate=0.03)]
    parts = split_reference_by_pages(page1 + "\n" + page2, ocr)
    assert parts == [normalise(page1), normalise(page2)]


def test_split_survives_stamp_noise_at_the_boundary() -> None:
    page1, page2 = two_pages()
    ocr = [page1 + "\nМИД СССР Вх. № 0404с 7-1-1956", "93 25\n" + page2]
    parts = split_reference_by_pages(page1 + "\n" + page2, ocr)
    assert parts == [normalise(page1), normalise(page2)]


def test_split_prefers_line_break_near_the_aligned_position() -> None:
    page1, page2 = two_pages()
    # OCR lost the last words of page 1 and the first of page 2: cut at the nearest line break.
    ocr = [page1[:-12], page2[10:]]
    assert split_reference_by_pages(page1 + "\n" + page2, ocr) == [
        normalise(page1),
        normalise(page2),
    ]


def test_split_uses_form_feeds_when_they_match() -> None:
    assert split_reference_by_pages("а  б\fв\f", ["x", "y"]) == ["а б", "в"]
    assert split_reference_by_pages("а\fб\fв", ["а", "б в"]) == ["а", "б\nв"]  # 3 parts, 2 pages
    assert split_reference_by_pages("что-то", []) == []
    assert split_reference_by_pages(" что-то ", ["x"]) == ["что-то"]


def test_split_with_blank_ocr_page() -> None:
    page1, page2 = two_pages()
    parts = split_reference_by_pages(page1 + "\n" + page2, [page1, "", page2])
    assert len(parts) == 3
    assert " ".join(parts).split() == normalise(page1 + "\n" + page2).split()


# --- blank lines, as dinglehopper's CLI reads text files ---------------------------------------


def _blank_line_pair() -> tuple[str, str]:
    """A long Russian text with many blank lines (the seed transcription, damaged differently each
    time, with its own blank lines and more between the copies) and an OCR of it that keeps some
    blank lines, loses others and adds a few. Lines carry one space per run and none of the
    characters dinglehopper's SBB normalisation rewrites, so the two tools read the same text."""
    from dinglehopper.extracted_text import substitute_equivalences

    seed = need(SEED).read_text(encoding="utf-8")
    seed = seed[seed.index("МИД СССР") : seed.index("\nref 01089")]
    rng = random.Random(535)
    ref_lines: list[str] = []
    ocr_lines: list[str] = []
    while sum(len(line) + 1 for line in ref_lines) < 120_000:
        copy = perturb(seed, len(ref_lines), rate=0.01).split("\n") + [""] * rng.randrange(1, 3)
        for line in copy:
            line = " ".join(substitute_equivalences(line).split())
            ref_lines.append(line)
            if not line:  # blank: kept, lost or doubled in the OCR
                ocr_lines.extend([""] * rng.choice((0, 1, 1, 2)))
            else:
                ocr_lines.append(
                    " ".join(
                        substitute_equivalences(perturb(line, len(ocr_lines), rate=0.05)).split()
                    )
                )
    return "\n".join(ref_lines).strip("\n") + "\n", "\n".join(ocr_lines).strip("\n") + "\n"


def test_blank_lines_count_as_dinglehopper_counts_them(tmp_path: Path) -> None:
    from dinglehopper.ocr_files import plain_text

    from ocr.score_cli import score_files

    reference, ocr = _blank_line_pair()
    assert reference.count("\n\n") > 500 and len(reference) > 100_000
    (tmp_path / "ref.txt").write_text(reference, encoding="utf-8")
    (tmp_path / "ocr.txt").write_text(ocr, encoding="utf-8")
    theirs_ref = plain_text(str(tmp_path / "ref.txt"), encoding="utf-8")
    theirs_ocr = plain_text(str(tmp_path / "ocr.txt"), encoding="utf-8")
    (pair,) = score_files(tmp_path / "ref.txt", tmp_path / "ocr.txt").pairs
    strict = pair.comparison.scores["strict"]
    expected_cer = dinglehopper.character_error_rate(theirs_ref, theirs_ocr)
    expected_wer = dinglehopper.word_error_rate(theirs_ref, theirs_ocr)
    assert strict.char_total == len(list(grapheme_clusters(theirs_ref)))
    assert strict.cer == pytest.approx(expected_cer, rel=0, abs=1e-9)
    assert strict.wer == pytest.approx(expected_wer, rel=0, abs=1e-9)


def test_normalise_keeps_blank_lines_but_not_trailing_ones() -> None:
    assert normalise("a\n\n  \nb") == "a\n\n\nb"
    assert normalise("\n\na\n\n") == "\n\na"  # leading blank lines count, trailing ones do not
    assert character_error_rate(normalise("a\n\nb"), normalise("a\nb")) == Fraction(1, 4)
