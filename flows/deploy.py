"""The scheduled inbox deployment: `ocr serve` (flow.serve) runs only new or changed scans."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.batch import ocr_batch

ZONEINFO = Path("/usr/share/zoneinfo")


def local_timezone() -> str:
    """This machine's time zone as an IANA name ($TZ, /etc/timezone, the /etc/localtime link),
    else UTC: a schedule's hours mean the hours of the archive that runs it."""
    found = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        found.append(timezone_file.read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = localtime.resolve()
        if ZONEINFO in target.parents:
            found.append(target.relative_to(ZONEINFO).as_posix())
    for name in found:
        if name and _valid(name):
            return name
    return "UTC"


def _valid(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def inbox_deployment(
    inbox: Path,
    *,
    ground_truth: Path | None,
    config: Path | None = None,
    output_dir: Path | None = None,
    cron: str,
    timezone: str | None = None,
    name: str = "nightly-inbox",
    review_url: str | None = None,
) -> Any:
    """A RunnerDeployment of ocr_batch over the inbox with only_new=True on a cron schedule in
    a named time zone. Its parameters name the settings file, never the settings themselves:
    each run reads the file as it is then (only an output folder given on the command line is
    fixed)."""
    from prefect.schedules import Cron

    zone = timezone or local_timezone()
    if not _valid(zone):
        from ocr.exceptions import ConfigError

        raise ConfigError(f"unknown time zone {zone!r}; use an IANA name such as Europe/Berlin")
    overrides = {"output_dir": str(output_dir.resolve())} if output_dir is not None else {}
    return ocr_batch.to_deployment(
        name=name,
        schedule=Cron(cron, timezone=zone),
        tags=["inbox"],
        description=f"OCR of new or changed scans in {inbox}",
        parameters={
            "sources": [str(inbox.resolve())],
            "ground_truth": str(ground_truth.resolve()) if ground_truth else None,
            "config": str(config.resolve()) if config else None,
            "settings": overrides,
            "only_new": True,
            "review_url": review_url,
        },
    )


def serve_inbox(
    inbox: Path,
    *,
    ground_truth: Path | None,
    config: Path | None = None,
    output_dir: Path | None = None,
    cron: str,
    timezone: str | None = None,
    name: str = "nightly-inbox",
    review_url: str | None = None,
) -> None:
    """Register the deployment and serve it (blocks; Ctrl-C stops)."""
    from prefect import serve

    serve(
        inbox_deployment(
            inbox,
            ground_truth=ground_truth,
            config=config,
            output_dir=output_dir,
            cron=cron,
            timezone=timezone,
            name=name,
            review_url=review_url,
        )
    )
