"""OCR and transcription-correction pipeline for archival typewritten Cyrillic scans."""

from __future__ import annotations

__version__ = "0.1.0"
