"""A Prefect global concurrency limit on tesseract slots, shared by every run and worker."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

OCR_LIMIT = "ocr-tesseract"
log = logging.getLogger(__name__)


def ensure_ocr_limit(slots: int | None = None) -> None:
    """Create the 'ocr-tesseract' limit (one slot per core by default) if it does not exist."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(OCR_LIMIT)
        except ObjectNotFound:
            client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=OCR_LIMIT, limit=slots or os.cpu_count() or 1)
            )


@contextlib.contextmanager
def ocr_slot() -> Iterator[None]:
    """Hold one tesseract slot while OCR runs (no-op when the limit does not exist)."""
    from prefect.concurrency.sync import concurrency

    with concurrency(OCR_LIMIT, occupy=1, strict=False):
        yield
