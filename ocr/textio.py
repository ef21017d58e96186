"""Read reference transcriptions: encoding detection (UTF-8/16, cp1251, KOI8-R), BOMs, line ends."""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass
from pathlib import Path

from ocr.exceptions import EmptyFileError, ReferenceDecodeError, ReferenceError_

FORM_FEED = "\f"

# Control characters (category Cc) other than tab, LF, VT, FF and CR: a plain-text transcription
# never holds them, so they mean binary data or a wrong encoding.
_FORBIDDEN_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 little-endian (with BOM)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 big-endian (with BOM)"),
)

_LEGACY: dict[str, str] = {"cp1251": "Windows-1251 (cp1251)", "koi8-r": "KOI8-R"}

# Relative frequency (%) of Russian letters in running text (Russian National Corpus). Telling
# cp1251 from KOI8-R by these is robust even for all-capitals text, unlike a case ratio: the two
# code pages map the same byte to unrelated letters, so the wrong one scores far lower.
_RUSSIAN_LETTER_PERCENT: dict[str, float] = {
    "о": 10.97,
    "е": 8.45,
    "а": 8.01,
    "и": 7.35,
    "н": 6.70,
    "т": 6.26,
    "с": 5.47,
    "р": 4.73,
    "в": 4.54,
    "л": 4.40,
    "к": 3.49,
    "м": 3.21,
    "д": 2.98,
    "п": 2.81,
    "у": 2.62,
    "я": 2.01,
    "ы": 1.90,
    "ь": 1.74,
    "г": 1.70,
    "з": 1.65,
    "б": 1.59,
    "ч": 1.44,
    "й": 1.21,
    "х": 0.97,
    "ж": 0.94,
    "ш": 0.73,
    "ю": 0.64,
    "ц": 0.48,
    "щ": 0.36,
    "э": 0.32,
    "ф": 0.26,
    "ъ": 0.04,
    "ё": 0.04,
}
_TYPOGRAPHIC = frozenset("«»№—–…“”„’‘•°§\u00a0")
_LOG_OTHER_CYRILLIC = math.log(1e-4)
_LOG_TYPOGRAPHIC = math.log(1e-3)
_LOG_OTHER = math.log(1e-6)
# A lowercase letter followed by a capital inside a word ("мИЕОЯСО") is what the wrong code page
# makes of ordinary words, since cp1251 and KOI8-R put the two cases in swapped halves.
_LOG_CASE_FLIP = math.log(1e-4)
# What a legacy decoding must look like to be accepted. Russian text averages about -3 per
# non-ASCII character under the letter frequencies above (either code page read as the other
# about -4); bytes that were never Russian (random, Latin-1) fall near -6 and below.
_MIN_LOG_PER_CHAR = -5.0
_MIN_CYRILLIC_SHARE = 0.8
_MAX_MIXED_WORDS = 0.3
_WORD = re.compile(r"\w+")
_ASCII_LETTER = re.compile("[A-Za-z]")


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from bytes, with the encoding found and what the user should know about it."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceText:
    """A reference transcription read from disk."""

    path: Path
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()

    @property
    def pages(self) -> tuple[str, ...]:
        """Form-feed-separated parts; a single part: the reference covers the whole document."""
        return split_pages(self.text)

    @property
    def page_aligned(self) -> bool:
        """Whether the reference carries its own page breaks (form feeds)."""
        return len(self.pages) > 1


def split_pages(text: str) -> tuple[str, ...]:
    """Split on form feeds; a trailing form feed ends the last page, it opens no empty one."""
    parts = text.split(FORM_FEED)
    if len(parts) > 1 and not parts[-1].strip():
        parts.pop()
    return tuple(parts)


def read_reference(path: Path) -> ReferenceText:
    """Read and decode a reference transcription; zero bytes is an error, BOM-only is empty."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ReferenceError_(f"cannot read the reference ({e.strerror or e})", path=path) from e
    return reference_from_bytes(path, data)


def reference_from_bytes(path: Path, data: bytes) -> ReferenceText:
    """A reference from the bytes already read from ``path`` (named in errors)."""
    if not data:
        raise EmptyFileError(path=path)
    try:
        decoded = decode_text(data)
    except ReferenceDecodeError as e:
        raise ReferenceDecodeError(e.message, path=path) from e
    return ReferenceText(
        path=path, text=decoded.text, encoding=decoded.encoding, warnings=decoded.warnings
    )


def decode_text(data: bytes) -> DecodedText:
    """Decode reference bytes: BOM (UTF-8/16), else UTF-8, else cp1251 or KOI8-R; newlines to LF."""
    decoded = _decode_with_bom(data) or _decode_utf8(data) or _decode_legacy(data)
    _check_controls(decoded.text)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text=text, encoding=decoded.encoding, warnings=decoded.warnings)


def _decode_with_bom(data: bytes) -> DecodedText | None:
    for bom, encoding, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding.removesuffix("-sig"))
            except UnicodeDecodeError as e:
                raise ReferenceDecodeError(
                    f"the reference starts with a {label} mark but is not valid {label} "
                    f"(byte {e.start + len(bom)}); re-save it as UTF-8"
                ) from e
            return DecodedText(text, encoding, (f"reference decoded as {label}, not plain UTF-8",))
    return None


def _decode_utf8(data: bytes) -> DecodedText | None:
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        return None


def _decode_legacy(data: bytes) -> DecodedText:
    if b"\x00" in data:
        raise ReferenceDecodeError(
            "the reference holds NUL bytes: it is binary, or UTF-16/32 "
            "without a byte-order mark; re-save it as UTF-8"
        )
    candidates = {}
    for encoding in _LEGACY:
        try:
            candidates[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise ReferenceDecodeError()
    # max() keeps the first of equal scores, so cp1251 (listed first, far more common) wins ties.
    encoding = max(candidates, key=lambda name: russian_score(candidates[name]))
    if not reads_as_russian(candidates[encoding]):
        raise ReferenceDecodeError(
            "the reference is not UTF-8, and in cp1251 or KOI8-R it does not read as Russian "
            "(it may be Latin-1 or binary data); re-save it as UTF-8"
        )
    warning = (
        f"reference is not UTF-8; decoded as {_LEGACY[encoding]}, chosen over "
        f"{' and '.join(_LEGACY[e] for e in _LEGACY if e != encoding)} by Russian letter "
        "frequencies; check the text and re-save it as UTF-8"
    )
    return DecodedText(candidates[encoding], encoding, (warning,))


def russian_score(text: str) -> float:
    """Log-likelihood of the non-ASCII characters of `text` as Russian (letter frequency, case)."""
    score = 0.0
    prev = ""
    for char in text:
        if prev.islower() and char.isupper() and not char.isascii():
            score += _LOG_CASE_FLIP
        prev = char
        if char.isascii():
            continue  # identical in every candidate encoding
        percent = _RUSSIAN_LETTER_PERCENT.get(char.lower())
        if percent is not None:
            score += math.log(percent / 100)
        elif char in _TYPOGRAPHIC:
            score += _LOG_TYPOGRAPHIC
        elif "\u0400" <= char <= "\u04ff":
            score += _LOG_OTHER_CYRILLIC
        else:
            score += _LOG_OTHER
    return score


def reads_as_russian(text: str) -> bool:
    """Whether text decoded from a legacy code page reads as Russian: its non-ASCII characters
    are Cyrillic letters or typography, as frequent as Russian letters are, and not glued to
    Latin letters inside words (what Latin-1 accents become in cp1251)."""
    foreign = [c for c in text if not c.isascii() and not c.isspace()]
    if not foreign:
        return True
    cyrillic = sum("\u0400" <= c <= "\u04ff" or c in _TYPOGRAPHIC for c in foreign)
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    mixed = sum(bool(_ASCII_LETTER.search(w)) for w in words)
    return (
        cyrillic >= _MIN_CYRILLIC_SHARE * len(foreign)
        and mixed <= _MAX_MIXED_WORDS * max(len(words), 1)
        and russian_score(text) >= _MIN_LOG_PER_CHAR * len(foreign)
    )


def _check_controls(text: str) -> None:
    found = _FORBIDDEN_CONTROL.search(text)
    if found:
        raise ReferenceDecodeError(
            f"the reference holds control character U+{ord(found.group()):04X} at character "
            f"{found.start()}: it is binary or in an unsupported encoding; re-save it as UTF-8"
        )
