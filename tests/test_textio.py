"""Reference decoding: UTF-8/16 with and without BOM, cp1251 vs KOI8-R, line ends, bad files."""

from __future__ import annotations

import codecs
import random
import re
from pathlib import Path

import pytest

from ocr.exceptions import EmptyFileError, ExitCode, ReferenceDecodeError, ReferenceError_
from ocr.textio import DecodedText, ReferenceText, decode_text, read_reference

pytestmark = pytest.mark.unit

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "ivanov-journal-1955-12-24.txt"

# From the seed document (/work/shared/seed, see its NOTES.md): the archive's Russian
# transcription of V. I. Ivanov's journal, 24 December 1955 (Wilson Center Digital Archive).
PARAGRAPH = (
    "Посетил Нам Ира. По просьбе последнего советником при научно-исследовательском институте "
    "земледелия тов. Сунцовым был подготовлен производственный план кооператива, над которым "
    "Нам Ир осуществляет шефство.\n"
    "На беседе присутствовал советник Посольства Метров и зав. консульским отделом Серегин.\n"
    "ПОСОЛЬСТВО СССР В КНДР\n"
    "Д Н Е В Н И К\n"
    "посла СССР в КНДР тов. ИВАНОВУ В.И.\n"
    "Г. Лхенъян\n"
)
HEADER = "ПОСОЛЬСТВО СССР В КНДР\nД Н Е В Н И К\nСВ.СЕКРЕТНО\nПОСЛА СССР В КНДР ТОВ. ИВАНОВУ В.И.\n"
SENTENCES = [
    "Я поблагодарил Фишера за информацию.",
    "Нам Ир обещал также организовать вызов советских корейцев в Советское Посольство.",
    "Экз. № 2 от 29.XII.55 года",  # № is in cp1251 only
]


def write(tmp_path: Path, data: bytes, name: str = "ref.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


ENCODED = {
    "utf-8": (PARAGRAPH.encode("utf-8"), False),
    "utf-8-sig": (codecs.BOM_UTF8 + PARAGRAPH.encode("utf-8"), True),
    "utf-16-le": (codecs.BOM_UTF16_LE + PARAGRAPH.encode("utf-16-le"), True),
    "utf-16-be": (codecs.BOM_UTF16_BE + PARAGRAPH.encode("utf-16-be"), True),
    "cp1251": (PARAGRAPH.encode("cp1251"), True),
    "koi8-r": (PARAGRAPH.encode("koi8-r"), True),
}


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_each_encoding(tmp_path: Path, encoding: str) -> None:
    data, warns = ENCODED[encoding]
    ref = read_reference(write(tmp_path, data))
    assert isinstance(ref, ReferenceText)
    assert ref.text == PARAGRAPH
    assert ref.encoding == encoding
    assert ref.path == tmp_path / "ref.txt"
    assert bool(ref.warnings) == warns
    if warns:
        label = {
            "utf-8-sig": "UTF-8 with a byte-order mark",
            "utf-16-le": "little-endian",
            "utf-16-be": "big-endian",
            "cp1251": "cp1251",
            "koi8-r": "KOI8-R",
        }[encoding]
        assert label in ref.warnings[0]


@pytest.mark.parametrize("encoding", list(ENCODED))
def test_crlf_and_cr_become_lf(tmp_path: Path, encoding: str) -> None:
    for newline in ("\r\n", "\r"):
        text = PARAGRAPH.replace("\n", newline)
        bom = {
            "utf-8-sig": codecs.BOM_UTF8,
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
        }.get(encoding, b"")
        data = bom + text.encode(encoding.removesuffix("-sig"))
        ref = read_reference(write(tmp_path, data))
        assert ref.text == PARAGRAPH
        assert ref.encoding == encoding
        assert "\r" not in ref.text


LEGACY_CASES = [
    (encoding, text)
    for encoding in ("cp1251", "koi8-r")
    for text in (HEADER, HEADER.lower(), *SENTENCES)
    if encoding == "cp1251" or "№" not in text
]


@pytest.mark.parametrize(("encoding", "text"), LEGACY_CASES)
def test_cp1251_and_koi8r_told_apart(encoding: str, text: str) -> None:
    decoded = decode_text(text.encode(encoding))
    assert (decoded.encoding, decoded.text) == (encoding, text)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_seed_document_in_legacy_encodings(encoding: str) -> None:
    if not SEED.exists():
        pytest.skip(f"seed document not found at {SEED}")
    russian = "\n".join(
        line
        for line in SEED.read_text(encoding="utf-8").splitlines()
        if re.search("[а-яё]", line, re.IGNORECASE)
    )
    decoded = decode_text(russian.encode(encoding, errors="replace"))
    assert decoded.encoding == encoding
    assert "Метров" in decoded.text


def test_plain_utf8_seed_has_no_warning() -> None:
    if not SEED.exists():
        pytest.skip(f"seed document not found at {SEED}")
    ref = read_reference(SEED)
    assert (ref.encoding, ref.warnings) == ("utf-8", ())
    assert "Лхенъян" in ref.text


def test_zero_bytes_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"")
    with pytest.raises(EmptyFileError) as info:
        read_reference(path)
    assert info.value.path == path
    assert info.value.exit_code == ExitCode.input_file


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_bom_only_is_an_empty_reference(tmp_path: Path, bom: bytes) -> None:
    ref = read_reference(write(tmp_path, bom))
    assert ref.text == ""
    assert ref.pages == ("",)
    assert not ref.page_aligned
    assert ref.warnings


GARBAGE: dict[str, bytes | list[int]] = {
    "all bytes": bytes(range(256)) * 4,
    "png header": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    "utf-16 without BOM": PARAGRAPH.encode("utf-16-le"),
    "utf-16 odd length": codecs.BOM_UTF16_LE + "абв".encode("utf-16-le") + b"\x00",
    "utf-16 lone surrogate": codecs.BOM_UTF16_BE + b"\xd8\x00\x00a",
    "utf-8 bom then latin-1": codecs.BOM_UTF8 + "Gr\u00fc\u00dfe".encode("latin-1"),
    "control characters": "Метров\x01\x02".encode(),
    "high controls cp1251": "Метров".encode("cp1251") + b"\x07\x1b[0m",
    # Bytes 0x80-0xFF that are not Russian: every one decodes in KOI8-R, most in cp1251, so
    # decoding alone accepts them; what they read as must look like Russian text.
    "high bytes": bytes(range(0x80, 0x100)),
    "high bytes, shuffled": bytes(random.Random(6).sample(range(0x80, 0x100), 128) * 3),
    "latin-1 french": "Le café de la Gare, où l'on mange à côté de la forêt; élève naïve, "
    "garçon.".encode("latin-1"),
    "latin-1 german": "Grüße aus Zürich, schöne Äpfel, Öl, Straße.".encode("latin-1"),
    "random letters": random.Random(7).choices(bytes([*range(0xC0, 0x100), 0x20]), k=400),
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_undecodable_data_is_a_reference_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, bytes(GARBAGE[name]))
    with pytest.raises(ReferenceDecodeError) as info:
        read_reference(path)
    assert info.value.path == path
    assert info.value.exit_code == ExitCode.reference
    assert "UTF-8" in str(info.value)
    with pytest.raises(ReferenceDecodeError):
        decode_text(bytes(GARBAGE[name]))


def test_missing_file_is_a_reference_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceError_) as info:
        read_reference(tmp_path / "nope.txt")
    assert info.value.path == tmp_path / "nope.txt"


def test_pages_split_on_form_feeds(tmp_path: Path) -> None:
    ref = read_reference(write(tmp_path, "стр. 1\fстр. 2\r\n\f\r\n".encode("cp1251")))
    assert ref.pages == ("стр. 1", "стр. 2\n")
    assert ref.page_aligned
    whole = read_reference(write(tmp_path, PARAGRAPH.encode()))
    assert whole.pages == (PARAGRAPH,)
    assert not whole.page_aligned
    assert read_reference(write(tmp_path, b"a\f\fb")).pages == ("a", "", "b")


def test_decode_text_allows_tabs_and_form_feeds() -> None:
    assert decode_text("а\tб\fв\vг".encode()) == DecodedText("а\tб\fв\vг", "utf-8", ())
    assert decode_text(b"") == DecodedText("", "utf-8", ())


def test_results_are_frozen(tmp_path: Path) -> None:
    ref = read_reference(write(tmp_path, PARAGRAPH.encode()))
    with pytest.raises(AttributeError):
        ref.text = ""  # type: ignore[misc]
