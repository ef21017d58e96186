"""Find scans, load their pages (PDF via pdf2image, multi-page TIFF, PNG, JPEG) with provenance."""

from __future__ import annotations

import hashlib
import logging
import stat
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ocr.exceptions import (
    CorruptImageError,
    CorruptPdfError,
    DarkPageError,
    EmptyFileError,
    EncryptedPdfError,
    ImageTooLargeError,
    InputFileError,
    MissingScanError,
    NotRegularFileError,
    PopplerNotFoundError,
    UnsupportedFormatError,
)
from ocr.fsutil import sha256_file

logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings duplicate our typed errors

SCAN_SUFFIXES = frozenset({".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"})
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)


# A page is dark all over when even its brightest pixels (this quantile) stay below this gray:
# no paper shows anywhere, so there is nothing to read (a sparse white-on-black negative or an
# underexposed scan still has brighter pixels than this).
DARK_QUANTILE = 0.995
DARK_LEVEL = 64


@dataclass(frozen=True)
class ScanInfo:
    """One scan file, checked and counted before any page is rendered.

    ``document`` is its identity: the path relative to the folder it was found under, without
    the suffix (``d1/x`` for ``scans/d1/x.jpg`` given as ``scans``), unique in the batch; it
    names the output folder, the database row and the reference looked up. ``stem_unique``:
    no other scan of the batch has the same file stem (a flat reference folder may then serve).
    """

    path: Path
    document: str
    kind: str
    page_count: int
    sha256: str
    stem_unique: bool = True

    @property
    def name(self) -> str:
        """The identity's last part: the name of files written for the document."""
        return self.document.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class FoundScan:
    """A scan file and the folder it was found under (None when given as a file)."""

    path: Path
    root: Path | None


@dataclass(frozen=True)
class LoadedPage:
    """A rendered page: the image array plus where it came from."""

    scan: ScanInfo
    page_number: int
    dpi: int
    image: np.ndarray
    turned: bool = False  # an EXIF orientation turned the file's pixels into ``image``

    @property
    def same_as_file(self) -> bool:
        """True when ``image`` is exactly what the scan file holds (a one-page image file, not
        turned by EXIF): readers of the file itself see the same page."""
        return self.scan.kind in ("jpeg", "png") and self.scan.page_count == 1 and not self.turned

    @property
    def size(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self.image.shape[0], self.image.shape[1]


def discover_scans(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the scan files in them (sorted); files are kept whatever their suffix."""
    return [f.path for f in discover(paths)]


def discover(paths: Iterable[Path]) -> list[FoundScan]:
    """The scan files of files and folders (sorted within a folder), each with the folder it
    was found under; a file reached twice is kept once."""
    found: list[FoundScan] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(
                FoundScan(p, path)
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in SCAN_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(FoundScan(path, None))
    unique: dict[Path, FoundScan] = {}
    for f in found:
        unique.setdefault(_resolved(f.path), f)
    return list(unique.values())


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: keep the path as given
        return path.absolute()


def document_names(scans: Sequence[FoundScan | Path]) -> dict[Path, str]:
    """A unique identity per scan: its path relative to the folder it was found under, without
    the suffix (a file given alone: its stem). Where two collide, the suffix is added if that
    tells them apart (``a-pdf``, ``a-tif``), else the names of the folders above them are
    prefixed (``d1/x``, ``d2/x``); a content-free hash of the path is the last resort."""
    found = [s if isinstance(s, FoundScan) else FoundScan(s, None) for s in scans]
    state = {f.path: (0, False) for f in found}
    for _ in range(64):
        names = {f.path: _identity(f, *state[f.path]) for f in found}
        groups: dict[str, list[FoundScan]] = defaultdict(list)
        for f in found:
            groups[names[f.path]].append(f)
        clashes = [g for g in groups.values() if len(g) > 1]
        if not clashes:
            return names
        for group in clashes:
            by_suffix = len({f.path.suffix.lower() for f in group}) == len(group)
            for f in group:
                up, ext = state[f.path]
                state[f.path] = (up, True) if by_suffix and not ext else (up + 1, ext)
    return {f.path: f"{_identity(f, 0, True)}-{_path_hash(f.path)}" for f in found}


def _identity(found: FoundScan, up: int, ext: bool) -> str:
    base = found.root if found.root is not None else found.path.parent
    rel = found.path.relative_to(found.root) if found.root is not None else Path(found.path.name)
    folders = _resolved(base).parts[1:]
    prefix = list(folders[len(folders) - up :]) if 0 < up <= len(folders) else []
    if up > len(folders):
        prefix = [*folders, _path_hash(found.path)]
    stem = rel.stem + (f"-{rel.suffix.lstrip('.').lower()}" if ext and rel.suffix else "")
    return "/".join([*prefix, *rel.parent.parts, stem])


def _path_hash(path: Path) -> str:
    return hashlib.sha256(str(_resolved(path)).encode()).hexdigest()[:8]


def shared_stems(scans: Iterable[Path]) -> set[str]:
    """File stems that more than one scan of the batch has."""
    counts: dict[str, int] = defaultdict(int)
    for scan in scans:
        counts[scan.stem] += 1
    return {stem for stem, n in counts.items() if n > 1}


def sniff_kind(path: Path) -> str:
    """The file type from its first bytes (never from its name)."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):  # a FIFO would block the read below for ever
            raise NotRegularFileError(path=path)
        with path.open("rb") as fh:
            head = fh.read(16)
    except FileNotFoundError as e:
        raise MissingScanError(path=path) from e
    except OSError as e:
        raise InputFileError(f"cannot read the file: {e.strerror}", path=path) from e
    if not head:
        raise EmptyFileError(path=path)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    raise UnsupportedFormatError(path=path)


def inspect_scan(
    path: Path, *, document: str | None = None, dpi: int, max_pixels: int, stem_unique: bool = True
) -> ScanInfo:
    """Check a scan (type, encryption, damage, size) and count its pages, without rendering."""
    path = Path(path)
    kind = sniff_kind(path)
    count = (
        _pdf_page_count(path, dpi=dpi, max_pixels=max_pixels)
        if kind == "pdf"
        else _image_page_count(path, max_pixels=max_pixels)
    )
    return ScanInfo(
        path=path,
        document=document or path.stem,
        kind=kind,
        page_count=count,
        sha256=sha256_file(path),
        stem_unique=stem_unique,
    )


def load_page(scan: ScanInfo, page_number: int, *, dpi: int, max_pixels: int) -> LoadedPage:
    """Render one page (1-based) as a BGR or grayscale uint8 array."""
    if not 1 <= page_number <= scan.page_count:
        raise InputFileError(
            f"page {page_number} out of range 1..{scan.page_count}", path=scan.path
        )
    if not scan.path.exists():  # gone since the batch found it, or not shared with this worker
        raise MissingScanError(path=scan.path)
    turned = False
    if scan.kind == "pdf":
        pil, page_dpi = (
            _render_pdf_page(scan.path, page_number, dpi=dpi, max_pixels=max_pixels),
            dpi,
        )
    else:
        pil, page_dpi, turned = _read_image_frame(
            scan.path, page_number, dpi=dpi, max_pixels=max_pixels
        )
    image = pil_to_array(pil)
    check_not_dark(image, path=scan.path, page_number=page_number)
    return LoadedPage(scan=scan, page_number=page_number, dpi=page_dpi, image=image, turned=turned)


def check_not_dark(image: np.ndarray, *, path: Path, page_number: int) -> None:
    """DarkPageError when no paper shows anywhere on the page (a black page has nothing to
    read, and every detector would take all of it for one region)."""
    step = max(1, min(image.shape[:2]) // 400)  # a few hundred thousand pixels decide it
    sample = image[::step, ::step]
    gray = sample.mean(axis=2) if sample.ndim == 3 else sample
    brightest = float(np.quantile(gray, DARK_QUANTILE))
    if brightest < DARK_LEVEL:
        raise DarkPageError(
            f"page {page_number} is dark all over (its brightest pixels reach "
            f"gray {brightest:.0f} of 255); nothing to OCR: check the scan (a "
            "failed exposure, a lens cap, a negative)",
            path=path,
        )


def iter_pages(scan: ScanInfo, *, dpi: int, max_pixels: int) -> Iterator[LoadedPage]:
    """Every page of a scan, one at a time (a large PDF is never rendered whole)."""
    for number in range(1, scan.page_count + 1):
        yield load_page(scan, number, dpi=dpi, max_pixels=max_pixels)


def pil_to_array(pil: Image.Image) -> np.ndarray:
    """PIL image to uint8 array: grayscale (rows, cols) or BGR (rows, cols, 3)."""
    if pil.mode in ("1", "L", "LA", "I", "I;16", "F"):
        if pil.mode in ("I", "I;16", "F"):
            arr = np.asarray(pil, dtype=np.float64)
            top = arr.max() or 1.0
            return (arr * (255.0 / top)).clip(0, 255).astype(np.uint8)
        return np.asarray(pil.convert("L"), dtype=np.uint8).copy()
    rgb = np.asarray(pil.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _check_pixels(path: Path, rows: int, cols: int, max_pixels: int) -> None:
    if rows * cols > max_pixels:
        raise ImageTooLargeError(
            f"page of {cols}x{rows} pixels exceeds the limit of {max_pixels:,} "
            "(decompression-bomb guard); lower --dpi or raise max_pixels",
            path=path,
        )
    if rows < 16 or cols < 16:
        raise CorruptImageError(
            f"page of {cols}x{rows} pixels is too small to be a scan", path=path
        )


def _open_image(path: Path, *, max_pixels: int) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = None  # we apply our own limit before decoding any pixel
    try:
        img = Image.open(path)
    except FileNotFoundError as e:
        raise MissingScanError(path=path) from e
    except UnidentifiedImageError as e:
        raise CorruptImageError(path=path) from e
    except OSError as e:
        raise CorruptImageError(
            f"the image cannot be opened ({e}); re-scan or re-download it", path=path
        ) from e
    _check_pixels(path, img.height, img.width, max_pixels)
    return img


def _image_page_count(path: Path, *, max_pixels: int) -> int:
    with _open_image(path, max_pixels=max_pixels) as img:
        return int(getattr(img, "n_frames", 1))


def _read_image_frame(
    path: Path, page: int, *, dpi: int, max_pixels: int
) -> tuple[Image.Image, int, bool]:
    img = _open_image(path, max_pixels=max_pixels)
    try:
        img.seek(page - 1)
        _check_pixels(path, img.height, img.width, max_pixels)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
        turned = img.getexif().get(0x0112, 1) not in (0, 1)  # EXIF Orientation
        frame = ImageOps.exif_transpose(img) or img
        frame.load()
    except (OSError, EOFError, SyntaxError, ValueError) as e:
        raise CorruptImageError(
            f"the image is corrupt or truncated ({e}); re-scan or re-download it", path=path
        ) from e
    file_dpi = img.info.get("dpi")
    page_dpi = int(round(float(file_dpi[0]))) if file_dpi and float(file_dpi[0]) >= 50 else dpi
    return frame, page_dpi, turned


def _pdf_page_count(path: Path, *, dpi: int, max_pixels: int) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise EncryptedPdfError(path=path)
        pages = list(reader.pages)
        if not pages:
            raise CorruptPdfError("the PDF has no pages; re-export it", path=path)
        for number, page in enumerate(pages, start=1):
            cols = float(page.mediabox.width) * dpi / 72.0
            rows = float(page.mediabox.height) * dpi / 72.0
            if rows * cols > max_pixels:
                raise ImageTooLargeError(
                    f"page {number} would render to {int(cols)}x{int(rows)} pixels at {dpi} dpi, "
                    f"over the limit of {max_pixels:,}; lower --dpi or raise max_pixels",
                    path=path,
                )
        return len(pages)
    except InputFileError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as e:
        raise CorruptPdfError(
            f"the PDF is damaged ({e}); repair it (e.g. `qpdf --repair`) or re-export it", path=path
        ) from e


def _render_pdf_page(path: Path, page: int, *, dpi: int, max_pixels: int) -> Image.Image:
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

    try:
        images = convert_from_path(path, dpi=dpi, first_page=page, last_page=page)
    except PDFInfoNotInstalledError as e:
        raise PopplerNotFoundError from e
    except (PDFPageCountError, PDFSyntaxError, OSError, ValueError) as e:
        raise CorruptPdfError(
            f"page {page} cannot be rendered ({e}); repair the PDF "
            "(e.g. `qpdf --repair`) or re-export it",
            path=path,
        ) from e
    if not images:
        raise CorruptPdfError(
            f"page {page} rendered to nothing; repair or re-export the PDF", path=path
        )
    _check_pixels(path, images[0].height, images[0].width, max_pixels)
    return images[0]
