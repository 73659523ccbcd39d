"""Freshness: the status bar says how long ago the data was synced, the moment a sync ends,
and what the sync did in a sentence."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.ingest.runs import SyncSummary
from csconsole.views.freshness import ago, clock_time, sync_sentence
from tests.helpers.windows import close, make_window

NOW = datetime(2026, 11, 22, 2, 51, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "just now"), (59, "just now"), (60, "1 min ago"), (180, "3 min ago"),
     (3599, "59 min ago"), (3600, "1 h ago"), (11 * 3600, "11 h ago")],
)  # fmt: skip
def test_ago(seconds: int, text: str) -> None:
    assert ago(NOW - timedelta(seconds=seconds), NOW) == text


def test_ago_of_another_day_names_the_day() -> None:
    assert ago(NOW - timedelta(days=2), NOW) == clock_time(NOW - timedelta(days=2), NOW)
    assert "Nov" in ago(NOW - timedelta(days=2), NOW)
    assert ago(None, NOW) == "never"


PREVIOUS = NOW - timedelta(minutes=12)


@pytest.mark.parametrize(
    ("summary", "text"),
    [
        (SyncSummary("demo", unchanged=120),
         f"Up to date: nothing changed since {clock_time(PREVIOUS, NOW)}"),
        (SyncSummary("demo", inserted=1200, updated=3, changed_clients={"A", "B"}),
         "Synced 1,200 new and 3 updated samples for 2 clients"),
        (SyncSummary("demo", inserted=1, changed_clients={"A"}),
         "Synced 1 new sample for 1 client"),
        (SyncSummary("demo", unchanged=5, rejected=Counter({"unknown client": 2, "NaN": 1})),
         f"Up to date: nothing changed since {clock_time(PREVIOUS, NOW)}; 3 rows set aside "
         "(2 unknown client, 1 NaN)"),
    ],
)  # fmt: skip
def test_sync_sentence(summary: SyncSummary, text: str) -> None:
    assert sync_sentence([summary], previous=PREVIOUS, now=NOW) == text


def test_status_bar_is_fresh_the_moment_a_sync_ends_and_ticks(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    before = window.last_sync
    assert before is not None
    # An hour later (by the window's clock) the same source has nothing new.
    later = datetime.now(UTC) + timedelta(hours=1)
    window.now = lambda: later
    window.freshness_timer.timeout.emit()
    assert window.sync_label.text().startswith("Synced 1 h ago")
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        window.sync.start()
    label = window.sync_label
    assert label.text().startswith(f"Up to date: nothing changed since {clock_time(before, later)}")
    assert "Synced just now" in label.text()  # at once, not at the next refresh
    qtbot.waitUntil(lambda: window.last_sync is not None and window.last_sync > before)
    synced = window.last_sync
    assert synced is not None
    window.now = lambda: synced
    window.freshness_timer.timeout.emit()
    assert "Synced just now" in label.text()
    window.now = lambda: synced + timedelta(minutes=3)
    window.freshness_timer.timeout.emit()
    assert "Synced 3 min ago" in label.text()
    assert window.freshness_timer.isActive()
    close(window)
