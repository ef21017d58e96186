"""Editorial markers in reference transcriptions ("[неразборчиво]", "[подпись]", "Stamp: ...")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocr.detect.regions import (
    HANDWRITING,
    LOW_CONFIDENCE,
    REFERENCE_MARKER,
    SIGNATURE,
    STAMP,
    UNRECOGNISED_INK,
    MarkerFigures,
    Point,
    Region,
    box_polygon,
)
from ocr.records import Box

ILLEGIBLE = "[неразборчиво]"  # what a transcription (and a reviewer) writes for unreadable text
# Marker words by kind; matched case-insensitively, abbreviations with or without their dot.
KINDS: dict[str, tuple[str, ...]] = {
    "illegible": (
        "неразборчиво",
        "неразб",
        "нрзб",
        "нрзбр",
        "illegible",
        "illeg",
        "unreadable",
        "unclear",
        "неясно",
    ),
    "signature": ("подпись", "подписи", "signature", "signed", "sgd", "sig"),
    "stamp": ("штамп", "печать", "stamp", "seal", "stamped", "м\\.\\s?п", "m\\.\\s?p"),
    "handwriting": (
        "рукописно",
        "от руки",
        "рукой",
        "рукописная пометка",
        "пометка",
        "резолюция",
        "handwritten",
        "handwriting",
        "manuscript",
        "marginal note",
        "note in margin",
        "annotation",
    ),
}
# Which image regions a marker of each kind may correspond to on the page.
EXPECTS: dict[str, tuple[str, ...]] = {
    "illegible": (UNRECOGNISED_INK, LOW_CONFIDENCE, HANDWRITING),
    "signature": (SIGNATURE, HANDWRITING),
    "stamp": (STAMP,),
    "handwriting": (HANDWRITING, SIGNATURE),
}
# Labels that open a line describing a stamp or a note: "Stamp: MAR 14 1939", "Штамп: ...".
LABELS: dict[str, tuple[str, ...]] = {
    "stamp": ("stamp", "seal", "штамп", "печать"),
    "signature": ("signature", "signed", "подпись"),
    "handwriting": ("handwritten", "note", "resolution", "пометка", "резолюция", "надпись"),
}


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_BRACKETED = re.compile(
    r"[\[(<{]\s*(?P<word>"
    + "|".join(f"(?P<{k}>{_alternatives(v)})" for k, v in KINDS.items())
    + r")\b\.?(?:[^\])>}\n]{0,60})?[\])>}]",
    re.IGNORECASE,
)
_LABELLED = re.compile(
    r"^[ \t]*(?:"
    + "|".join(f"(?P<{k}>{_alternatives(v)})" for k, v in LABELS.items())
    + r")\b[ \t]*:[^\n]*",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class ReferenceMarker:
    """An editorial marker in the reference text: its kind and character span [start, end)."""

    kind: str  # illegible, signature, stamp, handwriting
    start: int
    end: int
    text: str
    type: str = REFERENCE_MARKER

    @property
    def expects(self) -> tuple[str, ...]:
        """Region types on the page this marker may stand for."""
        return EXPECTS[self.kind]

    def to_region(
        self, box: Box, *, polygon: tuple[Point, ...] | None = None, score: float = 0.5
    ) -> Region:
        """A page region for this marker once alignment has located it at ``box``."""
        return Region(
            REFERENCE_MARKER,
            box,
            polygon or box_polygon(box),
            score=score,
            source="reference",
            text=self.text,
            reason=f'the reference marks {self.kind} here: "{self.text}"',
            detail=MarkerFigures(self.kind, self.start, self.end),
        )


def _kind(match: re.Match[str], kinds: dict[str, tuple[str, ...]]) -> str:
    return next(k for k in kinds if match.group(k))


def reference_markers(text: str) -> list[ReferenceMarker]:
    """Every marker in ``text``, by start offset: bracketed ("[неразб.]", "(подпись)",
    "[stamp: ...]") and labelled lines ("Stamp: MAR 14 1939", "Штамп: ..."), the whole line for
    the latter."""
    found = [
        ReferenceMarker(_kind(m, KINDS), m.start(), m.end(), m.group())
        for m in _BRACKETED.finditer(text)
    ]
    for m in _LABELLED.finditer(text):
        start = m.start() + len(m.group()) - len(m.group().lstrip())
        if not any(f.start <= start < f.end for f in found):
            found.append(ReferenceMarker(_kind(m, LABELS), start, m.end(), text[start : m.end()]))
    return sorted(found, key=lambda f: f.start)
