"""Inputs for property tests and the fuzz campaign (bench/fuzz.py): seeds from real files, their
mutations, and markup built from the ALTO, PAGE and hOCR vocabularies."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import strategies as st

from ocr.detect.regions import STAMP, ColourFigures, Region, box_polygon
from ocr.records import Box
from tests.conftest import EHRI, RESOURCES, ROOT

ALTO_TAGS = (
    "alto",
    "Layout",
    "Page",
    "PrintSpace",
    "TextBlock",
    "TextLine",
    "String",
    "SP",
    "HYP",
    "Description",
    "Styles",
)
PAGE_TAGS = (
    "PcGts",
    "Page",
    "TextRegion",
    "TextLine",
    "Word",
    "Glyph",
    "TextEquiv",
    "Unicode",
    "ReadingOrder",
    "OrderedGroup",
    "UnorderedGroup",
    "RegionRefIndexed",
    "RegionRef",
    "Coords",
    "GraphicRegion",
)
HOCR_CLASSES = (
    "ocr_page",
    "ocr_carea",
    "ocr_par",
    "ocr_line",
    "ocrx_word",
    "ocr_textfloat",
    "ocr_header",
    "ocr_caption",
)
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
ATTRIBUTES = ("CONTENT", "index", "regionRef", "id", "class", "title", "HPOS", "VPOS")


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# Text in markup: anything XML 1.0 can carry (no controls, no surrogates).
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@st.composite
def element(draw: st.DrawFn, tags: tuple[str, ...], depth: int = 0) -> str:
    """One element of a vocabulary with random attributes, text and children."""
    tag = draw(st.sampled_from(tags))
    attrs = draw(st.dictionaries(st.sampled_from(ATTRIBUTES), XML_TEXT, max_size=3))
    body = _escape(draw(XML_TEXT))
    children = draw(st.lists(element(tags, depth + 1), max_size=0 if depth > 3 else 3))
    attr_text = "".join(f' {k}="{_escape(v)}"' for k, v in attrs.items())
    return f"<{tag}{attr_text}>{body}{''.join(children)}</{tag}>"


@st.composite
def markup(draw: st.DrawFn) -> bytes:
    """An ALTO, PAGE or hOCR-like document (well-formed or not, namespaced or not)."""
    kind = draw(st.sampled_from(("alto", "page", "hocr")))
    if kind == "hocr":
        words = draw(st.lists(st.tuples(st.sampled_from(HOCR_CLASSES), XML_TEXT), max_size=8))
        spans = "".join(
            f"<span class='{c}' title='bbox 0 0 1 1'>{_escape(t)}</span>" for c, t in words
        )
        text = f"<html><body><div class='ocr_page'>{spans}</div></body></html>"
    else:
        root = "alto" if kind == "alto" else "PcGts"
        ns = draw(st.sampled_from((ALTO_NS if kind == "alto" else PAGE_NS, "")))
        inner = "".join(
            draw(st.lists(element(ALTO_TAGS if kind == "alto" else PAGE_TAGS), max_size=3))
        )
        text = f'<{root} xmlns="{ns}">{inner}</{root}>' if ns else f"<{root}>{inner}</{root}>"
    data = text.encode("utf-8")
    if draw(st.booleans()):  # cut it short: what a killed writer leaves
        data = data[: draw(st.integers(0, len(data)))]
    return data


def regions_seed() -> bytes:
    """A detected-regions file as the detect stage writes it (one read colour stamp): the seed
    the property test and the fuzz campaign mutate."""
    stamp = Region(
        STAMP,
        Box(1, 2, 3, 4),
        box_polygon(Box(1, 2, 3, 4)),
        0.5,
        "r",
        colour="violet",
        source="colour",
        text="МИД",
        detail=ColourFigures(ink_px=900, pieces=7),
        stamp_text="МИД",
    )
    return json.dumps([stamp.stored()], ensure_ascii=False).encode()


def seed_files() -> dict[str, list[Path]]:
    """Real files per kind: scans, references, markup, manifests (those present here)."""
    shared_xml = sorted(EHRI.glob("*.xml"))[:2] if EHRI.is_dir() else []
    return {
        "scan": [p for p in (RESOURCES / "invalid").glob("*") if p.is_file()]
        + [p for p in (ROOT / "scans").glob("*") if p.suffix.lower() in (".jpg", ".tif")],
        "reference": sorted((ROOT / "ground_truth").glob("*.txt")),
        "markup": shared_xml,
    }


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A seed with bytes flipped, cut, repeated or spliced in: what damage does to files."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "cut", "insert", "dup", "zero")))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "dup" and data:
            data[at:at] = data[at : at + draw(st.integers(1, 32))]
        elif op == "zero" and data:
            data[at : at + 8] = bytes(len(data[at : at + 8]))
    return bytes(data)
