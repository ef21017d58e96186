"""Round 18i, continued: hold out more than a typeface on the tuning side and see whether heavy
pages' gain and wrong share move toward the sealed sets'. The posterior's calibration (the
only part fitted on calibration pages) is refitted without the held-out group's pages; each
held-out page is then decided by it, at every threshold of bench_correct.

Groups: ``face`` (as ``bench_correct --calibrate``), ``set`` (a whole calibration set: its
seed and, for calibrate-lowres, its resolution), ``face+set`` (neither the page's face nor
its set), and ``none`` (the shipped model, in sample). ``--dev`` adds a development set with
faces, damage, scans and a resolution no fit or calibration set has (bench.correct_split's
DEV_WIDE): it is never in the shipped model's rows, so it is a whole set held out; ``--dev2``
scores a second one (DEV_WIDE_2) by the shipped posterior and by one refitted with DEV_WIDE's
rows (the remedy by data, as far as the posterior's calibration goes)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bench.bench_correct import THRESHOLDS, Tally, _decided, wrong_share
from bench.correct_data import OcrPage, ensure_pages
from bench.correct_fit import Example, fit_logistic, right_examples
from bench.correct_split import CALIBRATE_SETS, DEV_WIDE, DEV_WIDE_2
from bench.train_correct import RIGHT_FEATURES
from ocr.correct import CorrectionSettings
from ocr.correct.calibration import Calibration, Logistic, load_calibration
from ocr_synth.levels import LEVELS

Key = tuple[str, str]  # (set, face)
HOLDS: dict[str, Callable[[Key, Key], bool]] = {
    "none": lambda row, held: False,
    "refit": lambda row, held: False,  # fitted on every training row (none held out)
    "face": lambda row, held: row[1] == held[1],
    "set": lambda row, held: row[0] == held[0],
    "face+set": lambda row, held: row[0] == held[0] or row[1] == held[1],
}


def condition(page: OcrPage) -> str:
    """The damage condition in the page's file name (ocr_synth names runs by condition)."""
    for c in ("dark_frame", "gutter", "violet_ribbon", "blue_ribbon", "faded_yellow"):
        if c in page.name:
            return c
    return "plain"


def tallies(
    pages: dict[str, list[OcrPage]],
    rows: list[tuple[Key, Example]],
    hold: str,
    settings: CorrectionSettings,
    evaluate: set[str],
) -> dict[float, dict[str, Tally]]:
    """Each page of the ``evaluate`` sets decided by a calibration fitted on the rows its
    group does not hold out (calibration sets' rows only: the dev set never trains here)."""
    shipped = load_calibration()
    total = {t: {level: Tally() for level in LEVELS} for t in THRESHOLDS}
    groups = sorted({(s, p.font) for s in evaluate for p in pages[s]})
    for held in groups:
        train = [e for key, e in rows if not HOLDS[hold](key, held)]
        model = Calibration(shipped.other, Logistic(fit_logistic(train, RIGHT_FEATURES)))
        if hold == "none":
            model = shipped
        group = [p for p in pages[held[0]] if p.font == held[1]]
        for t, got in _decided(group, settings, model).items():
            for level in LEVELS:
                total[t][level].merge(got[level])
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holds", default="none,face,set,face+set")
    parser.add_argument("--dev", action="store_true", help="also score DEV_WIDE (held out)")
    parser.add_argument(
        "--dev2",
        action="store_true",
        help="with --dev: score DEV_WIDE_2 by the shipped model and by one refitted with DEV_WIDE",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--by", action="store_true", help="DEV_WIDE by scan and by damage")
    args = parser.parse_args(argv)
    settings = CorrectionSettings()
    pages = {s.name: ensure_pages(s, workers=args.jobs) for s in CALIBRATE_SETS}
    shipped = load_calibration()
    rows = (
        [
            ((name, e.page.split("/")[0]), e)
            for name, got in pages.items()
            for e in right_examples(got, shipped, settings=settings)
        ]
        if args.holds or args.dev
        else []
    )
    print(
        "| hold out | pages scored | threshold | medium | medium wrong | heavy | heavy wrong "
        "| light | light wrong | clean wrong |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    calibration_sets = set(pages)
    runs = [(h, calibration_sets, rows, "") for h in args.holds.split(",") if h]
    if args.dev:
        pages[DEV_WIDE.name] = ensure_pages(DEV_WIDE, workers=args.jobs)
        dev = [
            ((DEV_WIDE.name, e.page.split("/")[0]), e)
            for e in right_examples(pages[DEV_WIDE.name], shipped, settings=settings)
        ]
        runs += [
            ("none", {DEV_WIDE.name}, rows, ""),
            # the wider tuning side: the dev set's rows join the calibration's, each page
            # decided by a fit without its face (the dev set's faces are no calibration face)
            ("face", {DEV_WIDE.name}, rows + dev, ", dev rows in"),
            ("face", calibration_sets, rows + dev, ", dev rows in"),
        ]
    if args.dev2:
        pages[DEV_WIDE_2.name] = ensure_pages(DEV_WIDE_2, workers=args.jobs)
        runs += [
            ("none", {DEV_WIDE_2.name}, rows, ""),
            ("refit", {DEV_WIDE_2.name}, rows + dev, ", dev-wide rows in"),
        ]
    for hold, evaluate, train, note in runs:
        for t, got in tallies(pages, train, hold, settings, evaluate).items():
            if t not in (0.8, 0.85, 0.9):
                continue
            light, medium, heavy, clean = (got[k] for k in ("light", "medium", "heavy", "clean"))
            print(
                f"| {hold}{note} | {'+'.join(sorted(evaluate))} | {t} | {medium.reduction:+.1%} | "
                f"{wrong_share(medium):.1%} | {heavy.reduction:+.1%} | {wrong_share(heavy):.1%} "
                f"| {light.reduction:+.1%} | {wrong_share(light):.1%} | "
                f"{clean.verdicts['wrong']} |",
                flush=True,
            )
    if args.by:
        print()
        print(
            f"| {DEV_WIDE.name}, shipped posterior, 0.85 | pages | medium | medium wrong | heavy "
            "| heavy wrong | light wrong | clean wrong |"
        )
        print("|---|---|---|---|---|---|---|---|")
        dev_pages = pages.get(DEV_WIDE.name) or ensure_pages(DEV_WIDE, workers=args.jobs)
        for name, key in (("scan", lambda p: p.variant), ("damage", condition)):
            for value in sorted({key(p) for p in dev_pages}):
                group = [p for p in dev_pages if key(p) == value]
                got = _decided(group, settings, shipped)[0.85]
                medium, heavy = got["medium"], got["heavy"]
                print(
                    f"| {name} {value} | {len(group)} | {medium.reduction:+.1%} | "
                    f"{wrong_share(medium):.1%} | {heavy.reduction:+.1%} | "
                    f"{wrong_share(heavy):.1%} | {wrong_share(got['light']):.1%} | "
                    f"{got['clean'].verdicts['wrong']} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
