"""A merged reading's TSV, text, hOCR, ALTO and character choices, written from its words."""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from lxml import etree

from ocr.fsutil import atomic_write_text
from ocr.records import Box
from ocr.tesseract import CHOICES_SUFFIX, CharRecord, Word, choices_json

MERGED_FORMATS = frozenset({"txt", "tsv", "hocr", "alto"})  # and "page", written from the words
_SUFFIX = {"txt": ".txt", "tsv": ".tsv", "hocr": ".hocr", "alto": ".alto.xml"}
_TSV_HEAD = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
)
_ALTO = "http://www.loc.gov/standards/alto/ns-v3#"


@dataclass(frozen=True)
class PageSize:
    """The page the words sit on (the page as loaded), and its image's name."""

    rows: int
    cols: int
    image_name: str
    languages: str


def write_merged(
    words: Sequence[Word],
    out_stem: Path,
    *,
    formats: Sequence[str],
    page: PageSize,
    choices: Sequence[Sequence[CharRecord]] | None = None,
) -> dict[str, Path]:
    """Write ``out_stem``.tsv (always) and whichever of txt, hOCR and ALTO ``formats`` asks
    for, all from the same words; the choices file when ``choices`` (one list per word)."""
    writers = {"tsv": tsv_text, "txt": plain_text, "hocr": hocr_text, "alto": alto_text}
    outputs = {}
    for fmt in dict.fromkeys(["tsv", *formats]):
        if fmt in writers:
            path = out_stem.with_name(out_stem.name + _SUFFIX[fmt])
            outputs[fmt] = atomic_write_text(path, writers[fmt](words, page))
    if choices is not None:
        path = out_stem.with_name(out_stem.name + CHOICES_SUFFIX)
        outputs["choices"] = atomic_write_text(path, choices_json(choices))
    return outputs


def _runs(words: Sequence[Word], depth: int) -> Iterator[list[Word]]:
    """The words in runs of one block (depth 1), paragraph (2) or line (3)."""
    for _, group in groupby(words, key=lambda w: w.line_key[:depth]):
        yield list(group)


def _blocks(words: Sequence[Word]) -> Iterator[list[Word]]:
    return _runs(words, 1)


def _pars(words: Sequence[Word]) -> Iterator[list[Word]]:
    return _runs(words, 2)


def _lines(words: Sequence[Word]) -> Iterator[list[Word]]:
    return _runs(words, 3)


def _box(words: Sequence[Word]) -> Box:
    return Box.union_all(w.box for w in words)


def tsv_text(words: Sequence[Word], page: PageSize) -> str:
    """Tesseract's TSV of the words: page, block, paragraph, line and word rows."""

    def row(level: int, w: Word, nums: tuple[int, int, int, int], box: Box, conf: str) -> str:
        text = w.text if level == 5 else ""
        cells = [level, 1, *nums, box.left, box.top, box.width, box.height, conf, text]
        return "\t".join(str(c) for c in cells)

    out = [_TSV_HEAD, "\t".join(["1", "1", "0", "0", "0", "0", "0", "0"])]
    out[-1] += f"\t{page.cols}\t{page.rows}\t-1\t"
    for block in _blocks(words):
        out.append(row(2, block[0], (block[0].block, 0, 0, 0), _box(block), "-1"))
        for par in _pars(block):
            out.append(row(3, par[0], (par[0].block, par[0].par, 0, 0), _box(par), "-1"))
            for line in _lines(par):
                first = line[0]
                out.append(row(4, first, (*first.line_key, 0), _box(line), "-1"))
                out += [row(5, w, (*w.line_key, w.word), w.box, f"{w.conf:g}") for w in line]
    return "\n".join(out) + "\n"


def plain_text(words: Sequence[Word], page: PageSize) -> str:
    """The words as tesseract's text output has them: a line per line, a blank line after
    each paragraph."""
    pars = ["\n".join(" ".join(w.text for w in line) for line in _lines(p)) for p in _pars(words)]
    return "\n\n".join(pars) + "\n" if pars else ""


def _title(box: Box, extra: str = "") -> str:
    return f"bbox {box.left} {box.top} {box.right} {box.bottom}{extra}"


def hocr_text(words: Sequence[Word], page: PageSize) -> str:
    """An hOCR page (areas, paragraphs, lines, words with their confidence) of the words."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n <head>\n'
        "  <title></title>\n"
        '  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>\n'
        "  <meta name='ocr-system' content='tesseract (readings merged line by line)'/>\n"
        "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line "
        "ocrx_word ocrp_wconf'/>\n </head>\n <body>\n"
    )
    image = html.escape(page.image_name, quote=True)
    out = [head, f"  <div class='ocr_page' id='page_1' title='image \"{image}\"; "]
    out.append(f"{_title(Box(0, 0, page.cols, page.rows))}; ppageno 0'>\n")
    lang = html.escape(page.languages, quote=True)
    n_par = n_line = n_word = 0
    for b, block in enumerate(_blocks(words), start=1):
        out.append(f"   <div class='ocr_carea' id='block_1_{b}' title=\"{_title(_box(block))}\">\n")
        for par in _pars(block):
            n_par += 1
            out.append(
                f"    <p class='ocr_par' id='par_1_{n_par}' lang='{lang}' "
                f'title="{_title(_box(par))}">\n'
            )
            for line in _lines(par):
                n_line += 1
                out.append(
                    f"     <span class='ocr_line' id='line_1_{n_line}' "
                    f'title="{_title(_box(line))}">'
                )
                for w in line:
                    n_word += 1
                    conf = f"; x_wconf {max(0, round(w.conf))}"
                    out.append(
                        f"<span class='ocrx_word' id='word_1_{n_word}' "
                        f"title='{_title(w.box, conf)}'>{html.escape(w.text, quote=False)}</span> "
                    )
                out.append("\n     </span>\n")
            out.append("    </p>\n")
        out.append("   </div>\n")
    out.append("  </div>\n </body>\n</html>\n")
    return "".join(out)


def alto_text(words: Sequence[Word], page: PageSize) -> str:
    """An ALTO page (a TextBlock per block, a TextLine per line, a String per word) of the
    words, as tesseract's ALTO has them."""
    a = f"{{{_ALTO}}}"
    root = etree.Element(a + "alto", nsmap={None: _ALTO})
    desc = etree.SubElement(root, a + "Description")
    etree.SubElement(desc, a + "MeasurementUnit").text = "pixel"
    source = etree.SubElement(desc, a + "sourceImageInformation")
    etree.SubElement(source, a + "fileName").text = page.image_name
    layout = etree.SubElement(root, a + "Layout")
    size = {"WIDTH": str(page.cols), "HEIGHT": str(page.rows)}
    node = etree.SubElement(layout, a + "Page", ID="page_0", PHYSICAL_IMG_NR="0", **size)
    space = etree.SubElement(node, a + "PrintSpace", HPOS="0", VPOS="0", **size)
    n_line = n_word = 0
    for b, block in enumerate(_blocks(words)):
        parent = etree.SubElement(space, a + "TextBlock", ID=f"block_{b}", **_alto_box(block))
        for line in _lines(block):
            text_line = etree.SubElement(
                parent, a + "TextLine", ID=f"line_{n_line}", **_alto_box(line)
            )
            n_line += 1
            for i, w in enumerate(line):
                if i:
                    etree.SubElement(text_line, a + "SP")
                conf = max(0.0, min(w.conf, 100.0)) / 100.0
                attrs = {**_alto_box([w]), "WC": f"{conf:.2f}", "CONTENT": w.text}
                etree.SubElement(text_line, a + "String", ID=f"string_{n_word}", **attrs)
                n_word += 1
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data.decode("utf-8")


def _alto_box(words: Sequence[Word]) -> dict[str, str]:
    box = _box(words)
    return {
        "HPOS": str(box.left),
        "VPOS": str(box.top),
        "WIDTH": str(box.width),
        "HEIGHT": str(box.height),
    }
