"""Regenerate tests/resources/invalid/: one malformed input per failure the pipeline survives."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter

HERE = Path(__file__).parent / "invalid"
FONT = "/usr/share/fonts/truetype/freefont/FreeMono.ttf"


def _page() -> Image.Image:
    img = Image.new("L", (1240, 600), 245)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 40)
    for i, line in enumerate(["Посетил Нам Ира по его просьбе.", "Советник Посольства Петров."]):
        draw.text((80, 80 + 70 * i), line, font=font, fill=20)
    return img


def _huge_png(rows: int, cols: int) -> bytes:
    """A valid bilevel PNG far over the pixel limit that compresses to a few kilobytes."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\xff" * ((cols + 7) // 8)
    comp = zlib.compressobj(9)
    raw = b"".join(comp.compress(row) for _ in range(rows)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", cols, rows, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    (HERE / "empty.png").write_bytes(b"")
    (HERE / "not-a-pdf.pdf").write_text("This is a plain text file with a .pdf name.\n")
    buf = io.BytesIO()
    _page().save(buf, format="PNG")
    (HERE / "truncated.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    buf = io.BytesIO()
    _page().save(buf, format="JPEG", quality=90)
    (HERE / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    buf = io.BytesIO()
    _page().convert("RGB").save(buf, format="PDF", resolution=150)
    good_pdf = buf.getvalue()
    (HERE / "corrupt.pdf").write_bytes(good_pdf[:200] + b"\x00garbage" * 50)
    writer = PdfWriter(clone_from=io.BytesIO(good_pdf))
    writer.encrypt(user_password="secret", owner_password="owner")
    with (HERE / "encrypted.pdf").open("wb") as fh:
        writer.write(fh)
    Image.new("L", (1240, 1754), 238).save(HERE / "blank.png", dpi=(150, 150))
    (HERE / "bomb.png").write_bytes(_huge_png(20000, 20000))


if __name__ == "__main__":
    main()
