"""Publishing: the PDF's image and text land where ocr.load saw them, for every page turn and
EXIF orientation; the writer streams page by page; PDF/A markers; METS against its schema."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.load import inspect_scan, load_page
from ocr.publish.frame import Affine, rotation
from ocr.publish.pdf import PdfPage, write_pdf
from ocr.publish.pdfa import DocumentInfo
from ocr.records import Box
from ocr.tesseract import Word

INFO = DocumentInfo("test", "archival-ocr test", datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
DPI = 100


def _dot_image(mode: str = "L") -> Image.Image:
    img = Image.new(mode, (300, 200), 255 if mode == "L" else (255, 255, 255))
    img.paste(0 if mode == "L" else (0, 0, 0), (40, 30, 60, 45))
    return img


def _ink_box(image: np.ndarray) -> Box:
    gray = image if image.ndim == 2 else image.mean(axis=2)
    rows, cols = np.nonzero(gray < 128)
    return Box(
        int(cols.min()),
        int(rows.min()),
        int(cols.max() - cols.min() + 1),
        int(rows.max() - rows.min() + 1),
    )


def _pdftotext_boxes(pdf: Path) -> dict[str, list[int]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)<', out
    )
    return {w: [round(float(v) * DPI / 72) for v in box] for *box, w in found}


def _publish_dot(src: Path, tmp: Path) -> tuple[Box, Path]:
    """The dot as ocr.load sees it, and a PDF with a word on that box."""
    scan = inspect_scan(src, dpi=DPI, max_pixels=10**9)
    loaded = load_page(scan, 1, dpi=DPI, max_pixels=10**9).image
    box = _ink_box(loaded)
    page = PdfPage(1, DPI, (Word(1, 1, 1, 1, box, 95.0, "Точка"),))
    out = tmp / "out.pdf"
    write_pdf(out, scan, [page], info=INFO, max_pixels=10**9)
    return box, out


def _rendered_box(pdf: Path, tmp: Path) -> Box:
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(tmp / "r")], check=True
    )
    return _ink_box(np.asarray(Image.open(next(tmp.glob("r*.png")))))


def _near(a: Box, b: Box, *, pixels: int = 1) -> None:
    """Equal within a pixel (rendering rounds the image's edges)."""
    assert np.abs(np.array(a.as_list()) - np.array(b.as_list())).max() <= pixels, (a, b)


@pytest.mark.unit
def test_affine_inverse_and_composition() -> None:
    m = Affine.from_points([(0, 0), (1, 0), (0, 1)], [(5, 7), (5, 9), (2, 7)])
    assert m.apply(1, 1) == pytest.approx((2, 9))
    back = m.then(m.inverse())
    assert back.apply(13.5, -4) == pytest.approx((13.5, -4))


@pytest.mark.unit
def test_rotation_is_the_map_of_the_deskew() -> None:
    """frame.rotation moves a pixel where ocr.preprocess.rotate moves it (grown canvas)."""
    from ocr.preprocess import rotate

    image = np.full((400, 300), 255, np.uint8)
    image[50:54, 250:254] = 0
    for degrees in (1.5, -2.0):
        out = rotate(image, degrees, border_value=255)
        moved = _ink_box(out)
        m = rotation(degrees, rows=400, cols=300, out_rows=out.shape[0], out_cols=out.shape[1])
        x, y = m.apply(252, 52)
        assert abs(x - (moved.left + moved.width / 2)) < 1.5
        assert abs(y - (moved.top + moved.height / 2)) < 1.5
        assert m.inverse().apply(x, y) == pytest.approx((252, 52), abs=1e-6)


@pytest.mark.integration
@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_a_turned_pdf_page_keeps_its_image_and_its_words_land_where_load_saw_them(
    tmp_path: Path, turn: int
) -> None:
    import pikepdf

    data = io.BytesIO()
    _dot_image().save(data, "JPEG", quality=95)
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(216, 144))
    image = pikepdf.Stream(
        pdf,
        data.getvalue(),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=300,
        Height=200,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=image))
    page.Contents = pdf.make_stream(b"q 216 0 0 144 0 0 cm /Im Do Q")
    page.Rotate = turn
    pdf.save(tmp_path / "src.pdf")
    box, out = _publish_dot(tmp_path / "src.pdf", tmp_path)
    assert _pdftotext_boxes(out)["Точка"] == [box.left, box.top, box.right, box.bottom]
    _near(_rendered_box(out, tmp_path), box)
    with pikepdf.open(out) as published:  # the source's own JPEG bytes, not a re-encoding
        (xobject,) = published.pages[0].Resources.XObject.values()
        assert xobject.read_raw_bytes() == data.getvalue()


@pytest.mark.integration
@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_jpeg_s_own_bytes_are_shown_as_its_exif_orientation_says(
    tmp_path: Path, orientation: int
) -> None:
    exif = Image.Exif()
    exif[274] = orientation
    src = tmp_path / "scan.jpg"
    _dot_image("RGB").save(src, "JPEG", quality=95, exif=exif, dpi=(DPI, DPI))
    box, out = _publish_dot(src, tmp_path)
    assert _pdftotext_boxes(out)["Точка"] == [box.left, box.top, box.right, box.bottom]
    _near(_rendered_box(out, tmp_path), box)
    import pikepdf

    with pikepdf.open(out) as published:
        (xobject,) = published.pages[0].Resources.XObject.values()
        assert xobject.read_raw_bytes() == src.read_bytes()


def _multipage_pdf(path: Path, pages: int) -> bytes:
    """A scan-like PDF: each page one JPEG drawn over the whole page."""
    import pikepdf

    data = io.BytesIO()
    _dot_image().save(data, "JPEG", quality=95)
    pdf = pikepdf.new()
    for _ in range(pages):
        page = pdf.add_blank_page(page_size=(216, 144))
        image = pikepdf.Stream(
            pdf,
            data.getvalue(),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=300,
            Height=200,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=8,
            Filter=pikepdf.Name.DCTDecode,
        )
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=image))
        page.Contents = pdf.make_stream(b"q 216 0 0 144 0 0 cm /Im Do Q")
    pdf.save(path)
    return data.getvalue()


def _pages(count: int, *, seen: list[int], folder: Path, fail_at: int = 0):
    for n in range(1, count + 1):
        if n == fail_at:
            raise OSError("the words of this page cannot be read")
        seen.append(sum(p.stat().st_size for p in folder.glob(".out.pdf.*.tmp")))
        word = Word(1, 1, 1, 1, Box(40, 30, 20, 15), 95.0, f"страница{n}")
        yield PdfPage(n, DPI, (word,))


@pytest.mark.integration
def test_the_pdf_is_written_page_by_page_and_is_pdfa_2b(tmp_path: Path) -> None:
    from ocr.publish.validate import pdfa_problems

    jpeg = _multipage_pdf(tmp_path / "src.pdf", 12)
    scan = inspect_scan(tmp_path / "src.pdf", dpi=DPI, max_pixels=10**9)
    seen: list[int] = []
    written = write_pdf(
        tmp_path / "out.pdf",
        scan,
        _pages(12, seen=seen, folder=tmp_path),
        info=INFO,
        max_pixels=10**9,
    )
    # Each page's image was on its way to disk (past the file's write buffer) before the next
    # page's words were asked for.
    buffer = io.DEFAULT_BUFFER_SIZE
    assert all(seen[k] >= (k - 1) * len(jpeg) - buffer for k in range(1, 12)), (seen, len(jpeg))
    assert (written.pages, written.source_bytes_pages) == (12, 12)
    assert pdfa_problems(written.path) == []
    text = subprocess.run(
        ["pdftotext", str(written.path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert [t.strip() for t in text.split("\f")[:12]] == [f"страница{n}" for n in range(1, 13)]
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.integration
def test_a_failure_mid_document_leaves_no_file_and_no_temp(tmp_path: Path) -> None:
    _multipage_pdf(tmp_path / "src.pdf", 6)
    scan = inspect_scan(tmp_path / "src.pdf", dpi=DPI, max_pixels=10**9)
    (tmp_path / "out.pdf").write_bytes(b"an earlier run's PDF")
    with pytest.raises(OSError):
        write_pdf(
            tmp_path / "out.pdf",
            scan,
            _pages(6, seen=[], folder=tmp_path, fail_at=4),
            info=INFO,
            max_pixels=10**9,
        )
    assert (tmp_path / "out.pdf").read_bytes() == b"an earlier run's PDF"
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.unit
def test_pdfa_checks_fail_on_a_plain_pdf(tmp_path: Path) -> None:
    from ocr.publish.validate import pdfa_problems

    _multipage_pdf(tmp_path / "plain.pdf", 1)
    problems = " | ".join(pdfa_problems(tmp_path / "plain.pdf"))
    assert "no XMP metadata" in problems and "output intents" in problems


@pytest.mark.unit
def test_mets_validates_against_the_schema_and_a_broken_one_does_not(tmp_path: Path) -> None:
    from ocr.publish.mets import MetsAgent, MetsDocument, MetsFile, mets_errors, write_mets

    for name in ("scan.tif", "p001.view.jpg", "p001.alto.xml", "p002.view.jpg", "doc.pdf"):
        (tmp_path / name).write_bytes(name.encode())
    files = (
        MetsFile("MASTER", tmp_path / "scan.tif", "image/tiff"),
        MetsFile("DEFAULT", tmp_path / "p001.view.jpg", "image/jpeg", 1),
        MetsFile("FULLTEXT", tmp_path / "p001.alto.xml", "application/xml", 1),
        MetsFile("DEFAULT", tmp_path / "p002.view.jpg", "image/jpeg", 2),
        MetsFile("DOWNLOAD", tmp_path / "doc.pdf", "application/pdf"),
    )
    doc = MetsDocument(
        "doc",
        (1, 2),
        files,
        (MetsAgent("archival-ocr 0", notes=("dpi=300",)), MetsAgent("tesseract 5", "recognition")),
        INFO.created,
        {1: [{"id": "preprocess.rotate", "settings": {"deg": 1}}]},
    )
    path = write_mets(tmp_path / "doc.mets.xml", doc)
    assert mets_errors(path) == []
    xml = path.read_text(encoding="utf-8")
    assert xml.index('ORDER="1"') < xml.index('ORDER="2"') and 'xlink:href="p001.alto.xml"' in xml
    path.write_text(xml.replace('TYPE="PHYSICAL"', 'TYPE="PHYSICAL" BOGUS="1"'), "utf-8")
    assert mets_errors(path)


@pytest.mark.integration
def test_a_pdf_page_that_is_not_one_image_is_published_as_load_renders_it(tmp_path) -> None:
    import pikepdf

    _multipage_pdf(tmp_path / "one.pdf", 1)
    with pikepdf.open(tmp_path / "one.pdf") as pdf:  # a drawn frame beside the image
        pdf.pages[0].Contents = pdf.make_stream(
            b"q 216 0 0 144 0 0 cm /Im Do Q 0 g 150 20 30 10 re f"
        )
        pdf.save(tmp_path / "src.pdf")
    scan = inspect_scan(tmp_path / "src.pdf", dpi=DPI, max_pixels=10**9)
    loaded = load_page(scan, 1, dpi=DPI, max_pixels=10**9).image
    page = PdfPage(1, DPI, (Word(1, 1, 1, 1, Box(40, 30, 20, 15), 95.0, "Точка"),))
    written = write_pdf(tmp_path / "out.pdf", scan, [page], info=INFO, max_pixels=10**9)
    assert (written.source_bytes_pages, written.lossless_pages) == (0, 1)
    assert _pdftotext_boxes(written.path)["Точка"] == [40, 30, 60, 45]
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(written.path), str(tmp_path / "r")],
        check=True,
    )
    rendered = np.asarray(Image.open(next(tmp_path.glob("r*.png"))).convert("L"))
    gray = loaded if loaded.ndim == 2 else loaded.mean(axis=2)
    _near(_ink_box(rendered), _ink_box(gray))  # the dot and the drawn frame, where they were
    assert np.abs(rendered.astype(int) - gray.astype(int)).mean() < 2  # edges are smoothed


@pytest.mark.unit
def test_a_publishing_failure_is_reported_not_raised(tmp_path, monkeypatch) -> None:
    from types import SimpleNamespace

    import ocr.publish.document as document
    from ocr.settings import load_settings

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(document, "write_pdf", broken)
    page = SimpleNamespace(job=SimpleNamespace(page_number=1), ocr=None)
    scan = SimpleNamespace(path=tmp_path / "scan.jpg", document="doc")
    result = document.publish_document(
        scan,
        [page],
        out_dir=tmp_path,  # type: ignore[arg-type]
        settings=load_settings(None, output_dir=tmp_path),
    )
    assert result.pdf is None and result.mets is None
    assert "could not publish" in result.error and "disk full" in result.error
    off = document.publish_document(
        scan,
        [page],
        out_dir=tmp_path,  # type: ignore[arg-type]
        settings=load_settings(None, output_dir=tmp_path, publish=[]),
    )
    assert off == document.Published(None, None)
