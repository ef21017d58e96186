"""The row index of ocr.items pairs signals with the same disagreements as the plain search
over every pair, on random boxes and on the sample pages' own signals."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest

import ocr.flag
import ocr.items
from ocr.flag import Flag, TextSpan
from ocr.items import SAME_WORDS, RowIndex, review_items
from ocr.records import Box
from ocr.tesseract import Word, words_to_text

ROOT = Path(__file__).resolve().parent.parent


def _plain_same_words(flag: Flag, anchors: Sequence[Flag], *, near: object = None) -> int | None:
    """The search before the index (ocr/items.py at 565ec9e): every anchor, in order."""
    best, share = None, SAME_WORDS
    for i, anchor in enumerate(anchors):
        smaller = min(flag.box.width * flag.box.height, anchor.box.width * anchor.box.height)
        shared = ocr.items._inside(flag.box, anchor.box) * flag.box.width * flag.box.height
        if smaller > 0 and shared / smaller >= share:
            best, share = i, shared / smaller
    return best


def _plain(flags: list[Flag], **options: object) -> list[Flag]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ocr.items, "_same_words", _plain_same_words)
        return review_items(flags, **options)  # type: ignore[arg-type]


def _random_box(rng: random.Random) -> Box:
    top = rng.choice([rng.randrange(-80, 3600), 64 * rng.randrange(0, 50)])
    height = rng.choice([0, 1, 30, 63, 64, 65, rng.randrange(0, 400)])
    return Box(rng.randrange(-50, 2500), top, rng.choice([0, 20, rng.randrange(1, 600)]), height)


def _random_flags(rng: random.Random, count: int) -> list[Flag]:
    kinds = ("disagreement", "low_confidence", "garbage", "correction", "unknown_word")
    out = []
    for n in range(count):
        kind = rng.choice(kinds)
        box = _random_box(rng)
        if n and rng.random() < 0.3:  # the same or a shifted box as an earlier signal
            box = out[rng.randrange(n)].box
            box = Box(
                box.left + rng.randrange(-8, 9), box.top + rng.randrange(-8, 9), *box.as_list()[2:]
            )
        category = rng.choice(("possible OCR error", "possible reference error"))
        span = TextSpan(n, n + 3, "", "", n, n + 3, "replace")
        out.append(
            Flag(
                type=kind,
                reason=f"{kind} {n}",
                page_number=1,
                box=box,
                severity=rng.random(),
                ocr_text=f"w{n}",
                ref_text=f"r{n}" if kind == "disagreement" else "",
                category=category if kind == "disagreement" else "",
                span=span if kind == "disagreement" else None,
            )
        )
    return out


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(40))
def test_the_index_gives_the_items_of_the_plain_search_on_random_boxes(seed: int) -> None:
    rng = random.Random(seed)
    flags = _random_flags(rng, rng.choice([5, 40, 200]))
    words = [Word(1, 1, 1, i + 1, f.box, 90.0, f.ocr_text) for i, f in enumerate(flags[:30])]
    options = {"ocr": words_to_text(words), "reference": None}
    assert review_items(flags, **options) == _plain(flags, **options)  # type: ignore[arg-type]


@pytest.mark.unit
def test_the_index_finds_every_box_sharing_rows() -> None:
    rng = random.Random(3)
    boxes = [_random_box(rng) for _ in range(300)]
    index = RowIndex(boxes)
    for box in boxes[:100]:
        sharing = [
            i
            for i, other in enumerate(boxes)
            if min(box.bottom, other.bottom) > max(box.top, other.top)
        ]
        near = index.near(box)
        assert near == sorted(near) and set(sharing) <= set(near)


@pytest.mark.integration
def test_the_sample_pages_items_are_those_of_the_plain_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ocr run` on the sample scans with their references: each page's items, with the index
    and with the plain search, on the signals the pipeline made."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    pages: list[tuple[int, int]] = []  # (signals, items) per page

    def both(flags: list[Flag], **options: object) -> list[Flag]:
        items = review_items(flags, **options)  # type: ignore[arg-type]
        assert items == _plain(flags, **options)
        pages.append((len(flags), len(items)))
        return items

    monkeypatch.setattr(ocr.flag, "review_items", both)
    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("EHRI-DR-19390125-US_01.jpg", "EHRI-DR-19390125-US_02.jpg"):
        (scans / name).write_bytes((ROOT / "scans" / name).read_bytes())
    settings = load_settings(None, output_dir=tmp_path / "out", workers=1)
    result = run_batch([scans], gt_dir=ROOT / "ground_truth", settings=settings)
    assert result.pages_done == 2 and len(pages) == 2
    assert sum(n for n, _ in pages) > 20  # real signals, disagreements among them
