"""The only module that runs tesseract (via pytesseract): one call per page, all formats at once."""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from lxml import etree

from ocr.exceptions import (
    LanguageNotInstalledError,
    OcrEngineError,
    OcrError,
    TesseractCrashError,
    TesseractNotFoundError,
    TesseractTimeoutError,
)
from ocr.fsutil import atomic_write_text, temp_tag
from ocr.records import Box

# Tesseract writes these itself; PAGE-XML is written by ocr.pagexml from the TSV words.
_TESS_FORMATS = {"txt": "txt", "tsv": "tsv", "hocr": "hocr", "alto": "xml", "pdf": "pdf"}
_FINAL_SUFFIX = {"txt": ".txt", "tsv": ".tsv", "hocr": ".hocr", "alto": ".alto.xml", "pdf": ".pdf"}
CHOICES_SUFFIX = ".choices.json"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_LENIENT_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=True, recover=True
)


@dataclass(frozen=True)
class Word:
    """One recognised word from tesseract's TSV."""

    block: int
    par: int
    line: int
    word: int
    box: Box
    conf: float
    text: str

    @property
    def line_key(self) -> tuple[int, int, int]:
        return (self.block, self.par, self.line)


@dataclass(frozen=True)
class OcrOutput:
    """Paths of one page's OCR outputs, and how they were made."""

    outputs: dict[str, Path]
    languages: str
    psm: int
    oem: int
    tesseract_version: str
    traineddata: dict[str, str]

    @property
    def tsv(self) -> Path:
        return self.outputs["tsv"]


@dataclass(frozen=True)
class OcrText:
    """Page text rebuilt from words (lines by newline, words by space) with each word's offsets."""

    text: str
    spans: tuple[tuple[int, int], ...]  # (start, end) in text for words[i]
    words: tuple[Word, ...]

    def words_in(self, start: int, end: int) -> list[int]:
        """Indexes of the words overlapping text[start:end] (touching for an empty range)."""
        if start == end:
            return [i for i, (s, e) in enumerate(self.spans) if s <= start <= e][:1]
        return [i for i, (s, e) in enumerate(self.spans) if s < end and e > start]


def _env() -> None:
    # One single-threaded tesseract per core: its own OpenMP threads only add contention.
    os.environ["OMP_THREAD_LIMIT"] = "1"


@functools.cache
def tesseract_version() -> str:
    """The tesseract version string, e.g. '5.3.0'."""
    try:
        return str(pytesseract.get_tesseract_version())
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractNotFoundError from e


@functools.cache
def _tessdata_and_languages() -> tuple[Path | None, tuple[str, ...]]:
    exe = shutil.which(pytesseract.pytesseract.tesseract_cmd)
    if exe is None:
        raise TesseractNotFoundError
    proc = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, check=False)
    out = proc.stdout + proc.stderr
    m = re.search(r'in "([^"]+)"', out)
    langs = tuple(line.strip() for line in proc.stdout.splitlines()[1:] if line.strip())
    return (Path(m.group(1)) if m else None), langs


def available_languages() -> tuple[str, ...]:
    """Languages tesseract can load (e.g. 'rus', 'eng', 'script/Cyrillic')."""
    return _tessdata_and_languages()[1]


def check_languages(languages: str) -> None:
    """Raise LanguageNotInstalledError naming what is missing."""
    have = set(available_languages())
    missing = [lang for lang in languages.split("+") if lang not in have]
    if missing:
        raise LanguageNotInstalledError(
            f"tesseract language(s) {', '.join(missing)} not installed "
            f"(have: {', '.join(sorted(have))}); "
            "install tesseract-ocr-<lang> or change `languages`"
        )


@functools.cache
def traineddata_info(languages: str) -> dict[str, str]:
    """sha256 (first 16 hex) of each language's traineddata file: provenance and cache keys."""
    tessdata, _ = _tessdata_and_languages()
    info: dict[str, str] = {}
    for lang in languages.split("+"):
        path = (tessdata / f"{lang}.traineddata") if tessdata else None
        if path is not None and path.is_file():
            info[lang] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        else:
            info[lang] = "unknown"
    return info


def run_ocr(
    image_path: Path,
    out_stem: Path,
    *,
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    formats: Sequence[str],
    choices: bool = False,
) -> OcrOutput:
    """OCR one page image file in a single tesseract run; outputs land atomically at out_stem.*.

    With ``choices`` the same run also records each character's confidence and the other
    characters the LSTM considered there, in ``<out_stem>.choices.json`` (outputs["choices"],
    read by :func:`read_choices`); the delivered hOCR, if asked for, stays word-level. When those
    records cannot be read, the page goes on without them. ``dpi`` None leaves the resolution
    to the image file (or tesseract's estimate), as stock tesseract does."""
    _env()
    wanted = [f for f in dict.fromkeys(["tsv", *formats]) if f in _TESS_FORMATS]
    made = [*wanted, "hocr"] if choices and "hocr" not in wanted else wanted
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    choices_path = out_stem.with_name(out_stem.name + CHOICES_SUFFIX)
    choices_path.unlink(missing_ok=True)  # a previous run's, never left beside these outputs
    with tempfile.TemporaryDirectory(
        prefix=f".tess-{out_stem.name}.{temp_tag()}-", dir=out_stem.parent
    ) as tmp:
        base = Path(tmp) / "page"
        with logged_call(out_stem.name, image_path):
            _call(
                image_path,
                base,
                wanted=made,
                languages=languages,
                psm=psm,
                oem=oem,
                dpi=dpi,
                timeout=timeout,
                choices=choices,
            )
        for fmt in made:
            if not base.with_suffix("." + _TESS_FORMATS[fmt]).is_file():
                raise OcrEngineError(f"tesseract wrote no {fmt} output", path=image_path)
        records = (
            _split_choices(
                base.with_suffix(".hocr"), base.with_suffix(".tsv"), keep_hocr="hocr" in wanted
            )
            if choices
            else None
        )
        outputs: dict[str, Path] = {}
        for fmt in wanted:
            final = out_stem.with_name(out_stem.name + _FINAL_SUFFIX[fmt])
            base.with_suffix("." + _TESS_FORMATS[fmt]).replace(final)
            outputs[fmt] = final
        if records is not None:
            outputs["choices"] = atomic_write_text(choices_path, choices_json(records))
    return OcrOutput(
        outputs=outputs,
        languages=languages,
        psm=psm,
        oem=oem,
        tesseract_version=tesseract_version(),
        traineddata=traineddata_info(languages),
    )


CALL_LOG_ENV = "OCR_CALL_LOG"  # a JSON-lines file: every tesseract call, for bench/count_calls.py


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


@contextlib.contextmanager
def logged_call(what: str, image: Path | None) -> Iterator[None]:
    """Times the tesseract call made in the block and logs it (:func:`log_call`), also when it
    fails or times out; nothing but two clock reads without OCR_CALL_LOG."""
    start, cpu = time.perf_counter(), _children_cpu()
    try:
        yield
    finally:
        log_call(what, image, _children_cpu() - cpu, time.perf_counter() - start)


def log_call(what: str, image: Path | None, cpu: float, wall: float) -> None:
    """With OCR_CALL_LOG set, one line for a tesseract call: what it read (its outputs' stem,
    which names the reading; a list file's crops counted), its CPU (the children's user and
    system time since it started: exact in a worker that reads one page at a time) and wall
    seconds. Nothing without it."""
    path = os.environ.get(CALL_LOG_ENV)
    if not path:
        return
    images = 1
    if image is not None and image.suffix == ".txt":
        images = sum(1 for line in image.read_text(encoding="utf-8").splitlines() if line)
    record = {
        "pid": os.getpid(),
        "what": what,
        "image": str(image) if image else "",
        "images": images,
        "cpu": round(cpu, 4),
        "wall": round(wall, 4),
    }
    with Path(path).open("a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


def _call(
    image_path: Path,
    base: Path,
    *,
    wanted: list[str],
    languages: str,
    psm: int,
    oem: int,
    dpi: int | None,
    timeout: float,
    choices: bool = False,
) -> None:
    config = f"--psm {psm} --oem {oem}" + (f" --dpi {dpi}" if dpi else "")
    if choices:  # per character in the hOCR: its box and confidence, the LSTM's alternatives
        config += " -c lstm_choice_mode=2 -c hocr_char_boxes=1"
    if "tsv" in wanted:
        config += " -c tessedit_create_tsv=1"
    if "alto" in wanted:
        config += " -c tessedit_create_alto=1"
    # Config files named as "extensions" become positional args; tsv/xml are skipped by
    # pytesseract and enabled by the -c flags above instead.
    extension = " ".join(_TESS_FORMATS[f] for f in wanted if f in ("txt", "hocr", "pdf"))
    try:
        pytesseract.pytesseract.run_tesseract(
            str(image_path),
            str(base),
            extension=extension or "txt",
            lang=languages,
            config=config,
            timeout=timeout,
        )
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractNotFoundError from e
    except pytesseract.TesseractError as e:
        raise _translate(e, image_path) from e
    except RuntimeError as e:  # pytesseract's timeout is a bare RuntimeError
        if "timeout" in str(e).lower():
            raise TesseractTimeoutError(
                f"tesseract took longer than {timeout:g} s; raise `ocr_timeout` or check the image",
                path=image_path,
            ) from e
        raise OcrEngineError(str(e), path=image_path) from e


def _translate(error: pytesseract.TesseractError, image_path: Path) -> OcrError:
    text = str(error.message)
    if "Failed loading language" in text or "Could not initialize tesseract" in text:
        return LanguageNotInstalledError(path=image_path)
    if error.status is not None and error.status < 0:
        return TesseractCrashError(
            f"tesseract was killed by signal {-error.status}; it may succeed on a retry",
            path=image_path,
        )
    return OcrEngineError(
        f"tesseract failed (exit {error.status}): {text.strip()[:300]}", path=image_path
    )


def read_words(tsv_path: Path) -> list[Word]:
    """Words (level 5 rows with text) from a tesseract TSV file, in reading order."""
    return [word for _, word in read_page_words(tsv_path)]


def read_page_words(tsv_path: Path) -> list[tuple[int, Word]]:
    """Each word of a tesseract TSV file with its page number (1 up: the image of a list file
    it is on), in reading order."""
    words: list[tuple[int, Word]] = []
    with Path(tsv_path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("level") != "5" or not (row.get("text") or "").strip():
                continue
            box = Box(int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]))
            word = Word(
                int(row["block_num"]),
                int(row["par_num"]),
                int(row["line_num"]),
                int(row["word_num"]),
                box,
                float(row["conf"]),
                row["text"].strip(),
            )
            words.append((int(row["page_num"]), word))
    return words


def words_to_text(words: Sequence[Word]) -> OcrText:
    """Join words into page text, keeping each word's character span."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    prev_line: tuple[int, int, int] | None = None
    for w in words:
        if prev_line is not None:
            sep = " " if w.line_key == prev_line else "\n"
            parts.append(sep)
            pos += 1
        spans.append((pos, pos + len(w.text)))
        parts.append(w.text)
        pos += len(w.text)
        prev_line = w.line_key
    return OcrText(text="".join(parts), spans=tuple(spans), words=tuple(words))


# One word's characters as tesseract's hOCR gives them with ``hocr_char_boxes=1`` and
# ``lstm_choice_mode=2``: (character, confidence, ((alternative, confidence), ...)).
CharRecord = tuple[str, float, tuple[tuple[str, float], ...]]
_CONF = re.compile(r"x_confs?\s+([-\d.]+)")


def hocr_choices(root: etree._Element) -> list[list[CharRecord]]:
    """Per ocrx_word of a tesseract hOCR tree, in order: each character with its confidence and
    the other characters the LSTM considered for it (empty lists where the hOCR has none)."""
    words: list[list[CharRecord]] = []
    for word in root.iter("{*}span"):
        if word.get("class") != "ocrx_word":
            continue
        chars: list[CharRecord] = []
        for span in word:
            title = span.get("title") or ""
            if span.get("class") != "ocrx_cinfo":
                continue
            if "x_bboxes" in title:
                hit = _CONF.search(title)
                chars.append((span.text or "", float(hit.group(1)) if hit else 0.0, ()))
            elif (span.get("id") or "").startswith("lstm_choices") and chars:
                alts = tuple(
                    (c.text or "", float(m.group(1)))
                    for c in span
                    if (m := _CONF.search(c.get("title") or "")) is not None
                )
                char, conf, _ = chars[-1]
                chars[-1] = (char, conf, tuple(a for a in alts if a[0] != char))
        words.append(chars)
    return words


def _parse_hocr(path: Path, *, recover: bool = False) -> etree._ElementTree:
    return etree.parse(str(path), _LENIENT_XML if recover else _SAFE_XML)


def _split_choices(hocr: Path, tsv: Path, *, keep_hocr: bool) -> list[list[CharRecord]] | None:
    """The character records of a character-level hOCR, one list per TSV word; None when the
    hOCR cannot be read or does not hold the TSV's words. With ``keep_hocr`` the file is then
    rewritten word-level, as tesseract writes it without character boxes."""
    tree: etree._ElementTree | None
    records: list[list[CharRecord]] | None = None
    try:
        tree = _parse_hocr(hocr)
        found = [w for w in hocr_choices(tree.getroot()) if "".join(c for c, _, _ in w).strip()]
        if len(found) == len(read_words(tsv)):
            records = found
    except Exception:  # noqa: BLE001 - without the records the page is still read
        tree = None
    if keep_hocr:
        try:
            tree = tree if tree is not None else _parse_hocr(hocr, recover=True)
            hocr.write_bytes(word_level_hocr(tree))  # in the temp folder, moved into place after
        except Exception:  # noqa: BLE001 - tesseract's own file is delivered then
            pass
    return records


def word_level_hocr(tree: etree._ElementTree) -> bytes:
    """A character-level hOCR (``hocr_char_boxes=1``, ``lstm_choice_mode``) as tesseract writes it
    without those: each ocrx_word holding just its text."""
    words = [w for w in tree.getroot().iter("{*}span") if w.get("class") == "ocrx_word"]
    for word in words:
        if not any(child.get("class") == "ocrx_cinfo" for child in word):
            continue
        text = "".join(
            span.text or ""
            for span in word
            if span.get("class") == "ocrx_cinfo" and "x_bboxes" in (span.get("title") or "")
        )
        for child in list(word):
            word.remove(child)
        word.text = text
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def choices_json(records: Sequence[Sequence[CharRecord]]) -> str:
    """Compact JSON of character records: per word, [char, conf, [[alt, conf], ...]] per
    character, confidences to 2 decimals."""
    return json.dumps(
        [
            [
                [char, round(conf, 2), [[alt, round(c, 2)] for alt, c in alts]]
                for char, conf, alts in word
            ]
            for word in records
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def read_choices(path: Path) -> list[list[CharRecord]]:
    """The character records of a ``.choices.json`` from :func:`run_ocr`, one list per word."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        [
            (str(char), float(conf), tuple((str(alt), float(c)) for alt, c in alts))
            for char, conf, alts in word
        ]
        for word in data
    ]
