"""Shared fixtures: paths to real data, settings in a temp folder, one Prefect server per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "tests" / "resources"
INVALID = RESOURCES / "invalid"
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
EHRI = REALDATA / "ehri-typewritten-diplomatic" / "english"
KOMI = REALDATA / "komi-vyl-tujod-1939" / "1939_09"

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract is not installed (make test installs it)")


@pytest.fixture
def settings(tmp_path: Path):
    from ocr.settings import load_settings

    return load_settings(None, output_dir=tmp_path / "out", workers=1)
