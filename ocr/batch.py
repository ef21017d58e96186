"""Run a whole batch without Prefect: a process pool over pages, then score, flag and store."""

from __future__ import annotations

import multiprocessing
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ocr.pipeline import (
    DocumentResult,
    PageFailure,
    PageJob,
    RecognisedPage,
    finish_document,
    plan_batch,
    process_page,
    versions,
)
from ocr.report import batch_figures, page_outputs, page_provenance, write_batch_index
from ocr.score import micro_average
from ocr.settings import Settings
from ocr.store import Store

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BatchResult:
    """What a batch run produced."""

    run_id: str
    documents: tuple[DocumentResult, ...]
    failures: tuple[PageFailure, ...]
    pages_done: int
    seconds: float

    @property
    def cer_wer(self) -> tuple[float | None, float | None]:
        scores = [d.score for d in self.documents if d.score is not None]
        if not scores:
            return None, None
        return micro_average(scores)

    @property
    def status(self) -> str:
        return "completed" if not self.failures else "completed_with_failures"


def _noop(_: str) -> None:
    pass


def iter_processed(jobs: Sequence[PageJob], settings: Settings
                   ) -> Iterator[RecognisedPage | PageFailure]:
    """Process pages, one process per worker, yielding results as they finish."""
    if settings.workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield process_page(job, settings)
        return
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=settings.workers, mp_context=ctx) as pool:
        futures = {pool.submit(process_page, job, settings): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                yield fut.result()
            except BrokenProcessPool as e:  # a worker was killed (e.g. out of memory)
                yield PageFailure(job.scan.document, job.scan.path, job.page_number, "ocr",
                                  "WorkerCrashed", f"{job.scan.path}: page {job.page_number}: the "
                                  f"worker process died ({e}); retry with fewer workers", 6)


def run_batch(sources: Sequence[Path], *, gt_dir: Path | None, settings: Settings,
              progress: Progress = _noop, store: Store | None = None) -> BatchResult:
    """The whole pipeline over files or folders; bad files are recorded and the batch goes on."""
    start = time.perf_counter()
    store = store or Store(settings.db_url)
    run_id = store.start_run(source=" ".join(map(str, sources)),
                             settings=settings.model_dump(mode="json"), versions=versions())
    jobs, scans, failures = plan_batch(sources, settings=settings)
    for f in failures:
        progress(f"FAILED {f.message}")
        store_failure(store, run_id, f)
    by_doc: dict[str, list[Any]] = defaultdict(list)
    remaining = {s.document: s.page_count for s in scans}
    scan_of = {s.document: s for s in scans}
    documents: list[DocumentResult] = []
    done = 0
    for i, result in enumerate(iter_processed(jobs, settings), start=1):
        doc = result.document if isinstance(result, PageFailure) else result.job.scan.document
        by_doc[doc].append(result)
        progress(_page_line(i, len(jobs), result))
        done += isinstance(result, RecognisedPage)
        remaining[doc] -= 1
        if remaining[doc] == 0:
            documents.append(_finish(store, run_id, scan_of[doc], by_doc.pop(doc),
                                     gt_dir=gt_dir, settings=settings, progress=progress))
    all_failures = tuple(failures) + tuple(f for d in documents for f in d.failures)
    result = BatchResult(run_id, tuple(documents), all_failures, done,
                         time.perf_counter() - start)
    summary = batch_summary(result, settings=settings)
    write_batch_index(summary, settings.output_dir)
    store.finish_run(run_id, status=result.status, summary=summary)
    return result


def _page_line(i: int, n: int, result: RecognisedPage | PageFailure) -> str:
    if isinstance(result, PageFailure):
        return f"[{i}/{n}] FAILED {result.message}"
    secs = {**result.prepared.seconds, **result.seconds}
    return (f"[{i}/{n}] {result.job.label}: {result.word_count} words, "
            f"skew {result.prepared.skew_degrees:+.2f}°, "
            + ", ".join(f"{k} {v:.1f}s" for k, v in secs.items()))


def _finish(store: Store, run_id: str, scan: Any, results: list[Any], *, gt_dir: Path | None,
            settings: Settings, progress: Progress) -> DocumentResult:
    pages = [r for r in results if isinstance(r, RecognisedPage)]
    failures = [r for r in results if isinstance(r, PageFailure)]
    doc = finish_document(scan, pages, failures, gt_dir=gt_dir, settings=settings)
    store_document(store, run_id, doc)
    for f in doc.failures:
        store_failure(store, run_id, f)
    for w in doc.warnings:
        progress(f"warning: {w}")
    return doc


def store_failure(store: Store, run_id: str, f: PageFailure) -> None:
    store.add_failure(run_id, document=f.document, source_path=str(f.source),
                      page_number=f.page_number, stage=f.stage, kind=f.kind, message=f.message,
                      exit_code=f.exit_code)


def store_document(store: Store, run_id: str, doc: DocumentResult,
                   claim: tuple[str, str] | None = None) -> int:
    """One transaction: the document, its pages and their flags (and its scan claim marked done)."""
    ps = {p.page_number: p.score for p in doc.page_scores}
    pages = []
    for p in doc.pages:
        s = ps.get(p.job.page_number)
        pages.append({
            "page_number": p.job.page_number, "status": "done",
            "image_sha256": p.prepared.image_sha256, "rows": p.prepared.rows,
            "cols": p.prepared.cols, "dpi": p.prepared.dpi, "skew_degrees": p.prepared.skew_degrees,
            "mean_confidence": p.mean_confidence, "word_count": p.word_count,
            "cer": s.cer if s else None, "wer": s.wer if s else None,
            "char_errors": s.char_errors if s else None, "char_total": s.char_total if s else None,
            "outputs": page_outputs(p), "provenance": page_provenance(p),
            "timings": {**p.prepared.seconds, **p.seconds}})
    for f in doc.failures:
        if f.page_number > 0:
            pages.append({"page_number": f.page_number, "status": "failed",
                          "provenance": {"error": f.kind, "message": f.message}})
    flags: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for fl in doc.flags:
        flags[fl.page_number].append({
            "type": fl.type, "category": fl.category, "reason": fl.reason,
            "severity": fl.severity, "left": fl.box.left, "top": fl.box.top,
            "width": fl.box.width, "height": fl.box.height,
            "polygon": [list(pt) for pt in fl.box.polygon()], "ocr_text": fl.ocr_text,
            "ref_text": fl.ref_text, "confidence": fl.confidence,
            "crop_path": str(fl.crop_path) if fl.crop_path else None, "detail": fl.detail})
    sc = doc.score
    return store.add_document(run_id, {
        "name": doc.scan.document, "source_path": str(doc.scan.path),
        "source_sha256": doc.scan.sha256, "page_count": doc.scan.page_count,
        "languages": doc.languages,
        "status": "done" if not doc.failures else "partial" if doc.pages else "failed",
        "reference_path": str(doc.reference.path) if doc.reference else None,
        "reference_encoding": doc.reference.encoding if doc.reference else None,
        "cer": sc.cer if sc else None, "wer": sc.wer if sc else None,
        "char_errors": sc.char_errors if sc else None, "char_total": sc.char_total if sc else None,
        "word_errors": sc.word_errors if sc else None, "word_total": sc.word_total if sc else None,
        "outputs": {"text": str(doc.text_path), "report": str(doc.report_path)},
    }, pages, flags, claim=claim)


def batch_summary(result: BatchResult, *, settings: Settings | None = None) -> dict[str, Any]:
    """Plain figures of a batch, for the database, the CLI and Prefect artifacts (with the
    per-profile figures, confidence intervals and spread under "scoring")."""
    cer, wer = result.cer_wer
    flags: dict[str, int] = defaultdict(int)
    for d in result.documents:
        for f in d.flags:
            flags[f.category or f.type] += 1
    return {
        "run_id": result.run_id, "status": result.status, "pages_done": result.pages_done,
        "pages_failed": len(result.failures), "seconds": round(result.seconds, 2),
        "cer": cer, "wer": wer, "flags": dict(flags),
        "documents": [{
            "document": d.scan.document, "pages": d.scan.page_count,
            "cer": d.score.cer if d.score else None, "wer": d.score.wer if d.score else None,
            "flags": len(d.flags), "report": str(d.report_path), "text": str(d.text_path),
            "pdf": str(d.published.pdf) if d.published and d.published.pdf else None,
            "mets": str(d.published.mets) if d.published and d.published.mets else None}
            for d in result.documents],
        "failures": [{"document": f.document, "page": f.page_number, "stage": f.stage,
                      "kind": f.kind, "message": f.message} for f in result.failures],
    } | batch_figures(result.documents, profiles=(settings or Settings()).profiles())
