"""The `ocr_batch` Prefect flow: per-page tasks around ocr.pipeline, with artifacts for the UI."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Completed

from flows.artifacts import ProgressArtifact, publish_artifacts
from flows.limits import OCR_LIMIT, ensure_ocr_limit, ocr_slot
from ocr.batch import BatchResult, batch_summary, store_document, store_failure
from ocr.exceptions import TRANSIENT_ERRORS
from ocr.load import ScanInfo
from ocr.pipeline import (
    DocumentResult,
    PageFailure,
    PageJob,
    PreparedPage,
    RecognisedPage,
    cached_recognition,
    finish_document,
    plan_batch,
    prepare_page,
    recognise_page,
    scan_fingerprint,
    versions,
)
from ocr.report import write_batch_index
from ocr.settings import Settings
from ocr.store import Store

TRANSIENT_KINDS = frozenset({e.__name__ for e in TRANSIENT_ERRORS} | {"WorkerCrashed"})


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


# Our own stage manifests (ocr.pipeline) are the cache: keyed on content hashes, settings and
# tesseract/traineddata versions, valid only while the outputs exist; so no Prefect result cache.
@task(name="plan", cache_policy=NO_CACHE)
def plan_task(sources: list[str], settings: Settings
              ) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    return plan_batch([Path(s) for s in sources], settings=settings)


@task(name="preprocess", task_run_name=_name("preprocess"), cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient, tags=["stage:preprocess"])
def preprocess_task(job: PageJob, settings: Settings) -> PreparedPage:
    return prepare_page(job, settings=settings)


@task(name="ocr", task_run_name=_name("ocr"), cache_policy=NO_CACHE,
      retries=2, retry_delay_seconds=2, retry_condition_fn=_transient, tags=["stage:ocr"])
def ocr_task(prepared: PreparedPage, settings: Settings) -> RecognisedPage:
    if (cached := cached_recognition(prepared, settings)) is not None:
        return cached  # served from the stage cache: no tesseract slot needed
    with ocr_slot():
        return recognise_page(prepared, settings=settings)


@task(name="score and flag", task_run_name=_name("score and flag"), cache_policy=NO_CACHE,
      tags=["stage:score"])
def finish_task(scan: ScanInfo, pages: list[RecognisedPage], failures: list[PageFailure],
                ground_truth: str | None, settings: Settings) -> DocumentResult:
    return finish_document(scan, pages, failures,
                           gt_dir=Path(ground_truth) if ground_truth else None, settings=settings)


def _failure_of(job: PageJob, pre: PrefectFuture, ocr: PrefectFuture) -> PageFailure | None:
    """The page's failure from whichever stage failed, or None."""
    for stage, fut in (("preprocess", pre), ("ocr", ocr)):
        fut.wait()
        if fut.state.is_completed():
            continue
        error = fut.state.result(raise_on_failure=False)
        if not isinstance(error, BaseException):
            error = RuntimeError(fut.state.message or f"{stage} did not complete")
        return PageFailure.from_error(error, document=job.scan.document, source=job.scan.path,
                                      page_number=job.page_number, stage=stage)
    return None


def _claim(store: Store, run_id: str, scans: list[ScanInfo], *, gt: str | None,
           settings: Settings) -> tuple[list[ScanInfo], list[ScanInfo], dict[str, str]]:
    """Claim each scan (exactly-once across killed and concurrent runs); skip done or held ones."""
    mine, skipped, prints = [], [], {}
    for scan in scans:
        fp = scan_fingerprint(scan, gt_dir=Path(gt) if gt else None, settings=settings)
        prints[scan.document] = fp
        ok = store.claim(run_id, sha256=scan.sha256, fingerprint=fp, document=scan.document,
                         source_path=str(scan.path))
        (mine if ok else skipped).append(scan)
    return mine, skipped, prints


@flow(name="ocr_batch", log_prints=True)
def ocr_batch(sources: list[str], ground_truth: str | None = None,
              settings: dict[str, Any] | None = None, only_new: bool = False,
              review_url: str | None = None) -> Any:
    """OCR, score and flag a batch of scans. With only_new (the inbox deployment), scans already
    processed under the same settings are skipped, and each scan is claimed so that killed or
    concurrent runs never process a page twice. Returns the batch summary."""
    logger = get_run_logger()
    cfg = Settings(**(settings or {}))
    start = time.perf_counter()
    _ensure_limit(cfg.workers)
    store = Store(cfg.db_url)
    if crashed := store.mark_dead_runs():
        logger.warning("%d earlier run(s) were killed; their unfinished scans are redone", crashed)
    run_id = store.start_run(source=" ".join(sources), settings=cfg.model_dump(mode="json"),
                             versions=versions(), flow_run_id=_flow_run_id())
    jobs, scans, failures = plan_task(sources, cfg)
    skipped: list[ScanInfo] = []
    prints: dict[str, str] = {}
    if only_new:
        scans, skipped, prints = _claim(store, run_id, scans, gt=ground_truth, settings=cfg)
        mine = {s.document for s in scans}
        jobs = [j for j in jobs if j.scan.document in mine]
    for f in failures:
        logger.warning("FAILED %s", f.message)
        store_failure(store, run_id, f)
    progress = ProgressArtifact(total=len(jobs))
    pre: dict[PageJob, PrefectFuture] = {}
    ocr: dict[PageJob, PrefectFuture] = {}
    for j in jobs:
        with tags(f"doc:{j.scan.document}"):
            # The per-page timeout is tesseract's own (ocr_timeout kills the process); a
            # Prefect timeout cannot interrupt a worker thread.
            pre[j] = preprocess_task.submit(j, cfg)
            ocr[j] = ocr_task.submit(pre[j], cfg)
    documents = _finish_documents(store, run_id, scans, jobs, pre, ocr, progress,
                                  ground_truth=ground_truth, settings=cfg, prints=prints)
    all_failures = tuple(failures) + tuple(f for d in documents for f in d.failures)
    result = BatchResult(run_id, tuple(documents), all_failures,
                         sum(len(d.pages) for d in documents), time.perf_counter() - start)
    summary = batch_summary(result, settings=cfg) | {"skipped": [s.document for s in skipped],
                                       "cached_pages": sum(p.cached for d in documents
                                                           for p in d.pages)}
    write_batch_index(summary, cfg.output_dir)
    store.finish_run(run_id, status=result.status, summary=summary)
    publish_artifacts(summary, store=store, review_url=review_url, output_dir=cfg.output_dir)
    if result.failures:
        return Completed(data=summary, name="Completed with failures",
                         message=f"{len(result.failures)} page(s) or file(s) failed; "
                                 "see the 'ocr-failed-pages' artifact")
    return summary


def _finish_documents(store: Store, run_id: str, scans: list[ScanInfo], jobs: list[PageJob],
                      pre: dict[PageJob, PrefectFuture], ocr: dict[PageJob, PrefectFuture],
                      progress: ProgressArtifact, *, ground_truth: str | None, settings: Settings,
                      prints: dict[str, str]) -> list[DocumentResult]:
    """As each document's pages finish: score, flag and store it in one transaction."""
    by_doc: dict[str, list[PageJob]] = defaultdict(list)
    for j in jobs:
        by_doc[j.scan.document].append(j)
    documents = []
    for scan in scans:
        pages, failures = [], []
        for j in by_doc[scan.document]:
            failure = _failure_of(j, pre[j], ocr[j])
            if failure is None:
                pages.append(ocr[j].result())
            else:
                failures.append(failure)
            progress.step()
        doc = finish_task(scan, pages, failures, ground_truth, settings)
        documents.append(doc)
        for f in doc.failures:
            store_failure(store, run_id, f)
        fp = prints.get(scan.document)
        if fp and any(f.kind in TRANSIENT_KINDS for f in failures):
            # A transient failure outlived its retries: store nothing, leave it to the next run.
            store.release(run_id, sha256=scan.sha256, fingerprint=fp, status="retry")
            continue
        store_document(store, run_id, doc, claim=(scan.sha256, fp) if fp else None)
    return documents


def _ensure_limit(workers: int) -> None:
    try:
        ensure_ocr_limit(workers)
    except Exception as e:  # noqa: BLE001 - the limit is a guard, not a reason to fail a batch
        get_run_logger().warning("could not ensure the %s concurrency limit: %s", OCR_LIMIT, e)


def _flow_run_id() -> str | None:
    from prefect.context import get_run_context

    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run
        return None


def run_flow(sources: list[str], *, ground_truth: str | None, settings: Settings,
             only_new: bool = False, task_runner: str = "threads",
             dask_address: str | None = None, review_url: str | None = None) -> dict[str, Any]:
    """Run ocr_batch with a task runner: threads (one per worker, each drives one tesseract
    process) or Dask (an existing cluster at dask_address, else a local one)."""
    runner = make_task_runner(task_runner, workers=settings.workers, dask_address=dask_address)
    result = ocr_batch.with_options(task_runner=runner)(
        sources=sources, ground_truth=ground_truth, settings=settings.model_dump(mode="json"),
        only_new=only_new, review_url=review_url)
    return result  # type: ignore[no-any-return]


def make_task_runner(kind: str, *, workers: int, dask_address: str | None = None) -> Any:
    """The task runner by name."""
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                              "processes": True})
    from ocr.exceptions import ConfigError

    raise ConfigError(f"unknown task runner {kind!r}; use 'threads' or 'dask'")
