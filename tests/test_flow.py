"""The Prefect flow against a real local Prefect server: runs, task names, artifacts, failures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import GOOD_TEXT, INVALID, needs_tesseract, render_text_page

pytestmark = [pytest.mark.integration, needs_tesseract]


@pytest.fixture(scope="module")
def flow_run(prefect_server: str, tmp_path_factory: pytest.TempPathFactory):
    from flows.batch import run_flow
    from ocr.settings import load_settings

    root = tmp_path_factory.mktemp("flow")
    scans, gt = root / "scans", root / "gt"
    scans.mkdir()
    gt.mkdir()
    render_text_page(scans / "memo.png")
    render_text_page(scans / "memo-2.png")
    (gt / "memo.txt").write_text(GOOD_TEXT, encoding="utf-8")
    shutil.copy(INVALID / "encrypted.pdf", scans / "locked.pdf")
    shutil.copy(INVALID / "blank.png", scans / "blank.png")
    settings = load_settings(None, output_dir=root / "out", workers=2, dpi=150)
    summary = run_flow([str(scans)], ground_truth=str(gt), settings=settings)
    return summary, settings


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def test_flow_summary_scores_and_quarantines(flow_run) -> None:
    summary, settings = flow_run
    docs = {d["document"]: d for d in summary["documents"]}
    assert set(docs) == {"memo", "memo-2", "blank"}
    assert docs["memo"]["cer"] is not None and docs["memo"]["cer"] < 0.03
    assert docs["memo-2"]["cer"] is None  # no reference: OCR without scoring
    kinds = {(f["document"], f["kind"]) for f in summary["failures"]}
    assert kinds == {("locked", "EncryptedPdfError"), ("blank", "BlankPageError")}
    assert (settings.output_dir / "memo" / "p001.alto.xml").is_file()


def test_flow_run_has_named_tasks_and_artifacts(flow_run) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    summary, settings = flow_run
    import sqlite3

    db = sqlite3.connect(settings.output_dir / "ocr.db")
    (flow_run_id,) = db.execute("select flow_run_id from runs where id=?",
                                (summary["run_id"],)).fetchone()
    assert flow_run_id
    with _client() as client:
        fr = client.read_flow_run(flow_run_id)
        assert fr.state.is_completed()
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[fr.id])))
        names = {t.name for t in runs}
        assert "preprocess page 1 of memo" in names and "ocr page 1 of memo-2" in names
        assert "score and flag memo" in names
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["ocr-batch-summary", "ocr-batch-documents"])))
        mine = [a for a in arts if a.flow_run_id == fr.id]
        assert {a.key for a in mine} == {"ocr-batch-summary", "ocr-batch-documents"}
        md = next(a for a in mine if a.key == "ocr-batch-summary").data
        assert "memo" in md and "EncryptedPdfError" in md and "CER" in md
