"""The load stage: find and inspect the scans, one page job per page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ocr.load import ScanInfo, discover, document_names, inspect_scan, shared_stems
from ocr.results import PageFailure, PageJob
from ocr.settings import Settings


def plan_batch(
    paths: Sequence[Path], *, settings: Settings
) -> tuple[list[PageJob], list[ScanInfo], list[PageFailure]]:
    """Inspect every scan; bad files become failures, good ones become page jobs."""
    found = discover(paths)
    names = document_names(found)
    shared = shared_stems(f.path for f in found)
    jobs: list[PageJob] = []
    infos: list[ScanInfo] = []
    failures: list[PageFailure] = []
    for path in (f.path for f in found):
        try:
            info = inspect_scan(
                path,
                document=names[path],
                dpi=settings.dpi,
                max_pixels=settings.max_pixels,
                stem_unique=path.stem not in shared,
            )
        except Exception as e:  # noqa: BLE001 - any bad file is a result, not a crash
            failures.append(
                PageFailure.from_error(
                    e, document=names[path], source=path, page_number=0, stage="load"
                )
            )
            continue
        infos.append(info)
        langs = settings.languages_for(path.name)
        out_dir = settings.output_dir / info.document
        jobs.extend(PageJob(info, n, langs, out_dir) for n in range(1, info.page_count + 1))
    return jobs, infos, failures
