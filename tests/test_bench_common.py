"""The benchmarks' shared helpers (bench/common.py): the real pages of the sealed split, tables,
a child process importing ``ocr`` from another source tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import EHRI, SPLIT, TYPESCRIPT_FR, md_table, real_pages, source_env

pytestmark = pytest.mark.unit


@pytest.mark.skipif(not EHRI.is_dir() or not TYPESCRIPT_FR.is_dir(), reason="no realdata")
def test_real_pages_are_both_sets_each_in_one_part_of_the_sealed_split() -> None:
    pages = real_pages()
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    assert {p.corpus for p in pages} == {"typescript-fr", "ehri"}
    assert {p.split for p in pages} == {"tuning", "held_out"}
    for page in pages:
        assert page.group in split[page.corpus][page.split]
        assert page.image.is_file() and len(page.truth.replace("\n", "")) >= 50
        assert page.typed_boxes  # the boxes of the transcribed typed lines


def test_md_table_aligns_columns() -> None:
    assert md_table(("a", "b"), [(1, "x")], align="lr") == ["| a | b |", "|---|---:|", "| 1 | x |"]


def test_a_child_process_imports_ocr_from_the_source_it_is_given(tmp_path: Path) -> None:
    fake = tmp_path / "src" / "ocr"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("MARK = 'baseline'\n", encoding="utf-8")
    code = "import ocr, bench.common; print(ocr.MARK, bench.common.ROOT.name)"
    res = subprocess.run(
        [sys.executable, "-c", code],
        env=source_env(tmp_path / "src"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == "baseline"
