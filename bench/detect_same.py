"""Do two commits' detectors find the very same regions? Runs ocr.detect.stage's
detect_regions_in_frame (stamp text reading off) of this checkout and of a baseline commit on the
same recorded inputs and compares every region field for field; prints CPU seconds of each.

Run: .venv/bin/python -m bench.detect_same --baseline ddf7271

The inputs (the colour view, the OCR image and words each page's detection got in `ocr run`) are
recorded once to bench/work/detect-inputs by running the batch in process over the throughput
set's 16 synthetic pages, 8 French typescripts (every 6th) and 4 EHRI reports."""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.bench_throughput import SYNTH, ensure_synth
from bench.common import EHRI, ROOT, TYPESCRIPT_FR, export_source, source_env

WORK = ROOT / "bench" / "work"
INPUTS = WORK / "detect-inputs"


def record_inputs() -> None:
    """Run the batch in process on the pages, keeping each detection's inputs."""
    import ocr.detect.stage as stage
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    plain = stage.detect_regions_in_frame
    count = [0]
    current = [""]

    def keep(view: Any, ocr_img: Any, words: Any, **options: Any) -> Any:
        count[0] += 1
        with (INPUTS / f"{current[0]}-{count[0]:03d}.pkl").open("wb") as fh:
            pickle.dump((view, ocr_img, list(words), options), fh)
        return plain(view, ocr_img, words, **options)

    stage.detect_regions_in_frame = keep  # type: ignore[assignment]
    ensure_synth()
    pages = WORK / "detect-pages"
    shutil.rmtree(pages, ignore_errors=True)
    batches = [("synth", SYNTH, "rus")]
    chosen = {
        "fra": sorted(TYPESCRIPT_FR.glob("*.jpg"))[::6][:8],
        "eng": sorted(EHRI.glob("*.jpg"))[:4],
    }
    for language, files in chosen.items():
        folder = pages / language
        folder.mkdir(parents=True)
        for f in files:
            shutil.copy(f, folder / f.name)
        batches.append((language, folder, language))
    INPUTS.mkdir(parents=True, exist_ok=True)
    for name, folder, language in batches:
        current[0] = name
        settings = load_settings(
            None, output_dir=pages / f"out-{name}", workers=1, languages=language
        )
        run_batch([folder], gt_dir=None, settings=settings)
    stage.detect_regions_in_frame = plain  # type: ignore[assignment]


def dump(out: Path) -> None:
    """Regions of every recorded input, with detection's CPU seconds (this process's ocr)."""
    from ocr.detect.stage import detect_regions_in_frame

    found: dict[str, Any] = {}
    cpu: dict[str, float] = {}
    for path in sorted(INPUTS.glob("*.pkl")):
        with path.open("rb") as fh:
            view, ocr_img, words, options = pickle.load(fh)  # noqa: S301 - our own records
        start = time.process_time()
        regions = detect_regions_in_frame(view, ocr_img, words, **{**options, "read_stamps": False})
        cpu[path.stem] = time.process_time() - start
        found[path.stem] = [
            json.loads(json.dumps({**asdict(r), "score": r.score}, default=str)) for r in regions
        ]
    out.write_text(json.dumps({"regions": found, "cpu": cpu}), encoding="utf-8")


def _run(source: Path, out: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "-m", "bench.detect_same", "--dump", str(out)],
        env=source_env(source),
        cwd=WORK,
        check=True,
    )
    return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--dump", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.dump:
        dump(args.dump)
        return 0
    if not any(INPUTS.glob("*.pkl")):
        record_inputs()
    base = _run(export_source(args.baseline, WORK / f"src-{args.baseline}"), WORK / "base.json")
    ours = _run(ROOT, WORK / "ours.json")
    pages = sorted(base["regions"])
    same = [p for p in pages if base["regions"][p] == ours["regions"].get(p)]
    for page in pages:
        mark = "same" if page in same else "DIFFERENT"
        print(f"{page}: {len(base['regions'][page])} regions, {mark}")
    b, o = sum(base["cpu"].values()), sum(ours["cpu"].values())
    print(
        f"{len(same)} of {len(pages)} pages with the same regions; detection CPU s/page: "
        f"{args.baseline} {b / len(pages):.3f}, this checkout {o / len(pages):.3f}"
    )
    return 0 if len(same) == len(pages) else 1


if __name__ == "__main__":
    raise SystemExit(main())
