"""A batch's Prefect artifacts, by stable key: summary, documents, failures, progress, trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from ocr.report import format_rate
from ocr.results import BatchSummary
from ocr.store import Store
from ocr.tables import Run


def _fmt(value: Any) -> str:
    return format_rate(value, none="–", inf="∞")


class ProgressArtifact:
    """A progress bar in the UI, advanced as pages finish."""

    def __init__(self, *, total: int) -> None:
        self.total, self.done = max(total, 1), 0
        artifact_id = create_progress_artifact(
            progress=0.0, key="ocr-batch-progress", description="pages finished"
        )
        # Called from sync code, Prefect's async_dispatch runs the sync function: a UUID.
        assert isinstance(artifact_id, UUID)
        self.id: UUID = artifact_id

    def step(self) -> None:
        self.done += 1
        update_progress_artifact(self.id, progress=100.0 * self.done / self.total)


def _code(path: str | None) -> str:
    return f"`{path}`" if path else "–"


def report_url(path: str | Path | None, *, output_dir: Path, review_url: str | None) -> str | None:
    """Where a browser opens a report (report.html beside report.json, or index.html): through
    the review app (/reports/...) when its URL is known and the file is under the output
    folder, else as a file:// URL."""
    if not path:
        return None
    html = Path(path)
    html = html.with_name("report.html") if html.name == "report.json" else html
    html, base = html.resolve(), output_dir.resolve()
    if review_url and html.is_relative_to(base):
        return f"{review_url.rstrip('/')}/reports/{quote(html.relative_to(base).as_posix())}"
    return html.as_uri()


def _link(text: str, url: str | None) -> str:
    return f"[{text}]({url})" if url else "–"


def _ci(summary: BatchSummary, profile: str = "strict") -> str:
    fig = summary.figures(profile)
    ci = fig.cer_interval if fig else None
    return f" (95% CI {_fmt(ci[0])}–{_fmt(ci[1])})" if ci else ""


def _archival(summary: BatchSummary) -> str:
    fig = summary.figures("archival")
    if not fig:
        return ""
    return (
        f"\n- archival folding: CER **{_fmt(fig.cer)}**{_ci(summary, 'archival')}, "
        f"WER **{_fmt(fig.wer)}**"
    )


def summary_markdown(
    summary: BatchSummary,
    *,
    index: Path | None,
    output_dir: Path | None = None,
    review_url: str | None = None,
) -> str:
    """The batch summary: figures, review items by kind, a per-document table whose reports
    are links (clickable in the UI), failures."""
    out = output_dir or (index.parent if index is not None else Path())
    stages = ", ".join(f"{k} {v:.1f}" for k, v in summary.stage_seconds.items())
    lines = [
        "# OCR batch summary",
        "",
        f"- pages done: **{summary.pages_done}** (from cache: {summary.cached_pages}),"
        f" failed: **{summary.pages_failed}**, scans skipped as unchanged: "
        f"**{len(summary.skipped)}**",
        f"- CER **{_fmt(summary.cer)}**{_ci(summary)}, WER **{_fmt(summary.wer)}** "
        "(character-/word-weighted over the batch)" + _archival(summary),
        "- review items: " + (", ".join(f"{k}: {v}" for k, v in summary.flags.items()) or "none"),
        f"- seconds: **{summary.seconds:.1f}** wall clock; per stage (summed over "
        "workers): " + (stages or "–"),
        f"- pages with ink but no text recognised: **{summary.empty_pages}**"
        + "".join(f"\n  - {e.document} page {e.page}" for e in summary.empty_page_list),
    ]
    if index is not None:
        url = report_url(index, output_dir=out, review_url=review_url)
        lines.append(f"- all reports: {_link('index.html', url)} (`{index}`)")
    lines += [
        "",
        "| document | pages | CER | WER | review items | report | PDF/A | METS |",
        "|---|---:|---:|---:|---:|---|---|---|",
    ]
    lines += [
        f"| {d.document} | {d.pages} | {_fmt(d.cer)} | {_fmt(d.wer)} | "
        f"{d.flags if d.flags is not None else '–'} | "
        f"{_link('report.html', report_url(d.report, output_dir=out, review_url=review_url))}"
        f" | {_code(d.pdf)} | {_code(d.mets)} |"
        for d in summary.documents
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class RunTrendRow:
    """A finished run as the quality trend lists it, read from its stored JSON (the summary,
    the settings and the versions; an errored run's summary holds only its error)."""

    finished_at: datetime
    status: str
    pages_done: int
    cer: float | str | None
    wer: float | str | None
    languages: str
    psm: int | str
    tesseract: str

    @classmethod
    def from_run(cls, run: Run) -> RunTrendRow:
        """The row from a stored run: missing figures are 0, None or ''."""
        summary, cfg = run.summary or {}, run.settings or {}
        assert run.finished_at is not None  # recent_runs lists finished runs only
        return cls(
            finished_at=run.finished_at,
            status=run.status,
            pages_done=summary.get("pages_done") or 0,
            cer=summary.get("cer"),
            wer=summary.get("wer"),
            languages=cfg.get("languages", ""),
            psm=cfg.get("psm", ""),
            tesseract=(run.versions or {}).get("tesseract", ""),
        )


def trend_markdown(store: Store, *, limit: int = 15) -> str:
    """CER per run for the last runs, so a drop after a settings or model change shows."""
    lines = [
        "# Quality across runs",
        "",
        "| finished | pages | CER | WER | languages | psm | tesseract | status |",
        "|---|---:|---:|---:|---|---:|---|---|",
    ]
    for run in map(RunTrendRow.from_run, store.recent_runs(limit)):
        if not run.pages_done:
            continue
        lines.append(
            f"| {run.finished_at:%Y-%m-%d %H:%M} | {run.pages_done} | "
            f"{_fmt(run.cer)} | {_fmt(run.wer)} | {run.languages} | "
            f"{run.psm} | {run.tesseract} | {run.status} |"
        )
    return "\n".join(lines)


def publish_artifacts(
    summary: BatchSummary, *, store: Store, review_url: str | None, output_dir: Path
) -> None:
    """Every artifact of a finished batch."""
    index = output_dir / "index.html"
    create_markdown_artifact(
        key="ocr-batch-summary",
        markdown=summary_markdown(
            summary,
            index=index if index.exists() else None,
            output_dir=output_dir,
            review_url=review_url,
        ),
        description="CER/WER, pages, review items and reports of this batch",
    )
    rows = [
        {
            "document": d.document,
            "pages": d.pages,
            "CER": _fmt(d.cer),
            "WER": _fmt(d.wer),
            "review items": d.flags,
            "report": report_url(d.report, output_dir=output_dir, review_url=review_url),
            "PDF/A": d.pdf or "–",
            "METS": d.mets or "–",
        }
        for d in summary.documents
    ]
    create_table_artifact(
        key="ocr-batch-documents",
        table=rows or [{"document": "(none)"}],
        description="Documents of this batch",
    )
    failed = [
        {
            "document": f.document,
            "page": f.page,
            "stage": f.stage,
            "error": f.kind,
            "message": f.message,
        }
        for f in summary.failures
    ]
    create_table_artifact(
        key="ocr-failed-pages",
        table=failed or [{"document": "(none)"}],
        description="Pages and files that failed, with the reason",
    )
    create_markdown_artifact(
        key="ocr-quality-trend",
        markdown=trend_markdown(store),
        description="CER per run over the last runs",
    )
    if review_url:
        create_link_artifact(
            key="ocr-review-queue",
            link=f"{review_url.rstrip('/')}/queue?run={summary.run_id}",
            link_text="Review the flagged regions of this run",
        )
