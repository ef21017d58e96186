"""Readings of a page merged line by line: each group of overlapping lines takes its words from
the reading the ground-truth-free estimate (ocr.quality) prefers, boxes in the page's pixels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ocr.records import Box
from ocr.tesseract import Word


@dataclass(frozen=True)
class LineRules:
    """When a group of lines takes another reading's words instead of the first reading's
    (learned on the tuning pages: bench/learn_readings.py --lines)."""

    margin: float  # the other's worth must beat the first's by this share of their characters
    min_chars: int  # ... taken as at least this many characters
    wrong_weight: float  # a likely wrong character costs this much of a likely right one
    missing_weight: float  # a character another reading found there and this one lacks


@dataclass(frozen=True)
class ReadWords:
    """One reading's words in the page's pixels and each word's chance of being right."""

    name: str
    words: tuple[Word, ...]
    probabilities: tuple[float, ...]


@dataclass(frozen=True)
class LineChoice:
    """One group of overlapping lines: where it is (the page's pixels), the reading whose words
    it kept, each reading's characters and worth there (in reading order), and why."""

    box: Box
    kept: str
    chars: tuple[int, ...]
    worth: tuple[float, ...]
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "box": self.box.as_list(),
            "kept": self.kept,
            "chars": list(self.chars),
            "worth": [round(w, 1) for w in self.worth],
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineChoice:
        return cls(
            Box(*(int(v) for v in data["box"])),
            str(data["kept"]),
            tuple(int(v) for v in data["chars"]),
            tuple(float(v) for v in data["worth"]),
            str(data["reason"]),
        )


@dataclass(frozen=True)
class Merged:
    """The merged words (blocks renumbered, one line per line of the reading it came from),
    where each came from as (reading, word index), and the choice made for each group."""

    words: tuple[Word, ...]
    sources: tuple[tuple[int, int], ...]
    groups: tuple[LineChoice, ...]

    @property
    def used(self) -> frozenset[int]:
        """The readings whose words the merge holds (by index)."""
        return frozenset(r for r, _ in self.sources)


_Line = tuple[int, tuple[int, ...]]  # (reading, its word indexes)


def merge_lines(readings: Sequence[ReadWords], *, rules: LineRules) -> Merged:
    """Group the readings' lines that overlap on the page, keep each group's words from the
    first reading unless another's worth beats it by the rules' margin, in reading order."""
    lines = [(r, idx) for r, reading in enumerate(readings) for idx in _lines(reading.words)]
    boxes = [Box.union_all(readings[r].words[i].box for i in idx) for r, idx in lines]
    groups = _ordered(_groups(lines, boxes), lines, boxes)
    words: list[Word] = []
    sources: list[tuple[int, int]] = []
    choices = []
    for group in groups:
        choice, side = _choose(readings, [lines[n] for n in group], rules=rules)
        choices.append(replace(choice, box=Box.union_all(boxes[n] for n in group)))
        for r, idx in (lines[n] for n in group if lines[n][0] == side):
            sources += [(r, i) for i in idx]
    block, previous = 0, (-1, -1)
    for r, i in sources:
        word = readings[r].words[i]
        if (r, word.block) != previous:
            block, previous = block + 1, (r, word.block)
        words.append(replace(word, block=block))
    return Merged(tuple(words), tuple(sources), tuple(choices))


def _lines(words: Sequence[Word]) -> list[tuple[int, ...]]:
    """Each line's word indexes, lines in reading order."""
    out: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(words):
        out.setdefault(word.line_key, []).append(i)
    return [tuple(v) for v in out.values()]


def same_line(a: Box, b: Box) -> bool:
    """Do two line boxes cover the same text: overlapping across, and over half the smaller
    one's height up and down?"""
    across = min(a.right, b.right) - max(a.left, b.left)
    down = min(a.bottom, b.bottom) - max(a.top, b.top)
    return across > 0 and down > 0.5 * min(a.height, b.height)


def _groups(lines: Sequence[_Line], boxes: Sequence[Box]) -> list[list[int]]:
    """Lines of different readings joined when they overlap (transitively)."""
    parent = list(range(len(lines)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for a in range(len(lines)):
        for b in range(a + 1, len(lines)):
            if lines[a][0] != lines[b][0] and same_line(boxes[a], boxes[b]):
                parent[root(a)] = root(b)
    out: dict[int, list[int]] = {}
    for n in range(len(lines)):
        out.setdefault(root(n), []).append(n)
    return list(out.values())


def _ordered(
    groups: list[list[int]], lines: Sequence[_Line], boxes: Sequence[Box]
) -> list[list[int]]:
    """Groups in the first reading's order; a group without its lines follows the group before
    it in its own reading (else the last group of the first reading starting above it)."""
    first = {n: k for k, n in enumerate(n for n, line in enumerate(lines) if line[0] == 0)}
    keys: dict[int, float] = {}
    for g, group in enumerate(groups):
        if ranks := [first[n] for n in group if n in first]:
            keys[g] = float(min(ranks))
    top = [min(boxes[n].top for n in group) for group in groups]
    above = {g: [k for h, k in keys.items() if top[h] <= top[g]] for g in range(len(groups))}
    rank = {
        g: min((n for n in group if n not in first), default=-1) for g, group in enumerate(groups)
    }
    previous: int | None = None
    alone = _only(groups, first)
    for g in sorted(range(len(groups)), key=rank.__getitem__):
        if rank[g] < 0:
            continue
        if g not in keys:
            if previous is None:
                keys[g] = max(above[g], default=-1.0) + 0.5
            else:
                keys[g] = keys[previous] + (1e-4 if previous in alone else 0.5)
        previous = g
    return [groups[g] for g in sorted(keys, key=keys.__getitem__)]


def _only(groups: list[list[int]], first: dict[int, int]) -> set[int]:
    """The groups without a line of the first reading."""
    return {g for g, group in enumerate(groups) if not any(n in first for n in group)}


def _choose(
    readings: Sequence[ReadWords], group: Sequence[_Line], *, rules: LineRules
) -> tuple[LineChoice, int]:
    """The reading a group keeps, and the record of why."""
    chars = [0] * len(readings)
    right = [0.0] * len(readings)
    for r, idx in group:
        for i in idx:
            size = len(readings[r].words[i].text)
            chars[r] += size
            right[r] += size * readings[r].probabilities[i]
    ink = max(chars)
    worth = [
        right[r]
        - rules.wrong_weight * (chars[r] - right[r])
        - rules.missing_weight * (ink - chars[r])
        for r in range(len(readings))
    ]
    side, reason = 0, ""
    for r in range(1, len(readings)):
        margin = rules.margin * max(chars[side], chars[r], rules.min_chars)
        if worth[r] > worth[side] + margin:
            reason = (
                f"{readings[r].name} worth {worth[r]:.0f} > {readings[side].name} "
                f"worth {worth[side]:.0f} + margin {margin:.0f}"
            )
            side = r
    record = LineChoice(Box(0, 0, 0, 0), readings[side].name, tuple(chars), tuple(worth), reason)
    return record, side
