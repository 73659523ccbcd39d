"""Application start-up: the QApplication, the cache and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from csconsole.cache import Cache
from csconsole.catalog import default_catalog
from csconsole.errors import KnownError
from csconsole.paths import resources_dir
from csconsole.views.main_window import MainWindow
from csconsole.views.theme import apply_theme


def run_gui(cache_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("csconsole")
    app.setOrganizationName("csconsole")
    app.setApplicationDisplayName("csconsole")
    app.setDesktopFileName("csconsole")  # matches installers/linux/csconsole.desktop
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addFile(str(resources_dir() / "icons" / f"csconsole-{size}.png"))
    app.setWindowIcon(icon)
    apply_theme(app, "light")
    try:
        # The quick check reads the whole file: it runs in the background once the
        # window shows, so start-up does not grow with the size of the cache.
        cache = Cache.open(cache_path, check=False)
        catalog = default_catalog()
    except KnownError as exc:
        QMessageBox.critical(None, "csconsole", str(exc))
        return 1
    window = MainWindow(cache, catalog)
    window.show()
    # No gc.freeze() here: while background work runs, the task runner spares the
    # window's objects the collector (views/tasks.py), and a freeze made here would
    # stop it from sparing those made later (the portfolio, a dashboard).

    def damaged(message: str) -> None:
        QMessageBox.critical(window, "csconsole", message)
        app.exit(1)

    window.runner.start("cache-check", lambda _ctx: cache.check_and_back_up(), on_failure=damaged)
    code = app.exec()
    cache.close()
    return int(code)
