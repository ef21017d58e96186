"""The sample's documents published: PDF/A text layers equal to the OCR text, valid METS, and
after review a PDF whose text layer is the reviewed text (Петров, Пхеньян)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]
JOURNAL = "ivanov-journal-1955-12-24"
ENTRY = "ivanov-journal-1955-12-24-entry"
EHRI = "EHRI-DR-19390125-US_02"  # a real JPEG scan
EDITED = "ИСПРАВЛЕНО"


def pdftotext(pdf: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    from ocr.batch import run_batch
    from ocr.settings import load_settings

    root = tmp_path_factory.mktemp("publish")
    shutil.copytree(ROOT / "ground_truth", root / "gt")  # export writes beside the references
    settings = load_settings(None, output_dir=root / "out", workers=2)
    scans = [ROOT / "scans" / name for name in (f"{JOURNAL}.pdf", f"{ENTRY}.tif", f"{EHRI}.jpg")]
    result = run_batch(scans, gt_dir=root / "gt", settings=settings)
    assert not result.failures
    return {d.scan.document: d for d in result.documents}, settings


def test_each_document_has_a_pdfa_whose_text_layer_is_the_ocr_text(run) -> None:
    from ocr.publish.validate import pdfa_problems
    from ocr.score import normalise, score_text

    docs, _ = run
    assert len(docs) == 3
    for name, doc in docs.items():
        pub = doc.published
        assert (
            pub is not None and pub.error is None and pub.pdf == doc.text_path.with_suffix(".pdf")
        )
        assert pdfa_problems(pub.pdf) == [], name
        assert pub.pdf_pages == doc.scan.page_count
        ocr = normalise(doc.text_path.read_text(encoding="utf-8").replace("\f", "\n"))
        raw = score_text(ocr, normalise(pdftotext(pub.pdf, "-raw").replace("\f", "\n")))
        layout = score_text(ocr, normalise(pdftotext(pub.pdf).replace("\f", "\n")))
        print(
            f"{name}: pdftotext CER {raw.cer:.4f} (content order), {layout.cer:.4f} "
            f"(poppler's reading order); {pub.pdf_bytes / pub.pdf_pages / 1e6:.2f} MB/page"
        )
        assert raw.cer < 0.01, (name, raw.cer)


def test_the_pdf_shows_the_original_scan_s_own_bytes(run) -> None:
    import pikepdf

    docs, _ = run
    with pikepdf.open(docs[EHRI].published.pdf) as pdf:  # a JPEG scan: its own bytes
        (image,) = pdf.pages[0].Resources.XObject.values()
        assert image.read_raw_bytes() == docs[EHRI].scan.path.read_bytes()
    with (
        pikepdf.open(docs[JOURNAL].scan.path) as src,
        pikepdf.open(docs[JOURNAL].published.pdf) as pdf,
    ):  # a PDF scan: each page's image
        for old, new in zip(src.pages, pdf.pages, strict=True):
            (a,), (b,) = old.Resources.XObject.values(), new.Resources.XObject.values()
            assert a.read_raw_bytes() == b.read_raw_bytes()
    assert docs[JOURNAL].published.pdf_source_bytes_pages == 2
    assert docs[ENTRY].published.pdf_source_bytes_pages == 0  # a TIFF: lossless, not its bytes


def test_mets_validates_and_ties_each_page_to_its_files(run) -> None:
    from lxml import etree

    from ocr.publish.mets import METS, mets_errors

    docs, _ = run
    for name, doc in docs.items():
        path = doc.published.mets
        assert mets_errors(path) == [], name
        root = etree.parse(str(path)).getroot()
        groups = {g.get("USE") for g in root.iter(f"{{{METS}}}fileGrp")}
        assert groups == {"MASTER", "DEFAULT", "FULLTEXT", "PAGE", "DOWNLOAD"}
        pages = [d for d in root.iter(f"{{{METS}}}div") if d.get("TYPE") == "page"]
        assert [int(d.get("ORDER")) for d in pages] == list(range(1, doc.scan.page_count + 1))
        for div in pages:  # image, ALTO and PAGE-XML of the page
            assert len(div.findall(f"{{{METS}}}fptr")) >= 3
        hrefs = [
            f.get("{http://www.w3.org/1999/xlink}href") for f in root.iter(f"{{{METS}}}FLocat")
        ]
        assert all((path.parent / h).resolve().is_file() for h in hrefs)
    agents = etree.parse(str(docs[JOURNAL].published.mets)).getroot().iter(f"{{{METS}}}name")
    assert any(a.text.startswith("tesseract ") for a in agents)


def test_index_links_the_documents_pdf_and_mets(run) -> None:
    _, settings = run
    index = (settings.output_dir / "index.html").read_text(encoding="utf-8")
    assert f'href="{JOURNAL}/{JOURNAL}.pdf"' in index
    assert f'href="{JOURNAL}/{JOURNAL}.mets.xml"' in index


def _tesseract_words(image: Path) -> dict[str, list[tuple[float, float]]]:
    tsv = subprocess.run(
        ["tesseract", str(image), "-", "-l", "rus", "--dpi", "300", "tsv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, list[tuple[float, float]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row["level"] == "5" and len(row["text"].strip()) >= 4:
            left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
            found.setdefault(row["text"].strip(), []).append((left + width / 2, top + height / 2))
    return found


def test_the_text_layer_sits_on_the_words_of_the_original_skewed_page(run, tmp_path) -> None:
    """Page 2 of the journal is skewed by about a degree: its words, read by tesseract from the
    original page, are where the PDF's text layer has them (not where the deskewed page had)."""
    docs, _ = run
    doc = docs[JOURNAL]
    assert abs(doc.pages[1].prepared.skew_degrees) > 0.5
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "300",
            "-f",
            "2",
            "-l",
            "2",
            "-png",
            str(doc.scan.path),
            str(tmp_path / "orig"),
        ],
        check=True,
    )
    truth = _tesseract_words(next(tmp_path.glob("orig*.png")))
    bbox = pdftotext(doc.published.pdf, "-bbox", "-f", "2", "-l", "2")
    layer: dict[str, list[tuple[float, float]]] = {}
    for *box, word in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
        r'yMax="([\d.]+)">(.*?)<',
        bbox,
    ):
        x0, y0, x1, y1 = (float(v) * 300 / 72 for v in box)
        layer.setdefault(word, []).append(((x0 + x1) / 2, (y0 + y1) / 2))
    pairs = [
        (truth[w][0], layer[w][0])
        for w in truth
        if len(truth[w]) == 1 and len(layer.get(w, [])) == 1
    ]
    assert len(pairs) >= 50
    dx = statistics.median(abs(a[0] - b[0]) for a, b in pairs)
    dy = statistics.median(abs(a[1] - b[1]) for a, b in pairs)
    print(f"{len(pairs)} words: median offset {dx:.1f} px across, {dy:.1f} px down")
    assert dx < 6 and dy < 6


@pytest.fixture(scope="module")
def exported(run):
    """The seed's reference-error flags accepted, one word edited, the entry's reviewed PDF
    path taken by someone else's file; then `ocr export`."""
    from sqlalchemy import select

    from ocr.flag import POSSIBLE_REFERENCE_ERROR
    from ocr.review.decisions import decide
    from ocr.review.export import export_corrections
    from ocr.store import FlagRow, Store

    docs, settings = run
    foreign = docs[ENTRY].text_path.with_name(f"{ENTRY}.reviewed.pdf")
    foreign.write_bytes(b"%PDF-1.4 a reader's own file")
    store = Store(settings.db_url)
    with store.session() as s:
        flags = s.scalars(select(FlagRow)).all()
        accepted = [f for f in flags if f.category == POSSIBLE_REFERENCE_ERROR]
        for f in accepted:
            s.refresh(f)  # a decision also decides its copies in other documents (issue 20)
            if f.status == "open":
                decide(s, flag_id=f.id, version=f.version, action="accept_ocr", reviewer="test")
        edit = next(
            f
            for f in flags
            if f.page.document.name == JOURNAL
            and f.page.page_number == 2
            and f.category != POSSIBLE_REFERENCE_ERROR
            and f.ocr_text.strip()
            and len(f.ocr_text.split()) == 1
        )
        decide(
            s, flag_id=edit.id, version=edit.version, action="edit", reviewer="test", text=EDITED
        )
        s.commit()
        pairs = {(f.ref_text, f.ocr_text) for f in accepted}
    results = {r.document: r for r in export_corrections(store)}
    return results, pairs, foreign, docs


def test_the_reviewed_pdf_carries_the_reviewed_text(exported) -> None:
    from ocr.publish.validate import pdfa_problems

    results, pairs, _, docs = exported
    assert ("Метров", "Петров") in pairs
    published = results[JOURNAL].published
    assert published is not None and published.notes == ()
    assert pdfa_problems(published.pdf) == []
    text = pdftotext(published.pdf)
    # Stock tesseract reads "пхеньян"; the capital's height on the page puts it right.
    assert "Петров" in text and "Пхеньян" in text and EDITED in text
    assert EDITED not in pdftotext(docs[JOURNAL].published.pdf)  # the OCR's PDF stays the OCR's
    # The reviewed word is where the OCR's was: same page, same line.
    assert text.split("\f")[1].count("Петров") == 1


def test_the_reviewed_alto_and_mets(exported) -> None:
    from ocr.formats import read_source
    from ocr.publish.mets import mets_errors

    results, _, _, _ = exported
    published = results[JOURNAL].published
    assert [p.name for p in published.alto] == ["p001.reviewed.alto.xml", "p002.reviewed.alto.xml"]
    page2 = read_source(published.alto[1])
    assert page2.format == "alto" and "Петров" in page2.text and EDITED in page2.text
    assert mets_errors(published.mets) == []
    mets = published.mets.read_text(encoding="utf-8")
    assert "p002.reviewed.alto.xml" in mets and f"{JOURNAL}.reviewed.pdf" in mets
    assert "p002.corrected.page.xml" in mets


def test_export_never_overwrites_a_file_it_did_not_write(exported) -> None:
    from ocr.review.export import export_corrections
    from ocr.store import Store

    results, _, foreign, docs = exported
    assert foreign.read_bytes() == b"%PDF-1.4 a reader's own file"
    entry = results[ENTRY].published
    assert entry.pdf is None and any(str(foreign) in n for n in entry.notes)
    # Its own files it rewrites on the next export.
    db = f"sqlite:///{(docs[JOURNAL].report_path.parent.parent / 'ocr.db').resolve()}"
    again = {r.document: r for r in export_corrections(Store(db))}
    assert again[JOURNAL].published.pdf == results[JOURNAL].published.pdf
    assert again[JOURNAL].published.notes == ()
