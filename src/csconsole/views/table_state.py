"""What the console's tables share: long text elided with the whole of it in a tooltip,
columns the user can show, hide and reorder (right-click a header, drag a header), and
all of that plus the sort remembered across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    Qt,
)
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
)

Index = QModelIndex | QPersistentModelIndex


class ElidingDelegate(QStyledItemDelegate):
    """Cells are cut with "…"; hovering one that is cut shows its whole text (unless the
    model has a tooltip of its own for it)."""

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if index.isValid() and index.data(Qt.ItemDataRole.ToolTipRole) is None:
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
            self.initStyleOption(option, index)
            needed = option.fontMetrics.horizontalAdvance(text) + 8
            if text and needed > option.rect.width():
                QToolTip.showText(event.globalPos(), text, view)
                return True
        return super().helpEvent(event, view, option, index)


#: The least width a text column is shrunk to when the columns must fit the table.
SHRUNK_WIDTH = 70


class ColumnFitter(QObject):
    """Keeps every shown column inside the table's width by narrowing the ``shrink``
    columns (long text, cut with "…") when they would run off the right edge — until the
    user drags a column's width, which is theirs to keep."""

    def __init__(self, table: QTableView, shrink: Iterable[int]) -> None:
        # A child of the viewport it watches, so it goes before the viewport does.
        super().__init__(table.viewport())
        self.viewport = table.viewport()
        self.header = table.horizontalHeader()
        self.shrink = tuple(shrink)
        self.user_sized = False
        self._fitting = False
        # The viewport, not the table: it narrows when a vertical scroll bar appears too.
        self.viewport.installEventFilter(self)
        self.header.sectionResized.connect(self._section_resized)

    def _section_resized(self, *_args: object) -> None:
        if not self._fitting and QApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            self.user_sized = True  # a drag on the header

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit()
        return False

    def fit(self) -> None:
        """Narrow the shrinkable columns, widest first, until the columns fit."""
        if self.user_sized or not self.viewport.isVisible():
            return
        header = self.header
        room = self.viewport.width()
        excess = header.length() - room
        columns = [c for c in self.shrink if not header.isSectionHidden(c)]
        if excess <= 0 or not columns:
            return
        sizes = {c: header.sectionSize(c) for c in columns}
        target = sum(sizes.values()) - excess

        def total(level: int) -> int:
            return sum(min(size, level) for size in sizes.values())

        # The widest columns come down to one level, the highest at which all fit.
        low, high = SHRUNK_WIDTH, max(sizes.values())
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if total(middle) <= target else (low, middle - 1)
        self._fitting = True
        try:
            for column, size in sizes.items():
                if size > low:
                    header.resizeSection(column, low)
        finally:
            self._fitting = False


def setup_columns(
    table: QTableView, *, hidden: Iterable[int] = (), shrink: Iterable[int] = ()
) -> ColumnFitter | None:
    """Eliding cells, movable columns, and a header menu to show or hide each column; with
    ``shrink``, those columns narrow so that every column stays in view. (A table with a
    stretching column needs none: the stretch takes up the difference.)"""
    table.setItemDelegate(ElidingDelegate(table))
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda pos: column_menu(table).popup(header.mapToGlobal(pos)))  # fmt: skip
    header.setToolTip("Drag a column to move it; right-click to choose the columns")
    for column in hidden:
        header.setSectionHidden(column, True)
    fitter = ColumnFitter(table, shrink) if shrink else None
    stretches = any(
        header.sectionResizeMode(c) == QHeaderView.ResizeMode.Stretch for c in range(header.count())
    )
    # Either way every shown column stays in view (the layout test checks this property).
    table.setProperty("fitsWidth", fitter is not None or stretches)
    return fitter


def column_menu(table: QTableView) -> QMenu:
    """A check box per column (the last shown one cannot be hidden)."""
    header = table.horizontalHeader()
    model = table.model()
    menu = QMenu(table)
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    for logical in sorted(range(header.count()), key=header.visualIndex):
        title = str(model.headerData(logical, Qt.Orientation.Horizontal) or logical)
        action = menu.addAction(title)
        action.setCheckable(True)
        action.setChecked(not header.isSectionHidden(logical))
        action.setEnabled(shown != [logical])
        action.toggled.connect(lambda on, c=logical: _show_column(table, c, on))
    return menu


def _show_column(table: QTableView, column: int, on: bool) -> None:
    header = table.horizontalHeader()
    header.setSectionHidden(column, not on)
    if on and header.sectionSize(column) < header.minimumSectionSize() * 2:
        table.resizeColumnToContents(column)
    fitter = table.findChild(ColumnFitter)
    if fitter is not None:
        fitter.fit()


def save_table(settings: QSettings, key: str, table: QTableView) -> None:
    """Column order, widths, hidden columns and the sort, under ``key``."""
    settings.setValue(f"{key}/header", table.horizontalHeader().saveState())


def restore_table(settings: QSettings, key: str, table: QTableView) -> bool:
    """Put back what :func:`save_table` kept; False when nothing (or nothing usable) was."""
    state = settings.value(f"{key}/header")
    header: QHeaderView = table.horizontalHeader()
    if not isinstance(state, QByteArray) or state.isEmpty() or not header.restoreState(state):
        return False
    section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
    if table.isSortingEnabled() and 0 <= section < header.count():
        table.sortByColumn(section, order)
    return True
