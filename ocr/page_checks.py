"""Checks of a recognised page a person must hear of: ink on the page but no text read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocr.flag_records import Flag, FlagDetail
from ocr.records import Box

NO_TEXT_ON_INK = "no_text_on_ink"
NO_TEXT_REASON = "no text recognised on a page with ink"
# A page with at least this many letter-sized blobs of ink has text on it...
MIN_INK_BLOBS = 40
# ... and a reading of fewer letters than this share of them has (almost) read nothing.
NO_TEXT_SHARE = 0.1


@dataclass(frozen=True)
class PageWarning:
    """A typed warning about one page: ``kind`` (e.g. NO_TEXT_ON_INK), a message that says what
    to do, and the figures behind it."""

    kind: str
    message: str
    chars: int = 0
    ink_blobs: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "chars": self.chars,
            "ink_blobs": self.ink_blobs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageWarning:
        return cls(
            str(data["kind"]),
            str(data["message"]),
            int(data.get("chars", 0)),
            int(data.get("ink_blobs", 0)),
        )


def no_text_warning(*, chars: int, ink_blobs: int, page_label: str) -> PageWarning | None:
    """A warning when the page has ink (letter-sized blobs) but almost no text was read."""
    if ink_blobs < MIN_INK_BLOBS or chars >= NO_TEXT_SHARE * ink_blobs:
        return None
    return PageWarning(
        NO_TEXT_ON_INK,
        f"{page_label}: {NO_TEXT_REASON} ({chars} characters read for "
        f"{ink_blobs} letter-sized blobs of ink); check the scan in review "
        "(handwriting, a picture, an unusual script or language?)",
        chars,
        ink_blobs,
    )


def warning_flags(
    warnings: tuple[PageWarning, ...], *, page_number: int, rows: int, cols: int
) -> list[Flag]:
    """Review flags of a page's warnings: the whole page, at the top of the queue."""
    return [
        Flag(
            type=NO_TEXT_ON_INK,
            reason=NO_TEXT_REASON,
            page_number=page_number,
            box=Box(0, 0, cols, rows),
            severity=1.0,
            category="page",
            detail=FlagDetail(chars=w.chars, ink_blobs=w.ink_blobs),
        )
        for w in warnings
        if w.kind == NO_TEXT_ON_INK
    ]
