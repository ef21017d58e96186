"""Does the page's damage tell when a best reading is right? The posterior's calibration
(`right`) refitted with each typeface held out, on the calibration pages' suggestions, with and
without a feature, or one model per damage band: how many right and wrong best readings each
level's pages get over a threshold, and the log loss (round 18h; tuning pages only, no sealed
set read).

    .venv/bin/python -m bench.correct_damage --dump /tmp/right_rows.pkl   # the suggestions, once
    .venv/bin/python -m bench.correct_damage --rows /tmp/right_rows.pkl   # the comparison
"""

from __future__ import annotations

import argparse
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.correct_fit import Example, fit_logistic, log_loss, predict, right_examples
from bench.train_correct import RIGHT_FEATURES

# Each variant: the shipped features (bench.train_correct.RIGHT_FEATURES) without ``drop``, with
# ``add`` (from DERIVED when the rows lack it). The page-level features tried in round 18h
# (page_conf, post_x_conf, page_weighed, post_x_weighed, unknown_x_page, post_x_line) were
# computed by ocr/correct/features.py at commit 0531604 only: run this module there for them.
DERIVED: dict[str, Callable[[dict[str, float]], float]] = {
    # two edits or more (tried in round 18h, not kept: bench/results_correct.md)
    "edits_2": lambda f: float(f["edits"] >= 2),
}
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "shipped": ((), ()),
    "with edits_2": ((), ("edits_2",)),
}
THRESHOLDS = (0.8, 0.85, 0.9)
BANDS = (0.5, 0.75)  # quantiles of the rows' page_unknown where a band's model starts


def dump(path: Path, jobs: int) -> None:
    from bench.correct_data import ensure_pages
    from bench.correct_split import CALIBRATE_SETS
    from ocr.correct.calibration import load_calibration

    pages = [p for spec in CALIBRATE_SETS for p in ensure_pages(spec, workers=jobs)]
    rows = right_examples(pages, load_calibration())
    levels = {f"{p.font}/{p.name}": p.level for p in pages}
    path.write_bytes(pickle.dumps((rows, levels)))
    print(f"{len(rows)} suggestions from {len(pages)} pages -> {path}")


def by_typeface(rows: Sequence[Example], names: Sequence[str]) -> list[float]:
    """Each row's P(right) from a model fitted without its typeface's pages."""
    fonts = sorted({r.page.split("/")[0] for r in rows})
    preds = [0.0] * len(rows)
    for font in fonts:
        w = fit_logistic([r for r in rows if not r.page.startswith(f"{font}/")], names)
        for i, r in enumerate(rows):
            if r.page.startswith(f"{font}/"):
                preds[i] = predict(w, r.features)
    return preds


def by_band(rows: Sequence[Example], names: Sequence[str], share: float) -> list[float]:
    """As :func:`by_typeface`, one model per damage band: pages whose share of unknown words is
    under the training rows' ``share`` quantile, and the rest (the cut learned without the
    held-out typeface)."""
    fonts = sorted({r.page.split("/")[0] for r in rows})
    preds = [0.0] * len(rows)
    for font in fonts:
        train = [r for r in rows if not r.page.startswith(f"{font}/")]
        cuts = sorted(r.features["page_unknown"] for r in train)
        cut = cuts[int(len(cuts) * share)]
        models = [
            fit_logistic([r for r in train if (r.features["page_unknown"] >= cut) == band], names)
            for band in (False, True)
        ]
        for i, r in enumerate(rows):
            if r.page.startswith(f"{font}/"):
                preds[i] = predict(models[r.features["page_unknown"] >= cut], r.features)
    return preds


def compare(path: Path) -> list[str]:
    rows, levels = pickle.loads(path.read_bytes())
    rows = [
        Example(r.page, {**{k: d(r.features) for k, d in DERIVED.items()}, **r.features}, r.label)
        for r in rows
    ]
    out = [
        "| features | log loss | "
        + " | ".join(f"{lv} right/wrong over {t}" for t in THRESHOLDS for lv in ("medium", "heavy"))
        + " |",
        "|---|---|" + "---|" * (2 * len(THRESHOLDS)),
    ]
    runs = [
        (
            name,
            lambda d=drop, a=add: by_typeface(
                rows, (*(n for n in RIGHT_FEATURES if n not in d), *a)
            ),
        )
        for name, (drop, add) in VARIANTS.items()
    ]
    runs += [(f"bands at {q}", lambda q=q: by_band(rows, RIGHT_FEATURES, q)) for q in BANDS]
    for name, run in runs:
        preds = run()
        loss = log_loss(preds, [r.label for r in rows])
        cells = []
        for t in THRESHOLDS:
            for lv in ("medium", "heavy"):
                n: Counter = Counter()
                for r, p in zip(rows, preds, strict=True):
                    # the pages as the pipeline reads them (with tesseract's choices)
                    if levels[r.page] == lv and p >= t and not r.features.get("no_choices"):
                        n[r.label] += 1
                cells.append(f"{n[True]}/{n[False]}")
        out.append(f"| {name} | {loss:.4f} | " + " | ".join(cells) + " |")
        print(out[-1], flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--rows", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.dump:
        dump(args.dump, args.jobs)
    if args.rows:
        compare(args.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
