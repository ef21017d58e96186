"""Count what the second whole-page reading of a doubtful page buys, and search for a rule of
when it is worth its cost, on the tuning pages only (bench/results_readings_second.md: none
holds, so none is written and the product has none).

Run from the project root:
  .venv/bin/python -m bench.learn_second [--work DIR] [--synth DIR]

Pages: the tuning part of the sealed real split (bench/real_split.json) and the synthetic
tuning set bench/learn_readings.py learns on (``ocr synth --out DIR --pages 32 --seed 7``;
made when missing). Every page is read by stock tesseract and by `ocr run` (fresh process, two
workers, bench.bench_real's runner) three times under the benchmark switch OCR_SECOND_READING
(ocr/readings.py): "always" (unset in effect: every doubtful page read again whole, as main
does), "lines" (its doubtful lines read again instead) and "first" (its first reading alone).
Per page: whole-page strict char errors (bench.bench_scores) of each, tesseract calls, tesseract
CPU, and the first reading's features (doubt tests failed, net rate, doubtful lines).

The rule: a page doubtful by its net rate only, with a rate of at least ``min_rate`` and at most
``max_lines`` doubtful lines, has its lines read instead of the whole processed page. The grid
keeps the rules under which no page is worse than "always" by more than 0.2 points nor worse
than stock by more than 1 point, and of those the one saving the most tesseract CPU (then the
fewest errors); it is printed, not written (a rule saving under MIN_SAVING would be noise).
Outputs of the runs are kept in ``--work`` (existing runs are reused).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.bench_real import run_ours, run_stock, score_rows
from bench.common import ROOT, RealPage, real_pages
from ocr.readings import SECOND_ENV, ChoiceRules, ReadingSummary, choice_rules

MODES = ("always", "lines", "first")
LINES_DOUBT = re.compile(r"(\d+) doubtful lines read again instead")
MAIN_SLACK = 0.002  # no page worse than the reading of every doubtful page by more than this
STOCK_SLACK = 0.01  # ... nor worse than stock tesseract by more than this
RATES = (-1.0, -0.5, -0.25, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
LINES = (0, 2, 5, 10, 15, 20, 30, 40)
MIN_SAVING = 0.02  # a rule saving less of tesseract's CPU on the tuning pages is noise


@dataclass(frozen=True)
class PageCount:
    """One tuning page under both modes."""

    name: str
    kind: str  # fr, ehri, synth
    chars: int
    stock: int  # char errors
    errors: dict[str, int]  # mode -> char errors
    calls: dict[str, int]
    cpu: dict[str, float]  # tesseract CPU seconds of the page
    kept: dict[str, str]
    doubt: str
    kinds: tuple[str, ...]
    net_rate: float
    doubtful_lines: int | None


def synth_pages(folder: Path) -> list[RealPage]:
    if not (folder / "manifest.json").is_file():
        subprocess.run(
            [str(Path(sys.executable).with_name("ocr")), "synth", "--out", str(folder)]
            + ["--pages", "32", "--seed", "7"],
            check=True,
            cwd=ROOT,
        )
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [
        RealPage(
            Path(i["image"]).stem,
            "synth",
            f"synth-{i['level']}",
            "tuning",
            folder / i["image"],
            "rus",
            (folder / i["gt"]).read_text(encoding="utf-8"),
            (),
            (),
        )
        for i in manifest["items"]
    ]


def _kind(page: RealPage) -> str:
    return "synth" if page.corpus == "synth" else "ehri" if page.corpus == "ehri" else "fr"


def _report(work: Path, mode: str, page: RealPage) -> dict[str, Any]:
    path = next((work / mode).glob(f"*/{page.name}/report.json"), None)
    if path is None:
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    out = (data.get("pages") or [{}])[0]
    prep = path.parent / "p001.prep.json"
    out["_prep"] = json.loads(prep.read_text(encoding="utf-8")) if prep.is_file() else {}
    return dict(out)


def count(pages: Sequence[RealPage], work: Path) -> list[PageCount]:
    """Run stock and both modes (once; kept in ``work``) and count per page."""
    results: dict[str, Any] = {"stock": run_stock(pages, work / "stock")}
    for mode in MODES:
        # "first" differs from "always" on doubtful pages only: only they are read
        chosen = (
            [p for p in pages if _doubt(_report(work, "always", p))] if mode == "first" else pages
        )
        done = work / mode / "done.json"
        os.environ[SECOND_ENV] = mode
        if not done.is_file():
            run_ours(chosen, work / mode, engine=mode)
            done.write_text("{}")
        results[mode] = _texts(pages, work / mode, mode, fallback=work / "always")
    os.environ.pop(SECOND_ENV, None)
    rows = score_rows(pages, results)
    counts = []
    for page, row in zip(pages, rows, strict=True):
        reports = {m: _report(work, m, page) or _report(work, "always", page) for m in MODES}
        first = reports["always"].get("provenance", {}).get("readings", {})
        summary = (first.get("readings") or [{}])[0]
        lines = LINES_DOUBT.search(_doubt(reports["lines"]))
        counts.append(
            PageCount(
                page.name,
                _kind(page),
                row.chars,
                row.errors["stock"],
                {m: row.errors[m] for m in MODES},
                {m: int(reports[m].get("provenance", {}).get("tesseract_calls", 0)) for m in MODES},
                {
                    m: float((reports[m].get("cpu_seconds") or {}).get("tesseract", 0.0))
                    for m in MODES
                },
                {m: str(reports[m].get("provenance", {}).get("reading", "")) for m in MODES},
                str(first.get("doubt", "")),
                _kinds(summary, reports["always"].get("_prep", {})) if first.get("doubt") else (),
                float(summary.get("net_rate", 0.0)),
                int(lines.group(1)) if lines else None,
            )
        )
    return counts


def _kinds(summary: dict[str, Any], prep: dict[str, Any]) -> tuple[str, ...]:
    """Every test of ocr.readings.doubt the first reading fails (its record names the first
    only), from its summary and the page's ink blobs and paper share."""
    if not summary or "ink_blobs" not in prep:
        return ()
    first = ReadingSummary(
        "original",
        3,
        int(summary["words"]),
        int(summary["chars"]),
        None,
        None,
        float(summary["net"]),
        0.0,
    )
    return doubt_kinds(
        first,
        ink_blobs=int(prep["ink_blobs"]),
        paper_share=float(prep["paper_share"]),
        rules=choice_rules(),
    )


def doubt_kinds(
    summary: ReadingSummary, *, ink_blobs: int, paper_share: float, rules: ChoiceRules
) -> tuple[str, ...]:
    """Every test of ocr.readings.doubt a reading fails: "rate", "chars", "frame"."""
    kinds = []
    if summary.chars and summary.net_rate < rules.doubt_rate:
        kinds.append("rate")
    if summary.chars < rules.few_chars * ink_blobs:
        kinds.append("chars")
    if paper_share < rules.frame_share:
        kinds.append("frame")
    return tuple(kinds)


def _doubt(report: dict[str, Any]) -> str:
    return str(report.get("provenance", {}).get("readings", {}).get("doubt", ""))


def _texts(pages: Sequence[RealPage], folder: Path, engine: str, *, fallback: Path) -> Any:
    """A mode's texts, a page it did not read (``first`` reads doubtful pages only) from the
    ``fallback`` mode's folder."""
    from bench.bench_real import EngineResult, _read_document

    out = EngineResult(engine)
    for page in pages:
        doc = next(folder.glob(f"*/{page.name}"), None) or next(
            fallback.glob(f"*/{page.name}"), None
        )
        if doc is not None:
            _read_document(doc, page.name, out)
    return out


def lines_only(c: PageCount, min_rate: float, max_lines: int) -> bool:
    return (
        c.kinds == ("rate",)
        and c.doubtful_lines is not None
        and c.net_rate >= min_rate
        and c.doubtful_lines <= max_lines
    )


def evaluate(counts: Sequence[PageCount], min_rate: float, max_lines: int) -> dict[str, Any]:
    errors = cpu = calls = 0.0
    worse_main = worse_stock = switched = 0
    for c in counts:
        mode = "lines" if lines_only(c, min_rate, max_lines) else "always"
        switched += mode == "lines" and c.kept["always"] != "" and c.calls["always"] > 1
        e = c.errors[mode]
        errors += e
        cpu += c.cpu[mode]
        calls += c.calls[mode]
        worse_main += e > c.errors["always"] + MAIN_SLACK * c.chars
        worse_stock += e > c.stock + STOCK_SLACK * c.chars
    n = max(1, len(counts))
    return {
        "min_rate": min_rate,
        "max_lines": max_lines,
        "errors": int(errors),
        "cpu": cpu / n,
        "calls": calls / n,
        "worse_main": worse_main,
        "worse_stock": worse_stock,
        "switched": switched,
    }


def print_counts(counts: Sequence[PageCount]) -> None:
    """Per page: errors of stock and of each mode, and (doubtful pages) what the whole second
    reading changed against the first reading alone and against the doubtful lines read."""
    print(
        f"{'page':44} {'kind':5} {'chars':>5} {'stock':>5} {'alw':>5} {'lin':>5} {'fst':>5} "
        f"{'a-f pts':>7} {'a-n pts':>7} {'calls a/n/f':>11} {'cpu a':>6} {'cpu n':>6} "
        f"{'cpu f':>6} {'kept':9} {'doubt':10} {'rate':>6} {'lines':>5}"
    )
    for c in counts:
        pts = {m: 100.0 * (c.errors["always"] - c.errors[m]) / max(1, c.chars) for m in MODES}
        calls = "/".join(str(c.calls[m]) for m in MODES)
        print(
            f"{c.name[:44]:44} {c.kind:5} {c.chars:5} {c.stock:5} {c.errors['always']:5} "
            f"{c.errors['lines']:5} {c.errors['first']:5} {pts['first']:+7.2f} "
            f"{pts['lines']:+7.2f} {calls:>11} {c.cpu['always']:6.2f} {c.cpu['lines']:6.2f} "
            f"{c.cpu['first']:6.2f} {c.kept['always'][:9]:9} {'+'.join(c.kinds)[:10]:10} "
            f"{c.net_rate:6.2f} {c.doubtful_lines!s:>5}"
        )
    doubtful = [c for c in counts if c.kinds]
    if not doubtful:
        return
    for kind in sorted({c.kind for c in doubtful}) + ["all"]:
        part = [c for c in doubtful if kind in ("all", c.kind)]
        chars = sum(c.chars for c in part)
        kept = Counter(c.kept["always"] for c in part)
        print(
            f"doubtful {kind}: {len(part)} pages of {sum(kind in ('all', c.kind) for c in counts)}"
            f", kept {dict(kept)}; errors always {sum(c.errors['always'] for c in part)}, "
            f"first only {sum(c.errors['first'] for c in part)}, lines instead "
            f"{sum(c.errors['lines'] for c in part)} of {chars} characters; tesseract CPU a page "
            f"always {sum(c.cpu['always'] for c in part) / len(part):.2f} s, first only "
            f"{sum(c.cpu['first'] for c in part) / len(part):.2f} s, lines instead "
            f"{sum(c.cpu['lines'] for c in part) / len(part):.2f} s; the second reading better "
            f"than the first alone by > 0.2 points on "
            f"{sum(c.errors['always'] < c.errors['first'] - MAIN_SLACK * c.chars for c in part)},"
            f" worse on "
            f"{sum(c.errors['always'] > c.errors['first'] + MAIN_SLACK * c.chars for c in part)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/learn-second"))
    parser.add_argument("--synth", type=Path, default=Path("/tmp/learn-readings-synth7"))
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args(argv)
    pages = [] if args.no_real else [p for p in real_pages() if p.split == "tuning"]
    pages += synth_pages(args.synth)
    counts = count(pages, args.work)
    (args.work / "counts.json").write_text(
        json.dumps([asdict(c) for c in counts], indent=1), encoding="utf-8"
    )
    print_counts(counts)
    grid = [evaluate(counts, r, n) for r in RATES for n in LINES]
    base = evaluate(counts, 9.0, -1)  # never lines only: every doubtful page read whole
    print(f"always: {base}")
    for g in grid:
        print(g)
    allowed = [g for g in grid if g["worse_main"] == 0 and g["worse_stock"] <= base["worse_stock"]]
    best = min(allowed, key=lambda g: (round(g["cpu"], 3), g["errors"]))
    print(f"chosen: {best}")
    saved = 1.0 - best["cpu"] / base["cpu"] if base["cpu"] else 0.0
    print(
        f"the best saves {saved:.1%} of tesseract's CPU"
        + (f" (< {MIN_SAVING:.0%}: noise)" if saved < MIN_SAVING else "")
        + "; no rule is written (the product has none: bench/results_readings_second.md)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
