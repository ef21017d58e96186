"""The choice per group of lines (ocr.merge) learned on the tuning pages: each rule set of a grid
is scored by the true character errors of the text it makes, and the best is kept.

Run from the project root (it reads the readings bench.learn_readings makes):
  .venv/bin/python -m bench.learn_readings --synth DIR --lines [--write]

A page is read twice only when its first reading is doubtful (ocr.readings.doubt, with the
model file's page rules); the grid changes only how the two readings are merged. Rule sets are
ranked by the pages worse than stock tesseract by more than a point, then by the errors on the
real tuning pages, then on the synthetic ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

from bench.bench_scores import score_page
from bench.learn_readings import MODEL, TuningPage, ink_blobs

MARGINS = (0.0, 0.1, 0.2)
MIN_CHARS = (20,)
WRONG = (1.0,)
MISSING = (0.5, 1.0)
DROP = (None, -0.6)
KEEP_SPLIT = (True, False)
MAX_SPLIT = (0.2, 0.4, 1.0)
WHOLE = (None, 0.0, 0.05, 0.1, 0.2)  # tried on the first grid's best only


@dataclass(frozen=True)
class PageReadings:
    """A tuning page's two readings in the page's pixels, whether the first is doubtful, and
    the errors of stock tesseract's text and of the first reading's words."""

    page: TuningPage
    kind: str
    readings: tuple[object, ...]  # ocr.merge.ReadWords
    doubtful: bool
    stock_errors: int
    first_errors: int
    total: int
    switch: bool  # the page choice (ocr.readings.better) takes the second reading whole
    second_errors: int


def _kind(page: TuningPage) -> str:
    if page.group.startswith("synth"):
        return page.group
    return "ehri" if page.name.startswith("EHRI") else "fr"


def _read_words(page: TuningPage, folder: Path, variant: str) -> object:
    """One reading as ocr.merge takes it: words moved to the page's pixels, their chances."""
    from ocr.geometry import PageGeometry
    from ocr.merge import ReadWords, anchors
    from ocr.quality import word_probabilities
    from ocr.tesseract import read_words

    words = read_words(folder / f"{variant}.tsv")
    meta = json.loads((folder / "meta.json").read_text())
    frame = PageGeometry.from_json(meta["geometry"])
    if variant != "original":
        words = [replace(w, box=frame.box_to_original(w.box)) for w in words]
    probabilities = tuple(word_probabilities(words, page.language))
    boxes = anchors([w.box for w in words], frame)
    return ReadWords(variant, tuple(words), probabilities, boxes)


def load(pages: Sequence[TuningPage], work: Path) -> list[PageReadings]:
    from ocr.readings import better, choice_rules, doubt, summarise
    from ocr.tesseract import words_to_text

    rules = choice_rules()
    out = []
    for page in pages:
        folder = work / page.name
        first, second = (_read_words(page, folder, v) for v in ("original", "processed"))
        summary = summarise("original", first.words, languages=page.language, psm=3, seconds=0)
        other = summarise("processed", second.words, languages=page.language, psm=3, seconds=0)
        blobs = ink_blobs(page, folder)
        doubtful = bool(doubt(summary, ink_blobs=blobs, paper_share=1.0, rules=rules))
        stock = score_page(page.name, page.truth, (folder / "original.txt").read_text()).strict
        mine = score_page(page.name, page.truth, words_to_text(first.words).text).strict
        theirs = score_page(page.name, page.truth, words_to_text(second.words).text).strict
        switch = bool(better(summary, other, ink_blobs=blobs, rules=rules))
        out.append(
            PageReadings(
                page,
                _kind(page),
                (first, second),
                doubtful,
                stock.char_errors,
                mine.char_errors,
                stock.char_total,
                switch,
                theirs.char_errors,
            )
        )
    return out


def errors(page: PageReadings, rules: object) -> int:
    """The character errors of the text the line choice makes of the page."""
    from ocr.merge import merge_lines
    from ocr.tesseract import words_to_text

    if not page.doubtful:
        return page.first_errors
    if page.switch:  # the page choice takes the other reading whole
        return page.second_errors
    merged = merge_lines(page.readings, rules=rules)
    if merged.split_share > rules.max_split:
        margin = rules.whole_margin
        switch = margin is not None and merged.whole(margin) == 1
        return page.second_errors if switch else page.first_errors
    return score_page(
        page.page.name, page.page.truth, words_to_text(merged.words).text
    ).strict.char_errors


def grid(
    pages: Sequence[PageReadings],
) -> list[tuple[tuple[float, ...], object, dict[str, tuple[int, int, int]]]]:
    """Per rule set: its rank key and per kind (errors, stock's errors, pages worse); first
    the rules of the groups, then the whole-page margin and share with the best of those."""
    from ocr.merge import LineRules

    first = _ranked(
        pages,
        [
            LineRules(*values)
            for values in product(MARGINS, MIN_CHARS, WRONG, MISSING, DROP, KEEP_SPLIT, MAX_SPLIT)
        ],
    )
    best = first[0][1]
    assert isinstance(best, LineRules)
    second = [replace(best, max_split=s, whole_margin=w) for s in MAX_SPLIT for w in WHOLE]
    return sorted(first + _ranked(pages, second), key=lambda r: r[0])


def _ranked(
    pages: Sequence[PageReadings], rule_sets: Sequence[object]
) -> list[tuple[tuple[float, ...], object, dict[str, tuple[int, int, int]]]]:
    out = []
    for rules in rule_sets:
        table: dict[str, list[int]] = {}
        for page in pages:
            e = errors(page, rules)
            row = table.setdefault(page.kind, [0, 0, 0])
            row[0] += e
            row[1] += page.stock_errors
            row[2] += e > page.stock_errors + 0.01 * page.total
        real = sum(r[0] for k, r in table.items() if not k.startswith("synth"))
        synth = sum(r[0] for k, r in table.items() if k.startswith("synth"))
        key = (sum(r[2] for r in table.values()), real, synth)
        out.append((key, rules, {k: tuple(v) for k, v in table.items()}))
    return sorted(out, key=lambda r: r[0])


def learn_lines(pages: Sequence[TuningPage], work: Path, *, write: bool) -> int:
    """Print the grid (best first) and the first reading alone; keep the best with ``write``."""
    from ocr.merge import LineRules

    loaded = load(pages, work)
    first = {}
    for page in loaded:
        row = first.setdefault(page.kind, [0, 0, 0])
        row[0] += page.first_errors
        row[1] += page.stock_errors
        row[2] += page.total
    print("first reading only: " + _kinds({k: (v[0], v[1], 0) for k, v in first.items()}))
    print(f"doubtful pages: {sum(p.doubtful for p in loaded)} of {len(loaded)}")
    rows = grid(loaded)
    for key, rules, table in rows:
        assert isinstance(rules, LineRules)
        print(
            f"margin {rules.margin:.2f} min {rules.min_chars:3d} wrong {rules.wrong_weight:.1f} "
            f"missing {rules.missing_weight:.1f} drop {rules.drop_rate} keep_split "
            f"{int(rules.keep_split)} split {rules.max_split:.1f} whole {rules.whole_margin}  "
            f"worse {key[0]}  "
            f"{_kinds(table)}"
        )
    best = rows[0][1]
    assert isinstance(best, LineRules)
    print(f"best: {best}")
    if write:
        write_line_rules(best, pages)
        print(f"written {MODEL}")
    return 0


def _kinds(table: dict[str, tuple[int, int, int]]) -> str:
    return "  ".join(
        f"{kind}: {e / max(1, s):.3f}x stock worse {w}" for kind, (e, s, w) in sorted(table.items())
    )


def write_line_rules(rules: object, pages: Sequence[TuningPage]) -> None:
    """The model file with its choice's ``lines`` set to ``rules`` (everything else kept)."""
    from dataclasses import asdict

    from bench.learn_readings import dump_model

    data = json.loads(MODEL.read_text(encoding="utf-8"))
    groups = sorted({p.group for p in pages})
    data["choice"]["lines"] = {
        **asdict(rules),  # type: ignore[call-overload]
        "provenance": (
            f"python -m bench.learn_readings --lines on {len(pages)} tuning pages "
            f"({', '.join(groups)}): the grid's best by pages worse than stock, then errors "
            "on the real pages, then on the synthetic ones; see bench/results_real.md"
        ),
    }
    MODEL.write_text(dump_model(data), encoding="utf-8")
