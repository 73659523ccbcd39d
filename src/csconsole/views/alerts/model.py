"""The Alerts tab's table: alerts as rows with a live countdown, and the proxy that sorts
them and hides the answered ones unless asked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QFont

from csconsole.alerts import AlertView
from csconsole.formatting import local_time
from csconsole.health.rules import RANK
from csconsole.views.table_model import SORT_ROLE, Index, RowsModel, status_colour
from csconsole.views.theme import status_colours, status_label

COLUMNS = ("Time left", "Client", "Status", "Why", "Assigned to", "Raised")
C_LEFT, C_CLIENT, C_STATUS, C_WHY, C_ASSIGNED, C_RAISED = range(len(COLUMNS))


def duration(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def time_left_text(alert: AlertView, now: datetime) -> str:
    if alert.closed_at is not None:
        return f"Answered {local_time(alert.closed_at)}"
    seconds = alert.time_left(now).total_seconds()
    if seconds < 0:
        return f"Overdue by {duration(seconds)}"
    return f"{duration(seconds)} left"


class AlertsModel(RowsModel):
    """Alerts as rows; the time-left column counts down with :meth:`set_now`."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime.now(UTC)

    def set_alerts(self, alerts: list[AlertView], now: datetime) -> None:
        self.beginResetModel()
        self._rows = list(alerts)
        self.now = now
        self.endResetModel()

    def set_now(self, now: datetime) -> None:
        self.now = now
        if self._rows:
            self.dataChanged.emit(self.index(0, C_LEFT), self.index(len(self._rows) - 1, C_LEFT))

    def alert(self, row: int) -> AlertView:
        return self.row_at(row)

    def find(self, alert_id: int) -> AlertView | None:
        return next((a for a in self._rows if a.id == alert_id), None)

    def update(self, alert: AlertView) -> None:
        for row, old in enumerate(self._rows):
            if old.id == alert.id:
                self._rows[row] = alert
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
                return

    def item_id(self, alert: AlertView) -> int:
        return alert.id

    def role_data(self, alert: AlertView, _row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column in (C_WHY, C_STATUS):
            return "\n".join(alert.reasons)
        if column == C_STATUS:
            return status_colour(alert.status, role)
        if column == C_LEFT and alert.overdue(self.now):
            if role == Qt.ItemDataRole.ForegroundRole:
                return status_colours("red")[1]
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def display(self, alert: AlertView, _row: int, column: int) -> str:
        if column == C_LEFT:
            return time_left_text(alert, self.now)
        if column == C_CLIENT:
            return f"{alert.client_name} ({alert.client_key})"
        if column == C_STATUS:
            return status_label(alert.status)
        if column == C_WHY:
            more = len(alert.reasons) - 1
            first = alert.reasons[0] if alert.reasons else ""
            return first + (f" (+{more} more)" if more > 0 else "")
        if column == C_ASSIGNED:
            return alert.assigned_to
        return local_time(alert.raised_at)

    def sort_key(self, alert: AlertView, column: int) -> Any:
        if column == C_LEFT:
            # open alerts by due time (so overdue ones first), then answered ones, newest first
            if alert.closed_at is None:
                return alert.due_at.timestamp()
            return 1e11 - alert.closed_at.timestamp()
        if column == C_STATUS:
            return -RANK.get(alert.status, 0)
        if column == C_RAISED:
            return alert.raised_at.timestamp()
        return self.display(alert, 0, column).casefold()


class AlertsProxy(QSortFilterProxyModel):
    """Sorts by the model's sort keys; hides answered alerts unless asked."""

    def __init__(self, model: AlertsModel) -> None:
        super().__init__()
        self.setSourceModel(model)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)
        self.show_closed = False

    def set_show_closed(self, show: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9 and later
            self.beginFilterChange()
            self.show_closed = show
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.show_closed = show
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, AlertsModel)
        return self.show_closed or model.alert(source_row).closed_at is None


__all__ = ["AlertsModel", "AlertsProxy", "time_left_text"]
