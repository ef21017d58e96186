"""What the word boxes say in the pipeline: each page's layout (ocr.correct.evidence) built from
its tesseract words, handed to its suggestions and, joined at each page's place in the document,
to apply; a speck read as a lone mark is suggested for deletion with its posterior, deleted when
that reaches the threshold, and the review app shows and removes it."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from markupsafe import escape
from PIL import Image, ImageDraw

import ocr.correct
from ocr.batch import run_batch
from ocr.correct.evidence import Layout, text_layout
from ocr.correct.stage import joined_layout, page_layout
from ocr.formats import page_text
from ocr.pipeline import DocumentResult
from ocr.results import CorrectionChange
from ocr.tesseract import OcrText, read_words, words_to_text
from tests.conftest import GOOD_TEXT, needs_tesseract, render_text_page
from tests.test_pipeline_choices import SECOND_PAGE

pytestmark = [
    pytest.mark.integration,
    needs_tesseract,
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
]

SPECK_LINE = 1  # of GOOD_TEXT: "при научно-исследовательском институте земледелия"
# The apply run's threshold: the speck's calibrated deletion score reaches it (deleting a lone
# mark is often wrong on the calibration pages, so such a score is modest).
THRESHOLD = 0.5


def _specked_page(path: Path) -> Path:
    """GOOD_TEXT with a dot of dirt two character cells after the end of one line (where
    render_text_page puts the line: 18 px a character, 62 px a line at 150 dpi)."""
    render_text_page(path)
    with Image.open(path) as page:
        img = page.convert("RGB")
    x = 110 + 18 * (len(GOOD_TEXT.splitlines()[SPECK_LINE]) + 2)
    y = 160 + 62 * SPECK_LINE + 8
    ImageDraw.Draw(img).ellipse([x, y, x + 5, y + 5], fill=(30, 30, 35))
    img.save(path, dpi=(150, 150))
    return path


@dataclass(frozen=True)
class Run:
    """One apply-mode run of a two-page scan (a clean page, then the specked one)."""

    out: Path
    doc: DocumentResult
    texts: list[OcrText]
    calls: dict[str, list[Any]]  # the layout each call of ocr.correct.suggest / apply received


def _spied(real: Any, seen: list[Any]) -> Any:
    """``real`` (ocr.correct.suggest or apply), noting the layout of each call in ``seen``."""

    def spied(text: str, **kw: Any) -> Any:
        seen.append(kw.get("layout"))
        return real(text, **kw)

    return spied


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    from ocr.settings import load_settings

    folder, pages = tmp_path_factory.mktemp("scans"), tmp_path_factory.mktemp("pages")
    one = render_text_page(pages / "one.png", SECOND_PAGE)
    two = _specked_page(pages / "two.png")
    with Image.open(one) as a, Image.open(two) as b:
        a.save(folder / "specked.tif", save_all=True, append_images=[b], dpi=(150, 150))
    calls: dict[str, list[Any]] = {"suggest": [], "apply": []}
    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as mp:
        for name, seen in calls.items():
            mp.setattr(ocr.correct, name, _spied(getattr(ocr.correct, name), seen))
        res = run_batch(
            [folder / "specked.tif"],
            gt_dir=None,
            settings=load_settings(
                None,
                output_dir=out,
                workers=1,
                dpi=150,
                correction="apply",
                correction_threshold=THRESHOLD,
            ),
        )
    (doc,) = res.documents
    return Run(out, doc, [words_to_text(read_words(p.ocr.tsv)) for p in doc.pages], calls)


def _speck(text: OcrText, layout: Layout) -> int:
    """The index of the page's one word under half the page's word height: the speck."""
    (i,) = [i for i, (s, _) in enumerate(text.spans) if layout.heights[s] < 0.5]
    return i


def test_page_layout_measures_the_blanks_of_a_real_page(run: Run) -> None:
    text = run.texts[0]  # clean monospaced type: every blank is about one character cell
    layout = page_layout(text)
    assert layout.gaps.keys() == {i for i, c in enumerate(text.text) if c == " "}
    assert all(0.8 < g < 2.0 for g in layout.gaps.values())
    assert all(h > 0.5 for h in layout.heights.values())
    words, blank = text.words, text.spans[0][1]  # after the first word, on the first line
    assert text.spans[1][0] == blank + 1 and words[1].box.left > words[0].box.right
    assert layout.gaps[blank] == pytest.approx((words[1].box.left - words[0].box.right) / 18, 0.2)
    assert layout == text_layout(
        text.text, text.spans, [(w.box.left, w.box.top, w.box.width, w.box.height) for w in words]
    )


def test_a_speck_at_a_line_end_is_a_lone_mark_with_a_small_box(run: Run) -> None:
    text = run.texts[1]
    layout = page_layout(text)
    i = _speck(text, layout)
    mark = text.words[i]
    line = text.text.splitlines()[SPECK_LINE]
    assert not any(c.isalnum() for c in mark.text) and line.endswith(" " + mark.text)
    typical = statistics.median(w.box.height for w in text.words if len(w.text) >= 4)
    assert mark.box.height < typical / 2  # under half the page's word height: a speck


def test_joined_layout_places_each_page_where_its_text_is_in_the_document(run: Run) -> None:
    first, second = run.texts
    layouts = [page_layout(t) for t in run.texts]
    whole = joined_layout([(t.text, lay) for t, lay in zip(run.texts, layouts, strict=True)])
    full = "\f".join(t.text for t in run.texts) + "\n"
    start = len(first.text) + 1
    assert layouts[1].gaps and all(
        full[start + k] == " " and whole.gaps[start + k] == g for k, g in layouts[1].gaps.items()
    )
    assert all(whole.gaps[k] == g for k, g in layouts[0].gaps.items())
    assert whole.heights == {
        **layouts[0].heights,
        **{start + k: h for k, h in layouts[1].heights.items()},
    }
    assert run.calls["suggest"] == layouts  # each page's flags read its own layout
    assert run.calls["apply"] == [whole]  # and apply the document's
    speck = start + second.spans[_speck(second, layouts[1])][0]
    mark = second.words[_speck(second, layouts[1])].text
    assert full[speck - 1 : speck + len(mark)] == " " + mark


def test_apply_mode_deletes_the_speck_s_mark_with_the_blank_before_it(run: Run) -> None:
    first, second = run.texts
    i = _speck(second, page_layout(second))
    s, e = second.spans[i]
    start = len(first.text) + 1 + s
    full = "\f".join(t.text for t in run.texts) + "\n"
    (flag,) = [f for f in run.doc.flags if f.type == "correction" and f.detail.delete]
    posterior = flag.detail.candidates[0].score
    assert run.doc.correction is not None
    deleted = [c for c in run.doc.correction.changes if c.kind == "delete"]
    assert deleted == [
        CorrectionChange(
            start=start - 1,
            end=start + e - s,
            original=" " + second.words[i].text,
            replacement="",
            score=posterior,
            kind="delete",
        )
    ]
    assert THRESHOLD <= posterior < 1
    corrected = Path(run.doc.correction.path).read_text(encoding="utf-8")
    expected = full  # the speck's deletion, and any other correction the OCR's misreads earned
    for change in sorted(run.doc.correction.changes, key=lambda c: -c.start):
        expected = expected[: change.start] + change.replacement + expected[change.end :]
    assert corrected == expected and full[start - 1 : start + e - s] not in corrected.split("\f")[1]
    assert corrected.split("\f")[1].splitlines()[SPECK_LINE] == second.text.splitlines()[
        SPECK_LINE
    ].removesuffix(" " + second.words[i].text)
    # Without the boxes the mark's height is unknown: its posterior is another one.
    alone = ocr.correct.suggest(full)
    assert all(s.best.score != posterior for s in alone if s.best and s.best.kind == "delete")


def test_the_speck_s_flag_suggests_deleting_its_word(run: Run) -> None:
    second = run.texts[1]
    i = _speck(second, page_layout(second))
    mark = second.words[i]
    (flag,) = [f for f in run.doc.flags if f.type == "correction" and f.detail.delete]
    # The item holds what the OCR read; the suggestion (to delete it) is its own field.
    # The item holds its word's box (with any other signal on that word, e.g. low confidence).
    assert (flag.page_number, flag.ocr_text) == (2, mark.text)
    assert flag.box.left <= mark.box.left and flag.box.right >= mark.box.right
    assert flag.box.top <= mark.box.top and flag.box.bottom >= mark.box.bottom
    assert flag.box.width <= 3 * mark.box.width and flag.box.height <= 3 * mark.box.height
    assert flag.suggestion == ""
    posterior = flag.detail.candidates[0].score
    assert flag.reason == (
        f'"{mark.text}" looks like dirt read as a mark; suggested deleting it '
        f"(posterior {posterior:.2f}, delete)"
    )
    # Alone, the suggestion's own span (the blank before the mark too); merged into an item with
    # another signal on that word, the item's reading (ocr.items.merge).
    assert flag.detail.original.strip() == mark.text and flag.detail.candidates[0].text == ""
    assert flag.detail.end - flag.detail.start == len(mark.text) + 1


def test_the_review_app_shows_the_speck_and_accepting_removes_its_word(run: Run) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from ocr.review.app import create_app
    from ocr.review.export import export_corrections
    from ocr.store import FlagRow, Store
    from tests.test_review_app import decide

    second = run.texts[1]
    i = _speck(second, page_layout(second))
    before_it, mark = second.words[i - 1].text, second.words[i].text
    url = f"sqlite:///{run.out / 'ocr.db'}"
    store = Store(url)
    with store.session() as s:
        (flag_id,) = [
            f.id
            for f in s.scalars(select(FlagRow).where(FlagRow.type == "correction"))
            if (f.detail or {}).get("delete")
        ]
    store.engine.dispose()
    app = create_app(url, run.out, None)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        client.get("/queue")
        html = client.get(f"/flags/{flag_id}").text
        shown = re.search(r'id="ocr-text">(.*?)</p>', html, re.S).group(1)
        assert f"{escape(before_it)} <mark>{escape(mark)}</mark>\n" in shown  # not ∅
        assert decide(client, flag_id, "accept_suggestion").status_code == 303
    app.state.store.engine.dispose()
    (result,) = export_corrections(url)
    page_xml = run.doc.pages[1].page_xml
    corrected = page_xml.with_name(page_xml.name.replace(".page.xml", ".corrected.page.xml"))
    assert result.page_xml[1] == corrected
    before = page_text(etree.parse(str(page_xml)).getroot()).splitlines()
    after = page_text(etree.parse(str(corrected)).getroot()).splitlines()
    assert before[SPECK_LINE] == second.text.splitlines()[SPECK_LINE]
    assert after == [
        *before[:SPECK_LINE],
        before[SPECK_LINE].removesuffix(" " + mark),
        *before[SPECK_LINE + 1 :],
    ]
