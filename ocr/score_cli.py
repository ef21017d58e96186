"""`ocr score`: compare reference and OCR files or folders (text, ALTO, PAGE, hOCR) without OCR."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ocr.exceptions import ConfigError, OcrError
from ocr.folding import BUILTIN_PROFILES, Profile, load_profiles, resolve_profiles
from ocr.formats import SourceText, pair_files, read_source
from ocr.fsutil import atomic_write_text
from ocr.report import (
    COMPACT_JSON_LINES,
    SCHEMA_VERSION,
    Comparison,
    aggregate_figures,
    compare_texts,
    comparison_page_json,
    dumps_json,
    render_document_html,
    score_json,
    scoring_json,
    write_batch_index,
)
from ocr.results import BatchScoring


@dataclass(frozen=True)
class PairResult:
    """One reference/OCR file pair compared (and where its report went, if written)."""

    name: str
    reference: SourceText
    ocr: SourceText
    comparison: Comparison
    report_path: Path | None = None


@dataclass(frozen=True)
class ScoreRun:
    """All pairs of a comparison, the files left without a partner, and the pooled figures."""

    pairs: tuple[PairResult, ...]
    unmatched: tuple[Path, ...]
    figures: BatchScoring
    index_path: Path | None = None


def score_files(
    reference: Path,
    ocr: Path,
    *,
    out_dir: Path | None = None,
    profiles: Sequence[Profile] = (BUILTIN_PROFILES["strict"], BUILTIN_PROFILES["archival"]),
) -> ScoreRun:
    """Compare two files, or two folders paired by page stem; with out_dir, write the reports.

    One pair writes out_dir/report.json and report.html; folders write out_dir/<name>/report.*
    per pair plus out_dir/index.html and out_dir/summary.json.
    """
    pairs, unmatched = pair_files(Path(reference), Path(ocr))
    single = len(pairs) == 1 and not unmatched and Path(reference).is_file()
    results = []
    for name, ref_path, ocr_path in pairs:
        result = _score_pair(name, read_source(ref_path), read_source(ocr_path), profiles)
        if out_dir is not None:
            report_dir = Path(out_dir) if single else Path(out_dir) / name
            result = _write_pair_reports(result, report_dir, profiles)
        results.append(result)
    rows = [
        (
            r.name,
            r.comparison.scores,
            str(r.report_path.with_name("report.html")) if r.report_path else None,
        )
        for r in results
    ]
    figures = aggregate_figures(rows, profiles=profiles, unit="file pair")
    run = ScoreRun(tuple(results), tuple(unmatched), figures)
    if out_dir is not None and not single:
        atomic_write_text(Path(out_dir) / "summary.json", dumps_json(run_json(run)))
        run = ScoreRun(
            run.pairs, run.unmatched, figures, write_batch_index(_index_summary(run), Path(out_dir))
        )
    return run


def _score_pair(
    name: str, reference: SourceText, ocr: SourceText, profiles: Sequence[Profile]
) -> PairResult:
    comparison = compare_texts(reference.text, ocr.text, profiles=profiles)
    return PairResult(name, reference, ocr, comparison)


def pair_report(pair: PairResult, profiles: Sequence[Profile]) -> dict[str, Any]:
    """The JSON report of one file pair: the document report's shape, one page, no images."""
    strict = pair.comparison.scores["strict"]
    return {
        "schema": SCHEMA_VERSION,
        "document": pair.name,
        "reference": _source_json(pair.reference),
        "ocr": _source_json(pair.ocr),
        "score": score_json(strict),
        "scoring": scoring_json(pair.comparison.scores, [pair.comparison], profiles=profiles),
        "pages": [
            {
                "page": 1,
                **comparison_page_json(pair.comparison),
                "differences": [
                    {"ref": s.ref_text, "ocr": s.ocr_text, "kind": s.kind} for s in strict.spans
                ],
            }
        ],
        "flags": [],
        "failures": [],
        "warnings": [*pair.reference.warnings, *pair.ocr.warnings],
    }


def _source_json(source: SourceText) -> dict[str, Any]:
    return {
        "path": str(source.path),
        "format": source.format,
        "encoding": source.encoding,
        "warnings": list(source.warnings),
    }


def _write_pair_reports(
    pair: PairResult, report_dir: Path, profiles: Sequence[Profile]
) -> PairResult:
    report = pair_report(pair, profiles)
    long = len(pair.comparison.lines) > COMPACT_JSON_LINES
    json_path = atomic_write_text(report_dir / "report.json", dumps_json(report, compact=long))
    atomic_write_text(
        report_dir / "report.html",
        render_document_html(report, html_dir=report_dir, comparisons={1: pair.comparison}),
    )
    return PairResult(pair.name, pair.reference, pair.ocr, pair.comparison, json_path)


def run_json(run: ScoreRun) -> dict[str, Any]:
    """What `ocr score --json` prints: each pair's figures, unpaired files, pooled figures."""
    return {
        "pairs": [
            {
                "name": p.name,
                "reference": _source_json(p.reference),
                "ocr": _source_json(p.ocr),
                "scores": {n: _score_row(s) for n, s in p.comparison.scores.items()},
                "report": str(p.report_path) if p.report_path else None,
            }
            for p in run.pairs
        ],
        "unmatched": [str(p) for p in run.unmatched],
        "scoring": run.figures.as_json(),
        "index": str(run.index_path) if run.index_path else None,
    }


def _score_row(score: Any) -> dict[str, Any]:
    return score_json(score) or {}


def _index_summary(run: ScoreRun) -> dict[str, Any]:
    return {
        "title": "ocr score",
        "scoring": run.figures.as_json(),
        "documents": [
            {
                "document": p.name,
                "pages": None,
                "cer": p.comparison.scores["strict"].cer,
                "wer": p.comparison.scores["strict"].wer,
                "flags": None,
                "report": str(p.report_path) if p.report_path else None,
            }
            for p in run.pairs
        ],
        "unmatched": [str(p) for p in run.unmatched],
    }


# --- the command -----------------------------------------------------------------------------


def profiles_from_config(config: Path | None) -> dict[str, Profile]:
    """Built-in profiles plus [scoring.profiles.*] of the config file (--config, $OCR_CONFIG or
    ./ocr.toml, as for the other commands)."""
    from ocr.settings import DEFAULT_CONFIG_FILE  # pydantic: imported only when needed

    path = config
    if path is None and os.environ.get("OCR_CONFIG"):
        path = Path(os.environ["OCR_CONFIG"])
    if path is None and DEFAULT_CONFIG_FILE.is_file():
        path = DEFAULT_CONFIG_FILE
    if path is None:
        return dict(BUILTIN_PROFILES)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read settings file: {e}", path=path) from e
    return load_profiles(data)


def score_command(
    reference: Annotated[
        Path,
        typer.Argument(
            metavar="REF",
            help="reference file or folder: plain text, ALTO, PAGE or hOCR "
            "(format read from content)",
        ),
    ],
    ocr: Annotated[
        Path,
        typer.Argument(
            metavar="OCR",
            help="OCR file or folder; folders pair files by name without format suffixes "
            "(.gt.txt, .alto.xml, .page.xml, .hocr, .txt, .xml)",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="write report.json and report.html here (folders: one subfolder per "
            "pair, plus index.html and summary.json)",
        ),
    ] = None,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="NAME",
            help="folding profile shown beside strict (repeatable; default archival; define "
            "more as scoring.profiles.NAME tables in the config file)",
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="print the figures as JSON instead of a table")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="TOML file with scoring.profiles.NAME tables (default: $OCR_CONFIG or ./ocr.toml)",
        ),
    ] = None,
) -> None:
    """Compare reference and OCR text without running OCR: CER/WER (dinglehopper-exact) strict
    and folded, with a bootstrap interval over file pairs."""
    try:
        profiles = resolve_profiles(profile or ["archival"], profiles_from_config(config))
        run = score_files(reference, ocr, out_dir=out, profiles=profiles)
    except OcrError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(int(e.exit_code)) from e
    if json_output:
        typer.echo(dumps_json(run_json(run)), nl=False)
    else:
        print_run(run, [p.name for p in profiles])
    for path in run.unmatched:
        typer.echo(f"warning: {path} has no partner file; not scored", err=True)


def print_run(run: ScoreRun, names: Sequence[str]) -> None:
    """A table: one row per pair, then the pooled (character-weighted) figures with intervals."""
    width = max([len(p.name) for p in run.pairs] + [24])
    header = "".join(f"{'CER ' + n:>16}" for n in names) + "".join(
        f"{'WER ' + n:>16}" for n in names
    )
    typer.echo(f"{'pair':<{width}}{header}{'chars':>9}")
    for p in run.pairs:
        s = p.comparison.scores
        typer.echo(
            f"{p.name:<{width}}"
            + "".join(f"{_fmt(s[n].cer):>16}" for n in names)
            + "".join(f"{_fmt(s[n].wer):>16}" for n in names)
            + f"{s['strict'].char_total:>9}"
        )
    for n in names:
        f = run.figures.figures[n]
        ci = f.cer_interval
        interval = f" (95% CI {_fmt(ci[0])} - {_fmt(ci[1])} over pairs)" if ci else ""
        typer.echo(
            f"total {n}: CER {_fmt(f.cer)}{interval}, WER {_fmt(f.wer)} "
            f"({f.char_errors}/{f.char_total} characters)"
        )
    for p in run.pairs:
        if p.report_path:
            typer.echo(f"report: {p.report_path.with_name('report.html')}")
    if run.index_path:
        typer.echo(f"index: {run.index_path}")


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if value in ("Infinity", float("inf")):
        return "inf"
    return f"{float(value):.2%}"
