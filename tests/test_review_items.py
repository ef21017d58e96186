"""Review items in the review app (issue 20): kinds, not colours, with a filter for each; one
decision for every copy of a text; multi-line edits; what an item without a reference span says;
reports served for the Prefect artifacts' links."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ocr.review.models import Decision
from ocr.store import FlagRow, Store
from tests.test_review_app import ORIGIN, Sample, _flag, decide, decisions, make_sample

pytestmark = [pytest.mark.unit, pytest.mark.filterwarnings("ignore:Using `httpx`")]

TRIAGE = {
    "evidence": {
        "confidence": 0.96,
        "lexical": -0.18,
        "ocr_word": True,
        "ref_word": True,
        "image": 0.0,
        "has_image": False,
        "shape": 0.85,
        "has_shape": True,
        "case_only": False,
        "typographic": False,
        "one_sided": False,
        "garbage": False,
        "copies": 0,
    },
    "probability": 0.2,
    "reference_error": False,
}
CONTEXT = {
    "ref_start": 40,
    "ref_end": 46,
    "ref_before": "На беседе присутствовал советник Посольства ",
    "ref_after": " и зав. консульским отделом Серегин.",
    "triage": TRIAGE,
}


def _stamp() -> dict[str, object]:
    flag = _flag(
        "stamp",
        6,
        "ЗАГОЛОВОК",
        ocr="МИД СССР",
        severity=0.9,
        confidence=None,
        detail={"colour": "violet", "source": "colour"},
    )
    return flag | {"kind": "stamp", "reason": "violet ink: stamp of 900 px"}


@pytest.fixture
def items(tmp_path: Path) -> Sample:
    return make_sample(tmp_path, extra={"stamp": _stamp()})


def _client(sample: Sample):
    from fastapi.testclient import TestClient

    from ocr.review.app import create_app

    app = create_app(sample.url, sample.out, None)
    client = TestClient(
        app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
    )
    client.get("/queue")
    return client


def test_the_queue_shows_kinds_and_filters_every_kind(items: Sample) -> None:
    client = _client(items)
    page = client.get("/queue").text
    assert '<td class="kind kind-stamp">stamp</td>' in page
    assert "Violet" not in page and ">violet<" not in page  # a colour is no kind
    assert "violet ink" in page  # ... but an attribute of the stamp
    for kind, label in (
        ("reference_error", "possible reference error"),
        ("stamp", "stamp"),
        ("low_confidence", "low confidence"),
    ):
        assert f'<option value="{kind}" >{label} (' in page, kind
    only = client.get("/queue?type=reference_error").text
    assert "kind-reference_error" in only and "kind-stamp" not in only
    assert "kind-low_confidence" not in only


def test_a_stamp_item_in_a_document_with_a_reference_says_why_it_has_no_span(items: Sample) -> None:
    page = _client(items).get(f"/flags/{items.flags['stamp']}").text
    assert "tesseract was unsure" not in page
    assert "The reference does not transcribe this stamp" in page
    assert '<h1 id="kind">Stamp <span class="colour">· violet ink</span></h1>' in page


def test_an_edit_keeps_its_line_breaks(items: Sample) -> None:
    client = _client(items)
    page = client.get(f"/flags/{items.flags['low']}").text
    assert '<textarea id="text" name="text"' in page and "autofocus" not in page
    res = decide(client, items.flags["low"], "edit", text="ИВАНОВА В.И.\r\nСВ.СЕКРЕТНО  \r\nЭкз")
    assert res.status_code == 303
    assert decisions(items)[-1].after_text == "ИВАНОВА В.И.\nСВ.СЕКРЕТНО\nЭкз"


def _copy(tmp_path: Path, sample: Sample) -> int:
    """A second document (a carbon copy) with the same span of the same reference text."""
    store = Store(sample.url)
    flag = _flag(
        "disagreement", 3, "Петров", ocr="Петров", ref="Метров", severity=0.6, detail=CONTEXT
    ) | {"kind": "ocr_error", "category": "possible OCR error"}
    store.add_document(
        sample.run_id,
        {
            "name": "letter-carbon",
            "source_path": "scans/letter-carbon.tif",
            "source_sha256": "1" * 64,
            "page_count": 1,
            "languages": "rus",
            "status": "done",
            "reference_path": str(sample.reference),
            "reference_encoding": "utf-8",
            "cer": None,
            "outputs": {},
        },
        [{"page_number": 1, "status": "done", "rows": 600, "cols": 1400, "outputs": {}}],
        {1: [flag]},
    )
    with store.session() as s:
        row = s.scalar(
            select(FlagRow).where(
                FlagRow.ocr_text == "Петров", FlagRow.id.not_in(list(sample.flags.values()))
            )
        )
        copy_id = row.id
    store.engine.dispose()
    return copy_id


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Sample, int]:
    petrov = _flag(
        "disagreement", 3, "Петров", ocr="Петров", ref="Метров", severity=0.6, detail=CONTEXT
    ) | {"kind": "ocr_error", "category": "possible OCR error"}
    sample = make_sample(tmp_path, extra={"petrov2": petrov})
    return sample, _copy(tmp_path, sample)


def test_copies_of_one_text_are_triaged_with_each_other(copies: tuple[Sample, int]) -> None:
    """Both copies read Петров where the reference has Метров: with each other's reading
    (and the letters' shapes) both are possible reference errors."""
    sample, copy_id = copies
    store = Store(sample.url)
    with store.session() as s:
        a, b = s.get_one(FlagRow, sample.flags["petrov2"]), s.get_one(FlagRow, copy_id)
        assert a.copy_key and a.copy_key == b.copy_key
        assert (
            a.detail["triage"]["evidence"]["copies"]
            == 1
            == b.detail["triage"]["evidence"]["copies"]
        )
    store.engine.dispose()


def test_a_reference_error_decided_once_is_decided_in_every_copy(
    copies: tuple[Sample, int],
) -> None:
    sample, copy_id = copies
    client = _client(sample)
    page = client.get(f"/flags/{sample.flags['petrov2']}").text
    assert "The same text is in 1 other document" in page
    assert decide(client, sample.flags["petrov2"], "edit", text="Петров").status_code == 303
    rows = decisions(sample)
    copy = next(d for d in rows if d.flag_id == copy_id)
    assert (copy.action, copy.after_text, copy.before_text) == ("edit", "Петров", "Метров")
    assert copy.copy_of == next(d.id for d in rows if d.flag_id == sample.flags["petrov2"])
    store = Store(sample.url)
    with store.session() as s:
        assert s.get_one(FlagRow, copy_id).status == "done"
    store.engine.dispose()
    # Undo takes back the decision and its copies.
    client.post(
        "/undo",
        data={"reviewer": "Анна", "csrf_token": _token(client)},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    store = Store(sample.url)
    with store.session() as s:
        assert s.get_one(FlagRow, copy_id).status == "open"
        assert all(d.undone for d in s.scalars(select(Decision)))
    store.engine.dispose()


def _token(client) -> str:  # noqa: ANN001 - a TestClient
    from tests.test_review_app import csrf

    return csrf(client)


def test_reports_are_served_for_the_artifacts_links(items: Sample) -> None:
    (items.out / "letter" / "report.html").write_text(
        "<style>p{}</style><p>report</p>", encoding="utf-8"
    )
    client = _client(items)
    res = client.get("/reports/letter/report.html")
    assert res.status_code == 200 and "report" in res.text
    assert "script-src 'none'" in res.headers["content-security-policy"]
    assert client.get("/reports/letter/p001.tsv").status_code == 404  # only reports and images
    assert client.get("/reports/../gt/letter.txt").status_code == 404


def test_a_copy_that_reads_the_reference_s_text_speaks_against_a_reference_error(
    tmp_path: Path,
) -> None:
    """The carbon copy has no item where the journal reads "ЗАГОЛОВОК" against the reference's
    "ЗАГОЛОВКИ": that copy read the reference's text there, so the journal's reading gets the
    copies' vote against it (-1), while Петров, read alike in both, gets one for it (+1)."""
    heading = _flag(
        "disagreement",
        6,
        "ЗАГОЛОВОК",
        ocr="ЗАГОЛОВОК",
        ref="ЗАГОЛОВОК",
        severity=0.6,
        detail={
            **CONTEXT,
            "ref_before": "оборудования\n",
            "ref_after": "\nконец документа и подписи",
        },
    ) | {"kind": "ocr_error", "category": "possible OCR error"}
    petrov = _flag(
        "disagreement", 3, "Петров", ocr="Петров", ref="Метров", severity=0.6, detail=CONTEXT
    ) | {"kind": "ocr_error", "category": "possible OCR error"}
    sample = make_sample(tmp_path, extra={"petrov2": petrov, "heading2": heading})
    text = sample.reference.read_bytes().decode("utf-8")
    sample.reference.write_bytes(
        text.replace("ЗАГОЛОВОК\r\n", "ЗАГОЛОВОК\r\nконец документа и подписи\r\n").encode("utf-8")
    )
    _copy(tmp_path, sample)  # the copy has an item for Петров only
    store = Store(sample.url)
    with store.session() as s:
        votes = {
            name: s.get_one(FlagRow, sample.flags[name]).detail["triage"]["evidence"]["copies"]
            for name in ("petrov2", "heading2")
        }
    store.engine.dispose()
    assert votes == {"petrov2": 1, "heading2": -1}


def test_an_items_title_keeps_the_case_of_its_kind(tmp_path: Path) -> None:
    """ "possible OCR error" is titled "Possible OCR error", never "Possible ocr error"."""
    wrong = _flag(
        "disagreement", 3, "Петров", ocr="Петров", ref="Метров", severity=0.6, detail=CONTEXT
    ) | {"kind": "ocr_error", "category": "possible OCR error"}
    sample = make_sample(tmp_path, extra={"wrong": wrong})
    page = _client(sample).get(f"/flags/{sample.flags['wrong']}").text
    assert '<h1 id="kind">Possible OCR error</h1>' in page
