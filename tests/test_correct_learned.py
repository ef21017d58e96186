"""What the project's references and reviewers teach post-OCR correction (ocr.correct.learned)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pymorphy3", reason="pymorphy3 + pymorphy3-dicts-ru are needed for ocr.correct")
pytest.importorskip("wordfreq", reason="wordfreq is needed for ocr.correct")

from ocr.correct import load_channel  # noqa: E402
from ocr.correct.lexicon import default_lexicon  # noqa: E402
from ocr.correct.stage import apply_corrections  # noqa: E402
from ocr.lessons import learned, review_pairs  # noqa: E402
from ocr.review.decisions import decide, undo_last  # noqa: E402
from ocr.store import FlagRow, Store  # noqa: E402

pytestmark = pytest.mark.unit


def _flag(kind: str, ocr: str, *, ref: str = "", detail: dict | None = None) -> dict:
    return {
        "type": kind,
        "category": "",
        "severity": 0.5,
        "ocr_text": ocr,
        "ref_text": ref,
        "confidence": 50.0,
        "reason": "test",
        "polygon": [],
        "crop_path": None,
        "detail": detail or {},
        "left": 0,
        "top": 0,
        "width": 10,
        "height": 10,
    }


def _store(tmp_path: Path) -> tuple[str, dict[str, int]]:
    """A results database with one document and three flags, as the pipeline writes them."""
    import ocr.review.models  # noqa: F401 - the review table is made with the others

    url = f"sqlite:///{tmp_path / 'ocr.db'}"
    store = Store(url)
    run_id = store.start_run(source="scans", settings={}, versions={})
    flags = [
        _flag("correction", "начальнику", detail={"original": "ьачальнику"}),
        _flag("low_confidence", "сьабжеьии"),
        _flag("disagreement", "ьа", ref="на", detail={"kind": "replace"}),
    ]
    store.add_document(
        run_id,
        {
            "name": "letter",
            "source_path": "scans/letter.png",
            "source_sha256": "0" * 64,
            "page_count": 1,
            "languages": "rus",
            "status": "done",
            "reference_path": None,
            "reference_encoding": None,
            "cer": None,
            "outputs": {},
        },
        [{"page_number": 1, "status": "done", "outputs": {}}],
        {1: flags},
    )
    with store.session() as s:
        ids = dict(
            zip(
                ["correction", "low", "disagreement"],
                [f.id for f in s.query(FlagRow).order_by(FlagRow.id)],
                strict=True,
            )
        )
    store.engine.dispose()
    return url, ids


def _decide(url: str, flag_id: int, action: str, text: str | None = None) -> None:
    store = Store(url)
    with store.session() as s, s.begin():
        decide(s, flag_id=flag_id, version=1, action=action, reviewer="Анна", text=text)
    store.engine.dispose()


def test_reviewers_pairs_are_the_ocr_reading_and_the_decided_text(tmp_path):
    url, ids = _store(tmp_path)
    assert review_pairs(url) == []
    _decide(url, ids["correction"], "accept_suggestion")  # the suggested correction, as offered
    _decide(url, ids["low"], "edit", "снабжении")
    _decide(url, ids["disagreement"], "accept_ocr")  # the reference was wrong: OCR's "ьа"
    assert set(review_pairs(url)) == {
        ("ьа", "ьа"),
        ("ьачальнику", "начальнику"),
        ("сьабжеьии", "снабжении"),
    }
    store = Store(url)
    with store.session() as s, s.begin():
        undo_last(s, reviewer="Анна")
    store.engine.dispose()
    assert ("ьа", "ьа") not in review_pairs(url)


def test_no_database_or_no_review_table_gives_no_pairs(tmp_path):
    assert review_pairs(f"sqlite:///{tmp_path / 'missing.db'}") == []
    Store(f"sqlite:///{tmp_path / 'plain.db'}").engine.dispose()
    assert review_pairs(f"sqlite:///{tmp_path / 'plain.db'}") == []


def test_references_and_reviews_teach_words_and_confusions(tmp_path):
    url, ids = _store(tmp_path)
    _decide(url, ids["correction"], "accept_suggestion")
    _decide(url, ids["low"], "edit", "снабжении")
    gt = tmp_path / "gt"
    gt.mkdir()
    (gt / "journal.txt").write_text("Беседа с Хамкына и Сунцовым.", encoding="utf-8")
    (gt / "broken.txt").write_bytes(b"")  # an empty reference is left out, not fatal
    taught = learned(gt, url)
    assert taught.reference_files == 1 and taught.review_pairs == 2
    assert not default_lexicon().known("хамкына")
    assert taught.lexicon.known("хамкына") and taught.lexicon.known("снабжении")
    assert "хамкына" in taught.lexicon.candidates("хамхына", distance=1)  # its own index
    # The reviewed readings make "ь" for "н" likelier than the shipped channel has it.
    assert taught.channel.edit_cost("н", "ь") < load_channel().edit_cost("н", "ь") - 1
    assert learned(gt, url) is taught  # the same sources: read once
    (gt / "more.txt").write_text("Пхеньян", encoding="utf-8")
    assert learned(gt, url) is not taught


def test_the_pipeline_applies_what_reviewers_taught(tmp_path):
    url, ids = _store(tmp_path)
    _decide(url, ids["correction"], "accept_suggestion")
    _decide(url, ids["low"], "edit", "снабжении")
    from ocr.correct import CorrectionSettings, suggest

    text = "Выполнение плаьа по снабжению."
    taught_model = learned(None, url)
    once = CorrectionSettings(profile_rounds=0)
    (before,) = suggest(text, settings=once)
    (after,) = suggest(
        text, lexicon=taught_model.lexicon, channel=taught_model.channel, settings=once
    )
    assert before.best.text == after.best.text == "плана"
    assert after.best.score > before.best.score  # the reviewers saw "ь" read for "н"
    between = (before.best.score + after.best.score) / 2
    kwargs = {"reference": None, "names": [], "threshold": between, "profile_rounds": 0}
    plain = apply_corrections(text, out_path=tmp_path / "a.txt", **kwargs)
    taught = apply_corrections(text, out_path=tmp_path / "b.txt", learned=taught_model, **kwargs)
    assert "плаьа" in plain["text"]
    assert taught["text"] == "Выполнение плана по снабжению."
    assert taught["changes"][0]["score"] == round(after.best.score, 4)


def test_scoring_of_earlier_documents_teaches_confusions(tmp_path):
    import json

    from ocr.lessons import scored_confusions

    url = f"sqlite:///{tmp_path / 'ocr.db'}"
    store = Store(url)
    run_id = store.start_run(source="scans", settings={}, versions={})
    confusions = [
        {"reference": "к", "ocr": "х", "count": 30},
        {"reference": "Е", "ocr": "е", "count": 9},
        {"reference": "", "ocr": "ж", "count": 5},
        {"reference": "н", "ocr": "ь", "count": 4},
    ]
    for name, languages, reference in [
        ("journal", "rus", "gt/journal.txt"),
        ("letter", "eng", "gt/letter.txt"),
        ("memo", "rus", None),
    ]:
        report = tmp_path / f"{name}.json"
        report.write_text(json.dumps({"scoring": {"confusions": confusions}}), encoding="utf-8")
        store.add_document(
            run_id,
            {
                "name": name,
                "source_path": f"scans/{name}.png",
                "source_sha256": name * 8,
                "page_count": 1,
                "languages": languages,
                "status": "done",
                "reference_path": reference,
                "reference_encoding": "utf-8",
                "cer": 0.1,
                "outputs": {"report": str(report)},
            },
            [],
            {},
        )
    store.engine.dispose()
    # Only the Russian document with a reference counts; case slips and insertions do not.
    assert scored_confusions(url) == {("к", "х"): 30, ("н", "ь"): 4}
    taught = learned(None, url)
    assert taught.scored_confusions == 34
    base = load_channel()
    assert taught.channel.edit_cost("к", "х") < base.edit_cost("к", "х")
    assert taught.channel.edit_cost("н", "ь") < base.edit_cost("н", "ь")
    assert taught.channel.edit_cost("е", "ж") == base.edit_cost("е", "ж")


def test_a_batch_is_taught_only_by_what_the_database_held_when_it_started(tmp_path):
    """A document scored by the running batch teaches the next run, not the batch's later
    documents: otherwise a document's suggestions depend on which of the batch's documents
    finished first (two workers, a loaded machine)."""
    import json

    from ocr.lessons import scored_confusions

    url = f"sqlite:///{tmp_path / 'ocr.db'}"
    store = Store(url)

    def scored(run: str, name: str) -> None:
        report = tmp_path / f"{name}.json"
        confusions = [{"reference": "к", "ocr": "х", "count": 7}]
        report.write_text(json.dumps({"scoring": {"confusions": confusions}}), encoding="utf-8")
        store.add_document(
            run,
            {
                "name": name,
                "source_path": f"scans/{name}.png",
                "source_sha256": name * 8,
                "page_count": 1,
                "languages": "rus",
                "status": "done",
                "reference_path": f"gt/{name}.txt",
                "reference_encoding": "utf-8",
                "cer": 0.1,
                "outputs": {"report": str(report)},
            },
            [],
            {},
        )

    earlier = store.start_run(source="scans", settings={}, versions={})
    scored(earlier, "journal")
    running = store.start_run(source="scans", settings={}, versions={})
    scored(running, "letter")  # finished by the running batch before its other documents
    store.engine.dispose()
    assert scored_confusions(url) == {("к", "х"): 14}  # all of it, outside a run
    assert scored_confusions(url, before_run=running) == {("к", "х"): 7}
    assert scored_confusions(url, before_run=earlier) == {}
    assert learned(None, url, before_run=running).scored_confusions == 7


def test_decisions_made_while_a_batch_runs_teach_the_next_run(tmp_path):
    url, ids = _store(tmp_path)
    _decide(url, ids["low"], "edit", "снабжении")
    store = Store(url)
    running = store.start_run(source="scans", settings={}, versions={})
    store.engine.dispose()
    _decide(url, ids["disagreement"], "accept_ocr")  # made while the batch runs
    assert set(review_pairs(url, before_run=running)) == {("сьабжеьии", "снабжении")}
    assert len(review_pairs(url)) == 2
