"""The review app: reviewers decide flagged regions; decisions are written back as corrections."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "export_corrections", "rescore_document", "serve"]


def __getattr__(name: str) -> Any:
    # Lazy: the batch imports ocr.review.models (its table) without loading the web app.
    if name in ("create_app", "serve"):
        from ocr.review import app

        return getattr(app, name)
    if name in ("export_corrections", "rescore_document"):
        from ocr.review import export

        return getattr(export, name)
    raise AttributeError(name)
