"""Post-OCR correction of Russian typescript: one noisy channel learned from aligned pages, a
Russian language model, decisions by posterior."""

from __future__ import annotations

from ocr.correct.channel import Channel, load_channel, with_counts
from ocr.correct.engine import apply, suggest, undo
from ocr.correct.evidence import CharChoice, Layout, joined_choices, joined_layout
from ocr.correct.lexicon import (
    Lexicon,
    LexiconNotInstalledError,
    WordList,
    default_lexicon,
    learn_from_corrections,
    learn_from_references,
)
from ocr.correct.records import Candidate, Change, Correction, Suggestion
from ocr.correct.settings import CorrectionSettings

__all__ = [
    "Candidate",
    "Change",
    "Channel",
    "CharChoice",
    "Correction",
    "CorrectionSettings",
    "Layout",
    "Lexicon",
    "LexiconNotInstalledError",
    "Suggestion",
    "WordList",
    "apply",
    "default_lexicon",
    "joined_choices",
    "joined_layout",
    "learn_from_corrections",
    "learn_from_references",
    "load_channel",
    "suggest",
    "undo",
    "with_counts",
]
