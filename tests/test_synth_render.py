"""Unit tests of the synthetic typescript renderer and of the shipped sample's ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ocr_synth import (
    Handwriting,
    PageSpec,
    Paragraph,
    Region,
    RenderStyle,
    Stamp,
    layout_paragraphs,
    letter_spaced,
    read_alto_lines,
    render_page,
    wrap_paragraph,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
STEM = "ivanov-journal-1955-12-24"
SMALL = RenderStyle(page_rows=1400, page_cols=1100)  # a corner of A4: same scale, faster
PARAGRAPHS = (
    Paragraph(
        "согласился, в пределах до 30 млрд. руб. Корейские друзья намерены заказать "
        "в ГДР некоторое количество оборудования."
    ),
    Paragraph("24 декабря", align="centre", space_before=0.5),
    Paragraph(
        "Посетил Нам Ира. По просьбе последнего советником при научно-исследовательском "
        "институте земледелия тов. Сунцовым, указом от 29.XII.55 года.",
        indent=5,
        space_before=0.5,
    ),
    Paragraph(letter_spaced("ДНЕВНИК"), align="centre"),
)
STAMP = Stamp(
    ("МИД СССР", "Дипломатический отдел", "", "Вх. № 0404с", "7-1-1956"),
    left=60,
    top=820,
    width=620,
    height=300,
)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def spec() -> PageSpec:
    lines = layout_paragraphs(
        PARAGRAPHS, left=120, first_baseline=150, width_chars=30, pitch_px=30, line_px=75
    )
    hands = (Handwriting("25", left=330, top=960, height=55), Handwriting("93", left=900, top=60))
    return PageSpec(lines=lines, stamps=(STAMP,), handwriting=hands)


@pytest.fixture(scope="module")
def page(spec: PageSpec):
    return render_page(spec, seed=7, style=SMALL)


def _mask(region: Region, shape: tuple[int, ...]) -> np.ndarray:
    """A boolean mask of a region's polygon on an image of ``shape``."""
    mask = np.zeros(shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [np.array(region.polygon, dtype=np.int32)], 1)
    return mask.astype(bool)


def _violet_share(image: np.ndarray, mask: np.ndarray) -> tuple[int, float]:
    """How many inked pixels under ``mask`` are saturated violet, and their share of the ink."""
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV_FULL).astype(int)
    hue_deg = hsv[..., 0] * 360 / 256
    ink = mask & (hsv[..., 2] < 180)
    violet = ink & (hue_deg > 250) & (hue_deg < 310) & (hsv[..., 1] > 70)
    return int(violet.sum()), float(violet.sum() / max(int(ink.sum()), 1))


def test_same_seed_gives_identical_pixels_and_regions(spec: PageSpec, page) -> None:
    again = render_page(spec, seed=7, style=SMALL)
    assert again.image.tobytes() == page.image.tobytes()
    assert again.to_dict() == page.to_dict()


def test_another_seed_gives_another_page(spec: PageSpec, page) -> None:
    other = render_page(spec, seed=8, style=SMALL)
    assert other.image.tobytes() != page.image.tobytes()


def test_a_generator_works_as_the_seed(spec: PageSpec, page) -> None:
    assert render_page(spec, seed=np.random.default_rng(7), style=SMALL).image.tobytes() == (
        page.image.tobytes()
    )


def test_image_is_rgb_page_sized_uint8(page) -> None:
    assert page.image.shape == (SMALL.page_rows, SMALL.page_cols, 3)
    assert page.image.dtype == np.uint8
    assert 0.5 <= abs(page.angle_deg) <= 1.5


def test_every_region_lies_inside_the_page(spec: PageSpec, page) -> None:
    rows, cols = page.image.shape[:2]
    assert len(page.regions) == len(spec.lines) + 1 + 2  # typed lines, the stamp, two hands
    for region in page.regions:
        box = region.box
        assert box.width > 0 and box.height > 0
        assert 0 <= box.left and box.right <= cols and 0 <= box.top and box.bottom <= rows
        for x, y in region.polygon:
            assert box.left <= x <= box.right and box.top <= y <= box.bottom


def test_typed_lines_round_trip_to_the_text(page) -> None:
    typed = [r.text for r in page.regions if r.type == "typed_line"]
    assert normalise_space(" ".join(typed)) == normalise_space(" ".join(p.text for p in PARAGRAPHS))
    assert page.typed_text == "\n".join(typed)
    assert "29.XII.55" in page.typed_text  # Latin X and I survive


def test_stamp_and_handwriting_regions_carry_their_text(page) -> None:
    by_kind = {
        kind: [r.text for r in page.regions if r.type == kind] for kind in ("stamp", "handwriting")
    }
    assert by_kind["stamp"] == ["МИД СССР\nДипломатический отдел\nВх. № 0404с\n7-1-1956"]
    assert by_kind["handwriting"] == ["25", "93"]


def test_typed_regions_hold_dark_ink(page) -> None:
    grey = cv2.cvtColor(page.image, cv2.COLOR_RGB2GRAY)
    for region in page.regions:
        if region.type == "typed_line":
            box = region.box
            assert grey[box.top : box.bottom, box.left : box.right].min() < 110, region.text


def test_stamp_ink_is_saturated_violet(page) -> None:
    stamp = next(r for r in page.regions if r.type == "stamp")
    mask = _mask(stamp, page.image.shape)
    for other in page.regions:  # typing and the pen under or over the stamp are not its ink
        if other.type != "stamp":
            mask &= ~_mask(other, page.image.shape)
    count, share = _violet_share(page.image, mask)
    assert count > 2000 and share > 0.5
    first_line = next(r for r in page.regions if r.type == "typed_line")
    assert _violet_share(page.image, _mask(first_line, page.image.shape))[0] < 20


def test_handwriting_is_blue_ink_not_black(page) -> None:
    hand = next(r for r in page.regions if r.text == "93")
    box = hand.box
    patch = page.image[box.top : box.bottom, box.left : box.right].astype(int)
    ink = patch.sum(axis=2) < 400
    red, green, blue = (patch[..., c][ink].mean() for c in range(3))
    assert ink.sum() > 300 and blue > red + 30 and blue > green + 20


def test_carbon_copy_repeats_the_keystrokes(spec: PageSpec) -> None:
    flat = RenderStyle(page_rows=1400, page_cols=1100, skew_deg=(0.0, 0.0))
    top = render_page(spec, seed=1, style=flat)
    carbon = render_page(spec, seed=2, style=flat, typing_seed=1)
    boxes = [(r.box, r.text) for r in top.regions if r.type == "typed_line"]
    assert boxes == [(r.box, r.text) for r in carbon.regions if r.type == "typed_line"]
    assert carbon.image.tobytes() != top.image.tobytes()


def test_grayscale_style_gives_a_2d_page(spec: PageSpec) -> None:
    grey = render_page(
        spec, seed=3, style=RenderStyle(page_rows=1400, page_cols=1100, grayscale=True)
    )
    assert grey.image.ndim == 2 and grey.image.dtype == np.uint8


def test_regions_serialise_to_json_and_back(page) -> None:
    data = json.loads(json.dumps(page.to_dict(), ensure_ascii=False))
    assert [Region.from_dict(r) for r in data["regions"]] == list(page.regions)
    assert data["width"] == SMALL.page_cols and data["height"] == SMALL.page_rows


def test_wrap_never_splits_words_or_hyphenates() -> None:
    text = "при научно-исследовательском институте земледелия тов. Сунцовым был подготовлен"
    lines = wrap_paragraph(text, width_chars=20, indent=5)
    assert lines[0].startswith("     ")
    assert " ".join(line.strip() for line in lines) == text
    assert "научно-исследовательском" in [w for line in lines for w in line.split()]


def test_handwriting_refuses_letters_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="no handwriting strokes"):
        render_page(
            PageSpec(handwriting=(Handwriting("Ж", left=10, top=10),)),
            seed=0,
            style=RenderStyle(page_rows=300, page_cols=300),
        )


def test_alto_reader_joins_strings_per_line_in_document_order(tmp_path: Path) -> None:
    alto = tmp_path / "page.xml"
    alto.write_text(
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page><PrintSpace>'
        '<TextBlock><TextLine ID="b" HPOS="5" VPOS="90" WIDTH="50" HEIGHT="20">'
        '<Shape><Polygon POINTS="5 90 55 90 55 110 5 110"/></Shape>'
        '<String CONTENT="second"/><SP/><String CONTENT="line"/></TextLine>'
        '<TextLine ID="a" HPOS="5" VPOS="10" WIDTH="50" HEIGHT="20">'
        '<String CONTENT="first line"/></TextLine></TextBlock>'
        "</PrintSpace></Page></Layout></alto>",
        encoding="utf-8",
    )
    lines = read_alto_lines(alto)
    assert [line.text for line in lines] == ["second line", "first line"]
    assert lines[0].box.as_list() == [5, 90, 50, 20]
    assert lines[0].polygon[:2] == ((5, 90), (55, 90))


@pytest.mark.parametrize("name", [f"{STEM}.txt", f"{STEM}-entry.txt"])
def test_shipped_reference_keeps_the_archive_errors(name: str) -> None:
    reference = (ROOT / "ground_truth" / name).read_text(encoding="utf-8")
    corrected = (ROOT / "tests" / "resources" / "seed-corrected" / name).read_text(encoding="utf-8")
    assert "Метров" in reference and "Петров" not in reference
    assert "Петров" in corrected and "Метров" not in corrected
    assert "30 млрдруб." in reference and "30 млрд. руб." in corrected
    assert "29.XII.55" in reference and "29.XII.55" in corrected  # Latin, in both
    for text in (reference, corrected):
        assert "**" not in text and "#" not in text and "\f" not in text
        assert text.rstrip().endswith("Серегин.")


def test_shipped_full_reference_has_the_header_errors() -> None:
    reference = (ROOT / "ground_truth" / f"{STEM}.txt").read_text(encoding="utf-8")
    corrected = (ROOT / "tests" / "resources" / "seed-corrected" / f"{STEM}.txt").read_text(
        encoding="utf-8"
    )
    assert reference.startswith("МИД СССР") and corrected.startswith("МИД СССР")
    assert "Г. Лхенъян" in reference and "Пхеньян" not in reference
    assert "г. Пхеньян" in corrected and "Лхенъян" not in corrected
    assert "тов. ИВАНОВУ В.И." in reference and "тов. ИВАНОВА В.И." in corrected


def test_shipped_regions_match_the_corrected_entry() -> None:
    record = json.loads((ROOT / "ground_truth" / "regions" / f"{STEM}.json").read_text("utf-8"))
    title, entry = record["pages"]
    corrected = (ROOT / "tests" / "resources" / "seed-corrected" / f"{STEM}-entry.txt").read_text(
        encoding="utf-8"
    )
    typed = [r["text"] for r in entry["regions"] if r["type"] == "typed_line"]
    assert normalise_space(" ".join(typed)) == normalise_space(corrected)
    kinds = {r["type"]: r["text"] for r in title["regions"]}
    assert kinds["stamp"].startswith("МИД СССР") and "Вх. № 0404с" in kinds["stamp"]
    assert sorted(r["text"] for r in title["regions"] if r["type"] == "handwriting") == ["25", "93"]
    for page in record["pages"]:
        for region in page["regions"]:
            left, top, width, height = region["box"]
            assert 0 <= left and left + width <= page["width"]
            assert 0 <= top and top + height <= page["height"]
