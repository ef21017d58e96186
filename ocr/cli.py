"""The `ocr` command; library exceptions become exit codes here and only here."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperOption

from ocr.exceptions import ArgumentError, DevPackageMissingError, ExitCode, OcrError
from ocr.report import format_rate
from ocr.score_cli import score_command
from ocr.settings import (
    Settings,
    find_config,
    load_settings_from,
    not_a_database_url,
    settings_as_toml,
)

if TYPE_CHECKING:
    from ocr.results import BatchSummary


class _Argument(TyperArgument):
    """An argument shown by its name (SCAN...), without Python types in the help."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _rich_display_name(self) -> str:
        return self.metavar or self.name or ""

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        return name if self.required else f"[{name}]"


class Command(TyperCommand):
    """A command whose help names values (DIR, N, SCAN...) instead of Python types."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument
            elif isinstance(param, TyperOption) and not param.is_flag and not param.metavar:
                param.metavar = _metavar(param)
        return params


def _metavar(option: TyperOption) -> str:
    """A value's name for an option given none: PATH, N, X or TEXT."""
    desc = option.type_descriptor
    if desc.is_path:
        return "PATH"
    base = desc.annotation
    return {int: "N", float: "X"}.get(base, "TEXT") if isinstance(base, type) else "TEXT"


app = typer.Typer(
    help="OCR and transcription correction for archival typewritten Cyrillic scans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="settings TOML file (default: the nearest ocr.toml "
        "in the working directory or above, else in the scans' folder or above)",
    ),
]
LangOpt = Annotated[
    str | None,
    typer.Option("--lang", "-l", metavar="LANGS", help="tesseract languages, e.g. rus+eng"),
]
DpiOpt = Annotated[int | None, typer.Option(metavar="N", help="PDF rendering dpi")]
PsmOpt = Annotated[int | None, typer.Option(metavar="N", help="tesseract page segmentation mode")]
OemOpt = Annotated[int | None, typer.Option(metavar="N", help="tesseract engine mode")]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", "-j", metavar="N", help="pages in parallel")
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", metavar="DIR", help="output folder")]
DbOpt = Annotated[str | None, typer.Option("--db", metavar="URL", help="SQLAlchemy database URL")]
GtOpt = Annotated[
    Path | None, typer.Option("--gt", metavar="DIR", help="folder of reference transcriptions")
]
ScansArg = Annotated[
    list[Path],
    typer.Argument(metavar="SCAN...", help="scan files or folders (PDF, TIFF, PNG, JPEG)"),
]


REVIEW_URL = "http://127.0.0.1:8000"  # where `ocr review` listens by default


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _settings(
    config: Path | None, *, scans: list[Path] | None = None, quiet: bool = False, **overrides: Any
) -> Settings:
    """The effective settings; says on stderr which settings file was read and why."""
    mapping = {"lang": "languages", "out": "output_dir", "db": "database_url"}
    if problem := not_a_database_url(overrides.get("db") or ""):
        raise ArgumentError(f"--db {overrides['db']} {problem}")
    source = find_config(config, scans=scans or ())
    if not quiet:
        _err(source.describe())
    return load_settings_from(source, **{mapping.get(k, k): v for k, v in overrides.items()})


def _guard(fn: Any) -> Any:
    """Turn library errors into a one-line message and the error's exit code."""
    try:
        return fn()
    except OcrError as e:
        _err(f"error: {e}")
        raise typer.Exit(int(e.exit_code)) from e


def _fmt(value: Any) -> str:
    return format_rate(value)


def print_summary(summary: BatchSummary) -> None:
    """The batch summary on stdout: CER/WER per document and where the outputs are."""
    typer.echo(f"{'document':<40} {'pages':>5} {'CER':>8} {'WER':>8} {'items':>5}  report")
    for d in summary.documents:
        typer.echo(
            f"{d.document:<40} {d.pages:>5} {_fmt(d.cer):>8} {_fmt(d.wer):>8} "
            f"{d.flags:>5}  {d.report}"
        )
    typer.echo(
        f"batch: {summary.pages_done} pages done, {summary.pages_failed} failed, "
        f"CER {_fmt(summary.cer)}, WER {_fmt(summary.wer)} "
        f"(character-weighted), {summary.seconds:.1f} s"
    )
    if stages := summary.stage_seconds:
        typer.echo(
            "  seconds per stage (summed over workers): "
            + ", ".join(f"{k} {v:.1f}" for k, v in stages.items())
        )
    if cpu := summary.cpu_seconds:
        typer.echo("  CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    for name, fig in (summary.scoring.figures if summary.scoring else {}).items():
        ci = fig.cer_interval
        typer.echo(
            f"  {name:>9}: CER {_fmt(fig.cer)}"
            + (f" (95% CI {_fmt(ci[0])}-{_fmt(ci[1])})" if ci else "")
            + f", WER {_fmt(fig.wer)}"
        )
    for e in summary.empty_page_list:
        typer.echo(f"warning: {e.message}")
    if summary.empty_pages:
        typer.echo(f"pages with ink but no text recognised: {summary.empty_pages}")
    for f in summary.failures:
        typer.echo(f"failed: [{f.kind}] {f.message}")


@app.command(cls=Command)
def run(
    scans: ScansArg,
    gt: GtOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    dpi: DpiOpt = None,
    psm: PsmOpt = None,
    oem: OemOpt = None,
    workers: WorkersOpt = None,
    db: DbOpt = None,
) -> None:
    """Run the pipeline on scans directly (no Prefect): OCR, score against --gt, flag, store."""
    from ocr.batch import exit_code, keep_freed_memory, run_batch

    keep_freed_memory()  # this process finishes every document (as its page workers do)
    settings = _guard(
        lambda: _settings(
            config,
            scans=scans,
            lang=lang,
            dpi=dpi,
            psm=psm,
            oem=oem,
            workers=workers,
            out=out,
            db=db,
        )
    )
    result = _guard(lambda: run_batch(scans, gt_dir=gt, settings=settings, progress=_err))
    summary = result.summary
    assert summary is not None  # run_batch always sums up its run
    print_summary(summary)
    typer.echo(
        f"outputs: {settings.output_dir} (index: {settings.output_dir / 'index.html'})  "
        f"database: {settings.db_url}"
    )
    if code := exit_code(summary.failures):
        raise typer.Exit(code)


@app.command(cls=Command)
def flow(
    scans: ScansArg,
    gt: GtOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    dpi: DpiOpt = None,
    psm: PsmOpt = None,
    oem: OemOpt = None,
    workers: WorkersOpt = None,
    db: DbOpt = None,
    only_new: Annotated[
        bool, typer.Option("--only-new", help="skip scans already processed with the same settings")
    ] = False,
    task_runner: Annotated[
        str, typer.Option(metavar="RUNNER", help="threads (one tesseract per worker) or dask")
    ] = "threads",
    dask_address: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS", help="scheduler of an existing Dask cluster, e.g. tcp://host:8786"
        ),
    ] = None,
    review_url: Annotated[
        str,
        typer.Option(
            metavar="URL",
            help="base URL of the review app (`ocr review`): the artifacts "
            "link the run's queue and reports through it",
        ),
    ] = REVIEW_URL,
) -> None:
    """Run the same batch through the Prefect flow ocr_batch (a temporary local server unless PREFECT_API_URL points at one)."""  # noqa: E501 - one paragraph, wrapped by the help
    settings = _guard(
        lambda: _settings(
            config,
            scans=scans,
            lang=lang,
            dpi=dpi,
            psm=psm,
            oem=oem,
            workers=workers,
            out=out,
            db=db,
        )
    )
    from flows.batch import run_flow
    from ocr.batch import check_inputs, exit_code
    from ocr.results import BatchSummary

    # Before Prefect starts (half a minute for a temporary server): a typo fails at once.
    _guard(lambda: check_inputs(scans, gt_dir=gt, settings=settings, only_new=only_new))

    summary = _guard(
        lambda: BatchSummary.from_json(
            run_flow(
                [str(s) for s in scans],
                ground_truth=str(gt) if gt else None,
                settings=settings,
                only_new=only_new,
                task_runner=task_runner,
                dask_address=dask_address,
                review_url=review_url,
            )
        )
    )
    print_summary(summary)
    if summary.skipped:
        typer.echo(f"skipped (already processed): {', '.join(summary.skipped)}")
    typer.echo(f"outputs: {settings.output_dir}  database: {settings.db_url}")
    if code := exit_code(summary.failures):
        raise typer.Exit(code)


@app.command(cls=Command)
def serve(
    inbox: Annotated[Path, typer.Argument(metavar="INBOX", help="folder watched for new scans")],
    gt: GtOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
    cron: Annotated[str, typer.Option(metavar="CRON", help="schedule")] = "0 2 * * *",
    timezone: Annotated[
        str | None,
        typer.Option(
            metavar="ZONE",
            help="time zone of the schedule, e.g. Europe/Berlin (default: this machine's)",
        ),
    ] = None,
    name: Annotated[str, typer.Option(metavar="NAME", help="deployment name")] = "nightly-inbox",
    review_url: Annotated[
        str,
        typer.Option(
            metavar="URL",
            help="base URL of the review app (`ocr review`): the artifacts "
            "link the run's queue and reports through it",
        ),
    ] = REVIEW_URL,
) -> None:
    """Serve the scheduled inbox deployment: each run processes only new or changed scans, with the settings as they are when it starts (the settings file is read again each run)."""  # noqa: E501 - one paragraph
    source = find_config(config, scans=[inbox])
    _err(source.describe())
    _guard(lambda: load_settings_from(source, output_dir=out))  # a bad file fails now, not at 2 am
    from flows.deploy import serve_inbox

    serve_inbox(
        inbox,
        ground_truth=gt,
        config=source.path,
        output_dir=out,
        cron=cron,
        timezone=timezone,
        name=name,
        review_url=review_url,
    )


@app.command(cls=Command)
def review(
    host: Annotated[
        str,
        typer.Option(metavar="HOST", help="address to bind; beyond loopback needs review_token"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="N", help="port")] = 8000,
    db: DbOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Open the review page for the review items (http://HOST:PORT/queue)."""
    settings = _guard(lambda: _settings(config, db=db, out=out))
    from ocr.review import serve

    typer.echo(f"review page: http://{host}:{port}/queue (database {settings.db_url})", err=True)
    _guard(lambda: serve(host, port, settings.db_url, settings.output_dir, settings))


@app.command("export", cls=Command)
def export(
    run: Annotated[str | None, typer.Option(metavar="ID", help="only this run's documents")] = None,
    document: Annotated[
        list[int] | None, typer.Option(metavar="ID", help="document id (repeatable)")
    ] = None,
    db: DbOpt = None,
    out: OutOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Write reviewed corrections: REF.corrected.txt beside each reference (never overwriting it, nor any file export did not write), a corrected PAGE-XML per page, a changelog and the reviewed PDF/A and METS; print every file written, CER before and after review, and how to score the next run against the corrected references."""  # noqa: E501 - one paragraph
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
    for line in next_run_hint(results):
        typer.echo(line)
    if bad:
        raise typer.Exit(int(ExitCode.reference))


def next_run_hint(results: Sequence[Any]) -> list[str]:
    """How to make the next run score against the corrected references: a --gt folder where
    each corrected file has its original's name (the originals are never replaced)."""
    pairs = [
        (r.corrected_reference, r.corrected_reference.name.replace(".corrected.txt", ".txt"))
        for r in results
        if getattr(r, "corrected_reference", None) and not r.error
    ]
    if not pairs:
        return []
    folder = pairs[0][0].parent.with_name(pairs[0][0].parent.name + "-reviewed")
    copies = " && ".join(f"cp {src} {folder / name}" for src, name in pairs)
    return [
        "To score the next run against the corrected references, give --gt a folder where "
        "each has its original's name:",
        f"  mkdir -p {folder} && {copies}",
        f"  ocr run SCAN... --gt {folder}",
    ]


def _export_line(r: Any) -> str:
    if r.error:
        return f"error: {r.document}: {r.error}"
    line = f"{r.document}: {r.applied} correction(s)"
    if r.rescore is not None:
        line += f", CER {_fmt(r.rescore.cer_before)} -> {_fmt(r.rescore.cer_after)}"
    line += f", {r.not_applied} not applied" if r.not_applied else ""
    published = getattr(r, "published", None)  # the files follow as "wrote" lines
    return "\n  note: ".join([line, *(published.notes if published is not None else ())])


@app.command("config", cls=Command)
def show_config(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[SCAN...]",
            help="scans the settings are for: their folders are searched for ocr.toml too",
        ),
    ] = None,
    config: ConfigOpt = None,
    lang: LangOpt = None,
    dpi: DpiOpt = None,
    out: OutOpt = None,
    db: DbOpt = None,
) -> None:
    """Print the effective settings as TOML (defaults < file < OCR_* environment < options), with the file they were read from."""  # noqa: E501 - one paragraph
    source = find_config(config, scans=paths or ())
    settings = _guard(
        lambda: load_settings_from(source, languages=lang, dpi=dpi, output_dir=out, database_url=db)
    )
    typer.echo(settings_as_toml(settings, source=source), nl=False)


app.command("score", cls=Command)(score_command)


def _synth_main() -> Any:
    """The dev package's `ocr synth` entry point, imported only when the command runs."""
    try:
        from ocr_synth.cli import main
    except ModuleNotFoundError as e:
        if (e.name or "").partition(".")[0] != "ocr_synth":
            raise
        raise DevPackageMissingError() from e
    return main


@app.command(
    "synth",
    add_help_option=False,
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def synth(ctx: typer.Context) -> None:
    """Synthetic typescript pages with ground truth (a development package)."""
    _guard(_synth_main)(ctx.args)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
