"""Is unread ink inside a doubted word that word's own strokes, or a stamp's or a pen's? The
unrecognised-ink signals of review sets' runs without a reference, each against the
low-confidence word it lies most inside, and whether a synthetic stamp, signature or
handwriting region holds it (the page's region records): what ocr.items.own_ink's thresholds
(OWN_INK, OWN_HEIGHT; with sure_words' long dictionary words) were chosen from.

Run: .venv/bin/python -m bench.own_ink [--sets review-2101-48,review-fresh-3010-12] [--list]
(the sets' batches must have run: bench.bench_review, bench.review_fresh). Tuning sets only:
never pass the held-out set (review-2202-48).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.bench_review import REGION_TYPES, WORK, load_items
from ocr.flag_records import Flag
from ocr.items import OWN_HEIGHT, OWN_INK, WORD_PAD, _grown, _inside, sure_words
from ocr.records import Box
from ocr.settings import load_settings
from ocr.tesseract import Word, read_words
from ocr.triage import Vocabulary, vocabulary

NON_TYPED = 0.3  # share of an ink signal's box inside a true region for it to be that region's
DEFAULT_SETS = "review-2101-48,review-fresh-3010-12,review-fresh-3111-12,review-fresh-6102-12"


@dataclass(frozen=True)
class InkRow:
    """One unrecognised-ink signal against the doubted word it lies most inside."""

    page: str
    share: float  # of its box inside the word's box grown by WORD_PAD of its height
    height: float  # its height over the word's
    word: str
    sure: bool  # the word alone would need no person (ocr.items.sure_words)
    region: str  # the true region (stamp, signature, handwriting) holding it, or ""

    @property
    def own(self) -> bool:
        return self.sure and self.share >= OWN_INK and self.height <= OWN_HEIGHT


def _sure(word: Word, words: Vocabulary) -> bool:
    flag = Flag("low_confidence", "", 1, word.box, 0.5, ocr_text=word.text)
    return sure_words(flag, words)


def set_rows(name: str, *, threshold: float, words: Vocabulary) -> list[InkRow]:
    folder = WORK / name
    _, pages = load_items(folder / "noref.db")
    rows = []
    for page in pages:
        truth = json.loads((folder / "regions" / f"{page.document}.json").read_text("utf-8"))
        regions = [(r["type"], Box(*r["box"])) for r in truth if r["type"] in REGION_TYPES]
        tsv = Path(page.outputs["tsv"])
        doubted = [w for w in read_words(tsv) if 0 <= w.conf < threshold and w.box.height > 0]
        found = json.loads((tsv.parent / f"p{page.number:03d}.regions.json").read_text("utf-8"))
        for r in (r for r in found if r["type"] == "unrecognised_ink"):
            box = Box(*r["box"])
            held = [t for t, b in regions if _inside(box, _grown(b, 6)) >= NON_TYPED]
            best = max(
                doubted,
                key=lambda w: _inside(box, _grown(w.box, round(WORD_PAD * w.box.height))),
                default=None,
            )
            share = (
                _inside(box, _grown(best.box, round(WORD_PAD * best.box.height))) if best else 0.0
            )
            rows.append(
                InkRow(
                    page.document,
                    share,
                    box.height / best.box.height if best else 0.0,
                    best.text if best and share > 0 else "",
                    best is not None and share > 0 and _sure(best, words),
                    held[0] if held else "",
                )
            )
    return rows


def summary(rows: Sequence[InkRow]) -> list[str]:
    """Counts of ink signals by what holds them and by the rule's verdict."""
    lines = [
        f"| ink signals | all | inside a doubted word (share >= {OWN_INK}) | of them in a long "
        f"dictionary word | of them no taller than {OWN_HEIGHT}x the word: own strokes |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, pick in (
        ("in a true stamp, signature or handwriting region", lambda r: bool(r.region)),
        ("in none (typing, specks, smudges)", lambda r: not r.region),
    ):
        mine = [r for r in rows if pick(r)]
        inside = [r for r in mine if r.share >= OWN_INK]
        sure = [r for r in inside if r.sure]
        lines.append(
            f"| {label} | {len(mine)} | {len(inside)} | {len(sure)} | {sum(r.own for r in sure)} |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated bench/work sets")
    parser.add_argument("--list", action="store_true", help="every signal inside a doubted word")
    args = parser.parse_args(argv)
    threshold = load_settings(None).low_confidence
    words = vocabulary("rus")
    rows: list[InkRow] = []
    for name in args.sets.split(","):
        if "2202" in name:
            raise SystemExit("review-2202-48 is the held-out set: not for choosing thresholds")
        mine = set_rows(name, threshold=threshold, words=words)
        print(f"{name}: {len(mine)} ink signals; {Counter(r.region or '-' for r in mine)}")
        rows += mine
    print("\n".join(summary(rows)))
    if args.list:
        for r in sorted(rows, key=lambda r: (-r.share, r.page)):
            if r.share > 0:
                print(
                    f"  {r.page}: {r.word!r} share {r.share:.2f} height {r.height:.2f} "
                    f"sure {r.sure} region {r.region or '-'} own {r.own}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
