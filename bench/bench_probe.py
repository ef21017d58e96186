"""Peak memory of one page through the pipeline, in a fresh process.

Usage: python -m bench.bench_probe SCAN GT_DIR OUT_DIR [LANGUAGES]. Prints one JSON line. First
what a pool worker does (load, preprocess, OCR: ocr.pipeline.process_page): the peak RSS of this
process (VmHWM), and the peak RSS of its tesseract child sampled every 10 ms (the child's own
ru_maxrss would count the Python pages it was forked with); then what the main process adds for
the page (score, flag, reports: finish_document), and the CER against GT_DIR/<stem>.txt.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from pathlib import Path

import psutil


def _peak_mib() -> float:
    """This process's peak RSS: VmHWM of its address space. (ru_maxrss would also count the
    parent's pages this process was forked with, before it exec'd Python.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class ChildPeak(threading.Thread):
    """The largest RSS any child process of this one reaches while it runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.done.is_set():
            for child in me.children(recursive=True):
                try:
                    self.peak = max(self.peak, child.memory_info().rss / 2**20)
                except psutil.Error:
                    pass
            self.done.wait(0.01)


def main(argv: list[str]) -> int:
    from ocr.pipeline import PageFailure, finish_document, plan_batch, process_page
    from ocr.settings import load_settings

    scan, gt_dir, out_dir = (Path(a) for a in argv[:3])
    languages = argv[3] if len(argv) > 3 else "rus"
    settings = load_settings(None, output_dir=out_dir, workers=1, languages=languages)
    jobs, scans, failures = plan_batch([scan], settings=settings)
    start = time.perf_counter()
    sampler = ChildPeak()
    sampler.start()
    pages = [process_page(job, settings) for job in jobs]
    sampler.done.set()
    sampler.join()
    worker_seconds = time.perf_counter() - start
    worker = {"python_peak_mib": _peak_mib(), "tesseract_peak_mib": round(sampler.peak, 1)}
    done = [p for p in pages if not isinstance(p, PageFailure)]
    failed = [p for p in pages if isinstance(p, PageFailure)] + list(failures)
    doc = (
        finish_document(scans[0], done, failed, gt_dir=gt_dir, settings=settings) if scans else None
    )
    print(
        json.dumps(
            {
                "scan": scan.name,
                "seconds": round(worker_seconds, 2),
                **worker,
                "with_finish_peak_mib": _peak_mib(),
                "failures": [f.message for f in failed],
                "cer": doc.score.cer if doc and doc.score else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
