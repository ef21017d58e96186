"""The words the row-order step (ocr/order.py) is given, captured from `ocr run` on the tuning
side only: the tuning real pages as they are, their changed copies made as bench/real_variants.py
makes them (frame, skew, 180dpi), and two-page spreads made from two tuning pages of prose
pasted side by side (with a gutter, in a dark scanner bed or not): pages we do not have, made
without looking at a held-out page. Each case's kept reading (the words `_in_rows` receives) is
written with its reference to a JSON-lines file for bench/learn_order.py (--cases).

    .venv/bin/python -m bench.order_cases --out /tmp/order_cases.jsonl
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import cv2
import numpy as np

from bench.common import RealPage, real_pages
from bench.real_variants import frame, make_variant

SPREAD_GROUPS = ("12148-btv1b10581912k", "12148-btv1b52502601r", "12148-btv1b53097347b")


def _paper(image: np.ndarray) -> np.ndarray:
    return np.median(image.reshape(-1, image.shape[2]), axis=0).astype(np.uint8)


def spread(left: np.ndarray, right: np.ndarray, *, bed: bool) -> np.ndarray:
    """Two pages side by side, the right one scaled to the left one's height, a darker gutter
    between them; in a dark scanner bed when ``bed``."""
    rows = left.shape[0]
    scale = rows / right.shape[0]
    right = cv2.resize(right, (round(right.shape[1] * scale), rows), interpolation=cv2.INTER_AREA)
    gap = max(8, left.shape[1] // 40)
    gutter = np.empty((rows, gap, 3), np.uint8)
    gutter[:] = (_paper(left).astype(np.float32) * 0.7).astype(np.uint8)
    out = np.concatenate([left, gutter, right], axis=1)
    return frame(out) if bed else out


def spreads(
    pages: Sequence[RealPage],
    folder: Path,
    pairs: Sequence[str] = (),
    beds: Sequence[bool] = (True, False),
) -> list[RealPage]:
    """Consecutive pages of each prose group of the tuning part, two by two, as spreads (with
    and without a bed), or the ``pairs`` named ("LEFT+RIGHT", substrings of the pages' names);
    their reference is the left page's then the right page's."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    chosen = []
    for pair in pairs:
        left_name, right_name = pair.split("+")
        chosen.append(
            (
                next(p for p in pages if left_name in p.name),
                next(p for p in pages if right_name in p.name),
            )
        )
    for group in SPREAD_GROUPS if not pairs else ():
        members = sorted((p for p in pages if p.group == group), key=lambda p: p.name)
        chosen += list(zip(members[::2], members[1::2], strict=False))
    for a, b in chosen:
        left = cv2.imread(str(a.image), cv2.IMREAD_COLOR)
        right = cv2.imread(str(b.image), cv2.IMREAD_COLOR)
        for bed in beds:
            pair = f"{a.name.split('__')[1]}+{b.name.split('__')[1]}"
            name = f"spread{'-bed' if bed else ''}__{pair}"
            path = folder / f"{name}.jpg"
            cv2.imwrite(str(path), spread(left, right, bed=bed), [cv2.IMWRITE_JPEG_QUALITY, 90])
            truth = a.truth.rstrip("\n") + "\n" + b.truth
            out.append(
                replace(a, name=name, image=path, truth=truth, typed_boxes=(), untyped_boxes=())
            )
    return out


def capture(page: RealPage, work: Path) -> tuple[list[dict], bool]:
    """`ocr run` over one page, in this process; the words its order step was given, and whether
    the step re-ordered them."""
    import ocr.readings as readings
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    seen: list[dict] = []
    fired = [False]
    real = readings._in_rows

    def spy(reading, call):  # type: ignore[no-untyped-def]
        seen[:] = [asdict(w) for w in reading.words]
        out, why = real(reading, call)
        fired[0] = bool(why)
        return out, why

    readings._in_rows = spy
    try:
        settings = load_settings(None, output_dir=work, workers=1, languages=page.language)
        run_batch([page.image], gt_dir=None, settings=settings)
    finally:
        readings._in_rows = real
    return seen, fired[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--variants", default="frame,skew,180dpi")
    parser.add_argument("--only", nargs="*", default=[], help="page names (substrings)")
    parser.add_argument("--no-spreads", action="store_true")
    parser.add_argument("--pairs", nargs="*", default=[], help="spreads LEFT+RIGHT (names' parts)")
    parser.add_argument("--bed-only", action="store_true", help="spreads in a bed only")
    parser.add_argument("--no-pages", action="store_true", help="spreads only")
    args = parser.parse_args(argv)
    tuning = [p for p in real_pages() if p.split == "tuning"]
    done = set()
    if args.out.exists():
        done = {json.loads(line)["case"] for line in args.out.read_text("utf-8").splitlines()}
    with tempfile.TemporaryDirectory(prefix="order-cases-") as tmp:
        cases: list[tuple[str, RealPage]] = []
        if not args.no_spreads:
            beds = (True,) if args.bed_only else (True, False)
            made = spreads(tuning, Path(tmp) / "spreads", args.pairs, beds)
            cases += [("spread", p) for p in made]
        chosen = [p for p in tuning if not args.only or any(s in p.name for s in args.only)]
        if args.no_pages:
            chosen = []
        chosen.sort(key=lambda p: "FRAN" not in p.name)  # the tables first
        cases += [("unchanged", p) for p in chosen]
        for variant in args.variants.split(","):
            cases += [(variant, p) for p in make_variant(chosen, variant, Path(tmp) / variant)]
        for n, (kind, page) in enumerate(cases):
            key = f"{kind}:{page.name}"
            if key in done:
                continue
            words, fired = capture(page, Path(tmp) / f"run{n}")
            record = {
                "case": key,
                "kind": kind,
                "name": page.name,
                "language": page.language,
                "truth": page.truth,
                "fired": fired,
                "words": words,
            }
            with args.out.open("a", encoding="utf-8") as out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(f"{n + 1}/{len(cases)} {key}: {len(words)} words, fired {fired}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
