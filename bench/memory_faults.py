"""Page faults and system CPU of `ocr run` in one process (four synthetic pages of the
throughput set), with and without ocr.batch.keep_freed_memory, each in a fresh process.

Run: .venv/bin/python -m bench.memory_faults [--pages 4]"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.bench_throughput import SYNTH, ensure_synth
from bench.common import SINGLE_THREAD, source_env


def child(pages: int, keep: bool) -> dict[str, float]:
    """One run in this process: its page faults, user and system CPU, and pages' CPU."""
    from ocr.batch import keep_freed_memory, run_batch
    from ocr.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="faults-"))
    scans = [p for p in sorted(SYNTH.glob("synth-*")) if p.suffix in (".jpg", ".png")][:pages]
    for scan in scans:
        shutil.copy(scan, work / scan.name)
        shutil.copy(SYNTH / f"{scan.stem}.gt.txt", work / f"{scan.stem}.gt.txt")
    if keep:
        keep_freed_memory()
    settings = load_settings(None, output_dir=work / "out", workers=1, languages="rus")
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = run_batch([work], gt_dir=work, settings=settings)
    after = resource.getrusage(resource.RUSAGE_SELF)
    shutil.rmtree(work, ignore_errors=True)
    cpu = result.summary.cpu_seconds if result.summary else None
    return {
        "page_faults": after.ru_minflt - before.ru_minflt,
        "user": after.ru_utime - before.ru_utime,
        "system": after.ru_stime - before.ru_stime,
        "python": (cpu or {}).get("python", 0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--child", choices=("keep", "default"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.pages, args.child == "keep")))
        return
    ensure_synth()
    for mode in ("default", "keep", "default", "keep"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.memory_faults", "--pages", str(args.pages)]
            + ["--child", mode],
            capture_output=True,
            text=True,
            check=True,
            env={**source_env(), **SINGLE_THREAD},
        )
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(mode, {k: round(v, 2) for k, v in figures.items()}, flush=True)


if __name__ == "__main__":
    main()
