"""Compare the kept outputs of two `ocr run` engines of one bench_real run, page by page.

Run from the project root, after ``.venv/bin/python -m bench.bench_real --baseline REV --keep DIR``:
  .venv/bin/python -m bench.compare_kept DIR REV

A page is the same when its text, its report's score and flags (crop paths aside) are equal, and
its regions.json and TSV are byte-equal. Prints every page that differs and the count.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BYTE_EQUAL = ("p001.regions.json", "p001.tsv")


def reports(root: Path, engine: str) -> dict[str, Path]:
    """Each page's report.json of an engine (its two halves: <engine>-0, <engine>-1)."""
    found: dict[str, Path] = {}
    for half in (0, 1):
        for path in sorted((root / f"{engine}-{half}").glob("*/*/report.json")):
            found[path.parent.name] = path
    return found


def _flags(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in f.items() if k != "crop"} for f in report.get("flags", [])]


def differences(ours: Path, theirs: Path) -> list[str]:
    """What differs between two pages' outputs (empty when they are the same)."""
    a = json.loads(ours.read_text(encoding="utf-8"))
    b = json.loads(theirs.read_text(encoding="utf-8"))
    out = [key for key in ("score",) if a.get(key) != b.get(key)]
    if _flags(a) != _flags(b):
        out.append("flags")
    names = [f"{ours.parent.name}.txt", *BYTE_EQUAL]
    for name in names:
        pa, pb = ours.parent / name, theirs.parent / name
        if pa.exists() != pb.exists() or (pa.exists() and pa.read_bytes() != pb.read_bytes()):
            out.append(name)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kept", type=Path, help="bench_real's --keep folder")
    parser.add_argument("baseline", help="the --baseline revision")
    args = parser.parse_args(argv)
    ours = reports(args.kept, "ocr-run")
    theirs = reports(args.kept, f"ocr-run-@{args.baseline}")
    if set(ours) != set(theirs):
        print("pages run by one engine only:", sorted(set(ours) ^ set(theirs)))
        return 1
    differ = 0
    for name in sorted(ours):
        found = differences(ours[name], theirs[name])
        if found:
            differ += 1
            print(f"{name}: {', '.join(found)} differ")
    print(f"{differ} of {len(ours)} pages differ (text, score, flags, regions.json, TSV)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
