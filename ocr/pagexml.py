"""PAGE-XML (2019-07-15) from tesseract's words, with graphic regions for stamps and signatures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from xml.etree import ElementTree as ET

from ocr.records import Box
from ocr.tesseract import Word

NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
GRAPHIC_TYPES = {
    "stamp": "stamp",
    "signature": "signature",
    "handwriting": "handwritten-annotation",
}


@dataclass(frozen=True)
class GraphicRegion:
    """A non-text region (stamp, signature, handwriting) to write as a GraphicRegion."""

    kind: str
    box: Box
    text: str = ""


def _points(box: Box) -> str:
    return " ".join(f"{x},{y}" for x, y in box.polygon())


def _text_equiv(parent: ET.Element, text: str, conf: float | None = None) -> None:
    te = ET.SubElement(parent, f"{{{NS}}}TextEquiv")
    if conf is not None:
        te.set("conf", f"{max(0.0, min(conf, 100.0)) / 100.0:.3f}")
    ET.SubElement(te, f"{{{NS}}}Unicode").text = text


def build_page_xml(
    words: Sequence[Word],
    *,
    image_filename: str,
    rows: int,
    cols: int,
    graphics: Sequence[GraphicRegion] = (),
    creator: str = "archival-ocr",
) -> bytes:
    """A PAGE document: TextRegion per block, TextLine per line, Word with confidence."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}PcGts")
    meta = ET.SubElement(root, f"{{{NS}}}Metadata")
    ET.SubElement(meta, f"{{{NS}}}Creator").text = creator
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    ET.SubElement(meta, f"{{{NS}}}Created").text = now
    ET.SubElement(meta, f"{{{NS}}}LastChange").text = now
    page = ET.SubElement(
        root,
        f"{{{NS}}}Page",
        imageFilename=image_filename,
        imageWidth=str(cols),
        imageHeight=str(rows),
    )
    for b, block_words in groupby(words, key=lambda w: w.block):
        _block(page, b, list(block_words))
    for i, g in enumerate(graphics, start=1):
        region = ET.SubElement(
            page, f"{{{NS}}}GraphicRegion", id=f"g{i}", type=GRAPHIC_TYPES.get(g.kind, "other")
        )
        if g.kind not in GRAPHIC_TYPES:
            region.set("custom", f"type:{g.kind};")
        ET.SubElement(region, f"{{{NS}}}Coords", points=_points(g.box))
        if g.text:  # a stamp's own text, read separately
            user = ET.SubElement(region, f"{{{NS}}}UserDefined")
            ET.SubElement(
                user,
                f"{{{NS}}}UserAttribute",
                name="transcription",
                type="xsd:string",
                value=g.text,
            )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _block(page: ET.Element, block: int, words: list[Word]) -> None:
    region = ET.SubElement(page, f"{{{NS}}}TextRegion", id=f"r{block}", type="paragraph")
    ET.SubElement(region, f"{{{NS}}}Coords", points=_points(Box.union_all([w.box for w in words])))
    lines = [list(g) for _, g in groupby(words, key=lambda w: w.line_key)]
    for line_words in lines:
        key = line_words[0].line_key
        line = ET.SubElement(region, f"{{{NS}}}TextLine", id=f"l{key[0]}_{key[1]}_{key[2]}")
        ET.SubElement(
            line, f"{{{NS}}}Coords", points=_points(Box.union_all([w.box for w in line_words]))
        )
        for w in line_words:
            word = ET.SubElement(line, f"{{{NS}}}Word", id=f"w{key[0]}_{key[1]}_{key[2]}_{w.word}")
            ET.SubElement(word, f"{{{NS}}}Coords", points=_points(w.box))
            _text_equiv(word, w.text, w.conf)
        _text_equiv(line, " ".join(w.text for w in line_words))
    _text_equiv(region, "\n".join(" ".join(w.text for w in lw) for lw in lines))
