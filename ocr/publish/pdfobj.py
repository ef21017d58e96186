"""A streaming PDF file writer: objects go to disk as they are made, the xref table at the end."""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"  # the binary comment PDF/A asks for


class Name(str):
    """A PDF name (/Name)."""

    __slots__ = ()


@dataclass(frozen=True)
class Ref:
    """An indirect reference (N 0 R)."""

    number: int


@dataclass(frozen=True)
class Raw:
    """Bytes written into the file as they are (a prebuilt token, e.g. a hex string)."""

    data: bytes


PdfValue = (
    None
    | bool
    | int
    | float
    | str
    | bytes
    | Name
    | Ref
    | Raw
    | Sequence["PdfValue"]
    | Mapping[str, "PdfValue"]
)


def number(value: float) -> bytes:
    """A PDF number: integers plain, reals with at most four decimals and no exponent."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value)).encode()
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return (text if text not in ("-0", "") else "0").encode()


def text_string(text: str) -> bytes:
    """A text string: literal when ASCII, else UTF-16BE with its byte order mark, in hex."""
    if text.isascii():
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.replace("\r", "\\r").replace("\n", "\\n").encode("ascii") + b")"
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


def _name(value: str) -> bytes:
    out = bytearray(b"/")
    for byte in value.encode("utf-8"):
        ok = 0x21 <= byte <= 0x7E and chr(byte) not in "#/()<>[]{}%"
        out += bytes([byte]) if ok else f"#{byte:02X}".encode()
    return bytes(out)


def serialise(value: PdfValue) -> bytes:
    """One PDF object's syntax."""
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, Name):
        return _name(value)
    if isinstance(value, str):
        return text_string(value)
    if isinstance(value, Ref):
        return f"{value.number} 0 R".encode()
    if isinstance(value, Raw):
        return value.data
    if isinstance(value, bytes):
        return b"<" + value.hex().encode() + b">"
    if isinstance(value, Mapping):
        items = b" ".join(_name(k) + b" " + serialise(v) for k, v in value.items())
        return b"<< " + items + b" >>"
    return b"[" + b" ".join(serialise(v) for v in value) + b"]"


class PdfFileWriter:
    """Writes numbered objects to an open binary file as they come; ``close`` adds the cross-
    reference table and trailer. Nothing but the objects' offsets is kept in memory."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._offsets: dict[int, int] = {}
        self._next = 1
        fh.write(HEADER)

    def reserve(self) -> Ref:
        """A number for an object written later (e.g. the page tree its pages point to)."""
        ref = Ref(self._next)
        self._next += 1
        return ref

    def add(self, value: PdfValue, *, ref: Ref | None = None) -> Ref:
        """Write an object (under a reserved number, or a new one)."""
        ref = ref or self.reserve()
        self._begin(ref)
        self._fh.write(serialise(value) + b"\nendobj\n")
        return ref

    def add_stream(
        self,
        entries: Mapping[str, PdfValue],
        data: bytes,
        *,
        compress: bool = False,
        ref: Ref | None = None,
    ) -> Ref:
        """Write a stream object; with ``compress`` its data is Flate-encoded here."""
        ref = ref or self.reserve()
        if compress:
            data = zlib.compress(data, 6)
            entries = {**entries, "Filter": Name("FlateDecode")}
        self._begin(ref)
        head = {**entries, "Length": len(data)}
        self._fh.write(serialise(head) + b"\nstream\n")
        self._fh.write(data)
        self._fh.write(b"\nendstream\nendobj\n")
        return ref

    def _begin(self, ref: Ref) -> None:
        if ref.number in self._offsets:
            raise ValueError(f"object {ref.number} written twice")
        self._offsets[ref.number] = self._fh.tell()
        self._fh.write(f"{ref.number} 0 obj\n".encode())

    def close(self, trailer: Mapping[str, PdfValue]) -> None:
        """The cross-reference table and trailer; every reserved object must have been written."""
        missing = [n for n in range(1, self._next) if n not in self._offsets]
        if missing:
            raise ValueError(f"objects reserved but never written: {missing[:5]}")
        start = self._fh.tell()
        lines = [f"xref\n0 {self._next}\n0000000000 65535 f \n".encode()]
        lines += [f"{self._offsets[n]:010d} 00000 n \n".encode() for n in range(1, self._next)]
        self._fh.write(b"".join(lines))
        body = serialise({**trailer, "Size": self._next})
        self._fh.write(b"trailer\n" + body + f"\nstartxref\n{start}\n%%EOF\n".encode())
