"""Profile `ocr run` (default settings, one worker, in process) on a clean and a heavy synthetic
page and a real typescript page; keep the top entries by cumulative and by own time.

Run: .venv/bin/python -m bench.profile_run [--out bench/profiles]; writes <page>.txt there.
With ``--set LABEL``: one profile (CPU time) over the six pages of the throughput set named in
THROUGHPUT_SET, with seconds per page of each stage, to bench/profiles_throughput/LABEL.txt.
With ``--detect LABEL``: detection alone on bench.detect_same's 28 recorded pages, to
bench/profiles_throughput/detect-LABEL.txt (a baseline: run from bench/work with its export first
on PYTHONPATH, as bench.detect_same does)."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import ROOT, TYPESCRIPT_FR

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
REAL_PAGE = "12148-btv1b10581912k__18_9f102_default.jpg"
TOP = 25


@dataclass(frozen=True)
class Case:
    """One page to profile: its folder (the scan, and its reference if any) and languages."""

    name: str
    what: str
    scans: Path
    gt: Path | None
    languages: str


def _synthetic(work: Path, *, seed: int) -> list[Case]:
    """Page 1 of `ocr synth --levels clean,heavy` is clean, page 2 heavy (with references)."""
    synth = work / "synth"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "ocr"),
            "synth",
            "--out",
            str(synth),
            "--pages",
            "2",
            "--seed",
            str(seed),
            "--levels",
            "clean,heavy",
        ],
        check=True,
        capture_output=True,
    )
    cases = []
    for scan, name in zip(sorted(synth.glob("synth-*.jpg")), ("clean", "heavy"), strict=True):
        folder = work / name
        folder.mkdir()
        shutil.copy(scan, folder / scan.name)
        shutil.copy(scan.with_name(f"{scan.stem}.gt.txt"), folder / f"{scan.stem}.gt.txt")
        cases.append(Case(name, f"synthetic page, seed {seed}: {scan.name}", folder, folder, "rus"))
    return cases


def _real(work: Path) -> list[Case]:
    if not (TYPESCRIPT_FR / REAL_PAGE).is_file():
        print(f"skipped the real page: {TYPESCRIPT_FR / REAL_PAGE} not found", file=sys.stderr)
        return []
    folder = work / "typescript-fr"
    folder.mkdir()
    shutil.copy(TYPESCRIPT_FR / REAL_PAGE, folder / REAL_PAGE)
    what = f"real typescript page (typescript-fr/{REAL_PAGE}), fra, no reference (ALTO only)"
    return [Case("typescript-fr", what, folder, None, "fra")]


def _top(profile: cProfile.Profile, key: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key)
    stats.print_stats(TOP)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:]).rstrip()


def profile_case(case: Case, work: Path) -> str:
    """Run the batch on one page under cProfile; the summary text."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    settings = load_settings(
        None, output_dir=work / f"out-{case.name}", workers=1, languages=case.languages
    )
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    result = run_batch([case.scans], gt_dir=case.gt, settings=settings)
    profile.disable()
    wall = time.perf_counter() - start
    stages = ", ".join(f"{k} {v:.2f}" for k, v in result.summary["stage_seconds"].items())
    return "\n".join(
        [
            f"# {case.name}: {case.what}",
            f"# `ocr run` defaults (correction {settings.correction}), 1 worker in process, "
            f"{result.pages_done} page(s), {wall:.1f} s wall under the profiler",
            f"# seconds per stage: {stages}",
            "# (tesseract runs as a child process: its time shows as waiting in subprocess calls)",
            "",
            *_tops(profile),
        ]
    )


def _tops(profile: cProfile.Profile) -> list[str]:
    """The profile's top entries by cumulative and by own time, as markdown lines."""
    return [
        f"## top {TOP} by cumulative time",
        "",
        _top(profile, "cumulative"),
        "",
        f"## top {TOP} by own time (tottime)",
        "",
        _top(profile, "tottime"),
        "",
    ]


def profile_detection(label: str) -> Path:
    """cProfile (CPU time) of detect_regions_in_frame (stamp reading off) over bench.detect_same's
    recorded inputs (28 pages, recorded first if missing), of the ``ocr`` package imported."""
    import pickle

    import ocr
    from bench.detect_same import INPUTS, record_inputs
    from ocr.detect.stage import detect_regions_in_frame

    if not any(INPUTS.glob("*.pkl")):
        record_inputs()
    pages = []
    for path in sorted(INPUTS.glob("*.pkl")):
        with path.open("rb") as fh:
            pages.append(pickle.load(fh))  # noqa: S301 - our own records
    profile = cProfile.Profile(time.process_time)
    start = time.process_time()
    profile.enable()
    for view, ocr_img, words, options in pages:
        detect_regions_in_frame(view, ocr_img, words, **{**options, "read_stamps": False})
    profile.disable()
    cpu = time.process_time() - start
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    text = "\n".join(
        [
            f"# cProfile (CPU time: time.process_time) of detect_regions_in_frame (read_stamps "
            f"off) on the {len(pages)} recorded pages of bench/work/detect-inputs, label {label}",
            f"# ocr imported from {Path(ocr.__file__).parent}; this checkout at {commit}",
            f"# detection CPU {cpu:.2f} s, {cpu / max(1, len(pages)):.3f} s/page, profiler on",
            "# Reproduce: .venv/bin/python -m bench.profile_run --detect LABEL",
            "",
            *_tops(profile),
        ]
    )
    text = text.replace("\n\n## top", "\n\n" + _detection_rows(profile, len(pages)) + "## top", 1)
    out = ROOT / "bench" / "profiles_throughput" / f"detect-{label}.txt"
    out.write_text(text, encoding="utf-8")
    return out


DETECT_ROWS = (
    ("stage.py", "detect_regions_in_frame"),
    ("preprocess.py", "binarize"),
    ("page.py", "detect_page"),
    ("handwriting.py", "ink_pieces"),
    ("handwriting.py", "_in_text_lines"),
    ("stamps.py", "shape_stamps"),
    ("stamps.py", "shape_candidates"),
    ("stamps.py", "_frame"),
    ("handwriting.py", "handwriting"),
    ("unrecognised.py", "unrecognised_ink"),
    ("ink.py", "strip_rules"),
    ("ink.py", "blobs"),
    ("ink.py", "max_pool"),
    ("inkcolour.py", "foreign_colour_mask"),
    ("~", "<connectedComponentsWithStats>"),
)


def _detection_rows(profile: cProfile.Profile, pages: int) -> str:
    """A table of the detection functions' cumulative CPU seconds a page (and calls)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    rows = ["## CPU seconds per page of detection's functions (cumulative)", ""]
    rows += ["| function | CPU s/page | calls |", "|---|---|---|"]
    for file, name in DETECT_ROWS:
        found = [
            (v[3], v[1])
            for (path, _, func), v in stats.items()
            if func == name and Path(path).name == file
        ]
        cum, calls = (sum(f[0] for f in found), sum(f[1] for f in found)) if found else (0.0, 0)
        rows.append(f"| {name} | {cum / max(1, pages):.3f} | {calls} |")
    return "\n".join(rows) + "\n\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "profiles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--set", dest="label", help="profile the throughput set under this label")
    parser.add_argument(
        "--warm", action="store_true", help="with --set: run the pages once unprofiled first"
    )
    parser.add_argument("--detect", help="profile detection on the recorded inputs (this label)")
    args = parser.parse_args()
    if args.detect:
        print(profile_detection(args.detect).read_text(encoding="utf-8").split("\n## ")[0])
        return
    if args.label:
        from bench.profile_set import profile_set

        profile_set(args.label, warm=args.warm)
        return
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="profile-run-"))
    try:
        for case in [*_synthetic(work, seed=args.seed), *_real(work)]:
            text = profile_case(case, work)
            (args.out / f"{case.name}.txt").write_text(text, encoding="utf-8")
            print(text.split("\n## ")[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
