"""A typewriter's mark that tesseract reads as a letter, put back before a number.

A face can draw a mark so that tesseract reads it as a letter: the typewriter's "№" read "Х"
before a registry number ("Х 760"). A single letter standing alone right before a number is
no word of the text there, and which mark it was is a matter of counts: ``bench/learn_marks.py``
aligns each such token of the correction split's fit pages (synthetic, exact text) with the
truth before the same number, and keeps a pair (language, token read, mark meant) only when the
token was seen often enough and was that mark nearly every time; the calibration pages check
it. Only letters are learned: a mark read as another mark (a ditto mark "»" in a typed table)
is typing in its own right. The table (``ocr/data/marks.json``) holds the pairs with their
counts; nothing about a particular letter is written here. The words changed are recorded as a
processing step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from ocr.records import ProcessingStep
from ocr.reletter import Swap
from ocr.tesseract import Word

RULE_FILE = Path(__file__).parent / "data" / "marks.json"


@lru_cache(maxsize=4)
def load_marks(path: Path = RULE_FILE) -> Mapping[str, Mapping[str, str]]:
    """Per language, the letter read alone before a number and the mark it stands for."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        language: {row["read"]: row["meant"] for row in rows}
        for language, rows in data.get("before_number", {}).items()
    }


def mark_swaps(
    words: Sequence[Word],
    languages: str,
    marks: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Swap]:
    """The words (TSV order) that are a learned letter standing alone right before a number on
    their line, with the mark put back; ``languages`` as tesseract takes them ("rus+eng")."""
    table = load_marks() if marks is None else marks
    meant: dict[str, str] = {}
    for language in languages.split("+"):
        meant.update(table.get(language, {}))
    if not meant:
        return []
    swaps = []
    for i, (word, after) in enumerate(zip(words, words[1:], strict=False)):
        mark = meant.get(word.text)
        if mark and word.line_key == after.line_key and after.text[:1].isdigit():
            swaps.append(Swap(i, word.text, mark))
    return swaps


def marks_step(swaps: Sequence[Swap]) -> ProcessingStep:
    return ProcessingStep(
        id="marks",
        category="ocr",
        description=(
            "a typewriter's mark read as a letter standing alone before a number put back "
            "(pairs learned by bench/learn_marks.py)"
        ),
        settings={"words": [[s.before, s.after] for s in swaps]},
    )
