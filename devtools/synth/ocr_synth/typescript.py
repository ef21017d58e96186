"""Lay out a typescript page from a corpus document: header, title, body and signature block."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ocr_synth.layout import Paragraph, TypedLine, layout_paragraphs, letter_spaced, wrap_paragraph
from ocr_synth.texts import CorpusDocument

PageKind = Literal["first", "middle", "last"]
SECRECY = ("СЕКРЕТНО", "СОВ. СЕКРЕТНО", "Для служебного пользования", "Экз. единственный")
SIGNERS = (
    "Начальник отдела",
    "Заместитель министра",
    "Председатель комиссии",
    "Секретарь обкома",
    "Советник посольства",
    "Управляющий трестом",
    "Директор завода",
    "Заведующий сектором",
    "Председатель исполкома",
)


@dataclass(frozen=True)
class Geometry:
    """The typewriter on the sheet, in pixels at the page's dpi."""

    scale: float  # dpi / 300
    pitch: int
    width_chars: int
    left: int
    line_px: int
    top: int  # first baseline
    bottom: int  # lowest baseline allowed
    page_rows: int
    page_cols: int

    def px(self, value: float) -> int:
        """A length given at 300 dpi, at this page's dpi."""
        return round(value * self.scale)

    @property
    def right(self) -> int:
        """The carriage's right margin (end of the last cell)."""
        return self.left + self.width_chars * self.pitch


def sample_geometry(
    rng: np.random.Generator, *, dpi: int, page_rows: int, page_cols: int
) -> Geometry:
    """Pica (10 cpi, 62 cells) or elite (12 cpi, 74 cells); single, one-and-a-half or double
    spacing; margins a typist might keep."""
    scale = dpi / 300
    elite = rng.random() < 0.35
    pitch, width = (25, 74) if elite else (30, 62)
    line = float(rng.choice([50, 75, 75, 100, 100]))
    left = rng.uniform(270, 340)
    return Geometry(
        scale,
        round(pitch * scale),
        width,
        round(left * scale),
        round(line * scale),
        round(rng.uniform(280, 360) * scale),
        round(page_rows - rng.uniform(300, 380) * scale),
        page_rows,
        page_cols,
    )


@dataclass(frozen=True)
class TypedPage:
    """The typed lines in reading order, which of them are body text, and the signature line."""

    lines: tuple[TypedLine, ...]
    body: tuple[TypedLine, ...]
    signature: TypedLine | None  # the signer's typed name, where a pen signature goes
    next_baseline: int  # the first free baseline below the typing


def _right(text: str, geo: Geometry, baseline: int) -> TypedLine:
    """A line tabbed to end at the right margin."""
    return TypedLine(text, geo.right - len(text) * geo.pitch, baseline)


def _centred(text: str, geo: Geometry, baseline: int) -> TypedLine:
    """A line centred on the carriage."""
    return TypedLine(
        text, geo.left + max(0, (geo.width_chars - len(text)) // 2) * geo.pitch, baseline
    )


def header_lines(
    doc: CorpusDocument, geo: Geometry, *, top: int, rng: np.random.Generator
) -> list[TypedLine]:
    """A first page's head: secrecy marking and copy number at the right, the registry number at
    the left, the title (often letter-spaced) and the subject centred."""
    lines: list[TypedLine] = []
    baseline = top
    if rng.random() < 0.6:
        lines.append(_right(SECRECY[int(rng.integers(len(SECRECY)))], geo, baseline))
        lines.append(_right(f"Экз. № {rng.integers(1, 6)}", geo, baseline + geo.px(60)))
        baseline += geo.px(120)
    if rng.random() < 0.5:
        lines.append(
            TypedLine(
                f"№ {rng.integers(12, 4000)}/{rng.choice(['с', 'сс', 'ос'])}", geo.left, baseline
            )
        )
        baseline += geo.px(80)
    baseline += geo.px(70)
    title = doc.kind
    if len(title) <= 16 and " " not in title and rng.random() < 0.5:
        title = letter_spaced(title)
    lines.append(_centred(title, geo, baseline))
    for part in wrap_paragraph(doc.subject, width_chars=min(46, geo.width_chars)):
        baseline += geo.px(55)
        lines.append(_centred(part.strip(), geo, baseline))
    return lines


def body_lines(
    paragraphs: tuple[str, ...], geo: Geometry, *, top: int, bottom: int
) -> list[TypedLine]:
    """Indented paragraphs from ``top`` down to ``bottom`` (the page breaks mid-paragraph)."""
    paras = [Paragraph(text, indent=5) for text in paragraphs]
    placed = layout_paragraphs(
        paras,
        left=geo.left,
        first_baseline=top,
        width_chars=geo.width_chars,
        pitch_px=geo.pitch,
        line_px=geo.line_px,
    )
    return [line for line in placed if line.baseline <= bottom and line.text]


def signature_lines(geo: Geometry, *, top: int, rng: np.random.Generator) -> list[TypedLine]:
    """The signer's position at the left, the name tabbed right on the next line, then the
    date and outgoing number."""
    first, second = rng.choice(list("АБВГДЕИКЛМНПРСТФ"), size=2)
    surname = rng.choice(
        [
            "Петров",
            "Серегин",
            "Иванов",
            "Громыко",
            "Кузнецов",
            "Соколов",
            "Зорин",
            "Федоренко",
            "Малик",
            "Сорокин",
            "Лаптев",
            "Воронов",
        ]
    )
    position = SIGNERS[int(rng.integers(len(SIGNERS)))]
    day, month = int(rng.integers(1, 29)), int(rng.integers(1, 13))
    year = int(rng.integers(46, 58))
    gap = max(geo.line_px, geo.px(75))
    return [
        TypedLine(position, geo.left, top),
        _right(f"{first}.{second}.{surname}", geo, top + gap),
        TypedLine(f"{day}.{month:02d}.{year} г.", geo.left, top + 2 * gap + geo.px(40)),
        TypedLine(f"№ {rng.integers(10, 999)}", geo.left, top + 3 * gap + geo.px(40)),
    ]


SIGNATURE_ROOM = 4.2  # signature block height in line feeds (at least 75 px each)


def _tail_start(paragraphs: tuple[str, ...], geo: Geometry, *, top: int, bottom: int) -> int:
    """The earliest paragraph from which the document's end still fits above ``bottom``."""
    start = len(paragraphs)
    for first in range(len(paragraphs) - 1, -1, -1):
        placed = body_lines(paragraphs[first:], geo, top=top, bottom=10**9)
        if placed and placed[-1].baseline > bottom:
            break
        start = first
    return start


def type_page(
    doc: CorpusDocument,
    geo: Geometry,
    *,
    kind: PageKind,
    reserve_top: int = 0,
    reserve_bottom: int = 0,
    rng: np.random.Generator,
) -> TypedPage:
    """One page of ``doc``: a first page (head and the start), a middle page (page number and
    text from a random paragraph) or a last page (the end of the text and the signature block);
    ``reserve_top``/``reserve_bottom`` keep bands free of typing (for stamps)."""
    top = geo.top + reserve_top
    lines: list[TypedLine] = []
    if kind == "first":
        lines += header_lines(doc, geo, top=top, rng=rng)
        top = lines[-1].baseline + geo.px(130)
    else:
        lines.append(_centred(f"- {rng.integers(2, 7)} -", geo, top))
        top += geo.px(110)
    room = round(max(geo.line_px, geo.px(75)) * SIGNATURE_ROOM)
    bottom = geo.bottom - reserve_bottom
    paragraphs = doc.paragraphs
    if kind == "middle":
        paragraphs = paragraphs[int(rng.integers(len(paragraphs))) :]
    elif kind == "last":
        paragraphs = paragraphs[_tail_start(paragraphs, geo, top=top, bottom=bottom - room) :]
    body = body_lines(paragraphs, geo, top=top, bottom=bottom)
    ended = len(body) == len(body_lines(paragraphs, geo, top=top, bottom=10**9))
    end = body[-1].baseline if body else top
    signature = None
    if kind != "middle" and ended and end + geo.px(130) + room <= bottom + geo.px(40):
        block = signature_lines(geo, top=end + geo.px(150), rng=rng)
        lines += body + block
        signature = block[1]
    else:
        lines += body
    return TypedPage(tuple(lines), tuple(body), signature, lines[-1].baseline + geo.line_px)
