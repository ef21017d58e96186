"""Does this checkout's `ocr run` write the same outputs as a baseline commit's? Every file of
the output folders compared: JSON less its timing fields (and run ids, dates), images by their
pixels (the processed page's PNG may be encoded differently), every other file byte for byte
(the output folder's path and PAGE-XML's dates taken out; METS, the PDF and the database not
compared: they hold dates; index.html neither: its bootstrap interval differs between two runs
of one commit).

Run: .venv/bin/python -m bench.run_same --baseline main [--pages synth-003 synth-005 ...]
(default: six synthetic pages of the throughput set, 3 real tuning pages: typescript-fr, EHRI)."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.bench_throughput import synth_copy
from bench.common import ROOT, export_source, real_pages, source_env

SYNTH_STEMS = ("synth-001", "synth-003", "synth-005", "synth-008", "synth-011", "synth-012")
TIMING = {
    "seconds", "cpu_seconds", "process_seconds", "elapsed", "wall", "cpu", "date", "created",
    "run_id", "started", "finished", "timestamp",
}  # fmt: skip
SKIP_SUFFIXES = (".pdf", ".mets.xml", ".db", ".db-wal", ".db-shm", "index.html", ".log")
IMAGES = (".png", ".jpg", ".jpeg")


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def _text(path: Path, out: Path) -> str:
    """A text output with its output folder's path (which differs between the two runs) and
    PAGE-XML's creation dates taken out."""
    text = path.read_text(encoding="utf-8").replace(str(out), "OUT")
    return re.sub(r"<(pc:)?(Created|LastChange)>[^<]*<", "<", text)


def _same(a: Path, b: Path, outs: Sequence[Path]) -> bool:
    name = a.name
    if name.endswith(".json"):
        return bool(_norm(json.loads(_text(a, outs[0]))) == _norm(json.loads(_text(b, outs[1]))))
    if name.lower().endswith(IMAGES):
        x = cv2.imread(str(a), cv2.IMREAD_UNCHANGED)
        y = cv2.imread(str(b), cv2.IMREAD_UNCHANGED)
        return x is not None and y is not None and x.shape == y.shape and np.array_equal(x, y)
    if a.read_bytes() == b.read_bytes():
        return True
    try:
        return _text(a, outs[0]) == _text(b, outs[1])
    except UnicodeDecodeError:
        return False


def _batches(work: Path, stems: list[str]) -> list[tuple[Path, str, Path | None]]:
    synth = synth_copy(work, stems)
    batches: list[tuple[Path, str, Path | None]] = [(synth, "rus", synth)]
    tuning = [p for p in real_pages() if p.split == "tuning"]
    picks = [p for p in tuning if p.corpus == "typescript-fr"][:2]
    picks += [p for p in tuning if p.corpus == "ehri"][:1]
    for page in picks:
        folder = work / page.name
        folder.mkdir()
        shutil.copy(page.image, folder / page.image.name)
        batches.append((folder, page.language, None))
    return batches


def _run(source: Path, scans: Path, lang: str, gt: Path | None, out: Path) -> None:
    code = "import sys; from ocr.cli import app; sys.argv[0] = 'ocr'; sys.exit(app())"
    args = [sys.executable, "-c", code, "run", str(scans), "-l", lang, "-o", str(out), "-j", "2"]
    if gt is not None:
        args += ["--gt", str(gt)]
    subprocess.run(args, env=source_env(source), check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--pages", nargs="*", default=list(SYNTH_STEMS))
    parser.add_argument("--keep", action="store_true", help="keep the output folders")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="run-same-"))
    try:
        base = export_source(args.baseline, work / "baseline")
        files = differ = 0
        diffs: list[str] = []
        for n, (scans, lang, gt) in enumerate(_batches(work, args.pages)):
            outs = [work / f"out-{n}-base", work / f"out-{n}-mine"]
            _run(base, scans, lang, gt, outs[0])
            _run(ROOT, scans, lang, gt, outs[1])
            names = {p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file()}
            mine = {p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file()}
            for name in sorted(names ^ mine):
                diffs.append(f"only in {'baseline' if name in names else 'this checkout'}: {name}")
                differ += 1
            for name in sorted(names & mine):
                if str(name).endswith(SKIP_SUFFIXES):
                    continue
                files += 1
                if not _same(outs[0] / name, outs[1] / name, outs):
                    differ += 1
                    diffs.append(f"differs: {scans.name}/{name}")
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        print(f"# ocr run, {args.baseline} vs this checkout ({commit}): {files} files compared, "
              f"{differ} differ")  # fmt: skip
        print("\n".join(diffs))
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
