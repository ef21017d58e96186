"""Tesseract's character choices in the pipeline: recorded in the page's one OCR call when
correction is on for Russian, cached with the page, and handed to suggestions and to apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import html
from PIL import Image

import ocr.correct
import ocr.tesseract
from ocr.batch import run_batch
from ocr.correct.evidence import CharChoice
from ocr.correct.stage import joined_choices, page_choices
from ocr.formats import hocr_text
from ocr.tesseract import read_choices, read_words, words_to_text
from tests.conftest import GOOD_TEXT, needs_tesseract, render_text_page

SECOND_PAGE = (
    "Советник Посольства тов. Петров сообщил, что\nподготовка производственного плана закончена.\n"
)


def _settings(out: Path, **kw: Any):
    from ocr.settings import load_settings

    return load_settings(None, output_dir=out, workers=1, dpi=150, **kw)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder, pages = tmp_path_factory.mktemp("scans"), tmp_path_factory.mktemp("pages")
    render_text_page(folder / "page.png")
    one = render_text_page(pages / "one.png")
    two = render_text_page(pages / "two.png", SECOND_PAGE)
    with Image.open(one) as a, Image.open(two) as b:
        a.save(folder / "two-pages.tif", save_all=True, append_images=[b], dpi=(150, 150))
    return folder


class Spy:
    """Records the ``choices`` each call of ocr.correct.suggest / apply received."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, list[tuple[str, Any]]] = {"suggest": [], "apply": []}
        for name in self.calls:
            real = getattr(ocr.correct, name)
            monkeypatch.setattr(ocr.correct, name, self._wrap(name, real))

    def _wrap(self, name: str, real: Any) -> Any:
        def spied(text: str, **kw: Any) -> Any:
            self.calls[name].append((text, kw.get("choices")))
            return real(text, **kw)

        return spied


pytestmark = [pytest.mark.integration, needs_tesseract]


def test_joined_choices_shift_each_page_by_its_start() -> None:
    a, b = CharChoice(99.0), CharChoice(80.0, (("л", 12.0),))
    whole = joined_choices([("ab c", {0: a, 3: b}), ("", {}), ("xy", {1: b})])
    assert whole == {0: a, 3: b, 7: b}  # "ab c" + "\f" + "" + "\f" + "xy"
    text = "\f".join(["ab c", "", "xy"]) + "\n"
    assert text[7] == "y"


def test_page_choices_without_a_readable_file_are_empty(tmp_path: Path) -> None:
    ocr_text = words_to_text([])
    assert page_choices(ocr_text, None) == {}
    assert page_choices(ocr_text, tmp_path / "missing.choices.json") == {}
    (tmp_path / "bad.choices.json").write_text("{not json")
    assert page_choices(ocr_text, tmp_path / "bad.choices.json") == {}


def test_suggest_mode_records_choices_and_hands_them_to_the_suggestions(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    res = run_batch([scans / "page.png"], gt_dir=None, settings=_settings(tmp_path / "out"))
    (doc,) = res.documents
    (page,) = doc.pages
    path = page.ocr.outputs["choices"]
    assert path == tmp_path / "out" / "page" / "p001.choices.json" and path.is_file()
    text = words_to_text(read_words(page.ocr.tsv))
    assert ["".join(c for c, _, _ in w) for w in read_choices(path)] == [w.text for w in text.words]
    hocr = page.ocr.outputs["hocr"].read_bytes()  # the delivered hOCR is word-level
    assert b"ocrx_cinfo" not in hocr and hocr_text(html.fromstring(hocr)) == text.text
    # Correction is asked (with the choices) and suggests nothing for a word read right.
    right = set(GOOD_TEXT.split())
    assert not [f for f in doc.flags if f.type == "correction" and f.detail.original in right]
    ((said, choices),) = spy.calls["suggest"]
    assert said == text.text and choices == page_choices(text, path)
    assert len(choices) == sum(len(w.text) for w in text.words)
    assert not spy.calls["apply"]


def test_choices_follow_the_cache(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ocr.readings as readings

    calls: list[bool] = []
    real = readings.run_ocr
    monkeypatch.setattr(
        readings, "run_ocr", lambda *a, **k: calls.append(k["choices"]) or real(*a, **k)
    )
    files = [scans / "page.png"]
    run_batch(files, gt_dir=None, settings=_settings(tmp_path / "out"))
    again = run_batch(files, gt_dir=None, settings=_settings(tmp_path / "out"))
    (page,) = again.documents[0].pages
    assert calls == [True] and page.cached and page.ocr.outputs["choices"].is_file()
    page.ocr.outputs["choices"].unlink()  # a lost choices file is redone
    run_batch(files, gt_dir=None, settings=_settings(tmp_path / "out"))
    assert calls == [True, True]
    off = run_batch(files, gt_dir=None, settings=_settings(tmp_path / "out", correction="off"))
    assert calls == [True, True, False]  # whether choices are recorded is part of the OCR key
    (page,) = off.documents[0].pages
    assert "choices" not in page.ocr.outputs
    assert not list((tmp_path / "out").rglob("*.choices.json"))


def test_correction_off_records_no_choices(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    res = run_batch(
        [scans / "page.png"], gt_dir=None, settings=_settings(tmp_path / "out", correction="off")
    )
    (page,) = res.documents[0].pages
    assert "choices" not in page.ocr.outputs
    assert not list((tmp_path / "out").rglob("*.choices.json"))
    assert b"ocrx_cinfo" not in page.ocr.outputs["hocr"].read_bytes()
    assert spy.calls == {"suggest": [], "apply": []}


def test_an_unreadable_hocr_costs_only_the_choices(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(root: object) -> list:
        raise ValueError("unreadable")

    monkeypatch.setattr(ocr.tesseract, "hocr_choices", broken)
    spy = Spy(monkeypatch)
    res = run_batch([scans / "page.png"], gt_dir=None, settings=_settings(tmp_path / "out"))
    assert not res.failures
    (doc,) = res.documents
    (page,) = doc.pages
    assert "choices" not in page.ocr.outputs
    assert not list((tmp_path / "out").rglob("*.choices.json"))
    text = words_to_text(read_words(page.ocr.tsv))
    assert hocr_text(html.fromstring(page.ocr.outputs["hocr"].read_bytes())) == text.text
    assert [c for _, c in spy.calls["suggest"]] == [{}]  # corrected without choices


def test_apply_mode_reads_each_page_s_choices_at_its_place_in_the_document(
    scans: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    res = run_batch(
        [scans / "two-pages.tif"],
        gt_dir=None,
        settings=_settings(tmp_path / "out", correction="apply"),
    )
    (doc,) = res.documents
    assert len(doc.pages) == 2 and doc.correction is not None
    texts = [words_to_text(read_words(p.ocr.tsv)) for p in doc.pages]
    per_page = [
        page_choices(t, p.ocr.outputs["choices"]) for t, p in zip(texts, doc.pages, strict=True)
    ]
    assert all(per_page)
    ((full, whole),) = spy.calls["apply"]
    assert full == "\f".join(t.text for t in texts) + "\n"
    start = len(texts[0].text) + 1
    assert whole == {**per_page[0], **{start + k: v for k, v in per_page[1].items()}}
    for (s, e), word in zip(texts[1].spans, texts[1].words, strict=True):
        assert full[start + s : start + e] == word.text and all(
            k in whole for k in range(start + s, start + e)
        )
    assert [c for _, c in spy.calls["suggest"]] == per_page  # and the flags of each page


def test_only_russian_pages_with_correction_on_record_choices(tmp_path: Path) -> None:
    from ocr.pipeline import PageJob, corrects

    def job(languages: str) -> PageJob:
        return PageJob(None, 1, languages, tmp_path)  # type: ignore[arg-type]  # scan unused

    on, off = _settings(tmp_path), _settings(tmp_path, correction="off")
    assert corrects(job("rus"), on) and corrects(job("rus+eng"), on)
    assert not corrects(job("eng"), on) and not corrects(job("rus"), off)


@pytest.mark.parametrize(
    "manifest, field",
    [("prep", "geometry"), ("prep", "text_ink"), ("ocr", "warnings"), ("ocr", "outputs")],
)
def test_a_damaged_stage_manifest_is_a_cache_miss_not_a_failure(
    scans: Path, tmp_path: Path, manifest: str, field: str
) -> None:
    """A manifest with its key intact but a field lost or mangled makes the stage run again."""
    import json

    out = tmp_path / "out"
    run_batch([scans / "page.png"], gt_dir=None, settings=_settings(out))
    path = out / "page" / f"p001.{manifest}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data[field] = "damaged" if field != "outputs" else None
    path.write_text(json.dumps(data), encoding="utf-8")
    res = run_batch([scans / "page.png"], gt_dir=None, settings=_settings(out))
    assert not res.failures and [len(d.pages) for d in res.documents] == [1]
    (page,) = res.documents[0].pages
    assert page.word_count > 10
    assert json.loads(path.read_text(encoding="utf-8"))[field] != "damaged"
