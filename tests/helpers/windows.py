"""The console's main window for view tests: opened on a cache, shown, and closed cleanly."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.main_window import MainWindow
from tests.helpers import TODAY


def make_window(qtbot: QtBot, cache: Cache, catalog: Catalog, qsettings: QSettings) -> MainWindow:
    window = MainWindow(cache, catalog, today=TODAY, settings=qsettings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.portfolio is not None, timeout=20_000)
    return window


def close(window: MainWindow) -> None:
    window.close()
    assert not window.runner.running("sync")
