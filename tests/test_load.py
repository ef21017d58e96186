"""Loading scans: each malformed input gets its typed error; good formats load with provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr import exceptions as ex
from ocr.load import discover_scans, document_names, inspect_scan, load_page, sniff_kind
from tests.conftest import EHRI, INVALID

pytestmark = pytest.mark.unit
LIMIT = 180_000_000


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("empty.png", ex.EmptyFileError),
        ("not-a-pdf.pdf", ex.UnsupportedFormatError),
        ("truncated.png", ex.CorruptImageError),
        ("truncated.jpg", ex.CorruptImageError),
        ("corrupt.pdf", ex.CorruptPdfError),
        ("encrypted.pdf", ex.EncryptedPdfError),
        ("bomb.png", ex.ImageTooLargeError),
    ],
)
def test_bad_inputs_raise_typed_errors(name: str, error: type[ex.OcrError]) -> None:
    path = INVALID / name
    with pytest.raises(error) as info:
        scan = inspect_scan(path, dpi=300, max_pixels=LIMIT)
        load_page(scan, 1, dpi=300, max_pixels=LIMIT)
    assert info.value.exit_code == ex.ExitCode.input_file
    assert name in str(info.value)  # the message names the file
    assert len(str(info.value).splitlines()) == 1


def test_pdf_pixel_limit_checked_before_rendering(tmp_path: Path) -> None:
    img = Image.new("L", (850, 1100), 255)
    img.save(tmp_path / "page.pdf", resolution=100)  # 8.5 x 11 inch
    with pytest.raises(ex.ImageTooLargeError):
        inspect_scan(tmp_path / "page.pdf", dpi=1200, max_pixels=50_000_000)
    scan = inspect_scan(tmp_path / "page.pdf", dpi=150, max_pixels=50_000_000)
    page = load_page(scan, 1, dpi=150, max_pixels=50_000_000)
    assert page.size == (1650, 1275)


def test_multipage_tiff_and_exif_orientation(tmp_path: Path) -> None:
    a = Image.new("L", (200, 100), 255)
    b = Image.new("L", (300, 120), 128)  # (a black page is a DarkPageError, see below)
    a.save(
        tmp_path / "two.tif",
        save_all=True,
        append_images=[b],
        dpi=(300, 300),
        compression="tiff_lzw",
    )
    scan = inspect_scan(tmp_path / "two.tif", dpi=200, max_pixels=LIMIT)
    assert (scan.kind, scan.page_count) == ("tiff", 2)
    assert load_page(scan, 2, dpi=200, max_pixels=LIMIT).size == (120, 300)
    assert load_page(scan, 1, dpi=200, max_pixels=LIMIT).dpi == 300
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    Image.new("RGB", (200, 100), (250, 250, 250)).save(tmp_path / "rot.jpg", exif=exif)
    page = load_page(
        inspect_scan(tmp_path / "rot.jpg", dpi=300, max_pixels=LIMIT), 1, dpi=300, max_pixels=LIMIT
    )
    assert page.size == (200, 100)
    assert page.image.ndim == 3 and page.image.dtype == np.uint8


def test_real_jpeg_has_provenance() -> None:
    scan = inspect_scan(EHRI / "EHRI-DR-19390125-US_02.jpg", dpi=300, max_pixels=LIMIT)
    assert scan.kind == "jpeg" and scan.page_count == 1 and len(scan.sha256) == 64
    page = load_page(scan, 1, dpi=300, max_pixels=LIMIT)
    assert page.size == (3219, 1926)


def test_kind_is_sniffed_not_taken_from_the_name(tmp_path: Path) -> None:
    Image.new("L", (64, 64), 255).save(tmp_path / "really-png.jpg", format="PNG")
    assert sniff_kind(tmp_path / "really-png.jpg") == "png"


def test_discover_and_unique_names(tmp_path: Path) -> None:
    for name in ("a.pdf", "a.tif", "b.jpg", "notes.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    found = discover_scans([tmp_path])
    assert [p.name for p in found] == ["a.pdf", "a.tif", "b.jpg"]
    names = document_names(found)
    assert sorted(names.values()) == ["a-pdf", "a-tif", "b"]
