"""The `ocr` command: help everywhere, settings printed, exit codes from the exceptions module."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GOOD_TEXT, INVALID, needs_tesseract, render_text_page

OCR = str(Path(sys.executable).parent / "ocr")
COMMANDS = ["run", "flow", "serve", "review", "export", "config", "score"]


def _ocr(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([OCR, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


@pytest.mark.unit
@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command: str) -> None:
    res = _ocr(command, "--help")
    assert res.returncode == 0 and "Usage" in res.stdout


@pytest.mark.unit
def test_config_prints_effective_settings(tmp_path: Path) -> None:
    (tmp_path / "ocr.toml").write_text('[ocr]\nlanguages = "rus+eng"\n', encoding="utf-8")
    res = _ocr("config", "--dpi", "200", cwd=tmp_path)
    assert res.returncode == 0
    assert 'languages = "rus+eng"' in res.stdout and "dpi = 200" in res.stdout
    bad = _ocr("config", "--config", str(tmp_path / "missing.toml"))
    assert bad.returncode == 7 and "settings file" in bad.stderr


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
