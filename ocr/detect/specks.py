"""Specks of dust read as marks (issue 20): a word whose box is tiny against the page's typed word
height and whose confidence is low is dust, not text ("|" 3x3 px, ">" 18x9 px on a page of 39-px
words). It is dropped from the page's outputs (TSV, hOCR, ALTO, text, the characters' choices),
so it neither counts as text nor becomes a review item.

The two limits are learned, not typed in: ``bench/learn_specks.py`` fits them on tuning pages with
exact ground truth (words with no true counterpart against real ones) and writes
``ocr/data/specks.json`` with its provenance. A real "." "," or "-" is small too; the fitted
limits leave every real word of the tuning pages in place, and the page's own typed word height
is the measure, so a page needs MIN_SURE confidently read words before anything is dropped."""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from ocr.detect.ink import good_words
from ocr.fsutil import atomic_write_text
from ocr.records import Box, ProcessingStep
from ocr.tesseract import Word

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "specks.json"
MIN_SURE = 5  # confidently read words of 3+ characters the page's word height is taken from


MARKS, GLYPHS = "marks", "glyphs"  # what a speck was read as: marks only, or one letter or digit


@dataclass(frozen=True)
class SpeckLimits:
    """A word is a speck when its box's longer side is under ``size`` typed word heights H and
    its confidence under a limit that is ``conf`` at that size and rises by ``slope`` for each
    e-fold the word is smaller (dust of a few pixels is often read surely as "|" or "."):
    conf < conf + slope * ln(size / side). Tesseract's -1 (no confidence) is never a speck."""

    size: float
    conf: float
    slope: float = 0.0

    def conf_limit(self, side: float) -> float:
        """The confidence under which a word of ``side`` H (under ``size``) is a speck."""
        return self.conf + self.slope * math.log(self.size / max(side, 1e-6))

    def holds(self, side: float, conf: float) -> bool:
        return 0 <= conf and side < self.size and conf < self.conf_limit(side)

    def as_json(self) -> dict[str, float]:
        return {"size": self.size, "conf": self.conf, "slope": self.slope}


@dataclass(frozen=True)
class SpeckModel:
    """The limits for words read as marks only ("|", ":", ">") and for words read as one letter
    or digit (tesseract's letters are surer evidence of ink that is text); a word of two letters
    or digits or more is never a speck ("an" in a 2x3 px box is tesseract's box gone wrong)."""

    marks: SpeckLimits
    glyphs: SpeckLimits
    source: str = ""

    def limits(self, text: str) -> SpeckLimits | None:
        kind = speck_class(text)
        return None if kind is None else self.marks if kind == MARKS else self.glyphs

    def is_speck(self, word: Word, height: float) -> bool:
        limits = self.limits(word.text)
        if limits is None or height <= 0:
            return False
        return limits.holds(max(word.box.width, word.box.height) / height, word.conf)

    def as_json(self) -> dict[str, object]:
        return {MARKS: self.marks.as_json(), GLYPHS: self.glyphs.as_json(), "source": self.source}


def speck_class(text: str) -> str | None:
    """What a word was read as, for the speck model: MARKS, GLYPHS or None (a word)."""
    letters = sum(c.isalnum() for c in text)
    return MARKS if letters == 0 else GLYPHS if letters == 1 else None


@cache
def speck_model(path: Path = MODEL_FILE) -> SpeckModel:
    """The shipped model (``ocr/data/specks.json``), read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))

    def limits(d: dict[str, float]) -> SpeckLimits:
        return SpeckLimits(float(d["size"]), float(d["conf"]), float(d.get("slope", 0.0)))

    return SpeckModel(limits(data[MARKS]), limits(data[GLYPHS]), str(data.get("source", "")))


def typed_height(words: Sequence[Word]) -> float | None:
    """The page's typed word height: the median box height of confidently read words of three
    characters or more with a letter or digit (as ocr.detect.ink.text_metrics), or None when
    the page has fewer than MIN_SURE of them (no measure to judge a speck by)."""
    sure = sorted(
        w.box.height
        for w in good_words(words)
        if len(w.text) >= 3 and any(c.isalnum() for c in w.text)
    )
    if len(sure) < MIN_SURE:
        return None
    mid = len(sure) // 2
    return float(sure[mid]) if len(sure) % 2 else (sure[mid - 1] + sure[mid]) / 2.0


def speck_indices(words: Sequence[Word], model: SpeckModel | None = None) -> list[int]:
    """Indices (in the TSV's reading order) of the words that are specks."""
    height = typed_height(words)
    if height is None:
        return []
    model = model or speck_model()
    return [i for i, w in enumerate(words) if model.is_speck(w, height)]


def drop_specks(
    words: Sequence[Word], outputs: dict[str, Path], model: SpeckModel | None = None
) -> list[ProcessingStep]:
    """Drop the page's specks from its outputs; the step (with each dropped word, so that what
    was read is not lost) as provenance when any was dropped."""
    model = model or speck_model()
    drop = speck_indices(words, model)
    if not drop:
        return []
    drop_words(words, outputs, drop)
    return [
        ProcessingStep(
            id="specks",
            category="ocr",
            description="specks of dust read as marks dropped (tiny and unsure against the "
            "page's typed word height)",
            settings={
                "model": model.as_json(),
                "words": [[i, *word_row(words[i])] for i in drop],
            },
        )
    ]


def drop_words(words: Sequence[Word], outputs: dict[str, Path], drop: Iterable[int]) -> None:
    """Drop the words at indices ``drop`` (of ``words``, the TSV's reading order) from the
    page's outputs (TSV, hOCR, ALTO, text, the characters' choices); a file whose words do not
    line up with ``words`` is left as it is."""
    gone = {i: words[i].text for i in drop}
    if not gone:
        return
    for kind, rewrite in _REWRITERS.items():
        if (path := outputs.get(kind)) is None or not path.is_file():
            continue
        text = rewrite(path.read_text(encoding="utf-8"), gone, len(words))
        if text is not None:
            atomic_write_text(path, text)


def word_row(w: Word) -> list[object]:
    """A word as a provenance row (read back by :func:`dropped_words`, after its index)."""
    return [w.block, w.par, w.line, w.word, *w.box.as_list(), round(w.conf, 2), w.text]


def without_dropped(words: Sequence[Word], steps: Sequence[ProcessingStep]) -> list[Word]:
    """The words left once the ``steps`` (from :func:`drop_specks` or
    ocr.detect.junk.drop_junk, made on these ``words``) dropped theirs."""
    gone = {index for step in steps for index, _ in dropped_words(step.settings)}
    return [w for i, w in enumerate(words) if i not in gone]


def dropped_words(step_settings: dict[str, object]) -> list[tuple[int, Word]]:
    """The words a "specks" (or "junk") step dropped, with their TSV indices (for putting them
    back)."""
    rows = step_settings.get("words")
    out = []
    for row in rows if isinstance(rows, list) else []:
        index, block, par, line, number, left, top, width, height, conf, text = row
        box = Box(int(left), int(top), int(width), int(height))
        out.append((int(index), Word(block, par, line, number, box, float(conf), str(text))))
    return out


# --- the outputs' rewriters: the new text, or None to leave a file whose words do not line up ---


def _lined_up(texts: Sequence[str], gone: dict[int, str]) -> bool:
    return all(i < len(texts) and texts[i] == t for i, t in gone.items())


def _drop_tsv(text: str, gone: dict[int, str], _count: int) -> str | None:
    lines = text.split("\n")
    keep, index, texts = [], 0, []
    for line in lines:
        cols = line.split("\t")
        if len(cols) >= 12 and cols[0] == "5" and cols[11].strip():
            texts.append(cols[11].strip())
            index += 1
            if index - 1 in gone:
                continue
        keep.append(line)
    return "\n".join(keep) if _lined_up(texts, gone) else None


_HOCR_SPAN = re.compile(r"""\s*<span class=['"]ocrx_word['"][^>]*>([^<]*)</span>""")


def _drop_hocr(text: str, gone: dict[int, str], _count: int) -> str | None:
    spans = [m for m in _HOCR_SPAN.finditer(text) if m.group(1).strip()]
    if not _lined_up([html.unescape(m.group(1)).strip() for m in spans], gone):
        return None
    for i in sorted(gone, reverse=True):
        text = text[: spans[i].start()] + text[spans[i].end() :]
    return text


def _drop_alto(text: str, gone: dict[int, str], _count: int) -> str | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(text.encode("utf-8"), parser)
    strings = [n for n in root.iter() if etree.QName(n).localname == "String" and n.get("CONTENT")]
    if not _lined_up([(n.get("CONTENT") or "").strip() for n in strings], gone):
        return None
    for i in gone:
        node = strings[i]
        line = node.getparent()
        space = node.getprevious()
        if space is None or etree.QName(space).localname != "SP":
            space = node.getnext()
        if space is not None and etree.QName(space).localname == "SP":
            line.remove(space)
        line.remove(node)
        if not any(etree.QName(n).localname == "String" for n in line):
            line.getparent().remove(line)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


_TOKEN = re.compile(r"\S+")


def _drop_tokens(text: str, gone: dict[int, str], _count: int) -> str | None:
    tokens = list(_TOKEN.finditer(text))
    if not _lined_up([m.group(0) for m in tokens], gone):
        return None
    for i in sorted(gone, reverse=True):
        start, end = tokens[i].span()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        if not (text[line_start:start] + text[end:line_end]).strip():  # alone on its line
            text = text[:line_start] + text[min(line_end + 1, len(text)) :]
        elif start > line_start and text[start - 1] in " \t":
            text = text[: start - 1] + text[end:]
        else:
            text = text[:start] + text[end:].removeprefix(" ")
    return text


def _drop_choices(text: str, gone: dict[int, str], count: int) -> str | None:
    """The records are one per TSV word (ocr.correct.evidence.text_choices pairs them by
    index); with another count they pair with nothing, and are left."""
    records = json.loads(text)
    if not isinstance(records, list) or len(records) != count:
        return None
    kept = [r for i, r in enumerate(records) if i not in gone]
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


_REWRITERS: dict[str, Callable[[str, dict[int, str], int], str | None]] = {
    "tsv": _drop_tsv,
    "hocr": _drop_hocr,
    "alto": _drop_alto,
    "txt": _drop_tokens,
    "choices": _drop_choices,
}


def restored(words: Iterable[Word], dropped: Sequence[tuple[int, Word]]) -> list[Word]:
    """The page's words as read before its specks were dropped (for learning from them)."""
    out = list(words)
    for index, word in sorted(dropped):
        out.insert(index, word)
    return out
