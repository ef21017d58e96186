"""flows.limits.unlimited_tags_known: Prefect's per-task question about tag limits answered from
a read of the limits, for the tag sets no limit names, and only while the run lasts."""

from __future__ import annotations

import time

import pytest
from prefect.concurrency import services

from flows import limits

PAGE = frozenset({"doc:a", "stage:ocr"})
DOCUMENT = frozenset({"doc:a", "stage:score"})
KEY_PAGE = frozenset({"tag:doc:a", "tag:stage:ocr"})
KEY_DOCUMENT = frozenset({"tag:doc:a", "tag:stage:score"})


@pytest.fixture(autouse=True)
def _clean_record() -> None:
    with services._cache_lock:
        services._no_limits_cache.clear()


def test_unlimited_sets_are_entered_limited_ones_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "limited_names", lambda: frozenset({"tag:stage:ocr", "other"}))
    with limits.unlimited_tags_known([PAGE, DOCUMENT, frozenset()]):
        known = dict(services._no_limits_cache)
        assert known == {KEY_DOCUMENT: True}  # the page's tags include a limited one
    assert KEY_DOCUMENT not in services._no_limits_cache  # left as it was found


def test_limits_are_read_again_while_the_run_lasts(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limit created during the run holds: its tag sets are no longer entered."""
    reads: list[frozenset[str]] = [frozenset(), frozenset({"tag:stage:score"})]
    calls = []

    def limited() -> frozenset[str]:
        calls.append(1)
        return reads[min(len(calls), len(reads)) - 1]

    monkeypatch.setattr(limits, "limited_names", limited)
    monkeypatch.setattr(limits, "REREAD_TAGS_EVERY", 0.05)
    with limits.unlimited_tags_known([PAGE, DOCUMENT]):
        assert set(services._no_limits_cache) == {KEY_PAGE, KEY_DOCUMENT}
        deadline = time.monotonic() + 5
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.1)
        assert set(services._no_limits_cache) == {KEY_PAGE}
    assert not services._no_limits_cache


def test_a_failed_read_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> frozenset[str]:
        raise ConnectionError("no server")

    monkeypatch.setattr(limits, "limited_names", broken)
    with limits.unlimited_tags_known([PAGE, DOCUMENT]):
        assert not services._no_limits_cache  # Prefect asks, as it always did


def test_a_set_now_limited_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tag set Prefect recorded as unlimited before its tag got a limit is asked again."""
    monkeypatch.setattr(limits, "limited_names", lambda: frozenset({"tag:stage:ocr"}))
    with services._cache_lock:
        services._no_limits_cache[KEY_PAGE] = True  # Prefect's own (limit created since)
    with limits.unlimited_tags_known([PAGE]):
        assert KEY_PAGE not in services._no_limits_cache  # the limit now exists: asked again


def test_a_read_that_fails_later_stops_the_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Said once, not every 2 s; Prefect's record then lapses on its own and Prefect asks."""
    calls = []

    def flaky() -> frozenset[str]:
        calls.append(1)
        if len(calls) > 1:
            raise ConnectionError("no server")
        return frozenset()

    monkeypatch.setattr(limits, "limited_names", flaky)
    monkeypatch.setattr(limits, "REREAD_TAGS_EVERY", 0.02)
    with limits.unlimited_tags_known([PAGE]):
        time.sleep(0.3)
    assert len(calls) == 2
