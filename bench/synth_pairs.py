"""(image, true regions) pairs of an `ocr synth` set, as bench/bench_detect.py's evaluate() takes.

    from bench.synth_pairs import synth_pairs
    scores = bench_detect.evaluate(synth_pairs(Path("bench/data"), stamped_only=True))

Images are read as the pipeline reads them (cv2: BGR for colour, one channel for grey and
bilevel); regions are the dicts of <name>.regions.json (type, box [left, top, width, height],
polygon, text, and for marks their ink, kind, shape and whether they overlap the typing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np


def synth_pairs(
    folder: Path, *, stamped_only: bool = False, names: set[str] | None = None
) -> Iterator[tuple[np.ndarray, list[dict[str, Any]]]]:
    """Every page of the set in manifest order (optionally only stamped ones, or ``names``)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for item in manifest["items"]:
        if (stamped_only and not item["stamped"]) or (names and item["name"] not in names):
            continue
        record = json.loads((folder / item["regions"]).read_text(encoding="utf-8"))
        image = cv2.imread(str(folder / item["image"]), cv2.IMREAD_UNCHANGED)
        yield image, record["pages"][0]["regions"]
