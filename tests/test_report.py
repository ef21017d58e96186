"""Reports: line alignment, classes, confusions, bootstrap, strict JSON, safe HTML, batch index."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ocr.folding import ARCHIVAL, STRICT, fold
from ocr.load import ScanInfo
from ocr.pipeline import DocumentResult, PageScore
from ocr.records import Box
from ocr.report import (
    batch_figures,
    batch_scoring,
    compare_texts,
    document_report,
    dumps_json,
    render_document_html,
    write_batch_index,
)
from ocr.results import BatchSummary, WarningRow
from ocr.score import (
    align_characters,
    bootstrap_interval,
    class_counts,
    cluster_counts,
    confusion_counts,
    micro_average,
    normalise,
    reference_line_bounds,
    score_text,
    split_grapheme_clusters,
    spread,
)
from ocr.score_cli import pair_report, score_files
from ocr.textio import ReferenceText
from tests.test_score import SEED, SEED_PARAGRAPH, need, perturb

pytestmark = pytest.mark.unit

# The seed paragraph (see tests/test_score.py) as the typescript lays it out on the page, and as
# an OCR of it reads (Петров where the transcription has Метров; Cyrillic Х for Latin X).
OCR_LINES = [
    "После этого был рассмотрен с Нам Иром вопрос проведения",
    "работы с советскими корейцами в соответствии с указом",
    "Президиума Верховного Совета СССР от 29.ХII.55 года, о",
    "переходе в корейское гражданство. Нам Ир согласился с",
    "намеченными мероприятиями и сказал, что доложит их Ким Ир",
    "Сёну. Нам Ир обещал также организовать вызов советских",
    "корейцев в Советское Посольство для бесед.",
    "На беседе присутствовал советник Посольства Петров и зав.",
    "консульским отделом Серегин.",
]


def test_whole_paragraph_reference_is_cut_at_ocr_line_ends() -> None:
    alignment = align_characters(SEED_PARAGRAPH, "\n".join(OCR_LINES))
    bounds = reference_line_bounds(alignment)
    ref_lines = ["".join(alignment.reference[a:b]) for a, b, _ in bounds]
    assert len(ref_lines) == len(OCR_LINES)
    for ref_line, ocr_line in zip(ref_lines, OCR_LINES, strict=True):
        if "XII" in ref_line:
            assert ref_line.replace("XII", "ХII") == ocr_line
        elif "Метров" in ref_line:
            assert ref_line.replace("Метров", "Петров") == ocr_line
        else:
            assert ref_line == ocr_line


def test_lines_add_up_to_the_page() -> None:
    reference = normalise(need(SEED).read_text(encoding="utf-8"))
    for seed in range(4):
        ocr = perturb(reference, seed, rate=0.1)
        comparison = compare_texts(reference, ocr)
        strict = score_text(normalise(reference), normalise(ocr))
        assert comparison.scores["strict"] == strict
        assert sum(line.counts["strict"][0] for line in comparison.lines) == strict.char_errors
        assert sum(line.counts["strict"][1] for line in comparison.lines) == strict.char_total
        assert [line.ocr for line in comparison.lines] == normalise(ocr).split("\n")
        for line in comparison.lines:
            # Counts taken from the page alignment are the line pair's own edit distance.
            ref_end, ocr_end = line.breaks
            own = cluster_counts(
                split_grapheme_clusters(line.reference), split_grapheme_clusters(line.ocr)
            )
            assert line.counts["strict"] == (own[0] + (ref_end != ocr_end), own[1] + len(ref_end))
            assert "".join(r for _, r, _ in line.segments) == line.reference
            assert "".join(o for _, _, o in line.segments) == line.ocr


def test_line_boxes_and_blocks_attach_to_lines() -> None:
    boxes = [(Box(100, 100 + 60 * k, 1500, 50), 1 + k // 5) for k in range(len(OCR_LINES))]
    comparison = compare_texts(SEED_PARAGRAPH, "\n".join(OCR_LINES), line_boxes=boxes)
    assert [line.box for line in comparison.lines] == [b for b, _ in boxes]
    assert {line.block for line in comparison.lines} == {1, 2}
    wrong_count = compare_texts(SEED_PARAGRAPH, "\n".join(OCR_LINES), line_boxes=boxes[:-1])
    assert all(line.box is None for line in wrong_count.lines)


def test_classes_sum_to_the_errors_and_confusions_include_indels() -> None:
    reference, ocr = "Метров и зав. 29.XII.55", "Петров  и зaв 29.Х11.55!"
    alignment = align_characters(reference, ocr)
    classes = class_counts(alignment)
    assert sum(c.errors for c in classes.values()) == alignment.errors
    assert alignment.errors == score_text(reference, ocr).char_errors
    assert sum(c.total for c in classes.values()) == len(reference)
    assert classes["cyrillic_upper"].substitutions == 1  # М -> П
    assert classes["cyrillic_lower"].substitutions == 1  # а -> Latin a
    assert classes["latin"].total == 3 and classes["latin"].substitutions == 3  # X I I
    assert classes["digit"].total == 4 and classes["digit"].errors == 0
    assert classes["punctuation"].deletions == 1 and classes["punctuation"].insertions == 1
    assert classes["whitespace"].insertions == 1
    confusions = confusion_counts(alignment)
    assert confusions[0] == ("I", "1", 2)
    assert ("М", "П", 1) in confusions and (".", "", 1) in confusions and ("", "!", 1) in confusions


def test_bootstrap_interval_is_deterministic_and_brackets_the_mean() -> None:
    errors, totals = [3, 10, 0, 7, 25, 4], [300, 400, 120, 350, 500, 90]
    first = bootstrap_interval(errors, totals, seed=7)
    assert first == bootstrap_interval(errors, totals, seed=7)
    assert first != bootstrap_interval(errors, totals, seed=8)
    low, high = first
    assert low < sum(errors) / sum(totals) < high
    assert bootstrap_interval([3], [100]) is None
    assert bootstrap_interval([0, 0], [0, 5]) == (0.0, 0.0)
    assert bootstrap_interval([2, 0], [0, 0])[1] == float("inf")


def test_spread() -> None:
    assert spread([0.3, None, 0.1, 0.2]) == {"min": 0.1, "median": 0.2, "max": 0.3}
    assert spread([None]) is None


def test_json_is_strict_with_infinity_as_a_string() -> None:
    text = dumps_json({"cer": float("inf"), "nested": [{"wer": float("-inf")}], "ok": 0.5})

    def no_constants(name: str) -> None:
        raise AssertionError(f"bare {name} in JSON")

    data = json.loads(text, parse_constant=no_constants)
    assert data == {"cer": "Infinity", "nested": [{"wer": "-Infinity"}], "ok": 0.5}


def _pair(tmp_path: Path, reference: str, ocr: str):
    (tmp_path / "ref.txt").write_text(reference, encoding="utf-8")
    (tmp_path / "ocr.txt").write_text(ocr, encoding="utf-8")
    return score_files(tmp_path / "ref.txt", tmp_path / "ocr.txt", out_dir=tmp_path / "out")


def test_html_escapes_everything(tmp_path: Path) -> None:
    run = _pair(
        tmp_path,
        "На беседе <b>присутствовал</b> Метров",
        'На беседе <script>alert("x")</script> Петров & "Ко"',
    )
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<b>присутствовал" not in html
    assert "</script>" not in html and "&lt;" in html and "&#34;x&#34;" in html
    assert "alert(&#34;x&#34;)&lt;/script" in html  # in the word differences table
    assert "Метров" in html and "Петров" in html
    assert re.search(r"<script\b", html) is None  # self-contained, no script at all
    assert run.pairs[0].comparison.scores["strict"].char_errors > 0


def test_html_shows_strict_and_archival_with_classes_and_confusions(tmp_path: Path) -> None:
    run = _pair(tmp_path, SEED_PARAGRAPH, "\n".join(OCR_LINES))
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    strict, archival = (report["scoring"]["scores"][n] for n in ("strict", "archival"))
    assert archival["char_errors"] < strict["char_errors"]  # Х/X and line breaks fold away
    assert report["scoring"]["profiles"][1]["name"] == "archival"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert f"{strict['cer'] * 100:.2f} %" in html and f"{archival['cer'] * 100:.2f} %" in html
    for text in ("cyrillic upper", "Character confusions", "CER archival", "Strict and folded"):
        assert text in html
    assert run.figures.figures["strict"].cer == strict["cer"]


def test_pair_report_of_empty_reference_is_infinite(tmp_path: Path) -> None:
    run = _pair(tmp_path, "\n", "лишний текст")
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["score"]["cer"] == "Infinity"
    assert "∞" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert (
        pair_report(run.pairs[0], [STRICT, ARCHIVAL])["scoring"]["scores"]["strict"]["cer"]
        == "Infinity"
    )


def _document(tmp_path: Path, name: str, reference: str, ocr: str) -> DocumentResult:
    ref, hyp = normalise(reference), normalise(ocr)
    score = score_text(ref, hyp)
    out = tmp_path / name
    return DocumentResult(
        scan=ScanInfo(tmp_path / f"{name}.tif", name, "tiff", 1, "0" * 64),
        languages="rus",
        pages=(),
        failures=(),
        reference=ReferenceText(tmp_path / f"{name}.txt", reference, "utf-8"),
        score=score,
        page_scores=(PageScore(1, ref, hyp, score),),
        flags=(),
        text_path=out / f"{name}.txt",
        report_path=out / "report.json",
    )


def test_document_report_and_batch_figures(tmp_path: Path) -> None:
    reference = need(SEED).read_text(encoding="utf-8")
    docs = [
        _document(tmp_path, f"doc{k}", reference, perturb(reference, k, rate=0.02 * (k + 1)))
        for k in range(4)
    ]
    report = document_report(docs[0])
    assert report["scoring"]["scores"]["strict"] == report["score"]
    assert report["reference"]["encoding"] == "utf-8"
    html = render_document_html(report, html_dir=tmp_path)
    assert "doc0" in html and "CER, strict" in html

    figures = batch_figures(docs)["scoring"]
    strict = figures["figures"]["strict"]
    micro_cer, _ = micro_average([d.score for d in docs])
    assert strict["cer"] == pytest.approx(micro_cer, abs=1e-6)
    assert strict["char_total"] == sum(d.score.char_total for d in docs)
    low, high = strict["cer_interval"]
    assert low <= micro_cer <= high
    assert strict["cer_spread"]["min"] < strict["cer_spread"]["max"]
    archival = figures["figures"]["archival"]
    folded = [
        score_text(fold(d.page_scores[0].reference, ARCHIVAL), fold(d.page_scores[0].ocr, ARCHIVAL))
        for d in docs
    ]
    assert archival["char_errors"] == sum(s.char_errors for s in folded)
    assert figures["unit"] == "document" and figures["units"] == 4

    summary = {
        "run_id": "r1",
        "pages_done": 4,
        "pages_failed": 0,
        "seconds": 1.0,
        "cer": micro_cer,
        "wer": 0.1,
        "failures": [],
        "documents": [
            {
                "document": d.scan.document,
                "pages": 1,
                "cer": d.score.cer,
                "wer": d.score.wer,
                "flags": 0,
                "report": str(d.report_path),
            }
            for d in docs
        ],
    } | batch_figures(docs)
    index = write_batch_index(summary, tmp_path).read_text(encoding="utf-8")
    assert 'href="doc0/report.html"' in index and "95 % CI" in index
    assert f"{micro_cer * 100:.2f} %" in index


def test_batch_scoring_is_a_record_whose_json_round_trips(tmp_path: Path) -> None:
    reference = need(SEED).read_text(encoding="utf-8")
    docs = [
        _document(tmp_path, f"doc{k}", reference, perturb(reference, k, rate=0.03 * (k + 1)))
        for k in range(3)
    ]
    scoring = batch_scoring(docs)
    assert scoring.as_json() == batch_figures(docs)["scoring"]
    strict = scoring.figures["strict"]
    assert strict.cer_interval is not None and strict.cer_spread is not None
    assert strict.char_total == sum(d.score.char_total for d in docs if d.score)
    summary = BatchSummary(
        run_id="r1",
        status="done",
        pages_done=3,
        pages_failed=0,
        seconds=1.0,
        cer=0.1,
        wer=0.2,
        flags={},
        documents=(),
        failures=(),
        warnings=(WarningRow("no_reference", "no reference for x.png"),),
        skipped=(),
        cached_pages=0,
        stage_seconds={},
        scoring=scoring,
    )
    stored = json.loads(json.dumps(summary.as_json()))  # as the database keeps it
    assert stored["scoring"]["figures"]["strict"]["cer_interval"] == list(strict.cer_interval)
    assert stored["warnings"] == [{"kind": "no_reference", "message": "no reference for x.png"}]
    again = BatchSummary.from_json(stored)
    assert again == summary and again.figures("strict") == strict
    assert again.figures("unknown") is None and replace(summary, scoring=None).figures("x") is None


def test_score_aligned_equals_score_text_and_dinglehopper() -> None:
    import dinglehopper

    from ocr.score import score_aligned

    text = normalise(need(SEED).read_text(encoding="utf-8"))
    for seed, rate in enumerate((0.0, 0.02, 0.1, 0.4)):
        ocr = normalise(perturb(text, seed, rate=rate))
        score, alignment = score_aligned(text, ocr)
        assert score == score_text(text, ocr)
        assert alignment.errors == score.char_errors
        assert score.cer == pytest.approx(dinglehopper.character_error_rate(text, ocr), abs=1e-12)
