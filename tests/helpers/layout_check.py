"""Layout checks for the console at a laptop's size: nothing smaller than its minimum size
hint, no label or column header cut, every tab rendered to PNG for a person to look at.

Used in-process by tests/views/test_layout.py and, for 150 % scaling (which must be set
before the QApplication exists), in a subprocess: ``python -m tests.helpers.layout_check``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QScrollBar,
    QSizePolicy,
    QTabBar,
    QToolBar,
    QWidget,
)

#: (width, height, scale): the laptop sizes of issue 14, and a 1080p screen at 150 %.
SIZES = ((1366, 768, 1.0), (1280, 720, 1.0), (1920, 1080, 1.5))
TAB_NAMES = ("portfolio", "dashboard", "opportunities", "alerts", "reviews", "renewals")


def _name(w: QWidget) -> str:
    text = ""
    if isinstance(w, QLabel | QAbstractButton):
        text = w.text()
    elif isinstance(w, QGroupBox):
        text = w.title()
    text = " ".join(text.split())[:50]
    chain: list[str] = []
    p: QWidget | None = w
    while p is not None and len(chain) < 4:
        chain.append(type(p).__name__ + (f"#{p.objectName()}" if p.objectName() else ""))
        p = p.parentWidget()
    return f"{' < '.join(chain)} {text!r}"


def _inside_item_view(w: QWidget) -> bool:
    """Cells' editors and the like lay themselves out inside an item view's viewport."""
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QAbstractScrollArea) and not isinstance(p, QScrollArea) and p.viewport().isAncestorOf(w):  # fmt: skip
            return True
        p = p.parentWidget()
    return False


def layout_problems(root: QWidget) -> list[str]:
    """Widgets smaller than their minimum size hint, labels, buttons and headers whose text
    is cut. Only what is visible counts."""
    problems: list[str] = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.isWindow() or isinstance(w, QScrollBar | QTabBar | QToolBar):
            continue
        if _inside_item_view(w) or isinstance(w.parentWidget(), QComboBox):
            continue  # parts that lay themselves out (cell editors, a combo box's line edit)
        if type(w).__name__ in ("QToolBarExtension", "QTabBarScrollButton", "QSplitterHandle"):  # fmt: skip
            continue
        policy = w.sizePolicy()
        hint = w.minimumSizeHint()
        if hint.isValid() and not isinstance(w, QHeaderView):  # a table's header: see below
            short_w = (policy.horizontalPolicy() != QSizePolicy.Policy.Ignored and w.width() < min(hint.width(), w.maximumWidth()))  # fmt: skip
            short_h = (policy.verticalPolicy() != QSizePolicy.Policy.Ignored and w.height() < min(hint.height(), w.maximumHeight()))  # fmt: skip
            if short_w or short_h:
                problems.append(f"{_name(w)}: {w.width()}×{w.height()} < minimum {hint.width()}×{hint.height()}")  # fmt: skip
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                if w.height() < w.heightForWidth(w.width()):
                    problems.append(f"{_name(w)}: wrapped text cut ({w.height()} < {w.heightForWidth(w.width())} high)")  # fmt: skip
            elif w.width() < w.sizeHint().width() or w.height() < w.sizeHint().height():
                problems.append(f"{_name(w)}: text cut ({w.width()}×{w.height()} < {w.sizeHint().width()}×{w.sizeHint().height()})")  # fmt: skip
        if isinstance(w, QAbstractButton | QComboBox | QLineEdit) and w.width() < w.minimumSizeHint().width():  # fmt: skip
            problems.append(f"{_name(w)}: cut")
        if isinstance(w, QHeaderView) and w.orientation() == Qt.Orientation.Horizontal:
            table = w.parentWidget()
            if table is not None and table.property("fitsWidth") and w.length() > w.width() + 1:
                problems.append(f"{_name(w)}: columns run {w.length() - w.width()} px off the right edge")  # fmt: skip
            model = w.model()
            for logical in range(w.count()):
                if w.isSectionHidden(logical):
                    continue
                text = str(model.headerData(logical, Qt.Orientation.Horizontal) or "")
                needed = w.fontMetrics().horizontalAdvance(text) + 10
                if w.sectionSize(logical) < needed:
                    problems.append(f"{_name(w)}: column {text!r} header cut ({w.sectionSize(logical)} < {needed})")  # fmt: skip
    return problems


def render_tabs(
    window: QWidget,
    tabs: object,
    *,
    size: tuple[int, int],
    tag: str,
    folder: Path,
    wait_tab: Callable[[int], None],
) -> dict[str, list[str]]:
    """Resize, show each tab in turn, check it and save it as ``<tab>-<tag>.png``."""
    from PySide6.QtWidgets import QTabWidget

    assert isinstance(tabs, QTabWidget)
    window.resize(*size)
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    for i, name in enumerate(TAB_NAMES):
        tabs.setCurrentIndex(i)
        wait_tab(i)
        QApplication.processEvents()
        found[name] = layout_problems(window)
        assert window.grab().save(str(folder / f"{name}-{tag}.png"))
    return found


def main(argv: list[str]) -> int:
    """Subprocess mode: cache, settings file, width, height, tag, folder, client → JSON."""
    cache_path, settings_path, width, height, tag, folder, client = argv
    import time

    from PySide6.QtCore import QSettings

    from csconsole.cache import Cache
    from csconsole.catalog import default_catalog
    from csconsole.views.main_window import MainWindow
    from csconsole.views.theme import apply_theme

    app = QApplication([])
    apply_theme(app, "light")
    cache = Cache.open(Path(cache_path))
    window = MainWindow(cache, default_catalog(), settings=QSettings(settings_path, QSettings.Format.IniFormat))  # fmt: skip
    window.show()

    def wait(condition: Callable[[], bool], timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the console did not load in time")
            app.processEvents()
            time.sleep(0.01)

    wait(lambda: window.portfolio is not None)
    window.open_client(client)
    found = render_tabs(window, window.tabs, size=(int(width), int(height)), tag=tag,
                        folder=Path(folder), wait_tab=lambda i: wait(lambda: tab_ready(window, i)))  # fmt: skip
    window.close()
    cache.close()
    print(json.dumps(found))
    return 0


def tab_ready(window: object, index: int) -> bool:
    """Has the tab's background load finished?"""
    from csconsole.views.main_window import MainWindow

    assert isinstance(window, MainWindow)
    if index == 1:
        return window.dashboard_view.dashboard is not None and window.dashboard_view.chart.series is not None  # fmt: skip
    if index == 2:  # ctx is set when the list has been shown
        return window.opportunities_view.ctx is not None and window.runner.running("opportunities") is None  # fmt: skip
    if index == 3:
        return bool(window.alerts_view.summary.text()) and not any(
            window.runner.running(name) for name in ("alerts-list", "alert-draft")
        )
    if index == 4:
        return window.reviews_view.facts is not None and window.runner.running("reviews-load") is None  # fmt: skip
    if index == 5:
        return bool(window.renewals_view.summary.text())
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
