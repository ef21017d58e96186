"""Publishing: a searchable PDF/A and a METS file per document, and their reviewed versions."""

from __future__ import annotations

from ocr.publish.document import Published, publish_document

__all__ = ["Published", "publish_document"]
