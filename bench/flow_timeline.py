"""Where a batch's wall time goes: a timeline of one run of `ocr run` (process pool) and of the flow
on threads (and, with --engines, on a local Dask cluster), on the same pages as
bench.profile_flow, with a Prefect server started once and each engine run once to warm up first.

Every event is a wall-clock timestamp (time.time(), comparable across processes) appended to a
file by the process it happens in: the driver's steps (the flow's body, the tesseract limit,
planning, the page workers' and fork server's start, each page task's submission, start and end,
each tesseract slot asked for, held and given back, each document's finishing, the artifacts),
and in the page workers each step a page runs there (load and frame, then read and detect),
split by the page's own stage seconds (load, preprocess, ocr, detect). Nothing of the product
is changed: the functions are wrapped from here, in this process and (through the functions the
pools are handed) in the workers.

Printed per engine: the milestones (seconds from the call), one row per page (when its task was
submitted, started, its steps in a worker, its slot, its document finished), and how busy the
workers were: page-work seconds in workers / (wall × workers), and the seconds before the first
page's work and after the last.

Run: .venv/bin/python -m bench.flow_timeline [--pages 8] [--workers 2] [--engines pool,threads]
[--before REF (adds the engine threads-before: flows/batch.py at REF)] [--out FILE (markdown)]"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
EVENTS = "OCR_TIMELINE_FILE"  # where every process appends its events (JSON lines)


def mark(event: str, page: str = "", **extra: Any) -> None:
    """Append one event (now) to the timeline file named in the environment, if any."""
    path = os.environ.get(EVENTS)
    if not path:
        return
    line = json.dumps(
        {
            "t": time.time(),
            "pid": os.getpid(),
            "thread": threading.current_thread().name,
            "event": event,
            "page": page,
            **extra,
        }
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def _split(page: str, start: float, seconds: dict[str, float], names: tuple[str, ...]) -> None:
    """Events for a step's stages, laid end to end from its start (their own durations)."""
    t = start
    for name in names:
        if name in seconds:
            _at(t, f"worker {name}", page, pid=os.getpid(), end=t + float(seconds[name]))
            t += float(seconds[name])


def _at(t: float, event: str, page: str, **extra: Any) -> None:
    path = os.environ.get(EVENTS)
    if not path:
        return
    line = json.dumps({"t": t, "event": event, "page": page, **extra})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


# --- run in the page workers (handed to the pools by reference to this module) ------------------


def timed_step(step: Callable[..., Any], label: str, *args: Any) -> Any:
    """A page worker's step (ocr.batch.prepare_in_worker or recognise_in_worker), timed."""
    start = time.time()
    mark(f"worker {step.__name__} start", label)
    result = step(*args)
    mark(f"worker {step.__name__} end", label)
    record = result[0]
    if step.__name__ == "prepare_in_worker":
        _split(label, start, record.seconds, ("load", "preprocess"))
    else:
        _split(label, start, record.seconds, ("ocr", "detect"))
    return result


def timed_process_page(job: Any, settings: Any) -> Any:
    """`ocr run`'s page in a worker (ocr.pipeline.process_page), timed."""
    from ocr.pipeline import RecognisedPage, process_page

    start = time.time()
    mark("worker process_page start", job.label)
    page = process_page(job, settings)
    mark("worker process_page end", job.label)
    if isinstance(page, RecognisedPage):
        _split(
            job.label,
            start,
            {**page.prepared.seconds, **page.seconds},
            ("load", "preprocess", "ocr", "detect"),
        )
    return page


# --- the wrappers in the driver ---------------------------------------------------------------


def _around(owner: Any, name: str, event: str, label: Callable[..., str] | None = None) -> None:
    """Wrap owner.name so that its start and end are marked."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        page = label(*args, **kwargs) if label else ""
        mark(f"{event} start", page)
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{event} end", page)

    setattr(owner, name, wrapper)


def instrument(*flows_modules: Any) -> None:
    """Wrap the driver's steps (ocr.batch, and flows.batch or the given copies of it, e.g. the
    flow at another commit) so that they mark their times."""
    import flows.batch
    import ocr.batch as ob

    _around(ob, "_run", "run_batch after start_run")
    _around(ob.LocalExecutor, "plan", "plan")
    _around(ob.LocalExecutor, "finish", "document (driver)", _doc_label)
    _around(ob, "_start_fork_server", "fork server start")
    _around(ob, "store_document", "store document")
    ob.finish_document = _timed_finish(ob.finish_document)
    ob.process_page = timed_process_page  # the pool pickles this module's function
    for fb in flows_modules or (flows.batch,):
        _instrument_flow(fb)


def _doc_label(*args: Any, **kwargs: Any) -> str:
    scan = kwargs.get("scan") or next(
        (a for a in args if hasattr(a, "document") and hasattr(a, "page_count")), None
    )
    return str(getattr(scan, "document", ""))


def _instrument_flow(fb: Any) -> None:
    _around(fb, "run_settings", "flow body: settings")
    _around(fb, "_ensure_limit", "flow body: tesseract limit")
    _around(fb, "run_batch", "run_batch")
    _around(fb.PrefectExecutor, "plan", "plan")
    _around(fb.PrefectExecutor, "finish", "document (driver)", _doc_label)
    _around(fb, "publish_artifacts", "artifacts")
    _around(fb.PrefectExecutor, "pages", "pages (generator made)")
    if hasattr(fb, "PageWorkers"):
        _around(fb.PageWorkers, "__init__", "page workers start")
        _around(fb.PageWorkers, "close", "page workers close")
        run = fb.PageWorkers.run

        def timed_run(self: Any, job: Any, step: Callable[..., Any], *args: Any) -> Any:
            mark(f"hand {step.__name__}", job.label)
            try:
                return run(self, job, timed_step, step, job.label, *args)
            finally:
                mark(f"back {step.__name__}", job.label)

        fb.PageWorkers.run = timed_run

    slot = fb.ocr_slot

    @contextlib.contextmanager
    def timed_slot(*args: Any, **kwargs: Any) -> Iterator[None]:
        mark("slot asked")
        with slot(*args, **kwargs):
            mark("slot held")
            try:
                yield
            finally:
                mark("slot given back")

    fb.ocr_slot = timed_slot

    task = fb.page_task
    fn, submit = task.fn, task.submit

    @functools.wraps(fn)
    def timed_fn(job: Any, *args: Any, **kwargs: Any) -> Any:
        label = fb._unsealed(job).label
        mark("task start", label)
        try:
            return fn(job, *args, **kwargs)
        finally:
            mark("task end", label)

    def timed_submit(job: Any, *args: Any, **kwargs: Any) -> Any:
        label = fb._unsealed(job).label
        mark("submit start", label)
        try:
            return submit(job, *args, **kwargs)
        finally:
            mark("submit end", label)

    task.fn = timed_fn
    task.submit = timed_submit
    fb.finish_document = _timed_finish(fb.finish_document)


def _timed_finish(finish: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(finish)
    def wrapper(scan: Any, *args: Any, **kwargs: Any) -> Any:
        mark("finish_document start", scan.document)
        try:
            return finish(scan, *args, **kwargs)
        finally:
            mark("finish_document end", scan.document)

    return wrapper


# --- reading a run's events ---------------------------------------------------------------------


def load(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    events.sort(key=lambda e: e["t"])
    current: dict[tuple[int, str], str] = {}  # a task thread's page (the slot's events)
    for e in events:
        where = (e.get("pid", 0), e.get("thread", ""))
        if e["event"] == "task start":
            current[where] = e["page"]
        elif e["event"].startswith("slot") and not e["page"]:
            e["page"] = current.get(where, "")
    return events


def milestones(events: list[dict[str, Any]], t0: float) -> list[tuple[str, float]]:
    """The first time of each distinct unlabelled event, and the first and last page events."""
    seen: dict[str, float] = {}
    for e in events:
        key = e["event"] if not e["page"] or e["event"].startswith(("fork", "page workers")) else ""
        if key and key not in seen and not key.startswith(("slot", "worker ")):
            seen[key] = e["t"] - t0
    page_firsts = {}
    for e in events:
        if e["page"] and e["event"] not in page_firsts:
            page_firsts[e["event"]] = e["t"] - t0
    for name in (
        "submit start",
        "task start",
        "worker prepare_in_worker start",
        "worker process_page start",
    ):
        if name in page_firsts:
            seen[f"first {name}"] = page_firsts[name]
    firsts = [e["t"] - t0 for e in events if e["event"] == "slot held"]
    if firsts:
        seen["first slot held"] = min(firsts)
    return sorted(seen.items(), key=lambda kv: kv[1])


def page_rows(events: list[dict[str, Any]], t0: float) -> list[dict[str, str]]:
    """Per page: its events' times from the call (first occurrence each)."""
    per: dict[str, dict[str, float]] = defaultdict(dict)
    docs: dict[str, float] = {}
    for e in events:
        if e["page"]:
            per[e["page"]].setdefault(e["event"], e["t"] - t0)
            if e["event"].startswith("worker ") and "end" in e:
                per[e["page"]].setdefault(e["event"] + " end", e["end"] - t0)
        if e["event"] == "document (driver) end":
            docs[e["page"]] = e["t"] - t0
    rows = []
    for page, ev in sorted(per.items(), key=lambda kv: min(kv[1].values())):
        document = page.split(" of ", 1)[1] if " of " in page else page
        if page in docs and not any(k.startswith(("worker", "task", "submit")) for k in ev):
            continue  # a document's own row (its finish): shown with its page

        def at(name: str, ev: dict[str, float] = ev) -> str:
            return f"{ev[name]:.1f}" if name in ev else ""

        rows.append(
            {
                "page": page,
                "submitted": at("submit start"),
                "task start": at("task start"),
                "load+frame": _span(ev, "worker prepare_in_worker", "worker process_page"),
                "slot asked → held": _pair(ev, "slot asked", "slot held"),
                "read+detect": _span(ev, "worker recognise_in_worker", "worker process_page"),
                "task end": at("task end") or at("worker process_page end"),
                "document done": f"{docs[document]:.1f}" if document in docs else "",
            }
        )
    return rows


def _pair(ev: dict[str, float], a: str, b: str) -> str:
    return f"{ev[a]:.1f} → {ev[b]:.1f}" if a in ev and b in ev else ""


def _span(ev: dict[str, float], name: str, whole: str) -> str:
    if f"{name} start" in ev:
        return _pair(ev, f"{name} start", f"{name} end")
    if name.endswith("prepare_in_worker") and "worker load" in ev:
        return _pair(ev, "worker load", "worker preprocess end")  # ocr run: one step
    if name.endswith("recognise_in_worker") and "worker ocr" in ev:
        return _pair(ev, "worker ocr", "worker detect end")
    return ""


def busy(events: list[dict[str, Any]], t0: float, wall: float, workers: int) -> dict[str, Any]:
    """Page-work seconds in the workers (their steps' spans), over wall × workers; the first
    page work's start and the last one's end, from the call."""
    spans = []
    open_: dict[tuple[int, str], float] = {}
    for e in events:
        ev = e["event"]
        if ev.startswith("worker ") and ev.endswith(" start"):
            open_[(e["pid"], e["page"])] = e["t"]
        elif ev.startswith("worker ") and ev.endswith(" end") and "pid" in e:
            start = open_.pop((e["pid"], e["page"]), None)
            if start is not None:
                spans.append((start - t0, e["t"] - t0))
    if not spans:
        return {}
    # A task thread's wait before its task's body runs: from the later of its submission and
    # the end of the thread's previous task (Prefect's start of a task run).
    submitted = {e["page"]: e["t"] for e in events if e["event"] == "submit end"}
    free: dict[tuple[int, str], float] = {}
    waits = []
    for e in events:
        where = (e.get("pid", 0), e.get("thread", ""))
        if e["event"] == "task start" and e["page"] in submitted:
            waits.append(e["t"] - max(submitted[e["page"]], free.get(where, 0.0)))
        elif e["event"] == "task end":
            free[where] = e["t"]
    slot_waits = []
    asked: dict[str, float] = {}
    for e in events:
        if e["event"] == "slot asked":
            asked[e["page"]] = e["t"]
        elif e["event"] == "slot held" and e["page"] in asked:
            slot_waits.append(e["t"] - asked[e["page"]])
    work = sum(b - a for a, b in spans)
    first, last = min(a for a, _ in spans), max(b for _, b in spans)
    return {
        "page work s (in workers)": round(work, 1),
        "workers busy (work / wall × workers)": round(work / (wall * workers), 2),
        "first page work starts at": round(first, 1),
        "last page work ends at": round(last, 1),
        "after the last page work": round(wall - last, 1),
        **(
            {"task start waits s (mean, max)": f"{sum(waits) / len(waits):.2f}, {max(waits):.2f}"}
            if waits
            else {}
        ),
        **(
            {
                "slot waits s (mean, max)": f"{sum(slot_waits) / len(slot_waits):.2f}, "
                f"{max(slot_waits):.2f}"
            }
            if slot_waits
            else {}
        ),
        "idle worker-seconds between first and last": round((last - first) * workers - work, 1),
    }


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="pool,threads")
    parser.add_argument("--out", type=Path, help="also write the tables here (markdown)")
    parser.add_argument(
        "--before", metavar="REF", help="engine threads-before: flows/batch.py at this git ref"
    )
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    from bench.bench_dask import _before_module, _pages
    from bench.common import md_table
    from bench.flow_timeline import instrument as instrument_here
    from bench.profile_flow import flow_engines

    work = Path(tempfile.mkdtemp(prefix="flow-timeline-"))
    scans = _pages(args.pages, work)
    import flows.batch

    modules = [flows.batch]
    if args.before:
        _before_module(args.before, work)
        modules.append(sys.modules["flows_batch_before"])
    instrument_here(*modules)
    lines: list[str] = []
    with prefect_test_harness(), contextlib.ExitStack() as stack:
        address = None
        if "dask" in args.engines:
            from distributed import LocalCluster

            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=args.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            address = cluster.scheduler_address

        engines = flow_engines(scans, work, args.workers, address)
        for name in args.engines.split(","):
            engines[name](f"{name}-warm")
            path = work / f"{name}.events"
            os.environ[EVENTS] = str(path)
            t0 = time.time()
            engines[name](name)
            wall = time.time() - t0
            mark("engine returned")
            os.environ.pop(EVENTS)
            events = load(path)
            load_avg = os.getloadavg()[0]
            lines += [
                f"### {name}: wall {wall:.1f} s (load average {load_avg:.1f})",
                "",
                *md_table(
                    ("milestone", "s from the call"),
                    [(k, f"{v:.2f}") for k, v in milestones(events, t0)],
                    align="lr",
                ),
                "",
            ]
            rows = page_rows(events, t0)
            if rows:
                lines += [*md_table(tuple(rows[0]), [tuple(r.values()) for r in rows]), ""]
            figures = busy(events, t0, wall, args.workers)
            lines += [
                *md_table(("figure", "value"), [(k, str(v)) for k, v in figures.items()]),
                "",
            ]
            print("\n".join(lines[-60:]), flush=True)
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(f"events and outputs in {work}")


if __name__ == "__main__":
    main()
