"""Checks of a PDF's PDF/A-2b markers with pikepdf (veraPDF is not installable here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

PDFAID, DC = "http://www.aiim.org/pdfa/ns/id/", "http://purl.org/dc/elements/1.1/"
PDF = "http://ns.adobe.com/pdf/1.3/"
FORBIDDEN_FILTERS = frozenset({"/LZWDecode"})
FORBIDDEN_KEYS = frozenset({"/JavaScript", "/AA", "/OPI", "/Alternates"})


def _identification(pdf: Any) -> Iterator[str]:
    meta = pdf.Root.get("/Metadata")
    if meta is None:
        yield "no XMP metadata stream"
        return
    if "/Filter" in meta:
        yield "the XMP metadata stream is compressed"
    xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)  # read only
    part, conformance = xmp.get(f"{{{PDFAID}}}part"), xmp.get(f"{{{PDFAID}}}conformance")
    title, producer = xmp.get(f"{{{DC}}}title"), xmp.get(f"{{{PDF}}}Producer")
    if (str(part), str(conformance)) != ("2", "B"):
        yield f"XMP says PDF/A part {part} conformance {conformance}, not 2B"
    info = pdf.trailer.get("/Info")
    if info is not None:
        if "/Title" in info and str(info["/Title"]) != str(title):
            yield "the Info Title differs from the XMP dc:title"
        if "/Producer" in info and str(info["/Producer"]) != str(producer):
            yield "the Info Producer differs from the XMP pdf:Producer"


def _output_intent(pdf: Any) -> Iterator[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFA1"]
    if len(intents) != 1:
        yield f"{len(intents)} GTS_PDFA1 output intents (PDF/A needs exactly one)"
        return
    profile = intents[0].get("/DestOutputProfile")
    data = bytes(profile.read_bytes()) if profile is not None else b""
    if data[36:40] != b"acsp" or data[16:20] != b"RGB " or int(profile.get("/N", 0)) != 3:
        yield "the output intent has no RGB ICC profile"


def _fonts(pdf: Any) -> Iterator[str]:
    for number, page in enumerate(pdf.pages, start=1):
        for name, font in page.obj.get("/Resources", {}).get("/Font", {}).items():
            leaves = list(font.get("/DescendantFonts", [])) or [font]
            for leaf in leaves:
                desc = leaf.get("/FontDescriptor", {})
                if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    yield f"page {number}: font {name} is not embedded"
            if "/ToUnicode" not in font:
                yield f"page {number}: font {name} has no ToUnicode map"


def _objects(pdf: Any) -> Iterator[str]:
    for obj in pdf.objects:
        if not hasattr(obj, "keys"):
            continue
        keys = set(obj.keys())
        if keys & FORBIDDEN_KEYS:
            yield f"object {obj.objgen}: {sorted(keys & FORBIDDEN_KEYS)}"
        if obj.get("/Subtype") == "/Image" and bool(obj.get("/Interpolate", False)):
            yield f"object {obj.objgen}: an image asks for interpolation"
        if str(obj.get("/Filter")) in FORBIDDEN_FILTERS:
            yield f"object {obj.objgen}: LZW compression"
        if str(obj.get("/ColorSpace")) == "/DeviceCMYK":
            yield f"object {obj.objgen}: DeviceCMYK with an RGB output intent"


def pdfa_problems(path: Path) -> list[str]:
    """What keeps a file from PDF/A-2b as far as its markers show (empty when none): the
    header, no encryption, a file ID, the XMP identification matching the Info dict, one sRGB
    output intent, embedded fonts with Unicode maps, no JavaScript, LZW, interpolation or
    CMYK, and a clean qpdf syntax check. Not a substitute for veraPDF."""
    import pikepdf

    head = Path(path).read_bytes()[:32]
    problems = (
        []
        if head.startswith(b"%PDF-1.") and any(b > 127 for b in head.split(b"\n")[1])
        else ["no PDF header with a binary comment line"]
    )
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("the file is encrypted")
        if "/ID" not in pdf.trailer:
            problems.append("the trailer has no file ID")
        for check in (_identification, _output_intent, _fonts, _objects):
            problems += list(check(pdf))
        problems += [f"qpdf: {p}" for p in pdf.check_pdf_syntax()]
    return problems
