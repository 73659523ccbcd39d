"""The clients renewing in the chosen window: status, rating, trend, ARR, the renewal,
open alerts and open opportunities, each sortable by its value."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from csconsole import formatting
from csconsole.portfolio import PortfolioRow
from csconsole.renewals import RenewalRule
from csconsole.views.portfolio_view import (
    STATUS_ORDER,
    computed_font,
    renewal_sort_key,
    renewal_tooltip,
    trend_arrow,
)
from csconsole.views.table_model import RIGHT, RowsModel, status_colour
from csconsole.views.theme import status_label

COLUMNS = (
    "Client",
    "Status",
    "Rating",
    "Trend",
    "ARR",
    "Renewal date",
    "Renews in",
    "Open alerts",
    "Opportunities",
    "CSM",
)
(C_NAME, C_STATUS, C_RATING, C_TREND, C_ARR, C_DATE, C_RENEWS, C_ALERTS, C_OPPORTUNITIES,
 C_CSM) = range(len(COLUMNS))  # fmt: skip
NUMERIC = frozenset({C_RATING, C_ARR, C_DATE, C_RENEWS, C_ALERTS, C_OPPORTUNITIES})


class RenewalsModel(RowsModel):
    """Portfolio rows renewing in a window; the rows counted in the value at risk are
    marked (bold ARR, and said in the tooltip)."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.rule = RenewalRule()
        self.today = date.today()

    def set_rows(self, rows: list[PortfolioRow], *, today: date, rule: RenewalRule) -> int:
        if (today, rule) != (self.today, self.rule):
            self.beginResetModel()
            self._rows, self.today, self.rule = [], today, rule
            self.endResetModel()
        return self.replace_rows(rows)

    def item_id(self, row: PortfolioRow) -> str:
        return row.key

    def display(self, row: PortfolioRow, _index: int, column: int) -> str:
        renewal = row.renewal
        if column == C_NAME:
            return row.name
        if column == C_STATUS:
            return status_label(row.status)
        if column == C_RATING:
            return "" if row.rating is None else f"{row.rating:.1f}"
        if column == C_TREND:
            return trend_arrow(row.trend)
        if column == C_ARR:
            return f"${row.arr:,.0f}"
        if column == C_DATE:
            if renewal is None or renewal.renewal_date is None:
                return formatting.NONE
            when = formatting.day(renewal.renewal_date)
            return f"{when} (estimated)" if renewal.computed else when
        if column == C_RENEWS:
            return formatting.NONE if renewal is None else renewal.renews_in()
        if column == C_ALERTS:
            overdue = f" (⚠ {row.overdue_alerts} overdue)" if row.overdue_alerts else ""
            return f"{row.open_alerts}{overdue}" if row.open_alerts else ""
        if column == C_OPPORTUNITIES:
            if not row.open_opportunities:
                return ""
            return f"{row.open_opportunities} · ${row.opportunity_value:,.0f}"
        return row.csm

    def sort_key(self, row: PortfolioRow, column: int) -> Any:
        if column == C_STATUS:
            return STATUS_ORDER[row.status]
        if column == C_RATING:
            return -1.0 if row.rating is None else row.rating
        if column == C_ARR:
            return row.arr
        if column in (C_DATE, C_RENEWS):
            return renewal_sort_key(row)
        if column == C_ALERTS:
            return (row.open_alerts, row.overdue_alerts)
        if column == C_OPPORTUNITIES:
            return row.opportunity_value
        return self.display(row, 0, column).casefold()

    def role_data(self, row: PortfolioRow, _index: int, column: int, role: int) -> Any:
        if column == C_STATUS and role != Qt.ItemDataRole.ToolTipRole:
            return status_colour(row.status, role)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (C_DATE, C_RENEWS):
                return renewal_tooltip(row)
            if column == C_ARR:
                counted = " Counted in the value at risk." if self.rule.counts(row) else ""
                return f"The monthly fee (${row.package_value:,.0f}) × 12.{counted}"
            if column == C_STATUS:
                return "\n".join(row.reasons) or "Every targeted metric is on target."
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column == C_ARR and self.rule.counts(row):
                font = QFont()
                font.setBold(True)
                return font
            if column in (C_DATE, C_RENEWS):
                return computed_font(row)
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in NUMERIC:
                return RIGHT
            if column == C_TREND:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None
