"""The results database on a real PostgreSQL server (Debian `postgresql`): a batch, two
concurrent batches, review decisions and the export, as on a Dask cluster sharing one database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import _free_port, needs_tesseract, render_text_page

pytestmark = [
    pytest.mark.integration,
    needs_tesseract,
    pytest.mark.filterwarnings("ignore:Using `httpx`"),
]

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
OCR = Path(sys.executable).parent / "ocr"
TEXT = (
    "Посетил Нам Ира. По просьбе последнего советником\n"
    "тов. Сунцовым был подготовлен производственный план\n"
    "кооператива, над которым Нам Ир осуществляет шефство.\n"
)
# The archive's transcription, with one error the reviewer will find through a flag.
REFERENCE = TEXT.replace("Сунцовым", "Сунцевым")


@dataclass(frozen=True)
class PgServer:
    """A running throw-away server: databases are created on it by name."""

    port: int
    socket_dir: Path

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://ocr@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        import psycopg

        name = f"ocr_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=ocr dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_owner(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    if os.getuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _skip_reason() -> str | None:
    if not PG_BINS:
        return (
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl); "
            "`make test` installs Debian's `postgresql`"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed; `make setup` installs the `postgres` extra"
    if os.getuid() == 0 and shutil.which("runuser") is None:
        return "running as root without `runuser` to start PostgreSQL as another user"
    return None


@pytest.fixture(scope="module")
def pg() -> Iterator[PgServer]:
    """initdb + pg_ctl into a temporary folder, on a free loopback port; stopped at the end."""
    if (reason := _skip_reason()) is not None:
        pytest.skip(reason)
    bin_dir = PG_BINS[-1].parent
    root = Path(tempfile.mkdtemp(prefix="ocr-pg-"))
    data = root / "data"
    if os.getuid() == 0:
        shutil.chown(root, "postgres")
    run = [
        *_as_owner(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "ocr",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
    ]
    subprocess.run(run, check=True, capture_output=True, cwd=root)
    port = _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    subprocess.run(
        _as_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(root / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
        cwd=root,
    )
    try:
        yield PgServer(port, root)
    finally:
        subprocess.run(
            _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def _scans(folder: Path, names: list[str]) -> tuple[Path, Path]:
    scans, gt = folder / "scans", folder / "gt"
    scans.mkdir(parents=True)
    gt.mkdir()
    for name in names:
        render_text_page(scans / f"{name}.png", TEXT)
        (gt / f"{name}.txt").write_text(REFERENCE, encoding="utf-8")
    return scans, gt


def _ocr(*args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.Popen(
        [str(OCR), *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _finish(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    return out


def test_a_batch_stores_its_run_documents_pages_and_flags(pg: PgServer, tmp_path: Path) -> None:
    from ocr.store import Document, FlagRow, Page, Run, Store

    url = pg.new_database()
    scans, gt = _scans(tmp_path, ["a", "b"])
    out = _finish(
        _ocr(
            "run",
            str(scans),
            "--gt",
            str(gt),
            "--out",
            str(tmp_path / "out"),
            "--db",
            url,
            "-j",
            "2",
            cwd=tmp_path,
        )
    )
    assert "2 pages done, 0 failed" in out and url.split("@")[1] in out
    store = Store(url, create=False)
    with store.session() as s:
        (run,) = s.scalars(select(Run)).all()
        assert run.status == "completed" and run.summary["pages_done"] == 2
        assert sorted(s.scalars(select(Document.name))) == ["a", "b"]
        assert s.scalar(select(func.count()).select_from(Page)) == 2
        assert s.scalar(select(func.count()).select_from(FlagRow)) >= 2
    store.engine.dispose()
    assert not (tmp_path / "out" / "ocr.db").exists()  # nothing went to the SQLite default


def test_two_concurrent_batches_share_one_fresh_database(pg: PgServer, tmp_path: Path) -> None:
    """Both start on an empty database (both create the tables) and both process the scan
    they share: every run completes and the shared document stays once in the queue."""
    from ocr.store import Document, Run, Store

    url = pg.new_database()
    one, gt1 = _scans(tmp_path / "one", ["a", "shared"])
    two, gt2 = _scans(tmp_path / "two", ["b", "shared"])
    procs = [
        _ocr(
            "run",
            str(s),
            "--gt",
            str(g),
            "--out",
            str(tmp_path / f"out{i}"),
            "--db",
            url,
            cwd=tmp_path,
        )
        for i, (s, g) in enumerate([(one, gt1), (two, gt2)])
    ]
    for p in procs:
        _finish(p)
    store = Store(url, create=False)
    with store.session() as s:
        assert [r.status for r in s.scalars(select(Run))] == ["completed", "completed"]
        names = sorted(s.scalars(select(Document.name)))
        assert names == ["a", "b", "shared", "shared"]
        current = sorted(s.scalars(select(Document.name).where(Document.superseded_by.is_(None))))
        assert current == ["a", "b", "shared"]
    store.engine.dispose()


def test_review_decisions_and_export_on_postgres(pg: PgServer, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from ocr.review.app import create_app
    from ocr.review.models import Decision
    from ocr.store import FlagRow, Store

    url = pg.new_database()
    scans, gt = _scans(tmp_path, ["memo"])
    _finish(
        _ocr(
            "run",
            str(scans),
            "--gt",
            str(gt),
            "--out",
            str(tmp_path / "out"),
            "--db",
            url,
            cwd=tmp_path,
        )
    )
    store = Store(url, create=False)
    with store.session() as s:
        flag = s.scalars(select(FlagRow).where(FlagRow.ref_text.contains("Сунцев"))).first()
        assert flag is not None, "the reference's error was not flagged"
        flag_id, version = flag.id, flag.version
    origin = "http://127.0.0.1:8000"
    app = create_app(url, tmp_path / "out", None)
    with TestClient(app, base_url=origin, headers={"Origin": origin}) as client:
        page = client.get("/queue").text
        assert f"/flags/{flag_id}" in page
        token = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
        answer = client.post(
            f"/flags/{flag_id}/decide",
            follow_redirects=False,
            data={
                "version": str(version),
                "action": "accept_ocr",
                "reviewer": "Анна",
                "csrf_token": token,
            },
        )
        assert answer.status_code == 303
        stale = client.post(
            f"/flags/{flag_id}/decide",
            follow_redirects=False,
            data={
                "version": str(version),
                "action": "keep_reference",
                "reviewer": "Борис",
                "csrf_token": token,
            },
        )
        assert stale.status_code == 409
    app.state.store.engine.dispose()
    with store.session() as s:
        (d,) = s.scalars(select(Decision)).all()
        assert (d.reviewer, d.action, d.after_text) == ("Анна", "accept_ocr", flag.ocr_text)
    store.engine.dispose()
    out = _finish(_ocr("export", "--db", url, "--out", str(tmp_path / "out"), cwd=tmp_path))
    assert "memo: 1 correction(s)" in out, out
    corrected = (gt / "memo.corrected.txt").read_text(encoding="utf-8")
    assert "Сунцовым" in corrected and "Сунцевым" not in corrected
    assert (gt / "memo.txt").read_text(encoding="utf-8") == REFERENCE


def test_the_same_document_stored_by_two_runs_at_once_is_superseded_once(pg: PgServer) -> None:
    """Two batches storing one document at the same moment: the later supersedes the earlier,
    every time (each run's transaction alone would not see the other's uncommitted row)."""
    import threading

    from ocr.store import Document, Store

    store = Store(pg.new_database())
    runs = [store.start_run(source=str(i), settings={}, versions={}) for i in range(2)]
    for round_ in range(4):
        barrier = threading.Barrier(2)

        def save(
            run_id: str, name: str = f"doc{round_}", barrier: threading.Barrier = barrier
        ) -> None:
            barrier.wait()
            store.add_document(
                run_id,
                {
                    "name": name,
                    "source_path": name,
                    "source_sha256": "0",
                    "page_count": 0,
                    "languages": "rus",
                    "status": "done",
                },
                [],
                {},
            )

        threads = [threading.Thread(target=save, args=(r,)) for r in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with store.session() as s:
            current = s.scalar(
                select(func.count())
                .select_from(Document)
                .where(Document.name == f"doc{round_}", Document.superseded_by.is_(None))
            )
        assert current == 1
    store.engine.dispose()
