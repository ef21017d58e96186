"""Candidate words by symmetric deletion: every word's prefix with up to two letters deleted,
hashed into one sorted array, built once per lexicon and cached on disk (keyed on its hash)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

MAX_DISTANCE = 2
PREFIX = 7  # only a word's first letters are indexed; the whole word is checked after
FORMAT = "symdel-1"


def cache_dir() -> Path:
    """Where built indexes are kept: $OCR_CACHE_DIR, else the user's cache folder."""
    base = os.environ.get("OCR_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "archival-ocr" if not os.environ.get("OCR_CACHE_DIR") else root


def deletes(word: str, distance: int) -> set[str]:
    """``word`` with every choice of up to ``distance`` letters removed (itself included)."""
    out = {word}
    frontier = {word}
    for _ in range(distance):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def key(text: str) -> int:
    """A stable 64-bit hash of a deletion."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass(frozen=True, eq=False)
class DeleteIndex:
    """Sorted deletion hashes of the words' prefixes, each with a prefix number; the prefixes'
    words in ``members`` (CSR: ``starts``)."""

    words: tuple[str, ...]
    keys: np.ndarray  # uint64, sorted
    prefix_of_key: np.ndarray  # uint32, the prefix each key came from
    starts: np.ndarray  # uint32, len(prefixes) + 1
    members: np.ndarray  # uint32 word numbers, grouped by prefix

    def lookup(self, query: str, *, distance: int = MAX_DISTANCE) -> list[str]:
        """Words within ``distance`` edits (Levenshtein) of ``query``, nearest first."""
        hashes = np.fromiter((key(d) for d in deletes(query[:PREFIX], distance)), np.uint64)
        left = np.searchsorted(self.keys, hashes, "left")
        right = np.searchsorted(self.keys, hashes, "right")
        hit = [self.prefix_of_key[a:b] for a, b in zip(left, right, strict=True) if b > a]
        if not hit:
            return []
        prefixes = np.unique(np.concatenate(hit))
        spans = [self.members[self.starts[p] : self.starts[p + 1]] for p in prefixes]
        pool = [self.words[w] for w in np.concatenate(spans)]
        found = process.extract(
            query, pool, scorer=Levenshtein.distance, score_cutoff=distance, limit=None
        )
        return [w for w, _, _ in sorted(found, key=lambda f: (f[1], f[2]))]


def build(words: Sequence[str]) -> DeleteIndex:
    """The index of ``words`` (lower case, distinct)."""
    prefixes: dict[str, int] = {}
    groups: list[list[int]] = []
    for n, word in enumerate(words):
        p = prefixes.setdefault(word[:PREFIX], len(prefixes))
        if p == len(groups):
            groups.append([])
        groups[p].append(n)
    keys: list[int] = []
    owners: list[int] = []
    for prefix, p in prefixes.items():
        for d in deletes(prefix, MAX_DISTANCE):
            keys.append(key(d))
            owners.append(p)
    order = np.argsort(np.array(keys, dtype=np.uint64), kind="stable")
    sizes = np.array([len(g) for g in groups], dtype=np.uint32)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.uint32)
    members = np.array([n for g in groups for n in g], dtype=np.uint32)
    return DeleteIndex(
        tuple(words),
        np.array(keys, dtype=np.uint64)[order],
        np.array(owners, dtype=np.uint32)[order],
        starts,
        members,
    )


def lexicon_hash(words: Sequence[str]) -> str:
    """The hash an index of ``words`` is cached under."""
    h = hashlib.sha256(f"{FORMAT}|{MAX_DISTANCE}|{PREFIX}".encode())
    for w in words:
        h.update(w.encode("utf-8") + b"\n")
    return h.hexdigest()[:24]


def cached_index(
    words: Sequence[str], *, folder: Path | None = None, lexicon_key: str | None = None
) -> DeleteIndex:
    """The index of ``words`` from the cache folder, built and written there the first time;
    ``lexicon_key`` names the lexicon's sources (default: the hash of the words)."""
    folder = folder or cache_dir()
    name = f"{lexicon_key}-{MAX_DISTANCE}-{PREFIX}" if lexicon_key else lexicon_hash(words)
    path = folder / f"{FORMAT}-{name}.npz"
    if path.is_file():
        try:
            with np.load(path) as data:
                return DeleteIndex(
                    tuple(words),
                    data["keys"],
                    data["prefix_of_key"],
                    data["starts"],
                    data["members"],
                )
        except (OSError, ValueError, KeyError):
            pass  # a damaged file is built again
    index = build(words)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(
        tmp,
        keys=index.keys,
        prefix_of_key=index.prefix_of_key,
        starts=index.starts,
        members=index.members,
    )
    tmp.replace(path)
    return index
