"""Count, per way a line is read again (ocr.linereads.Variant of the shipped RereadRule), what it
costs and the lines only it wins, on the tuning side of bench/learn_linereads.py (issue 19).

For each variant of the shipped rule (binarised at 1.0 and 0.5, grey at 0.5), the rule without
it is applied to the same cached line readings (bench.learn_linereads.collect: stock tesseract's
words, every variant's reading of each line read again) and compared with the whole rule, page
by page: the errors it adds when dropped (the lines only it wins), the pages worse by over 0.2
points of their characters, the lines it is the taken reading of, and its share of the pixels the
lines' runs read (a crop at scale s counts s * s). Then the one condition tried: the grey crop
read only on lines of a bold face.
With --time N, the tesseract CPU of the lines' run of N real tuning pages is measured with every
variant and without each (the run's fixed start stays: dropping a variant saves only its part).

Run: .venv/bin/python -m bench.count_linereads [--work DIR] [--time N]
(--work: bench.learn_linereads' cache of line readings; tuning pages only: seed 2101, dev
seeds 5803 and 5821, the real tuning split, as the shipped rule was learned on)."""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.common import BENCH, SINGLE_THREAD, real_pages
from bench.learn_linereads import (
    VARIANTS,
    WORK,
    LinePage,
    _read,
    _scales_of,
    _score,
    load,
    rule_says,
)
from ocr.linereads import RereadRule, Variant
from ocr.readings import choice_rules

SLACK = 0.002  # a page worse by this share of its characters: a loss


def without(rule: RereadRule, variant: Variant) -> RereadRule:
    """The rule with ``variant`` read nowhere (neither for doubtful lines nor unknown ones)."""
    if variant.grey:
        return replace(
            rule,
            grey_scales=tuple(s for s in rule.grey_scales if s != variant.scale),
            unknown_grey_scales=tuple(s for s in rule.unknown_grey_scales if s != variant.scale),
        )
    return replace(
        rule,
        scales=tuple(s for s in rule.scales if s != variant.scale),
        unknown_scales=tuple(s for s in rule.unknown_scales if s != variant.scale),
    )


def page_errors(page: LinePage, scorers: dict, rule: RereadRule) -> tuple[int, dict[int, int]]:
    """The page's errors under ``rule`` and the lines it replaces (line -> variant index)."""
    verdicts = {k: rule_says(rule, page, k) for k in range(len(page.lines))}
    chosen = {k: (v.taken, v.confirms) for k, v in verdicts.items() if v.taken >= 0}
    taken = {k: v for k, (v, confirms) in chosen.items() if not confirms}
    return _score(scorers, page, chosen), taken


def pixels_of(pages: Sequence[LinePage], rule: RereadRule) -> dict[Variant, float]:
    out: dict[Variant, float] = {}
    for page in pages:
        for k in range(len(page.lines)):
            for v in _scales_of(rule, page, k):
                if not v.thin or _read(page, k, v):
                    out[v] = out.get(v, 0.0) + v.scale**2
    return out


def count(pages: Sequence[LinePage], scorers: dict, rule: RereadRule) -> None:
    variants = sorted(
        {v for p in pages for k in range(len(p.lines)) for v in _scales_of(rule, p, k)}
    )
    pixels = pixels_of(pages, rule)
    total_pixels = sum(pixels.values())
    full = {p.name: page_errors(p, scorers, rule) for p in pages}
    runs = sum(1 for p in pages if any(_scales_of(rule, p, k) for k in range(len(p.lines))))
    chars = {p.name: max(sum(len(w.text) for w in p.words), 1) for p in pages}
    print(
        f"{len(pages)} tuning pages, {runs} with a lines' run; the shipped rule: "
        f"{sum(e for e, _ in full.values())} errors, "
        f"{sum(len(t) for _, t in full.values())} lines replaced"
    )
    print(
        f"{'variant':10} {'pixels':>7} {'share':>6} {'taken':>6} {'+errors':>8} {'-errors':>8} "
        f"{'net':>6} {'pages worse':>11} {'better':>6}"
    )
    for v in variants:
        index = VARIANTS.index(v)
        rule_v = without(rule, v)
        added = removed = worse = better = taken = 0
        worst: list[tuple[float, str]] = []
        for p in pages:
            errors, lines = full[p.name]
            taken += sum(1 for t in lines.values() if t == index)
            after, _ = page_errors(p, scorers, rule_v)
            added += max(0, after - errors)
            removed += max(0, errors - after)
            worse += after - errors > SLACK * chars[p.name]
            better += errors - after > SLACK * chars[p.name]
            if after - errors > SLACK * chars[p.name]:
                worst.append((100.0 * (after - errors) / chars[p.name], p.name))
        print(
            f"{v.label:10} {pixels.get(v, 0.0):7.0f} {pixels.get(v, 0.0) / total_pixels:6.1%} "
            f"{taken:6} {added:8} {removed:8} {added - removed:6} {worse:11} {better:6}"
        )
        for pts, name in sorted(worst, reverse=True)[:5]:
            print(f"    worse without it by {pts:.2f} points: {name}")


def grey_on_bold_only(pages: Sequence[LinePage], scorers: dict, rule: RereadRule) -> None:
    """The rule with the grey crop read only on lines of a bold face (those the thinned crop was
    read on: ocr.linereads.thin_radius > 0; the grey crop was added for bold faces, issue 20)."""
    from dataclasses import replace as dc_replace

    grey, thin = VARIANTS.index(Variant(0.5, True)), VARIANTS.index(Variant(1.0, thin=True))
    before = after = read = kept = 0
    worse: list[tuple[float, str]] = []
    for p in pages:
        again = tuple(
            tuple(() if i == grey and not row[thin] else a for i, a in enumerate(row))
            for row in p.again
        )
        for k in range(len(p.lines)):
            if Variant(0.5, True) in _scales_of(rule, p, k):
                read += 1
                kept += bool(p.again[k][thin])
        bold = dc_replace(p, name=f"{p.name}#grey-on-bold", again=again)
        scorers[bold.name] = scorers[p.name]
        e0, _ = page_errors(p, scorers, rule)
        e1, _ = page_errors(bold, scorers, rule)
        before, after = before + e0, after + e1
        chars = max(sum(len(w.text) for w in p.words), 1)
        if e1 - e0 > SLACK * chars:
            worse.append((100.0 * (e1 - e0) / chars, p.name))
    print(
        f"grey crop on bold lines only: {kept} of {read} grey crops read; errors {after} "
        f"against {before}; pages worse by > {SLACK:.1%}: {len(worse)}"
    )
    for pts, name in sorted(worse, reverse=True):
        print(f"    worse by {pts:.2f} points: {name}")


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_runs(pages: Sequence[LinePage], rule: RereadRule, n: int) -> None:
    """Tesseract CPU of the doubtful lines' run of the first ``n`` real tuning pages holding
    some, with every variant of the rule and without each."""
    import cv2

    from ocr.linereads import line_crops, read_lines

    real = {p.name: p for p in real_pages() if p.split == "tuning"}
    chosen = [p for p in pages if p.name in real and p.lines][:n]
    variants = rule.line_variants(unknown=False)
    os.environ.update(SINGLE_THREAD)
    sets = {"all": variants} | {
        f"without {v.label}": tuple(w for w in variants if w != v) for v in variants
    }
    for label, these in sets.items():
        cpu = 0.0
        wall = time.perf_counter()
        for p in chosen:
            grey = cv2.imread(str(real[p.name].image), cv2.IMREAD_GRAYSCALE)
            assert grey is not None
            crops = line_crops(p.lines, *grey.shape[:2])
            with tempfile.TemporaryDirectory() as tmp:
                before = _cpu_children()
                read_lines(
                    grey,
                    crops,
                    Path(tmp) / "lines",
                    languages=p.language,
                    oem=1,
                    dpi=None,
                    timeout=120,
                    choices=False,
                    scales=these,
                )
                cpu += _cpu_children() - before
        print(
            f"{label:22}: tesseract CPU {cpu:6.1f} s over {len(chosen)} pages "
            f"({cpu / max(1, len(chosen)):.2f} s a page; wall {time.perf_counter() - wall:.0f} s)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--synth-tuning", type=Path, default=BENCH / "work" / "review-2101-48")
    parser.add_argument(
        "--dev",
        type=Path,
        nargs="*",
        default=[BENCH / "work" / f"review-fresh-{s}-12" for s in (5803, 5821)],
    )
    parser.add_argument("--time", type=int, default=0, help="real pages whose runs are timed")
    args = parser.parse_args(argv)
    rule = choice_rules().reread
    assert rule is not None
    pages, scorers = load(args.work, args.synth_tuning, None, args.dev)
    pages = [p for p in pages if p.side == "tuning"]
    count(pages, scorers, rule)
    grey_on_bold_only(pages, scorers, rule)
    if args.time:
        time_runs(pages, rule, args.time)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
