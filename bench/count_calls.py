"""What a page's tesseract calls after its first reading buy (issues 15 and 19): per tuning page,
the shipped rule's lines' run (ocr.readings.repair: one tesseract call for all the lines read
again) applied to bench.learn_linereads' cached line readings, and what it changes against the
reference: character errors removed, words under the confidence threshold left (what a reviewer
is shown), lines replaced and confirmed; per kind of page and per level. Then the gate
(:class:`RunGate`): the lines' run skipped on a page whose lines to read have no word under
some confidence and fewer than some doubtful words, a grid over both, each gate's runs skipped
and what they had bought (a gate worth shipping skips runs and loses nothing on any page).
Then the same per line (``--lines``): the first reading's figures of each line read again, in
bins, and what its reading buys.

With ``--log FILE`` (a JSON-lines file that ``OCR_CALL_LOG=FILE ocr run ...`` wrote,
ocr.tesseract.log_call), the run's tesseract calls and their CPU per page, by cause: the first
reading, the second (whole) reading, the lines' run, page numbers, stamp crops; per level.

Tuning side only: the real tuning split of bench/real_split.json, the review benchmark's tuning
set (seed 2101, all levels) and dev sets of seeds 5900-5999 (``--dev-seeds``, all levels, made in
bench/work/review-fresh-<seed>-<pages> if missing; their lines read once into the cache).

Run: .venv/bin/python -m bench.count_calls [--dev-seeds 5900] [--pages 16] [--dump FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

from bench.learn_linereads import (
    BELOW,
    WORK,
    LinePage,
    _scales_of,
    _score,
    load,
    replaced,
    rule_says,
)
from ocr.readings import choice_rules

LEVEL = re.compile(r"-(clean|light|medium|heavy)-")


@dataclass(frozen=True)
class RunGate:
    """A gate on a page's lines' run: made only when some word of the lines to read is under
    ``least_below`` confidence, or at least ``min_words`` of their words are under the reread
    threshold (None: that test is off; both None: always made)."""

    least_below: float | None = None
    min_words: int | None = None

    def runs(self, least: float, doubtful_words: int) -> bool:
        if self.least_below is None and self.min_words is None:
            return True
        if self.least_below is not None and least < self.least_below:
            return True
        return self.min_words is not None and doubtful_words >= self.min_words

    @property
    def label(self) -> str:
        if self.least_below is None and self.min_words is None:
            return "always"
        parts = [f"a word under {self.least_below:g}"] if self.least_below is not None else []
        parts += [f"{self.min_words}+ doubtful words"] if self.min_words is not None else []
        return " or ".join(parts)


@dataclass(frozen=True)
class PageCount:
    """One page: what the shipped rule's lines' run does, and the first reading's figures the
    gate sees."""

    name: str
    kind: str
    level: str
    run: bool  # does the rule read any line again (one tesseract call)?
    lines: int  # lines read again
    crops: int  # line crops read (a line at each of its variants)
    replaced: int
    confirmed: int
    errors_before: int
    errors_after: int
    shown_before: int  # words under BELOW
    shown_after: int
    least: float  # the lowest confidence of a word the run reads again (100: none)
    doubtful_words: int  # words under BELOW on the lines read again

    @property
    def gain(self) -> tuple[int, int]:
        return self.errors_before - self.errors_after, self.shown_before - self.shown_after


def dev_sets(seeds: Sequence[int], pages: int) -> list[Path]:
    """The dev sets of ``seeds`` (all levels), made if missing."""
    from bench.review_fresh import WORK as FRESH
    from bench.review_set import write_set

    out = []
    for seed in seeds:
        folder = FRESH / f"review-fresh-{seed}-{pages}-all"
        if not (folder / "manifest.json").is_file():
            write_set(folder, seed=seed, pages=pages, copies_every=pages + 1)
        out.append(folder)
    return out


def level_of(page: LinePage) -> str:
    if page.kind != "synthetic":
        return page.kind
    found = LEVEL.search(page.name)
    return found.group(1) if found else "synthetic"


def rereads(
    rule: Any, page: LinePage
) -> tuple[dict[int, int], dict[int, Any], dict[int, tuple[int, bool]]]:
    """The lines the shipped rule reads again (each with its number of crops), its verdict on
    each, and the verdicts it takes (line: the reading taken, whether it confirms the first)."""
    scales = {k: len(sc) for k in range(len(page.lines)) if (sc := _scales_of(rule, page, k))}
    verdicts = {k: rule_says(rule, page, k) for k in scales}
    chosen = {k: (v.taken, v.confirms) for k, v in verdicts.items() if v.taken >= 0}
    return scales, verdicts, chosen


def count(pages: Sequence[LinePage], scorers: dict) -> list[PageCount]:
    rule = choice_rules().reread
    assert rule is not None
    out = []
    for page in pages:
        scales, _verdicts, chosen = rereads(rule, page)
        read = list(scales)
        words = replaced(page, chosen) if chosen else page.words
        line_words = [w for k in read for w in page.lines[k]]
        out.append(
            PageCount(
                page.name,
                page.kind,
                level_of(page),
                bool(read),
                len(read),
                sum(scales.values()),
                sum(1 for _, c in chosen.values() if not c),
                sum(1 for _, c in chosen.values() if c),
                _score(scorers, page, {}),
                _score(scorers, page, chosen),
                sum(1 for w in page.words if 0 <= w.conf < BELOW),
                sum(1 for w in words if 0 <= w.conf < BELOW),
                min((max(w.conf, 0.0) for w in line_words), default=100.0),
                sum(1 for w in line_words if 0 <= w.conf < BELOW),
            )
        )
    return out


def by_level(counts: Sequence[PageCount]) -> list[str]:
    rows = [
        "| pages | n | lines' runs | lines read a page | crops a page | lines replaced "
        "| lines confirmed | errors before -> after | words shown before -> after "
        "| runs that change nothing |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups: dict[str, list[PageCount]] = {}
    for c in counts:
        groups.setdefault(c.level, []).append(c)
    groups["all"] = list(counts)
    for name, group in groups.items():
        n = len(group)
        idle = sum(1 for c in group if c.run and c.gain == (0, 0))
        rows.append(
            f"| {name} | {n} | {sum(c.run for c in group)} "
            f"| {sum(c.lines for c in group) / n:.1f} | {sum(c.crops for c in group) / n:.1f} "
            f"| {sum(c.replaced for c in group)} | {sum(c.confirmed for c in group)} "
            f"| {sum(c.errors_before for c in group)} -> {sum(c.errors_after for c in group)} "
            f"| {sum(c.shown_before for c in group)} -> {sum(c.shown_after for c in group)} "
            f"| {idle} |"
        )
    return rows


GATE_LEAST = (None, 40.0, 30.0, 20.0, 10.0)  # a run only when some word is under this
GATE_WORDS = (None, 2, 3, 4)  # or at least this many doubtful words


def gates() -> list[RunGate]:
    return [
        RunGate(least, words)
        for least, words in product(GATE_LEAST, GATE_WORDS)
        if least is not None or words is not None
    ]


def evaluate(gate: RunGate, counts: Sequence[PageCount]) -> dict[str, int]:
    skipped = [c for c in counts if c.run and not gate.runs(c.least, c.doubtful_words)]
    return {
        "skipped": len(skipped),
        "errors": sum(c.gain[0] for c in skipped),  # errors the skipped runs removed
        "shown": sum(c.gain[1] for c in skipped),
        "pages_losing": sum(1 for c in skipped if c.gain != (0, 0)),
    }


def line_rows(pages: Sequence[LinePage], scorers: dict) -> list[dict]:
    """Every line the shipped rule reads again: the first reading's figures of it (what a gate
    may see) and what its reading buys (errors and shown words removed by taking its verdict,
    the page's other lines' verdicts kept)."""
    from bench.learn_linereads import _figures

    rule = choice_rules().reread
    assert rule is not None
    rows = []
    for page in pages:
        scales, verdicts, chosen = rereads(rule, page)
        read = list(scales)
        after = _score(scorers, page, chosen)
        for k in read:
            first = page.lines[k]
            figures = _figures(first, page.language)
            without = {j: c for j, c in chosen.items() if j != k}
            v = verdicts[k]
            shown = sum(1 for w in first if 0 <= w.conf < BELOW)
            if v.taken >= 0 and v.confirms:
                shown_after = 0
            elif v.taken >= 0:
                shown_after = sum(1 for w in page.again[k][v.taken] if 0 <= w.conf < BELOW)
            else:
                shown_after = shown
            rows.append(
                {
                    "page": page.name,
                    "kind": page.kind,
                    "level": level_of(page),
                    "line": k,
                    "unknown": bool(page.unknown and page.unknown[k]),
                    "words": len(first),
                    "chars": figures.chars,  # type: ignore[attr-defined]
                    "least": min(max(w.conf, 0.0) for w in first),
                    "doubtful": shown,
                    "net_rate": figures.net_rate,  # type: ignore[attr-defined]
                    "height": max(w.box.height for w in first),
                    "crops": scales[k],
                    "verdict": v.reason.split(" (")[0][:40] if v.taken >= 0 else "",
                    "confirms": v.confirms,
                    "errors_gain": (_score(scorers, page, without) if k in chosen else after)
                    - after,
                    "shown_gain": shown - shown_after,
                }
            )
    return rows


CAUSES = ("first reading", "second reading", "lines' run", "page number", "stamp crops")
_PAGE = re.compile(r"\.(p\d+)\.")


def call_pages(records: Sequence[dict]) -> dict[str, dict[str, list[float]]]:
    """Each page's calls by cause: page -> cause -> the calls' CPU seconds. A reading's page is
    its document (the scan's stem, or the folder the pipeline wrote beside it) and page index;
    a call that names no page (a stamp's or a page number's crop) is the page its worker read
    last (a worker reads one page at a time, its steps in turn)."""
    out: dict[str, dict[str, list[float]]] = {}
    last: dict[int, str] = {}
    for r in records:
        what, image = r["what"], Path(r["image"]) if r["image"] else None
        found = _PAGE.search(what + ".")
        if what.endswith(".lines") and image is not None and found:
            page, cause = f"{image.parent.parent.name}/{found.group(1)}", "lines' run"
        elif found and image is not None:
            doc = image.stem if what.endswith(".original") else image.parent.name
            page = f"{doc}/{found.group(1)}"
            cause = "second reading" if page in out else "first reading"
        else:
            page = last.get(r["pid"], "?")
            cause = "page number" if what == "page number" else "stamp crops"
        last[r["pid"]] = page
        out.setdefault(page, {}).setdefault(cause, []).append(float(r["cpu"]))
    return out


def fixed_cost(records: Sequence[dict], what: str) -> tuple[int, float, float]:
    """Calls whose stem ends with ``what`` (a list file of crops each): their number and the
    least-squares fit of their CPU seconds on their crops, a + b * crops: a, a call's own cost
    (the process, the model's load), and b, a crop's."""
    import numpy as np

    mine = [r for r in records if r["what"].endswith(what)]
    if len(mine) < 2:
        return len(mine), float("nan"), float("nan")
    x = np.array([r["images"] for r in mine], dtype=float)
    y = np.array([r["cpu"] for r in mine], dtype=float)
    b, a = np.polyfit(x, y, 1)
    return len(mine), float(a), float(b)


def _level_name(page: str) -> str:
    found = LEVEL.search(page)
    return found.group(1) if found else "real"


def call_table(pages: dict[str, dict[str, list[float]]]) -> list[str]:
    """Per level: pages, calls a page and tesseract CPU a page, by cause."""
    rows = [
        "| pages | n | calls a page | tesseract CPU s a page | "
        + " | ".join(f"{c}: pages, calls, CPU s a page" for c in CAUSES)
        + " |",
        "|---|---|---|---|" + "---|" * len(CAUSES),
    ]
    groups: dict[str, list[dict[str, list[float]]]] = {}
    for name, causes in sorted(pages.items()):
        groups.setdefault(_level_name(name), []).append(causes)
    groups["all"] = list(pages.values())
    for level, group in groups.items():
        n = len(group)
        calls = sum(len(v) for g in group for v in g.values())
        cpu = sum(sum(v) for g in group for v in g.values())
        cells = []
        for cause in CAUSES:
            have = [g[cause] for g in group if cause in g]
            cells.append(
                f"{len(have)}, {sum(len(v) for v in have)}, {sum(sum(v) for v in have) / n:.3f}"
            )
        rows.append(
            f"| {level} | {n} | {calls / n:.2f} | {cpu / n:.2f} | " + " | ".join(cells) + " |"
        )
    return rows


def line_bins(rows: Sequence[dict]) -> list[str]:
    """The lines read again in bins of the first reading's figures: lines, crops, lines taken,
    errors removed (and added), shown words removed."""
    out = [
        "| first reading's figure | bin | lines | crops | taken | errors removed | errors added "
        "| shown words removed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    bins = {
        "least confidence": [0, 1, 10, 20, 30, 40, 50, 60, 101],
        "net rate": [-1.01, -0.5, 0, 0.4, 0.8, 1.01],
        "words under 60": [0, 1, 2, 3, 5, 100],
    }
    keys = {"least confidence": "least", "net rate": "net_rate", "words under 60": "doubtful"}
    for label, edges in bins.items():
        for lo, hi in itertools.pairwise(edges):
            g = [r for r in rows if lo <= r[keys[label]] < hi]
            if not g:
                continue
            out.append(
                f"| {label} | [{lo:g}, {hi:g}) | {len(g)} | {sum(r['crops'] for r in g)} "
                f"| {sum(1 for r in g if r['verdict'])} "
                f"| {sum(max(r['errors_gain'], 0) for r in g)} "
                f"| {-sum(min(r['errors_gain'], 0) for r in g)} "
                f"| {sum(r['shown_gain'] for r in g)} |"
            )
    return out


def call_cost(language: str, calls: int = 10) -> float:
    """The CPU seconds (children's user + system) of one tesseract process reading a tiny crop
    (a page number's size) as a line, single-threaded, ``language``'s model: a call's own
    cost, its start and its model's load; the mean of ``calls`` calls."""
    import os
    import resource
    import subprocess
    import tempfile

    import cv2
    import numpy as np

    from bench.common import SINGLE_THREAD

    image = np.full((60, 400), 255, np.uint8)
    cv2.putText(image, "- 12 -", (20, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "crop.png"
        cv2.imwrite(str(path), image)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = kids.ru_utime + kids.ru_stime
        for _ in range(calls):
            subprocess.run(
                ["tesseract", str(path), str(Path(tmp) / "out"), "-l", language]
                + ["--psm", "7", "--oem", "1", "tsv"],
                capture_output=True,
                env={**os.environ, **SINGLE_THREAD},
                check=True,
            )
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (kids.ru_utime + kids.ru_stime - before) / calls


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--dev-seeds", default="5900")
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--dump", type=Path, help="write every page's count here (JSON)")
    parser.add_argument("--lines", action="store_true", help="also the lines, in bins")
    parser.add_argument("--log", type=Path, nargs="*", help="OCR_CALL_LOG files: calls by cause")
    parser.add_argument("--start", help="comma-separated models: a call's own CPU with each")
    args = parser.parse_args(argv)
    if args.start:
        for language in args.start.split(","):
            print(f"{language}: {call_cost(language):.3f} s of CPU a call (tiny crop, 10 calls)")
        return 0
    if args.log:
        records = [
            json.loads(line)
            for path in args.log
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        print("\n".join(call_table(call_pages(records))))
        print()
        for what in (".lines", "stamps"):
            n, a, b = fixed_cost(records, what)
            print(f"{what}: {n} calls, CPU s = {a:.3f} + {b:.4f} x crops")
        return 0
    from bench.review_fresh import WORK as FRESH

    seeds = [int(s) for s in args.dev_seeds.split(",") if s]
    pages, scorers = load(args.work, FRESH / "review-2101-48", None, dev_sets(seeds, args.pages))
    pages = [p for p in pages if p.side == "tuning"]
    counts = count(pages, scorers)
    if args.dump:
        args.dump.write_text(
            json.dumps([c.__dict__ for c in counts], indent=1, ensure_ascii=False),
            encoding="utf-8",
        )
    print(f"{len(counts)} tuning pages; the shipped rule's lines' run (one tesseract call a page)")
    print("\n".join(by_level(counts)))
    print()
    print("| gate | runs skipped | errors lost | shown words lost | pages losing |")
    print("|---|---|---|---|---|")
    for gate in gates():
        e = evaluate(gate, counts)
        print(
            f"| {gate.label} | {e['skipped']} | {e['errors']} | {e['shown']} "
            f"| {e['pages_losing']} |"
        )
    if args.lines:
        print()
        print("\n".join(line_bins(line_rows(pages, scorers))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
