"""Synthetic typescript scans with exact ground truth: typed text, stamps and handwriting."""

from __future__ import annotations

from ocr_synth.alto import AltoLine, alto_text, read_alto_lines
from ocr_synth.handwriting import Handwriting
from ocr_synth.layout import Paragraph, TypedLine, layout_paragraphs, letter_spaced, wrap_paragraph
from ocr_synth.regions import Region
from ocr_synth.render import PageSpec, RenderedPage, render_page
from ocr_synth.stamp import Stamp
from ocr_synth.style import RenderStyle, carbon_copy, sample_style

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
