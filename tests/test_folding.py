"""Folding profiles: strict is normalise(), archival folds what archivists skip, TOML profiles."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ocr.exceptions import ConfigError
from ocr.folding import ARCHIVAL, STRICT, Profile, fold, load_profiles, resolve_profiles
from ocr.score import character_error_rate, normalise

pytestmark = pytest.mark.unit

# Real data (origin and licence: /work/shared/realdata/README.md): Komi "Выль туйӧд" 1939 line
# transcriptions, some typed with Latin "ö" and "III" where Cyrillic is meant.
KOMI = (
    Path(__file__).resolve().parents[2] / "shared" / "realdata" / "komi-vyl-tujod-1939" / "1939_09"
)


def archival_cer(reference: str, ocr: str, profile: Profile = ARCHIVAL) -> float:
    return character_error_rate(fold(reference, profile), fold(ocr, profile))


def test_strict_is_normalise() -> None:
    text = "\ufeff  Д Н Е В Н И К \r\n\n об-\nласть  «ёлка» — XII\f"
    assert fold(text, STRICT) == normalise(text)


def test_roman_numerals_typed_in_latin_match_cyrillic_look_alikes() -> None:
    # The seed document's "29.XII.55" (Latin X, I) as a rus model reads it (Cyrillic Х, І).
    assert archival_cer("от 29.XII.55 года", "от 29.ХІІ.55 года") == 0.0
    assert character_error_rate("от 29.XII.55 года", "от 29.ХІІ.55 года") > 0


@pytest.mark.parametrize("latin", list("oaecpxyOAECPXYHKMTB"))
def test_each_latin_twin_folds_to_its_cyrillic_letter(latin: str) -> None:
    cyrillic = fold(latin, ARCHIVAL)
    assert cyrillic != latin and "CYRILLIC" in __import__("unicodedata").name(cyrillic)
    assert fold(f"с{cyrillic}н", ARCHIVAL) == fold(f"с{latin}н", ARCHIVAL)


def test_yo_quotes_dashes_and_whitespace() -> None:
    assert archival_cer("«Ёлка» — это ёж", '"Елка" - это еж') == 0.0
    assert archival_cer("слово,\nслово", "слово,   слово") == 0.0
    assert archival_cer("movement’s", "movement's") == 0.0
    assert fold("a\u00a0\tb", ARCHIVAL) == "а b"


def test_line_end_hyphenation_is_one_word() -> None:
    assert fold("об-\nласть", ARCHIVAL) == "область"
    assert archival_cer("область", "об-\nласть") == 0.0
    # A hyphen inside a line is kept; so is one before a digit.
    assert fold("научно-исследовательский", ARCHIVAL) == "научно-исследовательский"
    assert fold("1955-\n1956", ARCHIVAL) == "1955- 1956"


def test_letter_spaced_words_join_but_one_letter_words_do_not() -> None:
    assert fold("Д Н Е В Н И К", ARCHIVAL) == "ДНЕВНИК"
    assert archival_cer("Д Н Е В Н И К\nпосла", "ДНЕВНИК посла") == 0.0
    assert fold("п р о т о к о л", ARCHIVAL) == "протокол"
    assert fold("и в с ним", ARCHIVAL) == "и в с ним"  # three one-letter words, not capitals
    assert fold("Я И В", ARCHIVAL) == "ЯИВ"


def test_komi_latin_letters_fold_to_cyrillic() -> None:
    lines = [p.read_text(encoding="utf-8").strip() for p in sorted(KOMI.glob("*/*.gt.txt"))]
    if not lines:
        pytest.skip("shared Komi data not found")
    latin = [line for line in lines if "ö" in line or "III" in line]
    assert latin, "the Komi sample has lines typed with Latin letters"
    for line in latin:
        cyrillic = line.replace("ö", "ӧ").replace("I", "І")
        assert character_error_rate(line, cyrillic) > 0
        assert archival_cer(line, cyrillic) == 0.0


def test_user_profile_from_toml_extends_a_base() -> None:
    data = tomllib.loads("""
[ocr]
languages = "rus"

[scoring.profiles.prerevolutionary]
base = "archival"
casefold = true
replace = {"ѣ" = "е", "і" = "и"}
description = "pre-1918 spelling"

[scoring.profiles.yat]
base = "prerevolutionary"
casefold = false
""")
    profiles = load_profiles(data)
    assert set(profiles) == {"strict", "archival", "prerevolutionary", "yat"}
    pre = profiles["prerevolutionary"]
    assert pre.base == "archival" and pre.casefold and pre.latin_cyrillic
    assert fold("ХЛѢБЪ", pre) == "хлебъ"
    assert archival_cer("Хлѣбъ", "ХЛЕБЪ", pre) == 0.0
    assert not profiles["yat"].casefold and dict(profiles["yat"].replace)["ѣ"] == "е"
    assert pre.as_json()["replace"] == {"ѣ": "е", "і": "и"}


def test_profiles_also_under_ocr_table_and_without_base() -> None:
    profiles = load_profiles({"ocr": {"scoring": {"profiles": {"caseless": {"casefold": True}}}}})
    assert profiles["caseless"].base == "strict" and not profiles["caseless"].latin_cyrillic
    assert fold("ИР", profiles["caseless"]) == "ир"
    assert load_profiles({}) == {"strict": STRICT, "archival": ARCHIVAL}


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"a": {"base": "b"}, "b": {"base": "a"}}, "cycle"),
        ({"a": {"base": "nope"}}, "not defined"),
        ({"a": {"casefld": True}}, "unknown key"),
        ({"a": {"casefold": "yes"}}, "true or false"),
        ({"a": {"replace": {"ѣ": 1}}}, "replace"),
        ({"a": {"replace": {"": "x"}}}, "replace"),
        ({"archival": {"casefold": True}}, "built in"),
    ],
)
def test_bad_profiles_are_config_errors(tables: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_profiles({"scoring": {"profiles": tables}})


def test_resolve_profiles_puts_strict_first_and_rejects_unknown_names() -> None:
    profiles = load_profiles({})
    assert resolve_profiles(["archival", "archival"], profiles) == [STRICT, ARCHIVAL]
    assert resolve_profiles([], profiles) == [STRICT]
    with pytest.raises(ConfigError, match="unknown scoring profile 'mine'"):
        resolve_profiles(["mine"], profiles)
