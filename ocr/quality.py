"""A reading's quality without ground truth: each word's chance of being right, from a model
learned on pages with ground truth (ocr/data/reading_quality.json, bench/learn_readings.py)."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ocr.tesseract import Word

MODEL_PATH = Path(__file__).resolve().parent / "data" / "reading_quality.json"
# tesseract language -> wordfreq language, for the dictionary features.
WORDFREQ_LANGUAGES = {
    "fra": "fr",
    "eng": "en",
    "rus": "ru",
    "deu": "de",
    "dan": "da",
    "ukr": "uk",
    "bel": "be",
    "bul": "bg",
    "pol": "pl",
    "ces": "cs",
    "ita": "it",
    "spa": "es",
    "por": "pt",
    "nld": "nl",
    "swe": "sv",
    "nor": "nb",
    "fin": "fi",
    "hun": "hu",
    "lav": "lv",
    "lit": "lt",
    "srp": "sr",
    "hrv": "hr",
    "slk": "sk",
    "slv": "sl",
    "ron": "ro",
    "tur": "tr",
    "ell": "el",
    "heb": "he",
    "ara": "ar",
    "fas": "fa",
}
_CORE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
FEATURES = (
    "confidence",
    "in_dictionary",
    "zipf",
    "length",
    "letters",
    "digits",
    "no_alnum",
    "word_like",
)


def logistic(bias: float, weights: Sequence[float], features: Sequence[float]) -> float:
    """A logistic model's probability, 1 / (1 + exp(-(bias + weights . features))), its log odds
    kept within +-30 (no overflow): the word models here and the detectors' learned rules."""
    z = bias + sum(w * f for w, f in zip(weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class WordModel:
    """Logistic model of P(word read right | features); ``dictionary`` says whether it uses
    the language's word list (a model without is used for languages wordfreq lacks)."""

    weights: tuple[float, ...]
    bias: float
    dictionary: bool

    def probability(self, features: Sequence[float]) -> float:
        return logistic(self.bias, self.weights, features)


@dataclass(frozen=True)
class QualityModel:
    """The learned word models and where they came from."""

    with_dictionary: WordModel
    without_dictionary: WordModel
    provenance: str

    def for_languages(self, languages: str) -> WordModel:
        return self.with_dictionary if dictionary_languages(languages) else self.without_dictionary


@functools.cache
def quality_model(path: Path = MODEL_PATH) -> QualityModel:
    """The model file's two word models (cached)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    models = {
        name: WordModel(
            tuple(float(v) for v in m["weights"]), float(m["bias"]), name == "with_dictionary"
        )
        for name, m in data["models"].items()
    }
    return QualityModel(
        models["with_dictionary"], models["without_dictionary"], str(data.get("provenance", ""))
    )


def dictionary_languages(languages: str) -> tuple[str, ...]:
    """The wordfreq languages of a tesseract language string ('rus+eng' -> ('ru', 'en'))."""
    return tuple(
        WORDFREQ_LANGUAGES[lang] for lang in languages.split("+") if lang in WORDFREQ_LANGUAGES
    )


@functools.lru_cache(maxsize=65536)
def _zipf(word: str, languages: tuple[str, ...]) -> float:
    from wordfreq import zipf_frequency

    return max((zipf_frequency(word, lang) for lang in languages), default=0.0)


def lexicon_zipf(text: str, languages: tuple[str, ...]) -> float | None:
    """The Zipf frequency of the word in ``text`` (its longest run of letters, as
    :func:`word_features` judges it) in the lexicon of ``languages`` (0: not listed, or no
    lexicon); None when ``text`` is not word-like (under two letters)."""
    core = max(_CORE.findall(text), key=len, default="")
    if len(core) < 2:
        return None
    return _zipf(core.lower(), languages) if languages else 0.0


def lexicon_knows(text: str, languages: tuple[str, ...]) -> bool | None:
    """Does the lexicon of ``languages`` know the word in ``text`` (:func:`lexicon_zipf`)?
    None when ``text`` is not word-like, so the lexicon cannot judge it."""
    zipf = lexicon_zipf(text, languages)
    return None if zipf is None else zipf > 0


def word_features(text: str, confidence: float, languages: tuple[str, ...]) -> list[float]:
    """The model's features of one word (see FEATURES): tesseract's confidence, whether its
    letters form a listed word and how common it is, its length and make-up."""
    size = max(1, len(text))
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    zipf = lexicon_zipf(text, languages)
    word_like = zipf is not None
    zipf = zipf or 0.0
    return [
        max(0.0, confidence) / 100.0,
        1.0 if zipf > 0 else 0.0,
        zipf / 8.0,
        min(len(text), 15) / 15.0,
        letters / size,
        digits / size,
        1.0 if letters + digits == 0 else 0.0,
        1.0 if word_like else 0.0,
    ]


def word_probabilities(
    words: Sequence[Word], languages: str, model: QualityModel | None = None
) -> list[float]:
    """Each word's estimated chance of being read right."""
    model = model or quality_model()
    word_model = model.for_languages(languages)
    langs = dictionary_languages(languages) if word_model.dictionary else ()
    return [word_model.probability(word_features(w.text, w.conf, langs)) for w in words]
