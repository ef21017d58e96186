"""The `ocr_batch` Prefect flow: per-page tasks around ocr.pipeline, with artifacts for the UI."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from ocr.batch import BatchResult, batch_summary, store_document, store_failure
from ocr.exceptions import TRANSIENT_ERRORS
from ocr.load import ScanInfo
from ocr.pipeline import (
    DocumentResult,
    PageFailure,
    PageJob,
    PreparedPage,
    RecognisedPage,
    finish_document,
    plan_batch,
    prepare_page,
    recognise_page,
    versions,
)
from ocr.settings import Settings
from ocr.store import Store


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only errors that can pass (I/O, a killed tesseract), never a bad input."""
    try:
        state.result()
    except TRANSIENT_ERRORS:
        return True
    except Exception:  # noqa: BLE001 - deterministic errors are not retried
        return False
    return False


def _name(prefix: str):  # noqa: ANN202 - Prefect's task_run_name callback
    def name(parameters: dict[str, Any]) -> str:
        subject = parameters.get("job") or parameters.get("prepared") or parameters.get("scan")
        if isinstance(subject, PreparedPage):
            subject = subject.job
        if isinstance(subject, PageJob):
            return f"{prefix} {subject.label}"
        if isinstance(subject, ScanInfo):
            return f"{prefix} {subject.document}"
        return prefix
    return name


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(sources: list[str], settings: Settings
              ) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    return plan_batch([Path(s) for s in sources], settings=settings)


@task(name="preprocess", task_run_name=_name("preprocess"), cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient, tags=["preprocess"])
def preprocess_task(job: PageJob, settings: Settings) -> PreparedPage:
    return prepare_page(job, settings=settings)


@task(name="ocr", task_run_name=_name("ocr"), cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient, tags=["ocr"])
def ocr_task(prepared: PreparedPage, settings: Settings) -> RecognisedPage:
    return recognise_page(prepared, settings=settings)


@task(name="score and flag", task_run_name=_name("score and flag"), cache_policy=NO_CACHE,
      tags=["score"])
def finish_task(scan: ScanInfo, pages: list[RecognisedPage], failures: list[PageFailure],
                ground_truth: str | None, settings: Settings) -> DocumentResult:
    return finish_document(scan, pages, failures,
                           gt_dir=Path(ground_truth) if ground_truth else None, settings=settings)


def _collect(job: PageJob, pre: PrefectFuture, ocr: PrefectFuture) -> RecognisedPage | PageFailure:
    """The page's result, or its failure from whichever stage failed."""
    for stage, fut in (("preprocess", pre), ("ocr", ocr)):
        fut.wait()
        if fut.state.is_completed():
            continue
        error = fut.state.result(raise_on_failure=False)
        if not isinstance(error, BaseException):
            error = RuntimeError(fut.state.message or f"{stage} did not complete")
        return PageFailure.from_error(error, document=job.scan.document, source=job.scan.path,
                                      page_number=job.page_number, stage=stage)
    return ocr.result()


@flow(name="ocr_batch", log_prints=True)
def ocr_batch(sources: list[str], ground_truth: str | None = None,
              settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """OCR, score and flag a batch of scans; returns the batch summary."""
    logger = get_run_logger()
    cfg = Settings(**(settings or {}))
    start = time.perf_counter()
    store = Store(cfg.db_url)
    run_id = store.start_run(source=" ".join(sources), settings=cfg.model_dump(mode="json"),
                             versions=versions(), flow_run_id=_flow_run_id())
    jobs, scans, failures = plan_task(sources, cfg)
    for f in failures:
        logger.warning("FAILED %s", f.message)
        store_failure(store, run_id, f)
    pre = {j: preprocess_task.submit(j, cfg) for j in jobs}
    ocr = {j: ocr_task.submit(pre[j], cfg) for j in jobs}
    by_doc: dict[str, list[RecognisedPage | PageFailure]] = defaultdict(list)
    for j in jobs:
        by_doc[j.scan.document].append(_collect(j, pre[j], ocr[j]))
    documents = []
    for scan in scans:
        results = by_doc[scan.document]
        pages = [r for r in results if isinstance(r, RecognisedPage)]
        page_failures = [r for r in results if isinstance(r, PageFailure)]
        doc = finish_task(scan, pages, page_failures, ground_truth, cfg)
        store_document(store, run_id, doc)
        for f in doc.failures:
            logger.warning("FAILED %s", f.message)
            store_failure(store, run_id, f)
        documents.append(doc)
    all_failures = tuple(failures) + tuple(f for d in documents for f in d.failures)
    result = BatchResult(run_id, tuple(documents), all_failures,
                         sum(len(d.pages) for d in documents), time.perf_counter() - start)
    summary = batch_summary(result)
    store.finish_run(run_id, status=result.status, summary=summary)
    publish_artifacts(summary)
    return summary


def _flow_run_id() -> str | None:
    from prefect.context import get_run_context

    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run
        return None


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return "∞" if value == float("inf") else f"{value:.2%}"


def publish_artifacts(summary: dict[str, Any]) -> None:
    """A markdown summary and a table of documents, under stable keys."""
    rows = [{"document": d["document"], "pages": d["pages"], "CER": _fmt(d["cer"]),
             "WER": _fmt(d["wer"]), "flags": d["flags"], "report": d["report"]}
            for d in summary["documents"]]
    lines = [
        "# OCR batch summary", "",
        f"- pages done: **{summary['pages_done']}**, failed: **{summary['pages_failed']}**",
        f"- CER **{_fmt(summary['cer'])}**, WER **{_fmt(summary['wer'])}** (character-weighted)",
        f"- flags: " + (", ".join(f"{k}: {v}" for k, v in summary["flags"].items()) or "none"),
        "", "| document | pages | CER | WER | flags | report |", "|---|---:|---:|---:|---:|---|",
        *[f"| {r['document']} | {r['pages']} | {r['CER']} | {r['WER']} | {r['flags']} | "
          f"`{r['report']}` |" for r in rows],
    ]
    if summary["failures"]:
        lines += ["", "## Failed", "", "| document | page | error | message |", "|---|---:|---|---|",
                  *[f"| {f['document']} | {f['page']} | {f['kind']} | {f['message']} |"
                    for f in summary["failures"]]]
    create_markdown_artifact(key="ocr-batch-summary", markdown="\n".join(lines),
                             description="CER/WER per document, pages and flags")
    create_table_artifact(key="ocr-batch-documents", table=rows or [{"document": "(none)"}],
                          description="Documents of this batch")


def run_flow(sources: list[str], *, ground_truth: str | None, settings: Settings) -> dict[str, Any]:
    """Run ocr_batch with one worker thread per configured worker (each drives one tesseract)."""
    runner = ThreadPoolTaskRunner(max_workers=settings.workers)
    return ocr_batch.with_options(task_runner=runner)(
        sources=sources, ground_truth=ground_truth, settings=settings.model_dump(mode="json"))
