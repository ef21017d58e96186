"""Write the README's demo figures from a real run on the sample: `ocr run scans --gt
ground_truth` in a temp folder, then the block between the README's figures markers is
replaced by what that run printed and stored (CER, WER and review items per document, and the
possible reference errors). Nothing in that block is typed by hand.

Run: .venv/bin/python scripts/readme_figures.py [--check] (--check: exit 1 if the README's
block differs from a fresh run instead of rewriting it).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
README = ROOT / "README.md"
BEGIN, END = "<!-- figures:begin (scripts/readme_figures.py) -->", "<!-- figures:end -->"


def run_sample(out: Path) -> dict:
    """The sample batch, as `ocr run scans --gt ground_truth --out OUT` runs it."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    settings = load_settings(ROOT / "ocr.toml", output_dir=out)
    return dict(
        run_batch([ROOT / "scans"], gt_dir=ROOT / "ground_truth", settings=settings).summary
    )


def stored_items(db_url: str) -> tuple[Counter, list[tuple[str, str, str]]]:
    """Review items by kind, and each possible reference error (document, reference, OCR)."""
    from sqlalchemy import select

    from ocr.flag import kind_label
    from ocr.review.decisions import kind_of
    from ocr.store import Document, FlagRow, Page, Store

    store = Store(db_url, create=False)
    with store.session() as s:
        rows = s.execute(
            select(Document.name, FlagRow)
            .join(Page, FlagRow.page_id == Page.id)
            .join(Document, Page.document_id == Document.id)
            .where(Document.superseded_by.is_(None))
        ).all()
        kinds = Counter(kind_label(kind_of(f)) for _, f in rows)
        refs = sorted(
            (name, " ".join(f.ref_text.split()), " ".join(f.ocr_text.split()))
            for name, f in rows
            if kind_of(f) == "reference_error"
        )
    store.engine.dispose()
    return kinds, refs


def _pct(value: float | None) -> str:
    from ocr.report import format_rate

    return format_rate(value)


def block(summary: dict, kinds: Counter, refs: Sequence[tuple[str, str, str]]) -> str:
    """The README's figures block (between the markers)."""
    lines = ["```", f"{'document':<40} {'pages':>5} {'CER':>8} {'WER':>8} {'items':>5}"]
    for d in sorted(summary["documents"], key=lambda d: d["document"]):
        lines.append(
            f"{d['document']:<40} {d['pages']:>5} {_pct(d['cer']):>8} "
            f"{_pct(d['wer']):>8} {d['flags']:>5}"
        )
    lines += [
        f"batch: {summary['pages_done']} pages, CER {_pct(summary['cer'])}, WER "
        f"{_pct(summary['wer'])} (character-weighted)",
        "```",
        "",
        f"{sum(kinds.values())} review items for {summary['pages_done']} pages: "
        + ", ".join(f"{n} {k}" for k, n in kinds.most_common())
        + ".",
        "The possible reference errors (the reference, then what the OCR reads):",
        "",
    ]
    lines += [f'- {name}: "{ref}" → "{ocr}"' for name, ref, ocr in refs]
    return "\n".join(lines)


def replace_block(text: str, new: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:start] + "\n" + new + "\n" + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="readme-figures-") as tmp:
        out = Path(tmp) / "out"
        summary = run_sample(out)
        kinds, refs = stored_items(f"sqlite:///{out / 'ocr.db'}")
    new = replace_block(README.read_text(encoding="utf-8"), block(summary, kinds, refs))
    if args.check:
        same = new == README.read_text(encoding="utf-8")
        print("README figures are current" if same else "README figures differ from a fresh run")
        return 0 if same else 1
    README.write_text(new, encoding="utf-8")
    print(block(summary, kinds, refs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
