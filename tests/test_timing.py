"""Every stage timed: report.json's seconds, the batch summary's stage_seconds, the CLI line and
the Prefect summary artifact's line, present and adding up."""

from __future__ import annotations

import json

import pytest

from ocr.timing import DOCUMENT_STAGES, Stopwatch, add_seconds
from tests.conftest import GOOD_TEXT, needs_tesseract, render_text_page

PAGE_STAGES = ("load", "preprocess", "ocr", "detect")


@pytest.mark.unit
def test_a_stopwatch_adds_up_repeated_stages_and_keeps_zeroed_ones() -> None:
    watch = Stopwatch.zeroed(("a", "b"))
    for _ in range(3):
        with watch.stage("a"):
            pass
    with pytest.raises(ValueError), watch.stage("c"):
        raise ValueError  # a stage that fails is still timed
    assert list(watch.seconds) == ["a", "b", "c"] and watch.seconds["b"] == 0.0
    assert watch.seconds["a"] > 0 and watch.seconds["c"] > 0
    assert add_seconds({"x": 1.0}, {"y": 2.0, "x": 0.5}) == {"x": 1.5, "y": 2.0}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory):
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    root = tmp_path_factory.mktemp("timing")
    (root / "scans").mkdir()
    (root / "gt").mkdir()
    for i in (1, 2):
        render_text_page(root / "scans" / f"memo-{i}.png", GOOD_TEXT)
        # One reference with an error: disagreement flags, hence crops.
        (root / "gt" / f"memo-{i}.txt").write_text(
            GOOD_TEXT.replace("Сунцовым", "Сунцевым"), encoding="utf-8"
        )
    settings = load_settings(None, output_dir=root / "out", workers=2, correction="suggest")
    return run_batch([root / "scans"], gt_dir=root / "gt", settings=settings), settings


@pytest.mark.integration
@needs_tesseract
def test_report_json_times_every_page_and_document_stage(batch) -> None:
    result, _ = batch
    for doc in result.documents:
        report = json.loads(doc.report_path.read_text(encoding="utf-8"))
        seconds = report["seconds"]
        assert list(seconds) == [*PAGE_STAGES, *DOCUMENT_STAGES, "total"]
        assert all(v >= 0 for v in seconds.values())
        for stage in ("ocr", "score", "correction", "crops", "reports"):
            assert seconds[stage] > 0, stage  # each ran on this page
        assert doc.seconds["flags"] > 0  # under a millisecond: 0.0 once rounded
        pages = report["pages"]
        for stage in PAGE_STAGES:
            assert seconds[stage] == pytest.approx(
                sum(p["seconds"][stage] for p in pages), abs=0.002 * len(pages)
            )
        parts = sum(v for k, v in seconds.items() if k != "total")
        assert seconds["total"] == pytest.approx(parts, abs=0.01)
        assert seconds["total"] < result.seconds * 2 + 1  # two workers at most


@pytest.mark.integration
@needs_tesseract
def test_the_batch_summary_sums_the_documents_stages(batch, capsys) -> None:
    from flows.artifacts import summary_markdown
    from ocr.cli import print_summary

    result, _ = batch
    stages = result.summary["stage_seconds"]
    assert list(stages) == ["plan", *PAGE_STAGES, *DOCUMENT_STAGES, "store", "total"]
    reports = [
        json.loads(d.report_path.read_text(encoding="utf-8"))["seconds"] for d in result.documents
    ]
    for stage in (*PAGE_STAGES, "score", "correction", "crops"):
        assert stages[stage] == pytest.approx(sum(r[stage] for r in reports), abs=0.02)
    assert stages["plan"] > 0 and stages["store"] > 0
    assert stages["total"] == pytest.approx(
        sum(v for k, v in stages.items() if k != "total"), abs=0.1
    )
    # Work seconds: more than nothing, at most the wall clock times the two workers.
    assert stages["ocr"] < stages["total"] <= result.summary["seconds"] * 2 + 1
    print_summary(result.summary)
    line = next(x for x in capsys.readouterr().out.splitlines() if "seconds per stage" in x)
    assert "correction" in line and "publish" in line and "store" in line
    md = summary_markdown(result.summary, index=None)
    assert "per stage" in md and f"crops {stages['crops']:.1f}" in md


@pytest.mark.unit
def test_a_cpu_mark_counts_this_process_and_its_finished_children() -> None:
    import subprocess
    import sys

    from ocr.timing import CpuMark, CpuSeconds

    mark = CpuMark.now()
    sum(i * i for i in range(2_000_000))  # this process's own CPU
    own = mark.since()
    assert own.python > 0.02 and own.tesseract < 0.02
    mark = CpuMark.now()
    busy = "sum(i * i for i in range(3_000_000))"
    subprocess.run([sys.executable, "-c", busy], check=True)  # a child's CPU, once finished
    child = mark.since()
    assert child.tesseract > 0.05 and child.tesseract > child.python
    both = own + child
    assert both.total == pytest.approx(own.total + child.total)
    assert CpuSeconds.from_json(both.as_json()) == CpuSeconds(
        round(both.python, 3), round(both.tesseract, 3)
    )
    assert CpuSeconds.from_json(None) is None


@pytest.mark.integration
@needs_tesseract
def test_report_json_and_the_summary_give_cpu_seconds_of_pages_tesseract_and_finishing(
    batch, capsys
) -> None:
    from ocr.cli import print_summary

    result, _ = batch
    totals = {"python": 0.0, "tesseract": 0.0, "finish": 0.0}
    for doc in result.documents:
        report = json.loads(doc.report_path.read_text(encoding="utf-8"))
        cpu = report["cpu_seconds"]
        assert list(cpu) == ["python", "tesseract", "finish", "total"]
        pages = [p["cpu_seconds"] for p in report["pages"]]
        for part in ("python", "tesseract"):
            assert cpu[part] == pytest.approx(sum(p[part] for p in pages), abs=0.002 * len(pages))
            totals[part] += cpu[part]
        # A page's worker reads it with tesseract (about a second of CPU for this page) and
        # does its own work (loading, framing, detection): both measured, neither zero.
        assert all(p["tesseract"] > 0.1 and p["python"] > 0.05 for p in pages)
        assert cpu["finish"] > 0.01  # scoring, flags, crops, reports in the main process
        parts = cpu["python"] + cpu["tesseract"] + cpu["finish"]
        assert cpu["total"] == pytest.approx(parts, abs=0.003)  # each rounded to ms
        totals["finish"] += doc.cpu.python if doc.cpu else 0.0
    summary = result.summary["cpu_seconds"]
    for part, value in totals.items():
        assert summary[part] == pytest.approx(value, abs=0.01), part
    print_summary(result.summary)
    assert any("CPU seconds: python" in x for x in capsys.readouterr().out.splitlines())
