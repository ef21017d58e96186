"""The shipped sample: the pipeline meets its accuracy bar, shows the reference's known errors."""

from __future__ import annotations

import re

import pytest

from tests.conftest import RESOURCES, ROOT, needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]
ENTRY = "ivanov-journal-1955-12-24-entry"
JOURNAL = "ivanov-journal-1955-12-24"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    out = tmp_path_factory.mktemp("sample-out")
    settings = load_settings(None, output_dir=out, workers=2)
    scans = [ROOT / "scans" / f"{ENTRY}.tif", ROOT / "scans" / f"{JOURNAL}.pdf"]
    result = run_batch(scans, gt_dir=ROOT / "ground_truth", settings=settings)
    return {d.scan.document: d for d in result.documents}, result


def test_entry_page_cer_against_corrected_reference(sample) -> None:
    from ocr.score import normalise, score_text

    def lines(text: str) -> str:  # the reference's blank lines are layout, not recognition
        return re.sub("\n{2,}", "\n", normalise(text)).strip("\n")

    docs, result = sample
    assert not result.failures
    corrected = lines((RESOURCES / "seed-corrected" / f"{ENTRY}.txt").read_text(encoding="utf-8"))
    top_copy = docs[JOURNAL].text_path.read_text(encoding="utf-8").split("\f")[1]
    carbon = docs[ENTRY].text_path.read_text(encoding="utf-8")
    top, faint = score_text(corrected, lines(top_copy)), score_text(corrected, lines(carbon))
    print(f"entry page CER: top copy (PDF p. 2) {top.cer:.4f}, carbon copy (TIFF) {faint.cer:.4f}")
    assert top.cer <= 0.03, f"CER {top.cer:.4f} on the entry page (top copy)"
    assert faint.cer <= 0.04, f"CER {faint.cer:.4f} on the entry page (faint carbon copy)"


def _pairs(doc) -> set[tuple[str, str]]:
    return {(f.ref_text, f.ocr_text) for f in doc.flags if f.type == "disagreement"}


def test_known_reference_errors_are_flagged(sample) -> None:
    docs, _ = sample
    entry = docs[ENTRY]
    flagged = [f for f in entry.flags if f.type == "disagreement" and "Метров" in f.ref_text]
    assert flagged and "Петров" in flagged[0].ocr_text
    assert flagged[0].crop_path is not None and flagged[0].crop_path.is_file()
    journal = docs[JOURNAL]
    # The page as loaded is read first (ocr.readings): stock tesseract may read П in lower case.
    assert any("Лхенъян" in r and "хеньян" in o.casefold() for r, o in _pairs(journal))
    assert any("Метров" in r and "Петров" in o for r, o in _pairs(journal))


def test_sample_pages_are_deskewed(sample) -> None:
    import cv2

    from ocr.preprocess import estimate_skew

    docs, _ = sample
    for doc in docs.values():
        for page in doc.pages:
            assert abs(page.prepared.skew_degrees) > 0.2  # the rendering really was skewed
            if page.prepared.ink_blobs < 500:  # a title page: a few letters and a handwritten
                continue  # number sway the profile more than the skew left
            view = cv2.imread(str(page.prepared.view_path), cv2.IMREAD_GRAYSCALE)
            upright = page.prepared.geometry.to_frame(view)  # as the processed page is made
            assert abs(estimate_skew(upright)) < 0.3, (doc.scan.document, page.job.page_number)


def test_stamp_and_handwriting_are_flagged_and_written_to_page_xml(sample) -> None:
    docs, _ = sample
    journal = docs[JOURNAL]
    title = [f for f in journal.flags if f.page_number == 1]
    stamps = [f for f in title if f.type == "stamp"]
    assert len(stamps) == 1 and "МИД СССР" in stamps[0].ocr_text
    assert stamps[0].box.left < 300 and stamps[0].box.top < 400  # the top-left registry stamp
    assert len([f for f in title if f.type == "handwriting"]) >= 2  # "93" and "25"
    xml = journal.pages[0].page_xml.read_text(encoding="utf-8")
    assert 'type="stamp"' in xml and 'type="handwritten-annotation"' in xml
    assert not [f for f in journal.flags if f.page_number == 2 and f.type in ("stamp", "signature")]


def test_seed_reference_errors_are_possible_reference_errors_and_case_slips_are_not(sample) -> None:
    """The sample's three real reference errors are possible reference errors (the carbon
    copy's Метров, read at low confidence on the page as loaded, is decided with the journal's:
    one decision for every copy, issue 20), and a slip of the letter case never is."""
    from ocr.flag import POSSIBLE_REFERENCE_ERROR

    docs, _ = sample
    journal = {
        (f.ref_text, f.ocr_text)
        for f in docs[JOURNAL].flags
        if f.category == POSSIBLE_REFERENCE_ERROR
    }
    assert {("Метров", "Петров"), ("млрдруб", "млрд. руб")} <= journal
    # The page as loaded is read first (ocr.readings): stock tesseract reads the name in lower case.
    assert any(r == "Лхенъян" and o.casefold() == "пхеньян" for r, o in journal)
    found = _reference_error_items(sample)
    assert {(ENTRY, "млрдруб"), (JOURNAL, "Метров"), (JOURNAL, "Лхенъян")} <= found
    assert not [p for p in journal if p[0].casefold() == p[1].casefold()]
    suggested = [f for f in docs[ENTRY].flags if f.suggestion is not None]
    assert suggested and all(f.detail.candidates for f in suggested)


def _reference_error_items(sample) -> set[tuple[str, str]]:  # noqa: ANN001 - the fixture
    """(document, reference text) of every item the run called a possible reference error."""
    from sqlalchemy import select

    from ocr.store import Document, FlagRow, Page, Store

    docs, _ = sample
    store = Store(f"sqlite:///{docs[JOURNAL].report_path.parents[1] / 'ocr.db'}", create=False)
    with store.session() as s:
        rows = s.execute(
            select(Document.name, FlagRow.ref_text)
            .join(Page, FlagRow.page_id == Page.id)
            .join(Document, Page.document_id == Document.id)
            .where(FlagRow.kind == "reference_error")
        ).all()
    store.engine.dispose()
    return {(name, " ".join(ref.split())) for name, ref in rows}


def test_few_false_reference_errors_on_the_sample(sample) -> None:  # noqa: ANN001
    """Issue 20: at most one besides the three real ones. "Понгуна" read as "и" (two different
    words) must not be one; the EHRI transcription's "revivication" may be (its scan reads
    "revivification": a slip of the transcription too, not one of the three)."""
    real = {"Лхенъян", "Метров", "млрдруб"}
    false = {r for _, r in _reference_error_items(sample) if r not in real}
    assert len(false) <= 1, false
    assert not [r for r in false if "Понгуна" in r], false
