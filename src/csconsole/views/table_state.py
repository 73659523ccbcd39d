"""What the console's tables share: long text elided with the whole of it in a tooltip,
columns the user can show, hide and reorder (right-click a header, drag a header), and
all of that plus the sort remembered across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QByteArray, QModelIndex, QPersistentModelIndex, QSettings, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
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


def setup_columns(table: QTableView, *, hidden: Iterable[int] = ()) -> None:
    """Eliding cells, movable columns, and a header menu to show or hide each column."""
    table.setItemDelegate(ElidingDelegate(table))
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda pos: column_menu(table).popup(header.mapToGlobal(pos)))  # fmt: skip
    header.setToolTip("Drag a column to move it; right-click to choose the columns")
    for column in hidden:
        header.setSectionHidden(column, True)


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
