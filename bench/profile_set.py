"""CPU profile of `ocr run` (1 worker, in process) over six pages of the throughput set, with
seconds of CPU per page for each stage; to bench/profiles_throughput/<label>.txt.

Run: .venv/bin/python -m bench.profile_run --set LABEL [--warm]; with ``--warm`` other pages
(WARM_STEMS of the throughput set and a real tuning page, WARM_REAL) are run first, unprofiled,
so that what a process pays once (imports, the word lists' loading, the report template's
compiling) is left out, while the per-word caches hold other pages' words, not these."""

from __future__ import annotations

import cProfile
import io
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_throughput import synth_copy
from bench.common import ROOT, TYPESCRIPT_FR

OUT = ROOT / "bench" / "profiles_throughput"
SYNTH_STEMS = ("synth-003", "synth-005", "synth-008", "synth-011")
REAL = (
    "bljd-DSN390-DSN355-D__bljd_DSN169_00006.jpg",
    "12148-btv1b10583038c__26_0f21a_default.jpg",
)
WARM_STEMS = ("synth-001", "synth-002")
WARM_REAL = "12148-btv1b10581912k__18_9f102_default.jpg"  # typescript-fr, a tuning document
TOP = 45
# (what, function as pstats names it: file:function) whose cumulative CPU makes a stage.
STAGES = (
    ("page in the worker (process_page)", "pipeline.py", "process_page"),
    ("  load and frame", "preprocess.py", "prepare_page"),  # ocr/stages/preprocess.py
    ("  processed page made/read (ensure)", "ocr.py", "ensure"),  # ocr/stages/ocr.py
    ("  readings (Python side)", "readings.py", "read_page"),
    ("  detection (detect_regions)", "stage.py", "detect_regions"),
    ("    binarize for the detectors", "preprocess.py", "binarize"),
    ("    detect_page", "page.py", "detect_page"),
    ("      shape_stamps", "stamps.py", "shape_stamps"),
    ("      colour_stamps", "stamps.py", "colour_stamps"),
    ("      strip_rules", "ink.py", "strip_rules"),
    ("      connected components", "ink.py", "components"),
    ("      ink_pieces", "handwriting.py", "ink_pieces"),
    ("      handwriting", "handwriting.py", "handwriting"),
    ("      unrecognised_ink", "unrecognised.py", "unrecognised_ink"),
    ("    short_line_flags", "text.py", "short_line_flags"),
    ("finishing (finish_document, main process)", "pipeline.py", "finish_document"),
    ("  reports", "report.py", "write_document_reports"),
    ("  page flags (flag_page)", "flag.py", "flag_page"),  # ocr/stages/flag.py
)


def _pages(work: Path) -> list[tuple[Path, str, Path | None]]:
    """(scan folder, languages, reference folder) per batch: the synthetic pages, each real page."""
    synth = synth_copy(work, SYNTH_STEMS)
    batches: list[tuple[Path, str, Path | None]] = [(synth, "rus", synth)]
    for name in REAL:
        folder = work / name.split("__")[0]
        folder.mkdir()
        shutil.copy(TYPESCRIPT_FR / name, folder / name)
        batches.append((folder, "fra", None))
    return batches


def _warm_pages(work: Path) -> list[tuple[Path, str, Path | None]]:
    """Other pages than the profiled ones, to warm a process up with: synthetic and real."""
    synth = synth_copy(work / "warm", WARM_STEMS)
    folder = work / "warm" / "real"
    folder.mkdir()
    shutil.copy(TYPESCRIPT_FR / WARM_REAL, folder / WARM_REAL)
    return [(synth, "rus", synth), (folder, "fra", None)]


def _stage_lines(stats: pstats.Stats, pages: int) -> list[str]:
    table = stats.stats  # type: ignore[attr-defined]
    lines = ["| stage | CPU s/page |", "|---|---|"]
    for what, file, func in STAGES:
        cum = sum(v[3] for k, v in table.items() if k[0].endswith(file) and k[2] == func)
        lines.append(f"| {what} | {cum / pages:.3f} |")
    return lines


def _top(stats: pstats.Stats, key: str) -> str:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(TOP)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:]).rstrip()


def _call_kind() -> str:
    """What a tesseract run is for, from the functions that asked for it."""
    names = []
    frame = sys._getframe(2)
    while frame is not None:
        names.append((frame.f_code.co_filename, frame.f_code.co_name, frame.f_locals))
        frame = frame.f_back
    for file, func, local in names:
        if file.endswith("stamp_text.py"):
            return "stamp texts"
        if file.endswith("linereads.py") and func == "read_lines":
            return "line re-reads"
        if file.endswith("readings.py") and func == "read":
            return f"whole-page reading ({local['source'].name})"
    return "other"


class CallClock:
    """Tesseract's own CPU (the children's rusage) and count per kind of call, while installed
    around ocr.tesseract._call."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def __enter__(self) -> CallClock:
        import ocr.tesseract as tess

        self._tess, self._orig = tess, tess._call

        def timed(*args: object, **kwargs: object) -> None:
            kind = _call_kind()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                self._orig(*args, **kwargs)  # type: ignore[arg-type]
            finally:
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                self.cpu[kind] = self.cpu.get(kind, 0.0) + used
                self.calls[kind] = self.calls.get(kind, 0) + 1

        tess._call = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self._tess._call = self._orig  # type: ignore[assignment]

    def lines(self, pages: int) -> list[str]:
        rows = ["| tesseract call | calls/page | CPU s/page | CPU s/call |", "|---|---|---|---|"]
        for kind in sorted(self.cpu, key=lambda k: -self.cpu[k]):
            n, cpu = self.calls[kind], self.cpu[kind]
            rows.append(f"| {kind} | {n / pages:.2f} | {cpu / pages:.3f} | {cpu / n:.3f} |")
        n, cpu = sum(self.calls.values()), sum(self.cpu.values())
        rows.append(f"| all | {n / pages:.2f} | {cpu / pages:.3f} | {cpu / max(n, 1):.3f} |")
        return rows


def profile_set(label: str, *, warm: bool = False) -> Path:
    from ocr.batch import keep_freed_memory, run_batch
    from ocr.settings import load_settings

    kept = keep_freed_memory()  # as `ocr run`'s page workers do (ocr.batch.iter_processed)
    work = Path(tempfile.mkdtemp(prefix="profile-set-"))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    try:
        batches = _pages(work)
        import ocr.pipeline  # noqa: F401 - imports are paid once per process, not per page

        if warm:  # other pages first, unprofiled, to other output folders
            (work / "warm").mkdir()
            for i, (scans, languages, gt) in enumerate(_warm_pages(work)):
                settings = load_settings(
                    None, output_dir=work / f"warm-{i}", workers=1, languages=languages
                )
                run_batch([scans], gt_dir=gt, settings=settings)
        profile = cProfile.Profile(time.process_time)
        pages = 0
        clock = CallClock().__enter__()
        for i, (scans, languages, gt) in enumerate(batches):
            settings = load_settings(
                None, output_dir=work / f"out-{i}", workers=1, languages=languages
            )
            profile.enable()
            result = run_batch([scans], gt_dir=gt, settings=settings)
            profile.disable()
            pages += result.pages_done
        clock.__exit__()
        profile.dump_stats(str(Path(tempfile.gettempdir()) / f"profile-{label}.prof"))
        stats = pstats.Stats(profile).strip_dirs()
        total = stats.total_tt  # type: ignore[attr-defined]
        text = "\n".join(
            [
                f"# cProfile (CPU time: time.process_time), ocr run --workers 1 in process on "
                f"{pages} pages ({', '.join(SYNTH_STEMS)} of the throughput set; "
                f"{', '.join(n.split('__')[1] for n in REAL)}), commit {commit}, label {label}",
                f"# warmed up on other pages first ({', '.join(WARM_STEMS)}, {WARM_REAL}): {warm}",
                f"# freed memory kept as in the page workers (ocr.batch.keep_freed_memory): {kept}",
                f"# tesseract's own CPU is not in these figures (a child process); "
                f"total Python CPU {total:.1f} s, {total / pages:.2f} s/page",
                "# Reproduce: .venv/bin/python -m bench.profile_run --set LABEL"
                + (" --warm" if warm else ""),
                "",
                "## CPU seconds per page by stage (cumulative)",
                "",
                *_stage_lines(stats, pages),
                "",
                "## tesseract's CPU per page by kind of call (the children's rusage)",
                "",
                *clock.lines(pages),
                "",
                "## by cumulative time",
                "",
                _top(stats, "cumulative"),
                "",
                "## by own time (tottime)",
                "",
                _top(stats, "tottime"),
                "",
            ]
        )
        OUT.mkdir(parents=True, exist_ok=True)
        out = OUT / f"{label}.txt"
        out.write_text(text, encoding="utf-8")
        print(text.split("## by cumulative")[0])
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
