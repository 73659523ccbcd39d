"""Application start-up: the QApplication, the cache and the main window.

This first window lists the clients in the cache and when data was last
synced; the portfolio and dashboard tabs replace it in a later release.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QTableView

from csconsole import __version__
from csconsole.cache import Cache
from csconsole.errors import KnownError

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Client", "Tier", "Package value", "CSM", "Samples", "Latest sample")


class ClientListModel(QAbstractTableModel):
    """Clients with their sample counts, read once from the cache."""

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self._rows: list[tuple[Any, ...]] = []
        self.reload(cache)

    def reload(self, cache: Cache) -> None:
        with cache.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT c.name, c.tier, c.package_value, c.csm, count(s.value), max(s.period_start) "
                "FROM clients c LEFT JOIN samples s ON s.client_id = c.id "
                "GROUP BY c.id ORDER BY c.name"
            ).all()
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 1:
                return str(value).capitalize()
            if index.column() == 2:
                return f"${value:,.0f}"
            if index.column() == 4:
                return f"{value:,}"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (2, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None


class MainWindow(QMainWindow):
    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self.cache = cache
        self.setWindowTitle(f"csconsole {__version__}")
        self.model = ClientListModel(cache)
        table = QTableView()
        table.setModel(self.model)
        table.setSortingEnabled(False)
        table.horizontalHeader().setStretchLastSection(True)
        table.resizeColumnsToContents()
        self.setCentralWidget(table)
        self.resize(1000, 640)
        self.statusBar().showMessage(self.last_sync_text())

    def last_sync_text(self) -> str:
        with self.cache.engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT max(finished_at) FROM sync_runs WHERE status = 'ok'"
            ).scalar_one()
        if row is None:
            return "Never synced: run 'csconsole demo' or add a source."
        return f"Last synced {str(row)[:16]} UTC · {self.model.rowCount()} clients"


def run_gui(cache_path: Path) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("csconsole")
    app.setOrganizationName("csconsole")
    try:
        cache = Cache.open(cache_path)
    except KnownError as exc:
        QMessageBox.critical(None, "csconsole", str(exc))
        return 1
    window = MainWindow(cache)
    window.show()
    code = app.exec()
    cache.close()
    return int(code)
