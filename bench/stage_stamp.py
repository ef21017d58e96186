"""Which code wrote a benchmark folder's stage cache, and a cache written by other code refused.

The stage cache (ocr.stages.cache) was keyed by STAGE_VERSION, the settings, the scan and the
models, not by the code: a code change that changes a stage's output without a STAGE_VERSION bump,
or a bench folder copied from a worktree with other code, was served from the cache as if nothing
had changed (its key now holds the package's stamp too, ocr.stages.cache.code_stamp, the same
hash this module writes; this module keeps the benchmark folders' own record of which code wrote
them), and a figure then depends on which run wrote the cache (issue 20: one held-out page
had 94 review items in one full bench_review run and 105 in the next; neither that code reading
the page afresh, in its batch or alone, nor the current code, cached or not, gives 94: such a
cache is the likeliest cause left). A benchmark folder's
output directory therefore carries a stamp of the code that wrote its cache (a hash over the
ocr package's sources and data files); a run with other code, or over a cache of unknown origin,
drops the stage manifests first, so that every page is read again by the code being measured.
Manifests that point at files outside the folder (a folder copied from another worktree: the
scan's absolute path) are dropped as well.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ocr.stages.cache import code_stamp

log = logging.getLogger(__name__)

STAMP = ".code-stamp.json"
MANIFESTS = ("*.prep.json", "*.processed.json", "*.ocr.json")  # the stage caches


def _outside(manifest: Path, folder: Path) -> bool:
    """Does a preprocess manifest name a file outside ``folder`` (its scan, by absolute path)?"""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    original = data.get("original_input") if isinstance(data, dict) else None
    if not original:
        return False
    path = Path(original)
    return path.is_absolute() and not path.resolve().is_relative_to(folder.resolve())


def refuse_stale(out: Path, *, folder: Path, stamp: str | None = None) -> int:
    """Drop the stage manifests under ``out`` unless its stamp says this code wrote them; drop
    preprocess manifests that name files outside ``folder`` in any case. Returns how many were
    dropped. The caller writes the stamp (:func:`write_stamp`) once its run is done."""
    stamp = code_stamp() if stamp is None else stamp
    if not out.is_dir():
        return 0
    try:
        written = json.loads((out / STAMP).read_text(encoding="utf-8")).get("code")
    except (OSError, ValueError, AttributeError):
        written = None
    dropped = 0
    for pattern in MANIFESTS:
        for manifest in out.rglob(pattern):
            stale = written != stamp or (
                manifest.name.endswith(".prep.json") and _outside(manifest, folder)
            )
            if stale:
                manifest.unlink(missing_ok=True)
                dropped += 1
    if dropped:
        why = "written by other code" if written != stamp else "naming files outside it"
        print(f"{out}: {dropped} stage manifest(s) {why} dropped; the pages are read again")
    (out / STAMP).unlink(missing_ok=True)  # until the run is done, no code vouches for it
    return dropped


def write_stamp(out: Path, stamp: str | None = None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    data = {"code": code_stamp() if stamp is None else stamp}
    (out / STAMP).write_text(json.dumps(data) + "\n", encoding="utf-8")
