"""What the benchmarks share: data paths, stock tesseract, the pipeline in-process and in a child
process, the real pages of the sealed split, and markdown tables; public pipeline API only."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SHARED = ROOT.parent / "shared"
REALDATA = Path(os.environ.get("OCR_REALDATA", SHARED / "realdata"))
TYPESCRIPT_FR = REALDATA / "typescript-fr"
EHRI = REALDATA / "ehri-typewritten-diplomatic" / "english"
KOMI = REALDATA / "komi-vyl-tujod-1939" / "1939_09"
SPLIT = BENCH / "real_split.json"
SINGLE_THREAD = {"OMP_THREAD_LIMIT": "1"}
MIN_TYPED_CHARS = 50  # pages with less typed text (a handwritten letter) are not scored


# --- the real pages of the sealed split ----------------------------------------------------------


@dataclass(frozen=True)
class RealPage:
    """One real page with its typed-text reference and the boxes of its transcribed lines."""

    name: str
    corpus: str  # "typescript-fr" or "ehri"
    group: str  # sub-corpus (typescript-fr) or report (EHRI): the unit of the split
    split: str  # "tuning" or "held_out"
    image: Path
    language: str
    truth: str
    typed_boxes: tuple[tuple[int, int, int, int], ...]  # (left, top, width, height) per typed line
    untyped_boxes: tuple[tuple[int, int, int, int], ...]  # handwritten lines


def _split_of(group: str, split: Mapping[str, Sequence[str]]) -> str:
    for part in ("tuning", "held_out"):
        if group in split[part]:
            return part
    raise SystemExit(f"{group} is in neither part of {SPLIT}; add it before benchmarking")


def real_pages() -> list[RealPage]:
    """Every scored page of the French typescripts and the EHRI reports, with its part of the
    sealed split (bench/real_split.json)."""
    from ocr_synth.alto import read_alto_lines, typed_text

    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    pages = []
    for corpus, folder in (("typescript-fr", TYPESCRIPT_FR), ("ehri", EHRI)):
        part = split[corpus]
        for image in sorted(folder.glob("*.jpg")):
            group = image.stem.split("__")[0] if corpus == "typescript-fr" else image.stem
            xml = image.with_suffix(".xml")
            truth = typed_text(xml)
            if len(truth.replace("\n", "")) < MIN_TYPED_CHARS:
                continue
            lines = read_alto_lines(xml)
            pages.append(
                RealPage(
                    image.stem,
                    corpus,
                    group,
                    _split_of(group, part),
                    image,
                    part["language"],
                    truth,
                    tuple(tuple(ln.box.as_list()) for ln in lines if not ln.handwritten),
                    tuple(tuple(ln.box.as_list()) for ln in lines if ln.handwritten),
                )
            )
    return pages


# --- engines -------------------------------------------------------------------------------------


def stock_tesseract(
    image: Path, out_base: Path, *, language: str, formats: Sequence[str] = ("txt",)
) -> float:
    """``tesseract IMAGE OUT_BASE -l LANGUAGE FORMATS...`` single-threaded; its seconds."""
    start = time.perf_counter()
    subprocess.run(
        ["tesseract", str(image), str(out_base), "-l", language, *formats],
        capture_output=True,
        env={**os.environ, **SINGLE_THREAD},
        check=False,
    )
    return time.perf_counter() - start


def run_pipeline(
    scans: Sequence[Path], out: Path, *, gt: Path | None = None, **overrides: Any
) -> Any:
    """`ocr run` in this process: ocr.batch.run_batch with the default settings and
    ``overrides`` (output_dir is ``out``); returns the batch result."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    settings = load_settings(None, output_dir=out, **overrides)
    return run_batch(list(scans), gt_dir=gt, settings=settings)


def export_source(rev: str, folder: Path) -> Path:
    """The ``ocr`` package of commit ``rev``, exported to ``folder`` (for :func:`source_env`)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "ocr"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def source_env(source: Path = ROOT) -> dict[str, str]:
    """The environment of a single-threaded child process that imports ``ocr`` from ``source``
    (a baseline commit exported by :func:`export_source`) and ``bench`` from this checkout."""
    path = [str(source), str(ROOT), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, **SINGLE_THREAD, "PYTHONPATH": os.pathsep.join(filter(None, path))}


def bench_command(module: str, *args: str) -> list[str]:
    """The command line running ``bench.<module>`` with this interpreter (from any folder)."""
    return [sys.executable, "-m", f"bench.{module}", *args]


# --- tables --------------------------------------------------------------------------------------


def pct(value: float | None) -> str:
    """A rate as a percentage with two decimals; "-" when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return "inf" if math.isinf(value) else f"{value:.2%}"


def md_table(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, align: str = ""
) -> list[str]:
    """A markdown table: ``align`` is one character per column ("l" or "r"; default: left)."""
    marks = [("---:" if a == "r" else "---") for a in align.ljust(len(header), "l")]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
