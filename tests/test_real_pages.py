"""Real archival typescripts (tests/resources/typescript-fr): the pipeline reads no worse than
stock tesseract on the same image (its CER recorded as a fixture), every box lands on its ink in
the page as loaded, and a page with ink but no text is never silent."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import RESOURCES, needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]
FR = RESOURCES / "typescript-fr"
STOCK = json.loads((FR / "stock_cer.json").read_text(encoding="utf-8"))["stock"]
VIOLET = "12148-btv1b52502601r__42_5ca0e_default"
DARK_FRAME = "12148-btv1b52502601r__11_da54b_default"
GUTTER = "12148-btv1b53097347b__27_02656_default"
ONE_POINT = 0.01


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """`ocr run` (run_batch) over the three pages with fra."""
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    out = tmp_path_factory.mktemp("real")
    settings = load_settings(None, output_dir=out, workers=2, languages="fra")
    result = run_batch(
        [FR / f"{n}.jpg" for n in (VIOLET, DARK_FRAME, GUTTER)], gt_dir=None, settings=settings
    )
    assert not result.failures
    return {d.scan.document: d for d in result.documents}


def _cer(document) -> float:
    from ocr.score import normalise, score_text
    from ocr_synth.alto import typed_text

    truth = typed_text(FR / f"{document.scan.document}.xml")
    return score_text(normalise(truth), normalise(document.text_path.read_text("utf-8"))).cer


@pytest.mark.parametrize("name", [VIOLET, DARK_FRAME, GUTTER])
def test_no_worse_than_stock_tesseract_on_the_same_image(run, name: str) -> None:
    cer = _cer(run[name])
    print(f"{name}: pipeline CER {cer:.4f}, stock {STOCK[name]['cer']:.4f}")
    assert cer <= STOCK[name]["cer"] + ONE_POINT


def test_the_violet_typing_is_not_removed_as_stamp_ink(run) -> None:
    (page,) = run[VIOLET].pages
    assert page.prepared.text_ink.name == "violet"
    assert page.word_count > 50
    # The typing is neither a violet stamp nor violet handwriting (a pen).
    assert not [
        f
        for f in run[VIOLET].flags
        if f.type in ("stamp", "handwriting", "signature") and f.category == "violet"
    ]


def _frame_of_processed(tmp_path: Path, name: str):
    """The processed page of a real scan, made as the pipeline makes it."""
    from ocr.load import inspect_scan, load_page
    from ocr.preprocess import preprocess
    from ocr.stages.preprocess import find_colour_stamps

    scan = inspect_scan(FR / f"{name}.jpg", dpi=300, max_pixels=200_000_000)
    page = load_page(scan, 1, dpi=300, max_pixels=200_000_000)
    options = dict(binarize_output=False, page_frame=True, dpi=page.dpi)
    return page.image, preprocess(page.image, find_stamps=find_colour_stamps, **options)


def test_a_cropped_page_s_word_boxes_land_on_their_words_in_the_original(tmp_path: Path) -> None:
    """Read the processed (deskewed, cropped) gutter page, move its TSV to the original's pixels
    (ocr.reframe) and find each confident word on the transcribed line that holds it."""
    from ocr.reframe import reframe_outputs
    from ocr.tesseract import read_words, run_ocr
    from ocr_synth.alto import read_alto_lines

    original, pre = _frame_of_processed(tmp_path, GUTTER)
    geometry = pre.geometry
    assert geometry.crop.left > 0  # the gutter was cut off: the frame is not the page
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), pre.ocr_image)
    out = run_ocr(
        image,
        tmp_path / "p001",
        languages="fra",
        psm=3,
        oem=1,
        dpi=200,
        timeout=120,
        formats=("tsv", "hocr", "alto"),
    )
    framed = read_words(out.tsv)
    reframe_outputs(out.outputs, geometry, image_name="p001.view.jpg")
    words = read_words(out.tsv)
    lines = read_alto_lines(FR / f"{GUTTER}.xml")
    sure = [w for w in words if w.conf > 80 and len(w.text) >= 4]
    assert len(sure) >= 10
    landed = 0
    for word in sure:
        holders = [ln for ln in lines if word.text in ln.text]
        centre = (word.box.left + word.box.width / 2, word.box.top + word.box.height / 2)
        landed += any(
            ln.box.left <= centre[0] <= ln.box.right and ln.box.top <= centre[1] <= ln.box.bottom
            for ln in holders
        )
    assert landed >= 0.9 * len(sure), f"{landed} of {len(sure)} words on their line"
    shift = [
        (a.box.left - b.box.left, a.box.top - b.box.top) for a, b in zip(words, framed, strict=True)
    ]
    assert all(dx >= geometry.crop.left - 50 for dx, _ in shift)  # moved by the crop, not left
    ink = original if original.ndim == 2 else cv2.cvtColor(original, cv2.COLOR_BGR2GRAY)
    for word in sure[:10]:  # and the original page has ink inside each box
        b = word.box
        assert np.count_nonzero(ink[b.top : b.bottom, b.left : b.right] < 140) > 20, word.text


def test_the_review_view_is_the_page_as_loaded(run) -> None:
    (page,) = run[GUTTER].pages
    view = cv2.imread(str(page.prepared.view_path))
    assert view.shape[:2] == (page.prepared.rows, page.prepared.cols)
    assert page.prepared.geometry.crop.left > 0 and page.prepared.paper_share < 1.0
    report = json.loads(run[GUTTER].report_path.read_text("utf-8"))
    assert report["pages"][0]["geometry"]["crop"] == page.prepared.geometry.crop.as_list()


def _scribbled_page(path: Path) -> Path:
    """A page of pen scribbles: plenty of letter-sized ink, no text tesseract can read."""
    rng = np.random.default_rng(5)
    page = np.full((1754, 1240), 245, np.uint8)
    for _ in range(300):
        points = np.cumsum(rng.normal(0, 6, (8, 2)), axis=0) + rng.integers(100, 1100, 2)
        cv2.polylines(page, [points.astype(np.int32)], False, 30, 2)
    cv2.imwrite(str(path), page)
    return path


def test_a_page_with_ink_and_no_text_is_warned_flagged_first_and_counted(tmp_path: Path) -> None:
    from ocr.batch import batch_summary, run_batch
    from ocr.page_checks import NO_TEXT_ON_INK, NO_TEXT_REASON
    from ocr.review.decisions import QueueFilter, queue
    from ocr.settings import load_settings
    from ocr.store import Store
    from tests.conftest import render_text_page

    scans = tmp_path / "scans"
    scans.mkdir()
    _scribbled_page(scans / "scribbles.png")
    render_text_page(scans / "typed.png")  # a page that reads: no warning
    settings = load_settings(None, output_dir=tmp_path / "out", workers=1, dpi=150)
    result = run_batch(
        [scans / "scribbles.png", scans / "typed.png"], gt_dir=None, settings=settings
    )
    docs = {d.scan.document: d for d in result.documents}
    (page,) = docs["scribbles"].pages
    assert [w.kind for w in page.warnings] == [NO_TEXT_ON_INK]
    assert page.choice.doubt and len(page.choice.readings) == 2  # both images were read
    assert not docs["typed"].pages[0].warnings
    report = json.loads(docs["scribbles"].report_path.read_text("utf-8"))
    (warning,) = report["pages"][0]["warnings"]
    assert warning["kind"] == NO_TEXT_ON_INK and warning["ink_blobs"] >= 40
    summary = batch_summary(result, settings=settings)
    assert summary["empty_pages"] == 1
    assert summary["empty_page_list"][0]["document"] == "scribbles"
    with Store(settings.db_url).session() as session:
        top = queue(session, QueueFilter(run=result.run_id))[0]
        assert (top.type, top.reason, top.severity) == (NO_TEXT_ON_INK, NO_TEXT_REASON, 1.0)


def test_a_clean_page_costs_one_tesseract_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocr.readings as readings
    from ocr.batch import run_batch
    from ocr.settings import load_settings
    from tests.conftest import render_text_page

    calls: list[Path] = []
    real = readings.run_ocr
    monkeypatch.setattr(
        readings, "run_ocr", lambda image, *a, **k: calls.append(image) or real(image, *a, **k)
    )
    scan = render_text_page(tmp_path / "clean.png")
    settings = load_settings(
        None, output_dir=tmp_path / "out", workers=1, dpi=150, detectors=[], read_stamps=False
    )
    result = run_batch([scan], gt_dir=None, settings=settings)
    (page,) = result.documents[0].pages
    assert calls == [scan.resolve()]  # the scan file itself, as stock tesseract reads it
    assert page.tesseract_calls == 1 and page.choice.kept == "original" and not page.choice.doubt
    assert not (tmp_path / "out" / "clean" / "p001.ocr.png").exists()  # nothing preprocessed


@pytest.mark.unit
def test_the_prefect_summary_counts_the_empty_pages() -> None:
    from flows.artifacts import summary_markdown
    from ocr.results import BatchSummary

    summary = {
        "run_id": "r1",
        "status": "completed",
        "seconds": 1.0,
        "failures": [],
        "warnings": [],
        "skipped": [],
        "cached_pages": 0,
        "stage_seconds": {},
        "pages_done": 3,
        "pages_failed": 0,
        "cer": None,
        "wer": None,
        "flags": {},
        "documents": [],
        "empty_pages": 1,
        "empty_page_list": [{"document": "scribbles", "page": 2, "message": "..."}],
    }
    text = summary_markdown(BatchSummary.from_json(summary), index=None)
    assert "pages with ink but no text recognised: **1**" in text
    assert "scribbles page 2" in text
