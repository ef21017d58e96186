"""Pages for post-OCR correction's benchmark and channel training: generated with ocr_synth,
read by the pipeline's own page stages, kept with their texts, choices and word boxes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import BENCH
from bench.correct_split import SynthSet
from ocr_synth.generate import generate_set

WORK = BENCH / "work" / "correct"  # gitignored


@dataclass(frozen=True)
class OcrPage:
    """One page: its name, level and font, the truth, the OCR text, tesseract's character
    records (ocr.tesseract.read_choices) and the word boxes (left, top, width, height)."""

    name: str
    level: str
    font: str
    variant: str
    truth: str
    text: str
    choices: tuple
    boxes: tuple[tuple[int, int, int, int], ...]


def set_folder(spec: SynthSet, work: Path = WORK) -> Path:
    return work / f"{spec.name}-{spec.seed}-{spec.pages}"


def ensure_pages(spec: SynthSet, *, workers: int = 2, work: Path = WORK) -> list[OcrPage]:
    """The set's pages read by the pipeline: generated and read once, then from the cache."""
    folder = set_folder(spec, work)
    cache = folder / "ocr.json"
    if cache.is_file():
        return [_page(r) for r in json.loads(cache.read_text(encoding="utf-8"))]
    images = folder / "images"
    if not (images / "manifest.json").is_file():
        shutil.rmtree(images, ignore_errors=True)
        generate_set(
            images,
            pages=spec.pages,
            seed=spec.seed,
            workers=workers,
            plans=spec.plans(),
            progress=lambda m: print(spec.name, m, flush=True),
        )
    manifest = json.loads((images / "manifest.json").read_text(encoding="utf-8"))
    read = _pipeline_texts(
        [images / i["image"] for i in manifest["items"]], workers=workers, work=folder / "pipeline"
    )
    records = [
        {
            "name": i["name"],
            "level": i["level"],
            "font": i["font"],
            "variant": i["variant"],
            "truth": (images / i["gt"]).read_text(encoding="utf-8"),
            **read[i["image"]],
        }
        for i in manifest["items"]
    ]
    cache.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return [_page(r) for r in records]


def _page(r: dict) -> OcrPage:
    return OcrPage(
        r["name"],
        r["level"],
        r["font"],
        r["variant"],
        r["truth"],
        r["text"],
        tuple(r["choices"]),
        tuple(tuple(b) for b in r["boxes"]),
    )


def _pipeline_texts(images: list[Path], *, workers: int, work: Path) -> dict[str, dict]:
    """Page text, character records and word boxes of each image by the pipeline's page
    stages (correction on, so tesseract records each character's choices; no detectors)."""
    from ocr.batch import iter_processed
    from ocr.pipeline import PageFailure, plan_batch
    from ocr.settings import load_settings
    from ocr.tesseract import read_choices, read_words, words_to_text

    settings = load_settings(
        None,
        output_dir=work,
        workers=workers,
        detectors=[],
        read_stamps=False,
        formats=["txt", "tsv"],
        correction="suggest",
    )
    planned, _, failures = plan_batch(images, settings=settings)
    out: dict[str, dict] = {}
    for page in iter_processed(planned, settings):
        if isinstance(page, PageFailure):
            failures.append(page)
            continue
        path = page.ocr.outputs.get("choices")
        words = read_words(page.ocr.tsv)
        out[page.job.scan.path.name] = {
            "text": words_to_text(words).text,
            "choices": read_choices(path) if path else [],
            "boxes": [[w.box.left, w.box.top, w.box.width, w.box.height] for w in words],
        }
    if failures:
        raise SystemExit(f"OCR failed: {failures}")
    return out


def line_ocr(images: Sequence[Path], *, language: str, psm: int, work: Path = WORK) -> list[str]:
    """Plain tesseract text of each image (one thread each), cached by the image's checksum."""
    cache = work / "lines"
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for image in images:
        digest = hashlib.sha256(image.read_bytes()).hexdigest()[:20]
        path = cache / f"{digest}-{language}-{psm}.txt"
        if not path.is_file():
            env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
            done = subprocess.run(
                ["tesseract", str(image), "stdout", "-l", language, "--psm", str(psm)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            path.write_text(done.stdout, encoding="utf-8")
        out.append(path.read_text(encoding="utf-8"))
    return out
