"""Folding profiles: differences between reference and OCR an archivist chooses not to count."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ocr.exceptions import ConfigError
from ocr.score import normalise

# Latin letters (and Latin ö, which Komi transcribers type for Cyrillic ӧ) that look like a
# Cyrillic letter, folded to Cyrillic on both sides. Roman numerals typed in Latin in Russian text
# ("29.XII.55") then match an OCR that read them with Cyrillic Х and І, and a Cyrillic "о" typed by
# a Latin keyboard layout matches its twin.
LATIN_TO_CYRILLIC = {
    "A": "А",
    "B": "В",
    "C": "С",
    "E": "Е",
    "H": "Н",
    "I": "І",
    "K": "К",
    "M": "М",
    "O": "О",
    "P": "Р",
    "T": "Т",
    "X": "Х",
    "Y": "У",
    "a": "а",
    "c": "с",
    "e": "е",
    "i": "і",
    "o": "о",
    "p": "р",
    "x": "х",
    "y": "у",
    "Ö": "Ӧ",
    "ö": "ӧ",
}
YO = {"ё": "е", "Ё": "Е"}
_YO_TABLE = {ord(k): v for k, v in YO.items()}
QUOTES_DASHES = {
    **dict.fromkeys("«»„“”‟″〃", '"'),
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("‐‑‒–—―−⸗", "-"),
    "…": "...",
}
# A hyphen (or soft hyphen, or the "¬" some transcriptions use) ending a line between two letters
# splits one word: "об-\nласть" is "область". A compound broken at its own hyphen ("научно-\n
# исследовательский") loses that hyphen too; the strict figure still shows it.
_LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u00ad\u2010\u2011¬]\n(?=[^\W\d_])")
# Three or more one-letter words in capitals ("Д Н Е В Н И К"), or four or more in any case, joined
# by single spaces: typewriter emphasis, one word. Fewer would catch Russian one-letter words
# ("и в").
_SPACED_WORD = re.compile(r"(?<!\S)[^\W\d_](?:[ \u00a0][^\W\d_]){2,}(?!\S)")

_OPTIONS = (
    "latin_cyrillic",
    "yo",
    "quotes_dashes",
    "whitespace",
    "hyphenation",
    "letter_spacing",
    "casefold",
)


@dataclass(frozen=True)
class Profile:
    """A named set of foldings applied to both reference and OCR before counting errors."""

    name: str
    description: str = ""
    latin_cyrillic: bool = False
    yo: bool = False
    quotes_dashes: bool = False
    whitespace: bool = False
    hyphenation: bool = False
    letter_spacing: bool = False
    casefold: bool = False
    replace: tuple[tuple[str, str], ...] = ()
    base: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The profile as listed in reports."""
        return {
            "name": self.name,
            "description": self.description,
            "base": self.base,
            **{option: getattr(self, option) for option in _OPTIONS},
            "replace": dict(self.replace),
        }


STRICT = Profile(
    "strict",
    "every difference counts, as dinglehopper counts it (after NFC and one "
    "space per run within a line)",
)
ARCHIVAL = Profile(
    "archival",
    "Latin/Cyrillic look-alikes, ё/е, typographic quotes and dashes, whitespace and "
    "line breaks, line-end hyphenation and letter-spaced words do not count",
    latin_cyrillic=True,
    yo=True,
    quotes_dashes=True,
    whitespace=True,
    hyphenation=True,
    letter_spacing=True,
)
BUILTIN_PROFILES: dict[str, Profile] = {STRICT.name: STRICT, ARCHIVAL.name: ARCHIVAL}


def fold(text: str, profile: Profile) -> str:
    """The text as the profile compares it; fold(text, STRICT) is normalise(text)."""
    text = normalise(text)
    if profile.hyphenation:
        text = _LINE_END_HYPHEN.sub("", text).replace("\u00ad", "")
    if profile.letter_spacing:
        text = _SPACED_WORD.sub(_join_spaced, text)
    if profile.casefold:  # before the replacements, so {"ѣ" = "е"} also folds "Ѣ"
        text = unicodedata.normalize("NFC", text.casefold())
    if profile.replace:
        text = _replace_all(text, _replacements(profile))
    table = _table(profile)
    if table:
        text = unicodedata.normalize("NFC", text.translate(table))
    if profile.yo:  # after NFC, which may have composed a Latin e + diaeresis into ё
        text = text.translate(_YO_TABLE)
    if profile.whitespace:
        text = " ".join(text.split())
    return text


def _table(profile: Profile) -> dict[int, str]:
    return _translation(profile.quotes_dashes, profile.latin_cyrillic)


@functools.cache
def _translation(quotes_dashes: bool, latin_cyrillic: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    if quotes_dashes:
        table.update({ord(k): v for k, v in QUOTES_DASHES.items()})
    if latin_cyrillic:
        table.update({ord(k): v for k, v in LATIN_TO_CYRILLIC.items()})
    return table


def _replacements(profile: Profile) -> dict[str, str]:
    if not profile.casefold:
        return dict(profile.replace)
    return {unicodedata.normalize("NFC", k.casefold()): v for k, v in profile.replace}


def _replace_all(text: str, pairs: dict[str, str]) -> str:
    """Literal replacements in one pass, longest match first (so "ѣ" and "ѣѣ" can both be given)."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True)))
    return pattern.sub(lambda m: pairs[m.group()], text)


def _join_spaced(match: re.Match[str]) -> str:
    letters = match.group().replace("\u00a0", " ").split(" ")
    if len(letters) < 4 and not all(letter.isupper() for letter in letters):
        return match.group()
    return "".join(letters)


# --- profiles from TOML ------------------------------------------------------------------------


def load_profiles(toml_dict: Mapping[str, Any]) -> dict[str, Profile]:
    """Built-in profiles plus those of a parsed TOML file's [scoring.profiles.NAME] tables.

    Also accepts the tables under [ocr.scoring.profiles] or a bare {"profiles": {...}}. A table
    may name a `base` profile (default "strict") whose options and replacements it extends.
    """
    tables = _profile_tables(toml_dict)
    profiles = dict(BUILTIN_PROFILES)
    for name in tables:
        if name in BUILTIN_PROFILES:
            raise ConfigError(f"scoring profile {name!r} is built in; give yours another name")
        _resolve(name, tables, profiles, chain=())
    return profiles


def _profile_tables(toml_dict: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    scoring = toml_dict.get("scoring") or (toml_dict.get("ocr") or {}).get("scoring") or toml_dict
    tables = scoring.get("profiles", {}) if isinstance(scoring, Mapping) else {}
    if not isinstance(tables, Mapping) or not all(isinstance(t, Mapping) for t in tables.values()):
        raise ConfigError(
            "[scoring.profiles] must hold one table per profile, e.g. "
            '[scoring.profiles.mine] with replace = {"ѣ" = "е"}'
        )
    return dict(tables)


def _resolve(
    name: str,
    tables: Mapping[str, Mapping[str, Any]],
    profiles: dict[str, Profile],
    *,
    chain: tuple[str, ...],
) -> Profile:
    if name in profiles:
        return profiles[name]
    if name in chain:
        raise ConfigError(f"scoring profiles {' -> '.join((*chain, name))} form a cycle of bases")
    if name not in tables:
        raise ConfigError(
            f"scoring profile {chain[-1]!r} has base {name!r}, which is not defined "
            f"(known: {', '.join(sorted({*profiles, *tables}))})"
        )
    table = tables[name]
    base = _resolve(str(table.get("base", STRICT.name)), tables, profiles, chain=(*chain, name))
    profiles[name] = _profile_from_table(name, table, base)
    return profiles[name]


def _profile_from_table(name: str, table: Mapping[str, Any], base: Profile) -> Profile:
    known = {f.name for f in fields(Profile)} - {"name"}
    unknown = set(table) - known
    if unknown:
        raise ConfigError(
            f"scoring profile {name!r}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(sorted(known))}"
        )
    options: dict[str, Any] = {}
    for option in _OPTIONS:
        if option in table:
            if not isinstance(table[option], bool):
                raise ConfigError(f"scoring profile {name!r}: {option} must be true or false")
            options[option] = table[option]
    pairs = table.get("replace", {})
    if not isinstance(pairs, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in pairs.items()
    ):
        raise ConfigError(
            f'scoring profile {name!r}: replace must map text to text, e.g. {{"ѣ" = "е"}}'
        )
    merged = {
        **dict(base.replace),
        **{unicodedata.normalize("NFC", k): v for k, v in pairs.items()},
    }
    return replace(
        base,
        name=name,
        base=base.name,
        description=str(table.get("description", "")),
        replace=tuple(merged.items()),
        **options,
    )


def resolve_profiles(
    names: list[str] | tuple[str, ...], profiles: Mapping[str, Profile]
) -> list[Profile]:
    """The named profiles, strict first and each once; an unknown name is a ConfigError."""
    chosen = [STRICT]
    for name in names:
        if name not in profiles:
            raise ConfigError(
                f"unknown scoring profile {name!r}; known: {', '.join(sorted(profiles))}"
                " (define more under [scoring.profiles.NAME] in the config file)"
            )
        if profiles[name] not in chosen:
            chosen.append(profiles[name])
    return chosen
