"""The stage manifests (the cache): a key of what shapes a stage's output, read and written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ocr.fsutil import atomic_write_text

T = TypeVar("T")

STAGE_VERSION = "25"  # bump when a stage's code changes its output, to invalidate caches


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
