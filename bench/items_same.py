"""Review items with the row index against the plain pairwise search (ocr/items.py before
issue 19e), on the signals `ocr run` makes for real pages with their references.

Run: .venv/bin/python -m bench.items_same [--pages N]; prints one line per page and a total."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import ocr.flag
from bench.common import real_pages, run_pipeline
from ocr.items import review_items
from tests.test_items_index import _plain


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4, help="pages of each corpus")
    args = parser.parse_args()
    counts: list[tuple[str, int, int, bool]] = []
    name = ""

    def both(flags: list, **options: object) -> list:  # type: ignore[type-arg]
        items = review_items(flags, **options)  # type: ignore[arg-type]
        counts.append((name, len(flags), len(items), items == _plain(flags, **options)))
        return items

    ocr.flag.review_items = both  # type: ignore[assignment]
    pages = real_pages()
    chosen = [p for p in pages if p.corpus == "ehri"][: args.pages]
    chosen += [p for p in pages if p.corpus == "typescript-fr"][: args.pages]
    with tempfile.TemporaryDirectory() as tmp:
        for page in chosen:
            name = page.name
            folder = Path(tmp) / page.name
            folder.mkdir()
            (folder / page.image.name).symlink_to(page.image)
            (folder / f"{page.image.stem}.txt").write_text(page.truth, encoding="utf-8")
            run_pipeline(
                [folder / page.image.name],
                folder / "out",
                gt=folder,
                workers=1,
                languages=page.language,
            )
    for row in counts:
        print(f"{row[0]}: {row[1]} signals, {row[2]} items, same: {row[3]}")
    same = sum(r[3] for r in counts)
    print(
        f"{same} of {len(counts)} pages give the same items ({sum(r[1] for r in counts)} signals)"
    )


if __name__ == "__main__":
    main()
