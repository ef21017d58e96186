"""Synthetic typescript scans with exact ground truth: typed text, stamps and handwriting."""

from __future__ import annotations

from ocr.synth.alto import AltoLine, alto_text, read_alto_lines
from ocr.synth.handwriting import Handwriting
from ocr.synth.layout import Paragraph, TypedLine, layout_paragraphs, letter_spaced, wrap_paragraph
from ocr.synth.regions import Region
from ocr.synth.render import PageSpec, RenderedPage, render_page
from ocr.synth.stamp import Stamp
from ocr.synth.style import RenderStyle, carbon_copy, sample_style

__all__ = [
    "AltoLine",
    "Handwriting",
    "PageSpec",
    "Paragraph",
    "Region",
    "RenderStyle",
    "RenderedPage",
    "Stamp",
    "TypedLine",
    "alto_text",
    "carbon_copy",
    "layout_paragraphs",
    "letter_spaced",
    "read_alto_lines",
    "render_page",
    "sample_style",
    "wrap_paragraph",
]
