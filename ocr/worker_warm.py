"""Imported by the page workers' fork server only (ocr.batch.worker_context): the word lists of
the languages named in WARM_LANGUAGES (wordfreq's codes, "+" between them) are loaded here once,
so every worker forked from the server starts with them where it would load them on its first
page (about 0.6 s of CPU for Russian). Nothing a page gets changes: the tables are the ones
wordfreq loads anyway, and only read."""

from __future__ import annotations

import os
from collections.abc import Iterable

WARM_LANGUAGES = "OCR_WORKER_WORD_LISTS"


def warm(languages: Iterable[str]) -> None:
    """Load wordfreq's word list (and tokenizer) of each language, as a first look-up does."""
    from wordfreq import zipf_frequency

    for language in languages:
        zipf_frequency("a", language)


if names := os.environ.get(WARM_LANGUAGES):
    try:
        warm(names.split("+"))
    except Exception:  # noqa: BLE001 - a worker loads its word list itself then
        pass
