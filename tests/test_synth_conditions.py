"""`ocr synth --conditions`: a dark scanner bed, a facing page and gutter, violet and blue ribbons,
faded letters on yellowed paper; plain sets stay exactly as they were."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ocr_synth import PageSpec, RenderStyle, layout_paragraphs, render_page
from ocr_synth.generate import CONDITIONS, condition_style, plan_set
from ocr_synth.scanbed import dark_frame, facing_page
from tests.test_synth_render import PARAGRAPHS

pytestmark = pytest.mark.unit
SMALL = RenderStyle(page_rows=1400, page_cols=1100)


def test_plain_sets_keep_their_names_and_seeds() -> None:
    plain = plan_set(pages=8, seed=1955)
    assert plain == plan_set(pages=8, seed=1955, conditions=("plain",))
    assert all(p.condition == "plain" and "plain" not in p.name for p in plain)


def test_conditions_come_in_runs_covering_every_level_stamped_and_not() -> None:
    plans = plan_set(pages=48, seed=3, conditions=CONDITIONS)
    for condition in CONDITIONS:
        mine = [p for p in plans if p.condition == condition]
        assert len(mine) == 8
        assert {(p.level, p.marked) for p in mine} == {
            (lv, m) for lv in ("clean", "light", "medium", "heavy") for m in (True, False)
        }
        if condition in ("violet_ribbon", "blue_ribbon", "faded_yellow"):
            assert {p.variant for p in mine} == {"colour"} and all(
                condition in p.name for p in mine
            )
    with pytest.raises(ValueError):
        plan_set(pages=4, seed=3, conditions=("sideways",))


def test_ribbons_and_faded_paper_change_ink_and_paper() -> None:
    rng = np.random.default_rng(0)
    violet = condition_style(SMALL, "violet_ribbon", rng=rng).ink_rgb
    blue = condition_style(SMALL, "blue_ribbon", rng=rng).ink_rgb
    assert violet[2] > violet[1] + 50 and violet[0] > violet[1]  # red and blue over green
    assert blue[2] > blue[0] + 60
    faded = condition_style(SMALL, "faded_yellow", rng=rng)
    assert faded.paper_rgb[2] < faded.paper_rgb[0] - 50  # yellowed: blue absorbed
    assert faded.ink_density < SMALL.ink_density and faded.ink_rgb[0] > faded.ink_rgb[2]


def test_beds_surround_the_sheet_and_say_where_it_went() -> None:
    sheet = np.full((400, 300, 3), 0.9, np.float32)
    framed, (dx, dy) = dark_frame(sheet, rng=np.random.default_rng(1))
    assert dx > 0 and dy > 0 and framed.shape[0] > 400 and framed.shape[1] > 300
    assert framed[: int(dy), :].mean() < 0.3
    assert abs(framed[int(dy) + 5, int(dx) + 5, 0] - 0.9) < 1e-6
    book, (gx, gy) = facing_page(sheet, rng=np.random.default_rng(2))
    assert gy == 0 and book.shape[0] == 400 and book.shape[1] == 300 + gx
    fold = book[:, : int(gx)].mean(axis=(0, 2))
    assert fold.min() < 0.6 and abs(book[:, -1].mean() - 0.9) < 1e-6


@pytest.mark.parametrize("bed", ["dark_frame", "gutter"])
def test_typed_lines_are_boxed_where_they_are_on_the_bed(bed: str) -> None:
    lines = layout_paragraphs(
        PARAGRAPHS, left=120, first_baseline=150, width_chars=30, pitch_px=30, line_px=75
    )
    style = dataclasses.replace(SMALL, bed=bed, skew_deg=(0.0, 0.0), grayscale=True)
    page = render_page(PageSpec(lines=lines), seed=5, style=style)
    plain = render_page(PageSpec(lines=lines), seed=5, style=dataclasses.replace(style, bed=""))
    assert page.image.shape[1] > plain.image.shape[1]
    for moved, still in zip(page.regions, plain.regions, strict=True):
        dx, dy = moved.box.left - still.box.left, moved.box.top - still.box.top
        assert dx > 0 and (dy > 0) == (bed == "dark_frame")
        crop = page.image[moved.box.top : moved.box.bottom, moved.box.left : moved.box.right]
        assert crop.min() < 120  # typing under the box
