"""Benchmark post-OCR correction on the split of bench/correct_split.py: CER before/after
`apply`, corrections judged against the truth, no-change checks on real pages, speed."""

from __future__ import annotations

import argparse
import datetime
import itertools
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from bench.common import EHRI, ROOT
from bench.correct_data import OcrPage, ensure_pages, line_ocr
from bench.correct_split import (
    CALIBRATE,
    FIT_SETS,
    KOMI_SEALED,
    KOMI_TUNING,
    NAMES_CHECK,
    RIGHT_SETS,
    SEALED,
    SEALED_C,
    SEALED_D,
    SEALED_E,
    SEALED_F,
    SEALED_G,
    SEALED_H,
    SEALED_I,
    SEALED_NEXT,
    SynthSet,
)
from ocr.correct import Correction, CorrectionSettings, apply
from ocr.correct.calibration import Calibration, Logistic, load_calibration
from ocr.correct.evidence import Layout, text_choices, text_layout
from ocr.score import character_error_rate, normalise, split_grapheme_clusters
from ocr_synth.levels import LEVELS

RESULTS = ROOT / "bench" / "results_correct.md"
BEGIN, END = "<!-- bench_correct: begin -->", "<!-- bench_correct: end -->"


def char_errors(reference: str, text: str) -> tuple[int, int]:
    """Character errors and reference length (grapheme clusters) on normalised text."""
    ref, hyp = normalise(reference), normalise(text)
    total = len(split_grapheme_clusters(ref))
    return round(character_error_rate(ref, hyp) * total), total


def judged_changes(truth: str, result: Correction) -> list[tuple[str, str, str, str]]:
    """(verdict, original, replacement, truth words) per change: *right* when the edited words
    are the truth's (punctuation aside), *wrong* when they are no closer to the aligned truth
    words than the OCR's were (Levenshtein), else *partial*."""
    to_truth = _char_map(result.original, truth)
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", result.original)]
    truth_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", truth)]
    judged = []
    for change in result.changes:
        hit = [(s, e) for s, e in words if s <= change.end and change.start <= e] or [
            (change.start, change.end)
        ]
        s0, e0 = hit[0][0], hit[-1][1]
        before = result.original[s0:e0]
        fixed = (
            result.original[s0 : change.start]
            + change.replacement
            + result.original[change.end : e0]
        )
        t0, t1 = to_truth[s0], to_truth[e0]
        expected = " ".join(truth[s:e] for s, e in truth_words if s < t1 and t0 < e)
        if _core_text(fixed) == _core_text(expected):
            verdict = "right"
        elif Levenshtein.distance(" ".join(fixed.split()), expected) < Levenshtein.distance(
            " ".join(before.split()), expected
        ):
            verdict = "partial"
        else:
            verdict = "wrong"
        judged.append((verdict, change.original, change.replacement, expected))
    return judged


def _char_map(ocr: str, truth: str) -> list[int]:
    out = [0] * (len(ocr) + 1)
    for op in Levenshtein.opcodes(ocr, truth):
        n = op.src_end - op.src_start
        for k in range(n):
            out[op.src_start + k] = op.dest_start + (k * (op.dest_end - op.dest_start)) // max(n, 1)
        out[op.src_end] = op.dest_end
    return out


def _core_text(text: str) -> str:
    words = ("".join(c for c in w if c.isalnum() or c == "-") for w in text.split())
    return " ".join(w for w in words if w)


@dataclass
class Tally:
    """Totals of one row."""

    pages: int = 0
    before: int = 0
    after: int = 0
    chars: int = 0
    changes: int = 0
    verdicts: Counter = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def add(self, truth: str, result: Correction, seconds: float, label: str) -> None:
        b, total = char_errors(truth, result.original)
        a, _ = char_errors(truth, result.text)
        judged = judged_changes(truth, result)
        self.pages += 1
        self.before += b
        self.after += a
        self.chars += total
        self.changes += len(result.changes)
        self.verdicts.update(v for v, *_ in judged)
        self.seconds.append(seconds)
        for c, (v, _, _, t) in zip(result.changes, judged, strict=True):
            mark = "" if v == "right" else f"  {v.upper()}, truth {t!r}"
            self.log.append(f"{label}: {c.original!r} -> {c.replacement!r} ({c.score:.3f}){mark}")

    def merge(self, other: Tally) -> None:
        """Add another tally's totals to this one."""
        self.pages += other.pages
        self.before += other.before
        self.after += other.after
        self.chars += other.chars
        self.changes += other.changes
        self.verdicts.update(other.verdicts)
        self.seconds += other.seconds
        self.log += other.log

    @property
    def reduction(self) -> float:
        return 1 - self.after / self.before if self.before else 0.0

    def row(self, name: str) -> str:
        wrong = self.verdicts["wrong"]
        share = f"{wrong / self.changes:.1%}" if self.changes else "-"
        return (
            f"| {name} | {self.pages} | {self.chars} | {self.before / max(self.chars, 1):.4f}"
            f" | {self.after / max(self.chars, 1):.4f} | {self.reduction:+.1%} | "
            f"{self.changes} | {self.verdicts['right']} | {self.verdicts['partial']} | "
            f"{wrong} ({share}) | {sum(self.seconds):.1f} |"
        )


HEADER = (
    "| set | pages | ref chars | CER before | CER after | error reduction | corrections "
    "| right | partial | wrong | correction s |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def evidence(page: OcrPage) -> tuple[dict, Layout]:
    words = list(re.finditer(r"\S+", page.text))
    spans = [(m.start(), m.end()) for m in words]
    return (
        text_choices(spans, [m.group() for m in words], page.choices),
        text_layout(page.text, spans, page.boxes),
    )


def run_pages(
    pages: list[OcrPage], settings: CorrectionSettings, *, text_only: bool = False
) -> dict[str, Tally]:
    """One tally per level: each page corrected as the pipeline corrects it."""
    tallies = {level: Tally() for level in LEVELS}
    for page in pages:
        choices, layout = (None, None) if text_only else evidence(page)
        started = time.perf_counter()
        result = apply(page.text, settings=settings, choices=choices, layout=layout)
        tallies[page.level].add(page.truth, result, time.perf_counter() - started, page.name)
    return tallies


def by_scan(pages: list[OcrPage], settings: CorrectionSettings) -> list[tuple[str, Tally]]:
    """Medium and heavy pages again, bilevel scans (the damage tuning never saw) apart."""
    rows = []
    for level in ("medium", "heavy"):
        for bilevel in (True, False):
            chosen = [p for p in pages if p.level == level and (p.variant == "bilevel") == bilevel]
            if chosen:
                label = "bilevel scans" if bilevel else "colour and grey scans"
                rows.append((f"{level}, {label}", run_pages(chosen, settings)[level]))
    return rows


def komi_tally(folder: Path, settings: CorrectionSettings) -> Tally:
    """Real Komi print lines, each and as pages of one scan's lines: no change may be made."""
    images = sorted(folder.glob("*.tif"))
    texts = line_ocr(images, language="rus", psm=7)
    truths = [
        p.with_name(p.name.removesuffix(".tif") + ".gt.txt").read_text(encoding="utf-8")
        for p in images
    ]
    tally = Tally()
    groups: dict[str, list[int]] = {}
    for i, p in enumerate(images):
        groups.setdefault(p.name.split("-")[1] if "-" in p.name else p.name, []).append(i)
    for idx in groups.values():
        truth = "\n".join(truths[i].strip() for i in idx)
        text = "\n".join(texts[i].strip() for i in idx)
        started = time.perf_counter()
        tally.add(truth, apply(text, settings=settings), time.perf_counter() - started, "komi")
    return tally


def ehri_tally(settings: CorrectionSettings) -> Tally:
    """The EHRI English typescript pages read with `eng`: no change may be made."""
    from lxml import etree

    tally = Tally()
    for image in sorted(EHRI.glob("*.jpg")):
        alto = image.with_suffix(".xml")
        if not alto.is_file():
            continue
        text = line_ocr([image], language="eng", psm=3)[0]
        tree = etree.parse(str(alto))
        truth = "\n".join(
            " ".join(s.get("CONTENT", "") for s in line.iter("{*}String"))
            for line in tree.iter("{*}TextLine")
        )
        started = time.perf_counter()
        tally.add(truth, apply(text, settings=settings), time.perf_counter() - started, "ehri")
    return tally


def wrong_share(tally: Tally) -> float:
    return tally.verdicts["wrong"] / tally.changes if tally.changes else 0.0


def score(tallies: dict[str, Tally]) -> tuple[float, float, int]:
    """(medium+heavy error reduction, the larger of the two levels' wrong shares, harmful
    changes on clean pages): the target bounds each level's wrong share, not their pool's."""
    mh = Tally()
    for level in ("medium", "heavy"):
        mh.before += tallies[level].before
        mh.after += tallies[level].after
    wrong = max(wrong_share(tallies["medium"]), wrong_share(tallies["heavy"]))
    return mh.reduction, wrong, tallies["clean"].verdicts["wrong"]


GRID: dict[str, tuple] = {"known_bonus": (4.0,)}
THRESHOLDS = (0.7, 0.8, 0.85, 0.88, 0.9, 0.92, 0.95)
MAX_WRONG = 0.025  # chosen below the target's 3%: pages never seen will be read worse


def _decided(
    pages: list[OcrPage], settings: CorrectionSettings, calibration: Calibration | None = None
) -> dict[float, dict[str, Tally]]:
    """Tallies per threshold from one pass of suggestions per page."""
    from ocr.correct.engine import all_suggestions, choose, make_page, rewrite

    out = {t: {level: Tally() for level in LEVELS} for t in THRESHOLDS}
    for page in pages:
        choices, layout = evidence(page)
        found, skipped = all_suggestions(
            make_page(
                page.text,
                settings=settings,
                choices=choices,
                layout=layout,
                calibration=calibration,
            )
        )
        for t in THRESHOLDS:
            text, changes = rewrite(page.text, choose(found, t))
            result = Correction(page.text, text, tuple(changes), t, tuple(sorted(skipped)))
            out[t][page.level].add(page.truth, result, 0.0, page.name)
    return out


def out_of_fold_tallies(
    pages: list[OcrPage], settings: CorrectionSettings
) -> dict[float, dict[str, Tally]]:
    """Tallies per threshold where each page is decided by a posterior calibration fitted
    without the pages of its typeface (the unknown truth's model as shipped)."""
    from bench.correct_fit import fit_logistic, right_examples
    from bench.train_correct import RIGHT_FEATURES

    shipped = load_calibration()
    rows = right_examples(pages, shipped, settings=settings)
    # by typeface: each page is decided by a calibration that never saw its face, as a
    # sealed set's pages are (examples are named "face/page")
    fonts = sorted({p.font for p in pages})
    total = {t: {level: Tally() for level in LEVELS} for t in THRESHOLDS}
    for font in fonts:
        right = fit_logistic([r for r in rows if not r.page.startswith(f"{font}/")], RIGHT_FEATURES)
        model = Calibration(shipped.other, Logistic(right))
        held = [p for p in pages if p.font == font]
        for t, tallies in _decided(held, settings, model).items():
            for level in LEVELS:
                total[t][level].merge(tallies[level])
    return total


def calibrate(pages: list[OcrPage], base: CorrectionSettings) -> list[str]:
    """Every setting of the grid on the calibration pages, each decided out of fold; the best
    keeps wrong corrections under MAX_WRONG of changes (medium and heavy pages each, and light
    ones), no harm on clean pages, light pages not worse."""
    rows = [
        f"| {' | '.join(GRID)} | threshold | medium+heavy | medium | medium wrong | heavy | "
        "heavy wrong | clean harmful | light | light wrong |",
        "|---|" + "---|" * (len(GRID) + 9),
    ]
    best = None
    for values in itertools.product(*GRID.values()):
        settings = replace(base, **dict(zip(GRID, values, strict=True)))
        for t, tallies in out_of_fold_tallies(pages, settings).items():
            red, wrong, harm = score(tallies)
            light, medium, heavy = (tallies[k] for k in ("light", "medium", "heavy"))
            rows.append(
                f"| {' | '.join(str(v) for v in values)} | {t} | {red:+.1%} | "
                f"{medium.reduction:+.1%} | {wrong_share(medium):.1%} | "
                f"{heavy.reduction:+.1%} | {wrong_share(heavy):.1%} | {harm} | "
                f"{light.reduction:+.1%} | {wrong_share(light):.1%} |"
            )
            print(rows[-1], flush=True)
            if (
                wrong <= MAX_WRONG
                and wrong_share(light) <= MAX_WRONG
                and harm == 0
                and light.reduction >= 0
                and (best is None or red > best[0])
            ):
                best = (red, (*values, t))
    rows.append(f"\nBest: {best}")
    return rows


WARM = 8  # pages corrected before timing (--speed): what a long-running worker has loaded


def speed(pages: list[OcrPage], settings: CorrectionSettings) -> list[str]:
    """Correction time of each heavy page in this warm process, one core: wall clock and the
    process's own CPU time (the machine is shared, so the wall clock also holds waiting)."""
    wall, cpu = [], []
    for page in pages:
        if page.level != "heavy":
            continue
        choices, layout = evidence(page)
        started, used = time.perf_counter(), time.process_time()
        apply(page.text, settings=settings, choices=choices, layout=layout)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return [
        f"Heavy pages: {len(wall)}, wall clock median {statistics.median(wall):.3f} s, max "
        f"{max(wall):.3f} s; CPU time median {statistics.median(cpu):.3f} s, max "
        f"{max(cpu):.3f} s per page (warm process, one core, with choices and boxes).",
        f"A new process loads the lexicon, index, tables and pymorphy3 once: {_cold()}.",
        "",
    ]


COLD = """
import time
t0 = time.perf_counter()
from ocr.correct import apply, default_lexicon, load_channel
default_lexicon(); load_channel()
t1 = time.perf_counter()
apply("Выполнение плаьа по снабжению задержано министерсгвом.")
print(f"{t1 - t0:.2f} s to load, {time.perf_counter() - t1:.2f} s for the first sentence")
"""


def _cold() -> str:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", COLD], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return done.stdout.strip()


def table(name: str, tallies: dict[str, Tally], extra: list[tuple[str, Tally]]) -> list[str]:
    rows = [f"### {name}", "", HEADER]
    rows += [tallies[level].row(level) for level in LEVELS]
    rows += [t.row(label) for label, t in extra]
    return rows + [""]


def write_results(lines: list[str], path: Path) -> None:
    """Put ``lines`` between the markers of ``path``, keeping the notes around them."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN not in old:
        old += f"\n{BEGIN}\n{END}\n"
    head, _, rest = old.partition(BEGIN)
    tail = rest.partition(END)[2]
    path.write_text(head + "\n".join([BEGIN, *lines, END]) + tail, encoding="utf-8")


SEALED_SETS = {
    "a": SEALED,
    "b": SEALED_NEXT,
    "c": SEALED_C,
    "d": SEALED_D,
    "e": SEALED_E,
    "f": SEALED_F,
    "g": SEALED_G,
    "h": SEALED_H,
    "i": SEALED_I,
}


def tuning_tables(
    settings: CorrectionSettings, jobs: int, *, fit: bool = True
) -> tuple[list[str], list[str]]:
    """A table per tuning set (calibration sets first, with the Komi 0100 lines; the fit sets
    when ``fit``), and how the scores of every suggestion on the calibration pages hold."""
    from bench.correct_fit import reliability, scored

    lines: list[str] = []
    log: list[str] = []
    for spec in (*RIGHT_SETS, NAMES_CHECK, *(FIT_SETS if fit else ())):
        pages = ensure_pages(spec, workers=jobs)
        tallies = run_pages(pages, settings)
        extra = (
            [("Komi lines 0100 (real), as pages", komi_tally(KOMI_TUNING, settings))]
            if spec is CALIBRATE
            else []
        )
        role = (
            "calibration"
            if spec in RIGHT_SETS
            else "held-out check"
            if spec is NAMES_CHECK
            else "fit"
        )
        lines += table(
            f"Tuning side, {role} pages: {spec.name} (seed {spec.seed}, {spec.dpi} dpi)",
            tallies,
            extra,
        )
        if spec in (*RIGHT_SETS, NAMES_CHECK):
            log += [x for t in tallies.values() for x in t.log]
    pages = [p for spec in RIGHT_SETS for p in ensure_pages(spec, workers=jobs)]
    lines += [
        "Every suggestion's score on the calibration pages (in sample for the calibration):",
        "",
        *reliability(*scored(pages, settings)),
        "",
    ]
    return lines, log


def sealed_tables(
    spec: SynthSet, settings: CorrectionSettings, jobs: int, real: bool
) -> tuple[list[str], list[str]]:
    """The sealed set's tables (by level, text alone, by scan type; the real pages when
    ``real``), how its suggestions' scores hold, its heavy pages' speed."""
    from bench.correct_fit import reliability, scored

    pages = ensure_pages(spec, workers=jobs)
    report = run_pages(pages, settings)
    text_only = run_pages(pages, settings, text_only=True)
    extra = [(f"{level}, text alone (no choices, no boxes)", text_only[level]) for level in LEVELS]
    extra += by_scan(pages, settings)
    if real:
        extra += [
            ("Komi lines 0200 (real), as pages", komi_tally(KOMI_SEALED, settings)),
            ("EHRI English pages (real, eng)", ehri_tally(settings)),
        ]
    when = datetime.datetime.now().isoformat(timespec="minutes")
    lines = table(f"Sealed set {spec.name} (seed {spec.seed}), looked at {when}", report, extra)
    lines += [
        "Every suggestion's score on these pages (never used in tuning):",
        "",
        *reliability(*scored(pages, settings)),
        "",
    ]
    lines += speed(pages, settings)
    return lines, [x for t in report.values() for x in t.log]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="search the grid of settings on the calibration pages only",
    )
    parser.add_argument(
        "--tuning-only",
        action="store_true",
        help="report the tuning side only (no sealed set is read)",
    )
    parser.add_argument(
        "--sealed",
        default="d",
        help="sealed sets to read, comma-separated (a to i); each read is a look",
    )
    parser.add_argument(
        "--no-fit-sets",
        action="store_true",
        help="leave the fit sets out of the tuning tables (the calibration sets only)",
    )
    parser.add_argument(
        "--speed",
        action="store_true",
        help="time correction of the 'calibrate' set's heavy pages (warm process) only",
    )
    parser.add_argument("--out", type=Path, default=None, help="write the tables here")
    parser.add_argument("--log", type=Path, default=None, help="write every change here")
    args = parser.parse_args(argv)
    settings = CorrectionSettings()
    if args.speed:
        pages = ensure_pages(CALIBRATE, workers=args.jobs)
        for page in pages[:WARM]:  # lexicon, pymorphy3 and tables load on first use
            apply(page.text, settings=settings, choices=evidence(page)[0])
        print("\n".join(speed(pages, settings)))
        return 0
    if args.calibrate:
        pages = [p for spec in RIGHT_SETS for p in ensure_pages(spec, workers=args.jobs)]
        print("\n".join(calibrate(pages, settings)))
        return 0
    which = "--tuning-only" if args.tuning_only else f"--sealed {args.sealed}"
    which += " --no-fit-sets" if args.no_fit_sets else ""
    lines = [
        f"Generated by `.venv/bin/python -m bench.bench_correct {which} --out {args.out}` "
        f"on {datetime.date.today().isoformat()}: settings {settings}.",
        "",
    ]
    more, log = tuning_tables(settings, args.jobs, fit=not args.no_fit_sets)
    lines += more
    if not args.tuning_only:
        for k, name in enumerate(n.strip() for n in args.sealed.split(",") if n.strip()):
            more, seen = sealed_tables(SEALED_SETS[name], settings, args.jobs, real=k == 0)
            lines += more
            log += seen
    print("\n".join(lines), flush=True)
    if args.out:
        write_results(lines, args.out)
    if args.log:
        args.log.write_text("\n".join(log) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
