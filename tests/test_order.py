"""Tables read across (ocr.order): lines of different blocks on shared baselines are put in rows,
left to right; a page of one column (or a few side notes) is left exactly as it was read."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest

from ocr.merge_files import PageSize, plain_text, tsv_text
from ocr.order import (
    RULE,
    Flow,
    OrderRule,
    _runs_on,
    flow,
    flows,
    layout,
    lines_of,
    numbered,
    page_size,
    rows_of,
    table_order,
    write_order,
)
from ocr.records import Box
from ocr.tesseract import Word, read_words, words_to_text

pytestmark = pytest.mark.unit

# the guard on the row order's evidence switched off: what the layout's own figures decide
UNGUARDED = {"min_numbered": 0.0, "max_flow": math.inf}
ROW = 57  # a typed line's pitch in pixels (the 1962 catalogue's)
HEIGHT = 24


def _word(block: int, line: int, n: int, x: int, y: int, text: str) -> Word:
    return Word(block, 1, line, n, Box(x, y, 14 * len(text), HEIGHT), 90.0, text)


def _column(block: int, x: int, texts: list[str], *, first_row: int = 0) -> list[Word]:
    """One block: a line per text (its words side by side), one under the other."""
    out = []
    for k, text in enumerate(texts):
        left = x
        for n, part in enumerate(text.split(), start=1):
            out.append(_word(block, k + 1, n, left, 100 + (first_row + k) * ROW, part))
            left += 14 * len(part) + 14
    return out


def _table() -> list[Word]:
    """A catalogue read as tesseract's psm 3 reads it: the numbers' column, then the titles',
    then the dates' (each a block)."""
    numbers = _column(1, 100, ["1", "2", "3", "4", "5", "6"])
    titles = _column(
        2, 300, ["gigue dite", "danse dite", "essai d'un cotillon", "cotillon", "id.", "air"]
    )
    dates = _column(3, 1000, ["24.6.62", "25.6.62", "26.6.62", "27.6.62", "28.6.62", "3.7.62"])
    return numbers + titles + dates


def test_a_table_read_down_its_columns_is_read_row_by_row() -> None:
    order = table_order(_table())
    assert order is not None
    lines = words_to_text(order.words).text.splitlines()
    assert lines[:6] == ["1", "gigue dite", "24.6.62", "2", "danse dite", "25.6.62"]
    assert lines[-3:] == ["6", "air", "3.7.62"]
    assert order.rows == 6 and order.shared_lines == 18
    assert sorted(order.sources) == list(range(len(_table())))  # every word once
    assert "18 of 18 lines" in order.reason


def test_baselines_a_little_apart_are_still_one_row_but_a_line_below_is_not() -> None:
    words = _table()
    # the dates typed a few pixels lower than the titles: the same row
    shifted = [
        w
        if w.block != 3
        else Word(
            3, 1, w.line, w.word, Box(w.box.left, w.box.top + 5, w.box.width, HEIGHT), 90.0, w.text
        )
        for w in words
    ]
    lines = words_to_text(table_order(shifted).words).text.splitlines()  # type: ignore[union-attr]
    assert lines[:3] == ["1", "gigue dite", "24.6.62"]
    # a second line of a title (its continuation) is a row of its own, after its title's row
    rows = rows_of(lines_of(_column(1, 100, ["a title that", "goes on"])), 0.5 * HEIGHT)
    assert len(rows) == 2


def test_one_column_of_prose_is_left_as_read() -> None:
    prose = _column(1, 100, [f"line {k} of an ordinary typed letter" for k in range(20)])
    assert table_order(prose) is None
    # ... with a date on the right of its first line and a page number: a few lines side by side
    extra = _column(2, 1200, ["Paris, le 3 mai 1947"]) + _column(3, 1200, ["2"], first_row=19)
    assert table_order(prose + extra) is None


def test_two_blocks_one_under_the_other_are_left_as_read() -> None:
    top = _column(1, 100, [f"first part line {k}" for k in range(8)])
    below = _column(2, 100, [f"second part line {k}" for k in range(8)], first_row=9)
    assert table_order(top + below) is None


def test_the_rule_s_thresholds_decide() -> None:
    words = _table()
    assert table_order(words, OrderRule(min_lines=19)) is None  # 18 lines stand beside others
    assert table_order(words, OrderRule(min_share=1.01)) is None
    assert table_order(words, OrderRule(baseline=0.0)) is None  # no two baselines under 0 apart


def test_the_outputs_are_rewritten_in_rows_with_the_choices(tmp_path: Path) -> None:
    words = _table()
    page = PageSize(1600, 2000, "p001.png", "fra")
    stem = tmp_path / "p001"
    tsv = stem.with_name("p001.tsv")
    tsv.write_text(tsv_text(words, page), encoding="utf-8")
    txt = stem.with_name("p001.txt")
    txt.write_text(plain_text(words, page), encoding="utf-8")
    choices = stem.with_name("p001.choices.json")
    from ocr.tesseract import choices_json, read_choices

    choices.write_text(choices_json([[(w.text, 90.0, ())] for w in words]), encoding="utf-8")
    outputs = {"tsv": tsv, "txt": txt, "choices": choices}
    order = table_order(words)
    assert order is not None
    assert page_size(tsv, "p001.png", "fra") == page
    written = write_order(order, outputs, formats=("txt", "tsv"), page=page)
    assert written == outputs
    again = read_words(tsv)
    assert [w.text for w in again] == [w.text for w in order.words]
    assert txt.read_text(encoding="utf-8").splitlines()[:3] == ["1", "gigue dite", "24.6.62"]
    assert [r[0][0] for r in read_choices(choices)] == [w.text for w in order.words]


def test_two_columns_of_prose_side_by_side_are_left_as_read() -> None:
    """Long lines side by side on the same baselines: a page typed in two columns of text,
    each read down (its lines about half the text's width), is no table."""
    left = _column(1, 100, [f"the left column's line number {k} goes on" for k in range(20)])
    right = _column(2, 800, [f"the right column's line number {k} goes on" for k in range(20)])
    assert table_order(left + right) is None
    # by the width alone, and by its rows of two lines alone
    assert table_order(left + right, OrderRule(max_width=1.0, min_rows=0, **UNGUARDED)) is not None
    assert table_order(left + right, OrderRule(max_width=1.0, **UNGUARDED)) is None


def test_specks_beside_the_lines_of_a_letter_do_not_make_it_a_table() -> None:
    """Marks read from dust or a ruled margin beside every line (no letter, no digit) are not
    judged: the page's text stands in one column."""
    prose = _column(1, 100, [f"line {k} of an ordinary typed letter" for k in range(20)])
    specks = _column(2, 1500, ["." if k % 2 else "|" for k in range(20)])
    assert table_order(prose + specks) is None
    digits = _column(2, 1500, [str(k) for k in range(20)])  # ... but numbers are text
    assert (
        table_order(prose + digits, OrderRule(max_width=1.0, min_rows=0, **UNGUARDED)) is not None
    )


def test_two_facing_pages_of_dialogue_are_left_as_read() -> None:
    """A book's two facing pages side by side: each a column of speakers' names (short, centred)
    and their long lines, on shared baselines. Two columns are no table: its rows hold three
    lines or more."""
    texts = [
        ("Moi" if k % 3 == 0 else f"a long line of what is said, number {k}") for k in range(24)
    ]
    left = _column(1, 100, texts)
    right = _column(2, 1300, texts)
    for rule in (OrderRule(), OrderRule(max_width=1.0, min_share=0.0, **UNGUARDED)):
        assert table_order(left + right, rule) is None
    assert table_order(left + right, OrderRule(max_width=1.0, min_rows=0, **UNGUARDED)) is not None


def test_three_columns_of_prose_are_left_as_read() -> None:
    """Three columns of text side by side (rows of three lines on shared baselines): their lines
    are a third of the text's width, a table's cells far less."""
    columns = [
        _column(b, 100 + 620 * (b - 1), [f"column {b} says this, line {k}" for k in range(20)])
        for b in (1, 2, 3)
    ]
    page = [w for column in columns for w in column]
    assert table_order(page) is None
    assert (
        table_order(page, OrderRule(max_width=1.0, **UNGUARDED)) is not None
    )  # by the width alone


def _pages(first: list[str], second: list[str]) -> list[Word]:
    """A book's two facing pages as tesseract's psm 3 reads them: a block each, their short
    lines side by side on shared baselines."""
    return _column(1, 100, first) + _column(2, 700, second)


def _sentences(words: list[str], per: int) -> list[str]:
    """Short lines of sentences of ``per`` lines each: each sentence's first line begins with a
    capital, its last ends with a full stop, the lines between run on."""
    lines = []
    for k, word in enumerate(words):
        first, last = k % per == 0, k % per == per - 1
        text = f"{word} is said"
        lines.append((text.capitalize() if first else text) + ("." if last else ""))
    return lines


def test_two_facing_pages_whose_lines_run_on_are_left_as_read() -> None:
    """Both pages' sentences run on from line to line as read (page by page); in rows a line of
    the left page is followed by the right page's, which seldom goes on with it."""
    left = _sentences([f"this{k}" for k in range(24)], 2)
    right = _sentences([f"that{k}" for k in range(24)], 3)
    page = _pages(left, right)
    layout_only = OrderRule(max_width=1.0, min_rows=0, **UNGUARDED)
    assert table_order(page, layout_only) is not None  # the layout alone takes it for a table
    assert table_order(page) is None
    # the flow of its sentences alone decides (its rows hold no number either)
    assert table_order(page, OrderRule(max_width=1.0, min_rows=0, min_numbered=0.0)) is None
    seen = layout(page)
    assert seen is not None
    rows = rows_of(seen.text, seen.tolerance)
    evidence = flows(page, seen.text, rows)
    assert evidence.read == evidence.read_judged  # every line end runs on as read
    assert evidence.evidence > RULE.max_flow
    assert numbered(page, rows) == 0.0


def test_facing_pages_of_dialogue_have_no_numbers_in_their_rows() -> None:
    """Two pages of a play: speakers' names and short replies, every line a whole sentence (so
    they run on in any order); their rows hold no number, a table's rows do."""
    replies = ["Oh !", "Ta ta ta ta.", "Non.", "Moi ?", "Jamais !", "Eh bien."]
    speakers = ["HASTOY", "URRUTY", "RECALT", "LA FOULE"]
    lines = [s for k in range(12) for s in (speakers[k % 4], replies[k % 6])]
    page = _pages(lines, lines[3:] + lines[:3])
    assert table_order(page, OrderRule(max_width=1.0, min_rows=0, min_numbered=0.0)) is not None
    assert table_order(page, OrderRule(max_width=1.0, min_rows=0)) is None  # no number in rows
    assert table_order(page) is None


def test_a_table_s_rows_hold_numbers_and_its_columns_do_not_run_on() -> None:
    words = _table()
    seen = layout(words)
    assert seen is not None
    rows = rows_of(seen.text, seen.tolerance)
    assert numbered(words, rows) == 1.0  # every row: its item's number and its date
    assert flows(words, seen.text, rows).evidence <= RULE.max_flow
    # with numbers only in one row of six, it is no table
    few = [w if w.block == 2 or (w.line == 1) else replace(w, text="x") for w in words]
    assert table_order(few) is None
    assert table_order(few, OrderRule(min_numbered=1 / 6)) is not None


@pytest.mark.parametrize(
    ("before", "after", "runs_on"),
    [
        ("the night was", "dark and cold", True),  # a sentence going on
        ("the night was", "Dark", False),
        ("the night was dark.", "Then it rained", True),  # one ended, the next begun
        ("the night was dark.", "then", False),
        ("LA FOULE", "Ta ta ta ta", True),  # a speaker's name, then what is said
        ("« Non ! »", "Moi", True),
        ("24.6.62", "gigue dite", None),  # a date: nothing to judge
        ("gigue dite", "3", None),
    ],
)
def test_a_line_runs_on_into_the_next(before: str, after: str, runs_on: bool | None) -> None:
    assert _runs_on(before, after) is runs_on


def test_the_flow_s_evidence_grows_with_the_line_ends_judged() -> None:
    assert flow(["It was", "dark.", "Then", "it rained."]) == (3, 3)
    assert Flow(10, 10, 5, 10).evidence < Flow(40, 40, 20, 40).evidence
    assert Flow(5, 10, 5, 10).evidence == 0.0
    assert Flow(0, 0, 3, 4).evidence == 0.0  # nothing judged as read: no evidence
    assert Flow(4, 4, 4, 4).evidence == 0.0  # every line end runs on in both orders


def test_the_learner_scores_captured_cases(tmp_path: Path, capsys) -> None:
    """bench.learn_order --cases: a table read better in rows keeps its rows under the guard, a
    spread read better as read is counted with the cases that read better as read."""
    import json
    from dataclasses import asdict

    from bench.learn_order import guard_cases

    table = _table()
    table_truth = "\n".join(words_to_text(table_order(table).words).text.splitlines())  # type: ignore[union-attr]
    left = _sentences([f"this{k}" for k in range(24)], 2)
    right = _sentences([f"that{k}" for k in range(24)], 3)
    cases = [
        ("unchanged", "table", table, table_truth),
        ("spread", "spread", _pages(left, right), "\n".join(left + right)),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "case": f"{kind}:{name}",
                    "kind": kind,
                    "name": name,
                    "language": "fra",
                    "truth": truth,
                    "fired": False,
                    "words": [asdict(w) for w in words],
                }
            )
            + "\n"
            for kind, name, words, truth in cases
        ),
        encoding="utf-8",
    )
    assert guard_cases(path) == 0
    out = capsys.readouterr().out
    assert "1 cases better in rows" in out and "1 cases better as read" in out
    assert "pages the layout rule reads better in rows: 1 kept, 0 lost" in out
    assert "spreads 1: in rows by the layout rule 0, guarded 0" in out
