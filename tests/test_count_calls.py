"""bench/count_calls.py: the call log (ocr.tesseract.log_call) names every tesseract call's
page and cause, and the lines' run gate grid asks what it says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.count_calls import CAUSES, RunGate, call_pages, call_table
from ocr.tesseract import CALL_LOG_ENV, log_call, run_ocr
from tests.conftest import needs_tesseract


def _rec(pid: int, what: str, image: str, cpu: float) -> dict:
    return {"pid": pid, "what": what, "image": image, "images": 1, "cpu": cpu, "wall": cpu}


@pytest.mark.unit
def test_calls_are_put_on_their_page_by_cause() -> None:
    records = [
        _rec(1, ".p001.original", "/scans/synth-001-clean-grey-typed.jpg", 1.0),
        _rec(2, ".p001.original", "/scans/synth-002-heavy-grey-typed.jpg", 2.0),
        _rec(1, ".p001.lines", "/out/synth-001-clean-grey-typed/.lines-x/lines.txt", 0.25),
        _rec(2, ".p001.processed", "/out/synth-002-heavy-grey-typed/p001.ocr.png", 1.5),
        _rec(1, "page number", "", 0.125),
        _rec(2, "stamps", "/tmp/ocr-stamps-y/stamps.txt", 0.5),
    ]
    pages = call_pages(records)
    assert pages == {
        "synth-001-clean-grey-typed/p001": {
            "first reading": [1.0],
            "lines' run": [0.25],
            "page number": [0.125],
        },
        "synth-002-heavy-grey-typed/p001": {
            "first reading": [2.0],
            "second reading": [1.5],
            "stamp crops": [0.5],
        },
    }
    table = call_table(pages)
    clean = next(row for row in table if row.startswith("| clean |"))
    assert clean.startswith("| clean | 1 | 3.00 | 1.38 | 1, 1, 1.000 | 0, 0, 0.000 | 1, 1, 0.250")
    assert len(CAUSES) == 5


@pytest.mark.unit
def test_run_gate() -> None:
    assert RunGate().runs(99.0, 0)
    gate = RunGate(least_below=40.0, min_words=3)
    assert gate.runs(39.0, 1)
    assert gate.runs(50.0, 3)
    assert not gate.runs(50.0, 2)
    assert not RunGate(least_below=40.0).runs(40.0, 10)
    assert gate.label == "a word under 40 or 3+ doubtful words"


@pytest.mark.unit
def test_log_call_writes_nothing_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CALL_LOG_ENV, raising=False)
    log_call("page number", None, 0.1, 0.2)
    assert list(tmp_path.iterdir()) == []
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(CALL_LOG_ENV, str(log))
    listed = tmp_path / "lines.txt"
    listed.write_text("a.png\nb.png\n", encoding="utf-8")
    log_call(".p001.lines", listed, 0.1, 0.2)
    (record,) = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert record["what"] == ".p001.lines"
    assert record["images"] == 2
    assert record["cpu"] == 0.1


@pytest.mark.integration
@needs_tesseract
def test_run_ocr_logs_its_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (600, 100), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/freefont/FreeMono.ttf", 40)
    ImageDraw.Draw(img).text((20, 20), "Петров", font=font, fill=0)
    image = tmp_path / "line.png"
    img.save(image)
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv(CALL_LOG_ENV, str(log))
    run_ocr(
        image,
        tmp_path / "out" / ".p001.original",
        languages="rus",
        psm=7,
        oem=1,
        dpi=300,
        timeout=60,
        formats=["tsv"],
    )
    (record,) = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert record["what"] == ".p001.original"
    assert record["image"] == str(image)
    assert record["cpu"] > 0


@pytest.mark.unit
def test_fixed_cost_fits_a_call_and_a_crop() -> None:
    from bench.count_calls import fixed_cost

    records = [_rec(1, ".p001.lines", "/x/lines.txt", 0.1 + 0.02 * n) for n in (1, 5, 10)]
    for r, n in zip(records, (1, 5, 10), strict=True):
        r["images"] = n
    records.append(_rec(1, "stamps", "/tmp/s/stamps.txt", 9.0))
    n, a, b = fixed_cost(records, ".lines")
    assert n == 3
    assert a == pytest.approx(0.1)
    assert b == pytest.approx(0.02)
