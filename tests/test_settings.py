"""Settings come from defaults, a TOML file, OCR_* variables and options, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocr.exceptions import ConfigError
from ocr.settings import load_settings, settings_as_toml

pytestmark = pytest.mark.unit


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "ocr.toml"
    cfg.write_text('[ocr]\nlanguages = "rus+eng"\ndpi = 200\npsm = 6\n', encoding="utf-8")
    monkeypatch.setenv("OCR_DPI", "250")
    s = load_settings(cfg, psm=4)
    assert (s.languages, s.dpi, s.psm) == ("rus+eng", 250, 4)


def test_round_trip_and_patterns(tmp_path: Path) -> None:
    s = load_settings(None, languages_by_pattern={"EHRI-*": "eng"}, output_dir=tmp_path)
    assert s.languages_for("EHRI-DR-1.jpg") == "eng"
    assert s.languages_for("journal.pdf") == "rus"
    cfg = tmp_path / "again.toml"
    cfg.write_text(settings_as_toml(s), encoding="utf-8")
    again = load_settings(cfg)
    assert again.model_copy(update={"database_url": ""}) == s
    assert s.db_url.startswith("sqlite:///") and s.db_url.endswith("ocr.db")
    # database_url is printed as the URL it comes to, not as "" (issue 20)
    assert f'database_url = "{s.db_url}"' in settings_as_toml(s) and again.db_url == s.db_url


@pytest.mark.parametrize("bad", ['dpi = "high"', 'languages = ""', "unknown_key = 1", "dpi = [1"])
def test_bad_settings_are_config_errors(tmp_path: Path, bad: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(bad + "\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        load_settings(cfg)


def test_with_absolute_paths_anchors_the_output_folder_and_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ocr.settings import with_absolute_paths

    monkeypatch.chdir(tmp_path)
    rel = with_absolute_paths(
        load_settings(None, output_dir=Path("out"), database_url="sqlite:///res/ocr.db")
    )
    assert rel.output_dir == tmp_path / "out"
    assert rel.database_url == f"sqlite:///{tmp_path}/res/ocr.db"
    for url in (
        "sqlite:////srv/ocr.db",
        "sqlite:///:memory:",
        "",
        "postgresql+psycopg://ocr@db:5432/ocr",
    ):
        assert with_absolute_paths(load_settings(None, database_url=url)).database_url == url


def test_a_missing_scan_has_its_own_error_not_a_corrupt_image(tmp_path: Path) -> None:
    from ocr.exceptions import CorruptImageError, MissingScanError
    from ocr.load import ScanInfo, load_page, sniff_kind

    gone = tmp_path / "gone.png"
    with pytest.raises(MissingScanError, match="same absolute path") as raised:
        sniff_kind(gone)
    assert not isinstance(raised.value, CorruptImageError) and raised.value.path == gone
    scan = ScanInfo(path=gone, document="gone", kind="png", page_count=1, sha256="0")
    with pytest.raises(MissingScanError):
        load_page(scan, 1, dpi=300, max_pixels=10**8)


def test_the_projects_settings_are_found_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nearest ocr.toml in the working directory or above, else in a scan's folder or
    above; where it was found is said (issue 20: `cd /tmp && ocr config` lost the patterns)."""
    from ocr.settings import find_config

    monkeypatch.delenv("OCR_CONFIG", raising=False)
    project = tmp_path / "project"
    (project / "scans" / "box1").mkdir(parents=True)
    (project / "notes").mkdir()
    (project / "ocr.toml").write_text(
        '[ocr]\nlanguages_by_pattern = {"EHRI-*" = "eng"}\n', encoding="utf-8"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    below = find_config(cwd=project / "notes")
    assert below.path == project / "ocr.toml" and "working directory" in below.how
    via_scans = find_config(scans=[project / "scans" / "box1"], cwd=elsewhere)
    assert via_scans.path == project / "ocr.toml" and "scans' folder" in via_scans.how
    none = find_config(cwd=elsewhere)
    assert none.path is None and "defaults" in none.describe()
    monkeypatch.chdir(elsewhere)
    found = load_settings(None, scans=[project / "scans"])
    assert found.languages_for("EHRI-DR-1.jpg") == "eng"
    assert load_settings(None).languages_for("EHRI-DR-1.jpg") == "rus"  # nothing found: defaults
