"""The Portfolio tab: every client with status, worst reason, alerts and next review."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QSettings, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole.errors import KnownError
from csconsole.portfolio import Portfolio, PortfolioRow
from csconsole.renewals import RenewalRule, Window
from csconsole.views.table_model import ID_ROLE, RIGHT, SORT_ROLE, Index, RowsModel, status_colour
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.theme import status_label

#: A portfolio row's identity is its client key.
KEY_ROLE = ID_ROLE
TREND_ARROWS = {"up": "↑", "down": "↓", "steady": "→", "new": "→ new", "↑": "↑", "↓": "↓", "→": "→"}
STATUS_ORDER = {"red": 0, "yellow": 1, "green": 2, "none": 3}
#: Rows measured when the table fits its columns to their contents (visible rows first).
RESIZE_SAMPLE_ROWS = 60

COLUMNS = (
    "Client",
    "Tier",
    "Package",
    "Status",
    "Why",
    "Open alerts",
    "Overdue",
    "Rating",
    "Trend",
    "Next review",
    "Opportunities",
    "ARR",
    "Renews in",
)
(C_NAME, C_TIER, C_VALUE, C_STATUS, C_WHY, C_OPEN, C_OVERDUE, C_RATING, C_TREND, C_REVIEW,
 C_OPPORTUNITIES, C_ARR, C_RENEWS) = range(len(COLUMNS))  # fmt: skip
#: Added after the others (so a layout saved before keeps its meaning), shown after
#: "Package" when no layout was saved.
SHOWN_AFTER_PACKAGE = (C_ARR, C_RENEWS)
#: Sorts after every known renewal.
NO_RENEWAL = 10**6


def configured_rule() -> RenewalRule:
    """The rule in the settings; the defaults while the settings file cannot be read (the
    console names that problem where it opens the settings)."""
    try:
        return RenewalRule.configured()
    except KnownError:
        return RenewalRule()


def renewal_sort_key(row: PortfolioRow) -> int:
    days = row.days_to_renewal
    return NO_RENEWAL if days is None else days


def renewal_tooltip(row: PortfolioRow) -> str | None:
    return None if row.renewal is None else row.renewal.explanation()


def computed_font(row: PortfolioRow) -> QFont | None:
    """Italic for a renewal computed from the start and the term."""
    if row.renewal is None or not row.renewal.computed:
        return None
    font = QFont()
    font.setItalic(True)
    return font


def trend_arrow(trend: str | None) -> str:
    return TREND_ARROWS.get(trend or "", "")


class PortfolioModel(RowsModel):
    """Rows of :class:`PortfolioRow`; display text, sort keys and status colours by role."""

    columns = COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self.today = clock.today()

    def set_portfolio(self, portfolio: Portfolio, today: date) -> int:
        """Show ``portfolio``; returns how many rows changed (see ``replace_rows``)."""
        if today != self.today:
            self.beginResetModel()
            self._rows, self.today = [], today  # every "days to review" moves
            self.endResetModel()
        return self.replace_rows(list(portfolio.rows))

    def item_id(self, row: PortfolioRow) -> str:
        return row.key

    def role_data(self, row: PortfolioRow, _index: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (C_STATUS, C_WHY):
                return "\n".join(row.reasons) or "Every targeted metric is on target."
            if column == C_REVIEW:
                return f"Monthly review on {row.next_review.isoformat()}"
            if column == C_ARR:
                return f"Annual value: the monthly fee (${row.package_value:,.0f}) × 12"
            if column == C_RENEWS:
                return renewal_tooltip(row)
            if column == C_OPPORTUNITIES and row.open_opportunities:
                return (
                    f"{row.open_opportunities} open opportunities needing "
                    f"${row.opportunity_value:,.0f} of investment (see the Opportunities tab)"
                )
            return None
        if column == C_STATUS:
            return status_colour(row.status, role)
        if role == Qt.ItemDataRole.FontRole and column == C_RENEWS:
            return computed_font(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            C_VALUE,
            C_ARR,
            C_RENEWS,
            C_OPEN,
            C_OVERDUE,
            C_RATING,
            C_REVIEW,
            C_OPPORTUNITIES,
        ):
            return RIGHT
        if role == Qt.ItemDataRole.TextAlignmentRole and column == C_TREND:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def display(self, row: PortfolioRow, _index: int, column: int) -> str:
        if column == C_NAME:
            return row.name
        if column == C_TIER:
            return row.tier.capitalize()
        if column == C_VALUE:
            return f"${row.package_value:,.0f}"
        if column == C_STATUS:
            return status_label(row.status)
        if column == C_WHY:
            more = len(row.reasons) - 1
            return row.worst_reason + (f" (+{more} more)" if more > 0 else "")
        if column == C_OPEN:
            return str(row.open_alerts) if row.open_alerts else ""
        if column == C_OVERDUE:
            return f"⚠ {row.overdue_alerts}" if row.overdue_alerts else ""
        if column == C_RATING:
            return "" if row.rating is None else f"{row.rating:.1f}"
        if column == C_TREND:
            return trend_arrow(row.trend)
        if column == C_OPPORTUNITIES:
            if not row.open_opportunities:
                return ""
            return f"{row.open_opportunities} · ${row.opportunity_value:,.0f}"
        if column == C_ARR:
            return f"${row.arr:,.0f}"
        if column == C_RENEWS:
            return "—" if row.renewal is None else row.renewal.renews_in(short=True)
        days = row.days_to_review(self.today)
        return "today" if days == 0 else f"{days} d"

    def sort_key(self, row: PortfolioRow, column: int) -> Any:
        if column == C_VALUE:
            return row.package_value
        if column == C_STATUS:
            return STATUS_ORDER[row.status]
        if column == C_OPEN:
            return row.open_alerts
        if column == C_OVERDUE:
            return row.overdue_alerts
        if column == C_RATING:
            return -1.0 if row.rating is None else row.rating
        if column == C_REVIEW:
            return row.next_review.toordinal()
        if column == C_OPPORTUNITIES:
            return row.opportunity_value
        if column == C_ARR:
            return row.arr
        if column == C_RENEWS:
            return renewal_sort_key(row)
        return self.display(row, 0, column).casefold()


class PortfolioFilter(QSortFilterProxyModel):
    """Filters by tier, status, CSM and renewal window, and searches client names."""

    def __init__(self) -> None:
        super().__init__()
        self.tier = ""
        self.status = ""
        self.csm = ""
        self.text = ""
        self.window: Window | None = None  # None: any renewal, or none
        self.setSortRole(SORT_ROLE)

    def set_filters(
        self, *, tier: str, status: str, csm: str, text: str, window: Window | None = None
    ) -> None:
        self.beginFilterChange()
        self.tier, self.status, self.csm, self.text = tier, status, csm, text.strip().casefold()
        self.window = window
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, PortfolioModel)
        row = model.row_at(source_row)
        return (
            (not self.tier or row.tier == self.tier)
            and (not self.status or row.status == self.status)
            and (not self.csm or row.csm == self.csm)
            and (self.window is None or self.window.holds(row.renewal, model.today))
            and (
                not self.text or self.text in row.name.casefold() or self.text in row.key.casefold()
            )
        )


class PortfolioTable(QTableView):
    """Enter opens the selected client, as a double-click does."""

    activated_key = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_key.emit(str(self.currentIndex().data(KEY_ROLE)))
            return
        super().keyPressEvent(event)


class PortfolioView(QWidget):
    """The tab: filters and search above the client table."""

    client_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = PortfolioModel()
        self.proxy = PortfolioFilter()
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search clients…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search clients")
        self.tier = QComboBox()
        self.status = QComboBox()
        self.csm = QComboBox()
        self.renewal = QComboBox()
        for combo, name in (
            (self.tier, "tier"),
            (self.status, "status"),
            (self.csm, "CSM"),
            (self.renewal, "renewal window"),
        ):
            combo.setAccessibleName(f"Filter by {name}")
        self.rule = RenewalRule()
        self.set_rule(configured_rule())
        self.tier.addItem("All tiers", "")
        for tier in ("essential", "professional", "enterprise"):
            self.tier.addItem(tier.capitalize(), tier)
        self.status.addItem("All statuses", "")
        for status in ("red", "yellow", "green"):
            self.status.addItem(status_label(status), status)
        self.csm.addItem("All CSMs", "")
        self.summary = QLabel()
        self.table = PortfolioTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # resizeColumnsToContents asks the model about this many rows, not every row: with
        # hundreds of clients the full scan blocked the GUI for half a second at each refresh.
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.table.horizontalHeader().setSectionResizeMode(C_WHY, QHeaderView.ResizeMode.Stretch)
        setup_columns(self.table)  # "Why" stretches: the columns fit without shrinking
        header = self.table.horizontalHeader()
        for n, column in enumerate(SHOWN_AFTER_PACKAGE):
            header.moveSection(header.visualIndex(column), header.visualIndex(C_VALUE) + 1 + n)
        self._sized = False
        self._wanted_csm = ""
        self.table.doubleClicked.connect(
            lambda index: self.client_opened.emit(str(index.data(KEY_ROLE)))
        )
        self.table.activated_key.connect(self.client_opened)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 2)
        for combo in (self.tier, self.status, self.csm, self.renewal):
            bar.addWidget(combo)
        #: One line at the top when the filters leave no client.
        self.empty_hint = QLabel("No client matches: clear the search or set the filters back to All.")  # fmt: skip
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty_hint)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        self.search.textChanged.connect(self._apply_filters)
        for combo in (self.tier, self.status, self.csm, self.renewal):
            combo.currentIndexChanged.connect(self._apply_filters)

    def set_rule(self, rule: RenewalRule) -> None:
        """The renewal windows to filter by (from the settings), keeping the choice."""
        wanted = self.renewal.currentData() or ""
        self.rule = rule
        self.renewal.blockSignals(True)
        self.renewal.clear()
        self.renewal.addItem("Any renewal", "")
        for window in rule.windows:
            self.renewal.addItem(f"Renews: {window.label.lower()}", window.key)
        self.renewal.setCurrentIndex(max(0, self.renewal.findData(wanted)))
        self.renewal.blockSignals(False)

    def set_portfolio(self, portfolio: Portfolio, today: date) -> None:
        current_csm = self._wanted_csm or self.csm.currentData()
        self._wanted_csm = ""
        self.model.set_portfolio(portfolio, today)
        self.csm.blockSignals(True)
        self.csm.clear()
        self.csm.addItem("All CSMs", "")
        for csm in sorted({r.csm for r in portfolio.rows if r.csm}):
            self.csm.addItem(csm, csm)
        self.csm.setCurrentIndex(max(0, self.csm.findData(current_csm)))
        self.csm.blockSignals(False)
        self._apply_filters()
        if not self._sized:  # once: afterwards the widths are the user's
            self._sized = True
            self.table.resizeColumnsToContents()
            self.table.horizontalHeader().setSectionResizeMode(C_WHY, QHeaderView.ResizeMode.Stretch)  # fmt: skip
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _apply_filters(self) -> None:
        self.proxy.set_filters(
            tier=str(self.tier.currentData() or ""),
            status=str(self.status.currentData() or ""),
            csm=str(self.csm.currentData() or ""),
            text=self.search.text(),
            window=self.rule.window(str(self.renewal.currentData() or "")),
        )
        rows = [self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
                for r in range(self.proxy.rowCount())]  # fmt: skip
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("red", "yellow", "green")}
        overdue = sum(r.overdue_alerts for r in rows)
        arr = sum(r.arr for r in rows)
        self.empty_hint.setVisible(not rows and self.model.rowCount() > 0)
        self.summary.setText(
            f"{len(rows)} of {self.model.rowCount()} clients · {counts['red']} red · "
            f"{counts['yellow']} yellow · {counts['green']} green · {overdue} overdue alerts · "
            f"ARR ${arr:,.0f}"
        )

    def save_state(self, settings: QSettings) -> None:
        """Filters, search, sort and columns, for the next start."""
        for name, combo in (
            ("tier", self.tier),
            ("status", self.status),
            ("csm", self.csm),
            ("renewal", self.renewal),
        ):
            settings.setValue(f"portfolio/{name}", str(combo.currentData() or ""))
        settings.setValue("portfolio/search", self.search.text())
        save_table(settings, "portfolio", self.table)

    def restore_state(self, settings: QSettings) -> None:
        for name, combo in (
            ("tier", self.tier),
            ("status", self.status),
            ("renewal", self.renewal),
        ):
            combo.setCurrentIndex(max(0, combo.findData(str(settings.value(f"portfolio/{name}", "")))))  # fmt: skip
        self._wanted_csm = str(settings.value("portfolio/csm", ""))  # the CSMs come with the data
        self.search.setText(str(settings.value("portfolio/search", "")))
        if restore_table(settings, "portfolio", self.table):
            self._sized = True

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
