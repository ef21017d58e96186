"""docs/report-schema.md holds the field tables of the report's records as they are now."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def test_report_schema_doc_is_generated_from_the_records() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "report_schema.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_doc(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import report_schema
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    text = report_schema.SCHEMA_DOC.read_text(encoding="utf-8")
    stale = text.replace("| `dpi` | int |", "| `dpi` | float |")
    assert stale != text and report_schema.updated(stale) == text
