"""What the word boxes say: blanks as narrow as a cut, specks read as marks (ocr.correct.layout,
ocr.correct.strays, the joins that read them)."""

from __future__ import annotations

import pytest

from ocr.correct import apply, suggest
from ocr.correct.layout import Layout, joined_layout, text_layout

PITCH, HEIGHT, TOP = 25, 38, 100  # a 10-pitch typewriter at 300 dpi


def typed(lines: list[list[tuple[str, float]]], *, small: set[str] = frozenset()
          ) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, int, int]]]:
    """A page text and its word boxes: each line a list of (word, blank after it in character
    widths); words in ``small`` get a speck's box."""
    text_lines, spans, boxes = [], [], []
    offset = 0
    for n, line in enumerate(lines):
        x, parts = 200, []
        for word, blank in line:
            start = offset + sum(len(p) + 1 for p in parts)
            spans.append((start, start + len(word)))
            height = 8 if word in small else HEIGHT
            boxes.append((x, TOP + 60 * n, len(word) * PITCH, height))
            x += len(word) * PITCH + round(blank * PITCH)
            parts.append(word)
        text_lines.append(" ".join(parts))
        offset += len(text_lines[-1]) + 1
    return "\n".join(text_lines), spans, boxes


def layout_of(lines, **kw) -> tuple[str, Layout]:
    text, spans, boxes = typed(lines, **kw)
    return text, text_layout(text, spans, boxes)


def test_gaps_in_character_widths_and_specks():
    text, layout = layout_of([[("Приказ", 1.0), ("проект", 0.3), ("ной", 1.0), ("|", 0)],
                              [("Секретарь", 1.0), ("обкома", 0)]], small={"|"})
    assert layout.gap(text.index(" ной")) == pytest.approx(0.3, abs=0.05)
    assert layout.gap(text.index(" проект")) == pytest.approx(1.0, abs=0.05)
    assert layout.gap(text.index("\n")) is None  # no blank between lines
    assert layout.specks == {text.index("|")}


def test_a_speck_where_a_word_faded_is_not_dirt():
    # Between two words far apart (a whole word's room), the small mark stands for that word.
    text, layout = layout_of([[("работы", 1.0), ("‚", 1.0), ("выполнены", 1.0), ("в", 1.0),
                               ("срок", 0)]], small={"‚"})
    assert layout.specks == frozenset()
    text, layout = layout_of([[("работы", 0.3), ("‚", 0.3), ("выполнены", 0)]], small={"‚"})
    assert layout.specks == {text.index("‚")}


def test_specks_at_a_line_end_are_deleted_only_with_the_layout():
    lines = [[("Приказ", 1.0), ("по", 1.0), ("заводу", 1.0), ("|", 0)],
             [("©", 1.0), ("Секретарь", 1.0), ("обкома", 0)]]
    text, layout = layout_of(lines, small={"|", "©"})
    result = apply(text, layout=layout)
    assert result.text == "Приказ по заводу\nСекретарь обкома"
    assert [(c.original, c.replacement, c.kind) for c in result.changes] == [
        (" |", "", "stray"), ("© ", "", "stray")]
    assert apply(text).text == text  # the text alone cannot tell a speck from a typed mark


def test_a_typed_mark_of_full_height_stays():
    text, layout = layout_of([[("Приказ", 1.0), ("по", 1.0), ("заводу", 1.0), ("|", 0)]])
    assert apply(text, layout=layout).text == text


def test_a_period_cut_from_its_word_goes_back():
    text, layout = layout_of([[("Поручить", 1.0), ("тов.", 1.0), ("Громова", 0.3), (".", 0)]])
    result = apply(text, layout=layout)
    assert result.text == "Поручить тов. Громова."
    # Across a real blank the period is only suggested (a lone period may be a typed one).
    text, layout = layout_of([[("Поручить", 1.0), ("тов.", 1.0), ("Громова", 1.1), (".", 0)]])
    assert apply(text, layout=layout).text == text
    assert [c.text for s in suggest(text, layout=layout) if s.original == " ." for c in s.candidates] == ["."]


@pytest.mark.parametrize(("first", "second", "word"), [
    ("коллех", "тиь", "коллектив"),  # two misread letters besides the cut
    ("истек", "шего", "истекшего"),  # a first piece of four letters and one
])
def test_a_word_cut_in_two_is_joined_across_a_narrow_blank(first, second, word):
    def line(blank):
        return [[("Обсудили", 1.0), ("работу", 1.0), (first, blank), (second, 1.0), ("завода", 0)]]

    text, layout = layout_of(line(0.3))
    assert apply(text, layout=layout).text == f"Обсудили работу {word} завода"
    assert apply(text).text == text
    text, layout = layout_of(line(1.0))  # across a whole blank they stay apart
    assert apply(text, layout=layout).text == text


def test_two_words_across_a_narrow_blank_are_only_suggested_as_one():
    text, layout = layout_of([[("Утвердить", 1.0), ("проект", 0.3), ("ной", 1.0),
                               ("документации", 0)]])
    assert suggest(text) == []
    found = suggest(text, layout=layout)
    assert [(s.original, s.best.text, s.best.kind) for s in found] == [
        ("проект ной", "проектной", "join")]
    assert 0.5 < found[0].best.score < 0.95
    assert apply(text, layout=layout).text == text


def test_a_word_broken_by_a_mark_and_a_cut_is_read_whole():
    text, layout = layout_of([[("Решение", 1.0), ("до", 1.0), ("на”то", 0.4), ("ящего", 1.0),
                               ("времени", 1.0), ("не", 1.0), ("выполнено.", 0)]])
    result = apply(text, layout=layout)
    assert result.text == "Решение до настоящего времени не выполнено."
    assert [(c.original, c.kind) for c in result.changes] == [("на”то ящего", "glued")]
    # From the text alone the first piece is read as a word of its own (an `ocr synth` page's
    # wrong correction).
    assert apply(text).text == "Решение до нато ящего времени не выполнено."


def test_joined_layout_offsets_follow_the_joined_text():
    first, one = layout_of([[("Приказ", 1.0), ("по", 1.0), ("заводу", 1.0), ("|", 0)]],
                           small={"|"})
    second, two = layout_of([[("Итоги", 1.0), ("истек", 0.3), ("шего", 1.0), ("года", 0)]])
    whole = joined_layout([(first, one), (second, two)])
    text = first + "\f" + second
    assert whole.specks == {text.index("|")}
    assert whole.gap(text.index(" шего")) == pytest.approx(0.3, abs=0.05)
    assert apply(text, layout=whole).text == "Приказ по заводу\fИтоги истекшего года"


def test_no_boxes_no_layout():
    assert text_layout("", [], []) == Layout()
    assert text_layout("а б", [(0, 1), (2, 3)], [(0, 0, 10, 10)]) == Layout()


def test_a_number_sign_read_as_a_letter_or_mark_before_a_number():
    text = "Экз. Х 2\nПРИКАЗ » 125\nпо заводу\nустановлено, что У 40 процентов рабочих"
    result = apply(text)
    assert result.text == "Экз. № 2\nПРИКАЗ № 125\nпо заводу\nустановлено, что У 40 процентов рабочих"
    assert [(c.original, c.replacement, c.kind) for c in result.changes] == [
        ("Х", "№", "number"), ("»", "№", "number")]
    assert apply("Глава Х гласит").text == "Глава Х гласит"  # not before a number


def test_the_comrade_title_misread_before_a_surname():
    result = apply("Поручить гов. Иванову проверку.\nТоз. Лаптев доложил.")
    assert result.text == "Поручить тов. Иванову проверку.\nТов. Лаптев доложил."
    assert [(c.original, c.replacement, c.kind) for c in result.changes] == [
        ("гов", "тов", "title"), ("Тоз", "Тов", "title")]
    # Two letters off, or no name after it: left alone.
    assert apply("Год. Итоги работы").text == "Год. Итоги работы"
    assert apply("Поручить гов. проверку").text == "Поручить гов. проверку"
    # A sentence's first word takes the capital, after an abbreviation it does not.
    assert apply("Работы закончены. гов. Иванов доложил.").text == (
        "Работы закончены. Тов. Иванов доложил.")
    assert apply("Поручить зав. гаражом гов. Иванову").text == "Поручить зав. гаражом тов. Иванову"
