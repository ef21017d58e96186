"""The review app: reviewers decide flagged regions; decisions are written back as corrections."""

from __future__ import annotations

from ocr.review.app import create_app, serve
from ocr.review.export import export_corrections, rescore_document

__all__ = ["create_app", "export_corrections", "rescore_document", "serve"]
