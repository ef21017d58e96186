"""CPU seconds a page of each stage of `ocr run` without a profiler (cProfile's cost per Python
call inflates call-heavy code several times: the readings' Python side, page flags and reports
look 5-8 times dearer under it than they are). Each stage's function is wrapped with
time.process_time (this process's CPU only: tesseract's runs are children); one worker, in
process, over bench.profile_set's six pages, after other pages (bench.profile_set's warm-up
pages) so that what a process pays once is left out.

Run: PYTHONPATH=. .venv/bin/python -m bench.profile_stages LABEL
(writes bench/profiles_throughput/stages-LABEL.txt)."""

from __future__ import annotations

import argparse
import functools
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import ROOT
from bench.profile_set import OUT, _pages, _warm_pages

# (module, function): the stages and the steps of them this round looked at, in order.
STAGES = (
    ("ocr.pipeline", "process_page"),
    ("ocr.stages.preprocess", "prepare_page"),
    ("ocr.stages.ocr", "recognise_page"),
    ("ocr.readings", "read_page"),
    ("ocr.stages.preprocess", "make_processed"),
    ("ocr.readings", "read"),
    ("ocr.tesseract", "run_ocr"),
    ("ocr.tesseract", "_split_choices"),
    ("ocr.quality", "word_probabilities"),
    ("ocr.readings", "repair"),
    ("ocr.readings", "_choose"),
    ("ocr.stages.ocr", "_detect"),
    ("ocr.detect.stage", "detect_regions_in_frame"),
    ("ocr.detect.page", "detect_page"),
    ("ocr.detect.junk", "drop_junk"),
    ("ocr.reletter", "page_swaps"),
    ("ocr.casing", "recase_outputs"),
    ("ocr.reframe", "reframe_outputs"),
    ("ocr.pipeline", "finish_document"),
    ("ocr.stages.flag", "flag_page"),
    ("ocr.correct.stage", "suggestion_flags"),
    ("ocr.flag", "reference_flags"),
    ("ocr.flag", "page_flags"),
    ("ocr.flag", "write_crops"),
    ("ocr.pipeline", "publish_document"),
    ("ocr.pipeline", "write_document_reports"),
    ("ocr.batch", "store_document"),
)


class Clocks:
    """Each stage's function replaced, in its module and wherever it was imported by name, by a
    wrapper adding its CPU seconds (a recursive call is counted once)."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self._inside: set[str] = set()

    def wrap(self, module: str, name: str) -> None:
        plain = getattr(importlib.import_module(module), name)
        key = f"{module}.{name}"

        @functools.wraps(plain)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if key in self._inside:
                return plain(*args, **kwargs)
            self._inside.add(key)
            start = time.process_time()
            try:
                return plain(*args, **kwargs)
            finally:
                self.cpu[key] = self.cpu.get(key, 0.0) + time.process_time() - start
                self._inside.discard(key)

        for loaded in list(sys.modules.values()):
            if getattr(loaded, "__name__", "").startswith("ocr") and (
                getattr(loaded, name, None) is plain
            ):
                setattr(loaded, name, timed)


def _run(batches: list[tuple[Path, str, Path | None]], out: Path) -> int:
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    pages = 0
    for i, (scans, languages, gt) in enumerate(batches):
        settings = load_settings(None, output_dir=out / str(i), workers=1, languages=languages)
        pages += run_batch([scans], gt_dir=gt, settings=settings).pages_done
    return pages


def profile_stages(label: str) -> Path:
    from ocr.batch import keep_freed_memory

    keep_freed_memory()  # as `ocr run`'s page workers do
    import ocr.pipeline  # noqa: F401 - every stage's module, before wrapping

    clocks = Clocks()
    for module, name in STAGES:
        clocks.wrap(module, name)
    work = Path(tempfile.mkdtemp(prefix="profile-stages-"))
    try:
        batches = _pages(work)
        (work / "warm").mkdir()
        _run(_warm_pages(work), work / "out-warm")
        clocks.cpu.clear()
        start = time.process_time()
        pages = _run(batches, work / "out")
        total = time.process_time() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    rows = [f"| {m}.{n} | {clocks.cpu.get(f'{m}.{n}', 0.0) / pages:.3f} |" for m, n in STAGES]
    text = "\n".join(
        [
            f"# Python CPU a page by stage, no profiler (time.process_time around each stage's "
            f"function), ocr run --workers 1 in process on {pages} pages (bench.profile_set's), "
            f"after its warm-up pages; commit {commit}, label {label}",
            f"# total Python CPU {total / pages:.3f} s/page (tesseract's own CPU not included)",
            "# Reproduce: PYTHONPATH=. .venv/bin/python -m bench.profile_stages LABEL",
            "",
            "| function (cumulative) | CPU s/page |",
            "|---|---|",
            *rows,
            "",
        ]
    )
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"stages-{label}.txt"
    path.write_text(text, encoding="utf-8")
    print(text)
    return path


def main(argv: list[str] | None = None, *, run: Callable[[str], Path] = profile_stages) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("label")
    run(parser.parse_args(argv).label)


if __name__ == "__main__":
    main()
