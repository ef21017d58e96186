"""The benchmark switch OCR_SECOND_READING (ocr/readings.py) that bench/learn_second.py counts
with: a doubtful page has its doubtful lines read again instead of the processed page ("lines"),
or keeps its first reading alone ("first"); unset, it is read again whole."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from bench.learn_second import LINES_DOUBT, doubt_kinds
from ocr.geometry import PageGeometry
from ocr.readings import (
    SECOND_ENV,
    ChoiceRecord,
    ChoiceRules,
    OcrCall,
    ReadingInput,
    ReadingSummary,
    read_page,
)

RULES = ChoiceRules(0.6, 0.25, 0.85, 0.05, 50, "test")


def _summary(chars: int, net: float) -> ReadingSummary:
    return ReadingSummary("original", 3, chars // 5, chars, 80.0, 0.9, net, 1.0)


@pytest.mark.unit
def test_doubt_kinds_lists_every_failed_test() -> None:
    poor = _summary(100, 10.0)  # rate 0.1
    assert doubt_kinds(poor, ink_blobs=100, paper_share=1.0, rules=RULES) == ("rate",)
    assert doubt_kinds(poor, ink_blobs=1000, paper_share=0.5, rules=RULES) == (
        "rate",
        "chars",
        "frame",
    )
    sure = _summary(100, 90.0)
    assert doubt_kinds(sure, ink_blobs=100, paper_share=1.0, rules=RULES) == ()
    assert doubt_kinds(sure, ink_blobs=100, paper_share=0.5, rules=RULES) == ("frame",)


def _page(path: Path) -> Path:
    image = np.full((400, 900), 255, np.uint8)
    cv2.putText(image, "Second test line", (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    cv2.imwrite(str(path), image)
    return path


def _read(
    tmp_path: Path, mode: str | None, monkeypatch: pytest.MonkeyPatch, *, ink_blobs: int = 5000
) -> ChoiceRecord:
    if mode is None:
        monkeypatch.delenv(SECOND_ENV, raising=False)
    else:
        monkeypatch.setenv(SECOND_ENV, mode)
    name = f"{mode or 'unset'}-{ink_blobs}"
    image = _page(tmp_path / f"{name}.png")
    geometry = PageGeometry.identity(400, 900)
    sources = [
        ReadingInput("original", image, geometry, 300),
        ReadingInput("processed", image, geometry, 300),
    ]
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv"), False)
    # 5000 blobs of ink for a line of text: the first reading is doubtful
    return read_page(
        sources,
        tmp_path / name,
        call,
        ink_blobs=ink_blobs,
        paper_share=1.0,
        reread_below=101.0,  # every line doubtful: read again
    ).record


@pytest.mark.integration
def test_unset_a_doubtful_page_is_read_again_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _read(tmp_path, None, monkeypatch)
    assert [r.name for r in record.readings] == ["original", "processed"]
    assert "instead" not in record.doubt and "measuring switch" not in record.doubt


@pytest.mark.integration
def test_lines_reads_the_doubtful_lines_not_the_processed_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _read(tmp_path, "lines", monkeypatch)
    assert [r.name for r in record.readings] == ["original", "lines"]
    found = LINES_DOUBT.search(record.doubt)  # what bench/learn_second.py reads back
    assert found is not None and found.group(1) == "1"
    assert record.kept in ("original", "lines")
    assert (tmp_path / "lines-5000.tsv").is_file()


@pytest.mark.integration
def test_first_reads_a_doubtful_page_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = _read(tmp_path, "first", monkeypatch)
    assert [r.name for r in record.readings] == ["original"]
    assert record.kept == "original"
    assert "no other reading (measuring switch)" in record.doubt
    assert (tmp_path / "first-5000.tsv").is_file()


@pytest.mark.integration
def test_the_switch_leaves_a_page_that_is_not_doubtful_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unset = _read(tmp_path, None, monkeypatch, ink_blobs=1)
    first = _read(tmp_path, "first", monkeypatch, ink_blobs=1)
    assert not unset.doubt and not first.doubt
    assert [r.name for r in first.readings] == [r.name for r in unset.readings]
