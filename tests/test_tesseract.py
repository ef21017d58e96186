"""The tesseract wrapper: one call per page, all formats, typed errors for every failure mode."""

from __future__ import annotations

from pathlib import Path

import pytesseract
import pytest
from lxml import html
from PIL import Image, ImageDraw, ImageFont

import ocr.tesseract as tesseract
from ocr import exceptions as ex
from ocr.formats import hocr_text
from ocr.pagexml import GraphicRegion, build_page_xml
from ocr.records import Box
from ocr.tesseract import (
    available_languages,
    check_languages,
    read_choices,
    read_words,
    run_ocr,
    words_to_text,
)
from tests.conftest import needs_tesseract

pytestmark = [pytest.mark.integration, needs_tesseract]
FONT = "/usr/share/fonts/truetype/freefont/FreeMono.ttf"


@pytest.fixture(scope="module")
def line_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    img = Image.new("L", (1400, 260), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 44)
    draw.text((60, 40), "Посетил Нам Ира. Советник Петров.", font=font, fill=0)
    draw.text((60, 140), "г. Пхеньян, 24 декабря 1955 года", font=font, fill=0)
    path = tmp_path_factory.mktemp("img") / "line.png"
    img.save(path)
    return path


def _ocr(image: Path, out: Path, **kw: object):
    args = dict(
        languages="rus",
        psm=3,
        oem=1,
        dpi=300,
        timeout=60,
        formats=["txt", "tsv", "hocr", "alto", "pdf"],
    )
    args.update(kw)
    return run_ocr(image, out, **args)  # type: ignore[arg-type]


def test_one_call_writes_every_format(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = pytesseract.pytesseract.run_tesseract
    monkeypatch.setattr(
        pytesseract.pytesseract, "run_tesseract", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    out = _ocr(line_image, tmp_path / "p001")
    assert len(calls) == 1
    assert sorted(out.outputs) == ["alto", "hocr", "pdf", "tsv", "txt"]
    assert (tmp_path / "p001.alto.xml").read_text(encoding="utf-8").count("<String") >= 8
    assert (tmp_path / "p001.pdf").read_bytes().startswith(b"%PDF")
    assert not list(tmp_path.glob(".tess-*"))  # no temp folder left behind
    assert out.tesseract_version.startswith("5.") and out.traineddata["rus"] != "unknown"
    text = words_to_text(read_words(out.tsv))
    assert "Петров" in text.text and "Пхеньян" in text.text
    for (start, end), word in zip(text.spans, text.words, strict=True):
        assert text.text[start:end] == word.text


def test_page_xml_has_words_and_graphic_regions(line_image: Path, tmp_path: Path) -> None:
    words = read_words(_ocr(line_image, tmp_path / "p001").tsv)
    xml = build_page_xml(
        words,
        image_filename="line.png",
        rows=260,
        cols=1400,
        graphics=[GraphicRegion("stamp", Box(10, 10, 50, 50))],
    ).decode()
    assert xml.count("<TextLine") == 2 and 'type="stamp"' in xml and "Петров" in xml


def test_timeout_is_typed(line_image: Path, tmp_path: Path) -> None:
    with pytest.raises(ex.TesseractTimeoutError):
        _ocr(line_image, tmp_path / "p001", timeout=0.01)
    assert not list(tmp_path.glob("p001*"))  # nothing half-written


def test_missing_language(line_image: Path, tmp_path: Path) -> None:
    with pytest.raises(ex.LanguageNotInstalledError):
        check_languages("rus+xyz")
    with pytest.raises(ex.LanguageNotInstalledError):
        _ocr(line_image, tmp_path / "p001", languages="xyz")
    assert "rus" in available_languages()


def test_killed_tesseract_is_transient(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\nkill -9 $$\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(fake))
    with pytest.raises(ex.TesseractCrashError) as info:
        _ocr(line_image, tmp_path / "p001")
    assert isinstance(info.value, ex.TRANSIENT_ERRORS)


def test_missing_tesseract(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "nope"))
    with pytest.raises(ex.TesseractNotFoundError) as info:
        _ocr(line_image, tmp_path / "p001")
    assert info.value.exit_code == ex.ExitCode.missing_dependency


def test_choices_are_recorded_in_the_same_call_and_the_hocr_stays_word_level(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = pytesseract.pytesseract.run_tesseract
    monkeypatch.setattr(
        pytesseract.pytesseract,
        "run_tesseract",
        lambda *a, **k: calls.append(k["config"]) or real(*a, **k),
    )
    out = _ocr(line_image, tmp_path / "p001", formats=["txt", "hocr"], choices=True)
    assert len(calls) == 1 and "lstm_choice_mode=2" in calls[0] and "hocr_char_boxes=1" in calls[0]
    assert sorted(out.outputs) == ["choices", "hocr", "tsv", "txt"]
    assert out.outputs["choices"] == tmp_path / "p001.choices.json"
    text = words_to_text(read_words(out.tsv))
    records = read_choices(out.outputs["choices"])
    assert ["".join(c for c, _, _ in word) for word in records] == [w.text for w in text.words]
    confs = [conf for word in records for _, conf, _ in word]
    alts = [a for word in records for _, _, a in word if a]
    assert all(0 <= c <= 100 for c in confs) and max(confs) > 90 and len(alts) > 10
    assert all(
        0 <= c <= 100 and a != char for word in records for char, _, alt in word for a, c in alt
    )
    hocr = out.outputs["hocr"].read_bytes()
    assert b"lstm_choices" not in hocr and b"ocrx_cinfo" not in hocr
    assert hocr_text(html.fromstring(hocr)) == text.text
    assert not list(tmp_path.glob(".tess-*"))


def test_choices_without_the_hocr_format_leave_no_hocr(line_image: Path, tmp_path: Path) -> None:
    out = _ocr(line_image, tmp_path / "p001", formats=["txt"], choices=True)
    assert sorted(out.outputs) == ["choices", "tsv", "txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "p001.choices.json",
        "p001.tsv",
        "p001.txt",
    ]


def test_without_choices_nothing_changes(line_image: Path, tmp_path: Path) -> None:
    out = _ocr(line_image, tmp_path / "p001", formats=["hocr"])
    assert sorted(out.outputs) == ["hocr", "tsv"] and not list(tmp_path.glob("*.choices.json"))
    assert b"ocrx_cinfo" not in out.outputs["hocr"].read_bytes()


def test_unreadable_choices_cost_only_the_choices(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(root: object) -> list:
        raise ValueError("no choices here")

    monkeypatch.setattr(tesseract, "hocr_choices", broken)
    out = _ocr(line_image, tmp_path / "p001", formats=["hocr"], choices=True)
    assert sorted(out.outputs) == ["hocr", "tsv"] and not list(tmp_path.glob("*.choices.json"))
    hocr = out.outputs["hocr"].read_bytes()
    assert b"ocrx_cinfo" not in hocr
    assert hocr_text(html.fromstring(hocr)) == words_to_text(read_words(out.tsv)).text


def test_a_truncated_hocr_gives_no_choices(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tesseract._call

    def truncating(image_path: Path, base: Path, **kw: object) -> None:
        real(image_path, base, **kw)  # type: ignore[arg-type]
        hocr = base.with_suffix(".hocr")
        hocr.write_bytes(hocr.read_bytes()[: len(hocr.read_bytes()) // 2])

    monkeypatch.setattr(tesseract, "_call", truncating)
    (tmp_path / "p001.choices.json").write_text("[]")  # a previous run's
    out = _ocr(line_image, tmp_path / "p001", formats=["txt"], choices=True)
    assert sorted(out.outputs) == ["tsv", "txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p001.tsv", "p001.txt"]


def test_a_hocr_of_other_words_gives_no_choices(
    line_image: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tesseract.hocr_choices
    monkeypatch.setattr(tesseract, "hocr_choices", lambda root: real(root)[1:])
    out = _ocr(line_image, tmp_path / "p001", formats=["txt"], choices=True)
    assert "choices" not in out.outputs and not list(tmp_path.glob("*.choices.json"))
