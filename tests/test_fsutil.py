"""Atomic writes leave nothing half-written; a killed process's temps go, a live one's stay."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from ocr.fsutil import atomic_write_text, remove_stale_temps

pytestmark = pytest.mark.unit


def test_atomic_write_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_stale_temps_of_dead_processes_are_removed(tmp_path: Path) -> None:
    proc = subprocess.Popen(["true"])  # a pid that has exited
    proc.wait()
    (tmp_path / f".p001.tsv.{proc.pid}.abcd.tmp").write_text("half")
    (tmp_path / f".tess-p001.{proc.pid}-xyz").mkdir()
    (tmp_path / f".p002.tsv.{os.getpid()}.efgh.tmp").write_text("mine, still writing")
    (tmp_path / "p001.tsv").write_text("final")
    assert remove_stale_temps(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".p002.tsv.{os.getpid()}.efgh.tmp",
        "p001.tsv",
    ]


def test_temps_carry_their_host_and_another_machine_s_are_left_alone(tmp_path: Path) -> None:
    """An output folder shared by a Dask cluster: a pid means nothing on another machine."""
    from ocr.fsutil import HOST_TAG, temp_tag

    proc = subprocess.Popen(["true"])  # a pid that has exited, here
    proc.wait()
    assert temp_tag() == f"{os.getpid()}@{HOST_TAG}"
    (tmp_path / f".p001.tsv.{proc.pid}@{HOST_TAG}.abcd.tmp").write_text("half, ours")
    (tmp_path / f".tess-p001.{proc.pid}@{HOST_TAG}-xyz").mkdir()
    (tmp_path / f".p002.tsv.{proc.pid}@other_host.efgh.tmp").write_text("another machine's")
    (tmp_path / f".tess-p002.{proc.pid}@other_host-xyz").mkdir()
    assert remove_stale_temps(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".p002.tsv.{proc.pid}@other_host.efgh.tmp",
        f".tess-p002.{proc.pid}@other_host-xyz",
    ]
    written = atomic_write_text(tmp_path / "report.json", "{}")
    assert written.read_text() == "{}" and remove_stale_temps(tmp_path) == 0


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_respect_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Not mkstemp's 0600 (issue 20): a report is as readable as any file the user makes."""
    from ocr.fsutil import atomic_write_text

    old = os.umask(umask)
    try:
        path = atomic_write_text(tmp_path / "report.html", "<p>ok</p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode
