"""The `ocr` command; library exceptions become exit codes here and only here."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ocr.exceptions import ExitCode, OcrError
from ocr.report import format_rate
from ocr.score_cli import score_command
from ocr.settings import Settings, load_settings, settings_as_toml
from ocr.synth.cli import synth_command

app = typer.Typer(help="OCR and transcription correction for archival typewritten Cyrillic scans.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="settings TOML file")]
LangOpt = Annotated[str | None, typer.Option("--lang", "-l", help="tesseract languages, e.g. rus+eng")]
DpiOpt = Annotated[int | None, typer.Option(help="PDF rendering dpi")]
PsmOpt = Annotated[int | None, typer.Option(help="tesseract page segmentation mode")]
OemOpt = Annotated[int | None, typer.Option(help="tesseract engine mode")]
WorkersOpt = Annotated[int | None, typer.Option("--workers", "-j", help="pages in parallel")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="output folder")]
DbOpt = Annotated[str | None, typer.Option("--db", help="SQLAlchemy database URL")]
GtOpt = Annotated[Path | None, typer.Option("--gt", help="folder of reference transcriptions")]
ScansArg = Annotated[list[Path], typer.Argument(help="scan files or folders (PDF, TIFF, PNG, JPEG)")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _settings(config: Path | None, **overrides: Any) -> Settings:
    mapping = {"lang": "languages", "out": "output_dir", "db": "database_url"}
    return load_settings(config, **{mapping.get(k, k): v for k, v in overrides.items()})


def _guard(fn: Any) -> Any:
    """Turn library errors into a one-line message and the error's exit code."""
    try:
        return fn()
    except OcrError as e:
        _err(f"error: {e}")
        raise typer.Exit(int(e.exit_code)) from e


def _fmt(value: Any) -> str:
    return format_rate(value)


def print_summary(summary: dict[str, Any]) -> None:
    """The batch summary on stdout: CER/WER per document and where the outputs are."""
    typer.echo(f"{'document':<40} {'pages':>5} {'CER':>8} {'WER':>8} {'flags':>5}  report")
    for d in summary["documents"]:
        typer.echo(f"{d['document']:<40} {d['pages']:>5} {_fmt(d['cer']):>8} {_fmt(d['wer']):>8} "
                   f"{d['flags']:>5}  {d['report']}")
    typer.echo(f"batch: {summary['pages_done']} pages done, {summary['pages_failed']} failed, "
               f"CER {_fmt(summary['cer'])}, WER {_fmt(summary['wer'])} "
               f"(character-weighted), {summary['seconds']:.1f} s")
    if stages := summary.get("stage_seconds"):
        typer.echo("  seconds per stage (summed over workers): "
                   + ", ".join(f"{k} {v:.1f}" for k, v in stages.items()))
    figures = (summary.get("scoring") or {}).get("figures", {})
    for name, fig in figures.items():
        ci = fig.get("cer_interval")
        typer.echo(f"  {name:>9}: CER {_fmt(fig['cer'])}"
                   + (f" (95% CI {_fmt(ci[0])}-{_fmt(ci[1])})" if ci else "")
                   + f", WER {_fmt(fig['wer'])}")
    for e in summary.get("empty_page_list", []):
        typer.echo(f"warning: {e['message']}")
    if summary.get("empty_pages"):
        typer.echo(f"pages with ink but no text recognised: {summary['empty_pages']}")
    for f in summary["failures"]:
        typer.echo(f"failed: [{f['kind']}] {f['message']}")


@app.command()
def run(scans: ScansArg, gt: GtOpt = None, out: OutOpt = None, config: ConfigOpt = None,
        lang: LangOpt = None, dpi: DpiOpt = None, psm: PsmOpt = None, oem: OemOpt = None,
        workers: WorkersOpt = None, db: DbOpt = None) -> None:
    """Run the pipeline on scans directly (no Prefect): OCR, score against --gt, flag, store."""
    from ocr.batch import exit_code, run_batch

    settings = _guard(lambda: _settings(config, lang=lang, dpi=dpi, psm=psm, oem=oem,
                                        workers=workers, out=out, db=db))
    result = _guard(lambda: run_batch(scans, gt_dir=gt, settings=settings, progress=_err))
    print_summary(result.summary)
    typer.echo(f"outputs: {settings.output_dir} (index: {settings.output_dir / 'index.html'})  "
               f"database: {settings.db_url}")
    if code := exit_code(result.summary["failures"]):
        raise typer.Exit(code)


@app.command()
def flow(scans: ScansArg, gt: GtOpt = None, out: OutOpt = None, config: ConfigOpt = None,
         lang: LangOpt = None, dpi: DpiOpt = None, psm: PsmOpt = None, oem: OemOpt = None,
         workers: WorkersOpt = None, db: DbOpt = None,
         only_new: Annotated[bool, typer.Option(
             "--only-new", help="skip scans already processed with the same settings")] = False,
         task_runner: Annotated[str, typer.Option(
             help="threads (one tesseract per worker) or dask")] = "threads",
         dask_address: Annotated[str | None, typer.Option(
             help="scheduler of an existing Dask cluster, e.g. tcp://host:8786")] = None,
         review_url: Annotated[str | None, typer.Option(
             help="base URL of the review app, linked from the run's artifacts")] = None) -> None:
    """Run the same batch through the Prefect flow `ocr_batch` (a temporary local server unless
    PREFECT_API_URL points at one)."""
    settings = _guard(lambda: _settings(config, lang=lang, dpi=dpi, psm=psm, oem=oem,
                                        workers=workers, out=out, db=db))
    from flows.batch import run_flow
    from ocr.batch import check_inputs, exit_code

    # Before Prefect starts (half a minute for a temporary server): a typo fails at once.
    _guard(lambda: check_inputs(scans, gt_dir=gt, settings=settings, only_new=only_new))

    summary = _guard(lambda: run_flow(
        [str(s) for s in scans], ground_truth=str(gt) if gt else None, settings=settings,
        only_new=only_new, task_runner=task_runner, dask_address=dask_address,
        review_url=review_url))
    print_summary(summary)
    if summary.get("skipped"):
        typer.echo(f"skipped (already processed): {', '.join(summary['skipped'])}")
    typer.echo(f"outputs: {settings.output_dir}  database: {settings.db_url}")
    if code := exit_code(summary["failures"]):
        raise typer.Exit(code)


@app.command()
def serve(inbox: Annotated[Path, typer.Argument(help="folder watched for new scans")],
          gt: GtOpt = None, out: OutOpt = None, config: ConfigOpt = None,
          cron: Annotated[str, typer.Option(help="schedule (cron, server time zone)")] = "0 2 * * *",
          name: Annotated[str, typer.Option(help="deployment name")] = "nightly-inbox",
          review_url: Annotated[str | None, typer.Option(help="review app base URL")] = None
          ) -> None:
    """Serve the scheduled inbox deployment: on each run, only new or changed scans are processed."""
    settings = _guard(lambda: _settings(config, out=out))
    from flows.deploy import serve_inbox

    serve_inbox(inbox, ground_truth=gt, settings=settings, cron=cron, name=name,
                review_url=review_url)


@app.command()
def review(host: Annotated[str, typer.Option(help="address to bind; beyond loopback needs "
                                              "review_token")] = "127.0.0.1",
           port: Annotated[int, typer.Option(help="port")] = 8000,
           db: DbOpt = None, out: OutOpt = None, config: ConfigOpt = None) -> None:
    """Open the review page for flagged regions (http://HOST:PORT/queue)."""
    settings = _guard(lambda: _settings(config, db=db, out=out))
    from ocr.review import serve

    typer.echo(f"review page: http://{host}:{port}/queue", err=True)
    _guard(lambda: serve(host, port, settings.db_url, settings.output_dir, settings))


@app.command("export")
def export(run: Annotated[str | None, typer.Option(help="only this run's documents")] = None,
           document: Annotated[list[int] | None, typer.Option(help="document id (repeatable)")] = None,
           db: DbOpt = None, out: OutOpt = None, config: ConfigOpt = None) -> None:
    """Write reviewed corrections: <ref>.corrected.txt beside each reference (never overwriting
    it, nor any file export did not write), a corrected PAGE-XML per page and a changelog;
    print every file written and CER before/after review."""
    settings = _guard(lambda: _settings(config, db=db, out=out))
    from ocr.review.export import export_corrections
    from ocr.store import Store

    store = _guard(lambda: Store(settings.db_url, create=False))
    results = _guard(lambda: export_corrections(store, run_id=run, document_ids=document))
    bad = 0
    for r in results:
        typer.echo(_export_line(r))
        for path in r.written:
            typer.echo(f"  wrote {path}")
        bad += bool(r.error) or bool(r.not_applied)
    if not results:
        typer.echo("nothing to export: no document has a standing decision")
    if bad:
        raise typer.Exit(int(ExitCode.reference))


def _export_line(r: Any) -> str:
    if r.error:
        return f"error: {r.document}: {r.error}"
    line = f"{r.document}: {r.applied} correction(s)"
    if r.rescore is not None:
        line += (f", CER {_fmt(r.rescore.cer_before)} -> {_fmt(r.rescore.cer_after)}")
    line += f", {r.not_applied} not applied" if r.not_applied else ""
    published = getattr(r, "published", None)  # the files follow as "wrote" lines
    return "\n  note: ".join([line, *(published.notes if published is not None else ())])


@app.command("config")
def show_config(config: ConfigOpt = None, lang: LangOpt = None, dpi: DpiOpt = None,
                out: OutOpt = None, db: DbOpt = None) -> None:
    """Print the effective settings as TOML (defaults < file < OCR_* environment < options)."""
    settings = _guard(lambda: _settings(config, lang=lang, dpi=dpi, out=out, db=db))
    typer.echo(settings_as_toml(settings), nl=False)


app.command("score")(score_command)
app.command("synth")(synth_command)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
