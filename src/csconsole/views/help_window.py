"""Help ▸ User guide (F1) and Keyboard shortcuts: the README's tour, bundled in resources.

The guide is ``resources/help/guide.md`` (a test keeps it equal to the README's tour),
rendered as Markdown and searchable; the shortcuts page is read from the window's own
actions, so it cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from csconsole.errors import KnownError
from csconsole.paths import resources_dir

GUIDE_FILE = ("help", "guide.md")


def guide_text() -> str:
    """The bundled user guide (Markdown)."""
    path = resources_dir().joinpath(*GUIDE_FILE)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnownError(f"the user guide {path} cannot be read: {exc.strerror}") from exc


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(what it does, keys) for every action with a shortcut, in menu order, once each."""
    rows: list[tuple[str, str]] = []
    seen: set[int] = set()
    for action in actions:
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
        native = QKeySequence.SequenceFormat.NativeText
        rows.append((text.rstrip("…"), ", ".join(k.toString(native) for k in keys)))
    return rows


class HelpWindow(QWidget):
    """The guide with a search field, and the list of keyboard shortcuts."""

    GUIDE, SHORTCUTS = 0, 1

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("csconsole help")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search the guide…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the guide")
        self.next_button = QPushButton("&Next")
        self.found = QLabel()
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        try:
            self.browser.setMarkdown(guide_text())
        except KnownError as exc:
            self.browser.setPlainText(str(exc))
        guide = QWidget()
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.next_button)
        bar.addWidget(self.found)
        column = QVBoxLayout(guide)
        column.addLayout(bar)
        column.addWidget(self.browser, 1)

        rows = shortcut_rows(actions)
        self.shortcuts = QTableWidget(len(rows), 2)
        self.shortcuts.setHorizontalHeaderLabels(["Action", "Keys"])
        self.shortcuts.verticalHeader().setVisible(False)
        self.shortcuts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shortcuts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for r, (text, keys) in enumerate(rows):
            self.shortcuts.setItem(r, 0, QTableWidgetItem(text))
            self.shortcuts.setItem(r, 1, QTableWidgetItem(keys))
        self.shortcuts.resizeColumnToContents(1)

        self.pages = QTabWidget()
        self.pages.addTab(guide, "&User guide")
        self.pages.addTab(self.shortcuts, "&Keyboard shortcuts")
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.resize(760, 620)
        self.search.textChanged.connect(lambda _t: self.find_text(from_start=True))
        self.search.returnPressed.connect(self.find_text)
        self.next_button.clicked.connect(lambda: self.find_text())

    def show_page(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.show()
        self.activateWindow()
        if page == self.GUIDE:
            self.search.setFocus()

    def find_text(self, *, from_start: bool = False) -> bool:
        """Select the next match of the search text (wrapping round); False when none."""
        text = self.search.text().strip()
        if not text:
            self.found.setText("")
            return False
        if from_start:
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
        hit = self.browser.find(text)
        if not hit:  # wrap round to the top once
            self.browser.moveCursor(QTextCursor.MoveOperation.Start)
            hit = self.browser.find(text)
        count = 0
        cursor = self.browser.document().find(text)
        while not cursor.isNull():
            count += 1
            cursor = self.browser.document().find(text, cursor, QTextDocument.FindFlag(0))
        self.found.setText(f"{count} found" if count else "Not found")
        return hit
