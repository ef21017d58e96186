"""OCR engines for the benchmark: bare tesseract, OCRmyPDF, `ocr run` and the Prefect flow,
each timed on the same pages, with a sampler of the memory of their processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.common import SINGLE_THREAD


@dataclass(frozen=True)
class EngineRun:
    """One engine over a list of pages: texts by page name, wall time, and memory peaks."""

    engine: str
    texts: dict[str, str]
    seconds: float
    pages: int
    memory: dict[str, float] = field(default_factory=dict)  # MiB
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.pages / self.seconds if self.seconds else float("nan")


class MemorySampler:
    """Poll a process tree every ``interval`` s; keep each process's peak RSS and, per direct
    child (a worker), the peak of the child plus its own children (its tesseract)."""

    def __init__(self, root: int | None = None, *, interval: float = 0.1) -> None:
        self.root = psutil.Process(root or os.getpid())
        self.interval = interval
        self.peaks: dict[int, tuple[str, float]] = {}
        self.worker_peaks: dict[int, float] = {}
        self.root_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _rss(self, proc: psutil.Process) -> float:
        try:
            rss = proc.memory_info().rss / 2**20
            self.peaks[proc.pid] = (proc.name(), max(rss, self.peaks.get(proc.pid, ("", 0))[1]))
            return rss
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return 0.0

    def _sample(self) -> None:
        self.root_peak = max(self.root_peak, self._rss(self.root))
        try:
            workers = self.root.children()
        except psutil.NoSuchProcess:
            return
        for worker in workers:
            total = self._rss(worker)
            try:
                total += sum(self._rss(p) for p in worker.children(recursive=True))
            except psutil.NoSuchProcess:
                pass
            self.worker_peaks[worker.pid] = max(total, self.worker_peaks.get(worker.pid, 0.0))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def summary(self) -> dict[str, float]:
        """Peaks in MiB: the driving process, the largest worker tree, the largest tesseract."""
        tess = [rss for name, rss in self.peaks.values() if name.startswith("tesseract")]
        return {
            "main_process": round(self.root_peak, 1),
            "worker_tree_max": round(max(self.worker_peaks.values(), default=0.0), 1),
            "tesseract_max": round(max(tess, default=0.0), 1),
        }


def _parallel(
    commands: Sequence[tuple[str, list[str]]], *, workers: int, env: dict[str, str]
) -> dict[str, str]:
    """Run commands ``workers`` at a time; their stdout by key."""
    full_env = {**os.environ, **env}

    def one(item: tuple[str, list[str]]) -> tuple[str, str]:
        key, cmd = item
        proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, check=False)
        return key, proc.stdout

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(one, commands))


def run_tesseract(
    images: dict[str, Path],
    *,
    engine: str,
    languages: str = "rus",
    args: Sequence[str] = (),
    workers: int = 2,
) -> EngineRun:
    """``tesseract IMG - -l LANG [args]`` per page, ``workers`` single-threaded at a time."""
    commands = [
        (name, ["tesseract", str(path), "-", "-l", languages, *args])
        for name, path in images.items()
    ]
    start = time.perf_counter()
    with MemorySampler() as mem:
        texts = _parallel(commands, workers=workers, env=SINGLE_THREAD)
    return EngineRun(engine, texts, time.perf_counter() - start, len(images), mem.summary())


def run_floor(
    images: dict[str, Path], *, languages: str = "rus", workers: int = 2, dpi: int = 300
) -> EngineRun:
    """The pipeline's own tesseract command (psm 3, oem 1, txt+tsv+hocr+alto) on its
    preprocessed images, bare: the OCR stage cannot be faster than this."""
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        commands = [
            (
                name,
                [
                    "tesseract",
                    str(path),
                    str(Path(tmp) / name),
                    "-l",
                    languages,
                    "--psm",
                    "3",
                    "--oem",
                    "1",
                    "--dpi",
                    str(dpi),
                    "-c",
                    "tessedit_create_tsv=1",
                    "-c",
                    "tessedit_create_alto=1",
                    "txt",
                    "hocr",
                ],
            )
            for name, path in images.items()
        ]
        start = time.perf_counter()
        with MemorySampler() as mem:
            _parallel(commands, workers=workers, env=SINGLE_THREAD)
        seconds = time.perf_counter() - start
        texts = {
            name: (Path(tmp) / f"{name}.txt").read_text(encoding="utf-8")
            for name in images
            if (Path(tmp) / f"{name}.txt").is_file()
        }
    return EngineRun("tesseract floor", texts, seconds, len(images), mem.summary())


def images_to_pdf(images: Sequence[Path], pdf: Path) -> None:
    """One PDF page per image, embedded as is (img2pdf, OCRmyPDF's own dependency)."""
    import img2pdf

    pdf.write_bytes(img2pdf.convert([str(p) for p in images]))


def run_ocrmypdf(
    images: dict[str, Path],
    *,
    languages: str = "rus",
    jobs: int = 2,
    clean: bool = True,
    work: Path,
) -> EngineRun:
    """OCRmyPDF on one PDF of the pages: ``--deskew --clean --jobs N``, sidecar text per page.
    ``--output-type pdf`` (no Ghostscript here) and ``--optimize 0`` (our pipeline writes no
    PDF either, so neither is charged for shrinking one)."""
    names = list(images)
    source, target, sidecar = work / "input.pdf", work / "output.pdf", work / "sidecar.txt"
    images_to_pdf([images[n] for n in names], source)
    flags = [
        "--deskew",
        *(["--clean"] if clean else []),
        "--jobs",
        str(jobs),
        "--output-type",
        "pdf",
        "--optimize",
        "0",
        "--sidecar",
        str(sidecar),
        "-l",
        languages,
    ]
    cmd = [str(Path(sys.executable).with_name("ocrmypdf")), *flags, str(source), str(target)]
    start = time.perf_counter()
    with MemorySampler() as mem:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"ocrmypdf failed ({proc.returncode}): {proc.stderr[-2000:]}")
    pages = sidecar.read_text(encoding="utf-8").split("\f")
    texts = {name: pages[i] if i < len(pages) else "" for i, name in enumerate(names)}
    shown = " ".join(flags).replace(str(sidecar), "PAGES.txt")
    return EngineRun("OCRmyPDF", texts, seconds, len(names), mem.summary(), {"flags": shown})


class StageClock:
    """Time the main-process stages of a document (score, flag, the whole finish) by wrapping
    ocr.pipeline's functions for the duration of a run."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {"score": [], "flag": [], "finish": []}
        self._saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, module: Any, name: str, stage: str) -> None:
        original = getattr(module, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[stage].append(time.perf_counter() - start)

        self._saved.append((module, name, original))
        setattr(module, name, timed)

    def __enter__(self) -> StageClock:
        import ocr.batch
        import ocr.pipeline

        self._wrap(ocr.pipeline, "score_pages", "score")
        self._wrap(ocr.pipeline, "flag_page", "flag")
        self._wrap(ocr.batch, "finish_document", "finish")
        return self

    def __exit__(self, *exc: object) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)


def _document_texts(out_dir: Path, names: Sequence[str]) -> dict[str, str]:
    texts = {}
    for name in names:
        path = out_dir / name / f"{name}.txt"
        texts[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
    return texts


def page_stage_seconds(out_dir: Path, names: Sequence[str]) -> dict[str, list[float]]:
    """load/preprocess/ocr seconds of every page, from each document's report.json."""
    import json

    stages: dict[str, list[float]] = {}
    for name in names:
        report = out_dir / name / "report.json"
        if not report.is_file():
            continue
        for page in json.loads(report.read_text(encoding="utf-8")).get("pages", []):
            for stage, value in (page.get("seconds") or {}).items():
                stages.setdefault(stage, []).append(float(value))
    return stages


def run_pipeline(
    images: dict[str, Path],
    *,
    gt_dir: Path | None,
    out_dir: Path,
    workers: int = 2,
    **settings: Any,
) -> EngineRun:
    """`ocr run`: ocr.batch.run_batch over the pages in a fresh output folder (no cache)."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    shutil.rmtree(out_dir, ignore_errors=True)
    config = load_settings(None, output_dir=out_dir, workers=workers, **settings)
    start = time.perf_counter()
    with MemorySampler() as mem, StageClock() as clock:
        result = run_batch(list(images.values()), gt_dir=gt_dir, settings=config)
    seconds = time.perf_counter() - start
    stages = page_stage_seconds(out_dir, list(images)) | clock.seconds
    return EngineRun(
        "ocr run",
        _document_texts(out_dir, list(images)),
        seconds,
        len(images),
        mem.summary(),
        {"stages": stages, "failures": len(result.failures)},
    )


def run_prefect_flow(
    images: dict[str, Path], *, gt_dir: Path | None, out_dir: Path, workers: int = 2
) -> EngineRun:
    """The Prefect flow ``ocr_batch`` (flows.batch.run_flow, thread runner) in a fresh folder;
    call inside a Prefect server context (the benchmark starts a temporary one)."""
    from flows.batch import run_flow
    from ocr.settings import load_settings

    shutil.rmtree(out_dir, ignore_errors=True)
    config = load_settings(None, output_dir=out_dir, workers=workers)
    start = time.perf_counter()
    with MemorySampler() as mem:
        summary = run_flow(
            [str(p) for p in images.values()],
            ground_truth=str(gt_dir) if gt_dir else None,
            settings=config,
        )
    seconds = time.perf_counter() - start
    return EngineRun(
        "Prefect flow",
        _document_texts(out_dir, list(images)),
        seconds,
        len(images),
        mem.summary(),
        {"failures": len(summary.get("failures", []))},
    )


Runner = Callable[[dict[str, Path]], EngineRun]
