"""Read ALTO ground truth: each TextLine's text (its String CONTENTs) and outline, in file order."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ocr.exceptions import InputFileError
from ocr.records import Box

# Annotation marks of SegmOnto transcriptions (tapuscorpus): `_word` underlined, `^x` superscript.
ANNOTATION_MARKS = str.maketrans("", "", "_^")


@dataclass(frozen=True)
class AltoLine:
    """One ALTO TextLine: its words joined by single spaces, its box and polygon (x, y points),
    the LABEL of its line type (e.g. "DefaultLine:Typewritten") and of its block's zone
    ("MainZone", "StampZone"...), "" where the file names none, and its block's index."""

    id: str
    text: str
    box: Box
    polygon: tuple[tuple[int, int], ...]
    line_type: str = ""
    zone: str = ""
    block: int = 0

    @property
    def handwritten(self) -> bool:
        return "handwritten" in self.line_type.lower()


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


def _parse(path: Path) -> etree._Element:
    try:
        return etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError) as e:
        raise InputFileError(f"cannot read ALTO XML: {e}", path=path) from e


def _labels(root: etree._Element) -> dict[str, str]:
    """Tag ID -> LABEL of the file's <Tags> (SegmOnto zone and line types)."""
    return {
        tag.get("ID", ""): tag.get("LABEL", "")
        for tag in root.iter()
        if _local(tag.tag) == "OtherTag"
    }


def _label(node: etree._Element | None, labels: dict[str, str]) -> str:
    refs = (node.get("TAGREFS", "") if node is not None else "").split()
    return " ".join(labels.get(ref, ref) for ref in refs)


def read_alto_lines(path: Path) -> list[AltoLine]:
    """Every TextLine of an ALTO file in document order; words joined with one space."""
    root = _parse(path)
    labels = _labels(root)
    lines = []
    block_index = -1
    for node in root.iter():
        if _local(node.tag) == "TextBlock":
            block_index += 1
        if _local(node.tag) != "TextLine":
            continue
        words = [s.get("CONTENT", "") for s in node if _local(s.tag) == "String"]
        text = " ".join(w.strip() for w in words if w.strip())
        lines.append(
            AltoLine(
                node.get("ID", ""),
                text,
                _box(node),
                _polygon(node),
                _label(node, labels),
                _label(node.getparent(), labels),
                max(block_index, 0),
            )
        )
    return lines


def alto_text(path: Path) -> str:
    """The ALTO file's text, one line per TextLine, with a final newline."""
    return "".join(f"{line.text}\n" for line in read_alto_lines(path))


def reading_order(lines: Sequence[AltoLine]) -> list[AltoLine]:
    """Lines block by block, each block top to bottom and, within a row, left to right.

    Transcription tools store lines in the order they were drawn; a speaker label typed between
    two lines may come after both. Lines whose vertical centres lie within half a typical line
    height of each other form one row."""
    out: list[AltoLine] = []
    for block in dict.fromkeys(line.block for line in lines):
        members = sorted(
            (ln for ln in lines if ln.block == block), key=lambda ln: ln.box.top + ln.box.height / 2
        )
        height = statistics.median([ln.box.height for ln in members] or [1])
        rows: list[list[AltoLine]] = []
        for line in members:
            centre = line.box.top + line.box.height / 2
            if rows and centre - _centre(rows[-1][0]) < height / 2:
                rows[-1].append(line)
            else:
                rows.append([line])
        out += [ln for row in rows for ln in sorted(row, key=lambda ln: ln.box.left)]
    return out


def _centre(line: AltoLine) -> float:
    return line.box.top + line.box.height / 2


def typed_text(path: Path) -> str:
    """The typed text of an ALTO file: every line but the handwritten ones, in reading order,
    without the `_` and `^` annotation marks; one line per TextLine, final newline."""
    lines = [ln for ln in reading_order(read_alto_lines(path)) if not ln.handwritten]
    texts = (ln.text.translate(ANNOTATION_MARKS).strip() for ln in lines)
    return "".join(f"{t}\n" for t in texts if t)
