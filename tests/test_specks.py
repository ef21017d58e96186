"""Specks of dust read as marks (ocr.detect.specks): tiny, unsure words against the page's typed
word height are dropped from every output; real small marks ("." "," "-") are kept."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from ocr.detect.specks import (
    SpeckLimits,
    SpeckModel,
    drop_specks,
    dropped_words,
    restored,
    speck_indices,
    speck_model,
    typed_height,
)
from ocr.records import Box
from ocr.tesseract import Word, read_words, words_to_text
from tests.conftest import needs_tesseract

pytestmark = pytest.mark.unit

H = 39  # px: the typed word height of a 300-dpi typescript


def _word(
    n: int, text: str, left: int, width: int, height: int, conf: float, line: int = 1
) -> Word:
    return Word(1, 1, line, n, Box(left, 100 * line, width, height), conf, text)


def _model(size: float, conf: float) -> SpeckModel:
    return SpeckModel(SpeckLimits(size, conf), SpeckLimits(size, conf), source="test")


def _page(extra: list[Word]) -> list[Word]:
    """Seven confident typed words on line 1 (their height is the page's H), then ``extra``."""
    typed = [
        _word(i + 1, t, 100 + 200 * i, 150, H, 92.0)
        for i, t in enumerate(["Вместе", "с", "тем", "процентов", "план", "выполнен", "полностью"])
    ]
    return typed + extra


def test_the_page_height_is_its_confident_words_median() -> None:
    assert typed_height(_page([])) == H
    assert typed_height(_page([])[:3]) is None  # too few words to measure by


def test_the_shipped_model_drops_dust_and_keeps_real_marks() -> None:
    """The fitted limits (ocr/data/specks.json) on a page of 39-px words: a 3x3 px blob read as
    a mark is dust however surely it is read (seed 2505's "|" at 96), and so is a 3x3 px letter
    read at 5; a real "-" of 16x3 px, a "." of 7x6 px, a "," of a French typescript read at 14,
    a letter read unsurely at letter size and "an" in a 2x3 px box (two letters: a word) are
    kept. A ">" of 18x9 px at 14 (seed 2303's speck) is as big as a real period: kept too."""
    model = speck_model()
    words = _page(
        [
            _word(1, "|", 400, 3, 3, 96.5, line=2),
            _word(2, ":", 450, 3, 3, 0.0, line=2),
            _word(3, "1", 480, 3, 3, 5.0, line=2),
            _word(4, "-", 500, 16, 3, 93.0, line=2),
            _word(5, ".", 600, 7, 6, 0.0, line=2),
            _word(6, ",", 650, 16, 14, 14.0, line=2),
            _word(7, "и", 680, 20, 22, 3.0, line=2),
            _word(8, "an", 700, 2, 3, 10.0, line=2),
            _word(9, ">", 800, 18, 9, 14.0, line=2),
        ]
    )
    assert [words[i].text for i in speck_indices(words, model)] == ["|", ":", "1"]
    assert model.source  # the model says where its numbers come from


def test_nothing_is_dropped_without_a_page_height() -> None:
    model = _model(0.5, 50.0)
    assert speck_indices([_word(1, ">", 400, 18, 9, 14.0)], model) == []


TSV_HEAD = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\t"
    "conf\ttext\n"
)


def _outputs(tmp_path: Path, words: list[Word]) -> dict[str, Path]:
    """TSV, hOCR, ALTO, text and choices of ``words``, as tesseract lays them out."""
    rows, hocr, alto, records = [TSV_HEAD], ["<div class='ocr_page'>"], [], []
    lines: dict[int, list[Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
        b = w.box
        rows.append(
            f"5\t1\t{w.block}\t{w.par}\t{w.line}\t{w.word}\t{b.left}\t{b.top}\t{b.width}\t"
            f"{b.height}\t{w.conf}\t{w.text}\n"
        )
        records.append([[c, w.conf, []] for c in w.text])
    for n, line in lines.items():
        hocr.append(f"\n  <span class='ocr_line' id='line_{n}'>")
        hocr += [
            f"\n   <span class='ocrx_word' id='word_{n}_{w.word}' title='bbox 0 0 1 1'>"
            f"{w.text}</span>"
            for w in line
        ]
        hocr.append("\n  </span>")
        strings = '<SP WIDTH="10"/>'.join(f'<String CONTENT="{w.text}"/>' for w in line)
        alto.append(f"<TextLine>{strings}</TextLine>")
    files = {
        "tsv": "".join(rows),
        "hocr": "".join(hocr) + "\n</div>\n",
        "alto": '<?xml version="1.0" encoding="UTF-8"?>\n<alto xmlns="http://www.loc.gov/'
        'standards/alto/ns-v3#"><Layout><TextBlock>'
        + "".join(alto)
        + "</TextBlock></Layout></alto>",
        "txt": "\n".join(" ".join(w.text for w in line) for line in lines.values()) + "\n",
        "choices": json.dumps(records, ensure_ascii=False),
    }
    paths = {k: tmp_path / f"p001.{k}" for k in files}
    for kind, text in files.items():
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def _hocr_words(hocr: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"class=['\"]ocrx_word['\"][^>]*>([^<]*)<", hocr)]


def test_a_speck_leaves_every_output_and_its_step_keeps_it(tmp_path: Path) -> None:
    model = _model(0.5, 50.0)
    words = _page(
        [
            _word(1, "процентов.", 100, 300, H, 91.0, line=2),
            _word(2, ">", 420, 18, 9, 14.0, line=2),  # beside the word: dust
            _word(1, "|", 900, 3, 3, 20.0, line=3),  # alone on its line
            _word(1, "-", 100, 16, 3, 93.0, line=4),  # a real dash, read surely
            _word(2, "2", 130, 20, 30, 95.0, line=4),
        ]
    )
    paths = _outputs(tmp_path, words)

    steps = drop_specks(words, paths, model)

    left = read_words(paths["tsv"])
    assert [w.text for w in left] == [w.text for w in words if w.text not in (">", "|")]
    assert words_to_text(left).text.endswith("процентов.\n- 2")
    assert paths["txt"].read_text(encoding="utf-8").splitlines()[1:] == ["процентов.", "- 2"]
    hocr = paths["hocr"].read_text(encoding="utf-8")
    assert _hocr_words(hocr) == [w.text for w in left]
    alto = paths["alto"].read_text(encoding="utf-8")
    assert re.findall(r'CONTENT="([^"]*)"', alto) == [w.text for w in left]
    assert alto.count("<TextLine>") == 3  # the line of the "|" alone is gone
    choices = json.loads(paths["choices"].read_text(encoding="utf-8"))
    assert ["".join(c[0] for c in w) for w in choices] == [w.text for w in left]
    # The step records what was read, so that the words can be put back (bench.learn_specks).
    (step,) = steps
    assert step.id == "specks"
    back = restored(left, dropped_words(step.settings))
    assert [w.text for w in back] == [w.text for w in words]
    assert back[words.index(words[8])].box == words[8].box


def test_a_page_without_specks_is_left_as_it_was(tmp_path: Path) -> None:
    model = _model(0.5, 50.0)
    words = _page([_word(1, ".", 100, 6, 6, 90.0, line=2)])
    paths = _outputs(tmp_path, words)
    before = {k: p.read_bytes() for k, p in paths.items()}

    assert drop_specks(words, paths, model) == []
    assert {k: p.read_bytes() for k, p in paths.items()} == before


def test_an_output_whose_words_do_not_line_up_is_left_as_tesseract_wrote_it(
    tmp_path: Path,
) -> None:
    model = _model(0.5, 50.0)
    words = _page([_word(1, ">", 420, 18, 9, 14.0, line=2)])
    paths = _outputs(tmp_path, words)
    paths["txt"].write_text("другой текст\n", encoding="utf-8")
    paths["choices"].write_text("[]", encoding="utf-8")

    drop_specks(words, paths, model)
    assert paths["txt"].read_text(encoding="utf-8") == "другой текст\n"
    assert paths["choices"].read_text(encoding="utf-8") == "[]"
    assert ">" not in [w.text for w in read_words(paths["tsv"])]


RESOURCES = Path(__file__).resolve().parent / "resources" / "specks"


def _read(image: Path, tmp_path: Path, formats: tuple[str, ...], *, choices: bool = False):  # type: ignore[no-untyped-def]
    """Stock tesseract's page reading (rus, 300 dpi) of a scan crop, as the pipeline calls it."""
    from ocr.tesseract import run_ocr

    return run_ocr(
        image,
        tmp_path / "p001",
        languages="rus",
        psm=3,
        oem=1,
        dpi=300,
        timeout=120,
        formats=formats,
        choices=choices,
    )


@needs_tesseract
def test_a_speck_beside_typed_text_leaves_real_tesseract_outputs(tmp_path: Path) -> None:
    """Seed 2303's speck, read by tesseract as ">" beside typed words, taken for dust by a
    model whose limits reach it: it leaves tesseract's own TSV, hOCR, ALTO, text and choices
    files; the page's real dashes stay."""
    out = _read(RESOURCES / "speck-2303-006.jpg", tmp_path, ("txt", "hocr", "alto"), choices=True)
    words = read_words(out.tsv)
    assert ">" in [w.text for w in words]  # tesseract still reads the speck as a mark
    dashes = sum(w.text == "-" for w in words)

    (step,) = drop_specks(words, dict(out.outputs), _model(0.5, 50.0))

    left = read_words(out.tsv)
    assert [w.text for w in left] == [w.text for w in words if w.text != ">"]
    assert sum(w.text == "-" for w in left) == dashes == 2
    assert ">" not in out.outputs["txt"].read_text(encoding="utf-8")
    hocr = out.outputs["hocr"].read_text(encoding="utf-8")
    assert _hocr_words(hocr) == [w.text for w in left]
    alto = out.outputs["alto"].read_text(encoding="utf-8")
    assert 'CONTENT="&gt;"' not in alto and alto.count("<String ") == len(left)
    assert len(json.loads(out.outputs["choices"].read_text(encoding="utf-8"))) == len(left)
    assert [w[-1] for w in step.settings["words"]] == [">"]


@needs_tesseract
def test_seed_2505s_speck_is_dropped_by_the_shipped_model(tmp_path: Path) -> None:
    """Seed 2505's speck, 3x3 px beside 40-px words, which tesseract reads as "|" at confidence
    96 (a review item at c28ce71): the shipped model drops it and nothing else of the crop."""
    out = _read(RESOURCES / "speck-2505-006.png", tmp_path, ("txt",))
    words = read_words(out.tsv)
    assert "|" in [w.text for w in words]

    (step,) = drop_specks(words, dict(out.outputs))

    assert [w[-1] for w in step.settings["words"]] == ["|"]
    assert "|" not in [w.text for w in read_words(out.tsv)]
    assert "|" not in out.outputs["txt"].read_text(encoding="utf-8")


def test_the_learner_labels_words_against_the_exact_text() -> None:
    """bench.learn_specks' labels: a speck with no true counterpart is spurious; a mark that
    matches the truth in context is real; a misreading of real ink is neither."""
    from bench.learn_specks import MISREAD, REAL, SPURIOUS, word_labels

    words = [
        _word(1, "процентов.", 100, 300, H, 91.0),
        _word(2, ">", 420, 18, 9, 14.0),
        _word(3, "-", 500, 16, 3, 93.0),
        _word(4, "2", 530, 20, 30, 95.0),
        _word(5, "#2", 600, 40, 30, 80.0),
        _word(6, "экз.", 700, 80, 30, 90.0),
    ]
    labels = word_labels(words, "процентов. - 2 №2 экз.")
    assert labels == [REAL, SPURIOUS, REAL, REAL, REAL, REAL]
    # A lone character matching by chance (no run of IN_CONTEXT around it) is no evidence.
    assert word_labels(words[:1] + [_word(2, "#2", 600, 40, 30, 80.0)], "процентов. №2")[1] == (
        MISREAD
    )
    assert word_labels(
        [_word(1, "процентов.", 100, 300, H, 91.0), _word(2, "|", 420, 3, 3, 96.0)], "процентов. №"
    ) == [REAL, MISREAD]
