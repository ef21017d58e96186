"""Text of ALTO (v2-v4), PAGE (2013/2019), hOCR or plain-text files, detected by content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree, html

from ocr.exceptions import EmptyFileError, InputFileError, ReferenceError_
from ocr.textio import reference_from_bytes

ALTO_NAMESPACE = re.compile(r"^http://www\.loc\.gov/standards/alto(/ns-v[234]#)?$")
PAGE_NAMESPACE = re.compile(
    r"^http://schema\.primaresearch\.org/PAGE/gts/pagecontent/\d{4}-\d{2}-\d{2}$"
)
HOCR_LINE_CLASSES = frozenset({"ocr_line", "ocr_textfloat", "ocr_header", "ocr_caption"})
# Format suffixes that do not belong to a page's name when pairing files by stem.
FORMAT_SUFFIXES = (
    ".gt.txt",
    ".alto.xml",
    ".page.xml",
    ".hocr.html",
    ".hocr",
    ".alto",
    ".xml",
    ".txt",
    ".html",
    ".htm",
)
_SAFE_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
)


@dataclass(frozen=True)
class SourceText:
    """The text of a file, the format it was read as and (for plain text) its encoding."""

    path: Path
    text: str
    format: str  # "alto", "page", "hocr" or "text"
    encoding: str
    warnings: tuple[str, ...] = ()


def read_text_any(path: Path) -> str:
    """The text of an ALTO, PAGE, hOCR or plain-text file, one line per text line."""
    return read_source(path).text


def read_source(path: Path) -> SourceText:
    """Read a file as ALTO, PAGE or hOCR when its content says so, else as plain text."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputFileError(f"cannot read ({e.strerror or e})", path=path) from e
    if not data:
        raise EmptyFileError(path=path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        markup = _read_markup(path, data)
        if markup is not None:
            return markup
    try:
        ref = reference_from_bytes(path, data)  # the bytes already read, not the file again
    except ReferenceError_ as e:
        raise InputFileError(e.message, path=path) from e
    return SourceText(path, ref.text, "text", ref.encoding, ref.warnings)


def _read_markup(path: Path, data: bytes) -> SourceText | None:
    """ALTO, PAGE or hOCR; None for text that merely starts with "<" (not markup)."""
    try:
        root = etree.fromstring(data, parser=_SAFE_XML)
    except etree.XMLSyntaxError:
        root = None
    if root is not None:
        namespace = etree.QName(root).namespace or ""
        if etree.QName(root).localname == "alto" or ALTO_NAMESPACE.match(namespace):
            return SourceText(path, alto_text(root), "alto", _xml_encoding(root))
        if PAGE_NAMESPACE.match(namespace):
            return SourceText(path, page_text(root), "page", _xml_encoding(root))
    if b"ocrx_word" in data or b"ocr_line" in data or b"ocr_page" in data:
        return SourceText(path, hocr_text(html.fromstring(data)), "hocr", "utf-8")
    if root is not None:
        raise InputFileError(
            f"XML with root <{etree.QName(root).localname}> is not ALTO v2-v4, "
            "PAGE or hOCR; export the text as one of those or as plain text",
            path=path,
        )
    return None


def _xml_encoding(root: etree._Element) -> str:
    return (root.getroottree().docinfo.encoding or "utf-8").lower()


def alto_text(root: etree._Element) -> str:
    """ALTO: the String CONTENTs of each TextLine joined by spaces (a HYP's hyphen kept), one
    line each."""
    lines = []
    for line in root.iter("{*}TextLine"):
        words = [s.get("CONTENT", "") for s in line.iter("{*}String")]
        hyphen = [h.get("CONTENT", "") for h in line.iter("{*}HYP")]
        lines.append(" ".join(w for w in words if w) + "".join(hyphen))
    return "\n".join(lines)


def page_text(root: etree._Element) -> str:
    """PAGE: each TextLine's own TextEquiv/Unicode, else its Words' joined by spaces; regions in
    reading order when the file gives one."""
    lines = []
    for region in _page_regions(root):
        for line in region.iter("{*}TextLine"):
            text = _text_equiv(line)
            if text is None:
                words = (_text_equiv(word) for word in line.iterfind("{*}Word"))
                text = " ".join(w for w in words if w)
            lines.append(text)
    return "\n".join(lines)


def _page_regions(root: etree._Element) -> list[etree._Element]:
    """Top-level TextRegions, in the order of the ReadingOrder's region references if any."""
    regions = [
        r
        for r in root.iter("{*}TextRegion")
        if etree.QName(r.getparent()).localname != "TextRegion"
    ]
    reading_order = root.find(".//{*}ReadingOrder")
    order = [] if reading_order is None else [r for g in reading_order for r in _group_order(g)]
    if not order:
        return regions
    rank = {region_id: k for k, region_id in reversed(list(enumerate(order)))}
    # Regions the reading order leaves out keep their document order, after the ordered ones.
    return sorted(regions, key=lambda r: rank.get(r.get("id"), len(rank)))


def _index(element: etree._Element) -> int:
    """An element's PAGE ``index`` attribute (0 when missing or not an integer)."""
    try:
        return int(element.get("index") or 0)
    except ValueError:  # not an integer: in document order
        return 0


def _group_order(element: etree._Element) -> list[str]:
    """Region ids of a reading-order element; ordered groups by their children's index."""
    name = etree.QName(element).localname
    ids = [element.get("regionRef")] if element.get("regionRef") else []
    children = list(element)
    if name.startswith("OrderedGroup"):
        children.sort(key=_index)
    if name.endswith(("Group", "GroupIndexed")):
        ids += [r for child in children for r in _group_order(child)]
    return ids


def _text_equiv(element: etree._Element) -> str | None:
    """The Unicode of an element's own TextEquiv with the lowest index (first if none has one)."""
    equivs = element.findall("{*}TextEquiv")
    if not equivs:
        return None
    best = min(equivs, key=_index)
    unicode = best.find("{*}Unicode")
    return (unicode.text or "") if unicode is not None else None


def hocr_text(root: html.HtmlElement) -> str:
    """hOCR: the ocrx_word texts of each ocr_line joined by spaces; words outside lines alone."""
    lines = []
    for element in root.iter():
        classes = set((element.get("class") or "").split())
        if classes & HOCR_LINE_CLASSES:
            words = [w for w in element.iter() if "ocrx_word" in (w.get("class") or "").split()]
            texts = (
                [_squash(w.text_content()) for w in words]
                if words
                else [_squash(element.text_content())]
            )
            lines.append(" ".join(t for t in texts if t))
        elif "ocrx_word" in classes and not _inside_line(element):
            lines.append(_squash(element.text_content()))
    return "\n".join(lines)


def _inside_line(element: html.HtmlElement) -> bool:
    parent = element.getparent()
    while parent is not None:
        if set((parent.get("class") or "").split()) & HOCR_LINE_CLASSES:
            return True
        parent = parent.getparent()
    return False


def _squash(text: str) -> str:
    return " ".join(text.split())


def page_stem(path: Path) -> str:
    """A file's name without its format suffix: "p1.gt.txt", "p1.alto.xml", "p1.hocr" -> "p1"."""
    name = path.name
    lowered = name.lower()
    for suffix in FORMAT_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return path.stem


def pair_files(reference: Path, ocr: Path) -> tuple[list[tuple[str, Path, Path]], list[Path]]:
    """(name, reference, OCR) pairs of two files, or of two folders' text files by page stem;
    and the files of either folder without a partner."""
    reference, ocr = Path(reference), Path(ocr)
    for path in (reference, ocr):
        if not path.exists():
            raise InputFileError("no such file or folder", path=path)
    if reference.is_file() and ocr.is_file():
        return [(page_stem(reference), reference, ocr)], []
    if not (reference.is_dir() and ocr.is_dir()):
        raise InputFileError(
            "give two files or two folders to compare, not one of each",
            path=ocr if reference.is_dir() else reference,
        )
    refs, ocrs = _text_files_by_stem(reference), _text_files_by_stem(ocr)
    pairs = [(stem, refs[stem], ocrs[stem]) for stem in sorted(refs.keys() & ocrs.keys())]
    if not pairs:
        raise InputFileError(
            f"no file of {ocr} has the name of a file here (names are compared "
            f"without {', '.join(FORMAT_SUFFIXES[:4])}, ...)",
            path=reference,
        )
    unmatched = sorted(
        [refs[s] for s in refs.keys() - ocrs.keys()] + [ocrs[s] for s in ocrs.keys() - refs.keys()]
    )
    return pairs, unmatched


def _text_files_by_stem(folder: Path) -> dict[str, Path]:
    """Text, XML and hOCR files of a folder (not its subfolders) by page stem; images skipped."""
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if not path.name.lower().endswith(FORMAT_SUFFIXES):
            continue
        stem = page_stem(path)
        if stem in found:
            raise InputFileError(
                f"{found[stem].name} and {path.name} both name page {stem!r}; "
                "keep one format per page in a folder",
                path=folder,
            )
        found[stem] = path
    return found
