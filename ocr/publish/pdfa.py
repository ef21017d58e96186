"""PDF/A-2b identification: the XMP metadata packet, the matching Info entries, the sRGB intent."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from lxml import etree

from ocr.publish.pdfobj import Name, PdfFileWriter, PdfValue, Ref

PDFA_PART, PDFA_CONFORMANCE = 2, "B"
_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class DocumentInfo:
    """What the file says about itself (title, the tool, when), in XMP and in the Info dict."""

    title: str
    creator_tool: str
    created: datetime
    subject: str = ""


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile of the output intent (see data/ORIGIN.md)."""
    return resources.files("ocr.publish").joinpath("data/sRGB.icc").read_bytes()


def _xmp_date(when: datetime) -> str:
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _pdf_date(when: datetime) -> str:
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    tz = f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'" if minutes else "Z"
    return "D:" + when.strftime("%Y%m%d%H%M%S") + tz


def _description(rdf: etree._Element, prefix: str) -> etree._Element:
    return etree.SubElement(
        rdf,
        f"{{{_NS['rdf']}}}Description",
        {f"{{{_NS['rdf']}}}about": ""},
        nsmap={prefix: _NS[prefix]},
    )


def _alt(parent: etree._Element, tag: str, text: str) -> None:
    alt = etree.SubElement(etree.SubElement(parent, tag), f"{{{_NS['rdf']}}}Alt")
    etree.SubElement(alt, f"{{{_NS['rdf']}}}li", {_XML_LANG: "x-default"}).text = text


def xmp_packet(info: DocumentInfo) -> bytes:
    """The XMP metadata: PDF/A-2b identification, title, dates and the tool that wrote it."""
    root = etree.Element(f"{{{_NS['x']}}}xmpmeta", nsmap={"x": _NS["x"]})
    rdf = etree.SubElement(root, f"{{{_NS['rdf']}}}RDF", nsmap={"rdf": _NS["rdf"]})
    ident = _description(rdf, "pdfaid")
    etree.SubElement(ident, f"{{{_NS['pdfaid']}}}part").text = str(PDFA_PART)
    etree.SubElement(ident, f"{{{_NS['pdfaid']}}}conformance").text = PDFA_CONFORMANCE
    dc = _description(rdf, "dc")
    etree.SubElement(dc, f"{{{_NS['dc']}}}format").text = "application/pdf"
    _alt(dc, f"{{{_NS['dc']}}}title", info.title)
    if info.subject:
        _alt(dc, f"{{{_NS['dc']}}}description", info.subject)
    xmp = _description(rdf, "xmp")
    for tag in ("CreateDate", "ModifyDate", "MetadataDate"):
        etree.SubElement(xmp, f"{{{_NS['xmp']}}}{tag}").text = _xmp_date(info.created)
    etree.SubElement(xmp, f"{{{_NS['xmp']}}}CreatorTool").text = info.creator_tool
    pdf = _description(rdf, "pdf")
    etree.SubElement(pdf, f"{{{_NS['pdf']}}}Producer").text = info.creator_tool
    body = etree.tostring(root, encoding="utf-8")
    return (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        + body
        + b'\n<?xpacket end="w"?>'
    )


def info_dict(info: DocumentInfo) -> dict[str, PdfValue]:
    """The Info dictionary, equal to the XMP's values as PDF/A requires."""
    out: dict[str, PdfValue] = {
        "Title": info.title,
        "Creator": info.creator_tool,
        "Producer": info.creator_tool,
        "CreationDate": _pdf_date(info.created),
        "ModDate": _pdf_date(info.created),
    }
    if info.subject:
        out["Subject"] = info.subject
    return out


def write_identification(writer: PdfFileWriter, info: DocumentInfo) -> tuple[Ref, Ref]:
    """The metadata stream (never compressed, as PDF/A asks) and the sRGB output intent."""
    metadata = writer.add_stream(
        {"Type": Name("Metadata"), "Subtype": Name("XML")}, xmp_packet(info)
    )
    profile = writer.add_stream({"N": 3}, srgb_profile(), compress=True)
    intent = writer.add(
        {
            "Type": Name("OutputIntent"),
            "S": Name("GTS_PDFA1"),
            "OutputConditionIdentifier": "sRGB IEC61966-2.1",
            "Info": "sRGB IEC61966-2.1",
            "DestOutputProfile": profile,
        }
    )
    return metadata, intent
