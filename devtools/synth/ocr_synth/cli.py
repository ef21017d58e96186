"""The `ocr synth` command: write a benchmark set of synthetic archival pages."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from ocr_synth.levels import LEVELS

DEFAULT_SEED = 1955
DEFAULT_PAGES = 64


def synth_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="folder for the pages")],
    pages: Annotated[int, typer.Option(min=1, help="how many pages")] = DEFAULT_PAGES,
    seed: Annotated[int, typer.Option(help="the set's seed: same seed, same files")] = DEFAULT_SEED,
    levels: Annotated[
        str, typer.Option(help="degradation levels, comma-separated, taken in turn")
    ] = ",".join(LEVELS),
    dpi: Annotated[int, typer.Option(min=100, max=1200, help="scan resolution")] = 300,
    conditions: Annotated[
        str,
        typer.Option(
            help="archival cases, comma-separated, taken in turn by runs of pages covering every "
            "level stamped and not: plain, dark_frame, gutter, violet_ribbon, blue_ribbon, "
            "faded_yellow, or 'all'"
        ),
    ] = "plain",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-j", min=1, help="pages rendered in parallel (default: all cores)"
        ),
    ] = None,
) -> None:
    """Render synthetic typescript pages (A4) with exact ground truth: <name>.jpg or .png, the
    typed text <name>.gt.txt, every region (typed lines, stamps, handwriting, signatures, marks)
    in <name>.regions.json, and manifest.json. Every other page of each level is stamped."""
    from ocr_synth.generate import CONDITIONS, generate_set

    wanted = tuple(part.strip() for part in levels.split(",") if part.strip())
    unknown = [level for level in wanted if level not in LEVELS]
    if unknown or not wanted:
        typer.echo(
            f"error: unknown level(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(LEVELS)}",
            err=True,
        )
        raise typer.Exit(2)
    cases = (
        CONDITIONS
        if conditions.strip() == "all"
        else tuple(part.strip() for part in conditions.split(",") if part.strip())
    )
    if not cases or any(c not in CONDITIONS for c in cases):
        typer.echo(
            f"error: unknown condition(s) in {conditions!r}; choose from "
            f"{', '.join(CONDITIONS)} or all",
            err=True,
        )
        raise typer.Exit(2)
    manifest = generate_set(
        out,
        pages=pages,
        seed=seed,
        levels=wanted,
        dpi=dpi,
        workers=workers or os.cpu_count() or 1,
        progress=lambda line: typer.echo(line, err=True),
        conditions=cases,
    )
    stamped = sum(item["stamped"] for item in manifest["items"])
    typer.echo(
        f"{len(manifest['items'])} pages ({stamped} stamped) over {', '.join(wanted)} "
        f"written to {out}; manifest: {out / 'manifest.json'}"
    )


def main(args: Sequence[str]) -> None:
    """Run `ocr synth` with its arguments (the product's CLI forwards them here)."""
    from ocr.cli import Command

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command("synth", cls=Command)(synth_command)
    app(args=list(args), prog_name="ocr synth")
