"""Property-based tests: whatever the bytes or parameters, the readers of references, ALTO/PAGE/
hOCR and manifests, the scan loader and the review app give a result or a typed error (an
OcrError, a 4xx page), never a traceback or a 500."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocr.exceptions import OcrError
from ocr.formats import SourceText, read_source
from ocr.load import inspect_scan, load_page
from ocr.textio import ReferenceText, decode_text, reference_from_bytes
from tests.fuzzing import markup, mutated, regions_seed, seed_files

pytestmark = [
    pytest.mark.unit,
    # Starlette's own notice about its TestClient's HTTP library; nothing to do here.
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
]

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SEEDS = seed_files()
LIMIT = 40_000_000


_FOLDER = tempfile.TemporaryDirectory(prefix="ocr-properties-")


def _write(data: bytes, name: str) -> Path:
    """The input as a file (one folder for the session, each input replacing the last)."""
    path = Path(_FOLDER.name) / name
    path.write_bytes(data)
    return path


def _seed(kind: str) -> st.SearchStrategy[bytes]:
    files = SEEDS[kind]
    if not files:
        return st.binary(max_size=512)
    return st.sampled_from([p.read_bytes() for p in files]).flatmap(mutated)


ENCODED_TEXT = st.tuples(
    st.text(max_size=200), st.sampled_from(("utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8-r"))
).map(lambda t: t[0].encode(t[1], errors="replace"))


@SETTINGS
@given(st.one_of(st.binary(max_size=2048), ENCODED_TEXT, _seed("reference")))
def test_any_reference_bytes_give_a_reference_or_a_typed_error(data: bytes) -> None:
    try:
        ref = reference_from_bytes(Path("ref.txt"), data)
    except OcrError as e:
        assert str(e) and "\n" not in e.message
        return
    assert isinstance(ref, ReferenceText) and "\r" not in ref.text
    assert decode_text(data).text == ref.text  # the same bytes always read the same


@SETTINGS
@given(st.one_of(markup(), _seed("markup"), st.binary(max_size=512).map(lambda b: b"<" + b)))
def test_any_alto_page_or_hocr_gives_text_or_a_typed_error(data: bytes) -> None:
    path = _write(data, "page.xml")
    try:
        source = read_source(path)
    except OcrError:
        return
    assert isinstance(source, SourceText) and isinstance(source.text, str)
    assert source.format in ("alto", "page", "hocr", "text")


SCAN_NAMES = ("scan.png", "scan.jpg", "scan.tif", "scan.pdf")


@pytest.mark.filterwarnings("ignore::UserWarning:PIL")  # PIL's notes on the damage we made
@settings(SETTINGS, max_examples=60)
@given(_seed("scan"), st.sampled_from(SCAN_NAMES))
def test_any_damaged_scan_gives_pages_or_a_typed_error(data: bytes, name: str) -> None:
    path = _write(data, name)
    try:
        scan = inspect_scan(path, dpi=100, max_pixels=LIMIT)
        if scan.kind != "pdf":  # rendering a PDF is pdftoppm's work, slow for a property test
            load_page(scan, 1, dpi=100, max_pixels=LIMIT)
    except OcrError:
        return


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=512),
        st.dictionaries(
            st.sampled_from(("key", "rows", "view", "outputs", "steps")),
            st.one_of(
                st.none(), st.integers(), st.text(max_size=8), st.lists(st.integers(), max_size=3)
            ),
            max_size=5,
        ).map(lambda d: json.dumps(d).encode()),
    )
)
def test_any_stage_manifest_is_a_cache_hit_or_a_miss(data: bytes) -> None:
    from ocr.stages.cache import read_manifest

    path = _write(data, "p001.prep.json")
    found = read_manifest(path, "key")
    assert found is None or (isinstance(found, dict) and found["key"] == "key")


# --- the review app ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory):
    from fastapi.testclient import TestClient

    from ocr.review.app import create_app
    from tests.test_review_app import ORIGIN, make_sample

    sample = make_sample(tmp_path_factory.mktemp("props"))
    app = create_app(sample.url, sample.out, None)
    with TestClient(
        app, base_url=ORIGIN, raise_server_exceptions=False, headers={"Origin": ORIGIN}
    ) as client:
        client.get("/queue")
        yield client, sample
    app.state.store.engine.dispose()


ANY_ID = st.one_of(
    st.integers(), st.integers(min_value=2**62, max_value=2**70), st.text(max_size=30)
)
PARAMS = st.dictionaries(
    st.sampled_from(("run", "document", "type", "status", "offset", "flow_run", "finished")),
    st.one_of(st.text(max_size=30), st.integers().map(str)),
    max_size=4,
)


@SETTINGS
@given(ANY_ID, PARAMS)
def test_any_item_id_and_queue_query_is_answered_without_a_500(app_client, item, params) -> None:
    client, sample = app_client
    for url in (
        f"/flags/{quote(str(item), safe='')}",
        f"/documents/{quote(str(item), safe='')}",
        "/queue",
        f"/files/{quote(str(item), safe='/')}",
    ):
        response = client.get(url, params=params, follow_redirects=False)
        assert response.status_code < 500, (url, params, response.text[:300])


FORM = st.fixed_dictionaries(
    {
        "version": st.one_of(st.integers().map(str), st.text(max_size=10)),
        "action": st.one_of(
            st.sampled_from(
                ("accept_ocr", "keep_reference", "edit", "stamp", "not_a_problem", "skip")
            ),
            st.text(max_size=10),
        ),
        "reviewer": st.text(max_size=40),
        "text": st.text(max_size=40),
    }
)


@SETTINGS
@given(ANY_ID, FORM, PARAMS)
def test_any_decision_form_is_answered_without_a_500(app_client, item, form, params) -> None:
    from tests.test_review_app import csrf

    client, sample = app_client
    item = str(item) if not isinstance(item, int) or item % 3 else str(sample.flags["petrov"])
    data = {**form, "csrf_token": csrf(client)}
    response = client.post(
        f"/flags/{quote(item, safe='')}/decide", data=data, params=params, follow_redirects=False
    )
    assert response.status_code < 500, (item, form, params, response.text[:300])
    export = client.post("/export", data={"csrf_token": data["csrf_token"]}, params=params)
    assert export.status_code < 500, (params, export.text[:300])


@SETTINGS
@given(
    st.one_of(
        st.binary(max_size=512),
        st.just(regions_seed()).flatmap(mutated),
    )
)
def test_any_detected_regions_file_gives_regions_or_a_typed_error(data: bytes) -> None:
    from ocr.review.document import OcrPage
    from ocr.review.export import detected_graphics
    from ocr.tesseract import words_to_text

    page = OcrPage(
        1, words_to_text([]), 100, 100, Path("p001.tsv"), None, _write(data, "p001.regions.json")
    )
    try:
        graphics = detected_graphics(page)
    except OcrError:
        return
    assert all(g.kind in ("stamp", "signature", "handwriting") for g in graphics)
