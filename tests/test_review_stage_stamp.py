"""A benchmark folder's stage cache is used only by the code that wrote it (bench/stage_stamp.py):
a cache written by other code with the same STAGE_VERSION, or of unknown origin, is read again,
and a preprocess manifest naming a scan outside the folder (a folder copied from another
worktree) is dropped (issue 20: a figure that depended on which run wrote the cache)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.stage_stamp import STAMP, code_stamp, refuse_stale, write_stamp


def cache(folder: Path, original: str) -> Path:
    out = folder / "out"
    page = out / "doc"
    page.mkdir(parents=True)
    (page / "p001.prep.json").write_text(json.dumps({"key": "k", "original_input": original}))
    (page / "p001.processed.json").write_text(json.dumps({"key": "k"}))
    (page / "p001.ocr.json").write_text(json.dumps({"key": "k"}))
    (page / "p001.tsv").write_text("words\n")
    return out


def manifests(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*.json") if p.name != STAMP)


@pytest.mark.unit
def test_a_cache_written_by_this_code_is_kept(tmp_path: Path) -> None:
    out = cache(tmp_path, str(tmp_path / "scans" / "doc.png"))
    write_stamp(out, "this code")
    assert refuse_stale(out, folder=tmp_path, stamp="this code") == 0
    assert manifests(out) == ["p001.ocr.json", "p001.prep.json", "p001.processed.json"]


@pytest.mark.unit
def test_a_cache_of_other_code_or_unknown_origin_is_read_again(tmp_path: Path) -> None:
    out = cache(tmp_path, str(tmp_path / "scans" / "doc.png"))
    write_stamp(out, "other code")
    assert refuse_stale(out, folder=tmp_path, stamp="this code") == 3
    assert manifests(out) == [] and (out / "doc" / "p001.tsv").is_file()
    assert not (out / STAMP).exists()  # no code vouches for the folder until a run is done
    unknown = cache(tmp_path / "copied", str(tmp_path / "copied" / "scans" / "doc.png"))
    assert refuse_stale(unknown, folder=tmp_path / "copied", stamp="this code") == 3


@pytest.mark.unit
def test_a_manifest_naming_a_scan_of_another_folder_is_dropped(tmp_path: Path) -> None:
    out = cache(tmp_path / "mine", "/elsewhere/worktree/scans/doc.png")
    write_stamp(out, "this code")
    assert refuse_stale(out, folder=tmp_path / "mine", stamp="this code") == 1
    assert manifests(out) == ["p001.ocr.json", "p001.processed.json"]


@pytest.mark.unit
def test_the_stamp_follows_the_package_sources(tmp_path: Path) -> None:
    package = tmp_path / "ocr"
    (package / "data").mkdir(parents=True)
    (package / "stage.py").write_text("X = 1\n")
    (package / "data" / "model.json").write_text("{}")
    before = code_stamp(package)
    assert code_stamp(package) == before
    (package / "stage.py").write_text("X = 2\n")
    assert code_stamp(package) != before


def test_a_stage_cache_written_by_other_code_is_not_this_codes(monkeypatch):
    """The product's stage keys hold the package's stamp beside STAGE_VERSION: a cache another
    checkout (or an edit without a version bump) wrote is made again, not served."""
    from ocr.stages import cache as stage_cache

    key = stage_cache.code_version()
    assert key.startswith(stage_cache.STAGE_VERSION + ":")
    assert key.endswith(stage_cache.code_stamp())
    monkeypatch.setattr(stage_cache, "code_stamp", lambda root=stage_cache.PACKAGE: "other code")
    stage_cache.code_version.cache_clear()
    try:
        assert stage_cache.code_version() != key
    finally:
        monkeypatch.undo()
        stage_cache.code_version.cache_clear()
    assert stage_cache.code_version() == key
