"""Review items per clean page on sets made fresh for the check (issue 20): seeds that neither the
review benchmark's tuning set nor its held-out set uses, clean level only, read without reference.

Run: .venv/bin/python -m bench.review_fresh [--seeds 2303,2404] [--pages 12]
Prints items per clean typed and clean stamped page, their kinds, and the pages over the target.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence

from bench.bench_review import WORK, Item, load_items, run
from bench.review_set import write_set

TARGET = 2  # items at most per clean typed page without a reference


def fresh_set(seed: int, pages: int) -> tuple[list[Item], list[dict]]:
    """The clean pages of one fresh seed (made once, then served from the stage cache)."""
    folder = WORK / f"review-fresh-{seed}-{pages}"
    if not (folder / "manifest.json").is_file():
        write_set(folder, seed=seed, pages=pages, levels=("clean",), copies_every=pages + 1)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    run(folder / "scans", folder / "out", gt=None, db=folder / "noref.db")
    items, _ = load_items(folder / "noref.db")
    return items, manifest["items"]


def report(seed: int, items: Sequence[Item], pages: Sequence[dict]) -> list[str]:
    lines = []
    for stamped in (False, True):
        names = [p["name"] for p in pages if p["stamped"] is stamped]
        counts = [sum(1 for i in items if i.document == n) for n in names]
        kinds = Counter(i.kind for i in items if i.document in names)
        label = "stamped" if stamped else "typed"
        lines.append(f"seed {seed}, clean {label}: items per page {counts}; {dict(kinds)}")
        if not stamped:
            over = [n for n, c in zip(names, counts, strict=True) if c > TARGET]
            lines.append(f"  over {TARGET}: {over or 'none'}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="2303,2404", help="comma-separated fresh seeds")
    parser.add_argument("--pages", type=int, default=12, help="clean pages per seed")
    args = parser.parse_args(argv)
    for seed in (int(s) for s in args.seeds.split(",")):
        items, pages = fresh_set(seed, args.pages)
        print("\n".join(report(seed, items, pages)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
