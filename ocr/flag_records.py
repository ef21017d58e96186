"""The review flag record and its parts (spans, regions, reasons), and the kinds of review item."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ocr.records import Box

if TYPE_CHECKING:
    from ocr.triage import Triage

T = TypeVar("T")

POSSIBLE_REFERENCE_ERROR = "possible reference error"
POSSIBLE_OCR_ERROR = "possible OCR error"
REFERENCE_ERROR = "reference_error"
OCR_ERROR = "ocr_error"
CORRECTION = "correction"
UNKNOWN_WORD = "unknown_word"
# Every kind of review item, most important first (a merged item takes its first member's kind).
KIND_LABELS: dict[str, str] = {
    "no_text_on_ink": "no text recognised",
    REFERENCE_ERROR: POSSIBLE_REFERENCE_ERROR,
    "stamp": "stamp",
    "signature": "signature",
    "handwriting": "handwriting",
    OCR_ERROR: POSSIBLE_OCR_ERROR,
    "reference_marker": "reference marker",
    CORRECTION: "suggested correction",
    UNKNOWN_WORD: "not a word",
    "garbage": "garbage",
    "short_line": "short line",
    "low_confidence": "low confidence",
    "unrecognised_ink": "unrecognised ink",
}


def kind_label(kind: str) -> str:
    """The reviewer's name of an item kind."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def kind_rank(kind: str) -> int:
    """Where a kind stands in KIND_LABELS (unknown kinds last)."""
    order = list(KIND_LABELS)
    return order.index(kind) if kind in order else len(order)


@dataclass(frozen=True)
class TextSpan:
    """Where a disagreement sits: offsets into the page's normalised reference (with the text
    around it) and into the page's OCR text, and what kind of change it is."""

    ref_start: int
    ref_end: int
    ref_before: str
    ref_after: str
    ocr_start: int
    ocr_end: int
    change: str  # insert | delete | replace

    def as_json(self) -> dict[str, Any]:
        return {
            "ref_start": self.ref_start,
            "ref_end": self.ref_end,
            "ref_before": self.ref_before,
            "ref_after": self.ref_after,
            "ocr_start": self.ocr_start,
            "ocr_end": self.ocr_end,
            "kind": self.change,
        }


@dataclass(frozen=True)
class RegionInfo:
    """A detected region's outline, ink colour (an attribute, never a kind), detector and the
    figures it measured."""

    polygon: tuple[tuple[int, int], ...]
    colour: str = ""
    source: str = ""
    figures: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.figures,
            "polygon": [list(p) for p in self.polygon],
            "colour": self.colour,
            "source": self.source,
        }


def _opt(kind: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else kind(value)


@dataclass(frozen=True)
class SuggestedReading:
    """One ranked reading of a suggested correction ("" deletes the span)."""

    text: str
    score: float
    kind: str

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "score": self.score, "kind": self.kind}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SuggestedReading:
        return cls(str(data["text"]), float(data["score"]), str(data["kind"]))


@dataclass(frozen=True)
class FlagDetail:
    """A flag's own figures beyond its common fields; None (False for ``delete``) is absent.

    A suggested correction has what the OCR read (``original``), its offsets into the OCR text
    (``start``, ``end``), its ranked ``candidates`` and ``delete`` for a stray mark; a page with
    ink but no text has the ``chars`` read and the ``ink_blobs`` seen."""

    original: str | None = None
    start: int | None = None
    end: int | None = None
    candidates: tuple[SuggestedReading, ...] | None = None
    delete: bool = False
    chars: int | None = None
    ink_blobs: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The stored keys, in their stored order (absent fields left out)."""
        out: dict[str, Any] = {
            "original": self.original,
            "start": self.start,
            "end": self.end,
            "candidates": None
            if self.candidates is None
            else [c.as_json() for c in self.candidates],
            "delete": True if self.delete else None,
            "chars": self.chars,
            "ink_blobs": self.ink_blobs,
        }
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlagDetail:
        """The detail of a flag's stored keys (other keys of a stored item are ignored)."""
        found = data.get("candidates")
        readings = None if found is None else tuple(SuggestedReading.from_json(c) for c in found)
        return cls(
            original=_opt(str, data.get("original")),
            start=_opt(int, data.get("start")),
            end=_opt(int, data.get("end")),
            candidates=readings,
            delete=bool(data.get("delete")),
            chars=_opt(int, data.get("chars")),
            ink_blobs=_opt(int, data.get("ink_blobs")),
        )

    def merged(self, other: FlagDetail) -> FlagDetail:
        """This detail with every field ``other`` has put over it (``delete`` if either has)."""
        present = {k: getattr(other, k) for k in other.as_json() if k != "delete"}
        return replace(self, **present, delete=self.delete or other.delete)


@dataclass(frozen=True)
class Reason:
    """One signal behind a review item: its kind, why, and how urgent."""

    kind: str
    text: str
    severity: float

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": kind_label(self.kind),
            "text": self.text,
            "severity": round(self.severity, 4),
        }


@dataclass(frozen=True)
class Flag:
    """One region for review: what, why, where, and how urgent (severity 0..1, higher first).

    A review item is a Flag whose ``reasons`` hold every signal merged into it; ``detail`` holds
    the figures of a suggested correction or a page warning."""

    type: str
    reason: str
    page_number: int
    box: Box
    severity: float
    ocr_text: str = ""
    ref_text: str = ""
    confidence: float | None = None
    category: str = ""
    crop_path: Path | None = None
    detail: FlagDetail = FlagDetail()
    span: TextSpan | None = None
    region: RegionInfo | None = None
    triage: Triage | None = None
    reasons: tuple[Reason, ...] = ()
    suggestion: str | None = None

    @property
    def kind(self) -> str:
        """The item kind (a key of KIND_LABELS): a disagreement's triage, else its type."""
        if self.type == "disagreement":
            return REFERENCE_ERROR if self.category == POSSIBLE_REFERENCE_ERROR else OCR_ERROR
        return self.type

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    def own_reason(self) -> Reason:
        """This flag as one reason of an item."""
        return Reason(self.kind, self.reason, self.severity)

    def all_reasons(self) -> tuple[Reason, ...]:
        return self.reasons or (self.own_reason(),)

    def detail_json(self) -> dict[str, Any]:
        """Everything beyond the common fields, as stored with the item and in report.json."""
        out: dict[str, Any] = self.detail.as_json()
        if self.span is not None:
            out.update(self.span.as_json())
        if self.region is not None:
            out.update(self.region.as_json())
        if self.triage is not None:
            out["triage"] = self.triage.as_json()
        if self.suggestion is not None:
            out["suggestion"] = self.suggestion
        out["reasons"] = [r.as_json() for r in self.all_reasons()]
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "item": self.kind,
            "label": self.label,
            "category": self.category,
            "reason": self.reason,
            "page": self.page_number,
            "box": self.box.as_list(),
            "polygon": [list(p) for p in self.box.polygon()],
            "severity": round(self.severity, 4),
            "ocr_text": self.ocr_text,
            "ref_text": self.ref_text,
            "confidence": self.confidence,
            "crop": str(self.crop_path) if self.crop_path else None,
            **self.detail_json(),
        }


@dataclass(frozen=True)
class StoredDetail:
    """What review reads back of an item's stored detail (Flag.detail_json: a database row's
    ``detail``, report.json's extra keys); a missing key is None (or "", or empty)."""

    original: str | None = None
    suggestion: str | None = None
    ref_start: int | None = None
    ref_end: int | None = None
    ref_page_start: int | None = None
    ref_before: str = ""
    ref_after: str = ""
    colour: str = ""
    triage: Mapping[str, Any] | None = None
    reasons: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> StoredDetail:
        data = data or {}
        return cls(
            original=_opt(str, data.get("original")),
            suggestion=_opt(str, data.get("suggestion")),
            ref_start=_opt(int, data.get("ref_start")),
            ref_end=_opt(int, data.get("ref_end")),
            ref_page_start=_opt(int, data.get("ref_page_start")),
            ref_before=str(data.get("ref_before", "")),
            ref_after=str(data.get("ref_after", "")),
            colour=str(data.get("colour") or ""),
            triage=data.get("triage"),
            reasons=tuple(r for r in data.get("reasons") or [] if isinstance(r, dict)),
        )
