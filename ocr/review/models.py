"""Review tables on the results database (defined with the others in ocr.tables)."""

from __future__ import annotations

from ocr.tables import Decision, ExportedFile

__all__ = ["Decision", "ExportedFile"]
