"""A Prefect global concurrency limit on tesseract slots, shared by every run and worker."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ocr.exceptions import DatabaseNotFoundError
from ocr.store import Store

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

    from ocr.tables import HeldLease

OCR_LIMIT = "ocr-tesseract"
# A slot is leased: the holder renews the lease while it reads; Prefect frees a lease nobody
# renews only when it expires. A killed run's slots are released by the next run instead
# (release_dead_leases), since they are recorded in the results database while held.
LEASE_SECONDS = 300.0
NOTE_EVERY = 30.0  # while a page waits for a slot, it says so (and who holds them) this often
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
def ocr_slot(db_url: str | None = None, *, limit: str = OCR_LIMIT) -> Iterator[None]:
    """Hold one tesseract slot while OCR runs (no-op when the limit does not exist). While
    held, its lease is recorded in the results database at ``db_url``: if this process is
    killed, the next run releases it at once instead of waiting for it to expire."""
    from prefect.client.orchestration import get_client

    book = lease_book(db_url) if db_url else None
    with get_client(sync_client=True) as client:
        lease = _acquire(client, limit, book)
        if lease is None:
            yield
            return
        try:
            if book is not None:
                _quietly("record the slot's lease", book.hold_lease, lease, resource=limit)
            with _renewed(lease):
                yield
        finally:  # a page that was read is never failed by the bookkeeping of its slot
            _quietly("give the slot back", _release, client, lease)
            if book is not None:
                _quietly("forget the slot's lease", book.drop_lease, lease)


def lease_book(db_url: str) -> Store | None:
    """The results database this process records its leases in (opened once); None while it
    does not exist (or a Dask worker on another machine: its leases expire on their own)."""
    if (book := _BOOKS.get(db_url)) is None:
        try:
            book = _BOOKS.setdefault(db_url, Store(db_url, create=False))
        except DatabaseNotFoundError:
            return None
    return book


_BOOKS: dict[str, Store] = {}


def release_dead_leases(db_url: str, *, limit: str = OCR_LIMIT) -> list[HeldLease]:
    """Release the slots that processes now dead (a killed run) held: Prefect keeps a lease
    until it expires, ~5 min, and a resumed run waited for them with the machine idle."""
    book = lease_book(db_url)
    return _release_dead(book, limit) if book is not None else []


def _release_dead(book: Store, limit: str) -> list[HeldLease]:
    """Each dead holder's lease is taken (its row deleted) by one process, which releases it:
    two runs starting at once never give back the same slot twice."""
    from prefect.client.orchestration import get_client

    dead = [lease for lease in book.dead_leases(limit) if book.drop_lease(lease.lease_id)]
    if dead:
        with get_client(sync_client=True) as client:
            for lease in dead:
                _release(client, lease.lease_id)
                _logger().warning(
                    "released a %s slot that process %d on %s (dead) held since %s",
                    limit,
                    lease.pid,
                    lease.host,
                    lease.acquired_at.isoformat(timespec="seconds"),
                )
    return dead


def _acquire(client: SyncPrefectClient, limit: str, book: Store | None) -> str | None:
    """A lease on one slot of ``limit`` (None: there is no such limit), waiting while all are
    held; every NOTE_EVERY s of waiting it says who holds them and releases dead holders'."""
    import httpx

    started = noted = time.monotonic()
    while True:
        try:
            response = client.increment_concurrency_slots_with_lease(
                names=[limit], slots=1, mode="concurrency", lease_duration=LEASE_SECONDS
            )
        except httpx.HTTPStatusError as error:
            if error.response.status_code != 423:  # 423 Locked: every slot is held
                raise
            retry_after = float(error.response.headers.get("Retry-After", 1.0))
        else:
            data = response.json()
            return str(data["lease_id"]) if data.get("limits") else None
        if time.monotonic() - noted >= NOTE_EVERY:
            noted = time.monotonic()
            _quietly("say who holds the slots", _note_wait, client, limit, book, noted - started)
        time.sleep(min(max(retry_after, 0.1), NOTE_EVERY))


def _note_wait(client: SyncPrefectClient, limit: str, book: Store | None, waited: float) -> None:
    """Say that a page waits for a slot, how long, and who holds the slots (as recorded);
    release the ones whose process is dead."""
    held = client.read_global_concurrency_limit_by_name(limit)
    holders = book.leases(limit) if book is not None else []
    shown = "; ".join(
        f"pid {h.pid} on {h.host} since {h.acquired_at.isoformat(timespec='seconds')}"
        for h in holders
    )
    _logger().warning(
        "waiting %.0f s for a %s slot: %d of %d held%s",
        waited,
        limit,
        held.active_slots,
        held.limit,
        f"; recorded holders: {shown}" if shown else " (none recorded in this database)",
    )
    if book is not None:
        _release_dead(book, limit)


@contextlib.contextmanager
def _renewed(lease: str) -> Iterator[None]:
    """Renew the lease in the background while the slot is held (a page can outlast it)."""
    from prefect.client.orchestration import get_client

    def renew() -> bool:
        try:
            with get_client(sync_client=True) as client:
                client.renew_concurrency_lease(UUID(lease), lease_duration=LEASE_SECONDS)
        except Exception as error:  # noqa: BLE001 - the next renewal may work
            _logger().warning("could not renew the slot lease %s: %s", lease, error)
        return True

    with _repeating(LEASE_SECONDS * 0.5, renew, f"lease {lease}"):
        yield


@contextlib.contextmanager
def _repeating(every: float, step: Callable[[], bool], name: str) -> Iterator[None]:
    """Call ``step`` every ``every`` seconds in a background thread while in the block, until
    it returns False. The thread runs in the caller's context: the Prefect settings (which
    API) may be the caller's, not the process's."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every) and step():
            pass

    run = contextvars.copy_context().run
    thread = threading.Thread(target=run, args=(loop,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _release(client: SyncPrefectClient, lease: str) -> None:
    """Give the slot back; a lease already gone (expired, or released by another run) is fine."""
    import httpx

    try:
        client.release_concurrency_slots_with_lease(UUID(lease))
    except httpx.HTTPStatusError as error:
        if error.response.status_code != 404:
            raise


def _quietly(what: str, action: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """Do ``action``; if it fails, say so and go on (the lease then expires on its own)."""
    try:
        action(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - bookkeeping never fails a page
        _logger().warning("could not %s: %s", what, error)


def _logger() -> Any:
    """The Prefect run's logger inside a flow or task run (shown with the run), else ours."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return log


@contextlib.contextmanager
def unlimited_tags_known(tag_sets: Iterable[frozenset[str]]) -> Iterator[None]:
    """While in the block, a task run whose tags are one of ``tag_sets``, none of which has a
    concurrency limit, skips Prefect's question about its tags' limits.

    Before a task runs, Prefect's task engine asks the server for a slot of each of the task
    run's tags (``tag:NAME`` limits), a write transaction, and remembers for 5 s the tag sets
    it found unlimited. Every page's and document's task has a tag set of its own (``doc:D``),
    so every task asked: 1.8-2.5 s each on the SQLite server while the flow's other tasks
    wrote their states (bench/results_dask.md), before its page could start. Here the limits
    are read instead (a read, not a write), now and then every REREAD_TAGS_EVERY s, and the tag
    sets that no limit names are entered in Prefect's own record of unlimited tag sets (for its
    5 s, as if asked): a limit created during the run holds within seconds, as with Prefect's
    own record, and a tag set with a limit is asked about as before. When the block ends
    Prefect's record is left as it found it. Where Prefect keeps no such record (another
    version), nothing changes."""
    try:
        from prefect.concurrency import services

        known, lock = services._no_limits_cache, services._cache_lock
    except (ImportError, AttributeError):
        yield
        return
    keys = {frozenset(f"tag:{t}" for t in tags) for tags in tag_sets} - {frozenset()}
    entered: set[frozenset[str]] = set()

    def enter() -> None:
        limited = limited_names()
        with lock:
            for key in keys:
                if key & limited:
                    known.pop(key, None)
                else:
                    known[key] = True  # (again: a fresh 5 s)
                    entered.add(key)

    def read() -> bool:
        try:
            enter()
        except Exception as error:  # noqa: BLE001 - Prefect then asks, as it always did
            _logger().warning("could not read the concurrency limits: %s", error)
            return False  # said once; what was entered lapses within Prefect's 5 s
        return True

    try:
        with (
            _repeating(REREAD_TAGS_EVERY, read, "unlimited tags")
            if read()
            else contextlib.nullcontext()
        ):
            yield
    finally:
        with lock:
            for key in entered:
                known.pop(key, None)


# Prefect remembers an unlimited tag set for 5 s (prefect.concurrency.services): read again
# well within that.
REREAD_TAGS_EVERY = 2.0


def limited_names() -> frozenset[str]:
    """The names of every global concurrency limit on the server (tag limits: ``tag:NAME``)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return frozenset(_limit_names(client))


def _limit_names(client: SyncPrefectClient, page: int = 200) -> Iterator[str]:
    offset = 0
    while True:
        limits = client.read_global_concurrency_limits(limit=page, offset=offset)
        yield from (limit.name for limit in limits)
        if len(limits) < page:
            return
        offset += page
