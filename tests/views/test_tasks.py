"""The one background runner: results come back by signal, and none after shutdown."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from csconsole.views.tasks import TaskContext, TaskRunner, spared


def test_a_result_reaches_its_callback(qtbot: QtBot) -> None:
    runner = TaskRunner()
    got: list[int] = []
    task = runner.start("sum", lambda _ctx: 1 + 2, on_success=got.append)
    qtbot.waitUntil(lambda: got == [3], timeout=5_000)
    assert task.done.is_set()
    assert runner.shutdown()


def test_a_result_queued_while_the_window_closes_is_dropped(qtbot: QtBot) -> None:
    """A window's widgets are gone once it closed: a late result must not reach them."""
    runner = TaskRunner()
    release = threading.Event()
    delivered: list[str] = []

    def work(_ctx: TaskContext) -> str:
        release.wait(5)
        return "late"

    task = runner.start(
        "slow", work, on_success=delivered.append, on_finish=lambda: delivered.append("finish")
    )
    release.set()
    assert runner.shutdown()  # the worker is done; its signals are still queued
    assert task.done.is_set()
    QCoreApplication.processEvents()  # deliver the signals the worker queued
    assert delivered == []


def test_every_task_spares_the_older_objects_the_collector(qtbot: QtBot) -> None:
    """Any background work (the portfolio's rebuild after a sync as much as the sync) runs
    with the objects made before it frozen, so a full collection its allocations trigger
    does not walk the window's objects while holding the GIL."""
    runner = TaskRunner()
    seen: list[int] = []
    runner.start("portfolio", lambda _ctx: gc.get_freeze_count(), on_success=seen.append)
    qtbot.waitUntil(lambda: len(seen) == 1, timeout=5_000)
    assert seen[0] > 1000  # the test process's modules and objects, at least
    assert runner.shutdown()
    assert gc.get_freeze_count() == 0  # given back when the task ended


def test_overlapping_tasks_thaw_once_the_last_ends_and_a_freeze_made_elsewhere_stays() -> None:
    with spared.during_work():
        with spared.during_work():  # a superseded task still finishing as the next starts
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        with spared.during_work():
            pass
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
