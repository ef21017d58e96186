"""Does the Prefect flow write the same outputs as `ocr run` on the same pages? `ocr run`'s batch
(ocr.batch.run_batch, process pool), the flow on threads (its pages in page worker processes)
and the flow on a local Dask cluster, each into a fresh folder, every output file compared as
bench.run_same does (JSON less its timing fields, images by their pixels, the rest as text less
the output folder's path; PDF, METS, the database and index.html not compared); and the batch
summaries' documents (CER, WER, items) and items by kind.

Run: .venv/bin/python -m bench.flow_same [--pages synth-001 synth-003 ...] [--workers 2]
(default: the six synthetic pages of bench.run_same, with their references)."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.bench_throughput import synth_copy
from bench.run_same import SKIP_SUFFIXES, SYNTH_STEMS, _same

os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def _documents(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((d["document"], d["cer"], d["wer"], d["flags"]) for d in summary["documents"])


def _skipped(path: Path) -> bool:
    return str(path).endswith(SKIP_SUFFIXES)  # PDF, METS, the database (and its WAL), index


def compare(a: Path, b: Path) -> list[str]:
    """The files that differ between two output folders (or are in one only)."""
    left = {p.relative_to(a) for p in a.rglob("*") if p.is_file() and not _skipped(p)}
    right = {p.relative_to(b) for p in b.rglob("*") if p.is_file() and not _skipped(p)}
    diffs = [f"only in {a.name if n in left else b.name}: {n}" for n in sorted(left ^ right)]
    for name in sorted(left & right):
        if not _same(a / name, b / name, (a, b)):
            diffs.append(f"differs: {name}")
    return diffs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="*", default=list(SYNTH_STEMS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from prefect.testing.utilities import prefect_test_harness

    from flows.batch import run_flow
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    work = Path(tempfile.mkdtemp(prefix="flow-same-"))
    scans = synth_copy(work, args.pages)
    outs = {name: work / name for name in ("ocr-run", "flow-threads", "flow-dask")}

    def cfg(name: str) -> Any:
        return load_settings(None, output_dir=outs[name], workers=args.workers)

    try:
        pool = run_batch([scans], gt_dir=scans, settings=cfg("ocr-run")).summary
        assert pool is not None
        summaries = {"ocr-run": pool.as_json()}
        with prefect_test_harness():
            summaries["flow-threads"] = run_flow(
                [str(scans)], ground_truth=str(scans), settings=cfg("flow-threads")
            )
            summaries["flow-dask"] = run_flow(
                [str(scans)],
                ground_truth=str(scans),
                settings=cfg("flow-dask"),
                task_runner="dask",
            )
        base = outs["ocr-run"]
        n = sum(1 for p in base.rglob("*") if p.is_file() and not _skipped(p))
        for name in ("flow-threads", "flow-dask"):
            diffs = compare(base, outs[name])
            same_docs = _documents(summaries[name]) == _documents(summaries["ocr-run"])
            same_items = summaries[name]["flags"] == summaries["ocr-run"]["flags"]
            failed = summaries[name]["pages_failed"], summaries["ocr-run"]["pages_failed"]
            print(
                f"# ocr run vs {name}: {len(args.pages)} pages, {n} files compared, "
                f"{len(diffs)} differ; documents (CER, WER, items) same: {same_docs}; "
                f"items by kind same: {same_items}; pages failed: {failed[0]} "
                f"(ocr run {failed[1]})"
            )
            print("\n".join(diffs))
    finally:
        if args.keep:
            print(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
