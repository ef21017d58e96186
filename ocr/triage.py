"""Triage of a disagreement: is the reference or the OCR likelier wrong? A logistic model over
evidence from the words (a lexicon), the image (tesseract's own alternatives) and other copies."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from ocr.correct.evidence import CharChoice

MODEL_FILE = Path(__file__).resolve().parent / "data" / "triage.json"
KNOWN_ZIPF = 2.0  # rarer entries of a word list are as often typos as words
NUMBER_ZIPF = 4.0  # a number or a Roman numeral is as plausible as a common word
WORD = re.compile(r"\w+")
ROMAN = re.compile(r"^[IVXLCDM]+$")
WORDFREQ_LANGUAGES = {
    "eng": "en",
    "fra": "fr",
    "deu": "de",
    "dan": "da",
    "ukr": "uk",
    "rus": "ru",
    "Cyrillic": "ru",
    "ita": "it",
    "spa": "es",
    "pol": "pl",
}
# Marks a transcriber may write either way: quotes, apostrophes, dashes, ё.
TYPOGRAPHY = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "«": '"',
        "»": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "—": "-",
        "–": "-",
        "ё": "е",
        "Ё": "Е",
    }
)


@dataclass(frozen=True)
class Evidence:
    """What speaks for a reference error at one disagreement.

    ``lexical``: how much more usual the OCR's reading is than the reference's, in Zipf units
    over 4, clipped to -1..1 (0 when a side is empty); ``ocr_word``/``ref_word``: the side's
    reading is made of known words; ``garbage``: the OCR's reading looks like OCR garbage
    (ocr.detect.text); ``image``: +1 when tesseract never considered the reference's letters
    there, down to -1 when they were its close second (0 when it said nothing); ``shape``: +1
    when the disputed letters look like the OCR's letters on this page (ocr.glyphs), -1 like the
    reference's (0 when there is nothing to compare); ``copies``: +1 when another copy of the
    same text reads as this OCR does, -1 when it reads otherwise, 0 when there is none;
    ``similarity``: 1 less the normalised edit distance of the two readings (a misread letter
    keeps them alike; two different words paired where the lines fell apart do not)."""

    confidence: float
    lexical: float
    ocr_word: bool
    ref_word: bool
    image: float
    has_image: bool
    shape: float
    has_shape: bool
    case_only: bool
    typographic: bool
    one_sided: bool
    garbage: bool = False
    similarity: float = 0.0
    copies: int = 0

    def vector(self) -> list[float]:
        """The model's features, in FEATURES order (which side is a word, as one of four)."""
        two = not self.one_sided
        alike = self.similarity
        # What speaks for the OCR's reading (a usual word, letters tesseract never doubted,
        # letters shaped as the OCR's) tells only between readings of one word, which a misread
        # letter keeps alike: a short word the OCR read where the reference has a name ("и" for
        # "Понгуна") pairs two different words and says nothing of the reference.
        derived = {
            "lexical_alike": self.lexical * alike,
            "word_ocr_alike": float(two and self.ocr_word and not self.ref_word) * alike,
            "word_ref_only": two and self.ref_word and not self.ocr_word,
            "word_both": two and self.ocr_word and self.ref_word,
            "inserted_word": self.one_sided and (self.ocr_word or self.ref_word),
            "shape_for": max(self.shape, 0.0) * alike,
            "shape_against": max(-self.shape, 0.0),
            "image_alike": max(self.image, 0.0) * alike,
            "image_against": max(-self.image, 0.0),
            # Where both readings are words (Петров, Метров), only the letters can tell.
            "shape_words": float(two and self.ocr_word and self.ref_word)
            * max(self.shape, 0.0)
            * alike,
        }
        return [
            float(derived[name] if name in derived else getattr(self, name)) for name in FEATURES
        ]

    def support(self) -> float:
        """The strongest evidence for the OCR's reading of the same word (0: none): a reading
        more usual or a word where the reference's is not, letters tesseract never doubted or
        shaped as the OCR's, another copy read the same. Without any, confidence alone makes no
        reference error."""
        return max(
            max(self.lexical, 0.0) * self.similarity,
            float(self.ocr_word and not self.ref_word) * self.similarity,
            max(self.image, 0.0) * self.similarity,
            max(self.shape, 0.0) * self.similarity,
            float(self.copies > 0),
        )

    def as_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Evidence:
        names = [f.name for f in fields(cls)]
        return cls(**{name: data[name] for name in names if name in data})


# Evidence only: what was not measured (no choices, no letter to compare) is 0.
FEATURES = (
    "confidence",
    "lexical_alike",
    "word_ocr_alike",
    "word_ref_only",
    "word_both",
    "inserted_word",
    "one_sided",
    "garbage",
    "similarity",
    "image_alike",
    "image_against",
    "shape_for",
    "shape_against",
    "shape_words",
    "case_only",
    "typographic",
    "copies",
)


@dataclass(frozen=True)
class Model:
    """Logistic weights (bias first, then FEATURES), the decision threshold on the probability,
    and where they come from."""

    weights: tuple[float, ...]
    threshold: float
    source: str = ""

    def probability(self, evidence: Evidence) -> float:
        z = self.weights[0] + sum(
            w * x for w, x in zip(self.weights[1:], evidence.vector(), strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@cache
def default_model(path: Path = MODEL_FILE) -> Model:
    """The model shipped in ocr/data/triage.json (made by bench/train_triage.py)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: features {data['features']} are not {list(FEATURES)}")
    return Model(
        tuple(float(w) for w in data["weights"]),
        float(data["threshold"]),
        str(data.get("source", "")),
    )


@dataclass(frozen=True)
class Triage:
    """A disagreement's evidence, the model's probability that the reference is wrong, and the
    verdict against the threshold."""

    evidence: Evidence
    probability: float
    reference_error: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "evidence": self.evidence.as_json(),
            "probability": round(self.probability, 4),
            "reference_error": self.reference_error,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Triage:
        return cls(
            Evidence.from_json(data["evidence"]),
            float(data["probability"]),
            bool(data["reference_error"]),
        )

    def why(self) -> str:
        """The evidence in the reviewer's words."""
        return "; ".join(_why(self.evidence)) or "no evidence either way"


def _why(e: Evidence) -> list[str]:
    out = []
    if e.case_only:
        out.append("only the letter case differs")
    elif e.typographic:
        out.append("only quotes, dashes or ё differ")
    if e.ocr_word and not e.ref_word and not e.one_sided:
        out.append("the OCR's reading is a word, the reference's is not")
    elif e.ref_word and not e.ocr_word and not e.one_sided:
        out.append("the reference's reading is a word, the OCR's is not")
    if e.has_shape:
        out.append(
            "the letters look like the OCR's on this page"
            if e.shape > 0.1
            else "the letters look like the reference's on this page"
            if e.shape < -0.1
            else "the letters' shapes do not tell"
        )
    if e.has_image:
        out.append(
            "tesseract never considered the reference's letters here"
            if e.image > 0.5
            else "tesseract weighed the reference's letters too"
            if e.image < 0
            else "tesseract's letters are unsure"
        )
    if e.copies > 0:
        out.append("another copy of this text reads the same as this OCR")
    elif e.copies < 0:
        out.append("another copy of this text reads as the reference")
    return out


def judge(
    evidence: Evidence, *, model: Model | None = None, threshold: float | None = None
) -> Triage:
    """The verdict on one disagreement."""
    model = model or default_model()
    if evidence.support() <= 0.0:  # confidence alone: the model (fitted where some evidence
        return Triage(evidence, 0.0, False)  # supports the OCR) has nothing to weigh
    p = model.probability(evidence)
    return Triage(evidence, p, p >= (model.threshold if threshold is None else threshold))


def with_copies(
    triage: Triage, copies: int, *, model: Model | None = None, threshold: float | None = None
) -> Triage:
    """The verdict again, now that another copy of the text was seen."""
    return judge(replace(triage.evidence, copies=copies), model=model, threshold=threshold)


# --- the words -----------------------------------------------------------------------------------

ZipfFn = Callable[[str], float]


@dataclass(frozen=True)
class Vocabulary:
    """How usual a word is in the page's languages (Zipf), and whether it is a word at all."""

    zipf_of: ZipfFn
    known_of: Callable[[str], bool]

    def reading_zipf(self, text: str) -> float | None:
        """The rarest token's Zipf frequency (a reading is as plausible as its oddest word);
        None without a word."""
        tokens = WORD.findall(text)
        return min((self._token_zipf(t) for t in tokens), default=None)

    def known(self, text: str) -> bool:
        """Every token is a number, a Roman numeral or a known word."""
        tokens = WORD.findall(text)
        return bool(tokens) and all(
            _number(t) or (not _mixed(t) and self.known_of(t)) for t in tokens
        )

    def _token_zipf(self, token: str) -> float:
        if _number(token):
            return NUMBER_ZIPF
        return 0.0 if _mixed(token) else self.zipf_of(token)


def _number(token: str) -> bool:
    return token.isdigit() or bool(ROMAN.match(token))


def _mixed(token: str) -> bool:
    """Latin and Cyrillic letters in one word: a homoglyph slip, never a word."""
    scripts = {unicodedata.name(c, "").split()[0] for c in token if c.isalpha()}
    return {"LATIN", "CYRILLIC"} <= scripts


@cache
def vocabulary(languages: str) -> Vocabulary:
    """The vocabulary of tesseract languages ('rus', 'eng', 'rus+eng'): the correction
    lexicon's for Russian (wordfreq, pymorphy3 forms, the period's tokens), wordfreq for the
    others it knows; a word is as usual as in its most usual language."""
    parts = [p for p in languages.split("+") if p]
    zipfs: list[ZipfFn] = []
    knowns: list[Callable[[str], bool]] = []
    for part in parts:
        if part in ("rus", "Cyrillic"):
            from ocr.correct.lexicon import default_lexicon

            lexicon = default_lexicon()
            zipfs.append(lexicon.zipf)
            knowns.append(lexicon.known)
        elif part in WORDFREQ_LANGUAGES:
            zipfs.append(_wordfreq(WORDFREQ_LANGUAGES[part]))
    zipfs = zipfs or [_wordfreq("en")]

    def zipf(word: str) -> float:
        return max(f(word) for f in zipfs)

    def known(word: str) -> bool:
        return zipf(word) >= KNOWN_ZIPF or any(k(word) for k in knowns)

    return Vocabulary(zipf, known)


def _wordfreq(lang: str) -> ZipfFn:
    from wordfreq import zipf_frequency

    return lambda word: zipf_frequency(word, lang)


# --- the evidence --------------------------------------------------------------------------------


def evidence(
    ocr_text: str,
    ref_text: str,
    confidence: float | None,
    *,
    vocabulary: Vocabulary | None = None,
    choices: Mapping[int, CharChoice] | None = None,
    ocr_start: int = 0,
    shape: float | None = None,
) -> Evidence:
    """The evidence at one disagreement: the OCR read ``ocr_text`` (starting at ``ocr_start`` of
    the page text that ``choices`` describes) where the reference has ``ref_text``; ``shape``:
    what the letters' shapes say (ocr.glyphs.shape_support), if anything."""
    one_sided = not ocr_text.strip() or not ref_text.strip()
    lexical, ocr_word, ref_word = 0.0, False, False
    if vocabulary is not None:
        ocr_word, ref_word = vocabulary.known(ocr_text), vocabulary.known(ref_text)
        zo, zr = vocabulary.reading_zipf(ocr_text), vocabulary.reading_zipf(ref_text)
        if not one_sided and zo is not None and zr is not None:
            lexical = max(-1.0, min(1.0, (zo - zr) / 4.0))
    image = image_support(ocr_text, ref_text, choices or {}, ocr_start=ocr_start)
    from ocr.detect.text import is_garbage

    alike = (
        0.0
        if one_sided
        else 1.0 - Levenshtein.normalized_distance(_squash(ocr_text), _squash(ref_text))
    )
    return Evidence(
        confidence=(confidence or 0.0) / 100.0,
        lexical=lexical,
        ocr_word=ocr_word,
        garbage=any(is_garbage(t) for t in ocr_text.split()),
        similarity=alike,
        ref_word=ref_word,
        image=image or 0.0,
        has_image=image is not None,
        shape=shape or 0.0,
        has_shape=shape is not None,
        case_only=_squash(ocr_text).casefold() == _squash(ref_text).casefold(),
        typographic=typographic_only(ocr_text, ref_text),
        one_sided=one_sided,
    )


def _squash(text: str) -> str:
    """Blank runs (line breaks too) as one space: where lines break is layout, a lost blank
    between words is not."""
    return " ".join(text.split())


def typographic_only(a: str, b: str) -> bool:
    """Whether two readings differ only in quotes, apostrophes, dashes or ё/е."""
    return _squash(a) != _squash(b) and _squash(a).translate(TYPOGRAPHY) == _squash(b).translate(
        TYPOGRAPHY
    )


def image_support(
    ocr_text: str, ref_text: str, choices: Mapping[int, CharChoice], *, ocr_start: int
) -> float | None:
    """-1..1: for each letter the OCR read where the reference has another, +1 when tesseract
    never considered the reference's letter there, 0 when it listed it as a remote choice, down
    to -1 when it was a close second; averaged. None when tesseract said nothing of them."""
    if not choices:
        return None
    scores = []
    for op in Levenshtein.opcodes(ref_text, ocr_text):
        if op.tag not in ("replace", "insert"):
            continue
        for j in range(op.dest_start, op.dest_end):
            choice = choices.get(ocr_start + j)
            if choice is None or ocr_text[j].isspace():
                continue
            k = op.src_start + (j - op.dest_start)
            wanted = ref_text[k] if op.tag == "replace" and k < op.src_end else ""
            scores.append(_letter_support(choice, wanted))
    return sum(scores) / len(scores) if scores else None


def _letter_support(choice: CharChoice, wanted: str) -> float:
    if not wanted:  # the reference has nothing here: how sure tesseract was of its letter
        return 2.0 * choice.conf / 100.0 - 1.0
    listed = [conf for alt, conf in choice.alternatives if alt.casefold() == wanted.casefold()]
    if not listed:
        return 1.0
    return -min(1.0, max(listed) / max(choice.conf, 1.0))
