"""Where `ocr run` loses to stock tesseract on the kept copies of bench.real_variants --keep:
per page, both engines' strict CER, and the lines each engine reads that the other does not,
each beside the reference line it is closest to (its CER there), so that a loss is counted, not
guessed: a line only `ocr run` has that matches no reference line is junk it let in; a line only
stock has that matches the reference well is text `ocr run` lost.

Run: .venv/bin/python -m bench.variant_losses KEPT_FOLDER [--variant frame] [--page NAME]
     [--min-points -1.0]
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from pathlib import Path

from bench.bench_scores import score_page
from bench.common import real_pages


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def closest(line: str, truth: Sequence[str]) -> tuple[float, str]:
    """The reference line nearest ``line`` by difflib's ratio, as (1 - ratio, that line)."""
    best = max(truth, key=lambda t: difflib.SequenceMatcher(None, line, t).ratio(), default="")
    return 1.0 - difflib.SequenceMatcher(None, line, best).ratio(), best


def page_texts(kept: Path, variant: str, name: str, language: str) -> tuple[str, str]:
    stock = kept / variant / "stock" / f"{name}.txt"
    ours = kept / variant / "ours" / language / name / f"{name}.txt"
    read = lambda p: p.read_text(encoding="utf-8") if p.is_file() else ""  # noqa: E731
    return read(stock), read(ours)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kept", type=Path)
    parser.add_argument("--variant", default="frame")
    parser.add_argument("--page", default="")
    parser.add_argument(
        "--min-points", type=float, default=-1.0, help="show pages with ours - stock above this"
    )
    parser.add_argument("--lines", action="store_true", help="also the lines each engine alone has")
    args = parser.parse_args(argv)
    for page in real_pages():
        if args.page not in page.name:
            continue
        stock, ours = page_texts(args.kept, args.variant, page.name, page.language)
        if not stock and not ours:
            continue
        s = score_page(page.name, page.truth, stock).strict
        o = score_page(page.name, page.truth, ours).strict
        points = 100 * (o.cer - s.cer)
        if points < args.min_points:
            continue
        print(
            f"{args.variant} {page.name}: stock {100 * s.cer:.2f}% ({s.char_errors}) "
            f"ours {100 * o.cer:.2f}% ({o.char_errors}) {points:+.2f}"
        )
        if not args.lines:
            continue
        truth = _lines(page.truth)
        a, b = _lines(stock), _lines(ours)
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            for line in a[i1:i2]:
                d, ref = closest(line, truth)
                print(f"   stock only [{d:.2f}] {line!r}\n{'':21}ref {ref!r}")
            for line in b[j1:j2]:
                d, ref = closest(line, truth)
                print(f"   ours only  [{d:.2f}] {line!r}\n{'':21}ref {ref!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
