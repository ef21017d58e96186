"""Seconds per stage: a stopwatch adding up the time spent in named stages, and their sums."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
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
