"""The one batch driver (``ocr run`` and the Prefect flow): check the inputs, plan, claim, run the
pages on an executor, finish and store each document as its pages arrive, and summarise."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select

from ocr.exceptions import (
    TRANSIENT_ERRORS,
    EarlierRunCrashedWarning,
    ExitCode,
    MissingDependencyError,
    NoScansError,
    NoScansWarning,
    OcrWarning,
    OutputNotWritableError,
    ReferenceFolderError,
    ScanNotFoundError,
    UnmatchedReferenceWarning,
)
from ocr.load import ScanInfo, discover
from ocr.pipeline import (
    DocumentResult,
    PageFailure,
    PageJob,
    PreparedPage,
    RecognisedPage,
    cached_recognition,
    find_reference,
    finish_document,
    plan_batch,
    prepare_page,
    process_page,
    recognise_page,
    scan_fingerprint,
    versions,
)
from ocr.report import (
    batch_scoring,
    document_seconds,
    empty_page_figures,
    format_rate,
    page_outputs,
    page_provenance,
    write_batch_index,
)
from ocr.results import BatchSummary, DocumentRow, EmptyPage, FailureRow, WarningRow
from ocr.score import micro_average
from ocr.settings import Settings
from ocr.store import Document, Store
from ocr.tesseract import check_languages
from ocr.timing import CpuMark, CpuSeconds, Stopwatch, add_seconds, cpu_json, rounded

Progress = Callable[[str], None]
PageResult = RecognisedPage | PageFailure
Plan = tuple[list[PageJob], list[ScanInfo], list[PageFailure]]
TRANSIENT_KINDS = frozenset({e.__name__ for e in TRANSIENT_ERRORS} | {"WorkerCrashed"})
# glibc's mallopt parameters (malloc.h); blocks from this size up are mapped (glibc's largest
# threshold), and how much freed memory a worker keeps at most.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MAP_FROM_BYTES = 32 << 20
KEEP_FREED_BYTES = 256 << 20


class Executor(Protocol):
    """Where a batch's work runs: a process pool (LocalExecutor) or Prefect tasks (flows/)."""

    def plan(self, sources: Sequence[Path], settings: Settings) -> Plan:
        """Inspect the scans: page jobs, the scans, the files that failed."""

    def pages(self, jobs: Sequence[PageJob], settings: Settings) -> Iterator[PageResult]:
        """Prepare and recognise every page, yielding each result (or failure) once."""

    def finish(
        self,
        scan: ScanInfo,
        pages: Sequence[RecognisedPage],
        failures: Sequence[PageFailure],
        *,
        gt_dir: Path | None,
        settings: Settings,
        run_id: str | None = None,
    ) -> DocumentResult:
        """Score, flag and report one document whose pages are all done (taught by what the
        results database held when run ``run_id`` started)."""


@dataclass(frozen=True)
class LocalExecutor:
    """Pages in a process pool, one single-threaded tesseract per worker; the rest in process."""

    def plan(self, sources: Sequence[Path], settings: Settings) -> Plan:
        return plan_batch(sources, settings=settings)

    def pages(self, jobs: Sequence[PageJob], settings: Settings) -> Iterator[PageResult]:
        return iter_processed(jobs, settings)

    def finish(
        self,
        scan: ScanInfo,
        pages: Sequence[RecognisedPage],
        failures: Sequence[PageFailure],
        *,
        gt_dir: Path | None,
        settings: Settings,
        run_id: str | None = None,
    ) -> DocumentResult:
        return finish_document(
            scan, pages, failures, gt_dir=gt_dir, settings=settings, run_id=run_id
        )


@dataclass(frozen=True)
class BatchResult:
    """What a batch run produced."""

    run_id: str
    documents: tuple[DocumentResult, ...]
    failures: tuple[PageFailure, ...]
    pages_done: int
    seconds: float
    skipped: tuple[str, ...] = ()
    warnings: tuple[OcrWarning, ...] = ()
    summary: BatchSummary | None = None  # its figures, as stored with the run
    batch_seconds: Mapping[str, float] = field(default_factory=dict)  # plan, store

    @property
    def cer_wer(self) -> tuple[float | None, float | None]:
        scores = [d.score for d in self.documents if d.score is not None]
        if not scores:
            return None, None
        return micro_average(scores)

    @property
    def status(self) -> str:
        return "completed" if not self.failures else "completed_with_failures"


@dataclass(frozen=True)
class _Batch:
    """One run's fixed context, passed between the driver's steps."""

    run_id: str
    store: Store
    executor: Executor
    settings: Settings
    gt_dir: Path | None
    progress: Progress
    prints: Mapping[str, str]  # document -> claim fingerprint (inbox mode)
    watch: Stopwatch = field(default_factory=Stopwatch)  # the driver's own stages


def _noop(_: str) -> None:
    pass


def iter_processed(jobs: Sequence[PageJob], settings: Settings) -> Iterator[PageResult]:
    """Process pages, one process per worker, yielding results as they finish."""
    if settings.workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield process_page(job, settings)
        return
    with worker_pool(settings.workers, {job.languages for job in jobs}) as pool:
        futures = {pool.submit(process_page, job, settings): job for job in jobs}
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                yield fut.result()
            except BrokenProcessPool as e:  # a worker was killed (e.g. out of memory)
                yield worker_crashed(job, e)


def worker_crashed(job: PageJob, error: BaseException) -> PageFailure:
    """The failure of a page whose worker process died under it (its pool is broken)."""
    return PageFailure(
        job.scan.document,
        job.scan.path,
        job.page_number,
        "ocr",
        "WorkerCrashed",
        f"{job.scan.path}: page {job.page_number}: the "
        f"worker process died ({error}); retry with fewer workers",
        6,
    )


# What a page worker runs (process_page, keep_freed_memory, and wordfreq, which ocr.quality
# imports when a page is first read), the driver's main module (which a spawned worker runs
# again as __mp_main__) and the word lists' loading (ocr.worker_warm): imported once by the
# fork server.
WORKER_MODULES = ("__main__", "ocr.batch", "wordfreq", "ocr.worker_warm")


_POOLS = threading.Lock()
_open_pools = [0]  # pools open in this process (batches may run in threads)


@contextlib.contextmanager
def worker_pool(workers: int, languages: Iterable[str] = ()) -> Iterator[ProcessPoolExecutor]:
    """A pool of page workers (see :func:`worker_context`); a fork server started for it loads
    the word lists of the pages' ``languages`` once (ocr.worker_warm). When the last open pool
    closes, the fork server is stopped and waited for: no process outlives the batch, and its
    CPU and its workers' (it waits for them) count among this process's children's, as spawned
    workers' do."""
    ctx = worker_context()
    with _POOLS:
        _open_pools[0] += 1
        if ctx.get_start_method() == "forkserver":
            _start_fork_server(languages)
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=keep_freed_memory
        ) as pool:
            yield pool
    finally:
        with _POOLS:
            _open_pools[0] -= 1
            if _open_pools[0] == 0 and ctx.get_start_method() == "forkserver":
                _stop_fork_server()


def prepare_in_worker(
    job: PageJob, settings: Settings
) -> tuple[PreparedPage, RecognisedPage | None, CpuSeconds]:
    """A page's first step in a page worker: load and frame it (ocr.stages.preprocess), with its
    recognition when the stage cache serves it, and the step's CPU seconds. Errors propagate."""
    mark = CpuMark.now()
    prepared = prepare_page(job, settings=settings)
    return prepared, cached_recognition(prepared, settings), mark.since()


def recognise_in_worker(
    prepared: PreparedPage, settings: Settings
) -> tuple[RecognisedPage, CpuSeconds]:
    """A page's second step in a page worker: read it and detect regions (ocr.stages.ocr), with
    the step's CPU seconds (its tesseract runs' too). Errors propagate."""
    mark = CpuMark.now()
    page = recognise_page(prepared, settings=settings)
    return page, mark.since()


def _start_fork_server(languages: Iterable[str]) -> None:
    """Start the fork server (if it is not running) with the word lists of ``languages`` (those
    ocr.quality reads: wordfreq's) named to ocr.worker_warm in its environment."""
    from multiprocessing import forkserver

    from ocr.quality import dictionary_languages
    from ocr.worker_warm import WARM_LANGUAGES

    lists = sorted({code for lang in languages for code in dictionary_languages(lang)})
    before = os.environ.get(WARM_LANGUAGES)
    os.environ[WARM_LANGUAGES] = "+".join(lists)
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            os.environ.pop(WARM_LANGUAGES, None)
        else:
            os.environ[WARM_LANGUAGES] = before


def _stop_fork_server() -> None:
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's (3.8 and later)
    if stop is not None:
        stop()


def worker_context() -> multiprocessing.context.BaseContext:
    """How page workers start: forked from a fork server, a fresh single-threaded process that
    imported WORKER_MODULES once (so a worker starts with them, where a spawned worker imports
    its ~600 modules again, about a second of CPU each); spawned where there is no fork server
    (Windows). Either way a worker never inherits the driver's threads or state."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(WORKER_MODULES))
    return ctx


def keep_freed_memory() -> bool:
    """Let a page worker (or `ocr run`'s main process) reuse the memory its last page freed
    (glibc; elsewhere nothing; True when set).

    A page's arrays are 9-35 MB each. By default glibc maps many of them fresh and gives the
    memory back when they are freed, so every page pays the kernel for zeroed memory again
    (a fifth to a quarter of a page's Python CPU here). Here blocks under MAP_FROM_BYTES come
    from the heap, and up to KEEP_FREED_BYTES of freed memory stay with the process. Results
    are unchanged; peak memory figures: bench/results_throughput.md."""
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    mapped = mallopt(M_MMAP_THRESHOLD, MAP_FROM_BYTES)
    return bool(mapped) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


# --- inputs -------------------------------------------------------------------------------------


def check_inputs(
    sources: Sequence[Path], *, gt_dir: Path | None, settings: Settings, only_new: bool = False
) -> None:
    """Refuse what would make the batch silently wrong: a scan path that does not exist (bad
    input), an output folder that cannot be written, a --gt that is not a folder, scan paths
    with no scan in them."""
    missing = [Path(s) for s in sources if not os.path.lexists(s)]
    if missing:
        raise ScanNotFoundError(path=", ".join(map(str, missing)))
    if gt_dir is not None and not Path(gt_dir).is_dir():
        why = "is a file, not a folder" if Path(gt_dir).exists() else "does not exist"
        raise ReferenceFolderError(
            f"the reference folder --gt {gt_dir} {why}; give the folder "
            "that holds <scan stem>.txt files (or leave --gt out)"
        )
    if not only_new and not discover(sources):
        raise NoScansError(
            f"no scans found in {', '.join(map(str, sources)) or 'nothing'} "
            "(PDF, TIFF, PNG or JPEG); check the path"
        )
    check_output_dir(settings.output_dir)  # last: a refused batch leaves no folder behind


def check_output_dir(folder: Path) -> None:
    """OutputNotWritableError unless a file can be created in the output folder."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=folder, prefix=f".probe.{os.getpid()}.", suffix=".tmp"
        ):
            pass
    except OSError as e:
        raise OutputNotWritableError(
            f"cannot write to the output folder {folder} ({e.strerror or e}); choose another "
            "--out or fix its permissions"
        ) from e


def unmatched_references(
    scans: Sequence[ScanInfo], failed: Sequence[PageFailure], gt_dir: Path | None
) -> list[OcrWarning]:
    """One warning naming the references in the folder that no scan of the batch reads (a
    misspelt name), if there are any."""
    if gt_dir is None:
        return []
    used = {find_reference(s, gt_dir) for s in scans}
    stems = {s.path.stem for s in scans} | {f.source.stem for f in failed}
    unread = []
    for ref in sorted(Path(gt_dir).rglob("*.txt")):
        name = ref.name.removesuffix(".gt.txt").removesuffix(".txt")
        if ref.resolve() in used or name in stems or name.endswith(".corrected"):
            continue  # read by a scan, a failed scan's, or written by export
        unread.append(ref.relative_to(gt_dir).as_posix())
    if not unread:
        return []
    shown = ", ".join(unread[:8]) + (f" and {len(unread) - 8} more" if len(unread) > 8 else "")
    return [
        UnmatchedReferenceWarning(
            f"{len(unread)} reference(s) match no scan of this batch: {shown}; a reference is read "
            "for the scan of the same name (<scan stem>.txt, in the same subfolder)",
            path=gt_dir,
        )
    ]


def _language_failures(
    jobs: list[PageJob], scans: list[ScanInfo], settings: Settings
) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    """Scans whose languages tesseract lacks (or tesseract itself) fail at once, named."""
    bad: dict[str, PageFailure] = {}
    for scan in scans:
        langs = settings.languages_for(scan.path.name)
        try:
            check_languages(langs)
        except MissingDependencyError as e:  # named by the scan, not its OCR image
            error = type(e)(e.message, path=scan.path)
            bad[scan.document] = PageFailure.from_error(
                error, document=scan.document, source=scan.path, page_number=0, stage="plan"
            )
    return (
        [j for j in jobs if j.scan.document not in bad],
        [s for s in scans if s.document not in bad],
        list(bad.values()),
    )


# --- the driver ---------------------------------------------------------------------------------


def run_batch(
    sources: Sequence[Path],
    *,
    gt_dir: Path | None,
    settings: Settings,
    progress: Progress = _noop,
    store: Store | None = None,
    executor: Executor | None = None,
    only_new: bool = False,
    flow_run_id: str | None = None,
) -> BatchResult:
    """The whole pipeline over files or folders; bad files are recorded and the batch goes on.

    With ``only_new`` (the inbox), each scan is claimed first and skipped when already done
    under the same fingerprint, so killed or concurrent runs never process a scan twice. A
    run killed by any means is marked crashed by the next start; one that raises, failed."""
    check_inputs(sources, gt_dir=gt_dir, settings=settings, only_new=only_new)
    store = store or Store(settings.db_url)
    crashed = store.mark_dead_runs()
    if crashed:
        warning = EarlierRunCrashedWarning(
            f"{crashed} earlier run(s) were killed before they "
            "finished; marked crashed (their scans are redone)"
        )
        progress(f"warning: {warning}")
    run_id = store.start_run(
        source=" ".join(map(str, sources)),
        settings=settings.model_dump(mode="json"),
        versions=versions(),
        flow_run_id=flow_run_id,
    )
    try:
        return _run(
            sources,
            run_id=run_id,
            store=store,
            executor=executor or LocalExecutor(),
            settings=settings,
            gt_dir=gt_dir,
            progress=progress,
            only_new=only_new,
        )
    except BaseException as e:
        status = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
        with contextlib.suppress(Exception):  # the error itself matters more than its record
            store.finish_run(
                run_id,
                status=status,
                summary={"run_id": run_id, "error": f"{type(e).__name__}: {e}"},
            )
        raise


def _run(
    sources: Sequence[Path],
    *,
    run_id: str,
    store: Store,
    executor: Executor,
    settings: Settings,
    gt_dir: Path | None,
    progress: Progress,
    only_new: bool,
) -> BatchResult:
    start = time.perf_counter()
    watch = Stopwatch.zeroed(("plan", "store"))
    with watch.stage("plan"):
        jobs, scans, failures = executor.plan(sources, settings)
    warnings = unmatched_references(scans, failures, gt_dir)
    if not scans and not failures:
        warnings.append(NoScansWarning(path=" ".join(map(str, sources))))
    jobs, scans, bad_languages = _language_failures(jobs, scans, settings)
    failures += bad_languages
    skipped: list[ScanInfo] = []
    prints: dict[str, str] = {}
    if only_new:
        scans, skipped, prints = _claim(store, run_id, scans, gt_dir=gt_dir, settings=settings)
        mine = {s.document for s in scans}
        jobs = [j for j in jobs if j.scan.document in mine]
    for w in warnings:
        progress(f"warning: {w}")
    for f in failures:
        progress(f"FAILED {f.message}")
        store_failure(store, run_id, f)
    batch = _Batch(run_id, store, executor, settings, gt_dir, progress, prints, watch)
    documents, late = _documents(batch, scans, jobs)
    all_failures = (*failures, *late, *(f for d in documents for f in d.failures))
    result = BatchResult(
        run_id,
        tuple(documents),
        tuple(all_failures),
        sum(len(d.pages) for d in documents),
        time.perf_counter() - start,
        tuple(s.document for s in skipped),
        (*warnings, *(w for d in documents for w in d.warnings)),
        batch_seconds=dict(watch.seconds),
    )
    summary = batch_summary(result, settings=settings)
    if documents or all_failures:  # a run that found nothing new keeps the index as it was
        write_batch_index(_index_summary(summary, store), settings.output_dir)
    store.finish_run(run_id, status=result.status, summary=summary.as_json())
    return replace(result, summary=summary)


def _claim(
    store: Store, run_id: str, scans: list[ScanInfo], *, gt_dir: Path | None, settings: Settings
) -> tuple[list[ScanInfo], list[ScanInfo], dict[str, str]]:
    """Claim each scan (exactly-once across killed and concurrent runs); skip done or held ones."""
    mine: list[ScanInfo] = []
    skipped: list[ScanInfo] = []
    prints: dict[str, str] = {}
    for scan in scans:
        fp = scan_fingerprint(scan, gt_dir=gt_dir, settings=settings)
        prints[scan.document] = fp
        ok = store.claim(
            run_id,
            sha256=scan.sha256,
            fingerprint=fp,
            document=scan.document,
            source_path=str(scan.path),
        )
        (mine if ok else skipped).append(scan)
    return mine, skipped, prints


def _documents(
    batch: _Batch, scans: list[ScanInfo], jobs: list[PageJob]
) -> tuple[list[DocumentResult], list[PageFailure]]:
    """Run the pages; as each document's last page arrives, finish and store it."""
    scan_of = {s.document: s for s in scans}
    remaining: dict[str, int] = defaultdict(int)
    for job in jobs:
        remaining[job.scan.document] += 1
    by_doc: dict[str, list[PageResult]] = defaultdict(list)
    documents: list[DocumentResult] = []
    failed: list[PageFailure] = []
    for i, result in enumerate(batch.executor.pages(jobs, batch.settings), start=1):
        doc = result.document if isinstance(result, PageFailure) else result.job.scan.document
        by_doc[doc].append(result)
        batch.progress(_page_line(i, len(jobs), result))
        remaining[doc] -= 1
        if remaining[doc] == 0:
            finished = _finish(batch, scan_of[doc], by_doc.pop(doc))
            if isinstance(finished, DocumentResult):
                documents.append(finished)
            else:
                failed.append(finished)
    return documents, failed


def _page_line(i: int, n: int, result: PageResult) -> str:
    if isinstance(result, PageFailure):
        return f"[{i}/{n}] FAILED {result.message}"
    secs = {**result.prepared.seconds, **result.seconds}
    return (
        f"[{i}/{n}] {result.job.label}: {result.word_count} words, "
        f"skew {result.prepared.skew_degrees:+.2f}°, "
        + ", ".join(f"{k} {v:.1f}s" for k, v in secs.items())
    )


def _finish(
    batch: _Batch, scan: ScanInfo, results: list[PageResult]
) -> DocumentResult | PageFailure:
    """Score, flag and store one document in one transaction (with its claim, inbox mode); a
    document that cannot be finished is a failure and the batch goes on."""
    pages = [r for r in results if isinstance(r, RecognisedPage)]
    failures = [r for r in results if isinstance(r, PageFailure)]
    fp = batch.prints.get(scan.document)
    try:
        doc = batch.executor.finish(
            scan,
            pages,
            failures,
            gt_dir=batch.gt_dir,
            settings=batch.settings,
            run_id=batch.run_id,
        )
    except Exception as e:  # noqa: BLE001 - one document's bug never stops the batch
        failure = PageFailure.from_error(
            e, document=scan.document, source=scan.path, page_number=0, stage="finish"
        )
        batch.progress(f"FAILED {failure.message}")
        store_failure(batch.store, batch.run_id, failure)
        if fp:
            batch.store.release(batch.run_id, sha256=scan.sha256, fingerprint=fp, status="failed")
        return failure
    for f in doc.failures:
        store_failure(batch.store, batch.run_id, f)
    for w in doc.warnings:
        batch.progress(f"warning: {w}")
    if fp and any(f.kind in TRANSIENT_KINDS for f in failures):
        # A transient failure outlived its retries: store nothing, leave it to the next run.
        batch.store.release(batch.run_id, sha256=scan.sha256, fingerprint=fp, status="retry")
        return doc
    with batch.watch.stage("store"):
        store_document(batch.store, batch.run_id, doc, claim=(scan.sha256, fp) if fp else None)
    batch.progress(document_line(doc))
    return doc


def document_line(doc: DocumentResult) -> str:
    """One line per finished document for the log: its CER and WER, items and report."""
    score = (
        f"CER {format_rate(doc.score.cer)}, WER {format_rate(doc.score.wer)}"
        if doc.score is not None
        else "no reference, not scored"
    )
    return (
        f"{doc.scan.document}: {score}, {len(doc.flags)} review item(s), "
        f"report {doc.report_path.with_name('report.html')}"
    )


# --- storing ------------------------------------------------------------------------------------


def store_failure(store: Store, run_id: str, f: PageFailure) -> None:
    store.add_failure(
        run_id,
        document=f.document,
        source_path=str(f.source),
        page_number=f.page_number,
        stage=f.stage,
        kind=f.kind,
        message=f.message,
        exit_code=f.exit_code,
    )


def _page_rows(doc: DocumentResult) -> list[dict[str, Any]]:
    ps = {p.page_number: p.score for p in doc.page_scores}
    pages = []
    for p in doc.pages:
        s = ps.get(p.job.page_number)
        pages.append(
            {
                "page_number": p.job.page_number,
                "status": "done",
                "image_sha256": p.prepared.image_sha256,
                "rows": p.prepared.rows,
                "cols": p.prepared.cols,
                "dpi": p.prepared.dpi,
                "skew_degrees": p.prepared.skew_degrees,
                "mean_confidence": p.mean_confidence,
                "word_count": p.word_count,
                "cer": s.cer if s else None,
                "wer": s.wer if s else None,
                "char_errors": s.char_errors if s else None,
                "char_total": s.char_total if s else None,
                "outputs": page_outputs(p),
                "provenance": page_provenance(p),
                "timings": {**p.prepared.seconds, **p.seconds},
            }
        )
    for f in doc.failures:
        if f.page_number > 0:
            pages.append(
                {
                    "page_number": f.page_number,
                    "status": "failed",
                    "provenance": {"error": f.kind, "message": f.message},
                }
            )
    return pages


def _flag_rows(doc: DocumentResult) -> dict[int, list[dict[str, Any]]]:
    flags: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for fl in doc.flags:
        flags[fl.page_number].append(
            {
                "type": fl.type,
                "kind": fl.kind,
                "category": fl.category,
                "reason": fl.reason,
                "severity": fl.severity,
                "left": fl.box.left,
                "top": fl.box.top,
                "width": fl.box.width,
                "height": fl.box.height,
                "polygon": [list(pt) for pt in fl.box.polygon()],
                "ocr_text": fl.ocr_text,
                "ref_text": fl.ref_text,
                "confidence": fl.confidence,
                "crop_path": str(fl.crop_path) if fl.crop_path else None,
                "detail": fl.detail_json(),
            }
        )
    return flags


def store_document(
    store: Store, run_id: str, doc: DocumentResult, claim: tuple[str, str] | None = None
) -> int:
    """One transaction: the document, its pages and their flags (and its scan claim marked done);
    the document's earlier runs are superseded and their decisions carried over."""
    sc = doc.score
    return store.add_document(
        run_id,
        {
            "name": doc.scan.document,
            "source_path": str(doc.scan.path),
            "source_sha256": doc.scan.sha256,
            "page_count": doc.scan.page_count,
            "languages": doc.languages,
            "status": "done" if not doc.failures else "partial" if doc.pages else "failed",
            "reference_path": str(doc.reference.path) if doc.reference else None,
            "reference_encoding": doc.reference.encoding if doc.reference else None,
            "cer": sc.cer if sc else None,
            "wer": sc.wer if sc else None,
            "char_errors": sc.char_errors if sc else None,
            "char_total": sc.char_total if sc else None,
            "word_errors": sc.word_errors if sc else None,
            "word_total": sc.word_total if sc else None,
            "outputs": {"text": str(doc.text_path), "report": str(doc.report_path)},
        },
        _page_rows(doc),
        _flag_rows(doc),
        claim=claim,
    )


# --- summary ------------------------------------------------------------------------------------


def batch_summary(result: BatchResult, *, settings: Settings | None = None) -> BatchSummary:
    """A batch's figures, for the database, the CLI and Prefect artifacts (with the per-profile
    figures, confidence intervals and spread under "scoring")."""
    cer, wer = result.cer_wer
    scoring = batch_scoring(result.documents, profiles=(settings or Settings()).profiles())
    empty = empty_page_figures(result.documents)
    return BatchSummary(
        run_id=result.run_id,
        status=result.status,
        pages_done=result.pages_done,
        pages_failed=len(result.failures),
        seconds=round(result.seconds, 2),
        cer=cer,
        wer=wer,
        flags=item_counts(result.documents),
        documents=tuple(_document_row(d) for d in result.documents),
        failures=tuple(
            FailureRow(f.document, f.page_number, f.stage, f.kind, f.message, f.exit_code)
            for f in result.failures
        ),
        warnings=tuple(WarningRow(w.kind, str(w)) for w in result.warnings),
        skipped=tuple(result.skipped),
        cached_pages=sum(p.cached for d in result.documents for p in d.pages),
        stage_seconds=stage_seconds(result),
        cpu_seconds=batch_cpu(result.documents),
        scoring=scoring,
        empty_pages=empty["empty_pages"],
        empty_page_list=tuple(EmptyPage(**e) for e in empty["empty_page_list"]),
    )


def _document_row(d: DocumentResult) -> DocumentRow:
    published = d.published
    return DocumentRow(
        document=d.scan.document,
        pages=d.scan.page_count,
        cer=d.score.cer if d.score else None,
        wer=d.score.wer if d.score else None,
        flags=len(d.flags),
        report=str(d.report_path),
        text=str(d.text_path),
        pdf=str(published.pdf) if published and published.pdf else None,
        mets=str(published.mets) if published and published.mets else None,
    )


def stage_seconds(result: BatchResult) -> dict[str, float]:
    """Seconds per stage over the batch: planning, then each page's and document's stages
    summed over all of them (work seconds: with several workers more than the wall clock),
    then storing; docs/report-schema.md."""
    per_doc = (
        {k: v for k, v in document_seconds(d).items() if k != "total"} for d in result.documents
    )
    plan = {k: v for k, v in result.batch_seconds.items() if k == "plan"}
    rest = {k: v for k, v in result.batch_seconds.items() if k != "plan"}
    stages = rounded(add_seconds(plan, *per_doc, rest))
    return stages | {"total": round(sum(stages.values()), 3)}


def batch_cpu(documents: Sequence[DocumentResult]) -> dict[str, float] | None:
    """CPU seconds of the batch's documents: their pages' in the workers (python, tesseract)
    and their finishing in the main process, summed; None when any was not measured."""
    finish = [d.cpu for d in documents]
    return cpu_json(
        [p.cpu for d in documents for p in d.pages],
        None if any(c is None for c in finish) else sum(c.python for c in finish if c),
    )


def item_counts(documents: Sequence[Any]) -> dict[str, int]:
    """Review items by kind (ocr.flag.KIND_LABELS: a stamp's colour is no kind)."""
    counts: dict[str, int] = defaultdict(int)
    for d in documents:
        for f in d.flags:
            counts[f.label] += 1
    return dict(counts)


def _index_summary(summary: BatchSummary, store: Store) -> dict[str, Any]:
    """The batch index: this run's documents, then each other document's latest run, so a run
    that processed only some scans still links every report."""
    mine = {d.document for d in summary.documents}
    with store.session() as s:
        latest = s.scalars(
            select(Document).where(Document.superseded_by.is_(None)).order_by(Document.name)
        )
        earlier = [_earlier_row(d) for d in latest if d.name not in mine]
    data = summary.as_json()
    return data | {"documents": [*data["documents"], *(r for r in earlier if r)]}


def _earlier_row(doc: Document) -> dict[str, Any] | None:
    """An index row of a document stored by an earlier run, if its report is still there."""
    report = Path((doc.outputs or {}).get("report") or "/nonexistent")
    if not report.is_file():
        return None
    stem = report.parent / Path(doc.name).name
    files = {
        kind: str(path) if path.is_file() else None
        for kind, path in (
            ("pdf", stem.with_name(stem.name + ".pdf")),
            ("mets", stem.with_name(stem.name + ".mets.xml")),
        )
    }
    return {
        "document": doc.name,
        "pages": doc.page_count,
        "cer": doc.cer,
        "wer": doc.wer,
        "flags": None,
        "report": str(report),
        **files,
    }


def exit_code(failures: Sequence[FailureRow]) -> int:
    """The command's exit code for a batch's failures (summary rows): a missing program or
    language before pages that failed; 0 when nothing failed."""
    codes = {int(f.exit_code or ExitCode.some_pages_failed) for f in failures}
    if not codes:
        return int(ExitCode.ok)
    if ExitCode.missing_dependency in codes:
        return int(ExitCode.missing_dependency)
    return int(ExitCode.some_pages_failed)
