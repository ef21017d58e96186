"""The scheduled inbox deployment: `ocr serve` (flow.serve) runs only new or changed scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.batch import ocr_batch
from ocr.settings import Settings


def inbox_deployment(inbox: Path, *, ground_truth: Path | None, settings: Settings, cron: str,
                     name: str = "nightly-inbox", review_url: str | None = None) -> Any:
    """A RunnerDeployment of ocr_batch over the inbox with only_new=True on a cron schedule."""
    return ocr_batch.to_deployment(
        name=name, cron=cron, tags=["inbox"],
        description=f"OCR of new or changed scans in {inbox}",
        parameters={"sources": [str(inbox.resolve())],
                    "ground_truth": str(ground_truth.resolve()) if ground_truth else None,
                    "settings": settings.model_copy(update={"output_dir": settings.output_dir.resolve()}).model_dump(mode="json"),
                    "only_new": True,
                    "review_url": review_url})


def serve_inbox(inbox: Path, *, ground_truth: Path | None, settings: Settings, cron: str,
                name: str = "nightly-inbox", review_url: str | None = None) -> None:
    """Register the deployment and serve it (blocks; Ctrl-C stops)."""
    from prefect import serve

    serve(inbox_deployment(inbox, ground_truth=ground_truth, settings=settings, cron=cron,
                           name=name, review_url=review_url))
