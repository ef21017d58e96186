"""Unit tests of the synthetic page generator (ocr synth): determinism, regions, text, corpus."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr_synth.annotate import StampPlan, place_marks
from ocr_synth.compose import COMPOSED_COUNT, FILE_NAMES, compose
from ocr_synth.generate import PagePlan, generate_page, generate_set, plan_set, write_page
from ocr_synth.levels import LEVELS, level_style, scale_style
from ocr_synth.render import PageSpec, render_page
from ocr_synth.texts import CORPUS_DIR, corpus_documents, distinct_words
from ocr_synth.typescript import sample_geometry, type_page

pytestmark = pytest.mark.unit

DPI = 100  # a third of the benchmark's resolution: same layout, nine times fewer pixels


def _plan(
    level: str = "medium", variant: str = "colour", *, marked: bool = True, seed: int = 11
) -> PagePlan:
    return PagePlan(1, level, variant, marked, seed, DPI)  # type: ignore[arg-type]


def _regions(record: dict) -> list[dict]:
    return record["pages"][0]["regions"]


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        out.mkdir()
        write_page(_plan(), out)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir()) and len(names) == 3
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_another_seed_gives_another_page() -> None:
    one, two = generate_page(_plan(seed=1)), generate_page(_plan(seed=2))
    assert one.page.image.tobytes() != two.page.image.tobytes()


def test_every_box_and_polygon_lies_inside_the_page(tmp_path: Path) -> None:
    for seed in (3, 4):
        entry = write_page(_plan("heavy", seed=seed), tmp_path)
        record = json.loads((tmp_path / entry["regions"]).read_text(encoding="utf-8"))
        page = record["pages"][0]
        width, height = page["width"], page["height"]
        for region in _regions(record):
            left, top, w, h = region["box"]
            assert 0 <= left and 0 <= top and left + w <= width and top + h <= height, region
            assert w > 0 and h > 0, region
            assert all(0 <= x <= width and 0 <= y <= height for x, y in region["polygon"])


def test_gt_text_is_the_typed_lines_joined(tmp_path: Path) -> None:
    entry = write_page(_plan(seed=5), tmp_path)
    record = json.loads((tmp_path / entry["regions"]).read_text(encoding="utf-8"))
    typed = [r["text"] for r in _regions(record) if r["type"] == "typed_line"]
    assert typed and all(typed)
    assert (tmp_path / entry["gt"]).read_text(encoding="utf-8") == "\n".join(typed) + "\n"


def test_corpus_has_at_least_5000_distinct_words() -> None:
    documents = corpus_documents()
    assert len(distinct_words(documents)) >= 5000
    written = [d for d in documents if not d.composed]
    assert len(distinct_words(written)) >= 3000  # not only template slots
    assert all(d.kind and d.paragraphs for d in documents)


def test_shipped_composed_corpus_is_what_the_composer_writes() -> None:
    for name, documents in compose(count=COMPOSED_COUNT).items():
        path = CORPUS_DIR / f"composed-{FILE_NAMES[name]}.txt"
        assert path.read_text(encoding="utf-8") == "\n".join(d.as_text() for d in documents)


@pytest.mark.parametrize("level", LEVELS)
def test_each_level_renders(level: str) -> None:
    generated = generate_page(_plan(level, marked=False, seed=21))
    assert generated.page.image.shape == (1169, 827, 3)
    assert generated.page.image.dtype == np.uint8
    assert generated.text.strip()


def test_grey_and_bilevel_variants(tmp_path: Path) -> None:
    grey = generate_page(_plan("light", "grey", seed=8)).page.image
    assert grey.ndim == 2 and len(np.unique(grey)) > 2
    entry = write_page(_plan("light", "bilevel", seed=8), tmp_path)
    with Image.open(tmp_path / entry["image"]) as image:
        assert image.mode == "1" and round(image.info["dpi"][0]) == DPI  # PNG keeps dots/metre
        assert set(np.unique(np.asarray(image.convert("L")))) <= {0, 255}


def test_levels_get_harder() -> None:
    rng = np.random.default_rng(0)
    clean = [level_style("clean", variant="colour", rng=rng) for _ in range(5)]
    heavy = [level_style("heavy", variant="colour", rng=rng) for _ in range(5)]
    assert max(s.blur_sigma for s in clean) < min(s.blur_sigma for s in heavy)
    assert max(s.speckles for s in clean) < min(s.speckles for s in heavy)
    assert all(s.folds == 0 and s.illumination == 0 for s in clean)


def test_scale_style_keeps_the_look_at_600_dpi() -> None:
    style = scale_style(level_style("light", variant="grey", rng=np.random.default_rng(1)), dpi=600)
    assert (style.page_rows, style.page_cols, style.dpi) == (7016, 4960, 600)
    assert style.pitch_px in (50, 60)


def test_requested_region_types_are_drawn() -> None:
    rng = np.random.default_rng(4)
    style = scale_style(level_style("light", variant="colour", rng=rng), dpi=DPI)
    geo = sample_geometry(rng, dpi=DPI, page_rows=style.page_rows, page_cols=style.page_cols)
    doc = next(d for d in corpus_documents() if d.source == "ivanov-1955.txt")
    typed = type_page(doc, geo, kind="last", rng=rng)
    assert typed.signature is not None
    plans = [
        StampPlan("registry", "violet", geo.px(700), geo.px(340), over_text=True),
        StampPlan("seal", "blue", geo.px(420), geo.px(420), over_text=False, band="bottom"),
    ]
    marks = place_marks(plans, typed, geo, rng)
    spec = PageSpec(
        lines=typed.lines, stamps=marks.stamps, handwriting=marks.handwriting, marks=marks.marks
    )
    page = render_page(spec, seed=4, style=style)
    kinds = Counter(r.type for r in page.regions)
    assert kinds["stamp"] == 2 and kinds["handwriting"] >= 1 and kinds["signature"] == 1
    non_typed = [r for r in page.regions if r.type not in ("typed_line", "fold", "punch_hole")]
    assert len(marks.details) == len(non_typed)
    assert {d["shape"] for d in marks.details if "shape" in d} >= {"rectangular", "round"}


def test_typed_pages_carry_no_marks_and_stamped_pages_do() -> None:
    typed = generate_page(_plan(marked=False, seed=9)).page.regions
    assert {r.type for r in typed} <= {"typed_line", "fold", "punch_hole"}
    stamped = generate_page(_plan(marked=True, seed=9)).page.regions
    assert any(r.type == "stamp" for r in stamped)


def test_a_set_spreads_levels_and_stamps_evenly(tmp_path: Path) -> None:
    plans = plan_set(pages=64, seed=1955)
    per_level = Counter((p.level, p.marked) for p in plans)
    assert set(per_level.values()) == {8} and len(per_level) == 8
    assert {p.variant for p in plans} == {"colour", "grey", "bilevel"}
    manifest = generate_set(tmp_path, pages=2, seed=3, levels=("clean",), dpi=DPI)
    assert [i["stamped"] for i in manifest["items"]] == [True, False]
    assert json.loads((tmp_path / "manifest.json").read_text("utf-8")) == manifest


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown degradation level"):
        plan_set(pages=1, seed=1, levels=("ruined",))
