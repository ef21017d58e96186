"""The pipeline on good and bad input: typed failures, the batch goes on, nothing half-written."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ocr import exceptions as ex
from ocr.batch import run_batch
from ocr.store import Store
from tests.conftest import GOOD_TEXT, INVALID, needs_tesseract, render_text_page

pytestmark = [pytest.mark.integration, needs_tesseract]

EXPECTED_FAILURES = {
    "empty.png": "EmptyFileError",
    "not-a-pdf.pdf": "UnsupportedFormatError",
    "truncated.png": "CorruptImageError",
    "truncated.jpg": "CorruptImageError",
    "corrupt.pdf": "CorruptPdfError",
    "encrypted.pdf": "EncryptedPdfError",
    "bomb.png": "ImageTooLargeError",
    "blank.png": "BlankPageError",
}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("batch")
    scans, gt = root / "scans", root / "gt"
    scans.mkdir()
    gt.mkdir()
    for name in EXPECTED_FAILURES:
        shutil.copy(INVALID / name, scans / name)
    render_text_page(scans / "good-cp1251.png")
    render_text_page(scans / "good-bom.png")
    render_text_page(scans / "no-reference.png")
    (gt / "good-cp1251.txt").write_bytes(GOOD_TEXT.replace("\n", "\r\n").encode("cp1251"))
    (gt / "good-bom.txt").write_bytes(b"\xef\xbb\xbf" + GOOD_TEXT.encode("utf-8"))
    return scans, gt


@pytest.fixture(scope="module")
def result(batch: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    from ocr.settings import load_settings

    scans, gt = batch
    out = tmp_path_factory.mktemp("out")
    settings = load_settings(None, output_dir=out, workers=2, dpi=150)
    messages: list[str] = []
    return (
        run_batch([scans], gt_dir=gt, settings=settings, progress=messages.append),
        settings,
        messages,
    )


def test_every_bad_input_is_a_typed_failure_and_the_batch_goes_on(result) -> None:
    res, settings, messages = result
    kinds = {f.source.name: f.kind for f in res.failures}
    assert kinds == EXPECTED_FAILURES
    for f in res.failures:
        assert f.source.name in f.message and "\n" not in f.message
        assert f.exit_code == ex.ExitCode.input_file
    assert {d.scan.document for d in res.documents} >= {"good-cp1251", "good-bom", "no-reference"}
    assert any("FAILED" in m and "encrypted.pdf" in m for m in messages)


def test_references_in_other_encodings_are_decoded_with_a_warning(result) -> None:
    res, _, _ = result
    docs = {d.scan.document: d for d in res.documents}
    assert docs["good-cp1251"].reference.encoding == "cp1251"
    assert any(
        w.kind == "ReferenceEncodingWarning" and "cp1251" in str(w)
        for w in docs["good-cp1251"].warnings
    )
    assert docs["good-bom"].reference.encoding.startswith("utf-8")
    for name in ("good-cp1251", "good-bom"):
        assert docs[name].score is not None and docs[name].score.cer < 0.03
    assert docs["no-reference"].score is None and docs["no-reference"].pages


def test_database_holds_runs_documents_pages_and_failures(result) -> None:
    res, settings, _ = result
    db = sqlite3.connect(settings.output_dir / "ocr.db")
    (status,) = db.execute("select status from runs where id=?", (res.run_id,)).fetchone()
    assert status == "completed_with_failures"
    failures = dict(
        db.execute(
            "select source_path, kind from failures where run_id=?", (res.run_id,)
        ).fetchall()
    )
    assert {Path(k).name: v for k, v in failures.items()} == EXPECTED_FAILURES
    pages = db.execute(
        "select d.name, p.status, p.cer from pages p join documents d "
        "on p.document_id=d.id where d.run_id=? and p.status='done'",
        (res.run_id,),
    ).fetchall()
    assert {p[0] for p in pages} == {"good-cp1251", "good-bom", "no-reference"}


def test_outputs_are_complete_and_no_temp_files_remain(result) -> None:
    res, settings, _ = result
    doc = settings.output_dir / "good-bom"
    for suffix in (".txt", ".tsv", ".hocr", ".alto.xml", ".page.xml", ".view.jpg", ".choices.json"):
        assert (doc / f"p001{suffix}").stat().st_size > 0
    # The processed page is made only when tesseract reads it (a doubtful first reading).
    (page,) = next(d for d in res.documents if d.scan.document == "good-bom").pages
    read = [r.name for r in page.choice.readings]
    assert (doc / "p001.ocr.png").is_file() == ("processed" in read)
    assert (doc / "report.json").is_file() and (doc / "good-bom.txt").is_file()
    assert not [
        p
        for p in settings.output_dir.rglob("*")
        if p.name.endswith(".tmp") or p.name.startswith(".tess-") or p.name.startswith(".p001.")
    ]


def test_injected_tesseract_timeout_fails_one_page_and_leaves_no_output(
    batch: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocr.readings as readings
    from ocr.settings import load_settings

    real = readings.run_ocr

    def flaky(image_path: Path, out_stem: Path, **kw: object):
        if "good-bom" in str(out_stem):
            raise ex.TesseractTimeoutError(path=image_path)
        return real(image_path, out_stem, **kw)

    monkeypatch.setattr(readings, "run_ocr", flaky)
    scans, gt = batch
    settings = load_settings(None, output_dir=tmp_path / "out", workers=1, dpi=150)
    res = run_batch(
        [scans / "good-bom.png", scans / "good-cp1251.png"], gt_dir=gt, settings=settings
    )
    assert [(f.document, f.kind, f.stage) for f in res.failures] == [
        ("good-bom", "TesseractTimeoutError", "ocr")
    ]
    assert not list((tmp_path / "out" / "good-bom").glob("p001.t*"))
    assert {d.scan.document: bool(d.pages) for d in res.documents} == {
        "good-bom": False,
        "good-cp1251": True,
    }
    with Store(settings.db_url).session() as s:
        from ocr.store import Page

        assert s.query(Page).filter_by(status="failed").count() == 1


def test_rerun_is_served_from_the_stage_cache_and_a_setting_reruns_only_its_stage(
    batch: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocr.readings as readings
    import ocr.stages.preprocess as prepare
    from ocr.settings import load_settings

    calls = {"ocr": 0, "preprocess": 0}
    real_ocr, real_pre = readings.run_ocr, prepare.frame_page

    def count_ocr(*a: object, **k: object):
        calls["ocr"] += 1
        return real_ocr(*a, **k)

    def count_pre(*a: object, **k: object):
        calls["preprocess"] += 1
        return real_pre(*a, **k)

    monkeypatch.setattr(readings, "run_ocr", count_ocr)
    monkeypatch.setattr(prepare, "frame_page", count_pre)
    scans, gt = batch
    files = [scans / "good-bom.png", scans / "good-cp1251.png"]
    base = dict(output_dir=tmp_path / "out", workers=1, dpi=150)

    def readings_of(result: object) -> list[int]:  # tesseract runs over each page's images
        return [p.choice.tesseract_calls for d in result.documents for p in d.pages]

    first = run_batch(files, gt_dir=gt, settings=load_settings(None, **base))
    made = readings_of(first)
    assert calls == {"ocr": sum(made), "preprocess": 2} and len(made) == 2
    again = run_batch(files, gt_dir=gt, settings=load_settings(None, **base))
    assert calls == {"ocr": sum(made), "preprocess": 2}  # nothing recomputed
    assert [d.score.cer for d in again.documents] == [d.score.cer for d in first.documents]
    psm6 = readings_of(run_batch(files, gt_dir=gt, settings=load_settings(None, psm=6, **base)))
    assert calls == {"ocr": sum(made) + sum(psm6), "preprocess": 2}  # OCR setting: OCR only
    (tmp_path / "out" / "good-bom" / "p001.tsv").unlink()  # a lost output is redone
    redone = run_batch(files, gt_dir=gt, settings=load_settings(None, psm=6, **base))
    assert calls == {"ocr": sum(made) + sum(psm6) + readings_of(redone)[0], "preprocess": 2}
