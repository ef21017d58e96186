"""The `ocr` command: help everywhere, settings printed, exit codes from the exceptions module."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import GOOD_TEXT, INVALID, needs_tesseract, render_text_page

OCR = str(Path(sys.executable).parent / "ocr")
COMMANDS = ["run", "flow", "serve", "review", "export", "config", "score"]


def _ocr(
    *args: str, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OCR, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.mark.unit
@pytest.mark.parametrize("command", [*COMMANDS, "synth"])
def test_every_subcommand_has_help(command: str) -> None:
    """Help names values (SCAN..., DIR, N), never Python types (issue 20)."""
    res = _ocr(command, "--help")
    assert res.returncode == 0 and "Usage" in res.stdout
    for raw in ("<list[Path]>", "{scans}", "<path>", "<int", "<str>", "<bool>", "<float"):
        assert raw not in res.stdout, (raw, res.stdout)


@pytest.mark.unit
def test_run_help_names_its_arguments() -> None:
    res = _ocr("run", "--help")
    assert "Usage: ocr run [OPTIONS] SCAN..." in res.stdout
    assert "--out DIR" in res.stdout and "--workers N" in res.stdout


@pytest.mark.unit
def test_a_scan_path_that_does_not_exist_is_bad_input(tmp_path: Path) -> None:
    res = _ocr("run", str(tmp_path / "scnas"), "--out", str(tmp_path / "out"))
    assert res.returncode == 2, res.stderr
    assert "scnas: no such file or folder" in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.unit
def test_config_says_which_file_it_read_from_any_directory(tmp_path: Path) -> None:
    from tests.conftest import ROOT

    res = _ocr("config", str(ROOT / "scans"), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert f"# settings: {ROOT / 'ocr.toml'} (found from the scans' folder" in res.stdout
    assert "EHRI-*" in res.stdout  # the project's languages_by_pattern
    assert f'database_url = "sqlite:///{tmp_path / "out" / "ocr.db"}"' in res.stdout
    bare = _ocr("config", cwd=tmp_path)
    assert "# settings: defaults (no ocr.toml in the working directory" in bare.stdout


@pytest.mark.unit
def test_config_prints_effective_settings(tmp_path: Path) -> None:
    (tmp_path / "ocr.toml").write_text('[ocr]\nlanguages = "rus+eng"\n', encoding="utf-8")
    res = _ocr("config", "--dpi", "200", cwd=tmp_path)
    assert res.returncode == 0
    assert 'languages = "rus+eng"' in res.stdout and "dpi = 200" in res.stdout
    bad = _ocr("config", "--config", str(tmp_path / "missing.toml"))
    assert bad.returncode == 7 and "settings file" in bad.stderr


@pytest.mark.unit
def test_synth_runs_the_dev_package_from_the_ocr_command(tmp_path: Path) -> None:
    """`ocr synth` forwards its arguments to ocr_synth (devtools/synth) and writes a page."""
    bad = _ocr("synth", "--out", str(tmp_path / "bad"), "--levels", "soggy")
    assert bad.returncode == 2 and "unknown level(s) soggy" in bad.stderr
    res = _ocr("synth", "-o", str(tmp_path / "set"), "--pages", "1", "--levels", "clean", "-j", "1")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "set" / "manifest.json").is_file()
    assert len(list((tmp_path / "set").glob("*.gt.txt"))) == 1


@pytest.mark.unit
def test_synth_without_the_dev_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from ocr.cli import app
    from ocr.exceptions import ExitCode

    monkeypatch.setitem(sys.modules, "ocr_synth", None)  # as if the dev extra were not installed
    res = CliRunner().invoke(app, ["synth", "--out", "somewhere"])
    assert res.exit_code == ExitCode.missing_dependency
    assert "pip install -e '.[dev]' -e devtools/synth" in res.stderr


@pytest.mark.unit
def test_the_product_imports_neither_the_dev_package_nor_the_benchmarks() -> None:
    """Every module of ocr/ imports without ocr_synth or bench (tooling apart from the product)."""
    code = (
        "import importlib, pkgutil, sys, ocr\n"
        "for m in pkgutil.walk_packages(ocr.__path__, 'ocr.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('ocr_synth', 'bench')))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.integration
@needs_tesseract
def test_run_reports_failures_with_exit_code_and_keeps_going(tmp_path: Path) -> None:
    scans, gt = tmp_path / "scans", tmp_path / "gt"
    scans.mkdir()
    gt.mkdir()
    render_text_page(scans / "memo.png")
    (gt / "memo.txt").write_text(GOOD_TEXT, encoding="utf-8")
    shutil.copy(INVALID / "corrupt.pdf", scans / "corrupt.pdf")
    res = _ocr("run", str(scans), "--gt", str(gt), "--out", str(tmp_path / "out"), "--dpi", "150")
    assert res.returncode == 4, res.stderr
    assert "CorruptPdfError" in res.stdout and "corrupt.pdf" in res.stdout
    assert "memo" in res.stdout and "[1/1] page 1 of memo" in res.stderr
    assert (tmp_path / "out" / "memo" / "report.json").is_file()


# --- bad arguments and hostile input: a typed error and a message, never a traceback or a hang ---


def _make_read_only(folder: Path) -> bool:
    """No file can be created in the folder, not even by root (immutable: chattr +i)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return True
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0


@pytest.mark.integration
@needs_tesseract
def test_an_output_folder_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    scan = render_text_page(tmp_path / "memo.png")
    out = tmp_path / "out"
    out.mkdir()
    if not _make_read_only(out):
        pytest.skip("cannot make a folder read-only here (chattr as root)")
    try:
        res = _ocr("run", str(scan), "--out", str(out))
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(out)], check=True)
        out.chmod(0o755)
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert f"cannot write to the output folder {out}" in res.stderr
    through_a_file = _ocr("run", str(scan), "--out", str(scan / "out"))
    assert through_a_file.returncode == 1 and "Traceback" not in through_a_file.stderr
    assert "cannot write to the output folder" in through_a_file.stderr


@pytest.mark.integration
@needs_tesseract
def test_a_mistyped_or_wrong_gt_and_an_empty_scans_folder_are_errors(tmp_path: Path) -> None:
    scan = render_text_page(tmp_path / "memo.png")
    out = str(tmp_path / "out")
    typo = _ocr("run", str(scan), "--gt", str(tmp_path / "grund_truth"), "--out", out)
    assert typo.returncode == 1 and "grund_truth does not exist" in typo.stderr
    a_file = _ocr("run", str(scan), "--gt", str(scan), "--out", out)
    assert a_file.returncode == 1 and "is a file, not a folder" in a_file.stderr
    (tmp_path / "empty").mkdir()
    empty = _ocr("run", str(tmp_path / "empty"), "--out", out)
    assert empty.returncode == 1 and "no scans found in" in empty.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.integration
@needs_tesseract
def test_references_that_match_no_scan_are_named(tmp_path: Path) -> None:
    scans, gt = tmp_path / "scans", tmp_path / "gt"
    scans.mkdir()
    gt.mkdir()
    render_text_page(scans / "memo-1.png")
    (gt / "memo-1.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (gt / "memo_2.txt").write_text(GOOD_TEXT, encoding="utf-8")  # the scan is memo-2.png
    res = _ocr("run", str(scans), "--gt", str(gt), "--out", str(tmp_path / "out"), "--dpi", "150")
    assert res.returncode == 0, res.stderr
    assert "1 reference(s) match no scan" in res.stderr and "memo_2.txt" in res.stderr


@pytest.mark.integration
@needs_tesseract
def test_a_fifo_given_as_a_scan_is_a_typed_failure_not_a_hang(tmp_path: Path) -> None:
    render_text_page(tmp_path / "memo.png")
    os.mkfifo(tmp_path / "pipe.png")  # nobody ever writes to it: reading it blocks for ever
    res = _ocr(
        "run",
        str(tmp_path / "pipe.png"),
        str(tmp_path / "memo.png"),
        "--out",
        str(tmp_path / "out"),
        "--dpi",
        "150",
        timeout=120,
    )
    assert res.returncode == 4, res.stderr
    assert "NotRegularFileError" in res.stdout and "pipe.png" in res.stdout
    assert (tmp_path / "out" / "memo" / "report.json").is_file()


@pytest.mark.integration
@needs_tesseract
def test_a_missing_language_exits_3_and_names_the_scan(tmp_path: Path) -> None:
    scan = render_text_page(tmp_path / "memo.png")
    res = _ocr("run", str(scan), "-l", "xxx", "--out", str(tmp_path / "out"), "--dpi", "150")
    assert res.returncode == 3, res.stdout + res.stderr
    assert "LanguageNotInstalledError" in res.stdout and f"{scan}:" in res.stdout
    assert "ocr.png" not in res.stdout + res.stderr


@pytest.mark.integration
@needs_tesseract
def test_a_black_page_is_a_dark_page_failure_not_a_full_page_stamp(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("L", (2480, 3508), 0).save(tmp_path / "black.png", dpi=(300, 300))
    start = time.perf_counter()
    res = _ocr("run", str(tmp_path / "black.png"), "--out", str(tmp_path / "out"))
    seconds = time.perf_counter() - start
    assert res.returncode == 4, res.stderr
    assert "DarkPageError" in res.stdout and "dark all over" in res.stdout
    db = sqlite3.connect(tmp_path / "out" / "ocr.db")
    assert db.execute("select count(*) from flags").fetchone() == (0,)
    print(f"black A4 page at 300 dpi: {seconds:.1f} s for the whole `ocr run`")


@pytest.mark.unit
def test_export_with_a_database_that_does_not_exist_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "typo" / "ocr.db"
    res = _ocr("export", "--db", f"sqlite:///{db}")
    assert res.returncode == 1 and f"there is no results database at {db}" in res.stderr
    assert not db.exists() and not db.parent.exists()


@pytest.mark.unit
def test_export_prints_every_file_it_wrote(tmp_path: Path) -> None:
    from ocr.review.decisions import decide
    from ocr.store import Store
    from tests.test_review_app import make_sample

    sample = make_sample(tmp_path)
    store = Store(sample.url)
    with store.sessions.begin() as s:
        decide(s, flag_id=sample.flags["petrov"], version=1, action="accept_ocr", reviewer="Анна")
    store.engine.dispose()
    res = _ocr("export", "--db", sample.url)
    assert res.returncode == 0, res.stderr
    written = [line.split("wrote ", 1)[1] for line in res.stdout.splitlines() if "wrote " in line]
    assert written[:3] == [
        str(sample.reference.with_name("letter.corrected.txt")),
        str(sample.out / "letter" / "p001.corrected.page.xml"),
        str(sample.reference.with_name("letter.changes.json")),
    ]
    assert str(sample.out / "letter" / "p001.reviewed.alto.xml") in written[3:]  # published
    assert all(Path(p).is_file() for p in written)
    # ... and how the next run scores against the corrected reference (issue 20)
    reviewed = sample.reference.parent.with_name("gt-reviewed")
    assert (
        f"cp {sample.reference.with_name('letter.corrected.txt')} {reviewed / 'letter.txt'}"
        in res.stdout
    )
    assert f"ocr run SCAN... --gt {reviewed}" in res.stdout


def test_a_database_path_that_is_no_url_is_a_clear_error(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    db = tmp_path / "results.db"
    for command in (["run", str(scans)], ["review"], ["export"]):
        res = _ocr(*command, "--db", str(db), "--out", str(tmp_path / "out"))
        assert res.returncode == 1, res.stderr
        assert "Traceback" not in res.stderr
        assert f"--db {db} is not a database URL" in res.stderr
        assert f"sqlite:///{db}" in res.stderr
    assert not db.exists() and not (tmp_path / "out").exists()


def test_a_database_setting_that_is_no_url_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "ocr.toml").write_text('database_url = "out/ocr.db"\n', encoding="utf-8")
    res = _ocr("config", "--config", str(tmp_path / "ocr.toml"))
    assert res.returncode == 7 and "Traceback" not in res.stderr
    assert "is not a database URL" in res.stderr and "sqlite:///out/ocr.db" in res.stderr
