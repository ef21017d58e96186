"""Readings of a page merged line by line: each group of overlapping lines takes its words from
the reading the ground-truth-free estimate (ocr.quality) prefers, boxes in the page's pixels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ocr.geometry import PageGeometry
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
    drop_rate: float | None = None  # a group whose kept words' net rate is under this: none
    keep_split: bool = True  # a group whose lines are out of order keeps the first reading
    max_split: float = 1.0  # over this share of characters in groups whose lines are apart in
    # a reading's order (columns read across or down), the page is chosen whole (ocr.readings)
    whole_margin: float | None = None  # ... and then another reading is also taken whole when
    # its worth summed over the groups beats the first's by this share of their characters


@dataclass(frozen=True)
class ReadWords:
    """One reading's words in the page's pixels, each word's chance of being right, and its
    box where the readings' lines are aligned (see :func:`anchors`)."""

    name: str
    words: tuple[Word, ...]
    probabilities: tuple[float, ...]
    anchors: tuple[Box, ...]


def anchors(boxes: Sequence[Box], frame: PageGeometry | None) -> tuple[Box, ...]:
    """Boxes of the page moved, by their centres, into ``frame`` (a deskewed reading's, where
    lines run level, so that a skewed page's lines do not overlap their neighbours), each
    keeping its size; as they are without a frame."""
    if frame is None or frame.is_identity:
        return tuple(boxes)
    centres = frame.points_to_frame((b.left + b.width / 2, b.top + b.height / 2) for b in boxes)
    return tuple(
        Box(round(x - b.width / 2), round(y - b.height / 2), b.width, b.height)
        for b, (x, y) in zip(boxes, centres, strict=True)
    )


@dataclass(frozen=True)
class LineChoice:
    """One group of overlapping lines: where it is (the page's pixels), the reading whose words
    it kept, each reading's characters and worth there (in reading order), and why."""

    box: Box
    kept: str
    chars: tuple[int, ...]
    worth: tuple[float, ...]
    reason: str
    split: bool = False  # a reading's lines here are apart in its order (LineRules.keep_split)

    def as_json(self) -> dict[str, Any]:
        return {
            "box": self.box.as_list(),
            "kept": self.kept,
            "chars": list(self.chars),
            "worth": [round(w, 1) for w in self.worth],
            "reason": self.reason,
            "split": self.split,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineChoice:
        return cls(
            Box(*(int(v) for v in data["box"])),
            str(data["kept"]),
            tuple(int(v) for v in data["chars"]),
            tuple(float(v) for v in data["worth"]),
            str(data["reason"]),
            bool(data.get("split", False)),
        )


@dataclass(frozen=True)
class Merged:
    """The merged words (blocks renumbered, one line per line of the reading it came from),
    where each came from as (reading, word index), and the choice made for each group."""

    words: tuple[Word, ...]
    sources: tuple[tuple[int, int], ...]
    groups: tuple[LineChoice, ...]

    @property
    def split_share(self) -> float:
        """The share of the characters read in groups whose lines are out of order."""
        total = sum(sum(g.chars) for g in self.groups)
        return sum(sum(g.chars) for g in self.groups if g.split) / total if total else 0.0

    def whole(self, margin: float) -> int:
        """The reading to take whole by the groups' summed worth: the first unless another
        beats it by ``margin`` of the characters (the more of the two readings')."""
        if not self.groups:
            return 0
        count = len(self.groups[0].worth)
        worth = [sum(g.worth[r] for g in self.groups) for r in range(count)]
        chars = [sum(g.chars[r] for g in self.groups) for r in range(count)]
        best = 0
        for r in range(1, count):
            if worth[r] > worth[best] + margin * max(chars[best], chars[r]):
                best = r
        return best

    @property
    def used(self) -> frozenset[int]:
        """The readings whose words the merge holds (by index)."""
        return frozenset(r for r, _ in self.sources)


_Line = tuple[int, tuple[int, ...]]  # (reading, its word indexes)
DROPPED = "none"  # a group whose every reading looks like noise (LineRules.drop_rate)


def merge_lines(readings: Sequence[ReadWords], *, rules: LineRules) -> Merged:
    """Group the readings' lines that overlap on the page, keep each group's words from the
    first reading unless another's worth beats it by the rules' margin; the first reading's
    lines stay in its order, another's words take the place of the lines they replace."""
    lines = [(r, idx) for r, reading in enumerate(readings) for idx in line_indexes(reading.words)]
    boxes = [Box.union_all(readings[r].words[i].box for i in idx) for r, idx in lines]
    aligned = [Box.union_all(readings[r].anchors[i] for i in idx) for r, idx in lines]
    groups = _ordered(_groups(lines, aligned), lines, aligned)
    picks = [_choose(readings, lines, g, rules=rules) for g, _ in groups]
    if all(side < 0 for _, side in picks):  # a page is never left without words
        keep = replace(rules, drop_rate=None)
        picks = [_choose(readings, lines, g, rules=keep) for g, _ in groups]
    items: list[tuple[float, list[tuple[int, int]]]] = []
    for (group, key), (_, side) in zip(groups, picks, strict=True):
        if side == 0:  # the first reading's lines where it has them
            items += [(float(n), [(0, i) for i in lines[n][1]]) for n in group if lines[n][0] == 0]
        else:
            items.append(
                (key, [(r, i) for r, idx in (lines[n] for n in group) if r == side for i in idx])
            )
    items.sort(key=lambda item: item[0])
    sources = tuple(source for _, these in items for source in these)
    choices = tuple(
        replace(choice, box=Box.union_all(boxes[n] for n in group))
        for (group, _), (choice, _) in zip(groups, picks, strict=True)
    )
    return Merged(_renumbered(readings, sources), sources, choices)


def _renumbered(
    readings: Sequence[ReadWords], sources: Sequence[tuple[int, int]]
) -> tuple[Word, ...]:
    """The words at ``sources``, a new block wherever the reading or its block changes."""
    words = []
    block, previous = 0, (-1, -1)
    for r, i in sources:
        word = readings[r].words[i]
        if (r, word.block) != previous:
            block, previous = block + 1, (r, word.block)
        words.append(replace(word, block=block))
    return tuple(words)


def line_indexes(words: Sequence[Word]) -> list[tuple[int, ...]]:
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
) -> list[tuple[list[int], float]]:
    """Each group and its place: its first line's in the first reading's order (the first
    reading's lines are lines[0:n]); a group without its lines just after the group before it
    in its own reading (else after the last group of the first reading starting above it)."""
    keys: dict[int, float] = {}
    ends: dict[int, float] = {}  # where a group's last line of the first reading is
    for g, group in enumerate(groups):
        if ranks := [n for n in group if lines[n][0] == 0]:
            keys[g], ends[g] = float(min(ranks)), float(max(ranks))
    top = [min(boxes[n].top for n in group) for group in groups]
    above = {g: [k for h, k in ends.items() if top[h] <= top[g]] for g in range(len(groups))}
    rank = {
        g: min((n for n in group if lines[n][0] != 0), default=-1) for g, group in enumerate(groups)
    }
    alone = {g for g, group in enumerate(groups) if g not in keys}
    previous: int | None = None
    for g in sorted(range(len(groups)), key=rank.__getitem__):
        if rank[g] < 0:
            continue
        if g not in keys:
            if previous is None:
                keys[g] = ends[g] = max(above[g], default=-1.0) + 0.5
            else:
                keys[g] = ends[g] = ends[previous] + (1e-4 if previous in alone else 0.5)
        previous = g
    return [(groups[g], keys[g]) for g in sorted(keys, key=keys.__getitem__)]


def _out_of_order(group: Sequence[int], lines: Sequence[_Line]) -> bool:
    """Are a reading's lines in the group not next to each other in its order (columns read
    down by one reading, across by the other)? Its words would then move if replaced."""
    for reading in {lines[n][0] for n in group}:
        mine = sorted(n for n in group if lines[n][0] == reading)
        if mine[-1] - mine[0] + 1 != len(mine):
            return True
    return False


def _choose(
    readings: Sequence[ReadWords],
    lines: Sequence[_Line],
    members: Sequence[int],
    *,
    rules: LineRules,
) -> tuple[LineChoice, int]:
    """The reading a group keeps, and the record of why."""
    group = [lines[n] for n in members]
    split = _out_of_order(members, lines)
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
    for r in range(1, len(readings) if not (split and rules.keep_split) else 1):
        margin = rules.margin * max(chars[side], chars[r], rules.min_chars)
        if chars[r] and worth[r] > worth[side] + margin:  # leaving out is drop_rate's
            reason = (
                f"{readings[r].name} worth {worth[r]:.0f} > {readings[side].name} "
                f"worth {worth[side]:.0f} + margin {margin:.0f}"
            )
            side = r
    rate = (2.0 * right[side] - chars[side]) / chars[side] if chars[side] else 0.0
    if rules.drop_rate is not None and chars[side] and rate < rules.drop_rate:
        reason = f"left out: {readings[side].name} net rate {rate:.2f} < {rules.drop_rate:.2f}"
        record = LineChoice(Box(0, 0, 0, 0), DROPPED, tuple(chars), tuple(worth), reason, split)
        return record, -1
    name = readings[side].name
    return LineChoice(Box(0, 0, 0, 0), name, tuple(chars), tuple(worth), reason, split), side
