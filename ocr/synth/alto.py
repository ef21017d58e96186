"""Read ALTO ground truth: each TextLine's text (its String CONTENTs) and outline, in file order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ocr.exceptions import InputFileError
from ocr.records import Box


@dataclass(frozen=True)
class AltoLine:
    """One ALTO TextLine: its words joined by single spaces, its box and polygon (x, y points)."""

    id: str
    text: str
    box: Box
    polygon: tuple[tuple[int, int], ...]


def _local(tag: object) -> str:
    """An element's tag without its namespace (ALTO v2, v3 and v4 differ only there)."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _polygon(line: etree._Element) -> tuple[tuple[int, int], ...]:
    """The line's Shape/Polygon POINTS as (x, y) pairs, or () if it has none."""
    for node in line.iter():
        if _local(node.tag) == "Polygon" and node.get("POINTS"):
            numbers = [round(float(v)) for v in node.get("POINTS", "").replace(",", " ").split()]
            return tuple(zip(numbers[::2], numbers[1::2], strict=True))
    return ()


def _box(line: etree._Element) -> Box:
    """The line's HPOS/VPOS/WIDTH/HEIGHT as a :class:`Box`."""
    return Box(*(round(float(line.get(name, "0"))) for name in ("HPOS", "VPOS", "WIDTH", "HEIGHT")))


def read_alto_lines(path: Path) -> list[AltoLine]:
    """Every TextLine of an ALTO file in document order; words joined with one space."""
    try:
        root = etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as e:
        raise InputFileError(f"cannot read ALTO XML: {e}", path=path) from e
    lines = []
    for line in root.iter():
        if _local(line.tag) != "TextLine":
            continue
        words = [s.get("CONTENT", "") for s in line if _local(s.tag) == "String"]
        text = " ".join(w.strip() for w in words if w.strip())
        lines.append(AltoLine(line.get("ID", ""), text, _box(line), _polygon(line)))
    return lines


def alto_text(path: Path) -> str:
    """The ALTO file's text, one line per TextLine, with a final newline."""
    return "".join(f"{line.text}\n" for line in read_alto_lines(path))
