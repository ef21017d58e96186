"""A doubtful page is read again whole only where the learned rule says it is worth it; else its
doubtful lines are read again instead (ocr.readings.SecondRule, lines_instead)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr.geometry import PageGeometry
from ocr.readings import (
    SECOND_ENV,
    ChoiceRecord,
    ChoiceRules,
    OcrCall,
    ReadingInput,
    ReadingSummary,
    SecondRule,
    choice_rules,
    doubt_kinds,
    lines_instead,
    read_page,
)

RULE = SecondRule(min_rate=0.2, max_lines=5, provenance="test")
RULES = ChoiceRules(0.6, 0.25, 0.85, 0.05, 50, "test")


def _summary(chars: int, net: float) -> ReadingSummary:
    return ReadingSummary("original", 3, chars // 5, chars, 80.0, 0.9, net, 1.0)


@pytest.mark.unit
def test_only_a_page_doubtful_by_a_mild_net_rate_with_few_doubtful_lines_skips(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SECOND_ENV, raising=False)
    mild, poor = _summary(1000, 400.0), _summary(1000, 100.0)  # rates 0.4 and 0.1
    assert lines_instead(mild, 3, rate_only=True, rule=RULE)
    assert lines_instead(mild, 5, rate_only=True, rule=RULE)
    assert not lines_instead(mild, 6, rate_only=True, rule=RULE)  # too many doubtful lines
    assert not lines_instead(poor, 3, rate_only=True, rule=RULE)  # rate under the rule's
    assert not lines_instead(mild, 3, rate_only=False, rule=RULE)  # few characters or frame
    assert not lines_instead(mild, 0, rate_only=True, rule=None)  # no rule: read whole


@pytest.mark.unit
def test_the_measuring_switch_overrides_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    mild = _summary(1000, 400.0)
    monkeypatch.setenv(SECOND_ENV, "always")
    assert not lines_instead(mild, 0, rate_only=True, rule=RULE)
    monkeypatch.setenv(SECOND_ENV, "never")
    assert lines_instead(_summary(10, -10.0), 99, rate_only=False, rule=None)


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


@pytest.mark.unit
def test_the_record_keeps_the_doubtful_lines_count() -> None:
    record = ChoiceRecord("original", (_summary(100, 50.0),), "net rate", "", doubtful_lines=4)
    assert ChoiceRecord.from_json(record.as_json()) == record
    unknown = ChoiceRecord.from_json({**record.as_json(), "doubtful_lines": None})
    assert unknown.doubtful_lines is None


@pytest.mark.unit
def test_the_shipped_rule_has_provenance_or_is_absent() -> None:
    rule = choice_rules().second
    assert rule is None or ("learn_second" in rule.provenance and rule.max_lines >= 0)


def _page(path: Path) -> Path:
    image = np.full((400, 900), 255, np.uint8)
    cv2.putText(image, "Second test line", (40, 200), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    cv2.imwrite(str(path), image)
    return path


def _read(tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> ChoiceRecord:
    monkeypatch.setenv(SECOND_ENV, mode)
    image = _page(tmp_path / f"{mode}.png")
    geometry = PageGeometry.identity(400, 900)
    sources = [
        ReadingInput("original", image, geometry, 300),
        ReadingInput("processed", image, geometry, 300),
    ]
    call = OcrCall("eng", 3, 1, 60.0, ("txt", "tsv"), False)
    # 5000 blobs of ink for a line of text: the first reading is doubtful
    return read_page(
        sources,
        tmp_path / mode,
        call,
        ink_blobs=5000,
        paper_share=1.0,
        reread_below=101.0,  # every line doubtful: read again
    ).record


@pytest.mark.integration
def test_a_skipped_page_reads_its_doubtful_lines_not_the_processed_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _read(tmp_path, "always", monkeypatch)
    assert [r.name for r in whole.readings] == ["original", "processed"]
    assert whole.doubtful_lines == 1
    lines = _read(tmp_path, "never", monkeypatch)
    assert [r.name for r in lines.readings] == ["original", "lines"]
    assert "1 doubtful lines read again instead of the processed page" in lines.doubt
    assert lines.kept in ("original", "lines")
    assert (tmp_path / "never.tsv").is_file()


@pytest.mark.integration
def test_the_first_only_switch_reads_a_doubtful_page_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = _read(tmp_path, "first", monkeypatch)
    assert [r.name for r in record.readings] == ["original"]
    assert record.kept == "original"
    assert "no other reading (measuring switch)" in record.doubt
    assert (tmp_path / "first.tsv").is_file()
