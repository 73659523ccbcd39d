"""The one background runner: results come back by signal, and none after shutdown."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from csconsole.views.tasks import TaskContext, TaskRunner


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
