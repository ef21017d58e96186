"""The review app through FastAPI's TestClient, on a small hand-made database (no tesseract)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from PIL import Image
from pydantic import SecretStr
from sqlalchemy import select

from ocr.exceptions import ConfigError
from ocr.pagexml import NS
from ocr.review.app import check_bind, create_app
from ocr.review.decisions import ILLEGIBLE
from ocr.review.export import export_corrections, rescore_document
from ocr.review.locate import locate, normalised_with_offsets
from ocr.review.models import Decision
from ocr.store import FlagRow, Run, Store

pytestmark = [
    pytest.mark.unit,
    # Starlette's own notice about its TestClient's HTTP library; nothing to do here.
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
]

XSS = '<script>window.__pwned=1</script>"onerror=alert(1)'

# The OCR of one page, line by line, and the archive's transcription of it: "Метров" appears
# twice in the reference (a search alone cannot tell which one the flag means), "Г. Лхенъян"
# and the second "Метров" are the archive's errors.
OCR_LINES = [
    "г. Пхеньян",
    "Товарищ Метров прибыл вчера.",
    "На беседе присутствовал советник Посольства Петров и зав.",
    "консульским отделом Серегин.",
    "количество оборудования",
    "ЗАГОЛОВОК",
]
REFERENCE = (
    "\ufeffГ. Лхенъян\r\n\r\nТоварищ  Метров прибыл вчера.\r\n"
    "На беседе присутствовал советник Посольства Метров и зав. консульским отделом "
    "Серегин.\r\nколичество оборудования\r\nЗАГОЛОВОК\r\n"
)


@dataclass(frozen=True)
class Sample:
    """A database with one run of one document, its files, and the flag ids by name."""

    url: str
    out: Path
    reference: Path
    run_id: str
    document_id: int
    flags: dict[str, int]


def _word_boxes(lines: list[str]) -> list[tuple[int, int, int, int, int, int, str]]:
    """(line, word, left, top, width, height, text) for a page of monospaced lines."""
    boxes = []
    for li, line in enumerate(lines, start=1):
        left = 100
        for wi, word in enumerate(line.split(), start=1):
            boxes.append((li, wi, left, 100 + 60 * li, 18 * len(word), 30, word))
            left += 18 * (len(word) + 1)
    return boxes


def write_tsv(path: Path, lines: list[str], *, low: set[str] = frozenset()) -> None:
    rows = [
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
        "\tconf\ttext"
    ]
    for li, wi, left, top, width, height, text in _word_boxes(lines):
        conf = 20.0 if text in low else 95.0
        rows.append(f"5\t1\t1\t1\t{li}\t{wi}\t{left}\t{top}\t{width}\t{height}\t{conf}\t{text}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _box_of(lines: list[str], line: int, words: str) -> dict[str, int]:
    wanted = words.split()
    boxes = [b for b in _word_boxes(lines) if b[0] == line]
    for i in range(len(boxes)):
        run = boxes[i : i + len(wanted)]
        if [b[6] for b in run] == wanted:
            left, top = run[0][2], run[0][3]
            right = run[-1][2] + run[-1][4]
            return {"left": left, "top": top, "width": right - left, "height": 30}
    raise AssertionError(words)


def _flag(
    kind: str,
    line: int,
    words: str,
    *,
    ocr: str,
    ref: str = "",
    severity: float,
    confidence: float | None = 95.0,
    crop: Path | None = None,
    detail: dict[str, object] | None = None,
    lines: list[str] = OCR_LINES,
) -> dict[str, object]:
    box = _box_of(lines, line, words)
    category = {"disagreement": "possible reference error"}.get(kind, "")
    return {
        "type": kind,
        "category": category,
        "severity": severity,
        "ocr_text": ocr,
        "ref_text": ref,
        "confidence": confidence,
        "reason": f'the OCR reads "{ocr}" where the reference has "{ref}"',
        "polygon": [],
        "crop_path": str(crop) if crop else None,
        "detail": ({"kind": "replace"} if kind == "disagreement" else {}) | (detail or {}),
        **box,
    }


def make_sample(
    root: Path,
    *,
    ocr_lines: list[str] = OCR_LINES,
    xss: bool = True,
    extra: dict[str, dict[str, object]] | None = None,
    regions: list[dict[str, object]] | None = None,
) -> Sample:
    """Write the page's files and store one run with five flags (and ``extra`` ones, by name),
    as the pipeline would; ``regions``: the page's detected regions (p001.regions.json)."""
    out, gt = root / "out", root / "gt"
    doc_dir = out / "letter"
    (doc_dir / "flags").mkdir(parents=True)
    gt.mkdir()
    reference = gt / "letter.txt"
    reference.write_bytes(REFERENCE.encode("utf-8"))
    write_tsv(doc_dir / "p001.tsv", ocr_lines, low={"количество"})
    Image.new("L", (1400, 600), 235).save(doc_dir / "p001.view.jpg")
    crop = doc_dir / "flags" / "p001-f001.jpg"
    Image.new("RGB", (200, 80), (240, 240, 240)).save(crop)
    url = f"sqlite:///{root / 'ocr.db'}"
    store = Store(url)
    run_id = store.start_run(source="scans", settings={}, versions={})
    flags = [
        _flag("disagreement", 3, "Петров", ocr="Петров", ref="Метров", severity=0.8, crop=crop),
        _flag(
            "disagreement",
            1,
            "г. Пхеньян",
            ocr="г. Пхеньян",
            ref="Г. Лхенъян",
            severity=0.8,
            detail={
                "ref_start": 0,
                "ref_end": 10,
                "ref_before": "",
                "ref_after": "\nТоварищ Метров прибыл вчера.\nН",
            },
        ),
        _flag("low_confidence", 5, "количество", ocr="количество", severity=0.6, confidence=20.0),
        _flag("disagreement", 6, "ЗАГОЛОВОК", ocr="ЗАГОЛОВОК", ref="ЗАГОЛОВОК", severity=0.55),
    ]
    if xss:
        flags.append(_flag("low_confidence", 4, "Серегин.", ocr=XSS, severity=0.3, confidence=30.0))
    names = ["petrov", "pyongyang", "low", "heading", "xss"][: len(flags)] + list(extra or {})
    flags += (extra or {}).values()
    page = {
        "page_number": 1,
        "status": "done",
        "rows": 600,
        "cols": 1400,
        "outputs": {"tsv": str(doc_dir / "p001.tsv"), "view": str(doc_dir / "p001.view.jpg")},
    }
    if regions is not None:
        (doc_dir / "p001.regions.json").write_text(json.dumps(regions), encoding="utf-8")
        page["outputs"]["regions"] = str(doc_dir / "p001.regions.json")
    document_id = store.add_document(
        run_id,
        {
            "name": "letter",
            "source_path": "scans/letter.png",
            "source_sha256": "0" * 64,
            "page_count": 1,
            "languages": "rus",
            "status": "done",
            "reference_path": str(reference),
            "reference_encoding": "utf-8",
            "cer": None,
            "outputs": {"report": str(doc_dir / "r.json")},
        },
        [page],
        {1: flags},
    )
    with store.session() as s:
        rows = s.scalars(select(FlagRow).order_by(FlagRow.id)).all()
        ids = {name: row.id for name, row in zip(names, rows, strict=True)}
    store.engine.dispose()
    return Sample(url, out, reference, run_id, document_id, ids)


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    return make_sample(tmp_path)


@pytest.fixture
def client(sample: Sample):
    from fastapi.testclient import TestClient

    app = create_app(sample.url, sample.out, None)
    with TestClient(
        app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
    ) as c:
        c.get("/queue")  # receive the CSRF cookie, as a browser would
        yield c
    app.state.store.engine.dispose()


ORIGIN = "http://127.0.0.1:8000"  # what a browser sends with a form POST from the review page


def csrf(client) -> str:
    """The form token the page gives this browser (signed for its cookie, not the cookie)."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/queue").text)[1]


def decide(
    client,
    flag_id: int,
    action: str,
    *,
    version: int = 1,
    reviewer: str = "Анна",
    text: str | None = None,
    token: str | None = None,
    query: str = "",
):
    data = {
        "version": str(version),
        "action": action,
        "reviewer": reviewer,
        "csrf_token": csrf(client) if token is None else token,
    }
    if text is not None:
        data["text"] = text
    return client.post(
        f"/flags/{flag_id}/decide{query}",
        data=data,
        follow_redirects=False,
        headers={"Origin": ORIGIN},
    )


def decisions(sample: Sample) -> list[Decision]:
    store = Store(sample.url)
    with store.session() as s:
        rows = list(s.scalars(select(Decision).order_by(Decision.id)))
    store.engine.dispose()
    return rows


def flag_row(sample: Sample, name: str) -> FlagRow:
    store = Store(sample.url)
    with store.session() as s:
        row = s.get_one(FlagRow, sample.flags[name])
    store.engine.dispose()
    return row


def queue_ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<td><a href="/flags/(\d+)', html)]


# --- queue -------------------------------------------------------------------------------------


def test_queue_is_ranked_by_severity_then_reading_order(client, sample: Sample) -> None:
    html = client.get("/queue").text
    f = sample.flags
    assert queue_ids(html) == [f["pyongyang"], f["petrov"], f["low"], f["heading"], f["xss"]]
    assert "<strong>5</strong> open" in html and "<strong>0</strong> done" in html


def test_queue_filters_by_run_document_type_and_status(client, sample: Sample) -> None:
    f = sample.flags
    html = client.get("/queue", params={"type": "low_confidence"}).text
    assert queue_ids(html) == [f["low"], f["xss"]]
    html = client.get(
        "/queue",
        params={"run": sample.run_id, "document": sample.document_id, "type": "", "status": ""},
    ).text
    assert len(queue_ids(html)) == 5
    assert decide(client, f["petrov"], "accept_ocr").status_code == 303
    assert queue_ids(client.get("/queue", params={"status": "done"}).text) == [f["petrov"]]
    html = client.get("/queue").text
    assert f["petrov"] not in queue_ids(html)
    assert "<strong>4</strong> open" in html and "<strong>1</strong> done" in html


def test_skipped_items_go_to_the_end_of_the_queue(client, sample: Sample) -> None:
    f = sample.flags
    response = decide(client, f["pyongyang"], "skip")
    assert urlsplit(response.headers["location"]).path == f"/flags/{f['petrov']}"
    assert queue_ids(client.get("/queue").text)[-1] == f["pyongyang"]
    assert flag_row(sample, "pyongyang").status == "skipped"


def test_queue_link_for_a_run_and_unknown_run_is_404(client, sample: Sample) -> None:
    assert client.get(f"/queue?run={sample.run_id}").status_code == 200
    assert client.get("/queue?run=0123456789abcdef").status_code == 404
    store = Store(sample.url)
    with store.sessions.begin() as s:
        s.get_one(Run, sample.run_id).flow_run_id = "prefect-flow-run-1"
    store.engine.dispose()
    hop = client.get("/queue?flow_run=prefect-flow-run-1", follow_redirects=False)
    assert hop.status_code == 303 and hop.headers["location"] == f"/queue?run={sample.run_id}"
    assert client.get("/queue?flow_run=unknown").status_code == 404


# --- decisions ---------------------------------------------------------------------------------


def test_decision_is_stored_with_before_and_after_and_the_next_item_follows(client, sample) -> None:
    f = sample.flags
    response = decide(client, f["petrov"], "accept_ocr", query=f"?run={sample.run_id}")
    assert response.status_code == 303
    assert response.headers["location"] == f"/flags/{f['pyongyang']}?run={sample.run_id}"
    (d,) = decisions(sample)
    assert (d.flag_id, d.reviewer, d.action) == (f["petrov"], "Анна", "accept_ocr")
    assert (d.before_text, d.after_text) == ("Метров", "Петров")
    assert d.created_at is not None and not d.undone
    row = flag_row(sample, "petrov")
    assert (row.status, row.version) == ("done", 2)
    # The name is remembered in a cookie and shown on the next page.
    assert "Анна" in client.get(response.headers["location"]).text


def test_each_action_gives_its_text(client, sample: Sample) -> None:
    f = sample.flags
    decide(client, f["petrov"], "edit", text="  Петров  ")
    decide(client, f["pyongyang"], "illegible")
    decide(client, f["low"], "not_a_problem")
    decide(client, f["heading"], "stamp", text="ЗАГОЛОВОК")
    got = {d.flag_id: (d.action, d.before_text, d.after_text) for d in decisions(sample)}
    assert got == {
        f["petrov"]: ("edit", "Метров", "Петров"),
        f["pyongyang"]: ("illegible", "Г. Лхенъян", ILLEGIBLE),
        f["low"]: ("not_a_problem", "количество", "количество"),
        f["heading"]: ("stamp", "ЗАГОЛОВОК", "ЗАГОЛОВОК"),
    }


def test_undo_restores_the_flag_and_marks_the_decision(client, sample: Sample) -> None:
    f = sample.flags
    decide(client, f["low"], "edit", text="количества")
    response = client.post("/undo", data={"csrf_token": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/flags/{f['low']}"
    (d,) = decisions(sample)
    assert d.undone and d.undone_at is not None
    row = flag_row(sample, "low")
    assert (row.status, row.version) == ("open", 3)
    # Nothing left to undo for this reviewer.
    assert client.post("/undo", data={"csrf_token": csrf(client)}).status_code == 404


def test_second_reviewer_on_a_stale_version_gets_409_and_nothing_is_overwritten(
    client, sample: Sample
) -> None:
    f = sample.flags
    first = decide(client, f["petrov"], "accept_ocr", version=1, reviewer="Анна")
    second = decide(client, f["petrov"], "keep_reference", version=1, reviewer="Борис")
    assert first.status_code == 303
    assert second.status_code == 409
    assert "someone else" in second.text and f'href="/flags/{f["petrov"]}"' in second.text
    (d,) = decisions(sample)
    assert (d.reviewer, d.action) == ("Анна", "accept_ocr")
    assert flag_row(sample, "petrov").version == 2


def test_two_reviewers_saving_at_the_same_moment_one_wins(sample: Sample) -> None:
    import threading

    from ocr.review.decisions import decide as decide_flag
    from ocr.review.errors import StaleItemError

    store = Store(sample.url)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(reviewer: str, action: str) -> None:
        barrier.wait()
        try:
            with store.sessions.begin() as s:
                decide_flag(
                    s, flag_id=sample.flags["petrov"], version=1, action=action, reviewer=reviewer
                )
            outcomes.append("saved")
        except StaleItemError:
            outcomes.append("409")

    threads = [
        threading.Thread(target=save, args=("Анна", "accept_ocr")),
        threading.Thread(target=save, args=("Борис", "keep_reference")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.engine.dispose()
    assert sorted(outcomes) == ["409", "saved"]
    assert len(decisions(sample)) == 1 and flag_row(sample, "petrov").version == 2


def test_undo_after_someone_else_changed_the_item_is_409(client, sample: Sample) -> None:
    f = sample.flags
    decide(client, f["petrov"], "accept_ocr", version=1, reviewer="Анна")
    decide(client, f["petrov"], "keep_reference", version=2, reviewer="Борис")
    response = client.post("/undo", data={"csrf_token": csrf(client), "reviewer": "Анна"})
    assert response.status_code == 409
    assert [d.undone for d in decisions(sample)] == [False, False]


# --- security ----------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_rejected(client, sample: Sample) -> None:
    f = sample.flags
    assert decide(client, f["petrov"], "accept_ocr", token="").status_code == 403
    assert decide(client, f["petrov"], "accept_ocr", token="forged").status_code == 403
    client.cookies.delete("ocr_review_csrf")
    assert client.post("/export", data={"csrf_token": "x"}).status_code == 403
    assert decisions(sample) == []
    # The header form (for scripts) is accepted.
    client.get("/queue")
    ok = client.post(
        f"/flags/{f['petrov']}/decide",
        headers={"X-CSRF-Token": csrf(client)},
        data={"version": "1", "action": "accept_ocr", "reviewer": "Анна"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_ocr_text_is_escaped_everywhere(client, sample: Sample) -> None:
    for url in ("/queue", f"/flags/{sample.flags['xss']}"):
        html = client.get(url).text
        assert "<script>window.__pwned" not in html
        assert '"onerror=' not in html
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    decide(client, sample.flags["xss"], "edit", text=XSS)
    html = client.get(f"/documents/{sample.document_id}").text
    assert "<script>window.__pwned" not in html and "&lt;script&gt;" in html
    assert "script-src 'self'" in client.get("/queue").headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/files/..%2F..%2F..%2Fetc%2Fpasswd",
        "/files/%2Fetc%2Fpasswd",
        "/files/letter/..%2F..%2Fgt%2Fletter.txt",
        "/files/letter%2F..%2F..%2Focr.db",
        "/files/..%5Cocr.db",
        "/files/letter/r.json",
        "/files/letter/p001.tsv",
        "/files/letter/missing.jpg",
        "/files/",
    ],
)
def test_image_route_serves_nothing_outside_the_output_folder(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "root:" not in response.text and "SQLite" not in response.text


def test_image_route_refuses_links_that_leave_the_output_folder(
    client, sample: Sample, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.jpg"
    Image.new("L", (4, 4)).save(secret)
    (sample.out / "letter" / "link.jpg").symlink_to(secret)
    assert client.get("/files/letter/link.jpg").status_code == 404
    ok = client.get("/files/letter/p001.view.jpg")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"


def test_unknown_ids_are_404_and_malformed_input_422(client, sample: Sample) -> None:
    f = sample.flags
    assert client.get("/flags/999999").status_code == 404
    assert client.get("/documents/999999").status_code == 404
    assert decide(client, 999999, "accept_ocr").status_code == 404
    assert client.get("/flags/abc").status_code == 422
    assert client.get("/queue?document=abc").status_code == 422
    assert client.get("/queue?status=sideways").status_code == 422
    assert client.get("/queue?offset=-1").status_code == 422
    assert decide(client, f["petrov"], "bogus").status_code == 422
    assert decide(client, f["petrov"], "accept_ocr", reviewer="   ").status_code == 422
    assert decide(client, f["low"], "keep_reference").status_code == 422
    assert decide(client, f["petrov"], "edit").status_code == 422  # no text field
    bad = client.post(
        f"/flags/{f['petrov']}/decide",
        data={
            "csrf_token": csrf(client),
            "version": "one",
            "action": "accept_ocr",
            "reviewer": "A",
        },
    )
    assert bad.status_code == 422 and "version" in bad.text
    assert decisions(sample) == []


def test_binding_beyond_loopback_needs_a_token() -> None:
    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("localhost", None)
    for host in ("0.0.0.0", "192.168.1.5", "example.org", "::"):
        with pytest.raises(ConfigError):
            check_bind(host, None)
        with pytest.raises(ConfigError):
            check_bind(host, SimpleNamespace(review_token=""))  # type: ignore[arg-type]
    check_bind("0.0.0.0", SimpleNamespace(review_token="s3cret"))  # type: ignore[arg-type]
    check_bind("0.0.0.0", SimpleNamespace(review_token=SecretStr("s3cret")))  # type: ignore[arg-type]


def test_without_a_token_only_loopback_host_names_are_answered(client) -> None:
    assert client.get("/queue", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/queue", headers={"Host": "[::1]:8000"}).status_code == 200
    # A page on evil.example whose name was rebound to 127.0.0.1 still sends its own host name.
    response = client.get("/queue", headers={"Host": "evil.example:8000"})
    assert response.status_code == 400 and "127.0.0.1" in response.text


def test_with_a_token_every_page_needs_it(sample: Sample) -> None:
    from fastapi.testclient import TestClient

    app = create_app(sample.url, sample.out, SimpleNamespace(review_token="s3cret"))  # type: ignore[arg-type]
    with TestClient(app) as c:
        assert c.get("/queue").status_code == 401
        assert c.get("/files/letter/p001.view.jpg").status_code == 401
        assert c.get("/queue", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        entry = c.get("/queue?token=s3cret&type=low_confidence", follow_redirects=False)
        assert (
            entry.status_code == 303 and entry.headers["location"] == "/queue?type=low_confidence"
        )
        assert c.get("/queue").status_code == 200  # the cookie carries it now
    app.state.store.engine.dispose()


# --- export and rescoring -----------------------------------------------------------------------


def test_export_writes_corrections_and_never_touches_the_original(client, sample: Sample) -> None:
    f = sample.flags
    original = sample.reference.read_bytes()
    decide(client, f["petrov"], "accept_ocr")
    decide(client, f["pyongyang"], "accept_ocr")
    decide(client, f["low"], "edit", text="количества")
    decide(client, f["heading"], "stamp", text="ЗАГОЛОВОК")
    (result,) = export_corrections(sample.url)
    assert sample.reference.read_bytes() == original
    corrected = sample.reference.with_name("letter.corrected.txt")
    assert result.corrected_reference == corrected and result.applied == 2
    text = corrected.read_text(encoding="utf-8")
    # Exactly the two spans change; the first "Метров" (right there) stays; BOM and CRLF are read
    # as text, the corrected file is plain UTF-8 with LF.
    expected = REFERENCE.lstrip("\ufeff").replace("\r\n", "\n")
    expected = expected.replace("Г. Лхенъян", "г. Пхеньян").replace(
        "Посольства Метров", "Посольства Петров"
    )
    assert text == expected
    log = json.loads(sample.reference.with_name("letter.changes.json").read_text("utf-8"))
    assert log["document"] == "letter" and log["reference_changes"] == 2
    petrov = next(c for c in log["changes"] if c["flag_id"] == f["petrov"])
    assert petrov["what"]["before"] == "Метров" and petrov["what"]["after"] == "Петров"
    assert petrov["who"] == "Анна" and petrov["when"] and petrov["where"]["page"] == 1
    assert petrov["where"]["located_by"] == "context" and petrov["why"]["reason"]
    assert petrov["where"]["reference_line"] == 4
    pyongyang = next(c for c in log["changes"] if c["flag_id"] == f["pyongyang"])
    assert pyongyang["where"]["located_by"] == "reference context"
    page_xml = (sample.out / "letter" / "p001.corrected.page.xml").read_text("utf-8")
    assert "количества" in page_xml and "<Unicode>количество</Unicode>" not in page_xml
    assert 'GraphicRegion id="g1" type="stamp"' in page_xml and 'value="ЗАГОЛОВОК"' in page_xml
    assert result.rescore is not None
    assert result.rescore.cer_after < result.rescore.cer_before


def test_export_button_and_document_page_show_the_rescore(client, sample: Sample) -> None:
    decide(client, sample.flags["petrov"], "accept_ocr")
    html = client.post("/export", data={"csrf_token": csrf(client)}).text
    assert "letter.corrected.txt" in html and "letter.changes.json" in html
    page = client.get(f"/documents/{sample.document_id}").text
    before = re.search(r'id="cer-before">([^<]+)<', page).group(1)
    after = re.search(r'id="cer-after">([^<]+)<', page).group(1)
    assert before != after and after.endswith("%")
    score = rescore_document(sample.url, sample.document_id)
    assert score.cer_after < score.cer_before and score.changes_applied == 1


def test_undone_and_skipped_decisions_do_not_change_the_reference(client, sample: Sample) -> None:
    decide(client, sample.flags["petrov"], "accept_ocr")
    client.post("/undo", data={"csrf_token": csrf(client)})
    decide(client, sample.flags["pyongyang"], "skip")
    (result,) = export_corrections(sample.url)
    assert result.applied == 0
    assert result.corrected_reference.read_text("utf-8") == REFERENCE.lstrip("\ufeff").replace(
        "\r\n", "\n"
    )


def test_decisions_outlive_a_resumed_run_that_replaces_the_flags(client, sample: Sample) -> None:
    decide(client, sample.flags["petrov"], "accept_ocr")
    store = Store(sample.url)
    with store.session() as s:  # the pipeline storing the same document again
        from ocr.store import Document

        doc = s.get_one(Document, sample.document_id)
        fields = {
            k: getattr(doc, k)
            for k in ("name", "source_path", "source_sha256", "page_count", "languages", "status")
        }
    store.add_document(sample.run_id, fields, [{"page_number": 1, "status": "done"}], {})
    store.engine.dispose()
    (d,) = decisions(sample)
    assert (d.document, d.after_text) == ("letter", "Петров")


# --- suggested deletions of stray marks ----------------------------------------------------------

# The page with a speck read as "|" after the last word of its fourth line, and correction's flag
# deleting it (ocr.correct.stage.suggestion_flags: the mark and the blank before it go).
MARKED_LINES = [*OCR_LINES[:3], "консульским отделом Серегин. |", *OCR_LINES[4:]]


def _deletion_flag() -> dict[str, object]:
    start = len("\n".join(MARKED_LINES[:3])) + 1 + len("консульским отделом Серегин.")
    flag = _flag(
        "correction",
        4,
        "|",
        ocr="",
        severity=0.6,
        confidence=None,
        lines=MARKED_LINES,
        detail={
            "original": " |",
            "start": start,
            "end": start + 2,
            "delete": True,
            "candidates": [{"text": "", "score": 0.99, "kind": "stray"}],
        },
    )
    return flag | {
        "category": "suggested correction",
        "reason": '"|" stands alone where the scan has only a speck; suggested deleting '
        "it (score 0.99, stray)",
    }


@pytest.fixture
def marked(tmp_path: Path) -> Sample:
    return make_sample(
        tmp_path, ocr_lines=MARKED_LINES, xss=False, extra={"speck": _deletion_flag()}
    )


@pytest.fixture
def marked_client(marked: Sample):
    from fastapi.testclient import TestClient

    app = create_app(marked.url, marked.out, None)
    with TestClient(
        app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
    ) as c:
        c.get("/queue")
        yield c
    app.state.store.engine.dispose()


def _corrected_page_lines(sample: Sample) -> list[list[str]]:
    """The words of each line of the exported corrected PAGE-XML."""
    root = ET.parse(sample.out / "letter" / "p001.corrected.page.xml").getroot()
    return [
        [w.findtext(f"{{{NS}}}TextEquiv/{{{NS}}}Unicode") for w in line.iter(f"{{{NS}}}Word")]
        for line in root.iter(f"{{{NS}}}TextLine")
    ]


def test_a_suggested_deletion_shows_the_mark_it_deletes(marked_client, marked: Sample) -> None:
    html = marked_client.get(f"/flags/{marked.flags['speck']}").text
    ocr = re.search(r'id="ocr-text">(.*?)</p>', html, re.S).group(1)
    assert "\nконсульским отделом Серегин. <mark>|</mark>\nколичество" in ocr
    assert "∅" not in ocr and "suggested deleting it" in html
    assert re.search(r'<textarea id="text" name="text"[^>]*></textarea>', html)  # "Edit" starts
    # from the suggestion (nothing); the button that takes it says so
    assert "Accept suggestion “delete”" in html


def test_accepting_a_suggested_deletion_removes_the_mark_s_word(
    marked_client, marked: Sample
) -> None:
    assert decide(marked_client, marked.flags["speck"], "accept_suggestion").status_code == 303
    (d,) = decisions(marked)
    assert (d.before_text, d.after_text) == ("|", "")
    (result,) = export_corrections(marked.url)
    assert result.applied == 0  # the reference is not touched: the flag has no reference side
    lines = _corrected_page_lines(marked)
    assert lines[3] == ["консульским", "отделом", "Серегин."]
    assert [w for line in lines for w in line] == " ".join(OCR_LINES).split()


@pytest.mark.parametrize(
    ("action", "text", "words"),
    [
        (
            "edit",
            "»",
            ["консульским", "отделом", "Серегин.", "»"],
        ),  # the reviewer's text replaces it
        ("edit", "|", ["консульским", "отделом", "Серегин.", "|"]),
        ("not_a_problem", None, ["консульским", "отделом", "Серегин.", "|"]),  # the mark stays
    ],
)
def test_a_suggested_deletion_decided_otherwise_keeps_a_word(
    marked_client, marked: Sample, action: str, text: str | None, words: list[str]
) -> None:
    decide(marked_client, marked.flags["speck"], action, text=text)
    export_corrections(marked.url)
    assert _corrected_page_lines(marked)[3] == words


# --- suggested corrections of words ------------------------------------------------------------

# Correction's flag for a misread word (ocr.correct.stage.suggestion_flags): the flag's OCR text is
# the suggestion, the OCR's own reading is in its detail.
MISREAD_LINES = [*OCR_LINES[:4], "количество оборудовакия", *OCR_LINES[5:]]


@pytest.fixture
def misread(tmp_path: Path) -> Sample:
    start = len("\n".join(MISREAD_LINES[:4])) + 1 + len("количество ")
    flag = _flag(
        "correction",
        5,
        "оборудовакия",
        ocr="оборудования",
        severity=0.6,
        confidence=None,
        lines=MISREAD_LINES,
        detail={
            "original": "оборудовакия",
            "start": start,
            "end": start + 12,
            "candidates": [{"text": "оборудования", "score": 0.99, "kind": "edit"}],
        },
    )
    flag |= {
        "category": "suggested correction",
        "reason": '"оборудовакия" is not a Russian word; suggested "оборудования"',
    }
    return make_sample(tmp_path, ocr_lines=MISREAD_LINES, xss=False, extra={"word": flag})


@pytest.mark.parametrize(
    ("action", "text", "word"),
    [
        ("accept_suggestion", None, "оборудования"),  # one key takes the suggestion
        ("accept_ocr", None, "оборудовакия"),  # "Accept OCR" keeps what the OCR read
        ("not_a_problem", None, "оборудовакия"),  # the OCR's reading stays
        ("edit", "оборудованию", "оборудованию"),
    ],
)
def test_a_suggested_correction_decided_reaches_the_corrected_page(
    misread: Sample, action: str, text: str | None, word: str
) -> None:
    from fastapi.testclient import TestClient

    app = create_app(misread.url, misread.out, None)
    with TestClient(
        app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
    ) as c:
        c.get("/queue")
        html = c.get(f"/flags/{misread.flags['word']}").text
        assert "количество <mark>оборудовакия</mark>" in html  # what the OCR read
        decide(c, misread.flags["word"], action, text=text)
    app.state.store.engine.dispose()
    (d,) = decisions(misread)
    assert d.before_text == "оборудовакия"
    export_corrections(misread.url)
    assert _corrected_page_lines(misread)[4] == ["количество", word]


# --- locating spans in the reference -------------------------------------------------------------


def test_normalised_offsets_map_back_to_the_raw_text() -> None:
    raw = "\ufeff  Мои\u0306 дом\r\n\r\n\tвторое   слово \fтретье\n"  # BOM, NFD, CRLF, FF
    norm = normalised_with_offsets(raw)
    assert norm is not None and norm.text == "Мой дом\nвторое слово\nтретье"
    a, b = norm.raw_range(0, 3)
    assert raw[a:b] == "Мои\u0306"
    start = norm.text.index("второе слово")
    a, b = norm.raw_range(start, start + len("второе слово"))
    assert raw[a:b] == "второе   слово"
    a, b = norm.raw_range(norm.text.index("третье"), len(norm.text))
    assert raw[a:b] == "третье"


def test_a_recurring_span_is_found_by_its_context() -> None:
    raw = "Товарищ Метров прибыл.\nСоветник Посольства Метров и зав. отделом.\n"
    norm = normalised_with_offsets(raw)
    assert norm is not None
    found = locate(norm, ref_text="Метров", before="советник Посольства ", after=" и зав.")
    assert found is not None and found.method == "context"
    assert raw[: found.start].endswith("Посольства ")
    unique = locate(norm, ref_text="Товарищ", before="", after="")
    assert unique is not None and (unique.start, unique.method) == (0, "unique")
    assert locate(norm, ref_text="Иванов", before="", after="") is None
    # Offsets from the pipeline win when they still match the text; stale ones are ignored.
    at = norm.text.index("Метров")
    assert locate(norm, ref_text="Метров", offsets=(at, at + 6)).method == "offsets"
    assert locate(norm, ref_text="Метров", offsets=(0, 6), before="Посольства ").method == "context"


def test_the_reference_context_stored_with_a_flag_places_it_exactly() -> None:
    raw = "Метров.\nСоветник Посольства Метров и зав.\nМетров и зав. отделом."
    norm = normalised_with_offsets(raw)
    assert norm is not None
    found = locate(
        norm, ref_text="Метров", ref_before="Советник Посольства ", ref_after=" и зав.\nМетров"
    )
    assert found is not None and found.method == "reference context"
    assert raw[: found.start] == "Метров.\nСоветник Посольства "
    # An insertion: the reference's neighbours meet where the OCR's extra text goes.
    gap = locate(norm, ref_text="", ref_before="Посольства ", ref_after="Метров и зав.\nМетров")
    assert gap is not None and gap.start == gap.end == raw.index("Метров и зав.\nМетров")
    # Page-relative offsets that point elsewhere in the whole text are not trusted.
    wrong = locate(
        norm, ref_text="Метров", offsets=(0, 6), ref_before="Посольства ", ref_after=" и"
    )
    assert wrong is not None and wrong.method == "reference context"
    assert raw[: wrong.start].endswith("Посольства ")


def test_text_the_reference_lacks_is_inserted_between_its_neighbours() -> None:
    raw = "На беседе присутствовал советник Посольства и зав. отделом."
    norm = normalised_with_offsets(raw)
    assert norm is not None
    found = locate(
        norm, ref_text="", before="присутствовал советник Посольства ", after=" и зав. отделом."
    )
    assert found is not None and found.method == "insertion"
    from ocr.review.locate import splice

    assert (
        splice(raw, found.start, found.end, "Петров")
        == "На беседе присутствовал советник Посольства Петров и зав. отделом."
    )


# --- hostile ids and forged posts ----------------------------------------------------------------

BIG = 2**63  # one past SQLite's integers: binding it raised OverflowError (a 500)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", f"/flags/{BIG}"),
        ("GET", f"/documents/{BIG}"),
        ("GET", f"/queue?document={BIG}"),
        ("GET", f"/queue?offset={BIG}"),
        ("POST", f"/flags/{BIG}/decide"),
        ("POST", f"/export?document={BIG}"),
        ("GET", f"/flags/{10**40}"),
        ("GET", "/queue?document=%C2%B2"),  # "²" is a digit to str.isdigit, not to int()
    ],
)
def test_ids_beyond_the_database_s_integers_are_refused_not_500(
    client, method: str, url: str
) -> None:
    data = {"csrf_token": csrf(client), "version": "1", "action": "accept_ocr", "reviewer": "A"}
    response = client.request(
        method, url, data=data if method == "POST" else None, follow_redirects=False
    )
    assert response.status_code in (404, 422), response.text[:300]


def test_a_version_beyond_the_database_s_integers_is_refused_not_500(client, sample) -> None:
    assert decide(client, sample.flags["petrov"], "accept_ocr", version=BIG).status_code == 422
    assert decisions(sample) == []


def test_a_form_token_the_client_makes_up_or_a_foreign_origin_is_refused(client, sample) -> None:
    petrov = sample.flags["petrov"]
    form = {"version": "1", "action": "accept_ocr", "reviewer": "Мэллори"}
    evil = "http://evil.example"
    client.cookies.set("ocr_review_csrf", "evil")  # a cookie/field pair the attacker picks
    for origin in (evil, ORIGIN):
        forged = client.post(
            f"/flags/{petrov}/decide",
            data={**form, "csrf_token": "evil"},
            headers={"Origin": origin},
            follow_redirects=False,
        )
        assert forged.status_code == 403
    client.cookies.delete("ocr_review_csrf")
    token = csrf(client)  # a real token of this browser, sent from another site
    for headers in ({"Origin": evil}, {"Origin": "null"}, {"Origin": evil, "Referer": ORIGIN}):
        sent = client.post(
            f"/flags/{petrov}/decide",
            data={**form, "csrf_token": token},
            headers=headers,
            follow_redirects=False,
        )
        assert sent.status_code == 403, headers
    del client.headers["origin"]  # neither Origin nor Referer: refused too
    bare = client.post(
        f"/flags/{petrov}/decide", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert bare.status_code == 403 and decisions(sample) == []
    by_referer = client.post(
        f"/flags/{petrov}/decide",
        data={**form, "csrf_token": token},
        headers={"Referer": f"{ORIGIN}/flags/{petrov}"},
        follow_redirects=False,
    )
    assert by_referer.status_code == 303 and len(decisions(sample)) == 1


def test_the_access_token_never_reaches_the_access_log(sample: Sample) -> None:
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secret = "s3cret-access-token"
    env = {**os.environ, "OCR_REVIEW_TOKEN": secret}
    cmd = [
        str(Path(sys.executable).parent / "ocr"),
        "review",
        "--port",
        str(port),
        "--db",
        sample.url,
        "--out",
        str(sample.out),
    ]
    server = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        answered = None
        while time.monotonic() < deadline and answered is None:
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/queue?token={secret}&type=x", timeout=5
                )
                answered = True
            except urllib.error.HTTPError:  # the redirect's cookie is not kept: 401 after it
                answered = True
            except OSError:
                time.sleep(0.3)
        assert answered, "the review server did not start"
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[0]
    assert "GET /queue?token=***&type=x" in log, log[-2000:]
    assert secret not in log


# --- export: nothing lost, nothing overwritten ----------------------------------------------------


def test_export_never_overwrites_a_file_it_did_not_write(client, sample: Sample) -> None:
    other = sample.reference.with_name("letter.corrected.txt")  # the reference of another scan
    other.write_text("Ссылка на скан letter.corrected.jpg\n", encoding="utf-8")
    decide(client, sample.flags["petrov"], "accept_ocr")
    (refused,) = export_corrections(sample.url)
    assert refused.error and str(other) in refused.error and refused.written == ()
    assert other.read_text(encoding="utf-8") == "Ссылка на скан letter.corrected.jpg\n"
    assert not sample.reference.with_name("letter.changes.json").exists()
    assert not (sample.out / "letter" / "p001.corrected.page.xml").exists()
    other.unlink()
    (first,) = export_corrections(sample.url)
    (again,) = export_corrections(sample.url)  # its own files: replaced
    assert first.error is None and again.error is None and again.written == first.written
    edited = again.written[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "правка архивиста\n", encoding="utf-8")
    (kept,) = export_corrections(sample.url)  # a person changed it since: refused
    assert kept.error and str(edited) in kept.error
    assert edited.read_text(encoding="utf-8").endswith("правка архивиста\n")


def _union_box(lines: list[str], parts: list[tuple[int, str]]) -> dict[str, int]:
    boxes = [_box_of(lines, line, words) for line, words in parts]
    left, top = min(b["left"] for b in boxes), min(b["top"] for b in boxes)
    right = max(b["left"] + b["width"] for b in boxes)
    bottom = max(b["top"] + b["height"] for b in boxes)
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}


REGIONS = [
    {
        "type": "handwriting",
        "box": [1200, 80, 150, 60],
        "polygon": [],
        "score": 0.7,
        "reason": "strokes unlike typewriter glyphs",
        "colour": "blue",
        "source": "strokes",
        "text": "",
        "detail": {},
    },
    {
        "type": "stamp",
        "box": [1150, 380, 200, 150],
        "polygon": [],
        "score": 0.9,
        "reason": "violet ink",
        "colour": "violet",
        "source": "colour",
        "text": "МИД СССР",
        "detail": {},
    },
]


@pytest.fixture
def spanning(tmp_path: Path) -> Sample:
    """A disagreement whose words end one line and start the next: its box (their union)
    covers most of both lines, whose other words are not the flag's."""
    flag = _flag("disagreement", 3, "зав.", ocr="зав.\nконсульским", ref="", severity=0.9)
    flag |= _union_box(OCR_LINES, [(3, "зав."), (4, "консульским")]) | {
        "detail": {"kind": "insert"},
        "category": "possible OCR error",
    }
    return make_sample(tmp_path, xss=False, extra={"span": flag}, regions=REGIONS)


@pytest.mark.parametrize(
    ("action", "gone"), [("not_a_problem", []), ("keep_reference", ["зав.", "консульским"])]
)
def test_a_decision_changes_only_its_own_words_and_keeps_unreviewed_regions(
    spanning: Sample, action: str, gone: list[str]
) -> None:
    from fastapi.testclient import TestClient

    app = create_app(spanning.url, spanning.out, None)
    with TestClient(app, base_url=ORIGIN, headers={"Origin": ORIGIN}) as c:
        assert decide(c, spanning.flags["span"], action).status_code == 303
    app.state.store.engine.dispose()
    export_corrections(spanning.url)
    words = [w for line in _corrected_page_lines(spanning) for w in line]
    expected = [w for line in OCR_LINES for w in line.split()]
    for word in gone:
        expected.remove(word)
    assert words == expected  # "На беседе ... Петров", "отделом Серегин." inside the box stay
    xml = (spanning.out / "letter" / "p001.corrected.page.xml").read_text("utf-8")
    assert xml.count("<GraphicRegion") == 2 and "handwritten-annotation" in xml  # not reviewed
    assert 'type="stamp"' in xml and 'value="МИД СССР"' in xml
