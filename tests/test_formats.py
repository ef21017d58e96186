"""Readers of ALTO, PAGE, hOCR and plain text; pairing by page stem; score_files end to end."""

from __future__ import annotations

import json
from pathlib import Path

import dinglehopper
import pytest

from ocr.exceptions import EmptyFileError, InputFileError
from ocr.formats import page_stem, pair_files, read_source, read_text_any
from ocr.pagexml import build_page_xml
from ocr.records import Box
from ocr.score import normalise
from ocr.score_cli import score_files
from ocr.tesseract import Word
from tests.test_score import EHRI, ehri_page_text, need, perturb

pytestmark = pytest.mark.unit

# Real data: EHRI typewritten diplomatic reports, ALTO v4 line ground truth (CC-BY 4.0, EHRI
# project; see /work/shared/realdata/README.md).

ALTO = """<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v{v}#"><Layout><Page><PrintSpace>
<TextBlock><TextLine><String CONTENT="Посетил"/><SP/><String CONTENT="Нам"/><SP/>
<String CONTENT="Ира."/></TextLine>
<TextLine><String CONTENT="научно-исследовательском"/><SP/><String CONTENT="об"/><HYP CONTENT="-"/>
</TextLine></TextBlock>
<TextBlock><TextLine><String CONTENT="ласть"/></TextLine></TextBlock>
</PrintSpace></Page></Layout></alto>
"""

PAGE_2013 = """<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"><Page>
<ReadingOrder><OrderedGroup id="ro"><RegionRefIndexed index="1" regionRef="r1"/>
<RegionRefIndexed index="0" regionRef="r2"/></OrderedGroup></ReadingOrder>
<TextRegion id="r1"><TextLine id="l1"><Word id="w1"><TextEquiv><Unicode>второй</Unicode></TextEquiv>
</Word><Word id="w2"><TextEquiv><Unicode>регион</Unicode></TextEquiv></Word></TextLine>
<TextEquiv><Unicode>region-level text is not used</Unicode></TextEquiv></TextRegion>
<TextRegion id="r2"><TextLine id="l2"><TextEquiv index="2"><Unicode>вариант</Unicode></TextEquiv>
<TextEquiv index="1"><Unicode>первая строка</Unicode></TextEquiv></TextLine></TextRegion>
</Page></PcGts>
"""

HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en"><head><title></title>
<meta name="ocr-system" content="tesseract 5.3.0" /></head><body>
<div class='ocr_page' id='page_1'><div class='ocr_carea'><p class='ocr_par'>
<span class='ocr_line' id='line_1_1'><span class='ocrx_word' title='x_wconf 96'>Петров</span>
<span class='ocrx_word'><strong>и</strong></span> <span class='ocrx_word'>зав.</span></span>
<span class='ocr_header' id='line_1_2'><span class='ocrx_word'>&lt;script&gt;</span></span>
</p></div></div></body></html>
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("version", [2, 3, 4])
def test_alto_versions_join_strings_per_line(tmp_path: Path, version: int) -> None:
    source = read_source(write(tmp_path / "p.xml", ALTO.format(v=version)))
    assert source.format == "alto" and source.encoding == "utf-8"
    assert source.text == "Посетил Нам Ира.\nнаучно-исследовательском об-\nласть"


def test_real_ehri_alto_matches_its_line_text() -> None:
    pages = sorted(need(EHRI).glob("*.xml"))
    for page in pages:
        assert read_text_any(page) == ehri_page_text(page)


def test_page_2019_from_our_own_writer(tmp_path: Path) -> None:
    words = [
        Word(1, 1, 1, 1, Box(10, 10, 50, 20), 95.0, "На"),
        Word(1, 1, 1, 2, Box(70, 10, 80, 20), 91.0, "беседе"),
        Word(2, 1, 1, 1, Box(10, 50, 90, 20), 90.0, "Петров"),
    ]
    path = tmp_path / "p001.page.xml"
    path.write_bytes(build_page_xml(words, image_filename="p.jpg", rows=100, cols=200))
    source = read_source(path)
    assert (source.format, source.text) == ("page", "На беседе\nПетров")


def test_page_2013_reading_order_line_level_and_word_fallback(tmp_path: Path) -> None:
    assert read_text_any(write(tmp_path / "p.xml", PAGE_2013)) == "первая строка\nвторой регион"


def test_hocr_words_per_line_escaped_text_unescaped(tmp_path: Path) -> None:
    source = read_source(write(tmp_path / "p.hocr", HOCR))
    assert source.format == "hocr"
    assert source.text == "Петров и зав.\n<script>"


def test_plain_text_keeps_encoding_detection(tmp_path: Path) -> None:
    path = write(tmp_path / "ref.txt", "Посетил Нам Ира. По просьбе последнего\n", "cp1251")
    source = read_source(path)
    assert (source.format, source.encoding) == ("text", "cp1251") and source.warnings
    assert source.text.startswith("Посетил Нам Ира.")


def test_text_that_starts_with_a_bracket_is_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path / "ref.txt", "<Приложение> к письму\nтекст")
    assert read_source(path).format == "text"
    assert read_text_any(path) == "<Приложение> к письму\nтекст"


def test_bad_inputs_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(EmptyFileError):
        read_source(write(tmp_path / "empty.txt", ""))
    with pytest.raises(InputFileError, match="not ALTO"):
        read_source(write(tmp_path / "other.xml", "<?xml version='1.0'?><tei><p>x</p></tei>"))
    with pytest.raises(InputFileError, match="cannot read"):
        read_source(tmp_path / "missing.txt")
    with pytest.raises(InputFileError, match="control character"):
        read_source(write(tmp_path / "bin.txt", "a\x00b"))


def test_xml_entities_are_not_expanded(tmp_path: Path) -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><TextLine>'
        '<String CONTENT="&x;"/></TextLine></alto>'
    )
    assert "root:" not in read_text_any(write(tmp_path / "evil.xml", evil))


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("p1.gt.txt", "p1"),
        ("p1.alto.xml", "p1"),
        ("p1.page.xml", "p1"),
        ("p1.hocr", "p1"),
        ("p1.txt", "p1"),
        ("P1.GT.TXT", "P1"),
        ("report.2.xml", "report.2"),
        ("a.b.c", "a.b"),
    ],
)
def test_page_stem(name: str, stem: str) -> None:
    assert page_stem(Path(name)) == stem


def test_pair_files_by_stem(tmp_path: Path) -> None:
    gt, ocr = tmp_path / "gt", tmp_path / "ocr"
    gt.mkdir()
    ocr.mkdir()
    for name in ("a.gt.txt", "b.gt.txt", "c.gt.txt", "a.tif"):
        write(gt / name, "x")
    for name in ("a.alto.xml", "b.hocr", "d.txt", ".hidden.txt"):
        write(ocr / name, "x")
    pairs, unmatched = pair_files(gt, ocr)
    assert [(n, r.name, o.name) for n, r, o in pairs] == [
        ("a", "a.gt.txt", "a.alto.xml"),
        ("b", "b.gt.txt", "b.hocr"),
    ]
    assert [p.name for p in unmatched] == ["c.gt.txt", "d.txt"]
    with pytest.raises(InputFileError, match="two files or two folders"):
        pair_files(gt, ocr / "b.hocr")
    write(ocr / "a.txt", "y")
    with pytest.raises(InputFileError, match="both name page 'a'"):
        pair_files(gt, ocr)


def test_score_files_agrees_with_dinglehopper_on_real_alto(tmp_path: Path) -> None:
    pages = sorted(need(EHRI).glob("*.xml"))[:3]
    ref_dir, ocr_dir = tmp_path / "gt", tmp_path / "ocr"
    ref_dir.mkdir()
    ocr_dir.mkdir()
    for index, page in enumerate(pages):
        (ref_dir / f"{page.stem}.alto.xml").write_bytes(page.read_bytes())
        write(ocr_dir / f"{page.stem}.txt", perturb(normalise(ehri_page_text(page)), index))
    run = score_files(ref_dir, ocr_dir, out_dir=tmp_path / "out")
    assert [p.name for p in run.pairs] == [p.stem for p in pages] and not run.unmatched
    for pair, page in zip(run.pairs, pages, strict=True):
        ref, hyp = normalise(ehri_page_text(page)), normalise(pair.ocr.text)
        strict = pair.comparison.scores["strict"]
        assert strict.cer == pytest.approx(dinglehopper.character_error_rate(ref, hyp), abs=1e-12)
        assert strict.wer == pytest.approx(dinglehopper.word_error_rate(ref, hyp), abs=1e-12)
        assert pair.reference.format == "alto" and pair.ocr.format == "text"
        assert (tmp_path / "out" / page.stem / "report.html").is_file()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scoring"]["unit"] == "file pair" and summary["scoring"]["units"] == 3
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{p.stem}/report.html"' in index for p in pages)


def test_score_files_single_pair_writes_beside_out(tmp_path: Path) -> None:
    ref = write(tmp_path / "ref.txt", "Метров и зав.")
    ocr = write(tmp_path / "ocr.txt", "Петров и зав.")
    run = score_files(ref, ocr, out_dir=tmp_path / "out")
    assert run.pairs[0].comparison.scores["strict"].char_errors == 1
    assert (tmp_path / "out" / "report.json").is_file() and run.index_path is None
