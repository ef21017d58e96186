"""The invisible text layer: tesseract's glyphless font, and each word stretched over its box."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import groupby

from ocr.publish.frame import Affine, Point
from ocr.publish.pdfobj import Name, PdfFileWriter, Ref, number
from ocr.tesseract import Word

FONT_NAME = "GlyphLessFont"
GLYPH_WIDTH = 500  # its one glyph's advance, in thousandths of the font size
_REPLACEMENT = "\ufffd"


@functools.cache
def glyphless_font() -> bytes:
    """The TrueType program of tesseract's glyphless font (see data/ORIGIN.md)."""
    return resources.files("ocr.publish").joinpath("data/GlyphLessFont.ttf").read_bytes()


def _to_unicode_cmap() -> bytes:
    """Two-byte codes are UTF-16 code units: each maps to itself (in ranges of one high byte)."""
    highs = [h for h in range(256) if not 0xD8 <= h <= 0xDF]
    blocks = []
    for start in range(0, len(highs), 100):
        chunk = highs[start : start + 100]
        lines = [f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in chunk]
        blocks.append(f"{len(chunk)} beginbfrange\n" + "\n".join(lines) + "\nendbfrange")
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(blocks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\n"
        "end\nend\n"
    ).encode("ascii")


def write_font(writer: PdfFileWriter) -> Ref:
    """The glyphless font's objects (embedded, every code drawn with its one glyph); returns the
    Type0 font to name in page resources."""
    program = glyphless_font()
    file_ref = writer.add_stream({"Length1": len(program)}, program, compress=True)
    descriptor = writer.add(
        {
            "Type": Name("FontDescriptor"),
            "FontName": Name(FONT_NAME),
            "Flags": 5,
            "FontBBox": [0, 0, GLYPH_WIDTH, 1000],
            "ItalicAngle": 0,
            "Ascent": 1000,
            "Descent": -1,
            "CapHeight": 1000,
            "StemV": 80,
            "FontFile2": file_ref,
        }
    )
    gid_map = writer.add_stream({}, b"\x00\x01" * 65536, compress=True)  # every CID -> glyph 1
    cid_font = writer.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("CIDFontType2"),
            "BaseFont": Name(FONT_NAME),
            "CIDSystemInfo": {"Registry": "Adobe", "Ordering": "Identity", "Supplement": 0},
            "FontDescriptor": descriptor,
            "DW": GLYPH_WIDTH,
            "CIDToGIDMap": gid_map,
        }
    )
    to_unicode = writer.add_stream({}, _to_unicode_cmap(), compress=True)
    return writer.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("Type0"),
            "BaseFont": Name(FONT_NAME),
            "Encoding": Name("Identity-H"),
            "DescendantFonts": [cid_font],
            "ToUnicode": to_unicode,
        }
    )


def encode(text: str) -> bytes:
    """UTF-16BE code units, the font's two-byte codes; characters beyond the Basic
    Multilingual Plane and controls become U+FFFD."""
    clean = "".join(
        ch if " " <= ch <= "\uffff" and not 0xD800 <= ord(ch) <= 0xDFFF else _REPLACEMENT
        for ch in text
    )
    return clean.encode("utf-16-be")


@dataclass(frozen=True)
class Placed:
    """One run of text on the page: its codes, its baseline's start, direction and length,
    and the unit 'up' vector whose length is the font size (all in user space)."""

    codes: bytes
    origin: Point
    direction: Point
    length: float
    up: Point
    size: float


def _place(
    text: str, left: float, right: float, top: float, bottom: float, to_user: Affine
) -> Placed | None:
    codes = encode(text)
    (x0, y0), (x1, y1) = to_user.apply(left, bottom), to_user.apply(right, bottom)
    ux, uy = to_user.apply(left, top)
    length, size = math.hypot(x1 - x0, y1 - y0), math.hypot(ux - x0, uy - y0)
    if not codes or length <= 0 or size <= 0:
        return None
    return Placed(
        codes,
        (x0, y0),
        ((x1 - x0) / length, (y1 - y0) / length),
        length,
        ((ux - x0) / size, (uy - y0) / size),
        size,
    )


def place_words(words: Sequence[Word], to_user: Affine) -> Iterator[Placed]:
    """Each word on the baseline it shares with its neighbours on the line (their bottom), as
    tall as they are together, and followed by a space stretched to the next word, so text
    extraction keeps the words apart. Neighbours only: a line of a skewed page slopes."""
    for _, group in groupby(words, key=lambda w: w.line_key):
        line = list(group)
        for i, word in enumerate(line):
            near = line[max(0, i - 1) : i + 2]
            top = min(w.box.top for w in near)
            bottom = max(w.box.bottom for w in near)
            last = i == len(line) - 1
            following = None if last else line[i + 1].box.left
            # Up to the next word (never past it, so extraction sees the gap as a space).
            right = (
                following if following is not None and following > word.box.left else word.box.right
            )
            placed = _place(
                word.text if last else word.text + " ",
                word.box.left,
                max(right, word.box.left + 1),
                top,
                max(bottom, top + 1),
                to_user,
            )
            if placed is not None:
                yield placed


def text_operators(placed: Sequence[Placed] | Iterator[Placed], *, font: str) -> bytes:
    """A content-stream fragment drawing the runs invisibly (rendering mode 3)."""
    parts = [b"BT\n3 Tr\n"]
    for p in placed:
        scale = 100.0 * p.length / (len(p.codes) / 2 * GLYPH_WIDTH / 1000 * p.size)
        matrix = (*p.direction, *p.up, *p.origin)
        parts.append(
            b"/"
            + font.encode()
            + b" "
            + number(p.size)
            + b" Tf "
            + number(scale)
            + b" Tz "
            + b" ".join(number(v) for v in matrix)
            + b" Tm <"
            + p.codes.hex().encode()
            + b"> Tj\n"
        )
    parts.append(b"ET\n")
    return b"".join(parts)
