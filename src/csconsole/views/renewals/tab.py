"""The Renewals tab: the book's totals — ARR, ARR by status, the value at risk with its
definition, renewals due this month — above the clients renewing in the chosen window.

It shows the window's portfolio (the main window hands it over whenever it changes),
so opening it evaluates nothing; the rule and the windows are the settings', re-read
when the settings change.
"""

from __future__ import annotations

from datetime import date
from typing import Unpack

from PySide6.QtCore import QSettings, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock, formatting
from csconsole.portfolio import Portfolio, PortfolioRow
from csconsole.renewals import BookTotals, Window, of_csm, renewals_due, totals_of
from csconsole.views.bus import Change
from csconsole.views.portfolio_view import (
    KEY_ROLE,
    RESIZE_SAMPLE_ROWS,
    PortfolioTable,
    configured_rule,
)
from csconsole.views.renewals.model import C_NAME, RenewalsModel
from csconsole.views.tab import Tab, TabServices
from csconsole.views.table_model import SORT_ROLE
from csconsole.views.table_state import restore_table, save_table, setup_columns
from csconsole.views.theme import status_label

#: The window shown until the user picks one.
DEFAULT_WINDOW = "30"


class Figure(QWidget):
    """One of the book's figures: a caption over a large value."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel(caption)
        self.value = QLabel()
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 16, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)


class RenewalsView(Tab):
    """The book's totals, then who renews in the window, soonest first."""

    client_opened = Signal(str)

    def __init__(self, **services: Unpack[TabServices]) -> None:
        super().__init__(**services)
        self.portfolio: Portfolio | None = None
        self.rule = configured_rule()
        self.totals: BookTotals | None = None
        self._wanted_csm = ""
        self.model = RenewalsModel()
        self.proxy = QSortFilterProxyModel()
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)

        self.arr = Figure("Book ARR")
        self.by_status = Figure("ARR by status")
        self.at_risk = Figure("Value at risk")
        self.this_month = Figure("Renewals due this month")
        figures = QGridLayout()
        for n, figure in enumerate((self.arr, self.by_status, self.at_risk, self.this_month)):
            figures.addWidget(figure, 0, n)
        figures.setColumnStretch(1, 1)
        #: The rule and the window in words, under the figures.
        self.definition = QLabel()
        self.definition.setWordWrap(True)
        self.definition.setObjectName("renewalRule")

        self.window_choice = QComboBox()
        self.window_choice.setAccessibleName("Renewal window")
        self.csm = QComboBox()
        self.csm.setAccessibleName("Filter by CSM")
        self.csm.addItem("All CSMs", "")
        self._fill_windows()

        self.table = PortfolioTable()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # soonest first, as given
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        # Fitting the columns asks about this many rows, not all of them (as the Portfolio).
        self.table.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.table.horizontalHeader().setSectionResizeMode(C_NAME, QHeaderView.ResizeMode.Stretch)
        setup_columns(self.table)
        self._sized = False
        self.table.doubleClicked.connect(
            lambda index: self.client_opened.emit(str(index.data(KEY_ROLE)))
        )
        self.table.activated_key.connect(self.client_opened)
        self.summary = QLabel()
        self.empty_hint = QLabel()
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.hide()

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Renewing:"))
        bar.addWidget(self.window_choice)
        bar.addWidget(self.csm)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(figures)
        layout.addWidget(self.definition)
        layout.addLayout(bar)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.window_choice.currentIndexChanged.connect(self._show)
        self.csm.currentIndexChanged.connect(self._show)

    # --- data --------------------------------------------------------------------------

    @property
    def day(self) -> date:
        return self.today or clock.today()

    def set_portfolio(self, portfolio: Portfolio) -> None:
        """Show this portfolio's renewals (the main window's, whenever it changes)."""
        self.portfolio = portfolio
        wanted = self._wanted_csm or self.csm.currentData()
        self._wanted_csm = ""
        self.csm.blockSignals(True)
        self.csm.clear()
        self.csm.addItem("All CSMs", "")
        for csm in sorted({r.csm for r in portfolio.rows if r.csm}):
            self.csm.addItem(csm, csm)
        self.csm.setCurrentIndex(max(0, self.csm.findData(wanted)))
        self.csm.blockSignals(False)
        self._show()

    def on_change(self, change: Change) -> None:
        """New settings may bring another value-at-risk rule or other windows."""
        if change.about("settings"):
            rule = configured_rule()
            if rule != self.rule:
                self.rule = rule
                self._fill_windows()
                self._show()

    def chosen_window(self) -> Window:
        key = str(self.window_choice.currentData() or DEFAULT_WINDOW)
        return self.rule.window(key) or self.rule.windows[0]

    def _fill_windows(self) -> None:
        wanted = self.window_choice.currentData() or DEFAULT_WINDOW
        self.window_choice.blockSignals(True)
        self.window_choice.clear()
        for window in self.rule.windows:
            self.window_choice.addItem(window.label, window.key)
        self.window_choice.setCurrentIndex(max(0, self.window_choice.findData(wanted)))
        self.window_choice.blockSignals(False)

    def _show(self) -> None:
        rows = self.portfolio.rows if self.portfolio else ()
        book = of_csm(rows, str(self.csm.currentData() or "") or None)
        today, window = self.day, self.chosen_window()
        self.totals = totals = totals_of(book, today=today, rule=self.rule)
        due = renewals_due(book, window, today=today)
        self.model.set_rows(due, today=today, rule=self.rule)
        self._show_totals(totals, at_risk=[r for r in book if r.key in set(totals.at_risk)])
        self.definition.setText(
            f"{self.rule.definition()} Listed below: clients {window.definition(today)}; "
            "a renewal whose date has passed is listed as overdue. ARR in bold counts in "
            "the value at risk; dates in italics are estimated from the start date and the "
            "contract's term."
        )
        arr = sum(r.arr for r in due)
        self.summary.setText(
            f"{len(due)} of {len(book)} clients renewing · {window.label.lower()} · "
            f"ARR {formatting.money(arr)}"
        )
        self.empty_hint.setText(f"No client renews {window.definition(today)}.")
        self.empty_hint.setVisible(bool(book) and not due)
        if not self._sized and due:
            self._sized = True
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader()
            header.setSectionResizeMode(C_NAME, QHeaderView.ResizeMode.Stretch)

    def _show_totals(self, totals: BookTotals, *, at_risk: list[PortfolioRow]) -> None:
        money = formatting.money
        self.arr.value.setText(money(totals.arr))
        parts = [
            f"{status_label(s)} {money(totals.arr_by_status[s])}"
            for s in ("red", "yellow", "green")
        ]
        if totals.arr_by_status["unknown"]:
            parts.append(f"Not rated {money(totals.arr_by_status['unknown'])}")
        self.by_status.value.setText("   ".join(parts))
        clients = len(totals.at_risk)
        self.at_risk.value.setText(
            f"{money(totals.value_at_risk)} ({clients} client{'s' * (clients != 1)})"
        )
        self.at_risk.setToolTip(
            "\n".join(
                f"{r.name}: {money(r.arr)}, {r.renewal.renews_in() if r.renewal else ''}"
                for r in at_risk
            )
            or "No client is at risk under the rule."
        )
        self.this_month.value.setText(str(totals.renewals_this_month))

    # --- remembered --------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        """The window and CSM chosen, the sort and the columns, for the next start."""
        settings.setValue("renewals/window", str(self.window_choice.currentData() or ""))
        settings.setValue("renewals/csm", str(self.csm.currentData() or ""))
        save_table(settings, "renewals", self.table)

    def restore_state(self, settings: QSettings) -> None:
        key = str(settings.value("renewals/window", DEFAULT_WINDOW))
        self.window_choice.setCurrentIndex(max(0, self.window_choice.findData(key)))
        self._wanted_csm = str(settings.value("renewals/csm", ""))  # the CSMs come with the data
        if restore_table(settings, "renewals", self.table):
            self._sized = True
