"""Tables read across on real pages: the 1962 catalogue page (tests/resources/typescript-fr-tables)
is read row by row, as its transcription is, and no worse than stock tesseract (its CER recorded
as a fixture); one-column pages (a real typescript, a rendered page) are read as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RESOURCES, needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]
TABLES = RESOURCES / "typescript-fr-tables"
FR = RESOURCES / "typescript-fr"
STOCK = json.loads((TABLES / "stock_cer.json").read_text(encoding="utf-8"))["stock"]
CATALOGUE = "2013004387-1962-cata__FRAN_0011_11086_L-medium"
ONE_POINT = 0.01


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory):
    """`ocr run` (run_batch) over the catalogue page with fra."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    out = tmp_path_factory.mktemp("tables")
    settings = load_settings(None, output_dir=out, workers=1, languages="fra")
    result = run_batch([TABLES / f"{CATALOGUE}.jpg"], gt_dir=None, settings=settings)
    assert not result.failures
    (document,) = result.documents
    return document


def _cer(text: str) -> float:
    from ocr.score import normalise, score_text
    from ocr_synth.alto import typed_text

    truth = typed_text(TABLES / f"{CATALOGUE}.xml")
    return score_text(normalise(truth), normalise(text)).cer


def test_a_typed_table_is_read_row_by_row_and_no_worse_than_stock(catalogue) -> None:
    cer = _cer(catalogue.text_path.read_text("utf-8"))
    stock = STOCK[CATALOGUE]["cer"]
    print(f"{CATALOGUE}: pipeline CER {cer:.4f}, stock {stock:.4f}")
    assert cer <= stock + ONE_POINT
    # Read down its columns (as stock tesseract and the pipeline before ocr.order read it) the
    # page is at 47-49 %; row by row it is under half of that.
    assert cer < 0.5 * stock
    (page,) = catalogue.pages
    assert page.choice is not None and "read as" in page.choice.order
    report = json.loads(catalogue.report_path.read_text("utf-8"))
    assert report["pages"][0]["provenance"]["readings"]["order"] == page.choice.order


def test_the_catalogue_s_rows_hold_their_number_then_their_title(catalogue) -> None:
    lines = [line.strip() for line in catalogue.text_path.read_text("utf-8").splitlines()]
    # item 52's row: its number, then its title, before item 53's number (read down the
    # columns, every number comes before every title)
    title = next(i for i, line in enumerate(lines) if "étiez belle" in line)
    assert lines.index("52") < title < lines.index("53")


def _read(image: Path, tmp_path: Path, language: str, dpi: int | None):
    from ocr.tesseract import read_words, run_ocr

    out = run_ocr(
        image,
        tmp_path / image.stem,
        languages=language,
        psm=3,
        oem=1,
        dpi=dpi,
        timeout=120,
        formats=("tsv",),
    )
    return read_words(out.tsv)


@pytest.mark.parametrize(
    "name", ["12148-btv1b52502601r__42_5ca0e_default", "12148-btv1b53097347b__27_02656_default"]
)
def test_a_one_column_typescript_is_left_as_read(tmp_path: Path, name: str) -> None:
    from ocr.order import table_order

    words = _read(FR / f"{name}.jpg", tmp_path, "fra", None)
    assert len(words) > 30
    assert table_order(words) is None


def test_a_rendered_page_is_left_as_read(tmp_path: Path) -> None:
    from ocr.order import table_order
    from tests.conftest import render_text_page

    page = render_text_page(tmp_path / "clean.png")
    words = _read(page, tmp_path, "eng", 150)
    assert len(words) > 20
    assert table_order(words) is None


def _guard(words):
    """The guard's two figures on a page's words: the share of its rows that hold a number and
    how much better its lines run on as read than in rows."""
    from ocr.order import flows, layout, numbered, rows_of

    page = layout(words)
    assert page is not None
    rows = rows_of(page.text, page.tolerance)
    return numbered(words, rows), flows(words, page.text, rows).evidence


def test_two_facing_pages_of_a_play_in_a_dark_bed_are_left_as_read(tmp_path: Path) -> None:
    """Two tuning pages of a play (its act's title page and a page of dialogue) side by side in
    a dark scanner bed, as bench/order_cases.py makes its spreads: not put in rows, and the
    guard alone says so (its rows hold no number, or its lines run on better as read)."""
    import cv2

    from bench.order_cases import spread
    from ocr.order import RULE, table_order

    left = cv2.imread(str(FR / "12148-btv1b52502601r__42_5ca0e_default.jpg"), cv2.IMREAD_COLOR)
    right = cv2.imread(str(FR / "12148-btv1b52502601r__11_da54b_default.jpg"), cv2.IMREAD_COLOR)
    image = tmp_path / "spread.jpg"
    cv2.imwrite(str(image), spread(left, right, bed=True))
    words = _read(image, tmp_path, "fra", None)
    assert len(words) > 30
    assert table_order(words) is None
    rows_numbered, evidence = _guard(words)
    assert rows_numbered < RULE.min_numbered or evidence > RULE.max_flow


def test_the_catalogue_passes_the_guard(tmp_path: Path) -> None:
    """The 1962 catalogue page as psm 3 reads it: put in rows, its rows hold numbers and its
    columns do not run on."""
    from ocr.order import RULE, table_order

    words = _read(TABLES / f"{CATALOGUE}.jpg", tmp_path, "fra", None)
    assert table_order(words) is not None
    rows_numbered, evidence = _guard(words)
    assert rows_numbered >= RULE.min_numbered and evidence <= RULE.max_flow
