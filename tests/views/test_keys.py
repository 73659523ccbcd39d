"""Keys and help: no ambiguous shortcut, F5 syncs, Ctrl+1…6 switch tabs, F1 opens the guide."""

from __future__ import annotations

import re

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from csconsole.cache import Cache
from csconsole.catalog import Catalog
from csconsole.views.help_window import HelpWindow, guide_text
from csconsole.views.main_window import MainWindow
from tests.helpers import ROOT
from tests.helpers.windows import close, make_window

README = ROOT / "README.md"
WIDGET_SCOPES = (Qt.ShortcutContext.WidgetShortcut, Qt.ShortcutContext.WidgetWithChildrenShortcut)


def bindings(window: MainWindow) -> list[tuple[str, object, QWidget | None, str]]:
    """(key, owner, scope widget or None for the whole window, description) of every
    shortcut of every QAction and QShortcut the window holds."""
    found: list[tuple[str, object, QWidget | None, str]] = []
    for action in window.findChildren(QAction):
        scoped = action.shortcutContext() in WIDGET_SCOPES
        widgets = [w for w in action.associatedObjects() if isinstance(w, QWidget)]
        for key in action.shortcuts():
            if key.isEmpty():
                continue
            scopes: list[QWidget | None] = list(widgets) if scoped else [None]
            for scope in scopes:
                found.append((key.toString(), action, scope, action.text()))
    for shortcut in window.findChildren(QShortcut):
        scoped = shortcut.context() in WIDGET_SCOPES
        parent = shortcut.parentWidget()  # type: ignore[attr-defined]  # not in the stubs
        for key in shortcut.keys():  # noqa: SIM118 (a QShortcut, not a dict)
            found.append((key.toString(), shortcut, parent if scoped else None, "QShortcut"))
    return found


def overlaps(a: QWidget | None, b: QWidget | None) -> bool:
    """Can both scopes hold the focus at once (one is the window, or one contains the other)?"""
    if a is None or b is None:
        return True
    return a is b or a.isAncestorOf(b) or b.isAncestorOf(a)


def test_no_shortcut_is_bound_twice(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    seen = bindings(window)
    assert len(seen) > 15
    clashes = [
        (key, text, other_text)
        for i, (key, owner, scope, text) in enumerate(seen)
        for key2, owner2, scope2, other_text in seen[i + 1 :]
        if key == key2 and owner is not owner2 and overlaps(scope, scope2)
    ]
    assert clashes == []
    close(window)


def test_f5_syncs_and_ctrl_digits_switch_tabs(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    window.activateWindow()
    window.portfolio_view.table.setFocus()
    started: list[bool] = []
    window.sync_action.triggered.connect(lambda: started.append(True))
    with qtbot.waitSignal(window.sync.finished, timeout=60_000):
        qtbot.keyClick(window.portfolio_view.table, Qt.Key.Key_F5)
    assert started == [True]
    for i in range(window.tabs.count()):
        qtbot.keyClick(
            window.tabs.currentWidget(),
            Qt.Key(Qt.Key.Key_1 + i),
            Qt.KeyboardModifier.ControlModifier,
        )
        assert window.tabs.currentIndex() == i
    shortcuts = {
        "find": window.find_action.shortcut(),
        "settings": window.settings_action.shortcut(),
        "help": window.help_action.shortcut(),
    }
    assert shortcuts == {
        "find": QKeySequence("Ctrl+F"),
        "settings": QKeySequence("Ctrl+,"),
        "help": QKeySequence("F1"),
    }
    # File ▸ Import tracking sheet… has Ctrl+I, and nothing else does.
    assert [a for key, a, *_ in bindings(window) if key == "Ctrl+I"] == [window.import_action]
    close(window)


def test_f1_opens_the_searchable_guide_and_the_shortcuts(
    qtbot: QtBot, synced_cache: Cache, catalog: Catalog, qsettings: QSettings
) -> None:
    window = make_window(qtbot, synced_cache, catalog, qsettings)
    qtbot.keyClick(window.portfolio_view.table, Qt.Key.Key_F1)
    help_window = window.help_window
    assert isinstance(help_window, HelpWindow) and help_window.isVisible()
    assert help_window.pages.currentIndex() == HelpWindow.GUIDE
    assert "Portfolio" in help_window.browser.toPlainText()
    qtbot.keyClicks(help_window.search, "upsell")
    assert help_window.browser.textCursor().selectedText().casefold() == "upsell"
    assert help_window.found.text().endswith("found") and help_window.found.text()[0].isdigit()
    help_window.search.setText("no such words anywhere")
    assert help_window.found.text() == "Not found"
    window.shortcuts_action.trigger()
    assert help_window.pages.currentIndex() == HelpWindow.SHORTCUTS
    rows = {
        help_window.shortcuts.item(r, 0).text(): help_window.shortcuts.item(r, 1).text()
        for r in range(help_window.shortcuts.rowCount())
    }
    assert rows["Sync now"] == "F5, Ctrl+R"
    assert rows["User guide"] == "F1"
    assert rows["Reviews"] == "Ctrl+5"
    assert rows["Renewals"] == "Ctrl+6"
    close(window)


def words(text: str) -> str:
    return " ".join(re.sub(r"!\[[^]]*\]\([^)]*\)", "", text).split())


def test_the_bundled_guide_is_the_readme_tour() -> None:
    readme = README.read_text(encoding="utf-8")
    tour = readme.split("### A short tour\n", 1)[1].split("\n## ", 1)[0]
    assert words(tour) in words(guide_text())
