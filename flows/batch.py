"""The `ocr_batch` Prefect flow: ocr.batch.run_batch with Prefect tasks doing the work."""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from prefect import flow, get_run_logger, tags, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture, as_completed
from prefect.states import Completed
from prefect.utilities.annotations import allow_failure

from flows.artifacts import ProgressArtifact, publish_artifacts
from flows.limits import (
    OCR_LIMIT,
    ensure_ocr_limit,
    ocr_slot,
    release_dead_leases,
    unlimited_tags_known,
)
from ocr.batch import (
    PageResult,
    Plan,
    keep_freed_memory,
    prepare_in_worker,
    recognise_in_worker,
    run_batch,
    worker_crashed,
    worker_pool,
)
from ocr.exceptions import TRANSIENT_ERRORS
from ocr.load import ScanInfo
from ocr.pipeline import (
    DocumentResult,
    PageFailure,
    PageJob,
    RecognisedPage,
    cached_recognition,
    finish_document,
    plan_batch,
    prepare_page,
    recognise_page,
)
from ocr.settings import Settings, find_config, load_settings_from, with_absolute_paths
from ocr.store import Store

T = TypeVar("T")


def _transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry only errors that can pass (I/O, a killed tesseract), never a bad input."""
    try:
        state.result()
    except TRANSIENT_ERRORS:
        return True
    except Exception:  # noqa: BLE001 - deterministic errors are not retried
        return False
    return False


# Each task is named after the stages (the ocr/ modules) it runs, in order. A page's stages run in
# one task and a document's in another: Prefect's own cost per task is paid once a page.
LOAD_TASK = "load"  # ocr.stages.load.plan_batch: find and inspect the scans
PAGE_TASK = "preprocess, ocr, detect"  # ocr.stages: preprocess.prepare_page, ocr.recognise_page
DOCUMENT_TASK = "score, flag, correct, publish, report"  # ocr.pipeline.finish_document


def _name(prefix: str):  # noqa: ANN202 - Prefect's task_run_name callback
    def name(parameters: dict[str, Any]) -> str:
        subject = _unsealed(parameters.get("job") or parameters.get("scan"))
        if isinstance(subject, PageJob):
            return f"{prefix} {subject.label}"
        if isinstance(subject, ScanInfo):
            return f"{prefix} {subject.document}"
        return prefix

    return name


def _load_name(parameters: dict[str, Any]) -> str:
    names = [Path(s).name or str(s) for s in parameters.get("sources") or []]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{LOAD_TASK} {shown}" if shown else LOAD_TASK


def _unsealed(value: Any) -> Any:
    return value.value if isinstance(value, Sealed) else value


class Sealed(Generic[T]):
    """A task input that Prefect passes as it is: it neither walks into it nor links it to an
    earlier task. Prefect links inputs to the tasks that returned them by object identity,
    and for values without weak references (empty tuples, strings, ints) by id() alone, so a
    shared constant deep in the settings or a page record tied a task to whichever task last
    returned an equal-id object: "the document task of B" to a page of A. Prefect's own ``quote``
    does the same on threads, but Dask unpacks it (a named tuple) on the way to the worker."""

    def __init__(self, value: T) -> None:
        self.value = value


# Our own stage manifests (ocr.stages.cache) are the cache: keyed on content hashes, settings and
# tesseract/traineddata versions, valid only while the outputs exist; so no Prefect result cache.
@task(name=LOAD_TASK, task_run_name=_load_name, cache_policy=NO_CACHE)  # type: ignore[arg-type]
def load_task(
    sources: list[str], settings: Sealed[Settings]
) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    return plan_batch([Path(s) for s in sources], settings=settings.value)


class PageStageError(Exception):
    """A page's deterministic error, with the stage it happened in (preprocess or ocr), and the
    page's failure when it is known as it is (a page worker that died)."""

    def __init__(
        self, stage: str, error: BaseException, failure: PageFailure | None = None
    ) -> None:
        super().__init__(stage, error, failure)
        self.stage = stage
        self.error = error
        self.failure = failure

    def __str__(self) -> str:
        return f"{self.stage}: {self.error}"


class PageWorkers:
    """The page workers of `ocr run` (ocr.batch.worker_pool: forked from a fork server that
    imported the page modules and loaded the word lists once) for a flow on threads: a task
    thread hands its page's work to a worker process and waits, so two pages' Python work
    (framing, detectors) runs on two cores, not in two threads of one process under the GIL.
    A pool broken by a dead worker fails that page only: the next page gets a new pool."""

    def __init__(self, workers: int, languages: Iterable[str]) -> None:
        self._workers, self._languages = workers, frozenset(languages)
        self._lock = threading.Lock()
        self._stack = contextlib.ExitStack()
        self._pool = self._open()

    def _open(self) -> ProcessPoolExecutor:
        """A pool whose workers start now, in the background: the fork server loads its
        modules and word lists and the workers fork while Prefect starts the first tasks, not
        after them (a pool forks a worker only when a call finds none idle, and forking waits
        for the fork server)."""
        pool = self._stack.enter_context(worker_pool(self._workers, self._languages))

        def start() -> None:
            with contextlib.suppress(Exception):  # a pool that cannot start fails its pages
                for _ in range(self._workers):
                    pool.submit(os.getpid)

        threading.Thread(target=start, name="page workers start", daemon=True).start()
        return pool

    def run(self, job: PageJob, step: Callable[..., T], *args: Any) -> T:
        """``step(*args)`` in a worker process; its errors raised here as they are."""
        pool = self._pool
        try:
            return pool.submit(step, *args).result()
        except BrokenProcessPool as e:  # the worker was killed (e.g. out of memory)
            with self._lock:
                if self._pool is pool:
                    self._stack.close()
                    self._stack = contextlib.ExitStack()
                    self._pool = self._open()
            failure = worker_crashed(job, e)
            raise PageStageError("ocr", RuntimeError(failure.message), failure) from e

    def close(self) -> None:
        self._stack.close()


# The page workers of the flow runs on threads in this process, by key (a task gets the key:
# where it is not found, in a Dask worker, the task does the page's work itself).
_PAGE_WORKERS: dict[str, PageWorkers] = {}


@task(
    name=PAGE_TASK,
    task_run_name=_name(PAGE_TASK),
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=_transient,
    tags=["stage:ocr"],
)
def page_task(
    job: Sealed[PageJob], settings: Sealed[Settings], workers: Sealed[str | None]
) -> RecognisedPage:
    """One page, whole: load and frame it, read it (holding a tesseract slot unless the stage
    cache serves it), detect regions. One task, not one per stage: Prefect's own cost per task
    is paid once a page. On threads the work runs in the page workers of ``workers`` (the
    same warmed processes as `ocr run`'s), else here. Transient errors propagate as they are
    (retried); the others carry their stage."""
    stage, cfg = "preprocess", settings.value
    pool = _PAGE_WORKERS.get(workers.value) if workers.value else None
    try:
        if pool is not None:
            prepared, cached, cpu = pool.run(job.value, prepare_in_worker, job.value, cfg)
            stage = "ocr"
            if cached is not None:
                return replace(cached, cpu=cpu)  # served from the stage cache: no slot needed
            with ocr_slot(cfg.db_url):
                page, more = pool.run(job.value, recognise_in_worker, prepared, cfg)
            return replace(page, cpu=cpu + more)
        warm_worker()
        prepared = prepare_page(job.value, settings=cfg)
        stage = "ocr"
        if (cached := cached_recognition(prepared, cfg)) is not None:
            return cached  # served from the stage cache: no tesseract slot needed
        with ocr_slot(cfg.db_url):
            return recognise_page(prepared, settings=cfg)
    except PageStageError:
        raise
    except TRANSIENT_ERRORS:
        raise
    except Exception as e:
        raise PageStageError(stage, e) from e


@functools.cache
def warm_worker() -> None:
    """Once per process that runs page tasks itself (a Dask worker): what `ocr run`'s page
    workers get from their initializer, glibc keeping the memory a page freed for the next
    (ocr.batch.keep_freed_memory; Dask's nanny sets a low trim threshold instead). Setting it
    twice (two threads at once) is harmless."""
    keep_freed_memory()


@task(
    name=DOCUMENT_TASK,
    task_run_name=_name(DOCUMENT_TASK),
    cache_policy=NO_CACHE,
    tags=["stage:score"],
)
def document_task(
    scan: Sealed[ScanInfo],
    pages: Sealed[list[RecognisedPage]],
    failures: Sealed[list[PageFailure]],
    ground_truth: str | None,
    settings: Sealed[Settings],
    run_id: str | None = None,
) -> DocumentResult:
    return finish_document(
        scan.value,
        pages.value,
        failures.value,
        gt_dir=Path(ground_truth) if ground_truth else None,
        settings=settings.value,
        run_id=run_id,
    )


def _result_of(job: PageJob, fut: PrefectFuture) -> RecognisedPage | PageFailure:
    """The page's result, or its failure (with the stage that failed)."""
    fut.wait()
    if fut.state.is_completed():
        return fut.result()  # type: ignore[no-any-return]
    error = fut.state.result(raise_on_failure=False)
    stage = "ocr"
    if isinstance(error, PageStageError) and error.failure is not None:
        return error.failure
    if isinstance(error, PageStageError):
        stage, error = error.stage, error.error
    if not isinstance(error, BaseException):
        error = RuntimeError(fut.state.message or "the page task did not complete")
    return PageFailure.from_error(
        error,
        document=job.scan.document,
        source=job.scan.path,
        page_number=job.page_number,
        stage=stage,
    )


@dataclass(frozen=True)
class PrefectExecutor:
    """The batch's work as Prefect tasks: one task per page (prepare, OCR and detect; retried on
    transient errors, tagged by document and stage), a scoring task per document that waits
    for its own pages only (failed ones too), and the pages' progress as an artifact.

    Inputs go ``Sealed``, and the records a page returns are small (paths and figures, a few
    kB pickled; the images stay on disk), so a task's inputs in the run graph are its true
    upstream tasks and nothing large travels through Prefect or Dask."""

    page_processes: bool = True  # on threads: each page's work in a page worker process
    _futures: dict[str, list[PrefectFuture]] = field(default_factory=dict, compare=False)

    def plan(self, sources: Sequence[Path], settings: Settings) -> Plan:
        return load_task([str(s) for s in sources], Sealed(settings))

    def pages(self, jobs: Sequence[PageJob], settings: Settings) -> Iterator[PageResult]:
        progress = ProgressArtifact(total=len(jobs))
        job_of: dict[PrefectFuture, PageJob] = {}
        self._futures.clear()
        with (
            _page_workers(jobs, settings, self.page_processes) as workers,
            unlimited_tags_known(_run_tags(jobs)),
        ):
            for j in jobs:
                with tags(f"doc:{j.scan.document}"):
                    # The per-page timeout is tesseract's own (ocr_timeout kills the process); a
                    # Prefect timeout cannot interrupt a worker thread.
                    fut = page_task.submit(Sealed(j), Sealed(settings), Sealed(workers))
                job_of[fut] = j
                self._futures.setdefault(j.scan.document, []).append(fut)
            for fut in as_completed(list(job_of)):  # each document finishes as soon as it can
                yield _result_of(job_of[fut], fut)
                progress.step()

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
        own = self._futures.pop(scan.document, [])
        with tags(f"doc:{scan.document}"):
            return document_task(
                Sealed(scan),
                Sealed(list(pages)),
                Sealed(list(failures)),
                str(gt_dir) if gt_dir else None,
                Sealed(settings),
                run_id,
                wait_for=[allow_failure(f) for f in own],
            )


def _run_tags(jobs: Sequence[PageJob]) -> set[frozenset[str]]:
    """The tag sets of the task runs of these pages and their documents, as the task engine
    will see them (the task's tags, the caller's, the document's)."""
    from prefect.context import TagsContext

    around = TagsContext.get().current_tags
    return {
        frozenset({*task.tags, *around, f"doc:{j.scan.document}"})
        for j in jobs
        for task in (page_task, document_task)
    }


@contextlib.contextmanager
def _page_workers(
    jobs: Sequence[PageJob], settings: Settings, wanted: bool = True
) -> Iterator[str | None]:
    """On the threads task runner, page workers for these pages (their key), closed when the
    pages are done; None elsewhere (a Dask worker is a process of its own), for one page, and
    unless ``wanted``."""
    from prefect.context import FlowRunContext
    from prefect.task_runners import ThreadPoolTaskRunner

    context = FlowRunContext.get()
    runner = context.task_runner if context is not None else None
    if not wanted or not isinstance(runner, ThreadPoolTaskRunner) or len(jobs) <= 1:
        yield None
        return
    key = uuid.uuid4().hex
    _PAGE_WORKERS[key] = PageWorkers(settings.workers, {j.languages for j in jobs})
    try:
        yield key
    finally:
        _PAGE_WORKERS.pop(key).close()


@flow(name="ocr_batch", log_prints=True)
def ocr_batch(
    sources: list[str],
    ground_truth: str | None = None,
    settings: dict[str, Any] | None = None,
    only_new: bool = False,
    review_url: str | None = None,
    config: str | None = None,
    page_processes: bool = True,
) -> dict[str, Any] | State[dict[str, Any]]:
    """OCR, score and flag a batch of scans (ocr.batch.run_batch on Prefect tasks). The
    settings are read when the run starts: the settings file (``config``, else the nearest
    ocr.toml), the OCR_* environment, then ``settings`` on top. With only_new (the inbox
    deployment), scans already processed under the same settings are skipped, and each scan is
    claimed so that killed or concurrent runs never process a page twice. On threads, each
    page's work runs in a page worker process (as `ocr run`'s), unless not ``page_processes``
    (then in the task's thread). Returns the batch summary."""
    logger = get_run_logger()
    cfg = run_settings(sources, config=config, overrides=settings, log=logger.info)
    _ensure_limit(cfg.workers, cfg.db_url)
    result = run_batch(
        [Path(s) for s in sources],
        gt_dir=Path(ground_truth) if ground_truth else None,
        settings=cfg,
        progress=logger.info,
        executor=PrefectExecutor(page_processes=page_processes),
        only_new=only_new,
        flow_run_id=_flow_run_id(),
    )
    assert result.summary is not None  # run_batch always sums up its run
    publish_artifacts(
        result.summary, store=Store(cfg.db_url), review_url=review_url, output_dir=cfg.output_dir
    )
    summary = result.summary.as_json()  # the flow's result: plain JSON
    if result.failures:
        return Completed(
            data=summary,
            name="Completed with failures",
            message=f"{len(result.failures)} page(s) or file(s) failed; "
            "see the 'ocr-failed-pages' artifact",
        )
    return summary


def run_settings(
    sources: Sequence[str], *, config: str | None, overrides: dict[str, Any] | None, log: Any = None
) -> Settings:
    """The settings of one run, read when it starts: the settings file (``config``, else the
    nearest ocr.toml from the working directory or the scans), the environment, then
    ``overrides`` (a deployment passes only what its command line fixed)."""
    source = find_config(Path(config) if config else None, scans=[Path(s) for s in sources])
    if log is not None:
        log(source.describe())
    return load_settings_from(source, **(overrides or {}))


def _ensure_limit(workers: int, db_url: str) -> None:
    """The tesseract limit exists, and no slot of it is still held by a killed earlier run."""
    try:
        ensure_ocr_limit(workers)
        release_dead_leases(db_url)
    except Exception as e:  # noqa: BLE001 - the limit is a guard, not a reason to fail a batch
        get_run_logger().warning("could not ensure the %s concurrency limit: %s", OCR_LIMIT, e)


def _flow_run_id() -> str | None:
    from prefect.context import get_run_context

    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run
        return None


def run_flow(
    sources: list[str],
    *,
    ground_truth: str | None,
    settings: Settings,
    only_new: bool = False,
    task_runner: str = "threads",
    dask_address: str | None = None,
    review_url: str | None = None,
    page_processes: bool = True,
) -> dict[str, Any]:
    """Run ocr_batch with a task runner: threads (one per worker, each hands its page to a page
    worker process, or does it itself unless ``page_processes``) or Dask (an existing cluster
    at dask_address, else a local one). Every path is made absolute first: a Dask worker runs
    in its own folder, maybe on another machine."""
    runner = make_task_runner(task_runner, workers=settings.workers, dask_address=dask_address)
    sources = [str(Path(s).absolute()) for s in sources]  # absolute, links kept (names)
    ground_truth = str(Path(ground_truth).absolute()) if ground_truth else None
    settings = with_absolute_paths(settings)
    result = ocr_batch.with_options(task_runner=runner)(
        sources=sources,
        ground_truth=ground_truth,
        settings=settings.model_dump(mode="json"),
        only_new=only_new,
        review_url=review_url,
        page_processes=page_processes,
    )
    # Calling a flow resolves a State it returned (Completed with failures) to its data.
    assert isinstance(result, dict)
    return result


def make_task_runner(kind: str, *, workers: int, dask_address: str | None = None) -> Any:
    """The task runner by name."""
    if kind == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
        )
    from ocr.exceptions import ConfigError

    raise ConfigError(f"unknown task runner {kind!r}; use 'threads' or 'dask'")
