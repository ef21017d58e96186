"""Seconds per stage (a stopwatch over named stages, and their sums) and CPU seconds of work."""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

# The document-level stages, after its pages are recognised (docs/report-schema.md).
DOCUMENT_STAGES = ("score", "flags", "correction", "crops", "text", "publish", "reports")


@dataclass
class Stopwatch:
    """Adds the wall-clock seconds of each ``with watch.stage(name):`` block to ``seconds``."""

    seconds: dict[str, float] = field(default_factory=dict)

    @classmethod
    def zeroed(cls, stages: Iterable[str]) -> Stopwatch:
        """A stopwatch whose stages all show, at 0 s until they run."""
        return cls(dict.fromkeys(stages, 0.0))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def add_seconds(*parts: Mapping[str, float]) -> dict[str, float]:
    """Seconds per stage summed over ``parts`` (stages in order of first appearance)."""
    total: dict[str, float] = {}
    for part in parts:
        for name, value in part.items():
            total[name] = total.get(name, 0.0) + float(value)
    return total


def rounded(seconds: Mapping[str, float], digits: int = 3) -> dict[str, float]:
    return {name: round(value, digits) for name, value in seconds.items()}


@dataclass(frozen=True)
class CpuSeconds:
    """CPU seconds a piece of work cost: this process's own (Python, OpenCV, numpy) and its
    finished child processes' (tesseract, the only children the pipeline starts)."""

    python: float = 0.0
    tesseract: float = 0.0

    @property
    def total(self) -> float:
        return self.python + self.tesseract

    def __add__(self, other: CpuSeconds) -> CpuSeconds:
        return CpuSeconds(self.python + other.python, self.tesseract + other.tesseract)

    def as_json(self) -> dict[str, float]:
        return {
            "python": round(self.python, 3),
            "tesseract": round(self.tesseract, 3),
            "total": round(self.total, 3),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, float] | None) -> CpuSeconds | None:
        if not data:
            return None
        return cls(float(data["python"]), float(data["tesseract"]))


@dataclass(frozen=True)
class CpuMark:
    """A reading of the process's CPU clocks; ``since()`` is the CPU used after it. Exact when
    the process works on one thing at a time (a pool worker, one page; the main process, one
    document); with several threads at work it counts all of them."""

    own: float
    children: float

    @classmethod
    def now(cls) -> CpuMark:
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return cls(time.process_time(), kids.ru_utime + kids.ru_stime)

    def since(self) -> CpuSeconds:
        now = CpuMark.now()
        return CpuSeconds(max(0.0, now.own - self.own), max(0.0, now.children - self.children))


def cpu_json(pages: Sequence[CpuSeconds | None], finish: float | None) -> dict[str, float] | None:
    """CPU seconds of pages in their workers (python, tesseract), summed, and of ``finish`` in
    the main process (which runs no tesseract), with their total; None when any was not
    measured (the Prefect flow's pages share one process's threads)."""
    if not pages or finish is None or any(c is None for c in pages):
        return None
    work = sum((c for c in pages if c is not None), CpuSeconds())
    return {
        "python": round(work.python, 3),
        "tesseract": round(work.tesseract, 3),
        "finish": round(finish, 3),
        "total": round(work.total + finish, 3),
    }
