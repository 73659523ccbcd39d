"""The base of the console's table models: a list of engine rows shown by column.

The Portfolio, Opportunities and Alerts tables each keep a list of the engine's row
objects and answer Qt by role; this class holds what they share (counts, headers,
the role dispatch, status colours) so each model only says how its columns read.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from csconsole.views.theme import status_colours

Index = QModelIndex | QPersistentModelIndex
#: The value a column sorts by (numbers and dates, not their display text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's identity in the engine (client key, alert id, opportunity id).
ID_ROLE = Qt.ItemDataRole.UserRole + 2
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def status_colour(status: str, role: int) -> QColor | None:
    """The background or foreground of a status cell, for those two roles only."""
    if role == Qt.ItemDataRole.BackgroundRole:
        return status_colours(status)[0]
    if role == Qt.ItemDataRole.ForegroundRole:
        return status_colours(status)[1]
    return None


class RowsModel(QAbstractTableModel):
    """Rows of engine objects under ``columns``; subclasses say how a cell reads."""

    columns: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Any] = []

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def replace_rows(self, rows: list[Any]) -> int:
        """Show ``rows``. When they are the same items in the same order (by
        :meth:`item_id`), only the rows that differ are updated, so selection, scroll
        and sort stay put; otherwise the model is reset. Returns how many rows changed."""
        old = self._rows
        if [self.item_id(r) for r in old] != [self.item_id(r) for r in rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return len(rows)
        self._rows = rows
        changed = [n for n, (a, b) in enumerate(zip(old, rows, strict=True)) if a != b]
        last = len(self.columns) - 1
        for n in changed:
            self.dataChanged.emit(self.index(n, 0), self.index(n, last))
        return len(changed)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        item = self._rows[row]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(item, row, column)
        if role == SORT_ROLE:
            return self.sort_key(item, column)
        if role == ID_ROLE:
            return self.item_id(item)
        return self.role_data(item, row, column, role)

    # --- what a subclass says ------------------------------------------------------

    def display(self, item: Any, row: int, column: int, /) -> str:
        raise NotImplementedError

    def sort_key(self, item: Any, column: int, /) -> Any:
        raise NotImplementedError

    def item_id(self, item: Any, /) -> Any:
        raise NotImplementedError

    def role_data(self, item: Any, row: int, column: int, role: int, /) -> Any:
        """Every other role (tooltips, colours, alignment); None by default."""
        return None
