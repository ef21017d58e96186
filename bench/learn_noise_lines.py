"""Issue 15 (round 20b): does the reading choice let a run of noise read as short words win?

The choice (ocr.readings.better) weighs a reading's characters likely right against those likely
wrong and the letters of the page's ink it lacks. Learned here: how the missing letters are
counted, on the tuning pages, their copies (bench/real_variants.py's changes) and a synthetic
dev set (``ocr synth`` seed 5900-5999), never on held-out pages or their copies. Each page is read
as bench/learn_readings.py reads it (the page as loaded and the processed page; readings kept in
``--work``), and the page choice simulated (bench.learn_readings.simulate) for each rule.

Run: .venv/bin/python -m bench.learn_noise_lines [--work DIR] [--variants skew,jpeg]
     [--synth DIR]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.common import real_pages
from bench.learn_readings import TuningPage, read_all, readouts, simulate, tuning_pages
from bench.real_variants import make_variant
from ocr.readings import ChoiceRules


def copies(variants: Sequence[str], folder: Path) -> list[TuningPage]:
    """The tuning pages changed by each variant (written once to ``folder``), as pages to learn
    from: name ``<variant>:<page>``, group ``<variant>``."""
    pages = [p for p in real_pages() if p.split == "tuning"]
    out = []
    for variant in variants:
        work = folder / "scans" / variant
        if work.is_dir() and len(list(work.iterdir())) == len(pages):
            changed = [replace(p, image=next(work.glob(f"{p.name}.*"))) for p in pages]
        else:
            changed = make_variant(pages, variant, work)
        out += [
            TuningPage(f"{variant}:{p.name}", p.image, p.language, p.truth, variant)
            for p in changed
        ]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/learn-noise-lines"))
    parser.add_argument("--variants", default="skew,jpeg")
    parser.add_argument("--synth", type=Path, help="a synthetic dev set (ocr synth seed 59xx)")
    parser.add_argument("--read-only", action="store_true", help="read the pages and stop")
    args = parser.parse_args(argv)
    pages = tuning_pages(args.synth)
    variants = [v for v in args.variants.split(",") if v]
    pages += copies(variants, args.work)
    read_all(pages, args.work)
    if args.read_only:
        return 0
    from ocr.readings import choice_rules

    reads = readouts(pages, args.work)
    base = choice_rules()
    for label, rules in rule_grid(base):
        table = simulate(pages, reads, rules=rules, kind=kind_of)
        print(
            f"{label:34} "
            + "  ".join(
                f"{kind}: {r[0]:.3f} worse {r[1]} better {r[2]}"
                for kind, r in sorted(table.items())
            ),
            flush=True,
        )
    return 0


def kind_of(page: TuningPage) -> str:
    if page.group.startswith("synth"):
        return "synth"
    kind = "ehri" if page.name.split(":")[-1].startswith("EHRI") else "fr"
    return f"{page.group}-{kind}" if ":" in page.name else kind


def rule_grid(base: ChoiceRules) -> list[tuple[str, ChoiceRules]]:
    """The shipped rules, then each noise rate and least words of a line of noise."""
    out = [("shipped", base), ("no noise rule", replace(base, noise_rate=None))]
    for words in (3, 4, 6):
        for rate in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4):
            out.append(
                (
                    f"noise rate {rate:.2f} words {words}",
                    replace(base, noise_rate=rate, noise_words=words),
                )
            )
    return out


if __name__ == "__main__":
    raise SystemExit(main())
