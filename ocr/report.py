"""Document, file-pair and batch reports: JSON (docs/report-schema.md) and self-contained HTML."""

from __future__ import annotations

import functools
import json
import math
import os
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, Undefined

from ocr import __version__
from ocr.folding import ARCHIVAL, STRICT, Profile, fold
from ocr.fsutil import atomic_write_text
from ocr.records import Box
from ocr.report_records import DocumentReport, PageReport, ReferenceReport
from ocr.results import BatchScoring, JsonNumber, ProfileFigures, ScoredText
from ocr.score import (
    CHAR_CLASSES,
    CharAlignment,
    ClassCounts,
    TextScore,
    align_characters,
    bootstrap_interval,
    class_counts,
    cluster_counts,
    confusion_counts,
    line_segments,
    normalise,
    reference_line_bounds,
    score_aligned,
    score_counts,
    split_grapheme_clusters,
    spread,
)
from ocr.timing import CpuMark, add_seconds, cpu_json, rounded

if TYPE_CHECKING:
    from ocr.flag import Flag
    from ocr.results import DocumentResult, RecognisedPage
    from ocr.score import PageScore

SCHEMA_VERSION = 2
DEFAULT_PROFILES: tuple[Profile, ...] = (STRICT, ARCHIVAL)
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20240611
CONFIDENCE_LEVEL = 0.95
TOP_CONFUSIONS = 40
LINE_SEPARATORS = frozenset({"\n", "\f"})
COMPACT_JSON_LINES = 2000  # reports with more lines are written without indentation
READABLE_DEPTH = 4  # JSON nesting levels written indented

LineBox = tuple[Box, int]  # the union of a line's word boxes, and its tesseract block number


@dataclass(frozen=True)
class LineScore:
    """One OCR line against the reference text aligned to it, with (errors, total) per profile.

    `breaks` is (reference, OCR) text at the line break that ends the line: the OCR's line break
    and the reference cluster aligned with it ("" if none; both "" on the last line). The strict
    counts include a differing break, so the lines of a page add up to the page.
    """

    number: int
    reference: str
    ocr: str
    counts: Mapping[str, tuple[int, int]]
    box: Box | None = None
    block: int | None = None
    breaks: tuple[str, str] = ("", "")
    segments: tuple[tuple[str, str, str], ...] = ()  # (tag, reference, OCR) runs, for display


@dataclass(frozen=True)
class Comparison:
    """One page (or file pair) compared: scores per profile, char classes, confusions, lines."""

    scores: Mapping[str, TextScore]
    classes: Mapping[str, ClassCounts]
    confusions: tuple[tuple[str, str, int], ...]
    lines: tuple[LineScore, ...]


# --- comparing -------------------------------------------------------------------------------


def compare_texts(
    reference: str,
    ocr: str,
    *,
    profiles: Sequence[Profile] = DEFAULT_PROFILES,
    strict: TextScore | None = None,
    line_boxes: Sequence[LineBox] | None = None,
) -> Comparison:
    """Score a pair under every profile, align it by character and cut it into OCR lines.

    `strict` is the pair's score if already known (else computed, with its word diff spans);
    `line_boxes` (one per OCR line) attach image boxes and blocks to the lines.
    """
    ref, hyp = normalise(reference), normalise(ocr)
    if strict is None:
        strict, alignment = score_aligned(ref, hyp)
    else:
        alignment = align_characters(ref, hyp)
    scores = {STRICT.name: strict}
    for profile in profiles:
        if profile.name not in scores:
            scores[profile.name] = score_counts(fold(ref, profile), fold(hyp, profile))
    lines = _line_scores(alignment, profiles, line_boxes)
    return Comparison(
        scores, class_counts(alignment), tuple(confusion_counts(alignment)), tuple(lines)
    )


def _line_scores(
    alignment: CharAlignment, profiles: Sequence[Profile], line_boxes: Sequence[LineBox] | None
) -> list[LineScore]:
    bounds = reference_line_bounds(alignment, separators=LINE_SEPARATORS)
    ranges = _line_ranges(alignment.compared)
    boxes = line_boxes if line_boxes is not None and len(line_boxes) == len(ranges) else None
    ref, hyp = alignment.reference, alignment.compared
    lines = []
    op = 0
    for k, ((a, b, e), (c, d)) in enumerate(zip(bounds, ranges, strict=True)):
        segments, errors, op = line_segments(alignment, (a, b), (c, d), start=op)
        breaks = ("".join(ref[b:e]), hyp[d] if d < len(hyp) else "")
        counts = {STRICT.name: (errors + (breaks[0] != breaks[1]), e - a)}
        ref_text, ocr_text = "".join(ref[a:b]), "".join(hyp[c:d])
        for profile in profiles:
            if profile.name not in counts:
                counts[profile.name] = _folded_counts(ref_text, ocr_text, profile)
        box, block = boxes[k] if boxes else (None, None)
        lines.append(
            LineScore(k + 1, ref_text, ocr_text, counts, box, block, breaks, tuple(segments))
        )
    return lines


def _folded_counts(reference: str, ocr: str, profile: Profile) -> tuple[int, int]:
    ref, hyp = fold(reference, profile), fold(ocr, profile)
    ref_clusters = split_grapheme_clusters(ref)
    if ref == hyp:
        return 0, len(ref_clusters)
    return cluster_counts(ref_clusters, split_grapheme_clusters(hyp))


def _line_ranges(clusters: Sequence[str]) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for index, cluster in enumerate(clusters):
        if cluster in LINE_SEPARATORS:
            ranges.append((start, index))
            start = index + 1
    ranges.append((start, len(clusters)))
    return ranges


def page_line_boxes(page: RecognisedPage, ocr_text: str) -> list[LineBox] | None:
    """Box and block of each OCR line of a page (None if the TSV no longer matches the text)."""
    from ocr.tesseract import read_words

    try:
        words = read_words(page.ocr.tsv)
    except OSError:
        return None
    groups = [list(g) for _, g in groupby(words, key=lambda w: w.line_key)]
    if [normalise(" ".join(w.text for w in g)) for g in groups] != ocr_text.split("\n"):
        return None
    return [(Box.union_all([w.box for w in g]), g[0].block) for g in groups]


# --- JSON helpers ----------------------------------------------------------------------------


def _num(value: float | None) -> float | str | None:
    """JSON-safe number: inf becomes the string 'Infinity' (strict JSON has no infinities)."""
    if value is None:
        return None
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        return "NaN"
    return round(value, 6)


def from_json_number(value: Any) -> float | None:
    """The inverse of the JSON-safe number: 'Infinity' back to inf."""
    if value is None:
        return None
    return (
        {"Infinity": math.inf, "-Infinity": -math.inf, "NaN": math.nan}[value]
        if isinstance(value, str)
        else float(value)
    )


def format_rate(value: Any, *, none: str = "-", inf: str = "inf") -> str:
    """A rate (or its JSON form) as a percentage for people."""
    number = from_json_number(value)
    if number is None:
        return none
    return inf if math.isinf(number) else f"{number:.2%}"


def score_json(score: TextScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "cer": _num(score.cer),
        "wer": _num(score.wer),
        "char_errors": score.char_errors,
        "char_total": score.char_total,
        "word_errors": score.word_errors,
        "word_total": score.word_total,
    }


def _counts_json(errors: int, total: int) -> dict[str, Any]:
    from ocr.score import error_rate

    return {"cer": _num(error_rate(errors, total)), "char_errors": errors, "char_total": total}


def _class_json(counts: ClassCounts) -> dict[str, Any]:
    return {
        **asdict(counts),
        "errors": counts.errors,
        "error_rate": _num(counts.error_rate),
        "accuracy": _num(counts.accuracy),
    }


def _confusions_json(confusions: Sequence[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"reference": r, "ocr": o, "count": n} for r, o, n in confusions[:TOP_CONFUSIONS]]


def dumps_json(data: Any, *, compact: bool = False) -> str:
    """Strict JSON (no NaN/Infinity tokens: non-finite floats become strings), UTF-8 as is.

    Objects and lists are indented down to READABLE_DEPTH levels (a report's pages, then one
    line per flag, text line or block); deeper values are written compactly by the C encoder,
    which is several times faster than indenting everything. `compact` writes one line.
    """
    try:
        body = _dumps(data, 0 if compact else READABLE_DEPTH, "\n")
    except ValueError:  # a bare inf or nan somewhere: write it as a string
        body = _dumps(_json_safe(data), 0 if compact else READABLE_DEPTH, "\n")
    return body + "\n"


def _dumps(value: Any, depth: int, newline: str) -> str:
    if depth <= 0 or not value or not isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    inner = newline + "  "
    if isinstance(value, Mapping):
        items = [
            f"{json.dumps(str(k), ensure_ascii=False)}: {_dumps(v, depth - 1, inner)}"
            for k, v in value.items()
        ]
        return "{" + inner + ("," + inner).join(items) + newline + "}"
    items = [_dumps(v, depth - 1, inner) for v in value]
    return "[" + inner + ("," + inner).join(items) + newline + "]"


def _is_long(report: Mapping[str, Any]) -> bool:
    return sum(len(page.get("lines", ())) for page in report.get("pages", ())) > COMPACT_JSON_LINES


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return _num(value)
    if isinstance(value, Mapping):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


# --- scoring section (shared by document and file-pair reports) -------------------------------


def scoring_json(
    scores: Mapping[str, TextScore],
    comparisons: Sequence[Comparison],
    *,
    profiles: Sequence[Profile],
    flags: Sequence[Flag] = (),
) -> dict[str, Any]:
    """Scores per profile, a bootstrap interval over lines, classes, confusions, review counts."""
    lines = [line for c in comparisons for line in c.lines]
    classes = _sum_classes([c.classes for c in comparisons])
    confusions: Counter[tuple[str, str]] = Counter()
    for c in comparisons:
        confusions.update({(r, o): n for r, o, n in c.confusions})
    top = sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "profiles": [p.as_json() for p in profiles],
        "scores": {name: score_json(score) for name, score in scores.items()},
        "interval": _interval_json(lines, [p.name for p in profiles], unit="line"),
        "classes": {name: _class_json(counts) for name, counts in classes.items()},
        "confusions": _confusions_json([(r, o, n) for (r, o), n in top]),
        "review": _review_counts(flags),
    }


def _interval_json(
    lines: Sequence[LineScore], names: Sequence[str], *, unit: str
) -> dict[str, Any]:
    cer = {}
    for name in names:
        errors = [line.counts[name][0] for line in lines]
        totals = [line.counts[name][1] for line in lines]
        cer[name] = _interval(errors, totals)
    return {
        "unit": unit,
        "units": len(lines),
        "resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
        "level": CONFIDENCE_LEVEL,
        "cer": cer,
    }


def _interval(errors: Sequence[int], totals: Sequence[int]) -> list[float | str | None] | None:
    found = bootstrap_interval(
        errors, totals, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED, level=CONFIDENCE_LEVEL
    )
    return [_num(found[0]), _num(found[1])] if found else None


def _pair(errors: Sequence[int], totals: Sequence[int]) -> tuple[JsonNumber, JsonNumber] | None:
    found = _interval(errors, totals)
    return (found[0], found[1]) if found else None


def _sum_classes(per_page: Sequence[Mapping[str, ClassCounts]]) -> dict[str, ClassCounts]:
    out = {}
    for name in CHAR_CLASSES:
        rows = [asdict(p[name]) for p in per_page if name in p]
        out[name] = ClassCounts(**{k: sum(r[k] for r in rows) for k in asdict(ClassCounts())})
    return out


def _review_counts(flags: Sequence[Flag]) -> dict[str, Any]:
    """How many review items of each kind (ocr.flag.KIND_LABELS) the document has."""
    kinds = Counter(f.kind for f in flags)
    return {
        "possible_reference_errors": kinds["reference_error"],
        "possible_ocr_errors": kinds["ocr_error"],
        "low_confidence": kinds["low_confidence"],
        "items": len(flags),
        "by_kind": {f.label: n for f, n in _first_of_kind(flags, kinds)},
    }


def _first_of_kind(flags: Sequence[Flag], kinds: Counter[str]) -> list[tuple[Flag, int]]:
    seen: dict[str, Flag] = {}
    for f in flags:
        seen.setdefault(f.kind, f)
    return [(seen[k], n) for k, n in kinds.most_common()]


def comparison_page_json(
    comparison: Comparison, *, flags: Sequence[tuple[int, Flag]] = ()
) -> dict[str, Any]:
    """The scoring part of one page: scores, classes, confusions, lines and blocks."""
    return {
        "scores": {name: score_json(s) for name, s in comparison.scores.items()},
        "classes": {name: _class_json(c) for name, c in comparison.classes.items()},
        "confusions": _confusions_json(comparison.confusions),
        "lines": [_line_json(line, flags) for line in comparison.lines],
        "blocks": _blocks_json(comparison.lines),
    }


def _line_json(line: LineScore, flags: Sequence[tuple[int, Flag]]) -> dict[str, Any]:
    return {
        "line": line.number,
        "block": line.block,
        "box": line.box.as_list() if line.box else None,
        "reference": line.reference,
        "ocr": line.ocr,
        "line_end": {"reference": line.breaks[0], "ocr": line.breaks[1]},
        "scores": {name: _counts_json(*counts) for name, counts in line.counts.items()},
        "flags": [index for index, flag in flags if line.box and _overlaps(flag.box, line.box)],
    }


def _overlaps(flag: Box, line: Box) -> bool:
    """The flag box lies mostly within the line's rows and touches its columns."""
    rows = min(flag.bottom, line.bottom) - max(flag.top, line.top)
    cols = min(flag.right, line.right) - max(flag.left, line.left)
    return cols > 0 and rows > 0.5 * min(flag.height, line.height)


def _blocks_json(lines: Sequence[LineScore]) -> list[dict[str, Any]]:
    blocks = []
    with_block = [line for line in lines if line.block is not None]
    for block, members in groupby(with_block, key=lambda line: line.block):
        group = list(members)
        counts = {
            name: tuple(sum(line.counts[name][k] for line in group) for k in (0, 1))
            for name in group[0].counts
        }
        blocks.append(
            {
                "block": block,
                "lines": [group[0].number, group[-1].number],
                "box": Box.union_all([line.box for line in group if line.box]).as_list(),
                "scores": {name: _counts_json(*c) for name, c in counts.items()},
            }
        )
    return blocks


# --- document reports (pipeline) -------------------------------------------------------------


def write_document_reports(
    result: DocumentResult, *, profiles: Sequence[Profile] = DEFAULT_PROFILES
) -> None:
    """Write report.html and report.json for a finished document (each atomically); the
    JSON's seconds.reports is the time of both up to writing the JSON itself (its
    cpu_seconds.finish counts their CPU likewise)."""
    start, mark = time.perf_counter(), CpuMark.now()
    comparisons = page_comparisons(result, profiles=profiles)
    report = document_report(result, profiles=profiles, comparisons=comparisons)
    html_path = result.report_path.with_name("report.html")
    atomic_write_text(
        html_path, render_document_html(report, html_dir=html_path.parent, comparisons=comparisons)
    )
    report["seconds"] = document_seconds(result, reports=time.perf_counter() - start)
    report["cpu_seconds"] = document_cpu(result, reports=mark.since().python)
    atomic_write_text(result.report_path, dumps_json(report, compact=_is_long(report)))


def document_seconds(result: DocumentResult, *, reports: float | None = None) -> dict[str, float]:
    """Seconds per stage of one document: its pages' stages summed over its pages, then the
    document-level ones (ocr.timing.DOCUMENT_STAGES), and their total."""
    stages = add_seconds(
        *({**p.prepared.seconds, **p.seconds} for p in result.pages), result.seconds
    )
    if reports is not None:
        stages["reports"] = reports
    stages = rounded(stages)
    return stages | {"total": round(sum(stages.values()), 3)}


def document_report(
    result: DocumentResult,
    *,
    profiles: Sequence[Profile] = DEFAULT_PROFILES,
    comparisons: Mapping[int, Comparison] | None = None,
) -> dict[str, Any]:
    """The JSON report of one document (schema: docs/report-schema.md)."""
    if comparisons is None:
        comparisons = page_comparisons(result, profiles=profiles)
    indexed = list(enumerate(result.flags))
    ref = result.reference
    return DocumentReport(
        schema=SCHEMA_VERSION,
        archival_ocr=__version__,
        document=result.scan.document,
        source=str(result.scan.path),
        source_sha256=result.scan.sha256,
        page_count=result.scan.page_count,
        languages=result.languages,
        reference=(
            ReferenceReport(str(ref.path), ref.encoding, "text", list(ref.warnings))
            if ref
            else None
        ),
        score=score_json(result.score),
        scoring=_document_scoring(result, comparisons, profiles),
        pages=[
            _page_report(
                p,
                result.page_scores,
                comparisons.get(p.job.page_number),
                [(i, f) for i, f in indexed if f.page_number == p.job.page_number],
            )
            for p in result.pages
        ],
        flags=[f.as_json() for f in result.flags],
        failures=[asdict(f) | {"source": str(f.source)} for f in result.failures],
        warnings=list(result.warnings),
        text=str(result.text_path),
        correction=result.correction.as_json() if result.correction else None,
        seconds=document_seconds(result),
        cpu_seconds=document_cpu(result),
    ).as_json()


def document_cpu(result: DocumentResult, *, reports: float = 0.0) -> dict[str, float] | None:
    """CPU seconds of one document: its pages' in their workers (python, tesseract), summed,
    its finishing in the main process (plus ``reports``), and their total; None when a page's
    were not measured."""
    finish = None if result.cpu is None else result.cpu.python + reports
    return cpu_json([p.cpu for p in result.pages], finish)


def page_comparisons(
    result: DocumentResult, *, profiles: Sequence[Profile] = DEFAULT_PROFILES
) -> dict[int, Comparison]:
    """A Comparison per scored page, with the OCR lines' boxes."""
    pages = {p.job.page_number: p for p in result.pages}
    out = {}
    for ps in result.page_scores:
        page = pages.get(ps.page_number)
        boxes = page_line_boxes(page, ps.ocr) if page is not None else None
        out[ps.page_number] = compare_texts(
            ps.reference, ps.ocr, profiles=profiles, strict=ps.score, line_boxes=boxes
        )
    return out


def document_scores(
    result: DocumentResult, *, profiles: Sequence[Profile] = DEFAULT_PROFILES
) -> dict[str, TextScore]:
    """The whole document's score under each profile (strict is result.score)."""
    if result.score is None:
        return {}
    ref = "\n".join(ps.reference for ps in result.page_scores)
    ocr = "\n".join(ps.ocr for ps in result.page_scores)
    scores = {STRICT.name: result.score}
    for profile in profiles:
        if profile.name not in scores:
            scores[profile.name] = score_counts(fold(ref, profile), fold(ocr, profile))
    return scores


def _document_scoring(
    result: DocumentResult, comparisons: Mapping[int, Comparison], profiles: Sequence[Profile]
) -> dict[str, Any] | None:
    if result.score is None:
        return None
    scores = document_scores(result, profiles=profiles)
    return scoring_json(
        scores, [comparisons[n] for n in sorted(comparisons)], profiles=profiles, flags=result.flags
    )


def _page_report(
    page: RecognisedPage,
    page_scores: Sequence[PageScore],
    comparison: Comparison | None,
    flags: list[tuple[int, Flag]],
) -> PageReport:
    ps = next((s for s in page_scores if s.page_number == page.job.page_number), None)
    return PageReport(
        page=page.job.page_number,
        image_sha256=page.prepared.image_sha256,
        size=[page.prepared.rows, page.prepared.cols],
        dpi=page.prepared.dpi,
        skew_degrees=round(page.prepared.skew_degrees, 3),
        geometry=page.prepared.geometry.as_json(),
        mean_confidence=_num(page.mean_confidence),
        words=page.word_count,
        score=score_json(ps.score) if ps else None,
        differences=[
            {"ref": s.ref_text, "ocr": s.ocr_text, "kind": s.kind}
            for s in (ps.score.spans if ps else [])
        ],
        outputs=page_outputs(page),
        steps=[asdict(s) for s in page.steps],
        provenance=page_provenance(page),
        warnings=[w.as_json() for w in page.warnings],
        seconds={k: round(v, 3) for k, v in {**page.prepared.seconds, **page.seconds}.items()},
        cpu_seconds=page.cpu.as_json() if page.cpu is not None else None,
        flags=[index for index, _ in flags],
        scored=comparison_page_json(comparison, flags=flags) if comparison is not None else {},
    )


def page_outputs(page: RecognisedPage) -> dict[str, str]:
    out = {fmt: str(p) for fmt, p in page.ocr.outputs.items()}
    out["view"], out["ocr_input"] = str(page.prepared.view_path), str(page.prepared.ocr_input_path)
    if page.page_xml:
        out["page"] = str(page.page_xml)
    return out


def page_provenance(page: RecognisedPage) -> dict[str, Any]:
    """What made the page's text: versions, settings, the reading kept (ocr.readings) and why,
    and how many times tesseract ran (readings and stamp crops)."""
    out = {
        "tesseract": page.ocr.tesseract_version,
        "traineddata": page.ocr.traineddata,
        "languages": page.ocr.languages,
        "psm": page.ocr.psm,
        "oem": page.ocr.oem,
        "archival-ocr": __version__,
        "tesseract_calls": page.tesseract_calls,
    }
    if page.choice is not None:
        out |= {"reading": page.choice.kept, "readings": page.choice.as_json()}
    return out


# --- batch figures ---------------------------------------------------------------------------


def batch_figures(
    documents: Sequence[DocumentResult], *, profiles: Sequence[Profile] = DEFAULT_PROFILES
) -> dict[str, Any]:
    """Batch figures to merge into the batch summary's JSON: {"scoring": {...}} (see the schema
    doc) and the empty pages."""
    return {
        "scoring": batch_scoring(documents, profiles=profiles).as_json(),
        **empty_page_figures(documents),
    }


def batch_scoring(
    documents: Sequence[DocumentResult], *, profiles: Sequence[Profile] = DEFAULT_PROFILES
) -> BatchScoring:
    """Character-weighted (micro) CER/WER per profile, a bootstrap interval resampling documents,
    and the spread (min/median/max) of the per-document figures."""
    rows = []
    for d in documents:
        scores = document_scores(d, profiles=profiles)
        if scores:
            html = d.report_path.with_name("report.html")
            rows.append((d.scan.document, scores, str(html)))
    return aggregate_figures(rows, profiles=profiles, unit="document")


def empty_page_figures(documents: Sequence[DocumentResult]) -> dict[str, Any]:
    """Pages with ink on which (almost) no text was read: their count and which they are."""
    from ocr.page_checks import NO_TEXT_ON_INK

    pages = [
        {"document": d.scan.document, "page": p.job.page_number, "message": w.message}
        for d in documents
        for p in d.pages
        for w in p.warnings
        if w.kind == NO_TEXT_ON_INK
    ]
    return {"empty_pages": len(pages), "empty_page_list": pages}


def aggregate_figures(
    rows: Sequence[tuple[str, Mapping[str, TextScore], str | None]],
    *,
    profiles: Sequence[Profile],
    unit: str,
) -> BatchScoring:
    """Micro means, bootstrap intervals over the rows and spreads, per profile."""
    figures = {}
    for profile in profiles:
        scores = [scores[profile.name] for _, scores, _ in rows]
        figures[profile.name] = _profile_figures(scores)
    return BatchScoring(
        unit=unit,
        units=len(rows),
        resamples=BOOTSTRAP_RESAMPLES,
        seed=BOOTSTRAP_SEED,
        level=CONFIDENCE_LEVEL,
        profiles=tuple(p.as_json() for p in profiles),
        figures=figures,
        documents=tuple(
            ScoredText(name, html, {p.name: score_json(scores[p.name]) for p in profiles})
            for name, scores, html in rows
        ),
    )


def _profile_figures(scores: Sequence[TextScore]) -> ProfileFigures:
    from ocr.score import error_rate

    sums = {
        k: sum(getattr(s, k) for s in scores)
        for k in ("char_errors", "char_total", "word_errors", "word_total")
    }
    cer_spread = spread(s.cer for s in scores)
    wer_spread = spread(s.wer for s in scores)
    return ProfileFigures(
        cer=_num(error_rate(sums["char_errors"], sums["char_total"])) if scores else None,
        wer=_num(error_rate(sums["word_errors"], sums["word_total"])) if scores else None,
        char_errors=sums["char_errors"],
        char_total=sums["char_total"],
        word_errors=sums["word_errors"],
        word_total=sums["word_total"],
        cer_interval=_pair([s.char_errors for s in scores], [s.char_total for s in scores]),
        wer_interval=_pair([s.word_errors for s in scores], [s.word_total for s in scores]),
        cer_spread={k: _num(v) for k, v in cer_spread.items()} if cer_spread else None,
        wer_spread={k: _num(v) for k, v in wer_spread.items()} if wer_spread else None,
    )


def write_batch_index(summary: Mapping[str, Any], output_dir: Path) -> Path:
    """Write index.html in output_dir: every document report linked, batch CER/WER and intervals."""
    path = Path(output_dir) / "index.html"
    atomic_write_text(path, render_index_html(summary, html_dir=path.parent))
    return path


# --- HTML ------------------------------------------------------------------------------------

STRIP_WIDTH = 1100  # px: on-screen width of a whole page row, so every line keeps one scale
STRIP_PAD = 6  # px of the scan around a line's box


def render_document_html(
    report: Mapping[str, Any],
    *,
    html_dir: Path,
    comparisons: Mapping[int, Comparison] | None = None,
) -> str:
    """A self-contained HTML page of a document (or file-pair) report; links are relative.

    `comparisons` (by page number) supply each line's differences; without them they are
    recomputed from the report's line texts.
    """
    comparisons = comparisons or {}
    context = {
        "report": report,
        "scoring": report.get("scoring"),
        "pages": [
            _page_view(page, html_dir, comparisons.get(page["page"]))
            for page in report.get("pages", [])
        ],
        "flags": [
            _flag_view(index, flag, html_dir) for index, flag in enumerate(report.get("flags", []))
        ],
        "classes": CHAR_CLASSES,
        "version": __version__,
    }
    return _environment().get_template("report.html.j2").render(**context)


def render_index_html(summary: Mapping[str, Any], *, html_dir: Path) -> str:
    """The batch index: one row per document with links, then the batch figures."""
    scoring = summary.get("scoring") or {}
    by_name = {d["document"]: d for d in scoring.get("documents", [])}
    documents = []
    for d in summary.get("documents", []):
        report = Path(d["report"]) if d.get("report") else None
        documents.append(
            {
                **d,
                "scores": by_name.get(d["document"], {}).get("scores", {}),
                "html_url": _relative_url(report.with_name("report.html"), html_dir)
                if report
                else None,
                "json_url": _relative_url(report, html_dir) if report else None,
                "pdf_url": _relative_url(d.get("pdf"), html_dir),
                "mets_url": _relative_url(d.get("mets"), html_dir),
            }
        )
    return (
        _environment()
        .get_template("index.html.j2")
        .render(summary=summary, scoring=scoring, documents=documents, version=__version__)
    )


def _page_view(
    page: Mapping[str, Any], html_dir: Path, comparison: Comparison | None
) -> dict[str, Any]:
    from ocr.score import diff_segments

    view_url = _relative_url((page.get("outputs") or {}).get("view"), html_dir)
    known = (
        comparison.lines
        if comparison and len(comparison.lines) == len(page.get("lines", ()))
        else None
    )
    lines = [
        {
            **line,
            "strip": _strip(line.get("box"), page.get("size"), view_url),
            "segments": known[k].segments
            if known
            else diff_segments(line["reference"], line["ocr"]),
        }
        for k, line in enumerate(page.get("lines", []))
    ]
    return {**page, "view_url": view_url, "lines": lines}


def _flag_view(index: int, flag: Mapping[str, Any], html_dir: Path) -> dict[str, Any]:
    return {**flag, "index": index, "crop_url": _relative_url(flag.get("crop"), html_dir)}


def _strip(
    box: Sequence[int] | None, size: Sequence[int] | None, url: str | None
) -> dict[str, Any] | None:
    """CSS numbers that show a line's box of the view image (no image file per line)."""
    if not box or not size or not url:
        return None
    rows, cols = size
    left, top = max(0, box[0] - STRIP_PAD), max(0, box[1] - STRIP_PAD)
    right, bottom = min(cols, box[0] + box[2] + STRIP_PAD), min(rows, box[1] + box[3] + STRIP_PAD)
    scale = min(1.0, STRIP_WIDTH / max(1, cols))
    return {
        "url": url,
        "width": round((right - left) * scale),
        "height": round((bottom - top) * scale),
        "x": round(left * scale),
        "y": round(top * scale),
        "image_width": round(cols * scale),
        "image_height": round(rows * scale),
    }


def _relative_url(path: str | Path | None, html_dir: Path) -> str | None:
    """A relative, percent-encoded link from html_dir to path."""
    if not path:
        return None
    try:
        rel = os.path.relpath(Path(path).resolve(), Path(html_dir).resolve())
    except ValueError:  # another drive (Windows): no relative link exists
        return None
    return quote(Path(rel).as_posix())


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, visible=_visible)
    return env


def _pct(value: Any, digits: int = 2) -> str:
    """A rate as a percentage; '–' for none, '∞' for an empty reference with errors."""
    if value is None or value == "" or isinstance(value, Undefined):
        return "–"
    if value in ("Infinity", math.inf):
        return "∞"
    return f"{float(value) * 100:.{digits}f} %"


_VISIBLE = str.maketrans({" ": "␣", "\n": "⏎", "\t": "⇥", "\f": "␌", "\u00a0": "⍽"})


def _visible(text: str) -> str:
    """Whitespace shown as symbols, the empty string as ∅ (in differences and confusions)."""
    return text.translate(_VISIBLE) if text else "∅"
