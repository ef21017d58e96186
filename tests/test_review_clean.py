"""A clean typed page shows a reviewer its misreadings only (issue 20): a typed descender touching
the letter below is no handwriting, and doubts on consecutive lines of a paragraph are one item.
The page is an ``ocr synth`` page of the review benchmark's tuning set (bench/review_set.py, seed
2101), read by the pipeline with a real tesseract."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.batch import run_batch
from ocr.flag_records import Flag
from ocr.fsutil import atomic_write_bytes
from ocr.settings import load_settings
from tests.conftest import REALDATA, needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]

PAGE = "synth-029-clean-colour-typed"  # "у" of "урожай" touches the "6" of "67" below it


@pytest.fixture(scope="module")
def page_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clean")


@pytest.fixture(scope="module")
def page_items(page_dir: Path) -> list[Flag]:
    return _synth_items(page_dir, PAGE, seed=2101)


def _render(tmp: Path, name: str, *, seed: int) -> Path:
    """A folder holding one ``ocr synth`` page of the review benchmark's set of ``seed``."""
    from ocr_synth.generate import build_page, encode_image, plan_set
    from ocr_synth.render import render_page

    plan = next(p for p in plan_set(pages=48, seed=seed) if p.name == name)
    spec, style, _, _, _ = build_page(plan)
    scans = tmp / "scans"
    scans.mkdir()
    image = render_page(spec, seed=plan.seed, style=style)
    atomic_write_bytes(scans / f"{name}.jpg", encode_image(image, bilevel=False))
    return scans


def _synth_items(tmp: Path, name: str, *, seed: int) -> list[Flag]:
    """Review items of one ``ocr synth`` page of the review benchmark, read without reference."""
    scans = _render(tmp, name, seed=seed)
    settings = load_settings(None, output_dir=tmp / "out", workers=1, languages="rus")
    result = run_batch([scans], gt_dir=None, settings=settings)
    assert not result.failures
    return list(result.documents[0].flags)


def test_a_descender_touching_the_next_line_is_no_handwriting(page_items: list[Flag]) -> None:
    writing = [f for f in page_items if f.type in ("handwriting", "signature")]
    assert not writing, [(f.type, f.box, f.reason) for f in writing]


def test_a_clean_typed_page_shows_only_its_misreadings(
    page_items: list[Flag], page_dir: Path
) -> None:
    """Two places the OCR misread at most, one item each (four before: the touching
    descender as handwriting, and the date and its number apart). The date "28.03.56 г.",
    misread "28.03 56." by stock tesseract, is read right when read again alone
    (ocr.linereads), and the registry number under it, "№ 660", whose "№" tesseract reads "Х",
    gets its mark back (ocr.marks), so neither is left in doubt."""
    assert len(page_items) <= 2, [(f.kind, f.ocr_text, f.box) for f in page_items]
    assert not [f for f in page_items if "28.03" in f.ocr_text], [f.ocr_text for f in page_items]
    number = [f for f in page_items if f.box.top > 1900 and f.box.left < 700]
    assert not number, [(f.ocr_text, f.box) for f in page_items]
    text = (page_dir / "out" / PAGE / f"{PAGE}.txt").read_text(encoding="utf-8")
    assert "№ 660" in text, text


def test_slanted_typing_is_no_stamp_and_no_handwriting(tmp_path: Path) -> None:
    """Slanted typing whose letters touch (a page of the benchmark's held-out set): its words
    traced no stamp frame and its descenders touching the breve of "й" below no handwriting
    (two false stamps and two handwriting finds before)."""
    items = _synth_items(tmp_path, "synth-021-clean-grey-typed", seed=2202)
    found = [f for f in items if f.type in ("stamp", "handwriting", "signature")]
    assert not found, [(f.type, f.box, f.reason) for f in found]


NOISY = "bljd-DSN390-DSN355-D__bljd_DSN355_00002"  # grey speckled paper, pen and pencil marks
# A red circled mark and a stretch of a pencil stroke, each about two typed lines high, near
# typing: paper specks beside them pass for typed glyphs (left, top, width, height).
MARKS = ((812, 1249, 69, 71), (1092, 2124, 13, 62))
DESCENDER = ("2013004387-1962-cata__FRAN_0011_11140_L-medium", (244, 344, 16, 42))  # "g" on "6"


def _regions(name: str, tmp_path: Path) -> list:
    """The page through preprocessing (no deskew, so the boxes stay), tesseract and detection."""
    import cv2

    from ocr.detect import detect_page
    from ocr.preprocess import preprocess
    from ocr.stages.preprocess import find_colour_stamps
    from ocr.tesseract import read_words, run_ocr

    image = cv2.imread(str(REALDATA / "typescript-fr" / f"{name}.jpg"), cv2.IMREAD_COLOR)
    pre = preprocess(image, deskew=False, find_stamps=find_colour_stamps)
    cv2.imwrite(str(tmp_path / "page.png"), pre.ocr_image)
    out = run_ocr(
        tmp_path / "page.png",
        tmp_path / "page",
        languages="fra",
        psm=3,
        oem=1,
        dpi=300,
        timeout=300,
        formats=("tsv",),
    )
    words = read_words(out.tsv)
    return detect_page(pre.view_image, pre.ocr_image, pre.colour_ink_mask, words)


def _hit(region_box: object, box: tuple[int, int, int, int]) -> bool:
    left, top, width, height = box
    b = region_box
    return (
        min(b.right, left + width) > max(b.left, left)  # type: ignore[attr-defined]
        and min(b.bottom, top + height) > max(b.top, top)  # type: ignore[attr-defined]
    )


def test_pen_marks_beside_speckled_typing_stay_handwriting(tmp_path: Path) -> None:
    marks = [r for r in _regions(NOISY, tmp_path) if r.type in ("handwriting", "signature")]
    for box in MARKS:
        assert any(_hit(r.box, box) for r in marks), (box, [(r.type, r.box) for r in marks])


def test_a_real_typed_descender_touching_a_date_is_no_handwriting(tmp_path: Path) -> None:
    name, box = DESCENDER
    writing = [r for r in _regions(name, tmp_path) if r.type in ("handwriting", "signature")]
    assert not any(_hit(r.box, box) for r in writing), [(r.type, r.box) for r in writing]
