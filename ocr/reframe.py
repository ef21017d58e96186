"""Tesseract's outputs and detected regions moved from the OCR frame to the original page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from lxml import etree

from ocr.detect.regions import Region
from ocr.fsutil import atomic_write_bytes, atomic_write_text
from ocr.geometry import PageGeometry
from ocr.records import Box

_TITLE = re.compile(r"""title=(['"])(.*?)\1""", re.DOTALL)
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def reframe_outputs(
    outputs: Mapping[str, Path], geometry: PageGeometry, *, image_name: str
) -> None:
    """Rewrite a page's TSV, hOCR and ALTO (whichever are in ``outputs``) in place so that every
    box is in the original page's pixels and the image they name is ``image_name`` (the page
    as loaded, which the review shows). Other outputs are left as they are."""
    if "tsv" in outputs:
        path = outputs["tsv"]
        atomic_write_text(path, reframe_tsv(path.read_text(encoding="utf-8"), geometry))
    if "hocr" in outputs:
        path = outputs["hocr"]
        text = path.read_text(encoding="utf-8")
        atomic_write_text(path, reframe_hocr(text, geometry, image_name=image_name))
    if "alto" in outputs:
        path = outputs["alto"]
        atomic_write_bytes(path, reframe_alto(path.read_bytes(), geometry, image_name=image_name))


def reframe_tsv(text: str, geometry: PageGeometry) -> str:
    """A tesseract TSV with its boxes (left, top, width, height) in the original page."""
    lines = text.split("\n")
    out = lines[:1]
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) < 12 or not cells[0].isdigit():
            out.append(line)
            continue
        if cells[0] == "1":  # the page itself
            box = Box(0, 0, geometry.cols, geometry.rows)
        else:
            box = geometry.box_to_original(Box(*(int(v) for v in cells[6:10])))
        cells[6:10] = [str(v) for v in box.as_list()]
        out.append("\t".join(cells))
    return "\n".join(out)


def reframe_hocr(text: str, geometry: PageGeometry, *, image_name: str) -> str:
    """A tesseract hOCR with every bbox, x_bboxes and baseline in the original page."""

    def title(match: re.Match[str]) -> str:
        quote, value = match.group(1), match.group(2)
        return f"title={quote}{_hocr_title(value, geometry, image_name=image_name)}{quote}"

    return _TITLE.sub(title, text)


def _hocr_title(title: str, geometry: PageGeometry, *, image_name: str) -> str:
    props = [p.strip() for p in title.split(";")]
    is_page = any(p.startswith(("image ", "ppageno")) for p in props)
    old_box = new_box = None
    out = []
    for prop in props:
        name, _, value = prop.partition(" ")
        if name == "image":
            prop = f'image "{image_name}"'
        elif name in ("bbox", "x_bboxes") and len(value.split()) == 4:
            x0, y0, x1, y1 = (int(float(v)) for v in value.split())
            box = Box(x0, y0, x1 - x0, y1 - y0)
            mapped = (
                Box(0, 0, geometry.cols, geometry.rows)
                if is_page
                else geometry.box_to_original(box)
            )
            if name == "bbox":
                old_box, new_box = box, mapped
            prop = f"{name} {mapped.left} {mapped.top} {mapped.right} {mapped.bottom}"
        out.append(prop)
    if old_box is not None and new_box is not None:
        out = [
            _baseline(p, old_box, new_box, geometry) if p.startswith("baseline ") else p
            for p in out
        ]
    return "; ".join(out)


def _baseline(prop: str, old: Box, new: Box, geometry: PageGeometry) -> str:
    """hOCR's ``baseline slope offset`` (from the box's bottom-left corner) of a line whose box
    moved from ``old`` (OCR frame) to ``new`` (original page)."""
    try:
        slope, offset = (float(v) for v in prop.split()[1:3])
    except ValueError:
        return prop
    start = (old.left, old.bottom + offset)
    end = (old.right, old.bottom + offset + slope * old.width)
    (x0, y0), (x1, y1) = geometry.points_to_original([start, end])
    new_slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    new_offset = y0 + new_slope * (new.left - x0) - new.bottom
    return f"baseline {new_slope:.3f} {round(new_offset)}"


def reframe_alto(data: bytes, geometry: PageGeometry, *, image_name: str) -> bytes:
    """A tesseract ALTO with every HPOS/VPOS/WIDTH/HEIGHT in the original page."""
    root = etree.fromstring(data, _XML)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if local == "fileName":
            node.text = image_name
        elif local == "Page":
            node.set("WIDTH", str(geometry.cols))
            node.set("HEIGHT", str(geometry.rows))
        elif local == "PrintSpace":
            _set_box(node, Box(0, 0, geometry.cols, geometry.rows))
        elif node.get("HPOS") is not None and node.get("VPOS") is not None:
            _set_box(node, geometry.box_to_original(_alto_box(node)))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _alto_box(node: etree._Element) -> Box:
    values = [round(float(node.get(name, "0"))) for name in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    return Box(*values)


def _set_box(node: etree._Element, box: Box) -> None:
    node.set("HPOS", str(box.left))
    node.set("VPOS", str(box.top))
    node.set("WIDTH", str(box.width))
    if node.get("HEIGHT") is not None:
        node.set("HEIGHT", str(box.height))


def reframe_region(region: Region, geometry: PageGeometry) -> Region:
    """A detected region with its box and polygon in the original page."""
    if geometry.is_identity:
        return region
    points = geometry.points_to_original(region.polygon)
    polygon = tuple((round(x), round(y)) for x, y in points)
    return replace(region, box=geometry.box_to_original(region.box), polygon=polygon)
