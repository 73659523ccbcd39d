"""The Client dashboard tab: the tier's panels, trend charts and the weekly tracking table."""

from __future__ import annotations

from typing import Any, Unpack

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from csconsole import clock
from csconsole.dashboard import Dashboard, Panel, Series, build_dashboard, metric_series
from csconsole.views.bus import Change
from csconsole.views.dashboard.chart import TrendChart
from csconsole.views.dashboard.explanation import ExplanationDialog
from csconsole.views.dashboard.panels import PanelBox, StatusChip, WeeklyTable
from csconsole.views.import_dialog import sheet_path
from csconsole.views.portfolio_view import trend_arrow
from csconsole.views.tab import Tab, TabServices
from csconsole.views.table_state import restore_table, save_table
from csconsole.views.tasks import TaskContext

#: Panels side by side.
PANEL_COLUMNS = 4


class DashboardView(Tab):
    """Client and month selectors, the status chip, panels, chart and weekly table."""

    #: A client-month was shown (client key, month): the Reviews tab follows it.
    shown = Signal(str, str)
    #: A tracking sheet (.csv, .xlsx, .xlsm) was dropped here: import it.
    file_dropped = Signal(str)

    def __init__(self, **services: Unpack[TabServices]) -> None:
        super().__init__(**services)
        self.client_key: str | None = None
        self.pending_client: str | None = None
        self._listed: list[tuple[str, str]] = []  # the picker's clients, as last filled
        self.pending_month: str | None = None
        self.dashboard: Dashboard | None = None
        self.client = QComboBox()
        self.client.setEditable(True)
        self.client.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.client.setAccessibleName("Client")
        self.client.setMinimumWidth(260)
        self.month = QComboBox()
        self.month.setAccessibleName("Month")
        self.chip = StatusChip()
        self.chip.setEnabled(False)
        self.headline = QLabel()
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QHBoxLayout()
        client_label = QLabel("&Client:")
        client_label.setBuddy(self.client)
        header.addWidget(client_label)
        header.addWidget(self.client)
        month_label = QLabel("&Month:")
        month_label.setBuddy(self.month)
        header.addWidget(month_label)
        header.addWidget(self.month)
        header.addWidget(self.chip)
        header.addWidget(self.headline, 1)

        self.panels_host = QWidget()
        self.panels_grid = QGridLayout(self.panels_host)
        panels_scroll = QScrollArea()
        panels_scroll.setWidgetResizable(True)
        panels_scroll.setFrameShape(QFrame.Shape.NoFrame)
        panels_scroll.setWidget(self.panels_host)
        self.chart = TrendChart()
        self.weekly = WeeklyTable()
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.chart)
        lower.addWidget(self.weekly)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([600, 460])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(panels_scroll)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([520, 340])
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        #: One line at the top while there is nothing to show; the controls stay in place.
        self.placeholder = QLabel(
            "Choose a client above, or double-click one in the Portfolio (Ctrl+1)."
        )
        self.placeholder.setObjectName("emptyHint")
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.placeholder)
        layout.addWidget(splitter, 1)
        layout.addStretch(0)  # keeps the header at the top while the body is hidden
        self.body = splitter
        self.body.hide()
        self.chip.hide()
        self.month.setEnabled(False)
        self._wanted_month: str | None = None
        self._wanted_metric = ""
        self._load_on_show = False
        self.setAcceptDrops(True)

        self.client.activated.connect(self._client_chosen)
        self.month.activated.connect(lambda _i: self.load())
        self.chip.clicked.connect(self.show_explanation)
        self.chart.range_changed.connect(lambda _m: self.load_chart())
        self.chart.metric_changed.connect(lambda _k: self.load_chart())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if sheet_path(event.mimeData()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if sheet_path(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = sheet_path(event.mimeData())
        if path:
            event.acceptProposedAction()
            self.file_dropped.emit(path)

    # --- data flow ---------------------------------------------------------------

    def set_clients(self, clients: list[tuple[str, str]], *, default: str | None = None) -> None:
        """Fill the picker. The client shown stays; else the last one viewed, else
        ``default`` (the portfolio's worst client), so the tab never opens empty."""
        current = self.client_key or self.pending_client
        listed = sorted(clients, key=lambda c: c[1].casefold())
        if listed != self._listed:  # a refresh that changed no client keeps the picker
            self._listed = listed
            self.client.blockSignals(True)
            self.client.clear()
            for key, name in listed:
                self.client.addItem(f"{name} ({key})", key)
            self.client.blockSignals(False)
        if not (current and self.client.findData(current) >= 0):
            current = default
        if current and self.client.findData(current) >= 0:
            if current == self.client_key and self.dashboard is not None:
                self.client.setCurrentIndex(self.client.findData(current))
            else:
                self.show_client(current, self._wanted_month or self.pending_month)
        else:
            self.client.setCurrentIndex(-1)

    def _client_chosen(self, index: int) -> None:
        key = self.client.itemData(index)
        if key:
            self.show_client(str(key))

    def show_client(self, key: str, month: str | None = None) -> None:
        """Show ``key`` (in ``month`` when given, else its latest month); the work waits
        until the tab is on screen."""
        self.pending_client = None
        self.pending_month = None
        if key != self.client_key:
            self.month.clear()
        self.client_key = key
        self._wanted_month = month
        index = self.client.findData(key)
        if index >= 0:
            self.client.setCurrentIndex(index)
        if self.isVisible():
            self.load()
        else:
            self._load_on_show = True

    def follow(self, key: str, month: str) -> None:
        """Another tab chose this client-month: show it too (nothing when already shown)."""
        if (key, month) != (self.client_key, self.current_month()):
            self.show_client(key, month)

    def current_month(self) -> str:
        if self._wanted_month:
            return self._wanted_month
        return str(self.month.currentData() or (self.dashboard.month if self.dashboard else ""))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self._load_on_show:
            self._load_on_show = False
            self.load()

    def on_change(self, change: Change) -> None:
        """The client shown reloads when its data, alerts, opportunities or the bands
        change, and only then."""
        if change.touches(self.client_key) and change.about(
            "data", "alerts", "opportunities", "settings"
        ):
            self.load()

    def load(self) -> None:
        if not self.client_key:
            return
        self._load_on_show = False
        key, today = self.client_key, self.today
        month = self._wanted_month or self.month.currentData()

        def work(_ctx: TaskContext) -> Dashboard:
            return build_dashboard(
                self.cache, self.catalog, client_key=key, month=month, today=today
            )

        self.runner.start("dashboard", work, on_success=self.set_dashboard, on_failure=self._failed)

    def _failed(self, message: str) -> None:
        self.headline.setText(message)

    def set_dashboard(self, dashboard: Dashboard) -> None:
        if dashboard.client.key != self.client_key:
            return  # another client was chosen while this one loaded
        self.dashboard = dashboard
        self._wanted_month = None
        self.placeholder.hide()
        self.body.show()
        self.chip.show()
        self.month.setEnabled(True)
        self.month.blockSignals(True)
        self.month.clear()
        for label in dashboard.months:
            self.month.addItem(label, label)
        self.month.setCurrentIndex(max(0, self.month.findData(dashboard.month)))
        self.month.blockSignals(False)
        ev = dashboard.explanation.current
        rating = "—" if ev.rating is None else f"{ev.rating:.1f}/10"
        self.chip.setEnabled(True)
        self.chip.set_status(ev.status)
        self.chip.setToolTip(
            "\n".join(r.text for r in ev.reasons) or "Every targeted metric is on target."
        )
        client = dashboard.client
        self.headline.setText(
            f"{client.tier.capitalize()} · package ${client.package_value:,.0f} · rating {rating} "
            f"{trend_arrow(ev.trend)} · CSM {client.csm or '—'} · technical lead "
            f"{client.technical_lead or '—'}" + ("" if ev.complete else " · month to date")
        )
        self._set_panels(dashboard.panels)
        self.weekly.set_rows(dashboard)
        keep = self._wanted_metric or str(self.chart.metric_box.currentData() or "")
        self._wanted_metric = ""
        self.chart.set_metrics(dashboard.chart_metrics, keep or "uptime")
        self.load_chart()
        self.shown.emit(client.key, dashboard.month)

    def _set_panels(self, panels: tuple[Panel, ...]) -> None:
        while self.panels_grid.count():
            item = self.panels_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for i, panel in enumerate(panels):
            self.panels_grid.addWidget(PanelBox(panel), i // PANEL_COLUMNS, i % PANEL_COLUMNS)
        for column in range(PANEL_COLUMNS):
            self.panels_grid.setColumnStretch(column, 1)

    def load_chart(self) -> None:
        dashboard = self.dashboard
        metric = str(self.chart.metric_box.currentData() or "")
        if dashboard is None or not metric:
            return
        kpi = dashboard.explanation.current.kpi(metric)
        target = kpi.target if kpi else None
        months = self.chart.months()
        today = self.today or clock.today()

        def work(_ctx: TaskContext) -> Series:
            return metric_series(
                self.cache,
                self.catalog,
                client=dashboard.client,
                metric=metric,
                months=months,
                today=today,
                target=target,
            )

        self.runner.start("chart", work, on_success=self.chart.set_data, on_failure=self._failed)

    def show_explanation(self) -> None:
        if self.dashboard is not None:
            ExplanationDialog(self.dashboard, self).exec()

    def save_state(self, settings: QSettings) -> None:
        """The client, month, chart metric and range, for the next start."""
        if self.client_key:
            settings.setValue("dashboard/client", self.client_key)
            settings.setValue("dashboard/month", self.current_month())
        metric = self.chart.metric_box.currentData()
        if metric:
            settings.setValue("dashboard/metric", str(metric))
        settings.setValue("dashboard/range", self.chart.months())
        save_table(settings, "dashboard/weekly", self.weekly)

    def restore_state(self, settings: QSettings) -> None:
        client, month = settings.value("dashboard/client"), settings.value("dashboard/month")
        if isinstance(client, str) and client:
            self.pending_client = client
            self.pending_month = month if isinstance(month, str) and month else None
        metric = settings.value("dashboard/metric")
        self._wanted_metric = metric if isinstance(metric, str) else ""
        months = str(settings.value("dashboard/range", ""))
        button = self.chart.range_buttons.button(int(months)) if months.isdigit() else None
        if button is not None:
            button.setChecked(True)
        restore_table(settings, "dashboard/weekly", self.weekly)

    def theme_changed(self) -> None:
        self.chart.apply_theme()
        if self.dashboard is not None:
            self.set_dashboard(self.dashboard)

    def current(self) -> Any:
        return self.dashboard
