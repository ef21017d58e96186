"""The stage manifests (the cache): a key of what shapes a stage's output, read and written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from ocr.fsutil import atomic_write_text

T = TypeVar("T")

STAGE_VERSION = "33"  # bump when a stage's code changes its output, to invalidate caches
PACKAGE = Path(__file__).resolve().parents[1]  # the ocr package: its sources and data files


def code_stamp(root: Path = PACKAGE) -> str:
    """A hash over the package's sources and data files (paths and bytes): a stage's cache key
    holds the package's beside STAGE_VERSION (:func:`code_version`), so output cached by other
    code (an edit that forgot the bump, an output folder copied from another checkout) is made
    again instead of served as this code's."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


@cache
def code_version() -> str:
    """What a stage's cache key says of the code: STAGE_VERSION and the package's stamp (hashed
    once per process)."""
    return f"{STAGE_VERSION}:{code_stamp()}"


def stage_key(data: dict[str, Any]) -> str:
    """A stage's cache key: the sha256 of what shapes its output (as sorted JSON)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def read_manifest(path: Path, key: str) -> dict[str, Any] | None:
    """A stage's manifest when it holds ``key``; None when missing, unreadable or stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def from_manifest(cached: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]) -> T | None:
    """A manifest's record, or None (the stage runs again) when it is missing or damaged: a
    manifest is a cache, so a field lost or mangled costs a recomputation, never the page."""
    if cached is None:
        return None
    try:
        return parse(cached)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return None


def write_manifest(path: Path, key: str, data: dict[str, Any]) -> None:
    """Write a stage's manifest (atomically, last of the stage's files) under ``key``."""
    atomic_write_text(path, json.dumps({"key": key, **data}, ensure_ascii=False, default=str))
