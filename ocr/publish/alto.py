"""ALTO v4 from words (the reviewed text on the reviewed words' boxes), one file per page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby

from lxml import etree

from ocr import __version__
from ocr.records import Box
from ocr.tesseract import Word

ALTO = "http://www.loc.gov/standards/alto/ns-v4#"
_A = f"{{{ALTO}}}"


def _box_attrs(box: Box) -> dict[str, str]:
    return {
        "HPOS": str(box.left),
        "VPOS": str(box.top),
        "WIDTH": str(box.width),
        "HEIGHT": str(box.height),
    }


def _description(root: etree._Element, *, image: str, created: datetime, what: str) -> None:
    desc = etree.SubElement(root, _A + "Description")
    etree.SubElement(desc, _A + "MeasurementUnit").text = "pixel"
    source = etree.SubElement(desc, _A + "sourceImageInformation")
    etree.SubElement(source, _A + "fileName").text = image
    step = etree.SubElement(desc, _A + "Processing", ID="review")
    etree.SubElement(step, _A + "processingCategory").text = "contentGeneration"
    etree.SubElement(step, _A + "processingDateTime").text = created.isoformat(timespec="seconds")
    etree.SubElement(step, _A + "processingStepDescription").text = what
    software = etree.SubElement(step, _A + "processingSoftware")
    etree.SubElement(software, _A + "softwareName").text = "archival-ocr"
    etree.SubElement(software, _A + "softwareVersion").text = __version__


def _line(block: etree._Element, ident: str, words: list[Word]) -> None:
    line = etree.SubElement(
        block,
        _A + "TextLine",
        ID=f"line_{ident}",
        **_box_attrs(Box.union_all(w.box for w in words)),
    )
    for i, w in enumerate(words):
        if i:
            etree.SubElement(line, _A + "SP")
        conf = max(0.0, min(w.conf, 100.0)) / 100.0 if w.conf >= 0 else 0.0
        etree.SubElement(
            line,
            _A + "String",
            ID=f"string_{ident}_{i + 1}",
            CONTENT=w.text,
            WC=f"{conf:.2f}",
            **_box_attrs(w.box),
        )


def build_alto(
    words: Sequence[Word],
    *,
    page_number: int,
    rows: int,
    cols: int,
    image: str,
    created: datetime,
    what: str = "text as decided in review",
) -> bytes:
    """An ALTO v4 page: a TextBlock per block, a TextLine per line, a String per word (its
    confidence as WC; a reviewer's word is 1.00)."""
    root = etree.Element(_A + "alto", nsmap={None: ALTO})
    _description(root, image=image, created=created, what=what)
    layout = etree.SubElement(root, _A + "Layout")
    page = etree.SubElement(
        layout,
        _A + "Page",
        ID=f"page_{page_number}",
        PHYSICAL_IMG_NR=str(page_number),
        WIDTH=str(cols),
        HEIGHT=str(rows),
    )
    space = etree.SubElement(
        page, _A + "PrintSpace", HPOS="0", VPOS="0", WIDTH=str(cols), HEIGHT=str(rows)
    )
    for b, (_, group) in enumerate(groupby(words, key=lambda w: w.block), start=1):
        block_words = list(group)
        block = etree.SubElement(
            space,
            _A + "TextBlock",
            ID=f"block_{b}",
            **_box_attrs(Box.union_all(w.box for w in block_words)),
        )
        lines = groupby(block_words, key=lambda w: w.line_key)
        for n, (_, line_words) in enumerate(lines, start=1):
            _line(block, f"{b}_{n}", list(line_words))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
