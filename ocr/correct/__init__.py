"""Post-OCR correction of Russian typescript: lexicon, confusion-weighted candidates, audited changes."""

from __future__ import annotations

from ocr.correct.candidates import SearchLimits, search
from ocr.correct.confusions import (
    ConfusionTable,
    confusions_from_counts,
    counts_from_pairs,
    letter_counts,
    load_confusions,
)
from ocr.correct.engine import apply, suggest, undo
from ocr.correct.lexicon import (
    Lexicon,
    LexiconNotInstalledError,
    WordList,
    default_lexicon,
    learn_from_corrections,
    learn_from_references,
)
from ocr.correct.records import Candidate, Change, Correction, Suggestion
from ocr.correct.scoring import CorrectionSettings, protected_words

__all__ = [
    "Candidate", "Change", "ConfusionTable", "Correction", "CorrectionSettings", "Lexicon",
    "LexiconNotInstalledError", "SearchLimits", "Suggestion", "WordList", "apply",
    "confusions_from_counts", "counts_from_pairs", "default_lexicon", "learn_from_corrections",
    "learn_from_references", "letter_counts", "load_confusions", "protected_words", "search", "suggest", "undo",
]
